package engine

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	capturesDir = "../../testdata/captures"
	goldenDir   = "../../testdata/golden"
)

func capturePath(name string) string { return filepath.Join(capturesDir, name+".scap") }

// coreFields reads the core= field list from generate.sh.
func coreFields(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "generate.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^core="([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("generate.sh has no core= list")
	}
	return strings.Fields(string(m[1]))
}

// memberSQL is the SQL for a filter field as docs/schema.md maps it.
func memberSQL(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		n, _ := strconv.Atoi(field[i+1 : len(field)-1])
		switch field[:i] {
		case "proc.aname":
			if n == 0 {
				return "proc.name"
			}
			return fmt.Sprintf("proc.anames[%d]", n)
		case "proc.apid":
			if n == 0 {
				return "proc.pid"
			}
			return fmt.Sprintf("proc.apids[%d]", n)
		}
	}
	class, rest, _ := strings.Cut(field, ".")
	if class == "group" {
		class = `"group"`
	}
	return class + "." + strings.ReplaceAll(rest, ".", "_")
}

// text renders a scanned value as the reference prints it; NULL is <NA>.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "<NA>"
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int16:
		return strconv.FormatInt(int64(v), 10)
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return strconv.FormatInt(v.UnixNano(), 10)
	}
	return fmt.Sprint(v)
}

// goldenRecords reads a golden TSV: one record per event, values split on \x1f; a line with
// no separator continues the last value of the record before it (a value with a newline).
func goldenRecords(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	var lines []string
	for sc.Scan() {
		if l := sc.Text(); !strings.Contains(l, "\x1f") && len(lines) > 0 {
			lines[len(lines)-1] += "\n" + l
		} else {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	out := make([][]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Split(l, "\x1f")
	}
	return out
}

func goldenNames(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(goldenDir, "*.core.tsv"))
	if len(files) == 0 {
		t.Fatal("no goldens")
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".core.tsv"))
	}
	return out
}

// TestGoldenCoreSQL loads every capture with goldens into one database and checks, through
// SQL over the events table, every core field of every event the reference prints.
func TestGoldenCoreSQL(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	names := goldenNames(t)
	var paths []string
	for _, n := range names {
		paths = append(paths, capturePath(n))
	}
	if _, err := db.Load(ctx, paths, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	fields := coreFields(t)
	exprs := make([]string, len(fields))
	for i, f := range fields {
		exprs[i] = memberSQL(f)
	}
	query := "SELECT " + strings.Join(exprs, ", ") + " FROM events WHERE capture = ? AND NOT evt.hidden ORDER BY evt.num"
	total := 0
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			want := goldenRecords(t, filepath.Join(goldenDir, name+".core.tsv"))
			rows, err := db.Query(ctx, query, capturePath(name))
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			vals := make([]any, len(fields))
			ptrs := make([]any, len(fields))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			got := map[string][]string{}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				rec := make([]string, len(vals))
				for i, v := range vals {
					rec[i] = text(v)
				}
				got[rec[0]] = rec
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			bad := 0
			for _, w := range want {
				if len(w) != len(fields) {
					t.Fatalf("golden record with %d values, want %d", len(w), len(fields))
				}
				g, ok := got[w[0]]
				if !ok {
					t.Errorf("event %s: not in events (or hidden)", w[0])
					continue
				}
				for i, f := range fields {
					wv := w[i]
					if f == "group.gid" && wv != "<NA>" {
						// The reference prints the gid with the thread count in its high bits.
						n, _ := strconv.ParseUint(wv, 10, 64)
						wv = strconv.FormatUint(n&0xFFFFFFFF, 10)
					}
					if g[i] != wv {
						if bad++; bad <= 5 {
							t.Errorf("event %s %s (%s): got %q, want %q", w[0], f, exprs[i], g[i], wv)
						}
					}
				}
				total += len(fields)
			}
			if len(got) != len(want) {
				t.Errorf("%d shown events in the table, the reference prints %d", len(got), len(want))
			}
		})
	}
	t.Logf("insert path %s: %d values of %d fields agree with the reference", InsertPath, total, len(fields))
}

// TestLoadPersistReopen loads into a database file, reopens it and checks that the capture is
// not read again, that several captures share the tables, and the catalogue of tables.
func TestLoadPersistReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.duckdb")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a, b := capturePath("curl_google"), capturePath("falco_cat_write")
	res, err := db.Load(ctx, []string{a, b}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Skipped || res[1].Skipped {
		t.Fatal("first load skipped")
	}
	counts, err := db.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err = db.Load(ctx, []string{a, b}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Skipped || !res[1].Skipped {
		t.Errorf("reopened database read the captures again: %+v", res)
	}
	again, _ := db.Tables(ctx)
	for k, v := range counts {
		if again[k] != v {
			t.Errorf("table %s: %d rows, had %d", k, again[k], v)
		}
	}
	caps, _ := db.Captures(ctx)
	if len(caps) != 2 {
		t.Errorf("captures: %v", caps)
	}
	var n1, n2 int
	db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM events WHERE capture = ?`, a).Scan(&n1)
	db.Conn().QueryRowContext(ctx, `SELECT count(DISTINCT capture) FROM events`).Scan(&n2)
	if n1 == 0 || n2 != 2 {
		t.Errorf("events of %s: %d; distinct captures: %d", a, n1, n2)
	}
	t.Logf("tables: %v", counts)
}

// TestFilterAndMatching checks the filtered events view and MatchingEventNums.
func TestFilterAndMatching(t *testing.T) {
	ctx := context.Background()
	cap := capturePath("curl_google")
	nums, err := MatchingEventNums(ctx, cap, "evt.type = 'connect'")
	if err != nil {
		t.Fatal(err)
	}
	if len(nums) == 0 || !sort.SliceIsSorted(nums, func(i, j int) bool { return nums[i] < nums[j] }) {
		t.Fatalf("nums: %v", nums)
	}
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := db.MatchingEventNums(ctx, cap, "evt.type = 'connect'")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again) != fmt.Sprint(nums) {
		t.Errorf("reused database: %v, want %v", again, nums)
	}
	if err := db.SetFilter(ctx, "evt.type = 'connect'"); err != nil {
		t.Fatal(err)
	}
	var n, all int
	db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n)
	db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM `+db.Table("events")).Scan(&all)
	if n != len(nums) || all <= n {
		t.Errorf("filtered view: %d rows (want %d), table %d", n, len(nums), all)
	}
	// Inserting goes to the table, not to the view.
	if _, err := db.Load(ctx, []string{capturePath("falco_cat_write")}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetFilter(ctx, ""); err != nil {
		t.Fatal(err)
	}
	db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n)
	if n <= all {
		t.Errorf("after removing the filter: %d rows", n)
	}
	if _, err := db.MatchingEventNums(ctx, cap, "no_such_column = 1"); err == nil {
		t.Error("a bad filter gave no error")
	}
}

// TestDescendants runs the documented "process and all its descendants" query.
func TestDescendants(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cap := capturePath("falco_psp_run_as_user_0_container")
	if _, err := db.Load(ctx, []string{cap}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	// Pick a process with children and grandchildren.
	var root int64
	err = db.Conn().QueryRowContext(ctx, `
		SELECT p.id FROM processes p JOIN processes c ON c.parent_id = p.id AND c.capture = p.capture
		JOIN processes g ON g.parent_id = c.id AND g.capture = c.capture
		WHERE p.capture = ? ORDER BY p.id LIMIT 1`, cap).Scan(&root)
	if err != nil {
		t.Fatalf("no process with grandchildren: %v", err)
	}
	rows, err := db.Query(ctx, DescendantsSQL, cap, root)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		var depth int
		if err := rows.Scan(&id, &depth); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	// The same set, walked in Go.
	children := map[int64][]int64{}
	r2, err := db.Query(ctx, `SELECT id, parent_id FROM processes WHERE capture = ? AND parent_id IS NOT NULL`, cap)
	if err != nil {
		t.Fatal(err)
	}
	for r2.Next() {
		var id, parent int64
		r2.Scan(&id, &parent)
		children[parent] = append(children[parent], id)
	}
	r2.Close()
	want := []int64{}
	var walk func(id int64)
	walk = func(id int64) {
		want = append(want, id)
		for _, c := range children[id] {
			walk(c)
		}
	}
	walk(root)
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	if fmt.Sprint(ids) != fmt.Sprint(want) || len(ids) < 3 {
		t.Errorf("descendants of %d: %v, want %v", root, ids, want)
	}
	// And their events.
	var n int
	if err := db.Conn().QueryRowContext(ctx, `
		WITH RECURSIVE tree(id) AS (
			SELECT id FROM processes WHERE capture = $1 AND id = $2
			UNION ALL
			SELECT p.id FROM processes p JOIN tree ON p.parent_id = tree.id WHERE p.capture = $1)
		SELECT count(*) FROM events WHERE capture = $1 AND proc.id IN (SELECT id FROM tree)`, cap, root).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no events for the tree")
	}
	t.Logf("root %d: %d processes, %d events", root, len(ids), n)
}

// TestMatchingProjected checks that the projected load of MatchingEventNums matches what the
// full table gives, for filters naming members in the ways SQL allows.
func TestMatchingProjected(t *testing.T) {
	ctx := context.Background()
	cap := capturePath("falco_psp_run_as_user_0_container")
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, where := range []string{
		"evt.type = 'read' AND fd.typechar = 'f' OR evt.type = 'execve'",
		`"group".gid = 0 AND USER.name = 'root' AND proc . name <> 'x'`,
		"evt.arg['fd'] IS NOT NULL AND list_contains(proc.anames, 'containerd-shim')",
		"evt.rawtime % 2 = 0 OR evt.latency > 1000",
		"struct_extract(proc, 'name') = 'nginx'",
		"container.id <> 'host' AND NOT evt.hidden",
	} {
		want, err := db.MatchingEventNums(ctx, cap, where)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		got, err := MatchingEventNums(ctx, cap, where)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: lazy %d events, full %d", where, len(got), len(want))
		}
		t.Logf("%-70s %5d events", where, len(got))
	}
}

// TestSchemaDocExamples runs the SQL examples of docs/schema.md (those over loaded tables).
func TestSchemaDocExamples(t *testing.T) {
	raw, err := os.ReadFile("../../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cap := capturePath("curl_google")
	if _, err := db.Load(ctx, []string{cap}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, block := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(raw), -1) {
		for _, stmt := range strings.Split(block[1], ";") {
			var lines []string
			for _, l := range strings.Split(stmt, "\n") {
				if i := strings.Index(l, "--"); i >= 0 {
					l = l[:i]
				}
				lines = append(lines, l)
			}
			stmt = strings.TrimSpace(strings.Join(lines, "\n"))
			if stmt == "" || strings.Contains(stmt, "read_parquet") {
				continue
			}
			stmt = strings.ReplaceAll(stmt, "'trace.scap'", "'"+cap+"'")
			rows, err := db.Query(ctx, stmt)
			if err != nil {
				t.Errorf("%s: %v", stmt, err)
				continue
			}
			got := 0
			for rows.Next() {
				got++
			}
			rows.Close()
			n++
			t.Logf("%d rows: %.60s", got, strings.ReplaceAll(stmt, "\n", " "))
		}
	}
	if n < 8 {
		t.Errorf("only %d examples ran", n)
	}
}

// TestStoredWhere checks the planning of filter conditions onto the stored tables, from
// DuckDB's parse: per-event members move to their _now struct, evt members with key columns
// to those columns, text in quotes and comments stays as it is, and what the stored tables
// cannot answer goes to the events view.
func TestStoredWhere(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		in, want     string
		threads, fds bool
	}{
		{"proc.duration > 5", `"proc_now"."duration" > 5`, false, false},
		{"proc.name = 'proc.duration'", "proc.name = 'proc.duration'", true, false},
		{`fd.num = 3 AND fd.name = 'it''s fd.num' AND thread.tid = 1`, `"fd_now"."num" = 3 AND fd.name = 'it''s fd.num' AND "thread_now"."tid" = 1`, false, true},
		{`"group".gid = 0 OR thread.vmsize>1`, `"group".gid = 0 OR "thread_now"."vmsize">1`, true, false},
		{`"proc" . "Duration" > 1 -- proc.duration`, `"proc_now"."duration" > 1 -- proc.duration`, false, false},
		{"CASE fd.num WHEN 1 THEN true WHEN 2 THEN false END", `CASE "fd_now"."num" WHEN 1 THEN true WHEN 2 THEN false END`, false, false},
		{"len(list_filter(proc.anames, lambda fd: fd = 'sh')) > 0", "len(list_filter(proc.anames, lambda fd: fd = 'sh')) > 0", true, false},
		// key columns (keys.go)
		{"evt.type = 'open' AND evt.num > 3", "evt_type = 'open' AND evt_num > 3", false, false},
		{"NOT coalesce(evt.hidden, false) AND (evt.res = 'evt.res') IS TRUE", "NOT coalesce(evt_hidden, false) AND (evt_res = 'evt.res') IS TRUE", false, false},
		{"evt.args LIKE '%x%' AND evt.rawres < 0", "evt.args LIKE '%x%' AND evt_rawres < 0", false, false},
		{"evt.type_is = 1", "", true, true}, // no such member
		// only the events view answers these
		{"proc IS NOT NULL", "", true, true},
		{"events.proc.name = 'x'", "", true, true},
		{"no_such_column = 1", "", true, true},
		{"proc.name = 'unterminated", "", true, true},
	} {
		p := db.plan(ctx, c.in)
		if p.stored != c.want || p.threads != c.threads || p.fds != c.fds {
			t.Errorf("plan(%q) = %q threads %v fds %v, want %q %v %v", c.in, p.stored, p.threads, p.fds, c.want, c.threads, c.fds)
		}
	}
}

// TestFirstMatches checks the shell's narrowed listing: the total is the filter's count, and
// the first k events listed under the restriction are the first k of all matches.
func TestFirstMatches(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	caps := []string{capturePath("curl_google"), capturePath("falco_syscall")}
	if _, err := db.Load(ctx, caps, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	conds := []string{"evt.type = 'connect'", "proc.name = 'curl'", "fd.typechar = 'f'",
		"evt.type = 'read' AND fd.name LIKE '%etc%'", "evt.type = 'no such type'", "true",
		// counted from a summary: one kind of state, NULL states included or not
		"fd.name IS NULL", "NOT ((fd.typechar = 'f') IS TRUE)", "(fd.sport = 443) IS TRUE",
		"user.name = 'root'", "(proc.pname = 'bash') IS TRUE", "container.id IS NULL",
		"fd.num >= 3", "thread.tid > 0", "evt.res = 'ENOENT'", "(evt.failed = true) IS TRUE",
		"proc.name = 'curl' AND evt.type = 'read'", "evt.dir = '<' AND NOT (user.name = 'root') IS TRUE",
		"evt.type = 'close' AND fd.typechar = 'f'"}
	var wheres []string
	for _, c := range conds {
		wheres = append(wheres, c, "NOT coalesce(evt.hidden, false) AND "+c)
	}
	// Tiny windows and no k-th group shortcut too, so that every path is taken.
	defer func(w int64, s bool) { minWindow, kthShortcut = w, s }(minWindow, kthShortcut)
	for _, knobs := range []struct {
		window   int64
		shortcut bool
	}{{minWindow, true}, {1, false}, {3, true}} {
		minWindow, kthShortcut = knobs.window, knobs.shortcut
		firstMatchesCases(t, db, wheres)
	}
}

// firstMatchesCases checks FirstMatches against the full listing of each condition.
func firstMatchesCases(t *testing.T, db *DB, wheres []string) {
	ctx := context.Background()
	for _, where := range wheres {
		for _, k := range []int{1, 5, 21} {
			first, total, err := db.FirstMatches(ctx, where, k, "evt.num")
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			list := func(query string, limit int) []string {
				rows, err := db.Query(ctx, `SELECT capture || '#' || evt.num FROM (`+query+
					`) ORDER BY capture, evt.num`+fmt.Sprintf(" LIMIT %d", limit))
				if err != nil {
					t.Fatalf("%s: %v", query, err)
				}
				defer rows.Close()
				var out []string
				for rows.Next() {
					var s string
					rows.Scan(&s)
					out = append(out, s)
				}
				return out
			}
			all := list(db.FilteredEvents(where), 1<<30)
			got := list(first, k)
			want := all[:min(k, len(all))]
			if int(total) != len(all) || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, k=%d: total %d (want %d), first %v (want %v), query %s", where, k, total, len(all), got, want, first)
			}
		}
	}
}

// TestFilteredEventsFor checks that leaving out the structs a listing does not read changes
// none of the values it reads.
func TestFilteredEventsFor(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Load(ctx, []string{capturePath("curl_google")}, LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	listing := func(q string) string {
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			b.WriteString(s + "\n")
		}
		return b.String()
	}
	for _, tc := range []struct{ where, uses string }{
		{"NOT coalesce(evt.hidden, false) AND evt.type = 'connect'", "evt.num, evt.type, evt.args"},
		{"NOT coalesce(evt.hidden, false) AND evt.type = 'read'", "evt.num, proc.name, thread.tid, user.name"},
		{"fd.typechar = 'f'", "evt.num, evt.time, proc.name, evt.args"},
		{"proc.name = 'curl'", "evt.num, fd.name, fd.num"},
		{"true", "evt.num, \"group\".name, container.id"},
	} {
		sel := "SELECT CAST(row(" + tc.uses + ") AS VARCHAR) FROM "
		want := listing(sel + "(" + db.FilteredEvents(tc.where) + ") ORDER BY capture, evt.num")
		got := listing(sel + "(" + db.FilteredEvents(tc.where, tc.uses) + ") ORDER BY capture, evt.num")
		if got != want || want == "" {
			t.Errorf("%s / %s: narrowed listing differs (%d vs %d bytes)", tc.where, tc.uses, len(got), len(want))
		}
	}
}

// TestSummaryFor checks which conditions a summary counts: only those that read its keys and
// the state table it joins.
func TestSummaryFor(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct{ where, want string }{
		{"NOT coalesce(evt.hidden, false) AND evt.type = 'open'", "event_classes"},
		{"(evt.res = 'ENOENT') IS TRUE AND evt.dir = '<'", "event_classes"},
		{"proc.name = 'nginx' AND evt.type = 'writev'", "event_classes"},
		{"(user.name = 'alice') IS TRUE", "event_classes"},
		{"NOT coalesce(evt.hidden, false) AND (fd.sport = 5432) IS TRUE", "fd_classes"},
		{"fd.name IS NULL", "fd_classes"},
		{"evt.type = 'read' AND fd.name LIKE '%etc%'", ""},
		{"proc.name = 'curl' AND fd.typechar = 'f'", ""},
		{"evt.rawres < 0", ""},
		{"evt.args LIKE '%x%'", ""},
		{"fd.num = 3", ""},
		{"proc.duration > 0", ""},
		{"evt.type = 'open' AND r.evt_num > 3", ""},
	} {
		got := ""
		if s := summaryFor(db.plan(ctx, tc.where)); s != nil {
			got = s.table
		}
		if got != tc.want {
			t.Errorf("%s: summary %q, want %q", tc.where, got, tc.want)
		}
	}
}

// TestProcessEventCounts holds processes.events to the events table: each process's count is
// the number of its events shown (evt.hidden false), on every bundled capture.
func TestProcessEventCounts(t *testing.T) {
	db := openBundled(t)
	got := answer(t, db, `
		WITH n AS (SELECT capture, proc.id AS id, count(*) AS events FROM events
		           WHERE NOT evt.hidden AND proc.id IS NOT NULL GROUP BY ALL)
		SELECT count(*) > 100, count(*) FILTER (WHERE p.events IS DISTINCT FROM coalesce(n.events, 0)),
		       (SELECT count(*) FROM events WHERE evt.hidden AND proc.id IS NOT NULL) > 0
		FROM processes p LEFT JOIN n ON n.capture = p.capture AND n.id = p.id`)
	if want := "true 0 true"; len(got) != 1 || got[0] != want {
		t.Errorf("processes over 100, with another count than their shown events, hidden events of processes: %q, want %q", got, want)
	}
}

// TestClosedMembersReadAsText checks that the members stored as ENUMs (memberTableDDL) read
// as the texts they are: their type, their order, and every value the captures hold.
func TestClosedMembersReadAsText(t *testing.T) {
	db := openBundled(t)
	got := answer(t, db, `SELECT DISTINCT concat_ws(' ', typeof(evt.type), typeof(evt.category), typeof(evt.dir)) FROM events`)
	if want := "VARCHAR VARCHAR VARCHAR"; len(got) != 1 || got[0] != want {
		t.Errorf("types %q, want %q", got, want)
	}
	// Sorted as texts (an ENUM sorts by its declared order, which is also sorted, so the
	// case that tells them apart is the mix of capitals: 'IPC' < 'file' < 'ipc').
	got = answer(t, db, `SELECT string_agg(DISTINCT evt.category, ',' ORDER BY evt.category) FROM events`)
	if len(got) != 1 || !strings.Contains(got[0], "IPC,file") {
		t.Errorf("categories in order: %q", got)
	}
	got = answer(t, db, `SELECT count(DISTINCT evt.type) > 50, count(*) FILTER (WHERE evt.type IS NULL OR evt.dir IS NULL OR evt.category IS NULL) FROM events`)
	if want := "true 0"; len(got) != 1 || got[0] != want {
		t.Errorf("distinct types over 50, events without type, dir or category: %q, want %q", got, want)
	}
}
