package fields

import (
	"fmt"
	"strings"

	"github.com/scapql/scapql/ingest/state"
)

// DefaultFormat is the reference's default output line.
const DefaultFormat = "%evt.num %evt.outputtime %evt.cpu %proc.name (%thread.tid) %evt.dir %evt.type %evt.info"

// Format is a parsed -p output format: literal text and %field tokens.
type Format struct {
	// All prints events even where a field has no value (a leading "*").
	All    bool
	parts  []formatPart
	Fields []string // the field references, in order
}

type formatPart struct {
	lit   string
	field *Field
	arg   string
	name  string
}

// ParseFormat parses a sysdig-style format string.
func ParseFormat(s string) (*Format, error) {
	f, _, err := parseFormat(s, false)
	return f, err
}

// ParseFormatLenient parses like ParseFormat, except that a reference to a field this
// package does not know (one of a newer libsinsp) is kept as a field that never has a value,
// printed <NA> under "*"; unknown lists those references.
func ParseFormatLenient(s string) (f *Format, unknown []string) {
	f, unknown, _ = parseFormat(s, true)
	return f, unknown
}

// absentField stands for a field this package does not know (ParseFormatLenient).
var absentField = &Field{Name: "?", Extract: func(*state.Event, string) Value { return Value{} }}

func parseFormat(s string, lenient bool) (*Format, []string, error) {
	var unknown []string
	f := &Format{}
	if strings.HasPrefix(s, "*") {
		f.All = true
		s = s[1:]
	}
	var lit strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isFieldChar(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '[' {
			if k := strings.IndexByte(s[j:], ']'); k > 0 {
				j += k + 1
			}
		}
		ref := strings.TrimRight(s[i+1:j], ".")
		j = i + 1 + len(ref)
		if ref == "" {
			lit.WriteByte('%')
			i++
			continue
		}
		fld, arg, err := Lookup(ref)
		if err != nil {
			if !lenient {
				return nil, nil, fmt.Errorf("format at %d: %w", i, err)
			}
			unknown = append(unknown, ref)
			fld, arg = absentField, ""
		}
		if lit.Len() > 0 {
			f.parts = append(f.parts, formatPart{lit: lit.String()})
			lit.Reset()
		}
		f.parts = append(f.parts, formatPart{field: fld, arg: arg, name: ref})
		f.Fields = append(f.Fields, ref)
		i = j
	}
	if lit.Len() > 0 {
		f.parts = append(f.parts, formatPart{lit: lit.String()})
	}
	return f, unknown, nil
}

func isFieldChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

// Render writes the event's line into sb; it reports false, writing nothing, when a field has
// no value and the format does not start with "*".
func (f *Format) Render(sb *strings.Builder, ev *state.Event) bool {
	b, ok := f.Append(nil, ev)
	if ok {
		sb.Write(b)
	}
	return ok
}

// Append appends the event's line to dst; it reports false, leaving dst as it was, when a
// field has no value and the format does not start with "*".
func (f *Format) Append(dst []byte, ev *state.Event) ([]byte, bool) {
	start := len(dst)
	for i := range f.parts {
		p := &f.parts[i]
		if p.field == nil {
			dst = append(dst, p.lit...)
			continue
		}
		if p.field.Append != nil {
			var ok bool
			if dst, ok = p.field.Append(dst, ev, p.arg); ok {
				continue
			}
			if !f.All {
				return dst[:start], false
			}
			dst = append(dst, "<NA>"...)
			continue
		}
		var v Value
		if p.field.PrintText != nil {
			v = p.field.PrintText(ev, p.arg)
		} else {
			v = p.field.Extract(ev, p.arg)
		}
		if !v.Valid() && !f.All {
			return dst[:start], false
		}
		dst = v.AppendText(dst)
	}
	return dst, true
}

// Values extracts the format's field values, for JSON output.
func (f *Format) Values(ev *state.Event) []Value { return f.AppendValues(nil, ev) }

// AppendValues appends the format's field values to dst.
func (f *Format) AppendValues(dst []Value, ev *state.Event) []Value {
	for i := range f.parts {
		if p := &f.parts[i]; p.field != nil {
			dst = append(dst, p.field.Extract(ev, p.arg))
		}
	}
	return dst
}
