package eval

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// TestGlobMatchAgreesWithRegexp: the linear glob matcher gives the regular expression's
// answer (what SQL runs) on random globs and texts, multibyte and invalid UTF-8 included.
func TestGlobMatchAgreesWithRegexp(t *testing.T) {
	alphabet := []string{"a", "b", "/", "é", "\n", "\xff", "."}
	pat := []string{"a", "b", "/", "é", ".", "*", "*", "?", "\uFFFD"}
	rng := rand.New(rand.NewSource(7))
	for range 200000 {
		var p, s strings.Builder
		for range rng.Intn(7) {
			p.WriteString(pat[rng.Intn(len(pat))])
		}
		for range rng.Intn(9) {
			s.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		re := regexp.MustCompile(`\A(?:(?s)` + globToRegexp(p.String()) + `)\z`)
		if got, want := globMatch(p.String(), s.String()), re.MatchString(s.String()); got != want {
			t.Fatalf("glob %q on %q: %v, regexp %v", p.String(), s.String(), got, want)
		}
	}
}

func globToRegexp(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return b.String()
}
