package state_test

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
)

// identity is a string's or a slice's data pointer and length; holding the pointer keeps the
// data alive, so the address cannot be reused for other text while it is remembered.
type identity struct {
	p unsafe.Pointer
	n int
}

// textSeen remembers the content of every string and slice seen by identity.
type textSeen struct {
	t       *testing.T
	content map[identity]string
	checked int
	bad     int
}

func (s *textSeen) str(what, v string) {
	s.check(what, identity{unsafe.Pointer(unsafe.StringData(v)), len(v)}, v)
}

func (s *textSeen) list(what string, v []string) {
	for _, e := range v {
		s.str(what, e)
	}
	s.check(what, identity{unsafe.Pointer(unsafe.SliceData(v)), len(v)}, strings.Join(v, "\x00"))
}

func (s *textSeen) check(what string, id identity, v string) {
	if id.n == 0 {
		return
	}
	s.checked++
	old, ok := s.content[id]
	if !ok {
		s.content[id] = strings.Clone(v)
		return
	}
	if old != v {
		if s.bad++; s.bad <= 5 {
			s.t.Errorf("%s edited in place: %q became %q", what, old, v)
		}
	}
}

func (s *textSeen) thread(th *state.Thread) {
	if th == nil {
		return
	}
	s.str("Comm", th.Comm)
	s.str("Exe", th.Exe)
	s.str("Exepath", th.Exepath)
	s.str("Cwd", th.Cwd)
	s.str("Root", th.Root)
	s.str("ContainerID", th.ContainerID)
	s.list("Args", th.Args)
	s.list("Env", th.Env)
	s.list("Cgroups", th.Cgroups)
}

// TestStringsNeverEditedInPlace holds the engine to what the column builders rely on when
// they key caches and state rows by the identity of a thread's or an fd's strings and slices
// (columnar's statekey.go and memo.go): the engine replaces them, never writes into them, so
// a string or slice seen again at the same address and length has the same content — on every
// bundled capture, for the event's thread, its process, its ancestors and its fd.
func TestStringsNeverEditedInPlace(t *testing.T) {
	caps, _ := filepath.Glob("../../testdata/captures/*.scap")
	if len(caps) == 0 {
		t.Fatal("no bundled captures")
	}
	for _, path := range caps {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := ingest.Open(path, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			s := &textSeen{t: t, content: map[identity]string{}}
			events := 0
			for {
				ev, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				events++
				eng := ev.Engine()
				s.thread(ev.Thread)
				if ev.Thread != nil {
					s.thread(eng.Main(ev.Thread))
					s.thread(eng.ParentThread(ev.Thread))
					for a, i := eng.Parent(ev.Thread), 0; a != nil && i < state.MaxAncestors; a, i = eng.Parent(a), i+1 {
						s.thread(a)
					}
				}
				if f := ev.FD; f != nil {
					s.str("fd Name", f.Name)
					s.str("fd NameRaw", f.NameRaw)
				}
			}
			if events > 0 && s.checked == 0 {
				t.Errorf("%d events, no string checked", events)
			}
		})
	}
}
