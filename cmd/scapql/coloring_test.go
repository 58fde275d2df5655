package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/report/coloring"
)

// TestPrintColors: with --color always, print paints the failed calls other than EAGAIN and
// EALREADY red and the executions in their colour, as many as sysdig 0.29.3 counts
// (sysdig -r F "evt.failed=true and not evt.res in (EAGAIN, EALREADY)" | wc -l, and
// "evt.type in (execve, execveat)"); the SQL form of the rules gives every event the same
// rule as the in-process one.
func TestPrintColors(t *testing.T) {
	set, err := coloring.Compile(coloring.Defaults(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		capture       string
		failed, execs int
	}{
		{"falco_psp_run_as_user_0_container.scap", 26, 2},
		{"curl_google.scap", 43, 1},
	}
	ctx := context.Background()
	for _, tc := range tests {
		path := filepath.Join(capturesDir, tc.capture)
		var out, errb bytes.Buffer
		if err := runPrint(&out, &errb, printFlags{read: path, color: "always", dialect: "auto", format: "*%evt.num"}, ""); err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		byNum := map[string]int{}
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			rule := -1
			for i := range set.Rules {
				if strings.HasPrefix(line, set.ANSI(i)) {
					rule = i
					line = strings.TrimSuffix(strings.TrimPrefix(line, set.ANSI(i)), coloring.Reset)
				}
			}
			if rule >= 0 {
				count[set.Rules[rule].Name]++
			}
			byNum[line] = rule
		}
		if count["Failed system calls"] != tc.failed || count["Command execution"] != tc.execs {
			t.Errorf("%s: %v, want %d failed, %d executions", tc.capture, count, tc.failed, tc.execs)
		}
		var plain bytes.Buffer
		if err := runPrint(&plain, &errb, printFlags{read: path, color: "never", dialect: "auto", format: "*%evt.num"}, ""); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(plain.String(), "\x1b") {
			t.Errorf("%s: --color never printed escapes", tc.capture)
		}
		db, err := engine.OpenLazy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.AddInputs(ctx, []string{path}); err != nil {
			t.Fatal(err)
		}
		q := "SELECT evt.num::VARCHAR, coalesce(" + set.SQL() + ", -1) FROM events WHERE NOT evt.hidden"
		if _, err := db.Prepare(ctx, q); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var num string
			var rule int
			if err := rows.Scan(&num, &rule); err != nil {
				t.Fatal(err)
			}
			n++
			if byNum[num] != rule {
				t.Errorf("%s: event %s: SQL gives rule %d, print %d", tc.capture, num, rule, byNum[num])
			}
		}
		rows.Close()
		db.Close()
		if n != len(byNum) {
			t.Errorf("%s: SQL has %d events, print %d", tc.capture, n, len(byNum))
		}
	}
}
