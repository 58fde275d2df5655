package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/report"
)

// reports caches the reports tests ask for, by flags and inputs: a report takes seconds.
var reports = map[string]*report.Report{}

// reportOf runs scapql report on inputs with -o a JSON file and decodes it.
func reportOf(t *testing.T, rf reportFlags, inputs ...string) *report.Report {
	t.Helper()
	key := fmt.Sprintf("%+v %q", rf, inputs)
	if r := reports[key]; r != nil {
		return r
	}
	if rf.out == "" {
		rf.out = filepath.Join(t.TempDir(), "r.json")
	}
	var errb bytes.Buffer
	if err := runReport(context.Background(), &bytes.Buffer{}, &errb, rf, inputs); err != nil {
		t.Fatalf("report %v: %v (%s)", inputs, err, errb.String())
	}
	data, err := os.ReadFile(rf.out)
	if err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("report JSON: %v", err)
	}
	reports[key] = &r
	return &r
}

// rowsOf returns a table's rows as maps from column to text.
func rowsOf(t *testing.T, r *report.Report, section, table string) []map[string]string {
	t.Helper()
	s := r.Section(section)
	if s == nil {
		t.Fatalf("no section %s", section)
	}
	tb := s.Find(table)
	if tb == nil {
		t.Fatalf("no table %s in %s", table, section)
	}
	var out []map[string]string
	for _, row := range tb.Rows {
		m := map[string]string{}
		for i, c := range tb.Columns {
			m[c] = report.Text(row[i])
		}
		out = append(out, m)
	}
	return out
}

// TestReportFacts holds the report of bundled captures to what sysdig 0.29.3 says of them
// (testdata/golden/report/facts.tsv, written by generate.sh there): events shown, events by
// category, failed calls by error, commands executed, connects, containers, bytes per file,
// events per process; and the detections of the bundled rules to the reference's match
// counts of the same conditions (testdata/filters/falco_rules_conditions.tsv).
func TestReportFacts(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/golden/report/facts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	type fact struct{ kind, key, value string }
	facts := map[string][]fact{}
	var names []string
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n") {
		c := strings.Split(line, "\t")
		if len(c) != 4 {
			t.Fatalf("facts.tsv: %q", line)
		}
		if facts[c[0]] == nil {
			names = append(names, c[0])
		}
		facts[c[0]] = append(facts[c[0]], fact{c[1], c[2], c[3]})
	}
	ruleCounts := referenceRuleCounts(t)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			r := reportOf(t, reportFlags{}, filepath.Join(capturesDir, name+".scap"))
			want := map[string]map[string]string{}
			var execs, connects []string
			for _, f := range facts[name] {
				switch f.kind {
				case "exec":
					execs = append(execs, f.key+" "+f.value)
					continue
				case "connect":
					connects = append(connects, f.key+" "+f.value)
					continue
				}
				if want[f.kind] == nil {
					want[f.kind] = map[string]string{}
				}
				want[f.kind][f.key] = f.value
			}
			// Events and categories.
			got := map[string]string{}
			total := 0
			for _, row := range rowsOf(t, r, "summary", "categories") {
				got[row["category"]] = row["events"]
				n, _ := strconv.Atoi(row["events"])
				total += n
			}
			if fmt.Sprint(total) != want["events"][""] {
				t.Errorf("events: %d, sysdig %s", total, want["events"][""])
			}
			compareMaps(t, "events by category", got, want["category"])
			// Failures by errno.
			got = map[string]string{}
			for _, row := range rowsOf(t, r, "failures", "by_errno") {
				got[row["error"]] = row["events"]
			}
			compareMaps(t, "failed calls by error", got, want["errno"])
			// Commands executed.
			var gotExecs []string
			for _, row := range rowsOf(t, r, "processes", "execs") {
				gotExecs = append(gotExecs, row["pid"]+" "+row["name"]+" "+row["cmdline"])
			}
			compareLists(t, "commands executed", gotExecs, execs)
			// Connects: the failed ones are listed with their error, the others are
			// connections of the process with that tuple (IP sockets).
			var failed, wantFailed []string
			for _, row := range rowsOf(t, r, "network", "failed_connects") {
				failed = append(failed, row["pid"]+" "+row["target"]+" "+row["error"])
			}
			conns := map[string]bool{}
			for _, row := range rowsOf(t, r, "network", "connections") {
				conns[row["pid"]+" "+row["tuple"]] = true
			}
			for _, c := range connects {
				i := strings.LastIndexByte(c, ' ')
				if res := c[i+1:]; res != "SUCCESS" {
					wantFailed = append(wantFailed, c)
				} else if !strings.Contains(c, "/") && !conns[c[:i]] {
					t.Errorf("connect %q is not among the connections %v", c[:i], conns)
				}
			}
			compareLists(t, "failed connects", failed, wantFailed)
			// Containers.
			got = map[string]string{}
			for _, row := range rowsOf(t, r, "summary", "containers") {
				if row["events"] != "0" { // sysdig -p lists only containers with events
					got[row["id"]+" "+row["image"]] = row["events"]
				}
			}
			compareMaps(t, "containers", got, want["container"])
			// Bytes per file and events per process: the report keeps the top 20.
			for _, tc := range []struct{ table, key, val, fact string }{
				{"files_bytes", "file", "bytes", "filebytes"},
				{"procs_events", "pid", "events", "procevents"},
			} {
				rows := rowsOf(t, r, "performance", tc.table)
				if n := len(want[tc.fact]); len(rows) < min(n, 20) {
					t.Errorf("%s: %d rows, sysdig has %d", tc.table, len(rows), n)
				}
				prev := int64(-1)
				for _, row := range rows {
					if row[tc.key] == "" {
						// sysdig -p skips events that lack the field (no thread); the report
						// counts them under an empty pid
						continue
					}
					if w := want[tc.fact][row[tc.key]]; w != row[tc.val] {
						t.Errorf("%s: %s = %s, sysdig %s", tc.table, row[tc.key], row[tc.val], w)
					}
					v, _ := strconv.ParseInt(row[tc.val], 10, 64)
					if prev >= 0 && v > prev {
						t.Errorf("%s: not in decreasing order", tc.table)
					}
					prev = v
				}
			}
			// Detections: the bundled rules match as many events as the reference matches.
			gotRules := map[string]string{}
			for _, d := range r.Detected {
				gotRules[d.Rule] = strconv.Itoa(d.Count)
				for _, e := range d.Events {
					if !strings.Contains(e.Output, d.Rule) && d.Priority == "" && !strings.Contains(e.Output, " by ") {
						t.Errorf("%s: output %q", d.Rule, e.Output)
					}
				}
			}
			compareMaps(t, "detections", gotRules, ruleCounts[name+".scap"])
			if r.Rules.Run != 81 {
				t.Errorf("%d rules run, want the 81 enabled bundled ones", r.Rules.Run)
			}
		})
	}
}

// referenceRuleCounts reads the reference's match counts of the enabled official rules per
// capture (non-zero ones).
func referenceRuleCounts(t *testing.T) map[string]map[string]string {
	raw, err := os.ReadFile(filepath.Join(filtersDir, "falco_rules_conditions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	header := strings.Split(lines[1], "\t")
	out := map[string]map[string]string{}
	for _, line := range lines[2:] {
		c := strings.Split(line, "\t")
		if c[2] != "true" {
			continue
		}
		for i, h := range header {
			capture, ok := strings.CutPrefix(h, "count:")
			if !ok || c[i] == "0" {
				continue
			}
			if out[capture] == nil {
				out[capture] = map[string]string{}
			}
			out[capture][c[1]] = c[i]
		}
	}
	return out
}

func compareMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q = %q, sysdig %q", what, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %q = %q, not in sysdig's answer", what, k, g)
		}
	}
}

func compareLists(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// TestReportAnalystFacts checks what an analyst looks for first in three shared captures
// and the audit records (values checked with sysdig -r and the plugins' expected.tsv).
func TestReportAnalystFacts(t *testing.T) {
	tests := []struct {
		inputs                 []string
		section, table, column string
		where                  map[string]string
		want                   string
	}{
		// the localhost connection and its process (sysdig: pid 31699, proc.name <NA>)
		{[]string{"falco_connect_localhost.scap"}, "network", "connections", "tuple",
			map[string]string{"pid": "31699", "role": "client", "proto": "tcp"}, "127.0.0.1:47192->127.0.0.1:80"},
		// the container and its image
		{[]string{"falco_psp_run_as_user_0_container.scap"}, "summary", "containers", "image",
			map[string]string{"id": "697956520d89", "name": "hopeful_taussig"}, "nginx"},
		// what cat did in falco_cat_write: its command line and its ancestry
		{[]string{"falco_cat_write.scap"}, "processes", "execs", "cmdline",
			map[string]string{"pid": "20072", "parent": "bash"}, "cat /dev/null"},
		// the DNS question curl asked
		{[]string{"curl_google.scap"}, "network", "dns", "name",
			map[string]string{"call": "sendto", "pid": "17497"}, "www.google.com"},
		// the connection's process traced back to the command that made it
		{[]string{"curl_google.scap"}, "network", "connections", "ancestry",
			map[string]string{"proto": "tcp", "bytes_in": "11502"}, "bash < sshd < sshd < sshd < systemd"},
		// CloudTrail: who did what from where
		{[]string{"../audit/cloudtrail", "../audit/k8s_audit"}, "cloud", "ct_actors", "source_ip",
			map[string]string{"user": "Alice", "call": "StartInstances", "records": "2"}, "205.251.233.176"},
		// Kubernetes: a cluster role created
		{[]string{"../audit/cloudtrail", "../audit/k8s_audit"}, "cloud", "k8s_changes", "name",
			map[string]string{"verb": "create", "resource": "clusterrolebindings"}, "some-reader-binding"},
	}
	for _, tc := range tests {
		var inputs []string
		for _, in := range tc.inputs {
			inputs = append(inputs, filepath.Join(capturesDir, in))
		}
		r := reportOf(t, reportFlags{}, inputs...)
		found := false
		for _, row := range rowsOf(t, r, tc.section, tc.table) {
			match := true
			for k, v := range tc.where {
				match = match && row[k] == v
			}
			if match {
				found = true
				if row[tc.column] != tc.want {
					t.Errorf("%v %s.%s: %s = %q, want %q", tc.inputs, tc.section, tc.table, tc.column, row[tc.column], tc.want)
				}
			}
		}
		if !found {
			t.Errorf("%v %s.%s: no row with %v", tc.inputs, tc.section, tc.table, tc.where)
		}
	}
}

// TestReportAuditDetections runs the bundled plugin rules over the shared audit records: the
// rules that fire, with their counts, are those TestAuditRulesPrintEqualsSQL finds, and each
// alert is rendered from the rule's output.
func TestReportAuditDetections(t *testing.T) {
	r := reportOf(t, reportFlags{}, filepath.Join(auditData, "cloudtrail"), filepath.Join(auditData, "k8s_audit"))
	got := map[string]int{}
	for _, d := range r.Detected {
		got[d.Rule] = d.Count
	}
	want := map[string]int{
		"K8s Namespace Created":      3,
		"K8s ClusterRole Created":    2,
		"K8s Serviceaccount Created": 2,
	}
	for rule, n := range want {
		if got[rule] != n {
			t.Errorf("%s: %d events, want %d", rule, got[rule], n)
		}
	}
	for _, d := range r.Detected {
		if d.Rule != "K8s ClusterRoleBinding Created" {
			continue
		}
		want := "13:25:18.286399000: Informational K8s ClusterRoleBinding Created (user=minikube-user binding=some-reader-binding"
		if len(d.Events) != 1 || !strings.HasPrefix(d.Events[0].Output, want) {
			t.Errorf("%s: %+v, want an output starting %q", d.Rule, d.Events, want)
		}
	}
	if r.Section("cloud") == nil || r.Section("summary") != nil {
		t.Errorf("audit logs alone: want the cloud section and no syscall section")
	}
}

// TestReportFilterAndWindow restricts the events: --filter keeps curl's events, and the
// processes table keeps curl alone; a window after the capture's end keeps nothing.
func TestReportFilterAndWindow(t *testing.T) {
	in := filepath.Join(capturesDir, "curl_google.scap")
	r := reportOf(t, reportFlags{filter: "evt.type = connect", noBundled: true}, in)
	n := 0
	for _, row := range rowsOf(t, r, "summary", "categories") {
		v, _ := strconv.Atoi(row["events"])
		n += v
	}
	if n != 8 { // sysdig -r curl_google.scap evt.type=connect | wc -l
		t.Errorf("--filter evt.type = connect: %d events, want 8", n)
	}
	procs := rowsOf(t, r, "processes", "tree")
	if len(procs) != 1 || procs[0]["pid"] != "17497" {
		t.Errorf("--filter: processes %v, want curl (17497) alone", procs)
	}
	r = reportOf(t, reportFlags{from: "2018-08-17T17:35:49Z", noBundled: true}, in)
	if rows := rowsOf(t, r, "summary", "categories"); len(rows) != 0 {
		t.Errorf("--from after the last event: %v", rows)
	}
	r = reportOf(t, reportFlags{from: "2018-08-17 17:35:48.5", to: "2018-08-17 17:35:48.55", noBundled: true}, in)
	n = 0
	for _, row := range rowsOf(t, r, "summary", "categories") {
		v, _ := strconv.Atoi(row["events"])
		n += v
	}
	// sysdig -r curl_google.scap "evt.rawtime >= 1534527348500000000 and evt.rawtime < 1534527348550000000" | wc -l
	if n != 1126 {
		t.Errorf("--from/--to: %d events, want 1126", n)
	}
}

// externalRef finds what would make a page load something: http(s) in src, href, url() or
// @import, and script, link, img, iframe, object, embed elements.
var externalRef = regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?\s*(https?:)?//|url\(|@import|<(script|link|img|iframe|object|embed)\b`)

// TestReportFormats writes every format for two captures and an audit log, checks the
// HTML loads nothing from outside and has every section, and that a failed run leaves no file.
func TestReportFormats(t *testing.T) {
	dir := t.TempDir()
	inputs := []string{filepath.Join(capturesDir, "curl_google.scap"), filepath.Join(capturesDir, "falco_cat_write.scap"), filepath.Join(auditData, "k8s_audit")}
	r, err := buildReport(context.Background(), &bytes.Buffer{}, reportFlags{}, inputs)
	if err != nil {
		t.Fatal(err)
	}
	var html, md bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	text := html.String()
	if m := externalRef.FindString(text); m != "" {
		t.Errorf("HTML refers outside: %q", m)
	}
	for _, id := range []string{"summary", "processes", "timeline", "network", "files", "failures", "performance", "users", "detections", "cloud"} {
		if !strings.Contains(text, `<section id="`+id+`">`) {
			t.Errorf("HTML lacks section %s", id)
		}
	}
	for _, want := range []string{"<svg class=\"chart\"", "<details><summary>SQL</summary>", "<h4>" + inputs[1] + "</h4>", "www.google.com", "K8s Namespace Created"} {
		if !strings.Contains(text, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, want := range []string{"## Network", "| www.google.com |", "```sql", "#### `" + inputs[0] + "`", "### K8s Namespace Created (INFO, 3 events)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	// The file outputs: written whole under the output's name, the format from the extension.
	for _, ext := range []string{".html", ".json"} {
		out := filepath.Join(dir, "r"+ext)
		if err := runReport(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, reportFlags{out: out, noBundled: true}, inputs[:1]); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if ext == ".html" && !bytes.HasPrefix(data, []byte("<!DOCTYPE html>")) || ext == ".json" && !json.Valid(data) {
			t.Errorf("%s: not %s", out, ext)
		}
	}
	// A report that fails leaves the earlier file as it was and no temporary file.
	out := filepath.Join(dir, "r.html")
	before, _ := os.ReadFile(out)
	err = runReport(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, reportFlags{out: out, filter: "evt.type = = x"}, inputs)
	if err == nil {
		t.Fatal("a bad filter gave no error")
	}
	after, _ := os.ReadFile(out)
	if !bytes.Equal(before, after) {
		t.Error("a failed report changed the output")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("left %s", e.Name())
		}
	}
}

// TestReportBadInput: clear errors, no output file.
func TestReportBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.scap")
	if err := os.WriteFile(bad, []byte("not a capture"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rf    reportFlags
		input string
		want  string
	}{
		{reportFlags{out: filepath.Join(dir, "a.html")}, bad, "bad.scap"},
		{reportFlags{out: filepath.Join(dir, "a.pdf")}, filepath.Join(capturesDir, "falco_empty.scap"), "extension"},
		{reportFlags{out: filepath.Join(dir, "a.html"), from: "yesterday"}, filepath.Join(capturesDir, "curl_google.scap"), "--from"},
		{reportFlags{out: filepath.Join(dir, "a.html"), rules: []string{filepath.Join(dir, "none.yaml")}}, filepath.Join(capturesDir, "curl_google.scap"), "none.yaml"},
	}
	for _, tc := range tests {
		err := runReport(context.Background(), &bytes.Buffer{}, &bytes.Buffer{}, tc.rf, []string{tc.input})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one naming %q", tc.rf, err, tc.want)
		}
		if _, serr := os.Stat(tc.rf.out); serr == nil {
			t.Errorf("%+v: wrote %s", tc.rf, tc.rf.out)
		}
	}
}

// TestReportUserRules: a --rules file's rules run with their macros, priorities and outputs;
// the alert is rendered as Falco prints it (absent fields as <NA>, %container.info as
// container_id and container_name, rules.Rule.OutputFormat as in rules run),
// with the values sysdig -r curl_google.scap -p "*%evt.time %user.name %proc.cmdline
// %proc.pname %container.id %container.name" gives the matching event.
func TestReportUserRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.yaml")
	rules := `- macro: spawned
  condition: evt.type = execve and evt.dir = <
- rule: Curl run
  desc: curl started
  condition: spawned and proc.name = curl
  output: "curl started (user=%user.name command=%proc.cmdline parent=%proc.pname %container.info)"
  priority: WARNING
- rule: Never
  desc: matches nothing
  condition: spawned and proc.name = nosuch
  output: "never"
  priority: ERROR
`
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	r := reportOf(t, reportFlags{rules: []string{path}, noBundled: true}, filepath.Join(capturesDir, "curl_google.scap"))
	if r.Rules.Run != 2 || len(r.Detected) != 1 {
		t.Fatalf("rules run %d, detections %+v", r.Rules.Run, r.Detected)
	}
	d := r.Detected[0]
	want := "17:35:48.514632619: Warning curl started (user=<NA> command=curl -6 http://www.google.com parent=bash container_id=host container_name=host)"
	if d.Rule != "Curl run" || d.Priority != "WARNING" || d.Count != 1 || d.Events[0].Output != want || d.Events[0].Num != 211 {
		t.Errorf("detection %+v, want event 211 with %q", d, want)
	}
	// Command execution, the second coloring rule.
	if d.Events[0].Color != 1 || r.Colors[1].Name != "Command execution" {
		t.Errorf("colour %d of %+v", d.Events[0].Color, r.Colors)
	}
}

// TestSideTableOneKind: a question that fills only the connections (or only the files) of a
// capture where a socket becomes a Unix socket after it was first seen (single_ipv6_conn.scap:
// the connect to /var/run/nscd/socket) answers, with the connection's two ends (sysdig:
// 2001:db8::4:54405->2001:db8::3:1234 connected and accepted); it used to crash.
func TestSideTableOneKind(t *testing.T) {
	in := filepath.Join(capturesDir, "single_ipv6_conn.scap")
	for _, tc := range []struct{ q, want string }{
		{"SELECT name, role FROM connections WHERE name LIKE '%->%' ORDER BY role",
			"name,role\n2001:db8::4:54405->2001:db8::3:1234,client\n2001:db8::4:54405->2001:db8::3:1234,server\n"},
		{"SELECT count(*) AS n FROM files WHERE path LIKE '%nscd%'", "n\n0\n"},
	} {
		var out, errb bytes.Buffer
		if err := runQuery(context.Background(), &out, &errb, queryFlags{reads: []string{in}, format: "csv"}, tc.q); err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		if out.String() != tc.want {
			t.Errorf("%s:\n%s\nwant\n%s", tc.q, out.String(), tc.want)
		}
	}
}

// TestReportBundledDetectionOutput: a bundled official rule fires with its own priority,
// tags and output, rendered as sysdig 0.29.3 renders the same format for the rule's condition
// (sysdig -r test_ipv6_client.scap -p "*%evt.time: Notice Unexpected UDP Traffic Seen
// (connection=%fd.name ... container_name=%container.name)" with the rule's expanded
// condition from falco_rules_conditions.tsv).
func TestReportBundledDetectionOutput(t *testing.T) {
	r := reportOf(t, reportFlags{}, filepath.Join(capturesDir, "test_ipv6_client.scap"))
	const tail = " (connection=::1:38255->::1:2345 lport=38255 rport=2345 fd_type=ipv6 fd_proto=fd.l4proto evt_type=connect user=<NA> " +
		"user_uid=4294967295 user_loginuid=-1 process=test_ipv6_clien proc_exepath= parent=bash command=test_ipv6_clien terminal=0 " +
		"exe_flags=<NA> container_id=host container_name=host)"
	tests := []struct {
		rule, priority, tag string
		nums                []uint64
		outputs             []string
	}{
		{"Unexpected UDP Traffic", "NOTICE", "maturity_incubating", []uint64{227, 231}, []string{
			"00:17:31.397761344: Notice Unexpected UDP Traffic Seen" + tail,
			"00:17:31.397771971: Notice Unexpected UDP Traffic Seen" + tail,
		}},
	}
	for _, tc := range tests {
		var d *report.Detection
		for i := range r.Detected {
			if r.Detected[i].Rule == tc.rule {
				d = &r.Detected[i]
			}
		}
		if d == nil {
			t.Fatalf("%s: no detection among %d", tc.rule, len(r.Detected))
		}
		if d.Priority != tc.priority || !slices.Contains(d.Tags, tc.tag) || d.Count != len(tc.nums) || len(d.Events) != len(tc.nums) {
			t.Fatalf("%s: priority %q tags %v count %d events %d, want %s, %s, %d", tc.rule, d.Priority, d.Tags, d.Count, len(d.Events), tc.priority, tc.tag, len(tc.nums))
		}
		for i, e := range d.Events {
			if e.Num != tc.nums[i] || e.Output != tc.outputs[i] {
				t.Errorf("%s event %d: #%d %q\nwant #%d %q", tc.rule, i, e.Num, e.Output, tc.nums[i], tc.outputs[i])
			}
		}
		if !strings.Contains(d.SQL, "fd.l4proto") {
			t.Errorf("%s: SQL %q", tc.rule, d.SQL)
		}
	}
}
