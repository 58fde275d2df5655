package repl

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// member is a named member of a STRUCT type.
type member struct {
	name, typ string
}

// structMembers parses a DuckDB type name STRUCT(a T, "b" U, ...) into its members; ok is
// false for any other type.
func structMembers(typ string) ([]member, bool) {
	if !strings.HasPrefix(typ, "STRUCT(") || !strings.HasSuffix(typ, ")") {
		return nil, false
	}
	body := typ[len("STRUCT(") : len(typ)-1]
	var out []member
	for _, part := range splitTop(body) {
		part = strings.TrimSpace(part)
		var name string
		if strings.HasPrefix(part, `"`) {
			j := 1
			var b strings.Builder
			for j < len(part) {
				if part[j] == '"' {
					if j+1 < len(part) && part[j+1] == '"' {
						b.WriteByte('"')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(part[j])
				j++
			}
			name, part = b.String(), part[min(j+1, len(part)):]
		} else {
			sp := strings.IndexByte(part, ' ')
			if sp < 0 {
				return nil, false
			}
			name, part = part[:sp], part[sp:]
		}
		out = append(out, member{name, strings.TrimSpace(part)})
	}
	return out, true
}

// splitTop splits s at the commas outside parentheses and quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// elemType is the element type of a LIST type name (T[]), or "".
func elemType(typ string) string {
	if strings.HasSuffix(typ, "[]") {
		return typ[:len(typ)-2]
	}
	return ""
}

// isNumeric reports whether a DuckDB type name is a number (right-aligned in tables).
func isNumeric(typ string) bool {
	switch typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
		"UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL":
		return true
	}
	return strings.HasPrefix(typ, "DECIMAL")
}

// formatValue renders a scanned value as text, the way DuckDB's own shell does; typ is the
// column's DuckDB type name ("" if unknown).
func formatValue(v any, typ string) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int8:
		return strconv.FormatInt(int64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint16:
		return strconv.FormatUint(uint64(x), 10)
	case uint8:
		return strconv.FormatUint(uint64(x), 10)
	case float64:
		return formatFloat(x, 64)
	case float32:
		return formatFloat(float64(x), 32)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return x.String()
	case duckdb.UUID:
		return formatUUID(x[:])
	case *duckdb.UUID:
		return formatUUID(x[:])
	case duckdb.Interval:
		return formatInterval(x)
	case time.Time:
		return formatTime(x, typ)
	case []byte:
		if typ == "UUID" && len(x) == 16 {
			return formatUUID(x)
		}
		return formatBlob(x)
	case []any:
		et := elemType(typ)
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e, et)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		ms, ok := structMembers(typ)
		if !ok || len(ms) != len(x) {
			ms = ms[:0]
			for k := range x {
				ms = append(ms, member{name: k})
			}
			sort.Slice(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
		}
		parts := make([]string, len(ms))
		for i, m := range ms {
			parts[i] = "'" + m.name + "': " + quoteIfString(x[m.name], m.typ)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case duckdb.OrderedMap:
		keys, vals := x.Keys(), x.Values()
		parts := make([]string, len(keys))
		for i := range keys {
			parts[i] = formatValue(keys[i], "") + "=" + formatValue(vals[i], "")
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case duckdb.Map:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, formatValue(k, "")+"="+formatValue(e, ""))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	case duckdb.Union:
		return formatValue(x.Value, "")
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// quoteIfString renders a struct member: strings in single quotes, as DuckDB prints them.
func quoteIfString(v any, typ string) string {
	if s, ok := v.(string); ok {
		return "'" + s + "'"
	}
	return formatValue(v, typ)
}

func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	if a := math.Abs(f); a == 0 || a >= 1e-4 && a < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	if len(h) != 32 {
		return h
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func formatTime(t time.Time, typ string) string {
	switch typ {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIME", "TIME_NS":
		return t.Format("15:04:05.999999999")
	case "TIMESTAMP_S":
		return t.UTC().Format("2006-01-02 15:04:05")
	case "TIMESTAMP_MS":
		return t.UTC().Format("2006-01-02 15:04:05.000")
	case "TIMESTAMP", "TIMESTAMP_US":
		return t.UTC().Format("2006-01-02 15:04:05.000000")
	case "TIMESTAMP_NS":
		return t.UTC().Format("2006-01-02 15:04:05.000000000")
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		return t.Format("2006-01-02 15:04:05.999999-07")
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999999")
}

func formatInterval(iv duckdb.Interval) string {
	var parts []string
	plural := func(n int64, unit string) {
		if n == 0 {
			return
		}
		s := fmt.Sprintf("%d %s", n, unit)
		if n != 1 && n != -1 {
			s += "s"
		}
		parts = append(parts, s)
	}
	plural(int64(iv.Months/12), "year")
	plural(int64(iv.Months%12), "month")
	plural(int64(iv.Days), "day")
	if us := iv.Micros; us != 0 || len(parts) == 0 {
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3600e6, us/60e6%60, us/1e6%60)
		if f := us % 1e6; f != 0 {
			s += strings.TrimRight(fmt.Sprintf(".%06d", f), "0")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// formatBlob shows printable ASCII as is and every other byte as \xNN.
func formatBlob(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, `\x%02X`, c)
		}
	}
	return sb.String()
}

// cellText makes a value safe for one table cell: control characters become escapes and
// invalid UTF-8 becomes U+FFFD.
func cellText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f || s[i] >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var sb strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			sb.WriteRune('\uFFFD')
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&sb, `\x%02X`, r)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// jsonValue converts a scanned value for encoding/json.
func jsonValue(v any, typ string) any {
	switch x := v.(type) {
	case nil, bool, string, int64, int32, int16, int8, uint64, uint32, uint16, uint8, *big.Int:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return formatFloat(x, 64)
		}
		return x
	case float32:
		return jsonValue(float64(x), typ)
	case duckdb.Decimal:
		return json.Number(x.String())
	case []any:
		et := elemType(typ)
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, et)
		}
		return out
	case map[string]any:
		ms, _ := structMembers(typ)
		mt := map[string]string{}
		for _, m := range ms {
			mt[m.name] = m.typ
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e, mt[k])
		}
		return out
	case duckdb.OrderedMap:
		keys, vals := x.Keys(), x.Values()
		out := make(map[string]any, len(keys))
		for i := range keys {
			out[formatValue(keys[i], "")] = jsonValue(vals[i], "")
		}
		return out
	case duckdb.Map:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[formatValue(k, "")] = jsonValue(e, "")
		}
		return out
	}
	return formatValue(v, typ)
}
