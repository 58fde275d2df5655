package engine

import (
	"regexp"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
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
	evt, ok := columnar.CompactSchema(columnar.RowsTable).FieldsByName("evt")
	if !ok || len(evt) != 1 {
		return "", errNoEvt
	}
	st := evt[0].Type.(*arrow.StructType)
	var b strings.Builder
	for _, m := range keyMembers {
		f, ok := st.FieldByName(m)
		if !ok {
			return "", &keyError{m}
		}
		t, err := sqlType(f.Type)
		if err != nil {
			return "", err
		}
		b.WriteString(", " + quote(keyColumn(m)) + " " + t)
	}
	return b.String(), nil
})

type keyError struct{ member string }

func (e *keyError) Error() string { return "key column: event_rows has no member evt." + e.member }

var errNoEvt = &keyError{"(evt struct)"}

// insertSelect is the select list that fills table from a batch of its Arrow schema.
func insertSelect(table string) string {
	if table != columnar.RowsTable {
		return "*"
	}
	var b strings.Builder
	b.WriteString("*")
	for _, m := range keyMembers {
		b.WriteString(", evt." + quote(m))
	}
	return b.String()
}

// keyRef finds the evt members that have key columns (not evt.type_is, nor a quoted name).
var keyRef = sync.OnceValue(func() *regexp.Regexp {
	alts := make([]string, len(keyMembers))
	for i, m := range keyMembers {
		alts[i] = regexp.QuoteMeta(m)
	}
	return regexp.MustCompile(`\bevt\.(` + strings.Join(alts, "|") + `)\b`)
})

// stateEventsTable counts, per capture, the events of each thread state and each fd state
// (state NULL or -1: the events with no such state), all and visible ones, with the first
// and last evt.num of each. A filter that reads only one kind of state is counted by summing
// the rows of the states it matches, a few thousand, rather than by joining every event to
// its state; its first match is the least first evt.num of those states.
const stateEventsTable = "state_events"

const stateEventsDDL = `CREATE TABLE state_events (capture VARCHAR, kind VARCHAR, state BIGINT, ` +
	`events BIGINT, events_first BIGINT, events_last BIGINT, visible BIGINT, visible_first BIGINT, visible_last BIGINT)`

// fillStateEvents is the statement that counts a capture's events by state (argument: the
// capture, twice).
func fillStateEvents(table func(string) string) string {
	const vis = ` FILTER (WHERE NOT coalesce(evt_hidden, false))`
	count := func(kind, id string) string {
		return `SELECT capture, '` + kind + `', ` + quote(id) + `, count(*), min(evt_num), max(evt_num), count(*)` + vis +
			`, min(evt_num)` + vis + `, max(evt_num)` + vis + ` FROM ` + table(columnar.RowsTable) +
			` WHERE capture = ? GROUP BY capture, ` + quote(id)
	}
	return `INSERT INTO ` + table(stateEventsTable) + ` ` + count("thread", columnar.ThreadStateID) +
		` UNION ALL ` + count("fd", columnar.FDStateID)
}

// VisibleEvents is the condition the shell puts first in a filter's WHERE: the events print
// shows (evt.hidden false). FirstMatches recognises it to count visible events.
const VisibleEvents = "NOT coalesce(evt.hidden, false)"

// eventRef finds references to event_rows' own columns in a condition over the stored tables.
var eventRef = regexp.MustCompile(`(?i)\b(r|evt|syscall|proc_now|thread_now|fd_now|capture|thread_state|fd_state|evt_[a-z_]+)\b`)

// stateOnly reports which kind of state ("thread" or "fd") a condition over the stored
// tables reads, if it reads one kind and no member of event_rows. Mentions inside literals
// count too, so the answer errs towards "" (no shortcut).
func stateOnly(cond string) string {
	if eventRef.MatchString(cond) {
		return ""
	}
	th, fd := threadRef.MatchString(cond), fdRef.MatchString(cond)
	switch {
	case th && !fd:
		return "thread"
	case fd && !th:
		return "fd"
	}
	return ""
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
