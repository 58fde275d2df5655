package translate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/catalog"
	"github.com/scapql/scapql/translate/falco"
	"github.com/scapql/scapql/translate/wireshark"
)

// Convert rewrites a filter in the other dialect: a Wireshark-dialect filter in Falco syntax
// (as Stratoshark's translator does) or a Falco one in Wireshark syntax. The filter is read in
// opts.Dialect (Auto: as Compile reads it) and must translate. What one dialect cannot say
// (Falco's glob, startswith or oneof in Wireshark; Wireshark's slices, arithmetic, matches or
// xor in Falco) is an error naming the construct. Converting to the filter's own dialect
// prints it back in canonical form.
func Convert(filter string, opts Options, to Dialect) (out string, err error) {
	r, err := Compile(filter, opts)
	if err != nil {
		return "", err
	}
	var e ast.Expr
	if r.Dialect == Falco {
		e, err = falco.Parse(r.Source, opts.MaxDepth)
	} else {
		e, err = wireshark.Parse(r.Source, opts.MaxDepth)
	}
	if err != nil {
		return "", err
	}
	c := &converter{from: r.Dialect, to: to}
	defer func() {
		if p := recover(); p != nil {
			ce, ok := p.(convertError)
			if !ok {
				panic(p)
			}
			out, err = "", ce
		}
	}()
	var b strings.Builder
	c.expr(&b, e)
	return b.String(), nil
}

// convertError is a construct the target dialect cannot express.
type convertError struct{ msg string }

func (e convertError) Error() string { return e.msg }

type converter struct{ from, to Dialect }

// fail reports what (a construct of the filter) the target dialect cannot express.
func (c *converter) fail(what string) {
	panic(convertError{what + " has no " + c.to.String() + "-dialect equivalent"})
}

func (c *converter) expr(b *strings.Builder, e ast.Expr) {
	switch e := e.(type) {
	case *ast.Logical:
		op := map[ast.LogicOp]string{ast.And: " and ", ast.Or: " or ", ast.Xor: " xor "}[e.Op]
		if c.to == Wireshark {
			op = map[ast.LogicOp]string{ast.And: " && ", ast.Or: " || ", ast.Xor: " ^^ "}[e.Op]
		} else if e.Op == ast.Xor {
			c.fail("xor")
		}
		b.WriteByte('(')
		for i, x := range e.Operands {
			if i > 0 {
				b.WriteString(op)
			}
			c.expr(b, x)
		}
		b.WriteByte(')')
	case *ast.Not:
		if c.to == Wireshark {
			b.WriteString("!(")
		} else {
			b.WriteString("not (")
		}
		c.expr(b, e.X)
		b.WriteByte(')')
	case *ast.Paren:
		c.expr(b, e.X)
	case *ast.MacroRef, *ast.Macro:
		c.fail("a macro reference")
	case *ast.Compare:
		c.compare(b, e)
	default:
		c.fail("this expression")
	}
}

// field is a field reference normalised across the dialects.
type convField struct {
	name, arg string
	hasArg    bool
	typ       catalog.Type
}

var wsIndexedField = regexp.MustCompile(`^(evt\.arg|proc\.aname|proc\.apid)\.([0-9]+)$`)

// fieldOf resolves an operand that names a field; ok is false for literals.
func (c *converter) fieldOf(o ast.Operand) (convField, bool) {
	switch o := o.(type) {
	case *ast.Field:
		f, ok := catalog.Lookup(o.Name)
		if !ok {
			c.fail("field " + o.Name)
		}
		return convField{name: o.Name, arg: o.Arg, hasArg: o.HasArg, typ: f.Type}, true
	case *ast.Word:
		if m := wsIndexedField.FindStringSubmatch(o.Text); m != nil {
			f, _ := catalog.Lookup(m[1])
			return convField{name: m[1], arg: m[2], hasArg: true, typ: f.Type}, true
		}
		if f, ok := catalog.Lookup(o.Text); ok {
			return convField{name: o.Text, typ: f.Type}, true
		}
		if o.Dot {
			c.fail("field ." + o.Text)
		}
	}
	return convField{}, false
}

func (c *converter) writeField(b *strings.Builder, f convField) {
	if !f.hasArg {
		b.WriteString(f.name)
		return
	}
	if c.to == Falco {
		b.WriteString(f.name + "[" + f.arg + "]")
		return
	}
	if _, err := strconv.ParseUint(f.arg, 10, 31); err == nil && (f.name == "evt.arg" || f.name == "proc.aname" || f.name == "proc.apid") {
		b.WriteString(f.name + "." + f.arg)
		return
	}
	c.fail(f.name + "[" + f.arg + "]")
}

var falcoToWiresharkOps = map[ast.CmpOp]string{ast.Eq: "==", ast.Ne: "!=", ast.Lt: "<", ast.Le: "<=",
	ast.Gt: ">", ast.Ge: ">=", ast.Contains: "contains", ast.In: "in"}

func (c *converter) compare(b *strings.Builder, e *ast.Compare) {
	if call, ok := e.Left.(*ast.Call); ok {
		if e.Op == ast.Exists {
			c.fail("exists on a function")
		}
		c.call(b, call)
		c.rest(b, e, convField{typ: catalog.CHARBUF})
		return
	}
	f, ok := c.fieldOf(e.Left)
	if !ok {
		switch e.Left.(type) {
		case *ast.Slice:
			c.fail("a slice")
		case *ast.Arith, *ast.Unary:
			c.fail("arithmetic")
		}
		c.fail("a comparison whose left side is not a field")
	}
	c.writeField(b, f)
	if e.Op == ast.Exists {
		if c.to == Falco {
			b.WriteString(" exists")
		}
		return
	}
	c.rest(b, e, f)
}

// rest writes the operator and the right-hand side of a comparison on field f.
func (c *converter) rest(b *strings.Builder, e *ast.Compare, f convField) {
	if e.Mod != ast.NoModifier {
		if c.to == Wireshark {
			c.fail("the " + e.Mod.String() + " modifier")
		}
	}
	if c.to == Wireshark {
		op, ok := falcoToWiresharkOps[e.Op]
		if !ok {
			c.fail("operator " + e.Op.String())
		}
		b.WriteString(" " + op + " ")
	} else {
		if e.Op == ast.Matches {
			c.fail("operator matches (PCRE, case-insensitive)")
		}
		b.WriteString(" " + e.Op.String() + " ")
		if e.Mod != ast.NoModifier {
			b.WriteString(e.Mod.String() + " ")
		}
	}
	c.value(b, e.Right, f, e.Op == ast.In || e.Op == ast.Intersects || e.Mod != ast.NoModifier)
}

func (c *converter) call(b *strings.Builder, call *ast.Call) {
	names := map[string]string{"tolower": "lower", "toupper": "upper", "val": "val"}
	if c.to == Falco {
		names = map[string]string{"lower": "tolower", "upper": "toupper"}
	}
	if c.from == c.to {
		names = map[string]string{call.Name: call.Name}
	}
	n, ok := names[call.Name]
	if !ok || len(call.Args) != 1 {
		c.fail("function " + call.Name + "()")
	}
	f, ok := c.fieldOf(call.Args[0])
	if !ok {
		c.fail("function " + call.Name + "() of a value")
	}
	if n == "val" && c.to == Wireshark {
		c.writeField(b, f) // a field on the right of a Wireshark comparison is its value
		return
	}
	b.WriteString(n + "(")
	c.writeField(b, f)
	b.WriteByte(')')
}

// value writes a comparison's right-hand side for field f.
func (c *converter) value(b *strings.Builder, o ast.Operand, f convField, list bool) {
	if l, ok := o.(*ast.List); ok {
		if l.Name != "" {
			c.fail("list name " + l.Name + " (give the rules file to translate)")
		}
		if c.to == Wireshark {
			b.WriteByte('{')
		} else {
			b.WriteByte('(')
		}
		for i, x := range l.Elems {
			if i > 0 {
				if c.to == Wireshark {
					b.WriteByte(' ')
				} else {
					b.WriteString(", ")
				}
			}
			c.value(b, x, f, false)
		}
		if c.to == Wireshark {
			b.WriteByte('}')
		} else {
			b.WriteByte(')')
		}
		return
	}
	if _, ok := o.(*ast.Range); ok {
		c.fail("a set range")
	}
	if call, ok := o.(*ast.Call); ok {
		c.call(b, call)
		return
	}
	if rf, ok := c.fieldOf(o); ok && c.from == Wireshark {
		// A field on the right compares with its value.
		if c.to == Falco {
			b.WriteString("val(")
			c.writeField(b, rf)
			b.WriteByte(')')
		} else {
			c.writeField(b, rf)
		}
		return
	}
	text, quoted := c.literal(o, f)
	switch {
	case f.typ == catalog.BOOL && !quoted:
		// Wireshark writes True, False, 1 and 0; Falco only true and false.
		switch strings.ToLower(text) {
		case "true", "1":
			text = "true"
		case "false", "0":
			text = "false"
		}
	case f.typ == catalog.PORT && c.to == Wireshark:
		// A service name (http) is a port in Falco; Wireshark wants the number.
		if n, ok := catalog.Service(text); ok {
			text, quoted = strconv.Itoa(n), false
		}
	}
	c.writeLiteral(b, text, quoted, f)
}

// literal returns a value's text and whether it was written as a string.
func (c *converter) literal(o ast.Operand, f convField) (string, bool) {
	switch o := o.(type) {
	case *ast.Literal:
		switch o.Kind {
		case ast.Bare:
			return o.Value, false
		case ast.CharConst:
			c.fail("a character constant")
		}
		return o.Value, true
	case *ast.Word:
		t := o.Text
		if isNumericType(f.typ) {
			if n, err := strconv.ParseInt(t, 0, 64); err == nil {
				return strconv.FormatInt(n, 10), false
			}
		}
		if f.typ == catalog.BYTEBUF || f.typ == catalog.CHARBUF {
			if bs, ok := byteString(t); ok {
				return bs, true
			}
		}
		return t, false
	case *ast.Unary:
		if w, ok := o.X.(*ast.Word); ok && o.Op == '-' && isNumericType(f.typ) {
			if n, err := strconv.ParseInt(w.Text, 0, 64); err == nil {
				return strconv.FormatInt(-n, 10), false
			}
		}
		c.fail("unary " + string(o.Op))
	case *ast.Slice:
		c.fail("a slice")
	case *ast.Arith:
		c.fail("arithmetic")
	}
	c.fail("this value")
	return "", false
}

// byteString decodes a Wireshark byte string (47:45:54).
func byteString(t string) (string, bool) {
	parts := strings.Split(strings.TrimPrefix(t, ":"), ":")
	if len(parts) < 2 {
		return "", false
	}
	var b strings.Builder
	for _, p := range parts {
		v, err := strconv.ParseUint(p, 16, 8)
		if err != nil || len(p) != 2 {
			return "", false
		}
		b.WriteByte(byte(v))
	}
	return b.String(), true
}

func isNumericType(t catalog.Type) bool {
	switch t {
	case catalog.UINT64, catalog.UINT32, catalog.INT64, catalog.INT32, catalog.INT16, catalog.PORT,
		catalog.ABSTIME, catalog.RELTIME, catalog.DOUBLE:
		return true
	}
	return false
}

var falcoBare = regexp.MustCompile(`^[A-Za-z0-9_./:*+@-]+$`)

func (c *converter) writeLiteral(b *strings.Builder, text string, quoted bool, f convField) {
	if c.to == Falco {
		switch text {
		case "and", "or", "not", "in", "exists":
			quoted = true
		}
		if !quoted && falcoBare.MatchString(text) {
			b.WriteString(text)
			return
		}
		b.WriteString(quote(text))
		return
	}
	switch f.typ {
	case catalog.CHARBUF, catalog.BYTEBUF, catalog.DYNAMIC:
		b.WriteString(quote(text))
	default:
		if quoted && !falcoBare.MatchString(text) {
			b.WriteString(quote(text))
			return
		}
		b.WriteString(text)
	}
}

// quote writes a double-quoted string both dialects read back as text: backslash and quote
// escaped, other bytes outside printable ASCII as \xHH.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' || ch == '\\':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case ch < 0x20 || ch >= 0x7f:
			fmt.Fprintf(&b, `\x%02x`, ch)
		default:
			b.WriteByte(ch)
		}
	}
	b.WriteByte('"')
	return b.String()
}
