package audit

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// The json plugin's fields (json.* and their jevt.* aliases) read any record: a JSON
// pointer's value (strings as such, other values as compact JSON), the whole record as
// indented JSON, and the event time. Its JSON library keeps the members in their order
// (a repeated key keeps its first place and its last value) and writes numbers in its own
// canonical form; dumpJSON does the same.

func jsonValue(r *Record, arg string) Value {
	v, ok := pointer(r.v, arg)
	if !ok {
		return none()
	}
	if v.Type() == fastjson.TypeString {
		return str(string(v.GetStringBytes()))
	}
	return str(string(dumpJSON(nil, v, -1, 0)))
}

func jsonObj(r *Record, _ string) Value { return str(string(dumpJSON(nil, r.v, 2, 0))) }

// ObjText is json.obj (and jevt.obj) of a record's JSON text: the record rendered as the
// json plugin renders it. SQL reaches it as json_obj(raw) over the audit tables.
func ObjText(raw []byte) (string, error) {
	v, err := fastjson.ParseBytes(raw)
	if err != nil {
		return "", fmt.Errorf("bad JSON: %w", err)
	}
	return string(dumpJSON(nil, v, 2, 0)), nil
}

func jsonRawtime(r *Record, _ string) Value { return uintv(uint64(r.Time)) }

var jsonFields = []*Field{
	{Name: "json.value", Arg: PointerArg, Desc: "the value of a JSON pointer (RFC 6901) into the record, e.g. json.value[/user/username].", get: jsonValue},
	{Name: "json.obj", Desc: "the whole record as indented JSON.", get: jsonObj},
	{Name: "json.rawtime", Type: Uint, Desc: "the time of the event, in nanoseconds from epoch.", get: jsonRawtime},
	{Name: "jevt.value", Arg: PointerArg, Desc: "alias of json.value.", get: jsonValue},
	{Name: "jevt.obj", Desc: "alias of json.obj.", get: jsonObj},
	{Name: "jevt.rawtime", Type: Uint, Desc: "alias of json.rawtime.", get: jsonRawtime},
}

// pointer resolves an RFC 6901 JSON pointer.
func pointer(v *fastjson.Value, p string) (*fastjson.Value, bool) {
	if p == "" {
		return v, true
	}
	if p[0] != '/' {
		return nil, false
	}
	for _, tok := range strings.Split(p[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v.Type() {
		case fastjson.TypeObject:
			o := v.GetObject()
			v = o.Get(tok)
		case fastjson.TypeArray:
			if tok == "" || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 {
				return nil, false
			}
			a := v.GetArray()
			if i >= len(a) {
				return nil, false
			}
			v = a[i]
		default:
			return nil, false
		}
		if v == nil {
			return nil, false
		}
	}
	return v, true
}

// dumpJSON writes v compact (indent < 0) or indented by indent spaces per level.
func dumpJSON(dst []byte, v *fastjson.Value, indent, level int) []byte {
	newline := func(dst []byte, lvl int) []byte {
		dst = append(dst, '\n')
		for i := 0; i < lvl*indent; i++ {
			dst = append(dst, ' ')
		}
		return dst
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o := v.GetObject()
		type kv struct {
			k string
			v *fastjson.Value
		}
		var kvs []kv
		seen := map[string]int{}
		o.Visit(func(k []byte, v *fastjson.Value) {
			if i, ok := seen[string(k)]; ok {
				kvs[i].v = v
				return
			}
			seen[string(k)] = len(kvs)
			kvs = append(kvs, kv{string(k), v})
		})
		if len(kvs) == 0 {
			return append(dst, "{}"...)
		}
		dst = append(dst, '{')
		for i, e := range kvs {
			if i > 0 {
				dst = append(dst, ',')
			}
			if indent >= 0 {
				dst = newline(dst, level+1)
			}
			dst = dumpString(dst, e.k)
			dst = append(dst, ':')
			if indent >= 0 {
				dst = append(dst, ' ')
			}
			dst = dumpJSON(dst, e.v, indent, level+1)
		}
		if indent >= 0 {
			dst = newline(dst, level)
		}
		return append(dst, '}')
	case fastjson.TypeArray:
		a := v.GetArray()
		if len(a) == 0 {
			return append(dst, "[]"...)
		}
		dst = append(dst, '[')
		for i, e := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			if indent >= 0 {
				dst = newline(dst, level+1)
			}
			dst = dumpJSON(dst, e, indent, level+1)
		}
		if indent >= 0 {
			dst = newline(dst, level)
		}
		return append(dst, ']')
	case fastjson.TypeString:
		return dumpString(dst, string(v.GetStringBytes()))
	case fastjson.TypeNumber:
		return dumpNumber(dst, string(v.MarshalTo(nil)))
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

const hexDigits = "0123456789abcdef"

// dumpString escapes as the json plugin's library does: quotes, backslashes and control
// characters; other bytes (UTF-8 included) as they are.
func dumpString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, `\"`...)
		case '\\':
			dst = append(dst, `\\`...)
		case '\b':
			dst = append(dst, `\b`...)
		case '\f':
			dst = append(dst, `\f`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\t':
			dst = append(dst, `\t`...)
		default:
			if c < 0x20 {
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}

// dumpNumber writes a JSON number as the json plugin's library stores and prints it:
// integers as 64-bit integers, the rest (and integers too large for 64 bits) as doubles in
// their shortest form.
func dumpNumber(dst []byte, raw string) []byte {
	if !strings.ContainsAny(raw, ".eE") {
		if strings.HasPrefix(raw, "-") {
			if i, err := strconv.ParseInt(raw, 10, 64); err == nil {
				return strconv.AppendInt(dst, i, 10)
			}
		} else if u, err := strconv.ParseUint(raw, 10, 64); err == nil {
			return strconv.AppendUint(dst, u, 10)
		}
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil && !math.IsInf(f, 0) {
		if bf, _, err2 := big.ParseFloat(raw, 10, 53, big.ToNearestEven); err2 == nil {
			f, _ = bf.Float64()
		}
	}
	return appendDouble(dst, f)
}

// appendDouble prints a double in the shortest form that reads back, with the layout of
// the json plugin's library: plain decimals for exponents in [-4, 15), a trailing ".0" on
// integral values, otherwise d.ddde+XX with at least two exponent digits.
func appendDouble(dst []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(dst, "null"...)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, exp, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	x, _ := strconv.Atoi(exp)
	k, n := len(digits), x+1 // value = 0.digits × 10^n
	switch {
	case k <= n && n <= 15:
		dst = append(dst, digits...)
		for i := 0; i < n-k; i++ {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	case 0 < n && n <= 15:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		return append(dst, digits[n:]...)
	case -4 < n && n <= 0:
		dst = append(dst, "0."...)
		for i := 0; i < -n; i++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[0])
	if k > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	ex := n - 1
	if ex < 0 {
		dst = append(dst, '-')
		ex = -ex
	} else {
		dst = append(dst, '+')
	}
	if ex < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(ex), 10)
}
