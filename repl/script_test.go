package repl

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runScript pipes script into a shell over the test backend and returns stdout and stderr.
func runScript(t *testing.T, b Backend, script string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := New(b, Options{Stdin: strings.NewReader(script), Stdout: &out, Stderr: &errOut, HistoryFile: "-"})
	defer s.Close()
	err := s.Run(context.Background())
	return out.String(), errOut.String(), err
}

func TestScriptMode(t *testing.T) {
	b := testBackend(t)
	script := `-- a comment line
proc.name = curl and evt.dir = "<"
SELECT proc.name, count(*) AS n
  FROM events
  GROUP BY ALL ORDER BY n DESC, proc.name;
.mode csv
evt.type in (connect, execve)
.columns evt.num, proc.name, fd.name
.mode json
evt.num = 4
.mode line
SELECT 1 AS one, 'x;y' AS "semi;colon"; SELECT NULL AS nothing;
.mode markdown
SELECT name, pid FROM processes ORDER BY pid
`
	out, errOut, err := runScript(t, b, script)
	if err != nil {
		t.Fatalf("script failed: %v\nstderr:\n%s", err, errOut)
	}
	want := ` evt.num | evt.time           | proc.name | thread.tid | evt.dir | evt.type | evt.args
---------+--------------------+-----------+------------+---------+----------+----------------------------------------------------------
       2 | 12:00:00.000002000 | curl      |        100 | <       | openat   | fd=3(<f>/etc/hosts) dirfd=-100(AT_FDCWD) name=/etc/hosts
       6 | 12:00:00.000006000 | curl      |        100 | <       | close    | res=0
(2 rows)
 name  | n
-------+---
 curl  | 5
 bash  | 1
 nginx | 1
(3 rows)
evt.num,evt.time,proc.name,thread.tid,evt.dir,evt.type,evt.args
3,12:00:00.000003000,bash,200,>,execve,filename=/usr/bin/curl
4,12:00:00.000004000,curl,100,>,connect,fd=4(<4t>10.0.0.1:40000->93.184.216.34:80)
[
{"evt.num":4,"proc.name":"curl","fd.name":"10.0.0.1:40000->93.184.216.34:80"}
]
       one = 1
semi;colon = x;y

(1 row)
nothing = NULL

(1 row)
| name  | pid |
| ----- | --: |
| curl  | 100 |
| bash  | 200 |
| nginx | 300 |
`
	if out != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", out, want)
	}
	if errOut != "(3 rows)\n" {
		t.Errorf("stderr: %q", errOut)
	}
}

func TestScriptErrorsGoOn(t *testing.T) {
	b := testBackend(t)
	script := `proc.name = = curl
SELEC 1;
SELECT FROM WHERE;
SELECT * FROM nosuchtable;
.nosuch
.open /no/such/file.scap
SELECT 'still here' AS status;
`
	out, errOut, err := runScript(t, b, script)
	if err == nil || err.Error() != "6 statements failed" {
		t.Errorf("err = %v, want 6 statements failed", err)
	}
	if !strings.Contains(out, "still here") {
		t.Errorf("the script stopped at an error; stdout:\n%s", out)
	}
	for _, w := range []string{
		"Filter error: expected a value after \"=\" (at column 13)\n    proc.name = = curl\n                ^\n",
		"(read as a display filter", // SELEC is no SQL keyword
		"Parser Error",
		"nosuchtable",
		"unknown command .nosuch",
		"/no/such/file.scap: no such file or directory",
	} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
}

func TestScriptMetaCommands(t *testing.T) {
	b := testBackend(t)
	dir := t.TempDir()
	pq := filepath.Join(dir, "out.parquet")
	csvOut := filepath.Join(dir, "out.csv")
	rulesFile := filepath.Join(dir, "rules.yaml")
	os.WriteFile(rulesFile, []byte(`- list: web_tools
  items: [curl, wget]
- macro: web_tool
  condition: proc.name in (web_tools)
`), 0o644)
	capFile := filepath.Join(dir, "extra.scap")
	os.WriteFile(capFile, []byte("x"), 0o644)
	script := `.tables
.schema processes
.translate evt.type = open and not proc.name in (bash, sh)
.rules ` + rulesFile + `
.translate web_tool
.limit 2
.timer off
web_tool
.export ` + pq + `
SELECT count(*) AS n, min("evt.num") AS first FROM '` + pq + `';
.limit 0
.output ` + csvOut + `
.mode csv
SELECT name FROM processes ORDER BY name;
.output
.mode table
.open ` + capFile + `
SELECT capture, evt.type, fd.name FROM events WHERE proc.name = 'loaded';
.fields proc.exe*
.dialect wireshark
.translate proc.name == "a" && !evt.failed
.quit
SELECT 'not reached';
`
	out, errOut, err := runScript(t, b, script)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, errOut)
	}
	for _, w := range []string{
		"events\nprocesses\n",
		" column | type\n--------+---------\n pid    | BIGINT\n name   | VARCHAR\n(2 rows)\n",
		"((evt.type = 'open') AND (NOT ((proc.name IN ('bash', 'sh')) IS TRUE)))\n",
		"((proc.name IN ('curl', 'wget')) IS TRUE)\n",
		"(4 rows, 2 shown: .limit 2)\n",
		" n | first\n---+-------\n 4 |     1\n",
		"capture    | type | name",
		" extra.scap | open | " + capFile,
		" proc.exe     | CHARBUF | proc.exe",
		" proc.exepath | CHARBUF | proc.exepath",
		"(((proc.name = 'a') IS TRUE) AND (NOT (evt.failed IS NOT NULL)))\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, "not reached") {
		t.Error(".quit did not stop the script")
	}
	for _, w := range []string{"(falco dialect)", "rules: 1 macro, 1 list from", "wrote 4 rows to " + pq, "loaded " + capFile + " (events: 8 rows)", "(wireshark dialect)"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errOut)
		}
	}
	data, err := os.ReadFile(csvOut)
	if err != nil || string(data) != "name\nbash\ncurl\nnginx\n" {
		t.Errorf(".output file: %q, %v", data, err)
	}
}

func TestScriptHelpAndRead(t *testing.T) {
	b := testBackend(t)
	dir := t.TempDir()
	inner := filepath.Join(dir, "inner.sql")
	os.WriteFile(inner, []byte(".mode csv\nSELECT 'from inner' AS src;\nevt.num = 3\n"), 0o644)
	out, errOut, err := runScript(t, b, ".help\n.help mode\n.read "+inner+"\n.read /no/such.sql\n")
	if err == nil {
		t.Error("a .read of a missing file is no error")
	}
	for _, w := range []string{
		"anything else   a display filter",
		"  :TEXT           forces SQL       ?TEXT or /TEXT   forces a display filter\n",
		"  .export FILE [STATEMENT]",
		".mode [table|csv|json|line|markdown]\n    set or show the output mode\n",
		"src\nfrom inner\n",
		"evt.num,evt.time,proc.name,thread.tid,evt.dir,evt.type,evt.args\n3,12:00:00.000003000,bash,200,>,execve,filename=/usr/bin/curl\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	if !strings.Contains(errOut, "no such file or directory") {
		t.Errorf("stderr: %s", errOut)
	}
}
