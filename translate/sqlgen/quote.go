package sqlgen

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quote renders s as a DuckDB string literal. It is the only way filter text reaches the SQL:
// the single quote is doubled, control characters (NUL included, which a SQL parser may treat
// as the end of the query) are spliced in with chr(), and nothing else is special inside a
// standard SQL string, so no filter can change the structure of the statement.
// s must be valid UTF-8 (the checker guarantees it; DuckDB strings are UTF-8).
func Quote(s string) string {
	if !utf8.ValidString(s) {
		panic(invariant("string literal is not valid UTF-8"))
	}
	var parts []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			parts = append(parts, "'"+strings.ReplaceAll(run.String(), "'", "''")+"'")
			run.Reset()
		}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			flush()
			parts = append(parts, "chr("+strconv.Itoa(int(r))+")")
			continue
		}
		run.WriteRune(r)
	}
	flush()
	switch len(parts) {
	case 0:
		return "''"
	case 1:
		return parts[0]
	}
	return "(" + strings.Join(parts, " || ") + ")"
}

// blob renders bytes as a BLOB built from hex digits only.
func blob(b []byte) string {
	return "unhex(" + Quote(strings.ToUpper(hex.EncodeToString(b))) + ")"
}

// invariant is a broken internal assumption; Emit turns it into an error.
type invariant string
