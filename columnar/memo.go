package columnar

import (
	"unsafe"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// threadMemo caches values computed from thread state: the texts of memoKeys' fields, per
// thread, and parsed environments. Entries are keyed by the identity of their inputs — the
// data pointers and lengths of the strings and slices — which the state engine replaces
// rather than edits when a process execs or renames, so a hit is always current. The maps are
// dropped when they grow past memoMax, which bounds memory on captures with many short-lived
// processes.
type threadMemo struct {
	envs    map[sliceKey]*envPairs
	threads map[*state.Thread][]memoSlot
	nslots  int
}

// memoSlot is one cached field value of a thread, with the identity of its inputs.
type memoSlot struct {
	key memoKey
	val fields.Value
	set bool
}

// sliceKey identifies a string's or a slice's backing array and length; holding the pointer
// keeps the array alive, so it cannot be reused for other data while cached.
type sliceKey struct {
	p unsafe.Pointer
	n int
}

type envPairs struct{ keys, vals []string }

const memoMax = 1 << 14

func (m *threadMemo) init() {
	m.envs = make(map[sliceKey]*envPairs)
	m.threads = make(map[*state.Thread][]memoSlot)
}

// threadSlots returns the cached field values of the row's thread (which is not nil).
func (c *rowCtx) threadSlots() []memoSlot {
	if c.slotsDone {
		return c.slots
	}
	m := &c.memo
	s, ok := m.threads[c.ev.Thread]
	if !ok {
		if len(m.threads) >= memoMax {
			clear(m.threads)
		}
		s = make([]memoSlot, m.nslots)
		m.threads[c.ev.Thread] = s
	}
	c.slots, c.slotsDone = s, true
	return s
}

func keyOf(s []string) sliceKey { return sliceKey{unsafe.Pointer(unsafe.SliceData(s)), len(s)} }

// envMap is proc.env[NAME] for every NAME the environment holds (fields.EnvVar's entries,
// the first of a name), sanitised to valid UTF-8.
func (m *threadMemo) envMap(env []string) *envPairs {
	k := keyOf(env)
	if v, ok := m.envs[k]; ok {
		return v
	}
	if len(m.envs) >= memoMax {
		clear(m.envs)
	}
	e := &envPairs{}
	seen := make(map[string]bool, len(env))
	for _, kv := range env {
		name, val, ok := fields.EnvVar(kv)
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		e.keys = append(e.keys, validText(name))
		e.vals = append(e.vals, validText(val))
	}
	m.envs[k] = e
	return e
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
		p := ev.Engine().ParentThread(ev.Thread)
		if p == nil {
			return memoKey{} // the zero key: no parent
		}
		return memoKey{a: strKey(p.Comm), b: keyOf(p.Args), c: unsafe.Pointer(p)}
	},
}
