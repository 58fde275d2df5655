package translate

import (
	"strings"

	"github.com/scapql/scapql/ingest/audit"
)

// Audit fields that need an argument are probed with these (see Fields).
func init() {
	for _, f := range audit.Fields() {
		switch f.Arg {
		case audit.PointerArg:
			exampleArgs[f.Name] = f.Name + "[/kind]"
		case audit.KeyArg:
			exampleArgs[f.Name] = f.Name + "[command]"
		}
	}
}

// FieldSource returns the Falco event source of a field: "syscall" for the capture fields,
// aws_cloudtrail or k8s_audit (or both, comma-separated) for the audit fields.
func FieldSource(name string) string {
	if f, ok := audit.Lookup(name); ok {
		return f.Source()
	}
	return "syscall"
}

// IsAuditField reports whether a field reads cloud audit records.
func IsAuditField(name string) bool {
	base, _, _ := strings.Cut(name, "[")
	return audit.IsAuditField(base)
}
