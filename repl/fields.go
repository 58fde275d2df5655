package repl

import (
	"sort"
	"strings"
	"sync"

	"github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/catalog"
)

// DefaultColumns are the columns a filter's result shows until .columns changes them.
var DefaultColumns = []string{"evt.num", "evt.time", "proc.name", "thread.tid", "evt.dir", "evt.type", "evt.args"}

var catalogue struct {
	once   sync.Once
	fields []translate.FieldInfo
	byName map[string]translate.FieldInfo
	names  []string // sorted
	events []string // event type names, sorted
	params []string // event parameter names, sorted
	errnos []string
}

func loadCatalogue() {
	catalogue.once.Do(func() {
		catalogue.fields = translate.Fields()
		catalogue.byName = make(map[string]translate.FieldInfo, len(catalogue.fields))
		for _, f := range catalogue.fields {
			catalogue.byName[f.Name] = f
			catalogue.names = append(catalogue.names, f.Name)
		}
		sort.Strings(catalogue.names)
		catalogue.events = eventtable.Names()
		sort.Strings(catalogue.events)
		catalogue.params = catalog.ParamNames()
		catalogue.errnos = catalog.ErrnoNames()
	})
}

// fieldNames returns every catalogue field name, sorted.
func fieldNames() []string { loadCatalogue(); return catalogue.names }

// lookupField returns the catalogue entry of a field name (without argument).
func lookupField(name string) (translate.FieldInfo, bool) {
	loadCatalogue()
	f, ok := catalogue.byName[name]
	return f, ok
}

// columnExpr is the SQL for one entry of .columns: a filter field (evt.type, proc.aname[2],
// evt.arg.fd) becomes the expression its filters read, and anything else is taken as SQL.
func columnExpr(col string) string {
	col = strings.TrimSpace(col)
	if sql, err := translate.Translate(col+" exists", translate.Options{Dialect: translate.Falco}); err == nil {
		const suffix = " IS NOT NULL)"
		if strings.HasPrefix(sql, "(") && strings.HasSuffix(sql, suffix) && len(sql) > len(suffix)+1 {
			return sql[1 : len(sql)-len(suffix)]
		}
	}
	if _, ok := lookupField(col); ok {
		return memberSQL(col)
	}
	return col
}

// memberSQL is a field's member as a column reference (the naming rule of docs/schema.md).
func memberSQL(field string) string { return sqlquote.MemberRef(field) }

// splitColumns splits a .columns argument at its top-level commas.
func splitColumns(s string) []string {
	var out []string
	for _, p := range splitTop(s) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
