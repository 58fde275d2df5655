package fields

import (
	"slices"
	"testing"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// TestClosed checks that the closed fields' value sets hold what their extractors give for
// every event type of the table (generic events by each syscall name), and that other fields
// have none.
func TestClosed(t *testing.T) {
	types, cats, dirs := Closed("evt.type"), Closed("evt.category"), Closed("evt.dir")
	for i := range et.Events {
		info := &et.Events[i]
		if info.Placeholder {
			continue
		}
		ev := &state.Event{Info: info, Raw: &scap.Event{Type: uint16(i)}}
		if !isGeneric(ev) {
			if n := EventType(ev); !slices.Contains(types, n) {
				t.Errorf("event %d: evt.type %q not in the closed set", i, n)
			}
			if c := Category(ev); !slices.Contains(cats, c) {
				t.Errorf("event %d: evt.category %q not in the closed set", i, c)
			}
		}
	}
	for _, n := range et.SyscallNames() {
		if !slices.Contains(types, n) {
			t.Errorf("syscall %q not in the closed set of evt.type", n)
		}
		if c := categoryNames[et.GenericCategory(n)]; c != "" && !slices.Contains(cats, c) {
			t.Errorf("generic %s: category %q not in the closed set", n, c)
		}
	}
	if !slices.Equal(dirs, []string{"<", ">"}) || !slices.Contains(types, "<unknown>") || !slices.Contains(cats, "ipc") {
		t.Errorf("evt.dir %q, evt.type has <unknown> %v, evt.category has ipc %v", dirs, slices.Contains(types, "<unknown>"), slices.Contains(cats, "ipc"))
	}
	for _, f := range []string{"fd.name", "proc.name", "evt.res", "evt.num"} {
		if Closed(f) != nil {
			t.Errorf("%s: closed, want nil", f)
		}
	}
}
