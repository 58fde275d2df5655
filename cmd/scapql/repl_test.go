package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplScript runs the shell as a script over a real capture loaded by the engine.
func TestReplScript(t *testing.T) {
	const capture = "../../testdata/captures/curl_google.scap"
	script := `proc.name = curl and evt.type = connect and evt.dir = <
.tables
SELECT count(*) AS n FROM events WHERE proc.name = 'curl' AND evt.type = 'connect' AND evt.dir = '<';
.mode csv
.columns evt.num, fd.name
fd.sport = 53
proc.name = = curl
`
	var out, errOut bytes.Buffer
	err := runRepl(context.Background(), strings.NewReader(script), &out, &errOut, []string{capture},
		replFlags{dialect: "auto", history: "-"})
	if err == nil || err.Error() != "1 statement failed" {
		t.Errorf("err = %v, want 1 statement failed (the bad filter)", err)
	}
	for _, w := range []string{
		"    1057 | 17:35:48.518937838 | curl      |      17498 | <       | connect  | res=-2(ENOENT) tuple=0->ffff88003c420800 /var/run/nscd/socket",
		"(4 rows)\n",
		"\nevents\n",
		" n\n---\n 4\n(1 row)\n",
		"evt.num,fd.name\n1189,",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, out.String())
		}
	}
	if strings.Contains(out.String(), "scapql_meta") {
		t.Error(".tables shows the engine's scapql_meta")
	}
	if !strings.Contains(errOut.String(), "Filter error: expected a value after \"=\"") {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}

func TestReplCommandFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	err := runRepl(context.Background(), strings.NewReader(""), &out, &errOut, nil,
		replFlags{dialect: "auto", history: "-", commands: []string{"SELECT 40 + 2 AS answer;", ".translate evt.type = open"}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if want := " answer\n--------\n     42\n(1 row)\n(evt.type = 'open')\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if err := runRepl(context.Background(), nil, &out, &errOut, []string{"/no/such.scap"}, replFlags{dialect: "auto"}); err == nil {
		t.Error("a missing capture is no error")
	}
}

// TestReplTablesHideStorage: .tables lists the tables of docs/schema.md, never the engine's
// storage (member tables of a lazy session, the compact layout and summaries of a file).
func TestReplTablesHideStorage(t *testing.T) {
	capture := "../../testdata/captures/curl_google.scap"
	for _, db := range []string{"", filepath.Join(t.TempDir(), "t.duckdb")} {
		var out, errOut bytes.Buffer
		script := "SELECT count(*) FROM events WHERE proc.name = 'curl';\n.tables\n"
		if err := runRepl(context.Background(), strings.NewReader(script), &out, &errOut, []string{capture},
			replFlags{dialect: "auto", history: "-", db: db}); err != nil {
			t.Fatalf("db %q: %v\n%s", db, err, errOut.String())
		}
		tables := out.String()[strings.Index(out.String(), "(1 row)\n")+len("(1 row)\n"):]
		if want := "captures\nconnections\ncontainers\nevents\nfiles\ngroups\ninterfaces\nprocesses\nprocinfo\nsyscalls\nusers\n"; tables != want {
			t.Errorf("db %q: .tables\n%s\nwant\n%s", db, tables, want)
		}
	}
}

// TestReplLimitedListingLazy: a filter's first matches on captures read lazily (display
// members built for those rows only) print as they do from a database file's stored tables.
func TestReplLimitedListingLazy(t *testing.T) {
	dir := t.TempDir()
	filters := []string{"evt.type = connect", "proc.name = curl and fd.type = ipv6", "evt.failed = true",
		"fd.name contains /etc/", "evt.type = execve and evt.dir = <", "user.name = root and evt.type = openat"}
	for _, c := range []string{"curl_google", "falco_psp_run_as_user_0_container", "falco_cat_write"} {
		capture := "../../testdata/captures/" + c + ".scap"
		run := func(db string) string {
			var out, errOut bytes.Buffer
			if err := runRepl(context.Background(), strings.NewReader(""), &out, &errOut, []string{capture},
				replFlags{dialect: "auto", history: "-", db: db, limit: 4, commands: filters}); err != nil {
				t.Fatalf("%s db %q: %v\n%s", c, db, err, errOut.String())
			}
			return out.String()
		}
		lazy, stored := run(""), run(filepath.Join(dir, c+".duckdb"))
		if lazy != stored {
			t.Errorf("%s: lazy listing\n%s\nstored listing\n%s", c, lazy, stored)
		}
		if strings.Count(lazy, "shown: .limit 4)") == 0 {
			t.Errorf("%s: no listing was cut at the limit:\n%s", c, lazy)
		}
	}
}

// TestReplReportAndColor: .report prints a report section's table from the same SQL file
// (the failed calls of curl_google.scap by error: sysdig -r F "evt.failed=true" gives 42
// ENOENT and 1 EINPROGRESS), and .color on paints a filter's rows by the coloring rules.
func TestReplReportAndColor(t *testing.T) {
	const capture = "../../testdata/captures/curl_google.scap"
	script := `.report failures by_errno
.report network dns
.report nosuch
.color on
.limit 3
evt.failed = true or evt.type = execve
.color off
evt.failed = true
`
	var out, errOut bytes.Buffer
	err := runRepl(context.Background(), strings.NewReader(script), &out, &errOut, []string{capture},
		replFlags{dialect: "auto", history: "-"})
	if err == nil || err.Error() != "1 statement failed" {
		t.Errorf("err = %v, want 1 statement failed (.report nosuch)", err)
	}
	red := "\x1b[38;2;255;255;255m\x1b[48;2;176;20;20m"
	for _, w := range []string{
		"-- Failed calls by error (failures by_errno)\n error       | events | counted_as_failure\n-------------+--------+--------------------\n ENOENT      |     42 | true\n EINPROGRESS |      1 | true\n(2 rows)\n",
		"| www.google.com\n",
		"\x1b[38;2;0;0;0m\x1b[48;2;242;184;242m     211 |",
		red + "     215 |",
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("stdout lacks %q:\n%s", w, out.String())
		}
	}
	if n := strings.Count(out.String(), red); n != 2 {
		t.Errorf("%d red rows, want 2 (the first three rows are an execve and two failures; .color off paints none)", n)
	}
	if !strings.Contains(errOut.String(), `no report section "nosuch"`) {
		t.Errorf("stderr:\n%s", errOut.String())
	}
}
