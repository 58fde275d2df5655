package sqlgen

import (
	"encoding/hex"
	"strings"

	"github.com/scapql/scapql/internal/sqlquote"
)

// blob renders bytes as a BLOB built from hex digits only.
func blob(b []byte) string {
	return "unhex(" + sqlquote.String(strings.ToUpper(hex.EncodeToString(b))) + ")"
}

// invariant is a broken internal assumption; Emit turns it into an error.
type invariant string
