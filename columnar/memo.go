package columnar

import (
	"strings"
	"unsafe"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// threadMemo caches text built from thread state (joined arguments, command lines, parsed
// environments). Entries are keyed by the identity of their inputs — the data pointers and
// lengths of the strings and slices — which the state engine replaces rather than edits
// when a process execs or renames, so a hit is always current. The maps are dropped when they
// grow past memoMax, which bounds memory on captures with many short-lived processes.
type threadMemo struct {
	joins   map[sliceKey]string
	lines   map[lineKey]string
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

type lineKey struct {
	head *byte
	hlen int
	args sliceKey
}

type envPairs struct{ keys, vals []string }

const memoMax = 1 << 14

func (m *threadMemo) init() {
	m.joins = make(map[sliceKey]string)
	m.lines = make(map[lineKey]string)
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

// join is strings.Join(s, " ").
func (m *threadMemo) join(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	k := keyOf(s)
	if v, ok := m.joins[k]; ok {
		return v
	}
	if len(m.joins) >= memoMax {
		clear(m.joins)
	}
	v := strings.Join(s, " ")
	m.joins[k] = v
	return v
}

// line is head followed by the arguments, as proc.cmdline and proc.exeline print.
func (m *threadMemo) line(head string, args []string) string {
	if len(args) == 0 {
		return head
	}
	k := lineKey{unsafe.StringData(head), len(head), keyOf(args)}
	if v, ok := m.lines[k]; ok {
		return v
	}
	if len(m.lines) >= memoMax {
		clear(m.lines)
	}
	v := head + " " + m.join(args)
	m.lines[k] = v
	return v
}

// envMap splits NAME=value entries, sanitised to valid UTF-8; the first entry of a name wins,
// as proc.env[NAME] reads.
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
		name, val, _ := strings.Cut(kv, "=")
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		e.keys = append(e.keys, validText(name))
		e.vals = append(e.vals, validText(val))
	}
	m.envs[k] = e
	return e
}
