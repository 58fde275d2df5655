package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// falcoAlert is Falco's JSON alert.
type falcoAlert struct {
	Hostname     string         `json:"hostname"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Priority     string         `json:"priority"`
	Rule         string         `json:"rule"`
	Source       string         `json:"source"`
	Tags         []string       `json:"tags"`
	Time         string         `json:"time"`
}

func runRulesJSON(t *testing.T, rf rulesRunFlags, inputs ...string) []falcoAlert {
	t.Helper()
	rf.json = true
	var out, errb bytes.Buffer
	if err := runRules(&out, &errb, rf, inputs); err != nil {
		t.Fatalf("rules run %v: %v\n%s", inputs, err, errb.String())
	}
	if !strings.Contains(errb.String(), "evaluated in process") {
		t.Errorf("summary does not say how the rules ran: %q", errb.String())
	}
	var alerts []falcoAlert
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var a falcoAlert
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("alert %q: %v", sc.Text(), err)
		}
		alerts = append(alerts, a)
	}
	return alerts
}

// TestRulesRunSyscall runs testdata/rules/syscall_rules.yaml (lists, a macro, exceptions,
// append, override, enabled toggles) over curl_google.scap and wants, per rule, the lines
// sysdig 0.29.3 prints for the rule's condition written out with the alert's format
// (testdata/rules/generate.sh), in Falco's text and JSON alerts alike.
func TestRulesRunSyscall(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	golden, err := os.ReadFile("../../testdata/rules/syscall_rules.expected")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSuffix(string(golden), "\n"), "\n") {
		rule, line, _ := strings.Cut(l, "\t")
		want[rule] = append(want[rule], line)
	}
	capture := "../../testdata/captures/curl_google.scap"
	rulesFile := "../../testdata/rules/syscall_rules.yaml"
	for _, tc := range []struct {
		minPriority string
		rules       []string
	}{
		{"debug", []string{"Name service file read", "Kerberos library loaded", "Outbound connection", "Failed open"}},
		{"notice", []string{"Name service file read", "Outbound connection", "Failed open"}},
		{"error", []string{"Failed open"}},
		{"emergency", nil},
	} {
		t.Run(tc.minPriority, func(t *testing.T) {
			rf := rulesRunFlags{rules: []string{rulesFile}, minPriority: tc.minPriority}
			got := map[string][]string{}
			host, _ := os.Hostname()
			for _, a := range runRulesJSON(t, rf, capture) {
				got[a.Rule] = append(got[a.Rule], a.Output)
				if a.Source != "syscall" || a.Hostname != host || !strings.HasPrefix(a.Time, "2018-08-17T17:35:48.") || a.OutputFields["evt.time"] == nil {
					t.Errorf("alert %+v", a)
				}
				if a.Rule == "Outbound connection" {
					if !reflect.DeepEqual(a.Tags, []string{"network", "test"}) || a.Priority != "Warning" ||
						a.OutputFields["container.id"] != "host" || a.OutputFields["evt.res"] != "EINPROGRESS" {
						t.Errorf("alert %+v", a)
					}
				}
			}
			wantHere := map[string][]string{}
			for _, r := range tc.rules {
				wantHere[r] = want[r]
			}
			if !reflect.DeepEqual(got, wantHere) {
				t.Errorf("alerts differ from sysdig's:\n got %q\nwant %q", got, wantHere)
			}
			// The text format is the JSON's output, one line per alert, in event order.
			rf.json = false
			var out, errb bytes.Buffer
			if err := runRules(&out, &errb, rf, []string{capture}); err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, lines := range wantHere {
				all = append(all, lines...)
			}
			sort.Strings(all) // same day: the time orders them
			text := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if out.Len() == 0 {
				text = nil
			}
			if !reflect.DeepEqual(text, all) {
				t.Errorf("text alerts:\n got %q\nwant %q", text, all)
			}
		})
	}
}

// TestRulesRunK8sAudit runs Falco's k8s_audit_rules.yaml over each shared Kubernetes audit
// record and holds every alert's output to the rule's output format filled with the values
// the k8saudit plugin extracts from that record (expected.tsv), and its time to the record's.
func TestRulesRunK8sAudit(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	dir := filepath.Join(auditData, "k8s_audit")
	values := readExpectedTSV(t, filepath.Join(dir, "expected.tsv"))
	outputs := ruleOutputs(t, filepath.Join(auditData, "rules", "k8s_audit_rules.yaml"))
	token := regexp.MustCompile(`%[A-Za-z0-9_.]+(\[[^\]]*\])?`)
	rf := rulesRunFlags{rules: []string{filepath.Join(auditData, "rules", "k8s_audit_rules.yaml")}}
	total := 0
	fired := map[string]bool{}
	for file, vals := range values {
		for _, a := range runRulesJSON(t, rf, filepath.Join(dir, file)) {
			total++
			fired[a.Rule] = true
			format, ok := outputs[a.Rule]
			if !ok {
				t.Errorf("%s: alert of unknown rule %q", file, a.Rule)
				continue
			}
			want := token.ReplaceAllStringFunc(format, func(tok string) string {
				name := strings.TrimRight(tok[1:], ".")
				v, ok := vals[name]
				if !ok {
					t.Errorf("%s: field %s of rule %q not in expected.tsv", file, name, a.Rule)
				}
				return v + tok[1+len(name):]
			})
			_, msg, _ := strings.Cut(a.Output, ": "+a.Priority+" ")
			if msg != want {
				t.Errorf("%s: %s:\n got %q\nwant %q", file, a.Rule, msg, want)
			}
			if a.Source != "k8s_audit" || !strings.HasPrefix(a.Time, "20") {
				t.Errorf("%s: alert %+v", file, a)
			}
			// output_fields: the same values, typed as Falco writes them (lists as arrays).
			for k, v := range a.OutputFields {
				if k == "evt.time" {
					continue
				}
				var got string
				switch x := v.(type) {
				case nil:
					got = "<NA>"
				case string:
					got = x
				case float64:
					got = strconv.FormatFloat(x, 'f', -1, 64)
				case []any:
					parts := make([]string, len(x))
					for i, e := range x {
						parts[i], _ = e.(string)
					}
					got = "(" + strings.Join(parts, ",") + ")"
				default:
					got = fmt.Sprint(x)
				}
				if got != vals[k] {
					t.Errorf("%s: %s: output_fields %s = %v, the plugin gives %q", file, a.Rule, k, v, vals[k])
				}
			}
		}
	}
	// The records are the k8saudit plugin's test cases; each names what it exercises.
	for _, r := range []string{"Create Disallowed Namespace", "Attach/Exec Pod", "Create Privileged Pod",
		"ClusterRole With Wildcard Created", "K8s ConfigMap Created"} {
		if !fired[r] {
			t.Errorf("rule %q raised no alert", r)
		}
	}
	if total < 20 {
		t.Errorf("%d alerts", total)
	}
	t.Logf("%d alerts from %d rules over %d records, every output as the plugin's values give it", total, len(fired), len(values))
	// With rule_matching first, each record raises the alert of its first matching rule only.
	firstRF := rulesRunFlags{rules: rf.rules, first: true}
	for file := range values {
		all := runRulesJSON(t, rf, filepath.Join(dir, file))
		first := runRulesJSON(t, firstRF, filepath.Join(dir, file))
		switch {
		case len(all) == 0 && len(first) != 0, len(all) > 0 && len(first) != 1:
			t.Errorf("%s: rule matching first: %d alerts of %d", file, len(first), len(all))
		case len(all) > 0 && (first[0].Rule != all[0].Rule || first[0].Output != all[0].Output):
			t.Errorf("%s: rule matching first: %s, want %s", file, first[0].Rule, all[0].Rule)
		}
	}
}

// readExpectedTSV reads an expected.tsv of single-record files: file → field → value.
func readExpectedTSV(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unescape := strings.NewReplacer(`\\`, `\`, `\t`, "\t", `\n`, "\n", `\r`, "\r")
	out := map[string]map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		f := strings.SplitN(l, "\t", 4)
		if len(f) != 4 {
			t.Fatalf("%s: line %q", path, l)
		}
		if f[1] != "0" {
			t.Fatalf("%s: %s has more than one record", path, f[0])
		}
		if out[f[0]] == nil {
			out[f[0]] = map[string]string{}
		}
		out[f[0]][f[2]] = unescape.Replace(f[3])
	}
	return out
}

// ruleOutputs is each enabled rule's output format, as written.
func ruleOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	ars, _, err := loadAlertRules([]string{path}, "", new(bytes.Buffer))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range ars {
		out[r.Rule.Name] = strings.TrimSpace(r.Rule.Output)
	}
	return out
}

// TestRulesRunPluginCapture: a capture of plugin events written from the shared records
// raises the same alerts as the audit logs it came from.
func TestRulesRunPluginCapture(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	logs := []string{filepath.Join(auditData, "cloudtrail"), filepath.Join(auditData, "k8s_audit")}
	capture := filepath.Join(t.TempDir(), "plugins.scap")
	writePluginCapture(t, logs, capture)
	rf := rulesRunFlags{rules: []string{filepath.Join(auditData, "rules", "k8s_audit_rules.yaml"), filepath.Join(auditData, "rules", "aws_cloudtrail_rules.yaml")}}
	texts := func(alerts []falcoAlert) []string {
		var out []string
		for _, a := range alerts {
			out = append(out, a.Source+" "+a.Rule+" "+a.Output)
		}
		sort.Strings(out)
		return out
	}
	fromLogs := texts(runRulesJSON(t, rf, logs...))
	fromCapture := texts(runRulesJSON(t, rf, capture))
	if len(fromLogs) < 20 || !reflect.DeepEqual(fromLogs, fromCapture) {
		t.Errorf("alerts from the logs (%d) and from their capture (%d) differ:\n%q\n%q", len(fromLogs), len(fromCapture), fromLogs, fromCapture)
	}
}

// TestRulesRunRefuses: what Falco refuses to load is an error naming the rule or file.
func TestRulesRunRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, yaml, min, want string
	}{
		{"priority", "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: SEVERE\n", "", `rule "r"`},
		{"condition", "- rule: r\n  desc: d\n  condition: evt.typo = open\n  output: o\n  priority: WARNING\n", "", `rule "r"`},
		{"output", "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o %proc.nmae\n  priority: WARNING\n", "", `output`},
		{"engine", "- required_engine_version: 0.99.0\n", "", "require engine version 0.99.0"},
		{"min", "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: WARNING\n", "loud", "--min-priority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name+".yaml")
			if err := os.WriteFile(p, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			err := runRules(new(bytes.Buffer), new(bytes.Buffer), rulesRunFlags{rules: []string{p}, minPriority: tc.min},
				[]string{"../../testdata/captures/falco_cat_write.scap"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}

// TestRulesRunOfficialConditions turns the conditions of the official Falco rules files
// (falco_rules_conditions.tsv: macros and lists expanded) into a rules file and runs it over
// every bundled capture the table has counts for: each rule that sysdig 0.29.3 accepts raises
// exactly as many alerts as sysdig matched events.
func TestRulesRunOfficialConditions(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(filtersDir, "falco_rules_conditions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	header := strings.Split(lines[1], "\t")
	var yaml strings.Builder
	type row map[string]string
	var rows []row
	for _, l := range lines[2:] {
		c := strings.Split(l, "\t")
		r := row{}
		for i, h := range header {
			if i < len(c) {
				r[h] = c[i]
			}
		}
		rows = append(rows, r)
		name, _ := json.Marshal(r["rule"])
		fmt.Fprintf(&yaml, "- rule: %s\n  desc: official\n  condition: |\n    %s\n  output: evt=%%evt.num\n  priority: WARNING\n\n", name, r["expanded_condition"])
	}
	rulesFile := filepath.Join(t.TempDir(), "official.yaml")
	if err := os.WriteFile(rulesFile, []byte(yaml.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	checked, positive := 0, 0
	for _, h := range header {
		capture, ok := strings.CutPrefix(h, "count:")
		if !ok {
			continue
		}
		path := filepath.Join(capturesDir, capture)
		if _, err := os.Stat(path); err != nil {
			continue // not bundled
		}
		got := map[string]int{}
		for _, a := range runRulesJSON(t, rulesRunFlags{rules: []string{rulesFile}}, path) {
			got[a.Rule]++
		}
		for _, r := range rows {
			if r["sysdig_accepts"] != "yes" {
				continue
			}
			want, err := strconv.Atoi(r[h])
			if err != nil {
				t.Fatalf("%s %s: count %q", r["rule"], capture, r[h])
			}
			checked++
			if want > 0 {
				positive++
			}
			if got[r["rule"]] != want {
				t.Errorf("%s on %s: %d alerts, sysdig matches %d events", r["rule"], capture, got[r["rule"]], want)
			}
		}
	}
	if positive == 0 || checked < 500 {
		t.Errorf("%d (rule, capture) counts checked, %d of them non-zero", checked, positive)
	}
	t.Logf("%d (rule, capture) alert counts equal sysdig's (%d non-zero)", checked, positive)
}
