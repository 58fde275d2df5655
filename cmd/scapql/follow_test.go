package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/report/coloring"
)

// TestScopesMatchReference: each --scope of testdata/follow/scopes.tsv stands for the filter
// written there (the values of its event), and print and query give the events sysdig
// 0.29.3 prints for that filter (NAME.scope, generate-scopes.sh).
func TestScopesMatchReference(t *testing.T) {
	b, err := os.ReadFile("../../testdata/follow/scopes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		name, capture, spec, filter := c[0], c[1], c[2], c[3]
		t.Run(name, func(t *testing.T) {
			ref, err := os.ReadFile(filepath.Join("../../testdata/follow", name+".scope"))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(capturesDir, capture)
			var out, errb bytes.Buffer
			if err := runPrint(&out, &errb, printFlags{read: path, dialect: "auto", format: "%evt.num", scope: spec, color: "never"}, ""); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(errb.String(), "): "+filter+"\n") {
				t.Errorf("scope %s: %q, want the filter %q", spec, errb.String(), filter)
			}
			if out.String() != string(ref) {
				t.Errorf("print --scope %s: %d lines, sysdig %d", spec, strings.Count(out.String(), "\n"), bytes.Count(ref, []byte("\n")))
			}
			var q bytes.Buffer
			err = runQuery(context.Background(), &q, io.Discard, queryFlags{reads: []string{path}, format: "csv", scope: spec},
				`SELECT evt.num FROM events WHERE NOT evt.hidden ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimPrefix(q.String(), "evt.num\n"); got != string(ref) {
				t.Errorf("query --scope %s: %d rows, sysdig %d", spec, strings.Count(got, "\n"), bytes.Count(ref, []byte("\n")))
			}
		})
	}
}

// TestScopeSeveralCaptures: with several captures the scope names its capture, and only that
// capture's events are kept.
func TestScopeSeveralCaptures(t *testing.T) {
	a := filepath.Join(capturesDir, "curl_google.scap")
	b := filepath.Join(capturesDir, "falco_psp_run_as_user_0_container.scap")
	run := func(spec string) (string, error) {
		var q bytes.Buffer
		err := runQuery(context.Background(), &q, io.Discard, queryFlags{reads: []string{b, a}, format: "csv", scope: spec},
			`SELECT capture, count(*) FROM events WHERE NOT evt.hidden GROUP BY 1`)
		return q.String(), err
	}
	if _, err := run("process@1312"); err == nil || !strings.Contains(err.Error(), "several captures are read; name one: process@CAPTURE:1312") {
		t.Errorf("ambiguous scope: %v", err)
	}
	// 1221 is sysdig's count for proc.pid = 17497 in curl_google.scap (curl_tree.scope).
	got, err := run("process@" + a + ":1312")
	if err != nil {
		t.Fatal(err)
	}
	if want := "capture,count_star()\n" + a + ",1221\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = runQuery(context.Background(), io.Discard, io.Discard, queryFlags{reads: []string{b, a}, format: "csv", scope: "process@" + a + ":1312",
		db: filepath.Join(t.TempDir(), "two.duckdb")}, "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), "several captures of a database file is not supported") {
		t.Errorf("database file: %v", err)
	}
	if _, err := run("process@nosuch.scap:1312"); err == nil || !strings.Contains(err.Error(), "not among the captures") {
		t.Errorf("unknown capture: %v", err)
	}
	for spec, want := range map[string]string{
		"process":          "want KIND@EVENT",
		"session@12":       `unknown scope "session"`,
		"process@x":        "is not an event number",
		"fd@" + a + ":212": "event 212 (brk) has no file descriptor",
		"fd@" + a + ":1":   "event 1 is an internal event",
	} {
		if _, err := run(spec); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", spec, err, want)
		}
	}
}

// TestFollowCommand: scapql follow prints the fd's stream (the HTTP exchange of
// curl_google.scap, whose chunks TestStreamsMatchReference holds to sysdig's) and refuses
// bad arguments clearly.
func TestFollowCommand(t *testing.T) {
	path := filepath.Join(capturesDir, "curl_google.scap")
	var out bytes.Buffer
	if err := runFollow(&out, followFlags{read: path, format: "text", dialect: "auto", maxBytes: 1 << 20}, "fd.port = 80"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Filter: proc.pid = 17497 and fd.num = 4 and evt.num >= 1259 and evt.num <= 1427\n",
		"\t78\nGET / HTTP/1.1\r\nHost: www.google.com\r\n",
		"80 (of 6040, cut by the snap length)\nHTTP/1.1 200 OK\r\n",
		"Read: 11502 bytes in 3 chunks; written: 78 bytes in 1 chunks; 1 turns; events 1259 to 1427 (17)\n",
		"Cut by the capture's snap length: 2 of 4 chunks (243 of 11580 bytes kept)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
	for _, tc := range []struct {
		ff     followFlags
		filter string
		want   string
	}{
		{followFlags{format: "text"}, "", "give a capture with -r"},
		{followFlags{read: "-", format: "text"}, "", "not standard input"},
		{followFlags{read: path, format: "pdf", maxBytes: 1}, "", "unknown --format"},
		{followFlags{read: path, format: "text", event: 3, maxBytes: 1}, "fd.num = 4", "not both"},
		{followFlags{read: path, format: "text", dialect: "auto", maxBytes: 1}, "proc.name = nosuch", "no event found"},
	} {
		if err := runFollow(io.Discard, tc.ff, tc.filter); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v %q: error %v, want %q", tc.ff, tc.filter, err, tc.want)
		}
	}
}

// shell runs the shell over captures with commands and returns its output and errors.
func shell(t *testing.T, captures []string, color string, commands ...string) (string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runRepl(context.Background(), nil, &out, &errOut, captures,
		replFlags{dialect: "auto", history: "-", color: color, commands: commands})
	if err != nil {
		t.Fatalf("%v: %v\n%s", commands, err, errOut.String())
	}
	return out.String(), errOut.String()
}

// TestShellScopeAndFollow: .scope narrows SQL and filters to the events sysdig gives for the
// scope's filter (testdata/follow/*.scope), .scope off lifts it, and .follow prints the stream.
func TestShellScopeAndFollow(t *testing.T) {
	path := filepath.Join(capturesDir, "falco_psp_run_as_user_0_container.scap")
	out, errs := shell(t, []string{path}, "never",
		".mode csv",
		".scope container 1610",
		"SELECT count(*) AS n FROM events WHERE NOT evt.hidden;",
		".columns evt.num",
		"evt.type = execve and evt.dir = <",
		".scope tree 1577",
		"SELECT count(*) AS n FROM events WHERE NOT evt.hidden;",
		".scope",
		".scope off",
		"SELECT count(*) AS n FROM events WHERE NOT evt.hidden;",
		".follow 1610",
	)
	container := countLines(t, "bash_container")
	tree := countLines(t, "shim_tree")
	for _, want := range []string{
		"n\n" + container + "\n",
		"evt.num\n", // the executions inside the container
		"n\n" + tree + "\n",
		"process containerd-shim (25722) and its descendants (event 1577): (proc.pid = 25722 or proc.apid = 25722)\n",
		"n\n3796\n", // off: every event sysdig shows (testdata/golden/*.default.txt)
		"Filter: proc.pid = 25754 and fd.num = 0 and evt.num >= 1610 and evt.num <= 3007\n",
		"Node 0: bash (25754) fd 0 file /dev/pts/0 (read)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// A filter holding colons is a filter, not CAPTURE:EVENT.
	out6, _ := shell(t, []string{filepath.Join(capturesDir, "test_ipv6_client.scap")}, "never", ".follow raw fd.sip = ::1")
	if want := "Filter: proc.pid = 19747 and fd.num = 3 and evt.num >= 223 and evt.num <= 238\n"; !strings.Contains(out6, want) {
		t.Errorf("no %q in\n%s", want, out6)
	}
	if !strings.Contains(errs, `scope: container 697956520d89 (event 1610): container.id = "697956520d89"`) {
		t.Errorf("stderr: %s", errs)
	}
	// Every execve exit the container scope lists is one of sysdig's container events.
	ref := map[string]bool{}
	b, _ := os.ReadFile("../../testdata/follow/bash_container.scope")
	for _, n := range strings.Fields(string(b)) {
		ref[n] = true
	}
	execs := strings.SplitN(out, "evt.num\n", 2)[1]
	execs = execs[:strings.Index(execs, "n\n")]
	if strings.TrimSpace(execs) == "" {
		t.Error("no executions listed in the container")
	}
	for _, n := range strings.Fields(execs) {
		if !ref[n] {
			t.Errorf("event %s listed in the container scope is not in sysdig's", n)
		}
	}
}

func countLines(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("../../testdata/follow", name+".scope"))
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(bytes.Count(b, []byte("\n")))
}

// paintedRows maps the first cell of each table row (after the key columns given) to the
// coloring rule its escape names, -1 for none.
func paintedRows(t *testing.T, set *coloring.Set, table string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, line := range strings.Split(table, "\n") {
		rule := -1
		for i := range set.Rules {
			if p := set.ANSI(i); strings.HasPrefix(line, p) {
				rule, line = i, strings.TrimSuffix(strings.TrimPrefix(line, p), coloring.Reset)
			}
		}
		cells := strings.Split(line, "|")
		if len(cells) < 2 || strings.Contains(line, "---") || strings.Contains(line, "evt.num") {
			continue
		}
		var key []string
		for _, c := range cells[:len(cells)-1] {
			key = append(key, strings.TrimSpace(c))
		}
		out[strings.Join(key, " ")] = rule
	}
	return out
}

// printRules is print --color always's rule per event number of a capture.
func printRules(t *testing.T, set *coloring.Set, path, prefix string) map[string]int {
	t.Helper()
	var out bytes.Buffer
	if err := runPrint(&out, io.Discard, printFlags{read: path, color: "always", dialect: "auto", format: "*%evt.num"}, ""); err != nil {
		t.Fatal(err)
	}
	res := map[string]int{}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		rule := -1
		for i := range set.Rules {
			if p := set.ANSI(i); strings.HasPrefix(line, p) {
				rule, line = i, strings.TrimSuffix(strings.TrimPrefix(line, p), coloring.Reset)
			}
		}
		res[prefix+line] = rule
	}
	return res
}

// TestShellSQLRowColors: SQL rows that carry evt.num (and capture, with several captures) are
// coloured with the rule print --color gives their event, every event of the captures; a
// result that cannot name its event, --color never and a script's auto stay plain.
func TestShellSQLRowColors(t *testing.T) {
	set, err := coloring.Compile(coloring.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(capturesDir, "curl_google.scap")
	b := filepath.Join(capturesDir, "falco_psp_run_as_user_0_container.scap")

	out, _ := shell(t, []string{a}, "always", "SELECT evt.num, evt.type FROM events WHERE NOT evt.hidden ORDER BY 1;")
	got := paintedRows(t, set, out)
	want := printRules(t, set, a, "")
	if len(got) != len(want) || len(got) < 1000 {
		t.Fatalf("%d rows, print %d", len(got), len(want))
	}
	counts := map[int]int{}
	for k, r := range want {
		if got[k] != r {
			t.Errorf("event %s: rule %d, print's %d", k, got[k], r)
		}
		counts[r]++
	}
	if counts[0] != 43 { // failed calls, as TestPrintColors counts them with sysdig
		t.Errorf("%d rows of the first rule, want 43", counts[0])
	}

	out, _ = shell(t, []string{a, b}, "always", "SELECT capture, evt.num, evt.type FROM events WHERE NOT evt.hidden ORDER BY 1, 2;")
	got = paintedRows(t, set, out)
	want = printRules(t, set, a, a+" ")
	for k, v := range printRules(t, set, b, b+" ") {
		want[k] = v
	}
	if len(got) != len(want) {
		t.Fatalf("two captures: %d rows, print %d", len(got), len(want))
	}
	for k, r := range want {
		if got[k] != r {
			t.Errorf("%s: rule %d, print's %d", k, got[k], r)
		}
	}
	for _, tc := range []struct {
		captures []string
		color    string
	}{
		{[]string{a, b}, "always"}, // evt.num alone does not name an event of two captures
		{[]string{a}, "never"},
		{[]string{a}, "auto"}, // a script is not a terminal
	} {
		out, _ := shell(t, tc.captures, tc.color, "SELECT evt.num, evt.type FROM events WHERE evt.num < 300 ORDER BY 1;")
		if strings.Contains(out, "\x1b") {
			t.Errorf("%v %s: escapes in\n%s", tc.captures, tc.color, out)
		}
	}
}

// TestShellScopeDatabaseFile: .scope works the same on a database file's stored tables (17
// events, as sysdig gives for the fd scope's filter: curl_fd.scope).
func TestShellScopeDatabaseFile(t *testing.T) {
	var out, errOut bytes.Buffer
	err := runRepl(context.Background(), nil, &out, &errOut, []string{filepath.Join(capturesDir, "curl_google.scap")},
		replFlags{dialect: "auto", history: "-", color: "never", db: filepath.Join(t.TempDir(), "c.duckdb"), limit: 3, mode: "csv",
			commands: []string{".scope fd 1312", "SELECT count(*) AS n FROM events WHERE NOT evt.hidden;", ".columns evt.num", "evt.type = recvfrom"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if want := "n\n" + countLines(t, "curl_fd") + "\nevt.num\n1342\n1343\n1373\n"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("got %q, want %q first", out.String(), want)
	}
}
