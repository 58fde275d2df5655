package report

import (
	"os"
	"strings"
	"testing"
)

func TestSections(t *testing.T) {
	all, err := Sections()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(order) {
		t.Fatalf("%d sections, want %d", len(all), len(order))
	}
	seen := map[string]bool{}
	for _, s := range all {
		if s.Title == "" || s.About == "" {
			t.Errorf("%s: no title or description", s.Name)
		}
		for _, tb := range s.Tables {
			key := s.Name + "." + tb.Name
			if seen[key] || tb.Name == "" || tb.Title == "" || strings.Contains(tb.Name, " ") {
				t.Errorf("%s: bad or repeated table name, or no title", key)
			}
			seen[key] = true
			if strings.HasSuffix(tb.SQL, ";") || strings.Count(tb.SQL, ";") != 0 {
				t.Errorf("%s: one statement without its ';' expected: %q", key, tb.SQL)
			}
		}
	}
	if tl, _ := LoadSection("timeline"); !tl.Tables[0].all || tl.Tables[1].all {
		t.Error("the timeline's steps are kept whole, the other tables cut")
	}
	if _, err := LoadSection("nope"); err == nil || !strings.Contains(err.Error(), "summary, processes") {
		t.Errorf("unknown section: %v", err)
	}
}

// TestBundledCopies: the bundled rules are the project's test data (one copy of each fact):
// the conditions are columns of testdata/filters/falco_rules_conditions.tsv, the plugin rules
// files those of testdata/audit/rules.
func TestBundledCopies(t *testing.T) {
	src, err := os.ReadFile("../testdata/filters/falco_rules_conditions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	bundled, err := bundledFiles.ReadFile("rules/falco_rules_conditions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	srcLines := strings.Split(strings.TrimSuffix(string(src), "\n"), "\n")
	lines := strings.Split(strings.TrimSuffix(string(bundled), "\n"), "\n")
	if len(lines) != len(srcLines) || !strings.Contains(lines[0], strings.TrimSuffix(strings.Fields(srcLines[0])[3], ";")) {
		t.Fatalf("bundled conditions: %d lines, source %d; version line %q", len(lines), len(srcLines), lines[0])
	}
	for i := 1; i < len(lines); i++ {
		c := strings.Split(srcLines[i], "\t")
		if want := strings.Join([]string{c[0], c[1], c[2], c[4]}, "\t"); lines[i] != want {
			t.Errorf("bundled line %d differs from the test data's", i+1)
		}
	}
	for _, f := range []string{"aws_cloudtrail_rules.yaml", "k8s_audit_rules.yaml"} {
		a, err := os.ReadFile("../testdata/audit/rules/" + f)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := bundledFiles.ReadFile("rules/" + f)
		if string(a) != string(b) {
			t.Errorf("%s differs from testdata/audit/rules", f)
		}
	}
}

func TestBundledRules(t *testing.T) {
	rs, info, err := BundledRules(true, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Failed) > 0 {
		t.Errorf("bundled rules that do not translate: %v", info.Failed)
	}
	bySource := map[string]int{}
	for _, r := range rs {
		bySource[r.Source]++
		if !strings.HasPrefix(r.Query(), "SELECT capture, evt.num, evt.time FROM "+tableOf(r.Source)+" WHERE ") {
			t.Errorf("%s: %s", r.Name, r.Query())
		}
	}
	// 81 enabled official syscall rules; the plugin files' enabled rules (two of 70 are
	// disabled by default).
	if bySource["syscall"] != 81 || bySource["aws_cloudtrail"]+bySource["k8s_audit"] != 68 {
		t.Errorf("bundled rules by source: %v", bySource)
	}
}

func TestTimelineSVG(t *testing.T) {
	steps := &Table{Columns: []string{"offset_ms", "width_ms", "category", "events", "failed"}, Rows: [][]any{
		{int64(0), int64(5), "file", int64(10), int64(2)},
		{int64(0), int64(5), "net", int64(5), int64(0)},
		{int64(10), int64(5), "file", int64(30), int64(12)},
	}}
	bursts := &Table{Columns: []string{"offset_ms", "events", "failed"}, Rows: [][]any{{int64(10), int64(30), int64(12)}}}
	svg := timelineSVG(steps, bursts)
	for _, want := range []string{"<title>+0 ms file: 10</title>", "<title>+10 ms file: 30</title>", "<title>+10 ms failed: 12</title>",
		"burst of failures at +10 ms", "file (40)", "net (5)", "events per 5 ms step"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if timelineSVG(&Table{Columns: steps.Columns}, nil) != "" {
		t.Error("a chart of nothing")
	}
}

func TestMarkdownCell(t *testing.T) {
	if got := mdCell("a|b\\c\nd"); got != `a\|b\\c d` {
		t.Errorf("mdCell = %q", got)
	}
}
