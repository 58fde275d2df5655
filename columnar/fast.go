package columnar

import (
	"strconv"
	"strings"
	"time"
	"unsafe"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// computed lists catalogue fields columnar computes although package fields does not.
var computed = map[string]bool{}

// fast holds the members computed here rather than through fields.Extract: the extras, plain
// copies of event data, and fields whose generic extraction formats or allocates on every
// event where sharing work between members (parameter texts), caching per second (time
// text) or per thread state (joined arguments) gives the same values far cheaper.
// TestMembersMatchExtraction holds each of them to package fields on every capture.
var fast = map[string]func(column) appender{
	"evt.num": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) { b.add(int64(ev.Num)) }
	},
	"evt.time": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) { b.add(int64(ev.Raw.TS)) }
	},
	"evt.rawtime": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) { b.add(int64(ev.Raw.TS)) }
	},
	"evt.datetime": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) { b.addBytes(c.clock.datetime(ev.Raw.TS)) }
	},
	"evt.datetime.s": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) { b.add(c.clock.at(ev.Raw.TS)[:19]) }
	},
	"evt.time.s": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) { b.add(c.clock.at(ev.Raw.TS)[11:19]) }
	},
	"evt.category": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) { b.add(fields.Category(ev)) }
	},
	"evt.args": argsText,
	"evt.info": argsText,
	"evt.latency.human": func(cb column) appender {
		b := cb.(*strCol)
		var buf []byte
		return func(c *rowCtx, ev *state.Event) {
			if ev.Info.Category == et.EC_INTERNAL {
				b.appendNull()
				return
			}
			var ns uint64
			if ev.Thread != nil {
				ns = ev.Thread.Latency()
			}
			buf = humanDuration(buf[:0], ns)
			b.addBytes(buf)
		}
	},
	"evt.hidden": func(cb column) appender {
		b := cb.(*boolCol)
		return func(c *rowCtx, ev *state.Event) { b.add(ev.Hidden) }
	},
	"evt.arg": func(cb column) appender {
		m := cb.(*mapCol)
		return func(c *rowCtx, ev *state.Event) {
			ps := c.paramTexts()
			m.start()
		next:
			for i := range ps {
				for j := 0; j < i; j++ {
					if ps[j].name == ps[i].name {
						continue next // the first parameter of a name wins, as evt.arg.NAME reads
					}
				}
				m.add(ps[i].name, ps[i].text)
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
			info := ev.Info
		next:
			for i, p := range ev.Raw.Params {
				if i >= len(info.Params) {
					break
				}
				for j := 0; j < i; j++ {
					if info.Params[j].Name == info.Params[i].Name {
						continue next
					}
				}
				var s string
				s, buf = rawArgText(ev, i, p, buf)
				m.add(info.Params[i].Name, s)
			}
		}
	},
	"proc.id": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			if t := ev.Thread; t != nil && t.UPID != 0 {
				b.add(int64(t.UPID))
				return
			}
			b.appendNull()
		}
	},
	"proc.parent_id": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			t := ev.Thread
			if t == nil {
				b.appendNull()
				return
			}
			if id := parentID(ev.Engine(), t); id != 0 {
				b.add(int64(id))
				return
			}
			b.appendNull()
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
			for _, a := range t.Args {
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
	"proc.aname0": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			t := ev.Thread
			if t == nil {
				b.appendNull()
				return
			}
			if m := ev.Engine().Main(t); m != nil {
				t = m
			}
			b.add(t.Comm)
		}
	},
	"proc.anames": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			if ev.Thread == nil {
				l.appendNull()
				return
			}
			l.start()
			for _, a := range c.ancestors() {
				vb.add(a.Comm)
				l.grow()
			}
		}
	},
	"proc.aexes": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			t := ev.Thread
			if t == nil {
				l.appendNull()
				return
			}
			if m := ev.Engine().Main(t); m != nil {
				t = m
			}
			l.start()
			vb.add(t.Exe)
			l.grow()
			for _, a := range c.ancestors() {
				vb.add(a.Exe)
				l.grow()
			}
		}
	},
	"proc.apids": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			if ev.Thread == nil {
				l.appendNull()
				return
			}
			l.start()
			for _, a := range c.ancestors() {
				vb.add(a.Pid)
				l.grow()
			}
		}
	},
}

// parentID is the proc.id of a thread's parent process: the one recorded when the process
// was created, else (a process first seen through its execve, say) the process its parent
// pid names now; 0 if unknown.
func parentID(eng *state.Engine, t *state.Thread) uint64 {
	if m := eng.Main(t); m != nil {
		t = m
	}
	if t.ParentUPID != 0 {
		return t.ParentUPID
	}
	p := eng.Threads[t.Ptid]
	if p == nil || p == t {
		return 0
	}
	if m := eng.Main(p); m != nil {
		p = m
	}
	return p.UPID
}

func argsText(cb column) appender {
	b := cb.(*strCol)
	return func(c *rowCtx, ev *state.Event) { b.addBytes(c.args()) }
}

// memoKey identifies the inputs of a text field: pointers and lengths of the strings and
// slices it is built from. The engine replaces these rather than editing them in place.
type memoKey struct {
	a sliceKey
	b sliceKey
	c unsafe.Pointer
}

func strKey(s string) sliceKey { return sliceKey{unsafe.Pointer(unsafe.StringData(s)), len(s)} }

// bindMemo builds the appender of a field in memoKeys: the value package fields extracts is
// kept per thread with the identity of its inputs, and reused while they stay the same.
func bindMemo(col *Column, cb column, slot int) (appender, bool) {
	key, ok := memoKeys[col.Field]
	if !ok {
		return nil, false
	}
	f, arg, err := fields.Lookup(col.Field)
	if err != nil {
		return nil, false
	}
	b := cb.(*strCol)
	return func(c *rowCtx, ev *state.Event) {
		if ev.Thread == nil {
			appendValue(b, f.Extract(ev, arg))
			return
		}
		k := key(ev)
		e := &c.threadSlots()[slot]
		if !e.set || e.key != k {
			v := f.Extract(ev, arg)
			if v.Kind != fields.KindNone && v.Kind != fields.KindString {
				v = fields.Value{Kind: fields.KindString, S: v.Text()}
			}
			v.S = validText(v.S) // validated once, not at every row
			e.key, e.val, e.set = k, v, true
		}
		if e.val.Kind == fields.KindNone {
			b.appendNull()
			return
		}
		b.addValid(e.val.S)
	}, true
}

// memoKeys are the text fields of thread state cached by bindMemo, with the identity of
// what each reads. The event has a thread.
var memoKeys = map[string]func(ev *state.Event) memoKey{
	"proc.args": func(ev *state.Event) memoKey {
		return memoKey{b: keyOf(ev.Thread.Args)}
	},
	"proc.cmdline": func(ev *state.Event) memoKey {
		return memoKey{a: strKey(ev.Thread.Comm), b: keyOf(ev.Thread.Args)}
	},
	"proc.exeline": func(ev *state.Event) memoKey {
		return memoKey{a: strKey(ev.Thread.Exe), b: keyOf(ev.Thread.Args)}
	},
	"proc.env": func(ev *state.Event) memoKey {
		return memoKey{b: keyOf(ev.Engine().EnvOf(ev.Thread))}
	},
	"thread.cgroups": func(ev *state.Event) memoKey {
		return memoKey{b: keyOf(ev.Thread.Cgroups)}
	},
	"proc.pcmdline": func(ev *state.Event) memoKey {
		p := ev.Engine().Threads[ev.Thread.Ptid]
		if p == nil {
			return memoKey{} // the zero key: no parent
		}
		return memoKey{a: strKey(p.Comm), b: keyOf(p.Args), c: unsafe.Pointer(p)}
	},
}

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

// maxAncestors bounds the ancestor walk; a pid-reuse loop would otherwise never end.
const maxAncestors = 64

// ancestors returns the event's process's ancestors, parent first, as proc.aname[N] walks
// them: from the main thread, each step to the parent thread's main thread.
func (c *rowCtx) ancestors() []*state.Thread {
	if c.ancDone {
		return c.anc
	}
	c.ancDone = true
	c.anc = c.anc[:0]
	ev := c.ev
	eng := ev.Engine()
	t := eng.Main(ev.Thread)
	if t == nil {
		t = ev.Thread
	}
	for t != nil && len(c.anc) < maxAncestors {
		p := eng.Threads[t.Ptid]
		if p == nil {
			break
		}
		if m := eng.Main(p); m != nil {
			p = m
		}
		c.anc = append(c.anc, p)
		t = p
	}
	return c.anc
}

// clockCache formats event times; the date and clock part only change once a second.
type clockCache struct {
	sec    int64
	valid  bool
	prefix string // "2006-01-02 15:04:05" in local time
	buf    []byte
}

func (k *clockCache) at(ns uint64) string {
	sec := int64(ns / 1e9)
	if !k.valid || sec != k.sec {
		k.sec, k.valid = sec, true
		k.prefix = time.Unix(sec, 0).Format("2006-01-02 15:04:05")
	}
	return k.prefix
}

// datetime is evt.datetime's text: local date and time with nanoseconds.
func (k *clockCache) datetime(ns uint64) []byte {
	k.buf = fields.AppendNanos(append(append(k.buf[:0], k.at(ns)...), '.'), ns)
	return k.buf
}

// humanDuration is evt.latency.human's text: whole units from 10 up, else two decimals cut.
func humanDuration(buf []byte, ns uint64) []byte {
	unit, div := "ns", uint64(1)
	switch {
	case ns >= 1e9:
		unit, div = "s", 1e9
	case ns >= 1e6:
		unit, div = "ms", 1e6
	case ns >= 1e3:
		unit, div = "us", 1e3
	}
	whole := ns / div
	buf = strconv.AppendUint(buf, whole, 10)
	if div != 1 && whole < 10 {
		frac := ns % div * 100 / div
		buf = append(buf, '.', byte('0'+frac/10), byte('0'+frac%10))
	}
	return append(buf, unit...)
}

// rawArgText is evt.rawarg.NAME's text for parameter i (see the extractor in package fields).
func rawArgText(ev *state.Event, i int, p []byte, buf []byte) (string, []byte) {
	pi := &ev.Info.Params[i]
	switch pi.Type {
	case et.PT_CHARBUF, et.PT_FSPATH, et.PT_FSRELPATH:
		if n := strings.IndexByte(bytesString(p), 0); n >= 0 {
			p = p[:n]
		}
		return bytesString(p), buf
	case et.PT_BYTEBUF:
		return bytesString(p), buf
	case et.PT_UINT8, et.PT_UINT16, et.PT_UINT32, et.PT_UINT64, et.PT_FLAGS8, et.PT_FLAGS16,
		et.PT_FLAGS32, et.PT_UID, et.PT_GID, et.PT_MODE, et.PT_RELTIME, et.PT_ABSTIME, et.PT_PORT:
		u, _ := scap.ParamUint(p) // 0 for an odd width, as before
		buf = strconv.AppendUint(buf[:0], u, 10)
		return bytesString(buf), buf
	}
	if s, ok := scap.ParamInt(p); ok {
		buf = strconv.AppendInt(buf[:0], s, 10)
		return bytesString(buf), buf
	}
	v, _ := fields.ParamText(ev, i, p, pi, fields.RenderOptions{})
	return v, buf
}
