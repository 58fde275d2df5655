package translate

import (
	"math/rand"
	"strings"
	"testing"
)

// TestListExpanderSequential: the prepared expander substitutes exactly what applying every
// list in order does (Falco's resolve_list loop), on random conditions and lists that name
// each other, hold blanks, commas and delimiters, or are empty.
func TestListExpanderSequential(t *testing.T) {
	words := []string{"a", "b", "c", "l0", "l1", "l2", "l3", "x y", "(", ")", ",", "=", " ", "in", "l1,", "l 2"}
	rng := rand.New(rand.NewSource(1))
	pick := func(n int) []string {
		out := make([]string, rng.Intn(n))
		for i := range out {
			out[i] = words[rng.Intn(len(words))]
		}
		return out
	}
	for i := range 20000 {
		var lists []List
		for j := range rng.Intn(6) {
			name := []string{"l0", "l1", "l2", "l3", "l 2", "a"}[rng.Intn(6)]
			if j == 0 && i%7 == 0 {
				name = ""
			}
			lists = append(lists, List{Name: name, Items: pick(4)})
		}
		cond := strings.Join(pick(10), []string{" ", "", ","}[rng.Intn(3)])
		want := cond
		for _, l := range lists {
			want = resolveList(want, l)
		}
		if got := NewListExpander(lists).Expand(cond); got != want {
			t.Fatalf("cond %q lists %q:\ngot  %q\nwant %q", cond, lists, got, want)
		}
	}
}
