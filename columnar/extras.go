package columnar

import (
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// Every member is filled from package fields, the one definition of each field. Most go
// through the field's extractor (generic, below, or the memo of thread-state texts); the
// members here are lists and maps of an indexed field (evt.arg.NAME, proc.aname[N], ...),
// whose elements come from the pieces the field's extractor is written with, and evt.args,
// whose parameter texts the row renders once for every member that reads them.
// TestMembersMatchExtraction holds each of them to the field they stand for on every capture.
var shared = map[string]func(column) appender{
	"evt.args": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) { b.addBytes(c.args()) }
	},
	"evt.arg": func(cb column) appender {
		m := cb.(*mapCol)
		return func(c *rowCtx, ev *state.Event) {
			m.start()
			for i, p := range c.paramTexts() {
				if fields.ArgOf(ev, i) {
					m.add(p.name, p.text)
				}
			}
		}
	},
	"evt.arglist": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			l.start()
			for _, t := range c.validTexts().texts {
				vb.addValid(t)
				l.grow()
			}
		}
	},
	"evt.rawarg": func(cb column) appender {
		m := cb.(*mapCol)
		var buf []byte
		return func(c *rowCtx, ev *state.Event) {
			m.start()
			for i := range ev.Raw.Params {
				if !fields.ArgOf(ev, i) {
					continue
				}
				v := fields.RawArgView(ev, i)
				if !v.Valid() {
					continue
				}
				var s string
				s, buf = textOf(v, buf)
				m.add(ev.Info.Params[i].Name, s)
			}
		}
	},
	"proc.arglist": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			t := ev.Thread
			if t == nil {
				l.appendNull()
				return
			}
			l.start()
			for _, a := range t.Args { // proc.args joins them
				vb.add(a)
				l.grow()
			}
		}
	},
	"proc.envmap": func(cb column) appender {
		m := cb.(*mapCol)
		return func(c *rowCtx, ev *state.Event) {
			t := ev.Thread
			if t == nil {
				m.appendNull()
				return
			}
			e := c.memo.envMap(ev.Engine().EnvOf(t))
			m.start()
			for i := range e.keys {
				m.addValid(e.keys[i], e.vals[i])
			}
		}
	},
	// proc.anames[N] is proc.aname[N], N ≥ 1 (the ancestors, parent first), and the same for
	// proc.apids; proc.aexes[N+1] is proc.aexe[N] (the process's own first).
	"proc.anames": ancestorList(false, func(a *state.Thread) string { return a.Comm }),
	"proc.apids":  ancestorList(false, func(a *state.Thread) int64 { return a.Pid }),
	"proc.aexes":  ancestorList(true, func(a *state.Thread) string { return a.Exe }),
}

// memberRefs are the members that hold the value of another field reference than their own
// name: evt.time stores the timestamp its text is made of, proc.aname0 is proc.aname[0].
var memberRefs = map[string]string{
	"evt.time":    "evt.rawtime",
	"proc.aname0": "proc.aname[0]",
}

// textOf is v's text (v is present), formatted into buf when it is a number.
func textOf(v fields.Value, buf []byte) (string, []byte) {
	if v.Kind == fields.KindString {
		return v.S, buf
	}
	buf = v.AppendText(buf[:0])
	return bytesString(buf), buf
}

// ancestors returns the event's process's ancestors, parent first, as proc.aname[N] walks
// them (package fields' walk, with its bound).
func (c *rowCtx) ancestors() []*state.Thread {
	if c.ancDone {
		return c.anc
	}
	c.ancDone = true
	c.anc = c.anc[:0]
	ev := c.ev
	for a := fields.FirstAncestor(ev); a != nil && len(c.anc) < fields.MaxAncestors; a = fields.NextAncestor(ev, a) {
		c.anc = append(c.anc, a)
	}
	return c.anc
}

// ancestorList fills a list member with get of each ancestor of the event's process, parent
// first (rowCtx.ancestors, bounded by fields.MaxAncestors), after the process's own when self
// is set; NULL for an event without a thread.
func ancestorList[T any](self bool, get func(*state.Thread) T) func(column) appender {
	return func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(interface{ add(T) })
		return func(c *rowCtx, ev *state.Event) {
			t := fields.ProcessOf(ev)
			if t == nil {
				l.appendNull()
				return
			}
			l.start()
			if self {
				vb.add(get(t))
				l.grow()
			}
			for _, a := range c.ancestors() {
				vb.add(get(a))
				l.grow()
			}
		}
	}
}

// appendValue appends v to a text column.
func appendValue(b *strCol, v fields.Value) {
	switch v.Kind {
	case fields.KindNone:
		b.appendNull()
	case fields.KindString:
		b.add(v.S)
	default:
		b.add(v.Text())
	}
}
