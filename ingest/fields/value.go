// Package fields is the field catalogue and the extraction of field values from resolved
// events: the names users know from display filters (evt.type, proc.name, fd.name, ...),
// with the reference's semantics, as typed values and as the text the reference prints.
package fields

import (
	"strconv"
)

// Kind is the type of a field value.
type Kind uint8

// Value kinds.
const (
	KindNone Kind = iota // the field has no value for this event (<NA>)
	KindInt
	KindUint
	KindString
	KindBool
)

// Value is one field value.
type Value struct {
	Kind Kind
	I    int64 // KindInt, KindUint (as bits), KindBool (0/1)
	S    string
}

// None is the absent value.
var None = Value{}

func intV(v int64) Value   { return Value{Kind: KindInt, I: v} }
func uintV(v uint64) Value { return Value{Kind: KindUint, I: int64(v)} }
func strV(s string) Value  { return Value{Kind: KindString, S: s} }
func boolV(b bool) Value {
	if b {
		return Value{Kind: KindBool, I: 1}
	}
	return Value{Kind: KindBool}
}

// Valid reports whether the value is present.
func (v Value) Valid() bool { return v.Kind != KindNone }

// AppendText appends the value as the reference prints it.
func (v Value) AppendText(dst []byte) []byte {
	switch v.Kind {
	case KindInt:
		return strconv.AppendInt(dst, v.I, 10)
	case KindUint:
		return strconv.AppendUint(dst, uint64(v.I), 10)
	case KindString:
		return append(dst, v.S...)
	case KindBool:
		if v.I != 0 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	}
	return append(dst, "<NA>"...)
}

// Text renders the value as the reference prints it; absent values print "<NA>".
func (v Value) Text() string {
	switch v.Kind {
	case KindInt:
		return strconv.FormatInt(v.I, 10)
	case KindUint:
		return strconv.FormatUint(uint64(v.I), 10)
	case KindString:
		return v.S
	case KindBool:
		if v.I != 0 {
			return "true"
		}
		return "false"
	}
	return "<NA>"
}
