package engine

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
)

// A database stores the events table in the compact layout (columnar.CompactTables, flat:
// one column per struct member, named "struct.member") and shows it as the view events,
// their join, with the struct columns of docs/schema.md. Thread and fd states are stored once
// each instead of on every event, which makes loading several times faster and the database
// smaller; DuckDB reads only the members a query names through the view's struct_pack.

// storedTables are the tables a database holds: the side tables and the compact layout.
func storedTables() []*columnar.Table {
	var out []*columnar.Table
	for i := range columnar.Tables {
		if columnar.Tables[i].Name != "events" {
			out = append(out, &columnar.Tables[i])
		}
	}
	for i := range columnar.CompactTables {
		out = append(out, &columnar.CompactTables[i])
	}
	return out
}

// loadTables are the tables ReadCapture builds for a database.
func loadTables() []string {
	var out []string
	for _, t := range storedTables() {
		out = append(out, t.Name)
	}
	return out
}

// flatColumn is one stored column: its name and DuckDB type, and how to read it from a batch.
type flatColumn struct {
	name, sqlType, read string
}

// flatColumns lists a schema's columns with struct members flattened.
func flatColumns(s *arrow.Schema) ([]flatColumn, error) {
	var out []flatColumn
	for _, f := range s.Fields() {
		st, ok := f.Type.(*arrow.StructType)
		if !ok {
			t, err := sqlType(f.Type)
			if err != nil {
				return nil, fmt.Errorf("column %s: %w", f.Name, err)
			}
			out = append(out, flatColumn{f.Name, t, quote(f.Name)})
			continue
		}
		for _, m := range st.Fields() {
			t, err := sqlType(m.Type)
			if err != nil {
				return nil, fmt.Errorf("column %s.%s: %w", f.Name, m.Name, err)
			}
			out = append(out, flatColumn{f.Name + "." + m.Name, t, quote(f.Name) + "." + quote(m.Name)})
		}
	}
	return out, nil
}

// storedDDL is the CREATE TABLE statement of a stored table.
func storedDDL(t *columnar.Table) (string, error) {
	if !columnar.IsCompact(t.Name) {
		return createTable(t)
	}
	cols, err := flatColumns(t.Schema())
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	defs := make([]string, len(cols))
	for i, c := range cols {
		defs[i] = quote(c.name) + " " + c.sqlType
	}
	return "CREATE TABLE " + quote(t.Name) + " (" + strings.Join(defs, ", ") + ")", nil
}

// selectList reads a batch of the table in the stored column order.
func selectList(table string) string {
	if !columnar.IsCompact(table) {
		return "*"
	}
	t, _ := columnar.LookupTable(table)
	cols, err := flatColumns(t.Schema())
	if err != nil {
		return "*" // storedDDL reported it when the table was made
	}
	reads := make([]string, len(cols))
	for i, c := range cols {
		reads[i] = c.read
	}
	return strings.Join(reads, ", ")
}

// eventsViewDDL defines the events view over the compact layout, in event order.
func eventsViewDDL() string {
	alias := map[columnar.Part]string{columnar.PartEvent: "r", columnar.PartThread: "t", columnar.PartFD: "f"}
	var b strings.Builder
	b.WriteString("CREATE VIEW events AS SELECT r.capture")
	cols := columnar.EventColumns()
	for _, s := range columnar.Structs {
		first := true
		for i := range cols {
			c := &cols[i]
			if c.Struct != s {
				continue
			}
			if first {
				b.WriteString(",\n  struct_pack(")
				first = false
			} else {
				b.WriteString(", ")
			}
			b.WriteString(quote(c.Member) + " := " + alias[columnar.PartOf(c)] + "." + quote(c.Struct+"."+c.Member))
		}
		if !first {
			b.WriteString(") AS " + quote(s))
		}
	}
	b.WriteString("\nFROM " + quote(columnar.RowsTable) + " r" +
		"\nLEFT JOIN " + quote(columnar.ThreadStatesTable) + " t ON t.id = r." + quote(columnar.ThreadStateID) +
		"\nLEFT JOIN " + quote(columnar.FDStatesTable) + " f ON f.id = r." + quote(columnar.FDStateID) +
		"\nORDER BY r.capture, r.\"evt.num\"")
	return b.String()
}
