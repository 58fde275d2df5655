package repl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/scapql/scapql/internal/budget"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestHostileScripts runs each hostile script in a child process: it ends with the expected
// error (the exit status would be 1), within 500 MB and 10 s, and stderr stays small.
func TestHostileScripts(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		stdin func() io.Reader
		opts  Options
		want  string // regexp over "err | stderr | stdout"
	}{
		{"endless zeros", func() io.Reader { return zeros{} }, Options{},
			`^1 statement failed \| Error: standard input: line 1 is longer than the limit of 1048576 bytes \(--max-line raises the limit\); stopped reading\n \| $`},
		{".read /dev/zero", func() io.Reader { return strings.NewReader(".read /dev/zero\n") }, Options{},
			`^1 statement failed \| Error: /dev/zero: line 1 is longer than the limit of 1048576 bytes .*\n`},
		{".read /dev/urandom", func() io.Reader { return strings.NewReader(".read /dev/urandom\n") }, Options{},
			`^1 statement failed \| Error: /dev/urandom: line \d+.*binary input is not a script, stopped reading\n`},
		{".read a directory", func() io.Reader { return strings.NewReader(".read " + dir + "\n") }, Options{},
			`^1 statement failed \| Error: .*: is a directory\n`},
		{"SQL without end", func() io.Reader {
			return strings.NewReader("SELECT\n" + strings.Repeat("1\n", 3<<20) + ";\nSELECT 'after' AS s;\n")
		}, Options{},
			`^1 statement failed \| Error: statement longer than the limit of 4194304 bytes, dropped \(--max-statement raises the limit\)\n \| (?s:.*)after`},
		{"a quote open over a million lines", func() io.Reader {
			return strings.NewReader("SELECT length('\n" + strings.Repeat(";\n", 1<<20) + "') AS n;\n")
		}, Options{}, `^ \|  \| (?s:.*)2097153`},
		{"10 MB token", func() io.Reader {
			return strings.NewReader("proc.name = x and " + strings.Repeat("y", 10_000_000) + " = 3\n")
		}, Options{MaxLine: 32 << 20, MaxStatement: 32 << 20},
			`^1 statement failed \| Filter error: unexpected text after "y{256}…\(10000000 bytes\)".*\n {4}\.\.\.y+ = 3\n {40}\^\n`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, cost, parent := budget.Run(t, func() string {
				b, err := newFakeBackend()
				if err != nil {
					return err.Error()
				}
				defer b.Close()
				var out, errOut bytes.Buffer
				o := tt.opts
				o.Stdin, o.Stdout, o.Stderr, o.HistoryFile = tt.stdin(), &out, &errOut, "-"
				s := New(b, o)
				defer s.Close()
				err = s.RunScript(context.Background(), o.Stdin)
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				return fmt.Sprintf("%s | %s | %s", msg, errOut.String(), out.String())
			})
			if !parent {
				return
			}
			t.Logf("%s, %d bytes of output", cost, len(res))
			if !regexp.MustCompile(tt.want).MatchString(res) {
				t.Errorf("got %.1000q\nwant %s", res, tt.want)
			}
			if _, stderr, _ := strings.Cut(res, " | "); len(stderr) > 4096 {
				t.Errorf("%d bytes on stderr", len(stderr))
			}
			budget.Within(t, cost, budget.MaxRSS, budget.MaxWall)
		})
	}
}

// TestScanSQLResumes: a script fed line by line gives its statements, whatever quotes and
// comments span the lines (the scan resumes inside them).
func TestScanSQLResumes(t *testing.T) {
	tests := []struct{ script, want string }{
		{"SELECT 1;\nSELECT 2;", "SELECT 1|SELECT 2"},
		{"SELECT 'a;\nb';\nSELECT 3;", "SELECT 'a;\nb'|SELECT 3"},
		{"SELECT 'it''s;\n''';", "SELECT 'it''s;\n'''"},
		{"SELECT 'x''\n'';';", "SELECT 'x''\n'';'"},
		{"SELECT /* x;\n; */ 4;\n-- c;\nSELECT 5;", "SELECT /* x;\n; */ 4|SELECT 5"},
		{"SELECT $$a;\n;b$$;\nSELECT $t$;\n$t$;", "SELECT $$a;\n;b$$|SELECT $t$;\n$t$"},
		{"SELECT \"x;\ny\" FROM t;  -- trailing\n", "SELECT \"x;\ny\" FROM t"},
		{"SELECT 6; /* open\n*/\nSELECT 7;", "SELECT 6|SELECT 7"},
		{"SELECT 8\n  ;\n\n   SELECT 'z\n\n';", "SELECT 8|SELECT 'z\n\n'"},
		{"SELECT 9 -- no end", "SELECT 9 -- no end"},
	}
	for _, tt := range tests {
		var got []string
		var a accumulator
		for _, ln := range strings.Split(tt.script, "\n") {
			for _, in := range a.feed(ln) {
				got = append(got, in.text)
			}
		}
		for _, in := range a.flush() {
			got = append(got, in.text)
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("%q:\ngot  %q\nwant %q", tt.script, g, tt.want)
		}
	}
}
