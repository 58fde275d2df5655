package translate

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// TestEventTypes: the event types a filter can match, as Falco indexes rules; nil for any.
func TestEventTypes(t *testing.T) {
	tests := []struct {
		filter string
		want   []string
	}{
		{"evt.type = open", []string{"open"}},
		{"evt.type in (open, openat) and fd.name = /etc/passwd", []string{"open", "openat"}},
		{"evt.type in (open, openat, connect) and evt.type in (openat, connect, execve)", []string{"connect", "openat"}},
		{"evt.type = connect or (evt.type = execve and evt.dir = <)", []string{"connect", "execve"}},
		{"proc.name = bash", nil},
		{"evt.type = connect or proc.name = bash", nil},
		{"not evt.type = open", nil},
		{"evt.type != open", nil},
		{"evt.type = open and evt.type = close", []string{}},
		{"(evt.type in (execve, execveat) and evt.dir = <) and proc.name in (sh, bash)", []string{"execve", "execveat"}},
		{"evt.num = 0 or evt.type = open", nil},
	}
	for _, tc := range tests {
		r, err := Compile(tc.filter, Options{Dialect: Falco})
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		if got := r.EventTypes(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.filter, got, tc.want)
		}
	}
}

// TestEventTypesHold: no event outside a filter's event types matches it, for the official
// rule conditions and the corpus filters over every bundled capture.
func TestEventTypesHold(t *testing.T) {
	var filters []string
	data, err := os.ReadFile("../testdata/filters/falco_rules_conditions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")[2:] {
		filters = append(filters, strings.Split(line, "\t")[4])
	}
	data, err = os.ReadFile("../testdata/filters/corpus.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")[1:] {
		filters = append(filters, strings.Split(line, "\t")[2])
	}
	type compiled struct {
		filter string
		match  func(*state.Event) bool
		types  map[string]bool
	}
	var cs []compiled
	narrowed := 0
	for _, f := range filters {
		m, r, err := Matcher(f, Options{})
		if err != nil {
			continue // filters the corpus keeps for their errors
		}
		if ts := r.EventTypes(); ts != nil {
			narrowed++
			set := map[string]bool{}
			for _, ty := range ts {
				set[ty] = true
			}
			cs = append(cs, compiled{f, m, set})
		}
	}
	if narrowed < 100 {
		t.Fatalf("only %d filters narrowed to event types", narrowed)
	}
	caps, _ := filepath.Glob("../testdata/captures/*.scap")
	for _, path := range caps {
		src, err := ingest.Open(path, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			ev, err := src.Next()
			if err != nil {
				break
			}
			ty := fields.EventType(ev)
			for _, c := range cs {
				if !c.types[ty] && c.match(ev) {
					t.Errorf("%s: event %d (%s) of %s matches %q", filepath.Base(path), ev.Num, ty, path, c.filter)
				}
			}
		}
		src.Close()
	}
}
