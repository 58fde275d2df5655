package sqlgen

import (
	"encoding/hex"
	"strings"

	"github.com/scapql/scapql/internal/sqlquote"
)

// Quote renders s as a DuckDB string literal (sqlquote.String, the one quoting of text).
func Quote(s string) string { return sqlquote.String(s) }

// blob renders bytes as a BLOB built from hex digits only.
func blob(b []byte) string {
	return "unhex(" + Quote(strings.ToUpper(hex.EncodeToString(b))) + ")"
}

// invariant is a broken internal assumption; Emit turns it into an error.
type invariant string
