package translate

import (
	"github.com/scapql/scapql/translate/catalog"
)

// FieldInfo describes a catalogue field and how filters on it translate.
type FieldInfo struct {
	Name        string
	Type        string // catalogue type (CHARBUF, UINT64, ...)
	Class       string
	Description string
	Supported   bool   // filters on it translate
	Example     string // the field as a filter names it (with an argument if it needs one)
	SQL         string // the SQL the example reads (empty if unsupported)
	Reason      string // why it is unsupported
}

// exampleArgs are arguments used to probe fields that need one.
var exampleArgs = map[string]string{
	"evt.arg": "evt.arg.fd", "evt.rawarg": "evt.rawarg.res", "evt.type.is": "evt.type.is.open",
	"thread.cgroup": "thread.cgroup.cpuacct", "evt.around": "evt.around[1]",
	"container.mount": "container.mount[0]", "container.mount.source": "container.mount.source[0]",
	"container.mount.dest": "container.mount.dest[0]", "container.mount.mode": "container.mount.mode[0]",
	"container.mount.rdwr": "container.mount.rdwr[0]", "container.mount.propagation": "container.mount.propagation[0]",
}

// Fields lists the field catalogue, in catalogue order, with whether and how each field
// translates.
func Fields() []FieldInfo {
	var out []FieldInfo
	for _, f := range catalog.Fields() {
		fi := FieldInfo{Name: f.Name, Type: string(f.Type), Class: f.Class, Description: f.Description, Example: f.Name}
		if ex, ok := exampleArgs[f.Name]; ok {
			fi.Example = ex
		}
		sql, err := Translate(fi.Example+" exists", Options{Dialect: Falco})
		if err != nil {
			if e, ok := err.(*Error); ok {
				fi.Reason = e.Msg
			} else {
				fi.Reason = err.Error()
			}
		} else {
			fi.Supported, fi.SQL = true, existsOperand(sql)
		}
		out = append(out, fi)
	}
	return out
}

// existsOperand extracts X from the "(X IS NOT NULL)" that an exists check emits.
func existsOperand(sql string) string {
	const suffix = " IS NOT NULL)"
	if len(sql) > len(suffix)+1 && sql[0] == '(' && sql[len(sql)-len(suffix):] == suffix {
		return sql[1 : len(sql)-len(suffix)]
	}
	return sql
}
