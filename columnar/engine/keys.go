package engine

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// Key columns: a few evt members that display filters test most (and evt.num, which orders
// and ranges events) are stored twice in event_rows: in the evt struct, which the events
// view passes through, and as plain top-level columns, which filters read. DuckDB tests a
// top-level column on its compressed segments and prunes row groups by its min/max; a struct
// member it materialises first. A count of evt.type = 'open' over 4M events takes about 10 ms
// on a key column and 50 ms on the struct member.
var keyMembers = []string{"num", "type", "dir", "res", "rawres", "failed", "hidden"}

// keyColumn is the top-level column of event_rows that repeats evt.MEMBER.
func keyColumn(member string) string { return "evt_" + member }

// keyColumnsDDL is the column definitions of the key columns, typed as their members.
var keyColumnsDDL = sync.OnceValues(func() (string, error) {
	evt, _ := columnar.CompactSchema(columnar.RowsTable).FieldsByName("evt")
	var st *arrow.StructType
	if len(evt) == 1 {
		st, _ = evt[0].Type.(*arrow.StructType)
	}
	if st == nil {
		return "", errors.New("key columns: event_rows has no evt struct")
	}
	var b strings.Builder
	for _, m := range keyMembers {
		f, ok := st.FieldByName(m)
		if !ok {
			return "", fmt.Errorf("key columns: event_rows has no member evt.%s", m)
		}
		t, err := sqlType(f.Type)
		if err != nil {
			return "", err
		}
		b.WriteString(", " + sqlquote.QuotedIdent(keyColumn(m)) + " " + t)
	}
	return b.String(), nil
})

// insertSelect is the select list that fills table from a batch of its Arrow schema.
func insertSelect(table string) string {
	if table != columnar.RowsTable {
		return "*"
	}
	var b strings.Builder
	b.WriteString("*")
	for _, m := range keyMembers {
		b.WriteString(", evt." + sqlquote.QuotedIdent(m))
	}
	return b.String()
}

// A summary counts a capture's events by a few columns of event_rows (keys), with the
// first and last evt.num of each group. A condition that reads no other column of
// event_rows, and no state table but the one a key joins, is counted by summing the groups
// it matches, a few thousand rows or fewer, rather than by reading every event; its first
// and last matches bound the search for the first few (FirstMatches).
type summary struct {
	table   string
	keys    []string // event_rows columns besides capture
	threads bool     // a key is the thread state: conditions may read the thread states
	fds     bool     // a key is the fd state: conditions may read the fd states
}

// summaries: the evt keys of filters and the thread state (4M events: 57K groups), and the fd
// state with evt_hidden (one group per fd state and visibility).
var summaries = []summary{
	{table: "event_classes", keys: []string{columnar.ThreadStateID, "evt_type", "evt_dir", "evt_res", "evt_failed", "evt_hidden"}, threads: true},
	{table: "fd_classes", keys: []string{columnar.FDStateID, "evt_hidden"}, fds: true},
}

func (s *summary) groupBy() string {
	cols := []string{"capture"}
	for _, k := range s.keys {
		cols = append(cols, sqlquote.QuotedIdent(k))
	}
	return strings.Join(cols, ", ")
}

// aggregates of a summary's groups
const summaryAggregates = `count(*) AS events, min(evt_num) AS first_num, max(evt_num) AS last_num`

// ddl creates the summary with the types of event_rows' columns (which must exist).
func (s *summary) ddl() string {
	return `CREATE TABLE ` + sqlquote.QuotedIdent(s.table) + ` AS SELECT ` + s.groupBy() + `, ` + summaryAggregates + ` FROM ` +
		sqlquote.QuotedIdent(columnar.RowsTable) + ` WHERE false GROUP BY ` + s.groupBy()
}

// fill is the statement that adds a capture's groups (argument: the capture).
func (s *summary) fill(table func(string) string) string {
	return `INSERT INTO ` + table(s.table) + ` SELECT ` + s.groupBy() + `, ` + summaryAggregates + ` FROM ` +
		table(columnar.RowsTable) + ` WHERE capture = ? GROUP BY ` + s.groupBy()
}

// summaryFor returns the summary that can count a condition (its plan), or nil: one whose
// keys hold every column of event_rows the condition reads, and that joins every state
// table it reads.
func summaryFor(p *condPlan) *summary {
	if p.stored == "" {
		return nil
	}
next:
	for i := range summaries {
		s := &summaries[i]
		if p.threads && !s.threads || p.fds && !s.fds {
			continue
		}
		for c := range p.rows {
			if c != "capture" && !contains(s.keys, c) {
				continue next
			}
		}
		return s
	}
	return nil
}

// KeyColumns names event_rows' key columns, which only a database has: a file of the compact
// layout leaves them out.
func KeyColumns() []string {
	out := make([]string, len(keyMembers))
	for i, m := range keyMembers {
		out[i] = keyColumn(m)
	}
	return out
}
