package rules

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scapql/scapql/internal/budget"
)

func macroFile(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "- macro: m%d\n  condition: proc.name = p%d\n", i, i)
	}
	b.WriteString("- rule: r\n  desc: d\n  condition: m1\n  output: x\n  priority: INFO\n")
	return b.String()
}

func chainFile(n int) string {
	var b strings.Builder
	b.WriteString("- macro: m0\n  condition: proc.name = a\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "- macro: m%d\n  condition: m%d and proc.name = x%d\n", i, i-1, i)
	}
	fmt.Fprintf(&b, "- rule: r\n  desc: d\n  condition: m%d\n  output: x\n  priority: INFO\n", n-1)
	return b.String()
}

// TestHostileRulesFiles loads each hostile rules file in a child process: each ends in the
// expected error (naming the line and the flag that raises the limit) or loads, within
// 500 MB and 10 s.
func TestHostileRulesFiles(t *testing.T) {
	tests := []struct {
		name string
		file func(path string) error // writes the file
		want string                  // regexp the error or the joined warnings match
	}{
		{"2GB sparse", func(p string) error { return os.Truncate(create(p), 2<<30) },
			`larger than the limit of 2097152 bytes \(2147483648 or more\); --rules-max-bytes`},
		{"1MB zeros", func(p string) error { return os.WriteFile(p, make([]byte, 1<<20), 0o644) },
			`:1:1: control character 0x00`},
		{"300K macros", func(p string) error { return os.WriteFile(p, []byte(macroFile(300_000)), 0o644) },
			`larger than the limit .*--rules-max-bytes`},
		{"30K macros", func(p string) error { return os.WriteFile(p, []byte(macroFile(30_000)), 0o644) },
			`:40001: more than 20000 items .*--rules-max-items`},
		{"19K macros", func(p string) error { return os.WriteFile(p, []byte(macroFile(19_000)), 0o644) },
			`^loaded 19000 macros, 0 warnings: $`},
		{"5000-macro chain", func(p string) error { return os.WriteFile(p, []byte(chainFile(5000)), 0o644) },
			`^loaded 5000 macros, 1 warnings: .*:2003: macro m1001: macros nest deeper than the limit of 1000 .*\(3998 more macros fail because they use m1001\)$`},
		{"open brackets", func(p string) error {
			return os.WriteFile(p, []byte("- list: l\n  items: "+strings.Repeat("[", 1<<20)), 0o644)
		}, `:2: YAML nested more than 100 levels deep; --rules-max-depth`},
		{"dashes", func(p string) error { return os.WriteFile(p, []byte(strings.Repeat("- ", 1<<20)), 0o644) },
			`:1: YAML nested more than 100 levels deep`},
		{"staircase", func(p string) error {
			var b strings.Builder
			for i := range 1000 {
				b.WriteString(strings.Repeat(" ", i) + "- a\n")
			}
			return os.WriteFile(p, []byte(b.String()), 0o644)
		}, `:\d+: YAML nested more than 100 levels deep`},
		{"flow entries", func(p string) error {
			return os.WriteFile(p, []byte("- list: l\n  items: ["+strings.Repeat("a,", 1<<19)+"]\n"), 0o644)
		}, `:2: more than 100000 YAML entries; --rules-max-nodes`},
		{"aliases", func(p string) error {
			s := "- list: l\n  a: &a [x,x,x,x,x,x,x,x,x,x]\n  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n  items: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			return os.WriteFile(p, []byte(s), 0o644)
		}, `:3: YAML aliases \(\*name\) are not supported`},
		{"unknown items", func(p string) error {
			return os.WriteFile(p, []byte(strings.Repeat("- what: x\n", 15_000)), 0o644)
		}, `^loaded 0 macros, 1 warnings: .*:1: unknown item with keys \[what\], skipped \(and 14999 more like it\)$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, cost, parent := budget.Run(t, func() string {
				p := filepath.Join(t.TempDir(), "r.yaml")
				if err := tt.file(p); err != nil {
					return "setup: " + err.Error()
				}
				rs, err := Load(p)
				if err != nil {
					return err.Error()
				}
				return fmt.Sprintf("loaded %d macros, %d warnings: %s", len(rs.Macros()), len(rs.Warnings), strings.Join(rs.Warnings, "\n"))
			})
			if !parent {
				return
			}
			t.Logf("%s (%s)", cost, firstLine(res))
			if !regexp.MustCompile(`(?s)` + tt.want).MatchString(res) {
				t.Errorf("got %.500q\nwant %s", res, tt.want)
			}
			budget.Within(t, cost, budget.MaxRSS, budget.MaxWall)
		})
	}
}

func create(p string) string {
	f, err := os.Create(p)
	if err == nil {
		f.Close()
	}
	return p
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// TestLimitsRaised: the limits are options; a file over the defaults loads with them raised.
func TestLimitsRaised(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.yaml")
	if err := os.WriteFile(p, []byte(macroFile(100)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadWith(Limits{MaxItems: 50}, p); err == nil || !strings.Contains(err.Error(), "r.yaml:101: more than 50 items") {
		t.Fatalf("want the items limit, got %v", err)
	}
	if _, err := LoadWith(Limits{MaxNodes: 100}, p); err == nil || !strings.Contains(err.Error(), "r.yaml:101: more than 100 YAML entries") {
		t.Fatalf("want the nodes limit, got %v", err)
	}
	rs, err := LoadWith(Limits{MaxItems: 101, MaxNodes: 300}, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs.Macros()) != 100 {
		t.Errorf("%d macros", len(rs.Macros()))
	}
}

// TestYAMLErrorOneLine: a YAML syntax error is FILE:LINE:COLUMN and the parser's message on
// one line, without the source excerpt the parser renders (quadratic in a long line: the
// fuzzer's 680 KB line took 24 s to report).
func TestYAMLErrorOneLine(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"- Kist: l  ite\x91,- K: x", "rules: f.yaml:1:"},
		{"- rule: r\n  condition: [a\n", "rules: f.yaml:"},
		{strings.Repeat("- Kist: l  ite\x91\x91,", 20000), "rules: f.yaml:1:9: mapping value is not allowed in this context"},
	} {
		rs := &Ruleset{}
		err := rs.Add("f.yaml", []byte(tc.data))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%.30q: %v, want one line starting %q", tc.data, err, tc.want)
		}
	}
}
