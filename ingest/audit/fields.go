package audit

import (
	"strconv"
	"strings"
)

// Type is a field's value type.
type Type uint8

// Field types: strings, unsigned integers, and lists of strings.
const (
	String Type = iota
	Uint
	List
)

// ArgStyle says whether and how a field takes an argument.
type ArgStyle uint8

// Argument styles, as the plugins declare them.
const (
	NoArg      ArgStyle = iota
	IndexArg            // optional [N]: one element; without it, the whole list
	KeyArg              // required [key]
	PointerArg          // required [/json/pointer]
)

// Field is one extractable field.
type Field struct {
	Name  string
	Kind  Kind // the source whose records have it; Unknown: records of every source
	Type  Type
	Arg   ArgStyle
	Desc  string
	get   func(r *Record, arg string) Value
	index int
}

// Value is a field's value for one record.
type Value struct {
	OK   bool
	S    string   // String
	U    uint64   // Uint
	L    []string // List
	Type Type
}

func str(s string) Value   { return Value{OK: true, S: s} }
func uintv(u uint64) Value { return Value{OK: true, U: u, Type: Uint} }
func none() Value          { return Value{} }
func list(l []string) Value {
	if len(l) == 0 {
		return Value{Type: List} // an empty list is no value, as in the plugins
	}
	return Value{OK: true, L: l, Type: List}
}

// Text is the value as the plugins render it: lists as (a,b), absent values as <NA>.
func (v Value) Text() string {
	if !v.OK {
		return "<NA>"
	}
	switch v.Type {
	case Uint:
		return strconv.FormatUint(v.U, 10)
	case List:
		return "(" + strings.Join(v.L, ",") + ")"
	}
	return v.S
}

var (
	all    []*Field
	byName = map[string]*Field{}
)

func register(fs []*Field) {
	for _, f := range fs {
		if _, dup := byName[f.Name]; dup {
			panic("audit: field " + f.Name + " defined twice")
		}
		f.index = len(all)
		all = append(all, f)
		byName[f.Name] = f
	}
}

func init() {
	register(cloudtrailFields)
	register(k8sFields)
	register(jsonFields)
}

// Fields returns every field, grouped by source in the plugins' order.
func Fields() []*Field { return append([]*Field(nil), all...) }

// Lookup returns the field with this name (without argument).
func Lookup(name string) (*Field, bool) {
	f, ok := byName[name]
	return f, ok
}

// IsAuditField reports whether name (without argument) is an audit field.
func IsAuditField(name string) bool {
	_, ok := byName[name]
	return ok
}

// Source is the Falco event source of the field: aws_cloudtrail, k8s_audit, or both.
func (f *Field) Source() string {
	if f.Kind == Unknown {
		return "aws_cloudtrail,k8s_audit"
	}
	return f.Kind.Source()
}

// Applies reports whether records of kind k have the field.
func (f *Field) Applies(k Kind) bool { return f.Kind == Unknown || f.Kind == k }

// Extract returns the field's value for r; arg is the argument ("" for none). A field of
// another source has no value.
func (f *Field) Extract(r *Record, arg string) Value {
	if r == nil || r.v == nil || !f.Applies(r.Kind) {
		return none()
	}
	return f.get(r, arg)
}

// SplitArg splits "name[arg]" into name and argument.
func SplitArg(s string) (name, arg string, hasArg bool) {
	if i := strings.IndexByte(s, '['); i > 0 && strings.HasSuffix(s, "]") {
		return s[:i], s[i+1 : len(s)-1], true
	}
	return s, "", false
}

// FieldsOf returns the fields records of kind k have, in the plugins' order.
func FieldsOf(k Kind) []*Field {
	var out []*Field
	for _, f := range all {
		if f.Applies(k) {
			out = append(out, f)
		}
	}
	return out
}
