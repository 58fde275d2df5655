package eval_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/scapql/scapql/internal/budget"
	"github.com/scapql/scapql/translate"
)

// TestHostileGlobs evaluates globs with long runs of wildcards over every event of a
// capture, in a child process: the same events as the plain pattern, within 500 MB and 10 s.
// A run of 120,000 stars took 25 s when each star became a regular expression state.
func TestHostileGlobs(t *testing.T) {
	stars := strings.Repeat("*", 120_000)
	tests := []struct{ name, filter, plain string }{
		{"120K stars", `fd.name glob "` + stars + `/etc/ld.so.cache"`, `fd.name glob "*/etc/ld.so.cache"`},
		{"stars between", `fd.name glob "/` + stars + `e` + stars + `c/` + stars + `"`, `fd.name glob "/*e*c/*"`},
		{"120K stars iglob", `fd.name iglob "` + stars + `/ETC/` + stars + `"`, `fd.name iglob "*/ETC/*"`},
		{"60K star-letter pairs", `fd.name glob "` + strings.Repeat("*a", 60_000) + `"`, `fd.name glob "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a"`},
		{"120K stars pmatch", `fd.name pmatch ("/etc/` + stars + `")`, `fd.name pmatch ("/etc/*")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, cost, parent := budget.Run(t, func() string {
				var out []string
				for _, f := range []string{tt.filter, tt.plain} {
					m, _, err := translate.Matcher(f, translate.Options{})
					if err != nil {
						return err.Error()
					}
					out = append(out, fmt.Sprint(match(t, "curl_google.scap", m, true)))
				}
				return strings.Join(out, "\n")
			})
			if !parent {
				return
			}
			t.Logf("%s", cost)
			got, want, _ := strings.Cut(res, "\n")
			if got != want || got == "[]" && !strings.Contains(tt.name, "pairs") {
				t.Errorf("events %.200s, want %.200s (and some)", got, want)
			}
			budget.Within(t, cost, budget.MaxRSS, budget.MaxWall)
		})
	}
}
