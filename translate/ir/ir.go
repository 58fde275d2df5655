// Package ir is the typed, dialect-free form of a checked filter: boolean structure over
// predicates on typed values. The checker builds it from the syntax tree (resolving fields
// against the events table and converting literals to their field's type); the SQL emitter
// turns it into a WHERE expression.
//
// Null rule: a value that is absent for an event is SQL NULL. Every predicate (Cmp, In, Match,
// CIDR, AnyElem) is false when an input is NULL, as in libsinsp, where a check on a field that
// cannot be extracted is false; Not is plain negation of that.
package ir

import "net/netip"

// Kind is the SQL-level type of a value.
type Kind int

// The kinds.
const (
	String Kind = iota // VARCHAR
	Int                // BIGINT (or any integer type)
	Bool               // BOOLEAN
	IP                 // VARCHAR holding an address in sysdig's text form
	Bytes              // BLOB
	Double             // DOUBLE
)

func (k Kind) String() string {
	return [...]string{"string", "integer", "boolean", "IP address", "byte buffer", "floating-point"}[k]
}

// Expr is a boolean expression.
type Expr interface{ isExpr() }

// Value is a typed scalar (or, for list columns, a list).
type Value interface{ Type() Kind }

type (
	// And is true if every operand is.
	And struct{ Xs []Expr }
	// Or is true if any operand is.
	Or struct{ Xs []Expr }
	// Not negates X.
	Not struct{ X Expr }
	// Xor is true if exactly one of X, Y is.
	Xor struct{ X, Y Expr }
	// Const is a constant truth value.
	Const struct{ V bool }
	// Exists is true if X has a value (for a list column: at least one element).
	Exists struct{ X Value }
	// Cmp compares two scalars.
	Cmp struct {
		Op   Op
		X, Y Value
	}
	// In is true if X equals one of Items (never true for no items).
	In struct {
		X     Value
		Items []Value
	}
	// Match tests X against a regular expression (RE2 syntax, as DuckDB runs it). Full anchors
	// it at both ends. On Bytes, X is matched as upper-case hex.
	Match struct {
		X       Value
		Pattern string
		Full    bool
		// Glob is, for a glob made only of '*', '?' and literal characters, the glob itself:
		// the in-process matcher matches it in time linear in the text, where the regular
		// expression costs the text times the pattern. "" otherwise.
		Glob string
	}
	// CIDR is true if the address X is inside Prefix.
	CIDR struct {
		X      Value
		Prefix netip.Prefix
	}
	// AnyElem is true if Body holds for at least one element of the list List; inside Body,
	// Elem stands for the element.
	AnyElem struct {
		List Value
		Body Expr
	}
)

// Op is a scalar comparison.
type Op int

// The scalar comparisons.
const (
	Eq Op = iota
	Ne
	Lt
	Le
	Gt
	Ge
	Contains   // substring (Bytes: byte substring)
	StartsWith // prefix
	EndsWith   // suffix
)

type (
	// Column is a field the filter reads, with its argument: what the events table (or an
	// audit table) holds of it, as the emitter renders it (sqlgen), and what the evaluators
	// that read events directly extract (translate/eval). It holds no SQL.
	//
	// Field is the catalogue name ("evt.type", "proc.aname", "evt.arg", "evt.rawarg",
	// "evt.type.is", "thread.cgroup", "fd.sip", "evt.rawres"; the client and server columns of
	// a pair field name its members fd.pair_cip and fd.pair_sip, ...), Arg its argument ("fd"
	// for evt.arg.fd, "2" for proc.aname[2], "HOME" for proc.env[HOME], "" for none), HasArg
	// is set when an argument was given (it may be ""), and Index when Arg is a position
	// (evt.arg[0], proc.aname[2]) rather than a name. proc.aname[0] keeps Field "proc.aname"
	// and Arg "0" although it reads the process's (main thread's) name, as libsinsp does.
	// Glob is, for container.mount fields selecting a mount by a glob on its source, the glob
	// as a regular expression.
	Column struct {
		K         Kind
		List      bool // a LIST column (proc.anames, proc.apids)
		NeverNull bool // always present (evt.num, evt.type, ...): no null guard needed
		Field     string
		Arg       string
		HasArg    bool
		Index     bool
		Glob      string
	}
	// Elem is the current list element inside AnyElem.
	Elem struct{ K Kind }
	// Lit is a constant.
	Lit struct {
		K     Kind
		Str   string // String and IP
		Int   string // Int: decimal digits with optional sign (may exceed int64: uint64 fields)
		Bool  bool
		Bytes []byte
		Float float64
	}
	// Func applies a scalar function. The emitter knows each name.
	Func struct {
		Name string
		Args []Value
		K    Kind
	}
)

// The function names Func may carry.
const (
	FnLower     = "lower"     // ASCII lower-case
	FnUpper     = "upper"     // ASCII upper-case
	FnB64       = "b64"       // base64-decode to text (NULL if not valid)
	FnBasename  = "basename"  // text after the last '/'
	FnStrLen    = "strlen"    // byte length of a string
	FnByteLen   = "bytelen"   // length of a blob
	FnListLen   = "listlen"   // number of elements of a list
	FnConcat    = "concat"    // string concatenation (NULL if any part is)
	FnNeg       = "neg"       // -x
	FnAdd       = "add"       // x + y
	FnSub       = "sub"       // x - y
	FnMul       = "mul"       // x * y
	FnDiv       = "div"       // x / y (integer division for integers; NULL on division by 0)
	FnMod       = "mod"       // x % y (NULL on 0)
	FnBitAnd    = "bitand"    // x & y
	FnAbs       = "abs"       // |x|
	FnMin       = "min"       // least non-null argument
	FnMax       = "max"       // greatest non-null argument
	FnToString  = "tostring"  // decimal/text rendering
	FnToDouble  = "todouble"  // conversion to DOUBLE
	FnCount     = "count"     // 1 if present, NULL otherwise (a single-occurrence field)
	FnSubstr    = "substr"    // substr(x, start0, len): NULL unless x is long enough
	FnSubstrEnd = "substrend" // substr(x, start0): from start0 to the end; NULL if past the end
	FnIPFamily4 = "ipv4"      // x if it is an IPv4 address, else NULL
	FnIPFamily6 = "ipv6"      // x if it is an IPv6 address, else NULL
)

func (*And) isExpr()     {}
func (*Or) isExpr()      {}
func (*Not) isExpr()     {}
func (*Xor) isExpr()     {}
func (*Const) isExpr()   {}
func (*Exists) isExpr()  {}
func (*Cmp) isExpr()     {}
func (*In) isExpr()      {}
func (*Match) isExpr()   {}
func (*CIDR) isExpr()    {}
func (*AnyElem) isExpr() {}

// Type implementations.
func (c *Column) Type() Kind { return c.K }
func (e *Elem) Type() Kind   { return e.K }
func (l *Lit) Type() Kind    { return l.K }
func (f *Func) Type() Kind   { return f.K }

// AndOf returns the conjunction, flattening trivial cases.
func AndOf(xs ...Expr) Expr {
	if len(xs) == 1 {
		return xs[0]
	}
	return &And{Xs: xs}
}

// OrOf returns the disjunction, flattening trivial cases.
func OrOf(xs ...Expr) Expr {
	switch len(xs) {
	case 0:
		return &Const{V: false}
	case 1:
		return xs[0]
	}
	return &Or{Xs: xs}
}
