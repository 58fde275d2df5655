package engine

import (
	"database/sql"
	"fmt"
	"strings"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// A database stores the events table in the compact layout (columnar.CompactTables): thread
// and fd states are stored once each instead of on every event, which makes loading several
// times faster and the database smaller. The view events joins them back into the struct
// columns of docs/schema.md.
//
// Filters do not go through that view: DuckDB cannot see through the struct_pack that merges
// a state's members with the per-event ones, so a condition on proc.name would gather every
// proc member of every event before testing it. A filter reads the stored tables instead,
// where proc.name is the thread state's own column (the condition is then pushed into the
// scan of the few thousand states) and the per-event members are spelled proc_now.duration.

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

// partAlias is the alias of each part's table in the joins below.
var partAlias = map[columnar.Part]string{columnar.PartEvent: "r", columnar.PartThread: "t", columnar.PartFD: "f"}

// eventsSelect is the select list of the events columns over the joined stored tables:
// structs stored whole pass through; the mixed ones are packed member by member.
func eventsSelect() string { return eventsSelectOf(true, true) }

// eventsSelectOf is eventsSelect without the structs that need the thread states or the fd
// states when those are not joined.
func eventsSelectOf(threads, fds bool) string {
	joined := map[columnar.Part]bool{columnar.PartEvent: true, columnar.PartThread: threads, columnar.PartFD: fds}
	cols := columnar.EventColumns()
	var b strings.Builder
	b.WriteString("r.capture")
	for _, s := range columnar.Structs {
		var ms []*columnar.Column
		parts := map[columnar.Part]bool{}
		for i := range cols {
			if cols[i].Struct == s {
				ms = append(ms, &cols[i])
				parts[columnar.PartOf(&cols[i])] = true
			}
		}
		if len(ms) == 0 || !joined[columnar.PartThread] && parts[columnar.PartThread] || !joined[columnar.PartFD] && parts[columnar.PartFD] {
			continue
		}
		b.WriteString(", ")
		if len(parts) == 1 {
			b.WriteString(partAlias[columnar.PartOf(ms[0])] + "." + sqlquote.QuotedIdent(s))
			continue
		}
		b.WriteString("struct_pack(")
		for i, c := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(sqlquote.QuotedIdent(c.Member) + " := " + partAlias[columnar.PartOf(c)] + "." +
				sqlquote.QuotedIdent(columnar.StoredStruct(c)) + "." + sqlquote.QuotedIdent(c.Member))
		}
		b.WriteString(") AS " + sqlquote.QuotedIdent(s))
	}
	return b.String()
}

// storedFrom joins the stored tables of the compact layout (each qualified by table).
func storedFrom(table func(string) string) string { return storedJoins(table, true, true) }

// storedJoins is the FROM clause over event_rows r, joined to the thread states t and the fd
// states f as asked.
func storedJoins(table func(string) string, threads, fds bool) string {
	return boundedJoins(table, columnar.RowsTable, threads, fds, nil)
}

// boundedJoins is storedJoins over rows (event_rows or a table with its state ids, a
// summary) with each state table cut to the ids within b (nil: whole). The cut is inside the
// join, so that events without a state still find none; it changes no
// result when b bounds the ids of every row read, and lets DuckDB skip the state tables' row
// groups out of range (state ids grow with time: the states of a few events close together
// are a small part of the tables).
func boundedJoins(table func(string) string, rows string, threads, fds bool, b *stateBounds) string {
	from := "FROM " + table(rows) + " r"
	join := func(t, alias, id string, lo, hi sql.NullInt64) {
		src := table(t)
		if lo.Valid && hi.Valid {
			src = fmt.Sprintf("(SELECT * FROM %s WHERE id BETWEEN %d AND %d)", src, lo.Int64, hi.Int64)
		}
		from += " LEFT JOIN " + src + " " + alias + " ON " + alias + ".id = r." + sqlquote.QuotedIdent(id)
	}
	if b == nil {
		b = &stateBounds{}
	}
	if threads {
		join(columnar.ThreadStatesTable, "t", columnar.ThreadStateID, b.threadLo, b.threadHi)
	}
	if fds {
		join(columnar.FDStatesTable, "f", columnar.FDStateID, b.fdLo, b.fdHi)
	}
	return from
}

// stateBounds are the least and greatest thread and fd state ids of some events.
type stateBounds struct{ threadLo, threadHi, fdLo, fdHi sql.NullInt64 }

// storedFromFor joins only the state tables a condition over the stored tables reads (its
// plan, plan.go): a count or a search by evt members need not join at all.
func storedFromFor(table func(string) string, p *condPlan) string {
	return storedJoins(table, p.threads, p.fds)
}

// eventsViewDDL defines the events view over the compact layout. Like any SQL table it has no
// order of its own (the joins may move a few rows): a query that needs event order says
// ORDER BY evt.num. An ORDER BY here would sort every query's rows, aggregates included.
func eventsViewDDL() string {
	return "CREATE VIEW events AS SELECT " + eventsSelect() + " " + storedFrom(sqlquote.QuotedIdent)
}

// filteredEvents is a query for the events columns of the events matching a condition (its
// plan, which the stored tables answer), in no particular order (see eventsViewDDL).
func filteredEvents(table func(string) string, p *condPlan) string {
	return "SELECT " + eventsSelect() + " " + storedFrom(table) + " WHERE (" + p.stored + ")"
}

// filteredEventsFor is filteredEvents for a query that reads the thread states' or the fd
// states' members only as told (usesStates): the state tables that neither it nor the
// condition reads are not joined, and their structs are left out.
func filteredEventsFor(table func(string) string, p *condPlan, threads, fds bool) string {
	threads, fds = threads || p.threads, fds || p.fds
	return "SELECT " + eventsSelectOf(threads, fds) + " " + storedJoins(table, threads, fds) + " WHERE (" + p.stored + ")"
}

// firstEvents is a query for the events columns (the thread states' and fd states' only as
// told, see filteredEventsFor) of the first k events, in evt.num order, among a capture's
// events lo to hi that match a condition (its plan; maybe more after them); b bounds the
// state ids of those events. When the condition reads the state tables, the matches are found
// first, reading only the columns it reads, and only their rows are read whole: DuckDB would
// otherwise gather the listed members of every event in the range before joining the states
// that decide.
func firstEvents(table func(string) string, p *condPlan, threads, fds bool, capture string, lo, hi int64, k int, b *stateBounds) string {
	rng := fmt.Sprintf("r.capture = %s AND r.evt_num BETWEEN %d AND %d", sqlquote.String(capture), lo, hi)
	if !p.threads && !p.fds {
		// A condition on event_rows alone is tested in the scan, before any member is read.
		return "SELECT " + eventsSelectOf(threads, fds) + " " + boundedJoins(table, columnar.RowsTable, threads, fds, b) +
			" WHERE " + rng + " AND (" + p.stored + ") ORDER BY r.evt_num LIMIT " + fmt.Sprint(k)
	}
	matches := "SELECT r.evt_num " + boundedJoins(table, columnar.RowsTable, p.threads, p.fds, b) +
		" WHERE " + rng + " AND (" + p.stored + ") ORDER BY r.evt_num LIMIT " + fmt.Sprint(k)
	return "SELECT " + eventsSelectOf(threads, fds) + " " + boundedJoins(table, columnar.RowsTable, threads, fds, b) +
		" WHERE " + rng + " AND r.evt_num IN (" + matches + ")"
}

// CompactViews is a DuckDB script for a directory of compact-layout files (tables, each
// TABLE+ext): a view per table over its file, and the events view over them. The files hold
// event_rows in the file encoding (columnar.EncodedRowsSelect), with its event_kinds table:
// the event_rows view decodes it into the table a database stores.
func CompactViews(tables []string, ext string) string {
	var b strings.Builder
	b.WriteString("-- The tables of a scapql capture conversion (--layout compact), as DuckDB views.\n")
	b.WriteString("-- Run from this directory: duckdb -init views.sql (or .read views.sql).\n")
	reader := "read_parquet"
	if ext != ".parquet" {
		reader = "read_arrow" // the arrow extension's reader of Arrow IPC files
	}
	file := func(t string) string { return reader + "(" + sqlquote.String(t+ext) + ")" }
	for _, t := range tables {
		if t == columnar.RowsTable {
			b.WriteString("CREATE OR REPLACE VIEW " + sqlquote.QuotedIdent(columnar.KindsTable) + " AS SELECT * FROM " + file(columnar.KindsTable) + ";\n")
			b.WriteString("CREATE OR REPLACE VIEW " + sqlquote.QuotedIdent(t) + " AS " + columnar.EncodedRowsSelect(file(t), sqlquote.QuotedIdent(columnar.KindsTable)) + ";\n")
			continue
		}
		b.WriteString("CREATE OR REPLACE VIEW " + sqlquote.QuotedIdent(t) + " AS SELECT * FROM " + file(t) + ";\n")
	}
	b.WriteString(strings.Replace(eventsViewDDL(), "CREATE VIEW", "CREATE OR REPLACE VIEW", 1) + ";\n")
	return b.String()
}
