package fields

import "github.com/scapql/scapql/ingest/state"

// MaxAncestors bounds the walk up the process tree (proc.aname and proc.apid without an
// index, and the ancestor lists of the tables): state.MaxAncestors, the engine's one bound.
const MaxAncestors = state.MaxAncestors

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
	t := ProcessOf(ev)
	if t == nil {
		return nil
	}
	return ev.Engine().Parent(t)
}

// NextAncestor returns the parent process of t, an ancestor FirstAncestor or NextAncestor
// returned for ev, or nil: one step of the walk (state.Engine.Parent).
func NextAncestor(ev *state.Event, t *state.Thread) *state.Thread { return ev.Engine().Parent(t) }
