// Package ast is the syntax tree both filter dialects parse into. Every node records the byte
// range of the source it came from, so later stages can point at it in errors.
package ast

// Node is any syntax tree node.
type Node interface {
	Pos() int // byte offset of the node's first character
	End() int // byte offset just past its last character
}

// Expr is a boolean expression: a logical combination of checks.
type Expr interface {
	Node
	exprNode()
}

// Operand is a value in a check: a field, a literal, a list, a function call, arithmetic.
type Operand interface {
	Node
	operandNode()
}

// LogicOp is a boolean connective.
type LogicOp int

// The connectives.
const (
	And LogicOp = iota
	Or
	Xor // Wireshark only
)

func (o LogicOp) String() string {
	return [...]string{"and", "or", "xor"}[o]
}

// Logical is an n-ary and/or (or a binary xor), left-associative.
type Logical struct {
	Op       LogicOp
	Operands []Expr // at least two
}

// Not negates X.
type Not struct {
	NotPos int
	X      Expr
}

// Paren is a parenthesised expression, kept for positions and printing.
type Paren struct {
	Lparen, Rparen int // Rparen is the offset of ')'
	X              Expr
}

// MacroRef is a bare identifier: a Falco macro reference until it is expanded.
type MacroRef struct {
	Name    string
	NamePos int
}

// Macro is an expanded macro reference: Body was parsed from Source (the macro's condition),
// and its positions index Source, not the filter.
type Macro struct {
	Name    string
	NamePos int // position of the reference in the enclosing source
	Source  string
	Body    Expr
}

// CmpOp is a comparison operator.
type CmpOp int

// The comparison operators of both dialects.
const (
	Eq CmpOp = iota
	Ne
	Lt
	Le
	Gt
	Ge
	Contains
	IContains
	BContains
	StartsWith
	BStartsWith
	EndsWith
	Glob
	IGlob
	Regex   // Falco: RE2, anchored, case-sensitive
	Matches // Wireshark: PCRE, unanchored, case-insensitive
	In
	Intersects
	PMatch
	Exists
)

var cmpNames = [...]string{
	Eq: "=", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">=",
	Contains: "contains", IContains: "icontains", BContains: "bcontains",
	StartsWith: "startswith", BStartsWith: "bstartswith", EndsWith: "endswith",
	Glob: "glob", IGlob: "iglob", Regex: "regex", Matches: "matches",
	In: "in", Intersects: "intersects", PMatch: "pmatch", Exists: "exists",
}

func (o CmpOp) String() string { return cmpNames[o] }

// Modifier is Falco's `oneof`/`anyof`/`allof` after a string operator.
type Modifier int

// The modifiers.
const (
	NoModifier Modifier = iota
	OneOf
	AnyOf
	AllOf
)

func (m Modifier) String() string {
	return [...]string{"", "oneof", "anyof", "allof"}[m]
}

// Compare is a check: Left Op Right, or Left exists (Right nil).
type Compare struct {
	Left         Operand
	Op           CmpOp
	OpPos, OpEnd int // the operator's text; for an implicit Wireshark existence test, Left's range
	Mod          Modifier
	Right        Operand // nil for Exists
	Implicit     bool    // Wireshark bare-field existence test (no operator written)
}

// Field is a field reference as written in the Falco dialect: name, and the argument in
// brackets (proc.aname[2]) if any. Dotted arguments (evt.arg.fd) are still part of Name; the
// checker splits them off against the catalogue.
type Field struct {
	Name    string
	NamePos int
	Arg     string // bracket argument, unquoted
	HasArg  bool
	EndPos  int // past ']' when HasArg
}

// Word is an unquoted Wireshark token that is a field if the name resolves to one and a
// literal otherwise (Dot: written with a leading '.', so it must be a field).
type Word struct {
	Text    string
	TextPos int
	Dot     bool
}

// LitKind says how a literal was written.
type LitKind int

// The literal spellings.
const (
	Bare      LitKind = iota // Falco bare word (not unescaped)
	Quoted                   // "..." (both dialects) or '...' (Falco), unescaped into Value
	RawString                // Wireshark r"...": backslashes kept
	CharConst                // Wireshark 'x': an integer (Value holds the byte)
)

// Literal is a value written in the filter. Value is the unescaped text.
type Literal struct {
	Kind   LitKind
	Raw    string // as written, quotes included
	Value  string
	LitPos int
}

// List is a parenthesised (Falco) or braced (Wireshark) list of values, or a Falco list name
// used as a list (`x in shell_binaries`, Name set and Elems nil).
type List struct {
	Open, Close int // offsets of the brackets; for a list name, the name's range
	Elems       []Operand
	Name        string
}

// Range is a Wireshark set element lo..hi (inclusive).
type Range struct {
	Lo, Hi Operand
}

// Call is a Falco transformer (tolower(x), val(x)) or a Wireshark function (len(x)).
type Call struct {
	Name    string
	NamePos int
	Args    []Operand
	Rparen  int
}

// Unary is Wireshark's unary minus or plus.
type Unary struct {
	Op    byte
	OpPos int
	X     Operand
}

// Arith is Wireshark arithmetic: + - * / % &.
type Arith struct {
	Op    string
	OpPos int
	X, Y  Operand
}

// SliceRange is one range of a Wireshark slice as written: i:j (offset:length), i-j
// (inclusive), i, :j or i:.
type SliceRange struct {
	Text    string
	TextPos int
}

// Slice is a Wireshark slice x[r1,r2,...].
type Slice struct {
	X              Operand
	Lbrack, Rbrack int
	Ranges         []SliceRange
}

func (*Logical) exprNode()  {}
func (*Not) exprNode()      {}
func (*Paren) exprNode()    {}
func (*MacroRef) exprNode() {}
func (*Macro) exprNode()    {}
func (*Compare) exprNode()  {}

func (*Field) operandNode()   {}
func (*Word) operandNode()    {}
func (*Literal) operandNode() {}
func (*List) operandNode()    {}
func (*Range) operandNode()   {}
func (*Call) operandNode()    {}
func (*Unary) operandNode()   {}
func (*Arith) operandNode()   {}
func (*Slice) operandNode()   {}

func (n *Logical) Pos() int  { return n.Operands[0].Pos() }
func (n *Logical) End() int  { return n.Operands[len(n.Operands)-1].End() }
func (n *Not) Pos() int      { return n.NotPos }
func (n *Not) End() int      { return n.X.End() }
func (n *Paren) Pos() int    { return n.Lparen }
func (n *Paren) End() int    { return n.Rparen + 1 }
func (n *MacroRef) Pos() int { return n.NamePos }
func (n *MacroRef) End() int { return n.NamePos + len(n.Name) }
func (n *Macro) Pos() int    { return n.NamePos }
func (n *Macro) End() int    { return n.NamePos + len(n.Name) }
func (n *Compare) Pos() int  { return n.Left.Pos() }
func (n *Compare) End() int {
	if n.Right != nil {
		return n.Right.End()
	}
	return n.OpEnd
}

func (n *Field) Pos() int { return n.NamePos }
func (n *Field) End() int {
	if n.HasArg {
		return n.EndPos
	}
	return n.NamePos + len(n.Name)
}
func (n *Word) Pos() int { return n.TextPos }
func (n *Word) End() int {
	if n.Dot {
		return n.TextPos + 1 + len(n.Text)
	}
	return n.TextPos + len(n.Text)
}
func (n *Literal) Pos() int { return n.LitPos }
func (n *Literal) End() int { return n.LitPos + len(n.Raw) }
func (n *List) Pos() int    { return n.Open }
func (n *List) End() int {
	if n.Name != "" {
		return n.Close
	}
	return n.Close + 1
}
func (n *Range) Pos() int { return n.Lo.Pos() }
func (n *Range) End() int { return n.Hi.End() }
func (n *Call) Pos() int  { return n.NamePos }
func (n *Call) End() int  { return n.Rparen + 1 }
func (n *Unary) Pos() int { return n.OpPos }
func (n *Unary) End() int { return n.X.End() }
func (n *Arith) Pos() int { return n.X.Pos() }
func (n *Arith) End() int { return n.Y.End() }
func (n *Slice) Pos() int { return n.X.Pos() }
func (n *Slice) End() int { return n.Rbrack + 1 }
