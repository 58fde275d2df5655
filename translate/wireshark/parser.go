// Package wireshark parses Wireshark/Stratoshark display filters into an ast.Expr, following
// epan/dfilter (scanner.l, grammar.lemon) and wireshark-filter(4): not > and > xor > or,
// symbolic and word operators, chained comparisons, sets with ranges, slices, functions,
// arithmetic, raw strings and character constants.
//
// Unquoted words stay ast.Word: like Wireshark, the checker decides whether a word names a
// field or is a literal.
package wireshark

import (
	"github.com/scapql/scapql/translate/ast"
	"github.com/scapql/scapql/translate/diag"
)

// DefaultMaxDepth bounds nesting (parentheses, not, arithmetic).
const DefaultMaxDepth = 1000

// Parse parses a Wireshark-dialect filter; maxDepth 0 means DefaultMaxDepth.
func Parse(src string, maxDepth int) (ast.Expr, error) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	p := &parser{lx: lexer{src: src}, maxDepth: maxDepth}
	return p.parse()
}

type parser struct {
	lx       lexer
	tok      Token // current token
	ahead    []Token
	depth    int
	maxDepth int
}

type bail struct{ err error }

func (p *parser) fail(pos, end int, format string, args ...any) {
	panic(bail{diag.Errorf(p.lx.src, pos, end, format, args...)})
}

func (p *parser) advance() {
	if len(p.ahead) > 0 {
		p.tok, p.ahead = p.ahead[0], p.ahead[1:]
		return
	}
	t, err := p.lx.next()
	if err != nil {
		panic(bail{err})
	}
	p.tok = t
}

// peek returns the token after the current one.
func (p *parser) peek() Token {
	if len(p.ahead) == 0 {
		t, err := p.lx.next()
		if err != nil {
			panic(bail{err})
		}
		p.ahead = append(p.ahead, t)
	}
	return p.ahead[0]
}

func (p *parser) enter() {
	p.depth++
	if p.depth > p.maxDepth {
		p.fail(p.tok.Pos, p.tok.End, "filter nests deeper than the limit of %d", p.maxDepth)
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
	p.advance()
	if p.tok.Kind == EOF {
		return nil, diag.Errorf(p.lx.src, 0, len(p.lx.src), "filter is empty")
	}
	e = p.parseOr()
	if p.tok.Kind != EOF {
		p.fail(p.tok.Pos, p.tok.End, "unexpected %q, expecting a connective (and, or, xor, &&, ||, ^^)", p.lx.src[p.tok.Pos:p.tok.End])
	}
	return e, nil
}

func (p *parser) parseOr() ast.Expr  { return p.parseLogical(ast.Or, Or, p.parseXor) }
func (p *parser) parseXor() ast.Expr { return p.parseLogical(ast.Xor, Xor, p.parseAnd) }
func (p *parser) parseAnd() ast.Expr { return p.parseLogical(ast.And, And, p.parseNot) }

func (p *parser) parseLogical(op ast.LogicOp, kind Kind, operand func() ast.Expr) ast.Expr {
	children := []ast.Expr{operand()}
	for p.tok.Kind == kind {
		p.advance()
		children = append(children, operand())
	}
	if len(children) == 1 {
		return children[0]
	}
	return &ast.Logical{Op: op, Operands: children}
}

func (p *parser) parseNot() ast.Expr {
	if p.tok.Kind == Not {
		pos := p.tok.Pos
		p.advance()
		p.enter()
		defer p.leave()
		return &ast.Not{NotPos: pos, X: p.parseNot()}
	}
	if p.tok.Kind == LParen {
		open := p.tok.Pos
		p.advance()
		p.enter()
		defer p.leave()
		x := p.parseOr()
		if p.tok.Kind != RParen {
			if p.tok.Kind == EOF {
				p.fail(open, open+1, "missing ')' for this '('")
			}
			p.fail(p.tok.Pos, p.tok.End, "expected ')'")
		}
		closePos := p.tok.Pos
		p.advance()
		return &ast.Paren{Lparen: open, Rparen: closePos, X: x}
	}
	return p.parseRelation()
}

// parseRelation parses [any|all] arith (op arith)*, contains, matches, [not] in, or a bare
// entity (an existence test).
func (p *parser) parseRelation() ast.Expr {
	if p.tok.Kind == Any || p.tok.Kind == All {
		// Every Stratoshark field occurs at most once per event: the quantifier is moot.
		p.advance()
	}
	if p.tok.Kind == EOF {
		p.fail(p.tok.Pos, p.tok.End, "unexpected end of filter, expecting a field or a test")
	}
	left := p.parseArith()
	switch p.tok.Kind {
	case Cmp:
		var tests []ast.Expr
		for p.tok.Kind == Cmp {
			op := p.tok
			p.advance()
			right := p.parseArith()
			tests = append(tests, &ast.Compare{Left: left, Op: cmpOp(op.Text), OpPos: op.Pos, OpEnd: op.End, Right: right})
			left = right // a < b <= c means a < b and b <= c
		}
		if len(tests) == 1 {
			return tests[0]
		}
		return &ast.Logical{Op: ast.And, Operands: tests}
	case Contains, Matches:
		op := p.tok
		p.advance()
		kind := ast.Contains
		if op.Kind == Matches {
			kind = ast.Matches
		}
		return &ast.Compare{Left: left, Op: kind, OpPos: op.Pos, OpEnd: op.End, Right: p.parseArith()}
	case In:
		op := p.tok
		p.advance()
		return &ast.Compare{Left: left, Op: ast.In, OpPos: op.Pos, OpEnd: op.End, Right: p.parseSet()}
	case Not:
		if p.peek().Kind == In {
			notTok := p.tok
			p.advance()
			op := p.tok
			p.advance()
			in := &ast.Compare{Left: left, Op: ast.In, OpPos: op.Pos, OpEnd: op.End, Right: p.parseSet()}
			return &ast.Not{NotPos: notTok.Pos, X: in}
		}
	}
	switch left.(type) {
	case *ast.Word, *ast.Slice:
		return &ast.Compare{Left: left, Op: ast.Exists, OpPos: left.Pos(), OpEnd: left.End(), Implicit: true}
	}
	p.fail(left.Pos(), left.End(), "expected a comparison after this value (only a field alone is a test)")
	return nil
}

func cmpOp(s string) ast.CmpOp {
	switch s {
	case "==", "===":
		return ast.Eq // all_eq and any_eq agree on single-occurrence fields
	case "!=", "!==":
		return ast.Ne
	case ">":
		return ast.Gt
	case ">=":
		return ast.Ge
	case "<":
		return ast.Lt
	default:
		return ast.Le
	}
}

// parseSet parses {a, b, c..d}; commas are optional, as in Wireshark 3.x.
func (p *parser) parseSet() *ast.List {
	if p.tok.Kind != LBrace {
		p.fail(p.tok.Pos, p.tok.End, "expected '{' after 'in'")
	}
	set := &ast.List{Open: p.tok.Pos}
	p.advance()
	for p.tok.Kind != RBrace {
		if p.tok.Kind == EOF {
			p.fail(set.Open, set.Open+1, "missing '}' closing this set")
		}
		var elem ast.Operand = p.parseArith()
		if p.tok.Kind == DotDot {
			p.advance()
			elem = &ast.Range{Lo: elem, Hi: p.parseArith()}
		}
		set.Elems = append(set.Elems, elem)
		if p.tok.Kind == Comma {
			p.advance()
			if p.tok.Kind == RBrace {
				p.fail(p.tok.Pos, p.tok.End, "expected a set element after ','")
			}
		}
	}
	set.Close = p.tok.Pos
	p.advance()
	return set
}

// Arithmetic precedence, loosest first, as in grammar.lemon: & then + - then * / %.
func (p *parser) parseArith() ast.Operand {
	return p.parseBinary(0)
}

var arithLevels = [][]Kind{{BitAnd}, {Plus, Minus}, {Star, Slash, Percent}}

func (p *parser) parseBinary(level int) ast.Operand {
	if level == len(arithLevels) {
		return p.parseUnary()
	}
	x := p.parseBinary(level + 1)
	entered := 0
	for contains(arithLevels[level], p.tok.Kind) {
		op := p.tok
		p.advance()
		p.enter() // each operator deepens the (left-leaning) tree
		entered++
		y := p.parseBinary(level + 1)
		x = &ast.Arith{Op: op.Text, OpPos: op.Pos, X: x, Y: y}
	}
	p.depth -= entered
	return x
}

func contains(kinds []Kind, k Kind) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (p *parser) parseUnary() ast.Operand {
	if p.tok.Kind == Minus || p.tok.Kind == Plus {
		op := p.tok
		p.advance()
		p.enter()
		defer p.leave()
		return &ast.Unary{Op: op.Text[0], OpPos: op.Pos, X: p.parseUnary()}
	}
	x := p.parseEntity()
	for p.tok.Kind == Slice {
		s := &ast.Slice{X: x, Lbrack: p.tok.Pos, Rbrack: p.tok.End - 1}
		text, pos := p.tok.Text, p.tok.Pos+1
		for {
			i := indexByte(text, ',')
			if i < 0 {
				s.Ranges = append(s.Ranges, ast.SliceRange{Text: text, TextPos: pos})
				break
			}
			s.Ranges = append(s.Ranges, ast.SliceRange{Text: text[:i], TextPos: pos})
			text, pos = text[i+1:], pos+i+1
		}
		p.advance()
		x = s
	}
	return x
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func (p *parser) parseEntity() ast.Operand {
	t := p.tok
	switch t.Kind {
	case String, RawString, Char:
		p.advance()
		kind := map[Kind]ast.LitKind{String: ast.Quoted, RawString: ast.RawString, Char: ast.CharConst}[t.Kind]
		return &ast.Literal{Kind: kind, Raw: p.lx.src[t.Pos:t.End], Value: t.Text, LitPos: t.Pos}
	case DotWord:
		p.advance()
		return &ast.Word{Text: t.Text, TextPos: t.Pos, Dot: true}
	case Word:
		p.advance()
		if p.tok.Kind == LParen && isFuncName(t.Text) {
			return p.parseCall(t)
		}
		return &ast.Word{Text: t.Text, TextPos: t.Pos}
	case LBrace:
		// Braces group arithmetic ({a + b} * 2); parentheses are for logic only.
		p.advance()
		p.enter()
		x := p.parseArith()
		p.leave()
		if p.tok.Kind != RBrace {
			p.fail(p.tok.Pos, p.tok.End, "expected '}' closing the arithmetic group")
		}
		p.advance()
		return x
	case EOF:
		p.fail(t.Pos, t.End, "unexpected end of filter, expecting a value")
	}
	p.fail(t.Pos, t.End, "expected a field or a value, not %q", p.lx.src[t.Pos:t.End])
	return nil
}

// isFuncName is [[:alpha:]_][[:alnum:]_]*.
func isFuncName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
		if !alpha && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

func (p *parser) parseCall(name Token) *ast.Call {
	p.advance() // (
	p.enter()
	defer p.leave()
	call := &ast.Call{Name: name.Text, NamePos: name.Pos}
	for p.tok.Kind != RParen {
		call.Args = append(call.Args, p.parseArith())
		if p.tok.Kind == Comma {
			p.advance()
			continue
		}
		if p.tok.Kind != RParen {
			p.fail(p.tok.Pos, p.tok.End, "expected ',' or ')' in the arguments of %s()", name.Text)
		}
	}
	call.Rparen = p.tok.Pos
	p.advance()
	return call
}
