package columnar

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/scapql/scapql/ingest"
)

// TestEventSetsUnion checks, on every event of the bundled captures, that a union of sets
// holds exactly the events one of its sets holds, however the sets were added, and that
// sets of the same flags were merged.
func TestEventSetsUnion(t *testing.T) {
	types := func(ts ...string) map[string]bool {
		m := map[string]bool{}
		for _, s := range ts {
			m[s] = true
		}
		return m
	}
	cases := [][]EventSet{
		{{Failed: true}, {Types: types("read", "write"), Exit: true}},
		{{Types: types("openat"), Exit: true}, {Types: types("execve"), Exit: true}, {Failed: true}},
		{{Types: types("connect")}, {Types: types("close"), Failed: true}, {Exit: true}},
		{{Types: types("openat"), Failed: true}, {Failed: true}},
		{{Types: types("socket")}, {}},
	}
	caps, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	if len(caps) == 0 {
		t.Fatalf("no captures in %s", capturesDir)
	}
	for i, sets := range cases {
		var u EventSets
		flags := map[[2]bool]bool{}
		for _, s := range sets {
			u = u.Add(s)
			flags[[2]bool{s.Failed, s.Exit}] = true
		}
		if len(u) != len(flags) {
			t.Errorf("case %d: %d sets after adding %d of %d kinds", i, len(u), len(sets), len(flags))
		}
		if every := u.Every(); every != (i == 4) {
			t.Errorf("case %d: Every() = %v", i, every)
		}
		in, all := 0, 0
		for _, path := range caps {
			src, err := ingest.Open(path, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for {
				ev, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				want := false
				for _, s := range sets {
					want = want || s.Has(ev)
				}
				if got := u.Has(ev); got != want {
					t.Fatalf("case %d: %s event %d: union has it %v, its sets %v", i, path, ev.Num, got, want)
				}
				all++
				if want {
					in++
				}
			}
			src.Close()
		}
		if in == 0 || in == all && i != 4 {
			t.Errorf("case %d: %d of %d events in the union", i, in, all)
		}
	}
}
