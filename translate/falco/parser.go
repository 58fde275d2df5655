// Package falco parses filters in the Falco/libsinsp dialect (sysdig -p filters and Falco rule
// conditions) into an ast.Expr. The grammar follows libsinsp's filter parser
// (userspace/libsinsp/filter/parser.cpp): not > and > or, n-ary and/or, lower-case keywords,
// word operators followed by a blank, lists in parentheses, bare and quoted values, field
// arguments in brackets, transformers and val().
package falco

import (
	"fmt"
	"strings"

	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/diag"
)

// DefaultMaxDepth is the nesting limit Falco's rule compiler uses.
const DefaultMaxDepth = 1000

// Transformers lists the transformer names the parser accepts before '(' (val is only valid
// on the right-hand side of a check).
var Transformers = []string{"tolower", "toupper", "b64", "basename", "len", "concat", "join", "getopt"}

// Parse parses a Falco-dialect filter. maxDepth bounds the nesting of parentheses, `not` and
// transformers (0 means DefaultMaxDepth).
func Parse(src string, maxDepth int) (ast.Expr, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	p := &parser{lx: lexer{src: src}, maxDepth: maxDepth}
	return p.parse()
}

type parser struct {
	lx       lexer
	depth    int
	maxDepth int
	last     Token // the last token consumed, for "unexpected token after ..." messages
}

// bail carries a parse error up through the recursive descent.
type bail struct{ err *diag.Error }

func (p *parser) fail(pos, end int, format string, args ...any) {
	panic(bail{diag.Errorf(p.lx.src, pos, end, format, args...)})
}

func (p *parser) failAt(format string, args ...any) {
	end := p.lx.pos + 1
	if end > len(p.lx.src) {
		end = p.lx.pos
	}
	p.fail(p.lx.pos, end, format, args...)
}

func (p *parser) enter(pos int) {
	p.depth++
	if p.depth > p.maxDepth {
		p.fail(pos, pos+1, "filter nests deeper than the limit of %d", p.maxDepth)
	}
}

func (p *parser) leave() { p.depth-- }

func (p *parser) parse() (e ast.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(bail)
			if !ok {
				panic(r)
			}
			e, err = nil, b.err
		}
	}()
	if strings.TrimLeft(p.lx.src, " \t\b\r\n") == "" {
		return nil, diag.Errorf(p.lx.src, 0, len(p.lx.src), "filter is empty")
	}
	e = p.parseOr()
	p.lx.blank()
	if !p.lx.eof() {
		if p.last.Raw != "" {
			p.failAt("unexpected text after %q, expecting 'and' or 'or'", p.last.Raw)
		}
		p.failAt("unexpected text, expecting 'and' or 'or'")
	}
	return e, nil
}

func (p *parser) parseOr() ast.Expr {
	return p.parseLogical(ast.Or, "or", p.parseAnd)
}

func (p *parser) parseAnd() ast.Expr {
	return p.parseLogical(ast.And, "and", p.parseNot)
}

// parseLogical parses operand (kw operand)*; after the keyword there must be a blank or '('.
func (p *parser) parseLogical(op ast.LogicOp, kw string, operand func() ast.Expr) ast.Expr {
	p.lx.blank()
	children := []ast.Expr{operand()}
	p.lx.blank()
	for {
		save := p.lx.pos
		tok, ok := p.lx.keyword(kw)
		if !ok {
			break
		}
		// "or"/"and" must stand alone; a longer word (oracle) is not the keyword.
		if c := p.lx.peek(); !isBlank(c) && c != '(' {
			atEnd := p.lx.eof()
			p.lx.pos = save
			if isIdent(c) {
				break
			}
			if atEnd {
				p.fail(tok.Pos, tok.End, "unexpected end of filter after '%s'", kw)
			}
			p.fail(tok.Pos, tok.End+1, "expected blank or '(' after '%s'", kw)
		}
		p.last = tok
		var child ast.Expr
		if p.lx.blank() {
			child = operand()
		} else {
			open, _ := p.lx.literal("(")
			child = p.parenRemainder(open.Pos)
		}
		children = append(children, child)
		p.lx.blank()
	}
	if len(children) == 1 {
		return children[0]
	}
	return &ast.Logical{Op: op, Operands: children}
}

func (p *parser) parseNot() ast.Expr {
	p.lx.blank()
	var nots []Token
	for {
		tok, ok := p.lx.not()
		if !ok {
			break
		}
		p.last = tok
		nots = append(nots, tok)
		p.enter(tok.Pos)
		defer p.leave()
	}
	var child ast.Expr
	if tok, ok := p.lx.literal("not("); ok {
		p.last = tok
		nots = append(nots, tok)
		child = p.parenRemainder(tok.Pos + 3)
	} else {
		child = p.parseCheck()
	}
	// Each `not` negates: `not not x` is x, as in modern libsinsp (sysdig 0.29.3 misreads it
	// as `not x`).
	for i := len(nots) - 1; i >= 0; i-- {
		child = &ast.Not{NotPos: nots[i].Pos, X: child}
	}
	return child
}

// parenRemainder parses the rest of a parenthesised expression after '(' at open.
func (p *parser) parenRemainder(open int) ast.Expr {
	p.enter(open)
	defer p.leave()
	p.lx.blank()
	x := p.parseOr()
	p.lx.blank()
	closeTok, ok := p.lx.literal(")")
	if !ok {
		if p.lx.eof() {
			p.fail(open, open+1, "missing ')' for this '('")
		}
		p.failAt("expected ')' or a connective ('and', 'or')")
	}
	p.last = closeTok
	return &ast.Paren{Lparen: open, Rparen: closeTok.Pos, X: x}
}

func (p *parser) parseCheck() ast.Expr {
	p.lx.blank()
	if tok, ok := p.lx.literal("("); ok {
		p.last = tok
		return p.parenRemainder(tok.Pos)
	}
	if tok, ok := p.lx.fieldName(); ok {
		p.last = tok
		left := p.fieldRemainder(tok)
		return p.parseCondition(left)
	}
	if tok, ok := p.lx.transformer(); ok {
		p.last = tok
		left := p.transformerRemainder(tok, false)
		return p.parseCondition(left)
	}
	if tok, ok := p.lx.identifier(); ok {
		p.last = tok
		return &ast.MacroRef{Name: tok.Text, NamePos: tok.Pos}
	}
	if p.lx.eof() {
		p.failAt("unexpected end of filter, expecting a check, '(' or a macro name")
	}
	p.failAt("expected a field check, '(' or a macro name")
	return nil
}

// fieldRemainder parses an optional [arg] right after a field name.
func (p *parser) fieldRemainder(name Token) *ast.Field {
	f := &ast.Field{Name: name.Text, NamePos: name.Pos}
	if _, ok := p.lx.literal("["); !ok {
		return f
	}
	arg, ok, err := p.lx.quoted()
	if err != nil {
		panic(bail{err.(*diag.Error)})
	}
	if !ok {
		arg, ok = p.lx.fieldArgBare()
	}
	if !ok {
		p.failAt("expected a field argument (a quoted or bare string) after '['")
	}
	end, ok := p.lx.literal("]")
	if !ok {
		p.failAt("expected ']' after the field argument")
	}
	f.Arg, f.HasArg, f.EndPos = arg.Text, true, end.End
	p.last = end
	return f
}

// transformerRemainder parses the arguments of a transformer after "name(".
func (p *parser) transformerRemainder(name Token, isVal bool) *ast.Call {
	if !isVal && !contains(Transformers, name.Text) {
		p.fail(name.Pos, name.End-1, "unknown transformer %q (transformers: %s)", name.Text, strings.Join(Transformers, ", "))
	}
	p.enter(name.Pos)
	defer p.leave()
	call := &ast.Call{Name: name.Text, NamePos: name.Pos}
	for {
		p.lx.blank()
		call.Args = append(call.Args, p.transformerArg(isVal))
		p.lx.blank()
		if isVal {
			break
		}
		if _, ok := p.lx.literal(","); !ok {
			break
		}
	}
	closeTok, ok := p.lx.literal(")")
	if !ok {
		p.failAt("expected ')' closing %s(", name.Text)
	}
	call.Rparen = closeTok.Pos
	p.last = closeTok
	return call
}

func (p *parser) transformerArg(fieldOnly bool) ast.Operand {
	if tok, ok := p.lx.fieldName(); ok {
		p.last = tok
		return p.fieldRemainder(tok)
	}
	if fieldOnly {
		p.failAt("expected a field inside val()")
	}
	if tok, ok := p.lx.transformer(); ok {
		p.last = tok
		return p.transformerRemainder(tok, false)
	}
	if tok, ok, err := p.lx.quoted(); err != nil {
		panic(bail{err.(*diag.Error)})
	} else if ok {
		p.last = tok
		return &ast.Literal{Kind: ast.Quoted, Raw: tok.Raw, Value: tok.Text, LitPos: tok.Pos}
	}
	if tok, ok := p.lx.literal("("); ok {
		return p.listRemainder(tok)
	}
	if tok, ok := p.lx.bare(); ok {
		p.last = tok
		return &ast.Literal{Kind: ast.Bare, Raw: tok.Raw, Value: tok.Text, LitPos: tok.Pos}
	}
	p.failAt("expected a field, a transformer or a value")
	return nil
}

func (p *parser) parseCondition(left ast.Operand) ast.Expr {
	p.lx.blank()
	if tok, ok := p.lx.operator(unaryOps, false); ok {
		p.last = tok
		return &ast.Compare{Left: left, Op: ast.Exists, OpPos: tok.Pos, OpEnd: tok.End}
	}
	if tok, ok := p.lx.operator(numOps, false); ok {
		p.last = tok
		return &ast.Compare{Left: left, Op: opOf(tok.Text), OpPos: tok.Pos, OpEnd: tok.End, Right: p.scalarValue(tok)}
	}
	if tok, ok := p.lx.operator(strOps, false); ok {
		p.last = tok
		c := &ast.Compare{Left: left, Op: opOf(tok.Text), OpPos: tok.Pos, OpEnd: tok.End}
		p.lx.blank()
		if mod, list, ok := p.modifier(); ok {
			c.Mod, c.Right = mod, list
			return c
		}
		c.Right = p.scalarValue(tok)
		return c
	}
	if tok, ok := p.lx.operator(listOps, true); ok {
		p.last = tok
		return &ast.Compare{Left: left, Op: opOf(tok.Text), OpPos: tok.Pos, OpEnd: tok.End, Right: p.listValue(tok)}
	}
	if p.lx.eof() {
		p.failAt("unexpected end of filter after %q, expecting an operator", p.last.Raw)
	}
	p.failAt("expected an operator (%s)", strings.Join(OperatorNames(), " "))
	return nil
}

// OperatorNames lists the operators of the dialect, for messages and documentation.
func OperatorNames() []string {
	var out []string
	for _, ops := range [][]string{unaryOps, numOps, strOps, listOps} {
		out = append(out, ops...)
	}
	return out
}

func opOf(s string) ast.CmpOp {
	switch s {
	case "=", "==":
		return ast.Eq
	case "!=":
		return ast.Ne
	case "<":
		return ast.Lt
	case "<=":
		return ast.Le
	case ">":
		return ast.Gt
	case ">=":
		return ast.Ge
	case "contains":
		return ast.Contains
	case "icontains":
		return ast.IContains
	case "bcontains":
		return ast.BContains
	case "startswith":
		return ast.StartsWith
	case "bstartswith":
		return ast.BStartsWith
	case "endswith":
		return ast.EndsWith
	case "glob":
		return ast.Glob
	case "iglob":
		return ast.IGlob
	case "regex":
		return ast.Regex
	case "in":
		return ast.In
	case "intersects":
		return ast.Intersects
	case "pmatch":
		return ast.PMatch
	}
	panic("falco: unknown operator " + s)
}

// modifier parses `oneof|anyof|allof (list)`; a modifier word not followed by a list is an
// ordinary bare value.
func (p *parser) modifier() (ast.Modifier, *ast.List, bool) {
	save := p.lx.pos
	for _, m := range []ast.Modifier{ast.OneOf, ast.AnyOf, ast.AllOf} {
		if _, ok := p.lx.keyword(m.String()); !ok {
			continue
		}
		if !p.lx.blank() && p.lx.peek() != '(' {
			p.lx.pos = save
			return 0, nil, false
		}
		open, ok := p.lx.literal("(")
		if !ok {
			p.lx.pos = save
			return 0, nil, false
		}
		return m, p.listRemainder(open), true
	}
	return 0, nil, false
}

// scalarValue parses the right side of a scalar operator: val(), a transformer, or a value.
func (p *parser) scalarValue(op Token) ast.Operand {
	p.lx.blank()
	if v := p.transformerOrVal(); v != nil {
		return v
	}
	if tok, ok, err := p.lx.quoted(); err != nil {
		panic(bail{err.(*diag.Error)})
	} else if ok {
		p.last = tok
		return &ast.Literal{Kind: ast.Quoted, Raw: tok.Raw, Value: tok.Text, LitPos: tok.Pos}
	}
	if tok, ok := p.lx.bare(); ok {
		p.last = tok
		return &ast.Literal{Kind: ast.Bare, Raw: tok.Raw, Value: tok.Text, LitPos: tok.Pos}
	}
	p.failAt("expected a value after %q", op.Text)
	return nil
}

func (p *parser) transformerOrVal() ast.Operand {
	tok, ok := p.lx.transformer()
	if !ok {
		return nil
	}
	p.last = tok
	if tok.Text == "val" {
		return p.transformerRemainder(tok, true)
	}
	return p.transformerRemainder(tok, false)
}

// listValue parses the right side of in/intersects/pmatch: (a, b), a transformer, or a list
// name.
func (p *parser) listValue(op Token) ast.Operand {
	p.lx.blank()
	if open, ok := p.lx.literal("("); ok {
		return p.listRemainder(open)
	}
	if v := p.transformerOrVal(); v != nil {
		return v
	}
	if tok, ok := p.lx.identifier(); ok {
		p.last = tok
		return &ast.List{Open: tok.Pos, Close: tok.End, Name: tok.Text}
	}
	p.failAt("expected a list such as (a, b) after %q", op.Text)
	return nil
}

// listRemainder parses list elements after '(' up to ')'. An empty list is allowed; an empty
// element (trailing or double comma) is not.
func (p *parser) listRemainder(open Token) *ast.List {
	l := &ast.List{Open: open.Pos}
	p.lx.blank()
	if closeTok, ok := p.lx.literal(")"); ok {
		l.Close = closeTok.Pos
		p.last = closeTok
		return l
	}
	for {
		p.lx.blank()
		v := p.listElem()
		l.Elems = append(l.Elems, v)
		p.lx.blank()
		if _, ok := p.lx.literal(","); !ok {
			break
		}
	}
	closeTok, ok := p.lx.literal(")")
	if !ok {
		if p.lx.eof() {
			p.fail(open.Pos, open.Pos+1, "missing ')' closing this list")
		}
		p.failAt("expected ',' or ')' in the list")
	}
	l.Close = closeTok.Pos
	p.last = closeTok
	return l
}

func (p *parser) listElem() ast.Operand {
	if tok, ok, err := p.lx.quoted(); err != nil {
		panic(bail{err.(*diag.Error)})
	} else if ok {
		p.last = tok
		return &ast.Literal{Kind: ast.Quoted, Raw: tok.Raw, Value: tok.Text, LitPos: tok.Pos}
	}
	if tok, ok := p.lx.bare(); ok {
		p.last = tok
		return &ast.Literal{Kind: ast.Bare, Raw: tok.Raw, Value: tok.Text, LitPos: tok.Pos}
	}
	p.failAt("expected a list element (a quoted or bare string)")
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// String is for debugging.
func (t Token) String() string { return fmt.Sprintf("%d:%q", t.Pos, t.Raw) }
