// Package sqlgen emits a DuckDB boolean expression (for a WHERE clause over the events table)
// from a checked filter. Every literal goes through sqlquote.String; column expressions are
// built from the fields the checker bound and their arguments (columns.go).
package sqlgen

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate/ir"
)

// Emit renders e. The result is a self-contained, parenthesised boolean expression that is
// never NULL, so it can be combined with other conditions as is.
func Emit(e ir.Expr) (sql string, err error) {
	defer catch(&sql, &err)
	g := &gen{}
	return g.expr(e), nil
}

// catch turns a broken invariant into the error of Emit or ColumnSQL.
func catch(sql *string, err *error) {
	if r := recover(); r != nil {
		inv, ok := r.(invariant)
		if !ok {
			panic(r)
		}
		*sql, *err = "", fmt.Errorf("sqlgen: %s", string(inv))
	}
}

type gen struct {
	lambda int // nesting of list lambdas, to name their variables uniquely
}

func (g *gen) expr(e ir.Expr) string {
	switch e := e.(type) {
	case *ir.And:
		return g.join(e.Xs, " AND ")
	case *ir.Or:
		return g.join(e.Xs, " OR ")
	case *ir.Not:
		return "(NOT " + g.expr(e.X) + ")"
	case *ir.Xor:
		// Both sides are never NULL, so inequality is exclusive or.
		return "(" + g.expr(e.X) + " <> " + g.expr(e.Y) + ")"
	case *ir.Const:
		if e.V {
			return "true"
		}
		return "false"
	case *ir.Exists:
		if isList(e.X) {
			return isTrue("len(" + g.value(e.X) + ") > 0")
		}
		if neverNull(e.X) {
			return "true"
		}
		return "(" + g.value(e.X) + " IS NOT NULL)"
	case *ir.Cmp:
		return guard(g.cmp(e), e.X, e.Y)
	case *ir.In:
		if len(e.Items) == 0 {
			return "false"
		}
		items := make([]string, len(e.Items))
		for i, it := range e.Items {
			items[i] = g.value(it)
		}
		args := append([]ir.Value{e.X}, e.Items...)
		return guard(g.value(e.X)+" IN ("+strings.Join(items, ", ")+")", args...)
	case *ir.Match:
		x := g.value(e.X)
		if e.X.Type() == ir.Bytes {
			x = "hex(" + x + ")"
		}
		fn := "regexp_matches"
		if e.Full {
			fn = "regexp_full_match"
		}
		return guard(fn+"("+x+", "+sqlquote.String(e.Pattern)+")", e.X)
	case *ir.CIDR:
		return isTrue(g.cidr(e))
	case *ir.AnyElem:
		list := g.value(e.List)
		g.lambda++
		v := g.elemName()
		body := g.expr(e.Body)
		g.lambda--
		return isTrue("len(list_filter(" + list + ", lambda " + v + ": " + body + ")) > 0")
	}
	panic(invariant(fmt.Sprintf("unknown expression %T", e)))
}

func (g *gen) join(xs []ir.Expr, sep string) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = g.expr(x)
	}
	return "(" + strings.Join(parts, sep) + ")"
}

func (g *gen) elemName() string { return "e" + strconv.Itoa(g.lambda) }

// guard makes a predicate false rather than NULL when an input can be NULL.
func guard(pred string, inputs ...ir.Value) string {
	for _, in := range inputs {
		if !neverNull(in) {
			return isTrue(pred)
		}
	}
	return "(" + pred + ")"
}

// isTrue is pred made false where it is NULL. IS TRUE rather than coalesce(pred, false):
// DuckDB pushes it into scans and turns outer joins into inner ones, which coalesce hides.
func isTrue(pred string) string { return "((" + pred + ") IS TRUE)" }

func neverNull(v ir.Value) bool {
	switch v := v.(type) {
	case *ir.Lit:
		return true
	case *ir.Column:
		return v.NeverNull
	}
	return false
}

func isList(v ir.Value) bool {
	c, ok := v.(*ir.Column)
	return ok && c.List
}

var cmpOps = map[ir.Op]string{ir.Eq: "=", ir.Ne: "<>", ir.Lt: "<", ir.Le: "<=", ir.Gt: ">", ir.Ge: ">="}

func (g *gen) cmp(c *ir.Cmp) string {
	x, y := g.value(c.X), g.value(c.Y)
	if op, ok := cmpOps[c.Op]; ok {
		return x + " " + op + " " + y
	}
	if c.X.Type() == ir.Bytes {
		// Byte search on the hex rendering: two digits per byte, so the needle must sit at an
		// even offset.
		lit, ok := c.Y.(*ir.Lit)
		if !ok {
			panic(invariant("byte search needs a constant needle"))
		}
		needle := strings.ToUpper(fmt.Sprintf("%x", lit.Bytes))
		switch c.Op {
		case ir.Contains:
			return "regexp_matches(hex(" + x + "), " + sqlquote.String("^(?:[0-9A-F]{2})*?"+needle) + ")"
		case ir.StartsWith:
			return "starts_with(hex(" + x + "), " + sqlquote.String(needle) + ")"
		case ir.EndsWith:
			return "ends_with(hex(" + x + "), " + sqlquote.String(needle) + ")"
		}
	}
	switch c.Op {
	case ir.Contains:
		return "contains(" + x + ", " + y + ")"
	case ir.StartsWith:
		return "starts_with(" + x + ", " + y + ")"
	case ir.EndsWith:
		return "ends_with(" + x + ", " + y + ")"
	}
	panic(invariant(fmt.Sprintf("unknown comparison %d", c.Op)))
}

const (
	upperASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lowerASCII = "abcdefghijklmnopqrstuvwxyz"
)

func (g *gen) value(v ir.Value) string {
	switch v := v.(type) {
	case *ir.Column:
		return column(v)
	case *ir.Elem:
		return g.elemName()
	case *ir.Lit:
		return lit(v)
	case *ir.Func:
		return g.fn(v)
	}
	panic(invariant(fmt.Sprintf("unknown value %T", v)))
}

func lit(l *ir.Lit) string {
	switch l.K {
	case ir.String, ir.IP:
		if !utf8.ValidString(l.Str) {
			panic(invariant("string literal is not valid UTF-8"))
		}
		return sqlquote.String(l.Str)
	case ir.Int:
		if _, ok := new(big.Int).SetString(l.Int, 10); !ok {
			panic(invariant("integer literal " + strconv.Quote(l.Int) + " is not decimal"))
		}
		return l.Int
	case ir.Bool:
		if l.Bool {
			return "true"
		}
		return "false"
	case ir.Bytes:
		return blob(l.Bytes)
	case ir.Double:
		return "CAST(" + sqlquote.String(strconv.FormatFloat(l.Float, 'g', -1, 64)) + " AS DOUBLE)"
	}
	panic(invariant("unknown literal kind"))
}

func (g *gen) fn(f *ir.Func) string {
	a := make([]string, len(f.Args))
	for i, x := range f.Args {
		a[i] = g.value(x)
	}
	arg := func(i int) string { return a[i] }
	switch f.Name {
	case ir.FnLower:
		return "translate(" + arg(0) + ", '" + upperASCII + "', '" + lowerASCII + "')"
	case ir.FnUpper:
		return "translate(" + arg(0) + ", '" + lowerASCII + "', '" + upperASCII + "')"
	case ir.FnB64:
		return "TRY(decode(from_base64(" + arg(0) + ")))"
	case ir.FnBasename:
		return "regexp_extract(" + arg(0) + ", '[^/]*$')"
	case ir.FnStrLen:
		return "strlen(" + arg(0) + ")"
	case ir.FnByteLen:
		return "octet_length(" + arg(0) + ")"
	case ir.FnListLen:
		return "len(" + arg(0) + ")"
	case ir.FnConcat:
		return "(" + strings.Join(a, " || ") + ")"
	case ir.FnNeg:
		return "(- " + arg(0) + ")"
	case ir.FnAdd:
		return "(" + arg(0) + " + " + arg(1) + ")"
	case ir.FnSub:
		return "(" + arg(0) + " - " + arg(1) + ")"
	case ir.FnMul:
		return "(" + arg(0) + " * " + arg(1) + ")"
	case ir.FnDiv:
		if f.K == ir.Double {
			return "(" + arg(0) + " / nullif(" + arg(1) + ", 0))"
		}
		return "(" + arg(0) + " // nullif(" + arg(1) + ", 0))"
	case ir.FnMod:
		return "(" + arg(0) + " % nullif(" + arg(1) + ", 0))"
	case ir.FnBitAnd:
		return "(" + arg(0) + " & " + arg(1) + ")"
	case ir.FnAbs:
		return "abs(" + arg(0) + ")"
	case ir.FnMin:
		return "least(" + strings.Join(a, ", ") + ")"
	case ir.FnMax:
		return "greatest(" + strings.Join(a, ", ") + ")"
	case ir.FnToString:
		return "CAST(" + arg(0) + " AS VARCHAR)"
	case ir.FnToDouble:
		return "CAST(" + arg(0) + " AS DOUBLE)"
	case ir.FnCount:
		return "CASE WHEN " + arg(0) + " IS NOT NULL THEN 1 END"
	case ir.FnSubstr, ir.FnSubstrEnd:
		return g.substr(f, a)
	case ir.FnIPFamily4:
		return "CASE WHEN NOT contains(" + arg(0) + ", ':') THEN " + arg(0) + " END"
	case ir.FnIPFamily6:
		return "CASE WHEN contains(" + arg(0) + ", ':') THEN " + arg(0) + " END"
	}
	panic(invariant("unknown function " + f.Name))
}

// substr renders a Wireshark slice: offsets are 0-based, negative ones count from the end,
// and a slice that runs past the value yields NULL (Wireshark: no match).
func (g *gen) substr(f *ir.Func, a []string) string {
	start, err := strconv.Atoi(f.Args[1].(*ir.Lit).Int)
	if err != nil {
		panic(invariant("slice offset"))
	}
	x := a[0]
	if f.K == ir.Bytes {
		return g.substrBytes(f, x, start)
	}
	if f.Name == ir.FnSubstrEnd {
		if start >= 0 {
			return fmt.Sprintf("CASE WHEN length(%s) >= %d THEN substr(%s, %d) END", x, start, x, start+1)
		}
		return fmt.Sprintf("CASE WHEN length(%s) >= %d THEN right(%s, %d) END", x, -start, x, -start)
	}
	n, err := strconv.Atoi(f.Args[2].(*ir.Lit).Int)
	if err != nil {
		panic(invariant("slice length"))
	}
	if start >= 0 {
		return fmt.Sprintf("CASE WHEN length(%s) >= %d THEN substr(%s, %d, %d) END", x, start+n, x, start+1, n)
	}
	k := -start
	return fmt.Sprintf("CASE WHEN length(%s) >= %d THEN substr(%s, length(%s) - %d, %d) END", x, max(k, n), x, x, k-1, n)
}

// substrBytes is substr on a byte buffer: offsets and lengths count bytes. DuckDB has no
// substr of a BLOB, so the slice is taken from its hex text, two digits a byte.
func (g *gen) substrBytes(f *ir.Func, x string, start int) string {
	h := "hex(" + x + ")"
	if f.Name == ir.FnSubstrEnd {
		if start >= 0 {
			return fmt.Sprintf("CASE WHEN octet_length(%s) >= %d THEN unhex(substr(%s, %d)) END", x, start, h, 2*start+1)
		}
		return fmt.Sprintf("CASE WHEN octet_length(%s) >= %d THEN unhex(right(%s, %d)) END", x, -start, h, -2*start)
	}
	n, err := strconv.Atoi(f.Args[2].(*ir.Lit).Int)
	if err != nil {
		panic(invariant("slice length"))
	}
	if start >= 0 {
		return fmt.Sprintf("CASE WHEN octet_length(%s) >= %d THEN unhex(substr(%s, %d, %d)) END", x, start+n, h, 2*start+1, 2*n)
	}
	k := -start
	return fmt.Sprintf("CASE WHEN octet_length(%s) >= %d THEN unhex(substr(%s, length(%s) - %d, %d)) END", x, max(k, n), h, h, 2*k-1, 2*n)
}

// let binds x to a fresh lambda variable for body, so that a long expression over x repeats
// only the variable: list_transform([x], lambda v: body(v))[1].
func (g *gen) let(x string, body func(v string) string) string {
	g.lambda++
	v := "v" + strconv.Itoa(g.lambda)
	b := body(v)
	g.lambda--
	return "list_transform([" + x + "], lambda " + v + ": " + b + ")[1]"
}

// cidr renders "address X lies in prefix P" on the text form of X. It is NULL or false when X
// is not an address of P's family.
func (g *gen) cidr(c *ir.CIDR) string {
	p := c.Prefix.Masked()
	bits := p.Bits()
	return g.let(g.value(c.X), func(x string) string {
		if p.Addr().Is4() {
			if bits == 0 {
				return "(" + ipv4Int(x) + " IS NOT NULL)"
			}
			net := new(big.Int).SetBytes(p.Addr().AsSlice())
			net.Rsh(net, uint(32-bits))
			return fmt.Sprintf("((%s >> %d) = %s)", ipv4Int(x), 32-bits, net)
		}
		hexAddr := fmt.Sprintf("%x", p.Addr().AsSlice())
		whole, rest := bits/4, bits%4
		return "(contains(" + x + ", ':') AND " + g.let(g.ipv6Hex(x), func(h string) string {
			conds := []string{"true"}
			if whole > 0 {
				conds = append(conds, "starts_with("+h+", "+sqlquote.String(hexAddr[:whole])+")")
			}
			if rest > 0 {
				digit, _ := strconv.ParseUint(hexAddr[whole:whole+1], 16, 8)
				conds = append(conds, fmt.Sprintf("((TRY_CAST('0x' || substr(%s, %d, 1) AS INTEGER) >> %d) = %d)", h, whole+1, 4-rest, digit>>(4-rest)))
			}
			return "(" + strings.Join(conds, " AND ") + ")"
		}) + ")"
	})
}

// ipv4Int is the dotted-quad text x as an integer (NULL if x is not one).
func ipv4Int(x string) string {
	var parts []string
	for i, shift := range []int{24, 16, 8, 0} {
		parts = append(parts, fmt.Sprintf("(TRY_CAST(split_part(%s, '.', %d) AS BIGINT) << %d)", x, i+1, shift))
	}
	return "(CASE WHEN regexp_full_match(" + x + ", '[0-9]{1,3}(\\.[0-9]{1,3}){3}') THEN " + strings.Join(parts, " + ") + " END)"
}

// ipv6Hex expands the IPv6 text x (compressed, possibly with a dotted IPv4 tail) into its 32
// lower-case hex digits.
func (g *gen) ipv6Hex(x string) string {
	// A dotted tail a.b.c.d becomes two hex groups first.
	noDots := g.let("regexp_extract("+x+", '[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$')", func(t string) string {
		oct := func(i int) string { return fmt.Sprintf("TRY_CAST(split_part(%s, '.', %d) AS INTEGER)", t, i) }
		return fmt.Sprintf("CASE WHEN %s = '' THEN %s ELSE regexp_replace(%s, '[0-9.]+$', '') || printf('%%x:%%x', %s * 256 + %s, %s * 256 + %s) END",
			t, x, x, oct(1), oct(2), oct(3), oct(4))
	})
	groups := g.let(noDots, func(n string) string {
		part := func(i int) string {
			s := fmt.Sprintf("split_part(%s, '::', %d)", n, i)
			return "(CASE WHEN " + s + " = '' THEN []::VARCHAR[] ELSE string_split(" + s + ", ':') END)"
		}
		head, tail := part(1), part(2)
		return "CASE WHEN contains(" + n + ", '::') THEN list_concat(" + head + ", list_transform(range(8 - len(" + head + ") - len(" + tail + ")), lambda z: '0'), " + tail + ") ELSE string_split(" + n + ", ':') END"
	})
	return "lower(array_to_string(list_transform(" + groups + ", lambda grp: lpad(grp, 4, '0')), ''))"
}
