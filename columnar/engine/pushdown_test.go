package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/internal/sqlrows"
)

// answer is a statement's result rows as sorted text lines.
func answer(t *testing.T, db *DB, q string) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := db.Prepare(ctx, q); err != nil {
		t.Fatalf("%s: prepare: %v", q, err)
	}
	rows, err := db.Query(ctx, q)
	_, vals := allRows(t, sqlrows.Driver{Rows: rows}, err)
	var out []string
	for _, v := range vals {
		out = append(out, fmt.Sprint(v...))
	}
	slices.Sort(out)
	return out
}

// openBundled is a lazy database over every bundled capture.
func openBundled(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := OpenLazy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.AddInputs(ctx, bundledCaptures(t)); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPushdownSameAnswers holds a question answered by a pass that keeps only the events its
// WHERE can match to the same rows as the question answered over every event (its members
// built whole first), on every bundled capture, and checks which questions are pushed down.
func TestPushdownSameAnswers(t *testing.T) {
	const sel = `SELECT capture, evt.num, evt.type, proc.name, fd.name, fd.num, evt.failed, evt.rawres FROM events`
	cases := []struct {
		where  string // appended to sel, or a whole statement when it starts with SELECT/WITH
		pushed bool
	}{
		{`WHERE evt.type = 'connect'`, true},
		{`WHERE 'connect' = evt.type`, true},
		{`WHERE evt.type IN ('open', 'openat') AND fd.name IS NOT NULL`, true},
		{`WHERE evt.type NOT IN ('read', 'write', 'close')`, true},
		{`WHERE evt.failed`, true},
		{`WHERE NOT evt.failed`, true},
		{`WHERE evt.failed = true`, true},
		{`WHERE fd.num = 3`, true},
		{`WHERE fd.num <> 3`, true},
		{`WHERE NOT (fd.name = '/etc/hostname')`, true},
		{`WHERE evt.num > 100 AND evt.num <= 300`, true},
		{`WHERE evt.rawres < 0`, true},
		{`WHERE evt.rawres >= 0 AND evt.type = 'openat'`, true},
		{`WHERE starts_with(fd.name, '/etc') OR contains(proc.name, 'ur')`, true},
		{`WHERE ends_with(fd.name, '.so') OR prefix(fd.name, '/usr') OR suffix(proc.name, 'sh')`, true},
		{`WHERE fd.name IS NULL AND evt.type = 'close'`, true},
		{`WHERE proc.name IS DISTINCT FROM 'curl'`, true},
		{`WHERE proc.name IS NOT DISTINCT FROM 'curl'`, true},
		{`WHERE evt.type = 'connect' OR proc.name = 'cat'`, true},
		{`WHERE evt.is_io AND evt.rawres > 0`, true}, // the I/O types only are built
		{`WHERE evt.is_io_read OR evt.type = 'connect'`, true},
		{`WHERE NOT evt.is_io_write AND fd.num = 3`, true},
		{`WHERE (evt.type = 'connect' OR fd.num = 3) AND NOT (proc.name = 'curl')`, true},
		{`WHERE evt.failed AND proc.name = 'curl'`, true}, // failed calls only are built
		{`WHERE (evt.failed AND evt.type = 'connect') OR (evt.failed AND fd.num = 3)`, true},
		{`WHERE evt.failed OR evt.type = 'connect'`, true},
		{`WHERE evt.dir = '<' AND evt.type = 'connect'`, true}, // exit events only are built
		{`WHERE (evt.dir = '<' AND evt.failed) OR (evt.dir = '<' AND fd.num = 3)`, true},
		{`WHERE evt.dir = '>' OR evt.type = 'connect'`, true},
		// Filters as the translator writes them.
		{`WHERE ((evt.type IN ('open', 'openat')) AND ((starts_with(fd.name, '/etc')) IS TRUE))`, true},
		{`WHERE (((proc.name = 'cat') IS TRUE) AND ((evt.failed = true) IS TRUE))`, true},
		{`WHERE ((fd.num = 3) IS NOT TRUE)`, true},
		{`WHERE evt.type = 'connect' AND fd.name LIKE '%:%'`, true},
		{`WHERE fd.name LIKE '%etc%' OR proc.name LIKE 'c_r_'`, true},
		{`WHERE fd.name NOT LIKE '/usr/%' AND evt.type = 'openat'`, true},
		// A conjunct the pass cannot evaluate is left to DuckDB.
		{`WHERE evt.type = 'connect' AND fd.name ILIKE '%:%'`, true},
		{`WHERE evt.type = 'execve' AND length(proc.name) > 2 ORDER BY ALL`, true},
		{`SELECT e.capture, e.evt.num, e.proc.name FROM events e WHERE e.evt.type = 'execve'`, true},
		{`SELECT proc.name, count(*) n FROM events WHERE evt.type = 'connect' GROUP BY ALL`, true},
		// Not pushed: another table, no WHERE, a star, a set operation, a CTE.
		{`WHERE evt.type = 'connect' AND evt.num IN (SELECT evt.num FROM events WHERE evt.type = 'close')`, false},
		{`WHERE length(proc.name) > 3`, false},
		{``, false},
		{`SELECT * FROM events WHERE evt.type = 'connect'`, false},
		{`SELECT proc.name FROM events WHERE evt.type = 'connect' UNION ALL SELECT 'x'`, false},
		{`WITH c AS (SELECT proc.name FROM events WHERE evt.type = 'connect') SELECT * FROM c`, false},
		{`SELECT proc.name FROM main.events WHERE evt.type = 'connect'`, false},
		{`SELECT x.type FROM events e(c, x) WHERE x.type = 'connect'`, false},
		{`SELECT evt.num FROM events WHERE evt.type = 'connect' AND proc.name IN (SELECT name FROM processes)`, false},
	}
	whole := openBundled(t)
	answer(t, whole, sel+` LIMIT 0`) // every member the cases read, built whole
	answer(t, whole, `SELECT evt.is_io, evt.is_io_read, evt.is_io_write, evt.dir FROM events LIMIT 0`)
	answer(t, whole, `SELECT count(*) FROM processes`)
	for _, c := range cases {
		q := c.where
		if !strings.HasPrefix(q, "SELECT") && !strings.HasPrefix(q, "WITH") {
			q = sel + " " + q
		}
		want := answer(t, whole, q)
		if whole.lazy.narrowed {
			t.Fatalf("%s: pushed down with every member built", q)
		}
		db := openBundled(t)
		got := answer(t, db, q)
		if db.lazy.narrowed != c.pushed {
			t.Errorf("%s: pushed down %v, want %v", q, db.lazy.narrowed, c.pushed)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d rows, want %d; first difference %s", q, len(got), len(want), firstDiff(strings.Join(got, "\n"), strings.Join(want, "\n")))
		}
		if len(want) == 0 && strings.Contains(q, "connect") {
			t.Errorf("%s: no rows: the case tests nothing", q)
		}
	}
}

// TestPushdownSession follows a session: the same question again reads the kept table, a
// question with another condition on the same members builds them whole, and the name
// events reads the whole view again after it; a filter set with SetFilter is applied too.
func TestPushdownSession(t *testing.T) {
	ctx := context.Background()
	db := openBundled(t)
	q1 := `SELECT proc.name, count(*) FROM events WHERE evt.type = 'connect' GROUP BY ALL`
	q2 := `SELECT proc.name, count(*) FROM events WHERE evt.type = 'close' GROUP BY ALL`
	all := `SELECT count(*) FROM events`
	first := answer(t, db, q1)
	if !db.lazy.narrowed || len(db.lazy.pushed) != 1 {
		t.Fatalf("first question: narrowed %v, %d pushed sets", db.lazy.narrowed, len(db.lazy.pushed))
	}
	tables := db.lazy.tables
	if again := answer(t, db, q1); !slices.Equal(again, first) || db.lazy.tables != tables || !db.lazy.narrowed {
		t.Errorf("same question again: %v (want %v), %d tables made (want %d)", again, first, db.lazy.tables, tables)
	}
	closes := answer(t, db, q2)
	if db.lazy.narrowed {
		t.Errorf("another condition on the same members was pushed down")
	}
	whole := openBundled(t)
	if want := answer(t, whole, q2); !slices.Equal(closes, want) {
		t.Errorf("%s: %v, want %v", q2, closes, want)
	}
	if got, want := answer(t, db, all), answer(t, whole, all); !slices.Equal(got, want) || got[0] == "0" {
		t.Errorf("%s after pushed questions: %v, want %v", all, got, want)
	}
	if got := answer(t, db, q1); !slices.Equal(got, first) || db.lazy.narrowed {
		t.Errorf("first question once built whole: %v (narrowed %v), want %v", got, db.lazy.narrowed, first)
	}

	// A filter narrows further, and is kept when the statement is pushed down.
	fdb := openBundled(t)
	if err := fdb.SetFilter(ctx, `proc.name = 'curl'`); err != nil {
		t.Fatal(err)
	}
	got := answer(t, fdb, q1)
	if !fdb.lazy.narrowed {
		t.Errorf("filtered: not pushed down")
	}
	want := answer(t, whole, `SELECT proc.name, count(*) FROM events WHERE evt.type = 'connect' AND proc.name = 'curl' GROUP BY ALL`)
	if !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("filtered: %v, want %v", got, want)
	}
	if got, want := answer(t, fdb, all), answer(t, whole, `SELECT count(*) FROM events WHERE proc.name = 'curl'`); !slices.Equal(got, want) {
		t.Errorf("filtered %s: %v, want %v", all, got, want)
	}
}

// TestLikeAsDuckDB holds the pass's LIKE to DuckDB's on texts and patterns with wildcards,
// backslashes, case and multi-byte characters.
func TestLikeAsDuckDB(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	texts := []string{"", "a", "abc", "ABC", "a%b", "a_b", `a\b`, "é", "éa", "/etc/passwd", "a\nb", "aaa", "abab"}
	patterns := []string{"", "%", "_", "a%", "%a", "%b%", "a_c", "_b_", "a\\%", `a\b`, "%%", "a%b%", "é%", "_a", "%etc%", "a%a%a", "ab%ab", "A%"}
	n := 0
	for _, s := range texts {
		for _, p := range patterns {
			var want bool
			if err := db.Conn().QueryRowContext(ctx, `SELECT ? LIKE ?`, s, p).Scan(&want); err != nil {
				t.Fatal(err)
			}
			if got := like(s, p); got != want {
				t.Errorf("%q LIKE %q: %v, DuckDB says %v", s, p, got, want)
			}
			n++
		}
	}
	t.Logf("%d pairs", n)
}

// TestPrepareSharedSameAnswers prepares selective and whole statements together in one pass
// per capture (PrepareShared) and requires each statement's rows to equal those of a database
// that prepared it alone; no statement may need a pass of its own afterwards.
func TestPrepareSharedSameAnswers(t *testing.T) {
	narrow := []string{
		`SELECT capture, evt.num, proc.name, fd.name FROM events WHERE evt.type = 'connect' AND evt.dir = '<'`,
		`SELECT capture, evt.num, evt.arg['name'] FROM events WHERE evt.type IN ('open', 'openat') AND evt.failed`,
		`SELECT evt.res, count(*) FROM events WHERE evt.failed AND NOT evt.hidden GROUP BY ALL`,
		`SELECT capture, evt.num, octet_length(evt.buffer) FROM events WHERE evt.type IN ('sendto', 'recvfrom') AND (fd.sport = 53 OR fd.cport = 53)`,
		`SELECT capture, evt.num, proc.cmdline FROM events WHERE evt.type = 'execve' AND evt.dir = '<' AND (NOT evt.failed OR proc.name IN ('sudo', 'su'))`,
		// Not selective by type, and one that cannot be pushed: built for every event.
		`SELECT fd.name, sum(evt.rawres) FROM events WHERE evt.is_io AND evt.dir = '<' AND evt.rawres > 0 GROUP BY ALL`,
		`SELECT e.capture, e.evt.num, p.name FROM events e JOIN processes p ON p.capture = e.capture AND p.id = e.proc.id WHERE e.evt.type = 'clone'`,
	}
	whole := []string{
		`SELECT evt.category, count(*) FILTER (WHERE evt.failed) FROM events WHERE NOT evt.hidden GROUP BY ALL`,
		`SELECT capture, count(*) FROM connections GROUP BY ALL`,
		`SELECT capture, count(*) FROM events GROUP BY ALL`, // no member: the rows alone
	}
	ctx := context.Background()
	shared := openBundled(t)
	observed := map[string]int{} // events the pass gave the observer, per capture
	observe := func(path string, ev *state.Event) error {
		observed[columnar.CaptureName(path)]++
		return nil
	}
	if err := shared.PrepareShared(ctx, narrow, whole, observe); err != nil {
		t.Fatal(err)
	}
	tables := shared.lazy.tables
	for _, q := range append(slices.Clone(narrow), whole...) {
		alone := openBundled(t)
		want := answer(t, alone, q)
		got := answer(t, shared, q)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d rows, want %d; first difference %s", q, len(got), len(want), firstDiff(strings.Join(got, "\n"), strings.Join(want, "\n")))
		}
		if len(want) == 0 {
			t.Errorf("%s: no rows: the case tests nothing", q)
		}
	}
	if shared.lazy.tables != tables {
		t.Errorf("the statements made %d more tables after the shared pass", shared.lazy.tables-tables)
	}
	// The observer saw each capture's every event (the events table's rows) once.
	for _, row := range answer(t, shared, `SELECT capture || ' ' || count(*) FROM events GROUP BY capture`) {
		f := strings.Fields(row)
		if got := fmt.Sprint(observed[f[0]]); got != f[1] {
			t.Errorf("%s: observed %s events, the table has %s", f[0], got, f[1])
		}
	}
	if len(observed) == 0 {
		t.Error("nothing observed")
	}
}

// TestEventsBeforeBuilding checks what a pushed condition tells of the events it can keep
// before they are built: their types, and whether only failed calls qualify.
func TestEventsBeforeBuilding(t *testing.T) {
	db := openBundled(t)
	cases := []struct {
		where  string
		types  []string // nil: any type
		failed bool
	}{
		{`evt.failed`, nil, true},
		{`evt.failed AND NOT evt.hidden`, nil, true},
		{`(evt.failed) IS TRUE AND fd.num = 3`, nil, true},
		{`evt.failed = true AND evt.type IN ('open', 'connect')`, []string{"connect", "open"}, true},
		{`(evt.failed AND fd.num = 3) OR (evt.failed AND evt.type = 'close')`, nil, true},
		{`evt.failed OR evt.type = 'connect'`, nil, false},
		{`NOT evt.failed`, nil, false},
		{`evt.failed IS NOT TRUE`, nil, false},
		{`evt.failed = false`, nil, false},
		{`evt.type = 'connect' OR evt.type = 'close'`, []string{"close", "connect"}, false},
		{`evt.dir = '<' AND evt.failed`, nil, true},
	}
	for _, c := range cases {
		doc, ok, err := serialize(context.Background(), db.conn, `SELECT evt.num FROM events WHERE `+c.where)
		if err != nil || !ok {
			t.Fatalf("%s: %v", c.where, err)
		}
		cond, ok := pushable(doc)
		if !ok {
			t.Fatalf("%s: not pushable", c.where)
		}
		types := eventTypes(cond)
		var got []string
		if types != nil {
			got = slices.Sorted(maps.Keys(types))
		}
		if !slices.Equal(got, c.types) || onlyFailed(cond) != c.failed {
			t.Errorf("%s: types %v, failed only %v; want %v, %v", c.where, got, onlyFailed(cond), c.types, c.failed)
		}
		exit := strings.Contains(c.where, "evt.dir = '<'")
		if onlyExit(cond) != exit {
			t.Errorf("%s: exit events only %v, want %v", c.where, onlyExit(cond), exit)
		}
	}
}

// TestBeyondPick checks what is left of a condition to test on the rows picked by its
// events' types and direction: the type and direction tests those make true go, the rest
// stays (a test of evt.is_io too: a generic event's flags are not its type's).
func TestBeyondPick(t *testing.T) {
	db := openBundled(t)
	cases := []struct{ where, left string }{
		{`evt.type = 'listen' AND evt.dir = '<' AND NOT evt.failed`, `NOT evt.failed`},
		{`evt.type IN ('open', 'openat') AND evt.dir = '<'`, ``},
		{`evt.type IN ('open', 'openat') AND evt.type = 'open'`, ``},
		{`evt.type IN ('open', 'openat') AND fd.num = 3`, `fd.num = 3`},
		{`evt.is_io AND evt.dir = '<' AND evt.rawres > 0`, `evt.is_io AND evt.rawres > 0`},
		{`evt.type = 'connect' OR evt.type = 'close'`, `evt.type = 'connect' OR evt.type = 'close'`},
		{`evt.dir = '>' AND evt.type = 'read'`, `evt.dir = '>'`},
		{`evt.failed`, `evt.failed`},
	}
	for _, c := range cases {
		key := func(where string) string {
			doc, ok, err := serialize(context.Background(), db.conn, `SELECT evt.num FROM events WHERE `+where)
			if err != nil || !ok {
				t.Fatalf("%s: %v", where, err)
			}
			cond, ok := pushable(doc)
			if !ok {
				t.Fatalf("%s: not pushable", where)
			}
			if where == c.where {
				cond = beyondPick(cond, columnar.EventSet{Types: eventTypes(cond), Failed: onlyFailed(cond), Exit: onlyExit(cond)})
			}
			if cond == nil {
				return ""
			}
			return cond.key()
		}
		want := ""
		if c.left != "" {
			want = key(c.left)
		}
		if got := key(c.where); got != want {
			t.Errorf("%s: left %q, want %q", c.where, got, want)
		}
	}
}
