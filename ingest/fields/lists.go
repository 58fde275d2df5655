package fields

import "github.com/scapql/scapql/ingest/state"

// MaxAncestors bounds the walk up the process tree (proc.aname and proc.apid without an
// index), as the proc.aname extractor does.
const MaxAncestors = 1023

// FirstAncestor returns the parent process of the event's process: the thread whose Comm and
// Pid are proc.aname[1] and proc.apid[1], or nil if there is none. With NextAncestor it walks
// the list that proc.aname and proc.apid without an index match on, parent first, without
// allocating:
//
//	for a, i := fields.FirstAncestor(ev), 0; a != nil && i < fields.MaxAncestors; a, i = fields.NextAncestor(ev, a), i+1 {
//		...
//	}
//
// The n-th thread of that walk is ancestor(ev, n), the thread proc.aname[n] reads.
func FirstAncestor(ev *state.Event) *state.Thread {
	t := mainThread(ev)
	if t == nil {
		t = ev.Thread
	}
	if t == nil {
		return nil
	}
	return NextAncestor(ev, t)
}

// NextAncestor returns the parent process of t, an ancestor FirstAncestor or NextAncestor
// returned for ev, or nil: one step of ancestor().
func NextAncestor(ev *state.Event, t *state.Thread) *state.Thread {
	eng := ev.Engine()
	p := eng.Threads[t.Ptid]
	if p == nil {
		return nil
	}
	if m := eng.Main(p); m != nil {
		p = m
	}
	return p
}
