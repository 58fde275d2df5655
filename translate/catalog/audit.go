package catalog

import "github.com/scapql/scapql/ingest/audit"

// auditFields are the fields of cloud audit records (package audit), after the syscall
// catalogue; their class is the Falco event source that has them.
func auditFields() []Field {
	var out []Field
	for _, f := range audit.Fields() {
		t := CHARBUF
		if f.Type == audit.Uint {
			t = UINT64
		}
		out = append(out, Field{Name: f.Name, Type: t, Class: f.Source(), Description: f.Desc})
	}
	return out
}

// AuditField returns the audit field with this name, if it is one.
func AuditField(name string) (*audit.Field, bool) { return audit.Lookup(name) }
