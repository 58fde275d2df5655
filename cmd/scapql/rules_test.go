package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest/scapwrite"
	"github.com/scapql/scapql/translate"
)

// TestRuleConditionsPrintEqualsSQL runs the condition of every official Falco rule over every
// bundled capture and every fidelity capture, through print (the in-process matcher) and
// through SQL, and requires the same events from both. Every condition must translate.
func TestRuleConditionsPrintEqualsSQL(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(filtersDir, "falco_rules_conditions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	type rule struct{ name, cond string }
	var rules []rule
	for _, line := range strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")[2:] {
		c := strings.Split(line, "\t")
		rules = append(rules, rule{c[1], c[4]})
	}
	if len(rules) != 93 {
		t.Fatalf("read %d rule conditions, want 93", len(rules))
	}
	captures, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	for _, f := range scapwrite.FidelityCaptures() {
		captures = append(captures, writeFidelity(t, f))
	}
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	matched := map[string]int{}
	for _, r := range rules {
		where, err := translate.Translate(r.cond, translate.Options{Dialect: translate.Falco})
		if err != nil {
			t.Errorf("rule %q does not translate: %v", r.name, err)
			continue
		}
		for _, capture := range captures {
			var out, errOut bytes.Buffer
			pf := printFlags{read: capture, format: "*%evt.num", dialect: "falco"}
			if err := runPrint(&out, &errOut, pf, r.cond); err != nil {
				t.Errorf("rule %q on %s: print: %v", r.name, filepath.Base(capture), err)
				continue
			}
			nums, err := db.MatchingEventNums(ctx, capture, "NOT coalesce(evt.hidden, false) AND "+where)
			if err != nil {
				t.Errorf("rule %q on %s: SQL: %v", r.name, filepath.Base(capture), err)
				continue
			}
			s := make([]string, len(nums))
			for i, n := range nums {
				s[i] = strconv.FormatUint(n, 10)
			}
			got, want := strings.Join(s, " "), strings.Join(strings.Fields(out.String()), " ")
			if got != want {
				t.Errorf("rule %q on %s: SQL matches [%s], print [%s]", r.name, filepath.Base(capture), got, want)
			}
			if len(nums) > 0 {
				matched[r.name]++
				t.Logf("rule %q matches %d events of %s", r.name, len(nums), filepath.Base(capture))
			}
		}
	}
	t.Logf("%d rules over %d captures: print and SQL agree; %d rules match some event", len(rules), len(captures), len(matched))
}

// TestRuleFieldValues holds the fields of current libsinsp that the reference lacks to the
// values the rules capture was written with.
func TestRuleFieldValues(t *testing.T) {
	path := writeFidelity(t, scapwrite.FidelityRules)
	tests := []struct {
		num          int
		field, value string
	}{
		{3, "proc.pexe", "/sbin/init"},
		{3, "proc.aexe[2]", "<NA>"},
		{3, "proc.is_vpgid_leader", "true"},
		{5, "proc.pexe", "-bash"},
		{5, "proc.aexe[0]", "-bash"},
		{5, "proc.aexe[2]", "/sbin/init"},
		{5, "proc.is_vpgid_leader", "false"},
		{5, "thread.cap_effective", ""},
		{6, "proc.is_exe_from_memfd", "true"},
		{6, "proc.is_exe_upper_layer", "true"},
		{6, "proc.is_vpgid_leader", "true"},
		{6, "thread.cap_effective", "CAP_SYS_MODULE CAP_SYS_ADMIN"},
		{6, "thread.cap_permitted", "CAP_SYS_MODULE CAP_SYS_ADMIN"},
		{6, "thread.cap_inheritable", ""},
		{8, "fd.nameraw", "../etc//shadow"},
		{8, "fd.name", "/home/etc/shadow"},
		{13, "k8s.ns.name", "shop"},
		{13, "k8s.pod.name", "web-7d4b9"},
		{13, "k8s.pod.uid", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
		{13, "proc.is_vpgid_leader", "false"},
		{17, "proc.is_exe_upper_layer", "true"},
		{17, "proc.is_exe_from_memfd", "false"},
		{17, "thread.cap_effective", "CAP_SYS_ADMIN"},
		{21, "fd.sip.name", "<NA>"},
		{21, "fd.cip.name", "<NA>"},
		{23, "thread.cap_effective", "CAP_SYS_ADMIN"},
		{23, "k8s.ns.name", "<NA>"},
	}
	for _, tc := range tests {
		var out, errOut bytes.Buffer
		pf := printFlags{read: path, format: "*%" + tc.field, dialect: "falco"}
		if err := runPrint(&out, &errOut, pf, "evt.num = "+strconv.Itoa(tc.num)); err != nil {
			t.Fatalf("%s: %v", tc.field, err)
		}
		if got := strings.TrimSuffix(out.String(), "\n"); got != tc.value {
			t.Errorf("event %d: %s = %q, want %q", tc.num, tc.field, got, tc.value)
		}
	}
}
