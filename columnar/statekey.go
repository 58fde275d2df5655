package columnar

import (
	"unsafe"

	"github.com/scapql/scapql/ingest/state"
)

// A thread state's key is everything the proc, thread, user, group and container members
// read: the fields of the thread, of its main thread and of every ancestor, and the user,
// group and container entries it names. Strings and slices enter by identity (data pointer
// and length) — the state engine replaces them rather than edits them — so comparing two keys
// costs no string comparison, and holding a key keeps its data alive, so an address cannot be
// reused for other text while a key names it.

// word is one element of a key: a pointer or a number.
type word struct {
	p unsafe.Pointer
	n uint64
}

func equalWords(a, b []word) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// maxHops bounds the ancestor walks of a key, as every walk up the tree is bounded; a deeper
// chain is not keyed (its events get a state row each, which is correct, only larger).
const maxHops = state.MaxAncestors + 1

func strWord(s string) word { return word{unsafe.Pointer(unsafe.StringData(s)), uint64(len(s))} }

func sliceWord(s []string) word { return word{unsafe.Pointer(unsafe.SliceData(s)), uint64(len(s))} }

func num(v uint64) word { return word{n: v} }

// appendThread appends the fields of t that any member of the thread states reads (memory
// sizes and page faults, which every context switch updates, are members of event_rows).
func appendThread(k []word, t *state.Thread) []word {
	if t == nil {
		return append(k, word{})
	}
	return append(k, word{p: unsafe.Pointer(t)},
		num(uint64(t.Tid)), num(uint64(t.Pid)), num(uint64(t.Ptid)), num(uint64(t.Sid)),
		num(uint64(t.Vpgid)), num(uint64(t.Pgid)), num(uint64(t.Vtid)), num(uint64(t.Vpid)),
		strWord(t.Comm), strWord(t.Exe), strWord(t.Exepath), sliceWord(t.Args), sliceWord(t.Env),
		strWord(t.Cwd), strWord(t.Root), sliceWord(t.Cgroups), num(uint64(t.FdLimit)),
		num(uint64(t.Flags)<<32|uint64(t.UID)), num(uint64(t.GID)<<32|uint64(t.LoginUID)),
		num(uint64(t.Tty)), num(t.CloneTS), num(t.LastExecTS),
		num(uint64(t.NChilds())<<32|uint64(t.NThreads())<<1|b2u(t.ExeWritable)),
		strWord(t.ContainerID), num(t.UPID), num(t.ParentUPID))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// appendAncestor appends the fields of an ancestor that members read (names, ids, arguments).
func appendAncestor(k []word, t *state.Thread) []word {
	if t == nil {
		return append(k, word{})
	}
	return append(k, word{p: unsafe.Pointer(t)}, num(uint64(t.Tid)), num(uint64(t.Pid)),
		num(uint64(t.Ptid)), num(uint64(t.Sid)), num(uint64(t.Flags)), strWord(t.Comm), sliceWord(t.Args))
}

// threadKey appends the key of the thread state t is in; ok is false when its ancestry is too
// deep to key.
func threadKey(k []word, eng *state.Engine, t *state.Thread) ([]word, bool) {
	k = appendThread(k, t)
	m := eng.Main(t)
	if m != t {
		k = appendThread(k, m)
	}
	k = append(k, word{p: unsafe.Pointer(eng.Users[t.UID])}, word{p: unsafe.Pointer(eng.Users[t.LoginUID])},
		word{p: unsafe.Pointer(eng.Groups[t.GID])}, word{p: unsafe.Pointer(eng.Containers[t.ContainerID])})
	// The parent chain as the thread's own fields walk it (pname, loginshellid) ...
	cur, allMain := t, true
	for i := 0; ; i++ {
		if i == maxHops {
			return k, false
		}
		p := eng.ParentThread(cur)
		k = appendAncestor(k, p)
		if p == nil || p == cur {
			break
		}
		allMain = allMain && p.IsMain()
		cur = p
	}
	// ... and as the process's fields walk it, main thread to main thread (aname, apid,
	// sname): the same chain when the thread and its ancestors are all main threads.
	if m == nil || m == t && allMain {
		return append(k, word{}), true
	}
	cur = m
	for i := 0; ; i++ {
		if i == maxHops {
			return k, false
		}
		p := eng.ParentThread(cur)
		if p == nil {
			break
		}
		if pm := eng.Main(p); pm != nil {
			p = pm
		}
		k = appendAncestor(k, p)
		if p == cur {
			break
		}
		cur = p
	}
	return append(k, word{}), true
}
