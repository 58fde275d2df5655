package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
