package engine

import (
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"

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
			b.WriteString(partAlias[columnar.PartOf(ms[0])] + "." + quote(s))
			continue
		}
		b.WriteString("struct_pack(")
		for i, c := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(c.Member) + " := " + partAlias[columnar.PartOf(c)] + "." +
				quote(columnar.StoredStruct(c)) + "." + quote(c.Member))
		}
		b.WriteString(") AS " + quote(s))
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
		from += " LEFT JOIN " + src + " " + alias + " ON " + alias + ".id = r." + quote(id)
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

// threadRef and fdRef find references to the thread states' and the fd states' structs.
var (
	threadRef = regexp.MustCompile(`(?i)\b(proc|thread|user|group|container)\b`)
	fdRef     = regexp.MustCompile(`(?i)\bfd\b`)
)

// storedFromFor joins only the state tables a condition over the stored tables may read: a
// count or a search by evt members need not join at all. A mention anywhere (in a literal
// too) joins, so the guess can only be too wide.
func storedFromFor(table func(string) string, cond string) string {
	return storedJoins(table, threadRef.MatchString(cond), fdRef.MatchString(cond))
}

// eventsViewDDL defines the events view over the compact layout. Like any SQL table it has no
// order of its own (the joins may move a few rows): a query that needs event order says
// ORDER BY evt.num. An ORDER BY here would sort every query's rows, aggregates included.
func eventsViewDDL() string {
	return "CREATE VIEW events AS SELECT " + eventsSelect() + " " + storedFrom(quote)
}

// perEventRef finds the members that event_rows stores in the _now structs.
var perEventRef = sync.OnceValue(func() *regexp.Regexp {
	var alts []string
	for _, c := range columnar.CompactColumns()[columnar.PartEvent] {
		if strings.HasSuffix(c.Struct, columnar.NowSuffix) {
			alts = append(alts, regexp.QuoteMeta(strings.TrimSuffix(c.Struct, columnar.NowSuffix)+"."+c.Member))
		}
	}
	return regexp.MustCompile(`\b(?:` + strings.Join(alts, "|") + `)\b`)
})

// storedWhere rewrites a condition over the events columns (as package translate writes
// them: struct.member, literals in single quotes, identifiers in double quotes) into one
// over the stored tables: the per-event members of proc, thread and fd become their _now
// struct's, and the evt members with key columns those columns (evt.type → evt_type, see
// keys.go). Text inside quotes is left alone.
func storedWhere(where string) string {
	var b strings.Builder
	re := perEventRef()
	for len(where) > 0 {
		i := strings.IndexAny(where, `'"`)
		if i < 0 {
			i = len(where)
		}
		b.WriteString(keyRef().ReplaceAllStringFunc(re.ReplaceAllStringFunc(where[:i], func(m string) string {
			s, mem, _ := strings.Cut(m, ".")
			return s + columnar.NowSuffix + "." + mem
		}), func(m string) string { return keyColumn(strings.TrimPrefix(m, "evt.")) }))
		where = where[i:]
		if where == "" {
			break
		}
		q := where[0]
		j := 1
		for j < len(where) {
			if where[j] == q {
				if j+1 < len(where) && where[j+1] == q { // doubled quote inside
					j += 2
					continue
				}
				break
			}
			j++
		}
		if j < len(where) {
			j++
		}
		b.WriteString(where[:j])
		where = where[j:]
	}
	return b.String()
}

// filteredEvents is a query for the events columns of the events matching where (a condition
// over the events columns), in no particular order (see eventsViewDDL).
func filteredEvents(table func(string) string, where string) string {
	return "SELECT " + eventsSelect() + " " + storedFrom(table) + " WHERE (" + storedWhere(where) + ")"
}

// filteredEventsFor is filteredEvents for a query that reads only the columns uses names
// (SQL text; a mention anywhere counts): the state tables that neither it nor where names
// are not joined, and their structs are left out.
func filteredEventsFor(table func(string) string, where, uses string) string {
	cond := storedWhere(where)
	threads, fds := usesStates(uses)
	threads, fds = threads || threadRef.MatchString(cond), fds || fdRef.MatchString(cond)
	return "SELECT " + eventsSelectOf(threads, fds) + " " + storedJoins(table, threads, fds) + " WHERE (" + cond + ")"
}

// usesStates says whether SQL that reads a query's columns (a select list; a mention
// anywhere counts, * reads all) may read the thread states' or the fd states' members.
func usesStates(uses string) (threads, fds bool) {
	all := strings.Contains(uses, "*")
	return all || threadRef.MatchString(uses), all || fdRef.MatchString(uses)
}

// firstEvents is a query for the events columns that uses names (see filteredEventsFor) of
// the first k events, in evt.num order, among a capture's events lo to hi that match where
// (and maybe more after them); b bounds the state ids of those events. When where reads the
// state tables, the matches are found first, reading only the columns where reads, and only
// their rows are read whole: DuckDB would otherwise gather the listed members of every event
// in the range before joining the states that decide.
func firstEvents(table func(string) string, where, uses, capture string, lo, hi int64, k int, b *stateBounds) string {
	cond := storedWhere(where)
	rng := fmt.Sprintf("r.capture = %s AND r.evt_num BETWEEN %d AND %d", sqlquote.String(capture), lo, hi)
	condThreads, condFDs := threadRef.MatchString(cond), fdRef.MatchString(cond)
	threads, fds := usesStates(uses)
	if !condThreads && !condFDs {
		// A condition on event_rows alone is tested in the scan, before any member is read.
		return "SELECT " + eventsSelectOf(threads, fds) + " " + boundedJoins(table, columnar.RowsTable, threads, fds, b) +
			" WHERE " + rng + " AND (" + cond + ") ORDER BY r.evt_num LIMIT " + fmt.Sprint(k)
	}
	matches := "SELECT r.evt_num " + boundedJoins(table, columnar.RowsTable, condThreads, condFDs, b) +
		" WHERE " + rng + " AND (" + cond + ") ORDER BY r.evt_num LIMIT " + fmt.Sprint(k)
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
	file := func(t string) string { return reader + "('" + strings.ReplaceAll(t+ext, "'", "''") + "')" }
	for _, t := range tables {
		if t == columnar.RowsTable {
			b.WriteString("CREATE OR REPLACE VIEW " + quote(columnar.KindsTable) + " AS SELECT * FROM " + file(columnar.KindsTable) + ";\n")
			b.WriteString("CREATE OR REPLACE VIEW " + quote(t) + " AS " + columnar.EncodedRowsSelect(file(t), quote(columnar.KindsTable)) + ";\n")
			continue
		}
		b.WriteString("CREATE OR REPLACE VIEW " + quote(t) + " AS SELECT * FROM " + file(t) + ";\n")
	}
	b.WriteString(strings.Replace(eventsViewDDL(), "CREATE VIEW", "CREATE OR REPLACE VIEW", 1) + ";\n")
	return b.String()
}
