package fields

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// Extractor computes a field for an event; arg is the field argument (proc.aname[2] → "2").
type Extractor func(ev *state.Event, arg string) Value

// Field is a field that can be extracted.
type Field struct {
	Name    string
	Extract Extractor
	// ArgRequired fields need an argument ([N] or .name).
	ArgAllowed bool
	// PrintText, when set, is what the reference prints, where that differs from the value.
	PrintText Extractor
	// Append, when set, appends the printed text without allocating; it reports false when
	// the field has no value.
	Append func(dst []byte, ev *state.Event, arg string) ([]byte, bool)
}

var registry = map[string]*Field{}

func reg(name string, f Extractor) { registry[name] = &Field{Name: name, Extract: f} }
func regArg(name string, f Extractor) {
	registry[name] = &Field{Name: name, Extract: f, ArgAllowed: true}
}

// MustLookup is the field of a catalogue name, for package-level variables of the fields a
// package extracts itself; an unknown name is a programming error.
func MustLookup(name string) *Field {
	f, _, err := Lookup(name)
	if err != nil {
		panic(err)
	}
	return f
}

// Lookup resolves a field reference such as "proc.aname[2]", "evt.arg.fd" or "proc.name" to
// its field and argument.
func Lookup(ref string) (*Field, string, error) {
	name, arg := ref, ""
	if i := strings.IndexByte(ref, '['); i >= 0 && strings.HasSuffix(ref, "]") {
		name, arg = ref[:i], ref[i+1:len(ref)-1]
	}
	if f, ok := registry[name]; ok {
		if arg != "" && !f.ArgAllowed {
			return nil, "", fmt.Errorf("field %s takes no argument", name)
		}
		return f, arg, nil
	}
	// evt.arg.NAME, evt.rawarg.NAME, evt.type.is.NAME style arguments.
	for _, base := range []string{"evt.arg", "evt.rawarg", "evt.type.is", "proc.env"} {
		if strings.HasPrefix(ref, base+".") {
			return registry[base], ref[len(base)+1:], nil
		}
	}
	return nil, "", fmt.Errorf("unknown field %q", ref)
}

// Names lists every extractable field.
func Names() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func localTime(ts uint64) time.Time { return time.Unix(0, int64(ts)) }

// TimeText is evt.time: local time of day with nanoseconds.
func TimeText(ts uint64) string { return string(AppendTime(nil, ts)) }

// AppendTime appends evt.time.
func AppendTime(dst []byte, ts uint64) []byte {
	h, m, s := localTime(ts).Clock()
	dst = append2(dst, h)
	dst = append(dst, ':')
	dst = append2(dst, m)
	dst = append(dst, ':')
	dst = append2(dst, s)
	dst = append(dst, '.')
	return AppendNanos(dst, ts)
}

// AppendNanos appends the nanoseconds within the second of ns, nine digits: the fraction of
// every time text with nanoseconds (evt.time, evt.datetime).
func AppendNanos(dst []byte, ns uint64) []byte {
	ns %= 1e9
	var buf [9]byte
	for i := 8; i >= 0; i-- {
		buf[i] = byte('0' + ns%10)
		ns /= 10
	}
	return append(dst, buf[:]...)
}

func append2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }

// DatetimeText is evt.datetime.
func DatetimeText(ts uint64) string { return string(AppendDatetime(nil, ts)) }

// categoryNames are evt.category's names for the non-I/O categories.
var categoryNames = map[et.Category]string{et.EC_UNKNOWN: "unknown", et.EC_OTHER: "other", et.EC_FILE: "file",
	et.EC_NET: "net", et.EC_IPC: "IPC", et.EC_MEMORY: "memory", et.EC_PROCESS: "process",
	et.EC_SLEEP: "sleep", et.EC_SYSTEM: "system", et.EC_SIGNAL: "signal", et.EC_USER: "user",
	et.EC_TIME: "time", et.EC_PROCESSING: "processing", et.EC_WAIT: "wait",
	et.EC_SCHEDULER: "scheduler", et.EC_INTERNAL: "internal"}

// Closed returns, sorted, every value of a text field whose values all come from the event
// table (evt.type, evt.category, evt.dir); nil for any other field. The slices are shared:
// callers must not change them.
func Closed(field string) []string { return closedSets()[field] }

// closedSets are Closed's value sets, made once.
var closedSets = sync.OnceValue(func() map[string][]string {
	sorted := func(vals []string) []string {
		slices.Sort(vals)
		return slices.Compact(vals)
	}
	return map[string][]string{
		"evt.type":     sorted(append(append(et.Names(), et.SyscallNames()...), "<unknown>")),
		"evt.category": sorted(append(slices.Collect(maps.Values(categoryNames)), "file", "net", "ipc", "unknown")),
		"evt.dir":      sorted([]string{">", "<"}),
	}
})

// Category is evt.category: the event's category, with I/O events named by their fd's kind.
func Category(ev *state.Event) string {
	c := ev.Info.Category
	if isGeneric(ev) {
		c = et.GenericCategory(EventType(ev))
	}
	switch c {
	case et.EC_IO_READ, et.EC_IO_WRITE, et.EC_IO_OTHER:
		f := ev.FD
		if f == nil {
			return "unknown"
		}
		switch f.Type {
		case scap.FDFile, scap.FDFileV2, scap.FDDirectory:
			return "file"
		case scap.FDIPv4Sock, scap.FDIPv6Sock, scap.FDIPv4ServSock, scap.FDIPv6ServSock:
			return "net"
		case scap.FDFifo, scap.FDUnixSock, scap.FDEvent, scap.FDSignalfd, scap.FDInotify:
			return "ipc"
		}
		return "unknown"
	}
	if n, ok := categoryNames[c]; ok {
		return n
	}
	return "unknown"
}

// isGeneric reports whether the event is a generic syscall event (its syscall code names it).
func isGeneric(ev *state.Event) bool {
	return ev.Raw.Type == et.PPME_GENERIC_E || ev.Raw.Type == et.PPME_GENERIC_X
}

// Failed is evt.failed: the event's result is an error.
func Failed(ev *state.Event) bool {
	r, ok := rawres(ev)
	return ok && r < 0
}

// EventType is evt.type: the table name, or the syscall name for generic events.
func EventType(ev *state.Event) string {
	if isGeneric(ev) {
		if p, ok := ev.Param(0); ok && len(p) == 2 {
			c := uint16(p[0]) | uint16(p[1])<<8
			if c == 0 {
				return "<unknown>"
			}
			if n := et.SyscallName(c); n != "" {
				return n
			}
		}
		return "<unknown>"
	}
	return ev.Info.Name
}

// rawres returns the return value of an exit event: parameter "res", or "fd" for exits of
// fd-creating events.
func rawres(ev *state.Event) (int64, bool) {
	if ev.Info.Enter {
		return 0, false
	}
	idx := ev.Info.ParamIndex("res")
	if idx < 0 && ev.Info.Has(et.EF_CREATES_FD) {
		idx = ev.Info.ParamIndex("fd")
	}
	if idx < 0 {
		return 0, false
	}
	p, ok := ev.Param(idx)
	if !ok {
		return 0, false
	}
	return scap.ParamInt(p)
}

func thread(ev *state.Event) *state.Thread { return ev.Thread }

func mainThread(ev *state.Event) *state.Thread {
	if ev.Thread == nil {
		return nil
	}
	return ev.Engine().Main(ev.Thread)
}

// ofAncestor is the extractor of a field[N] whose value is get of the N-th ancestor.
func ofAncestor(get func(*state.Thread) Value) func(*state.Event, string) Value {
	return func(ev *state.Event, arg string) Value {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return None
		}
		if a := ancestor(ev, n); a != nil {
			return get(a)
		}
		return None
	}
}

// ofParent builds the extractor of a field of the parent of the event's thread
// (state.Engine.ParentThread: proc.pname, proc.pcmdline, proc.pexe).
func ofParent(get func(*state.Thread) Value) Extractor {
	return func(ev *state.Event, _ string) Value {
		if ev.Thread == nil {
			return None
		}
		if p := ev.Engine().ParentThread(ev.Thread); p != nil {
			return get(p)
		}
		return None
	}
}

// ancestor walks n steps up from the event's process; nil past MaxAncestors.
func ancestor(ev *state.Event, n int) *state.Thread {
	if n > MaxAncestors {
		return nil
	}
	t := ProcessOf(ev)
	eng := ev.Engine()
	for i := 0; i < n && t != nil; i++ {
		t = eng.Parent(t)
	}
	return t
}

// fdOf returns the fd the event's fd fields read, following the reference: only events that
// create, use or destroy an fd have one.
func fdOf(ev *state.Event) (*state.FD, bool) {
	if ev.Info.Flags&(et.EF_CREATES_FD|et.EF_USES_FD|et.EF_DESTROYS_FD) == 0 || ev.Thread == nil {
		return nil, false
	}
	if ev.FD != nil {
		return ev.FD, true
	}
	if lf := ev.Thread.LastEventFD(); lf != -1 {
		return ev.Engine().FDs(ev.Thread).Get(lf), true
	}
	return nil, true
}

// creatorName is the fd name an event carries itself when its fd is not in the table: the
// open, connect and accept exits name theirs; other exit events read "", enter events none.
func creatorName(ev *state.Event) Value {
	if ev.Info.Enter {
		return None
	}
	switch ev.Info.Name {
	case "open", "creat", "openat", "openat2", "accept", "accept4", "connect":
		idx := ev.Info.ParamIndex("name")
		if ev.Info.Name == "connect" || ev.Info.Name == "accept" || ev.Info.Name == "accept4" {
			idx = ev.Info.ParamIndex("tuple")
		}
		if ev.Raw.Type == et.PPME_SYSCALL_OPENAT_X { // old openat exit: the name is in the enter event
			return strV("")
		}
		p, ok := ev.Param(idx)
		if !ok || idx >= len(ev.Info.Params) {
			return strV("")
		}
		v, res := ParamText(ev, idx, p, &ev.Info.Params[idx], RenderOptions{})
		if res != "" {
			return strV(res)
		}
		return strV(v)
	}
	return strV("")
}

// nullTypechar is fd.typechar when the fd is unknown: guessed from the event type.
func nullTypechar(ev *state.Event) Value {
	name := ev.Info.Name
	switch name {
	case "open", "openat", "creat":
		return strV("f")
	case "socket", "accept", "accept4", "connect":
		return strV("4")
	case "pipe":
		return strV("p")
	case "eventfd":
		return strV("e")
	case "signalfd":
		return strV("s")
	case "timerfd_create":
		return strV("t")
	case "inotify_init":
		return strV("i")
	}
	return strV("o")
}

func fdTypeName(t uint8) string {
	if ft, ok := fdTypes[t]; ok {
		return ft.name
	}
	return "<NA>"
}

func l4Name(l uint8) Value {
	switch l {
	case state.L4TCP:
		return strV("tcp")
	case state.L4UDP:
		return strV("udp")
	case state.L4ICMP:
		return strV("icmp")
	case state.L4Raw:
		return strV("raw")
	}
	return None
}

func isFileLike(f *state.FD) bool {
	switch f.Type {
	case scap.FDIPv4Sock, scap.FDIPv6Sock, scap.FDIPv4ServSock, scap.FDIPv6ServSock, scap.FDUnixSock,
		scap.FDFifo, scap.FDEvent, scap.FDSignalfd, scap.FDEventpoll, scap.FDInotify, scap.FDTimerfd, scap.FDNetlink:
		return false
	}
	return true
}

// ipEnds returns the client and server ends of an IP socket fd.
func ipEnds(f *state.FD) (cip, sip []byte, cport, sport uint16, ok bool) {
	w := 4
	if f.V6 {
		w = 16
	}
	switch f.Type {
	case scap.FDIPv4Sock, scap.FDIPv6Sock:
		return f.SIP[:w], f.DIP[:w], f.SPort, f.DPort, true
	}
	return nil, nil, 0, 0, false
}

func userOf(ev *state.Event) (*state.User, uint32, bool) {
	t := ev.Thread
	if t == nil {
		return nil, 0, false
	}
	return ev.Engine().Users[t.UID], t.UID, true
}

func init() {
	reg("evt.num", func(ev *state.Event, _ string) Value { return uintV(ev.Num) })
	reg("evt.rawtime", func(ev *state.Event, _ string) Value { return uintV(ev.Raw.TS) })
	reg("evt.rawtime.s", func(ev *state.Event, _ string) Value { return uintV(ev.Raw.TS / 1e9) })
	reg("evt.rawtime.ns", func(ev *state.Event, _ string) Value { return uintV(ev.Raw.TS % 1e9) })
	registry["evt.rawtime.ns"].PrintText = func(ev *state.Event, _ string) Value { return strV(padded(int64(ev.Raw.TS % 1e9))) }
	reg("evt.time", func(ev *state.Event, _ string) Value { return strV(TimeText(ev.Raw.TS)) })
	reg("evt.time.s", func(ev *state.Event, _ string) Value { return strV(TimeText(ev.Raw.TS)[:8]) })
	reg("evt.datetime", func(ev *state.Event, _ string) Value { return strV(DatetimeText(ev.Raw.TS)) })
	registry["evt.datetime"].Append = func(dst []byte, ev *state.Event, _ string) ([]byte, bool) {
		return AppendDatetime(dst, ev.Raw.TS), true
	}
	reg("evt.datetime.s", func(ev *state.Event, _ string) Value { return strV(DatetimeText(ev.Raw.TS)[:19]) })
	reg("evt.hidden", func(ev *state.Event, _ string) Value { return boolV(ev.Hidden) })
	reg("evt.outputtime", func(ev *state.Event, _ string) Value { return strV(TimeText(ev.Raw.TS)) })
	reg("evt.reltime", func(ev *state.Event, _ string) Value { return uintV(ev.Raw.TS - ev.Engine().FirstTS()) })
	registry["evt.reltime"].PrintText = func(ev *state.Event, _ string) Value { return strV(padded(int64(ev.Raw.TS - ev.Engine().FirstTS()))) }
	reg("evt.reltime.s", func(ev *state.Event, _ string) Value { return uintV((ev.Raw.TS - ev.Engine().FirstTS()) / 1e9) })
	reg("evt.reltime.ns", func(ev *state.Event, _ string) Value { return uintV((ev.Raw.TS - ev.Engine().FirstTS()) % 1e9) })
	registry["evt.reltime.ns"].PrintText = func(ev *state.Event, _ string) Value {
		return strV(padded(int64((ev.Raw.TS - ev.Engine().FirstTS()) % 1e9)))
	}
	reg("evt.cpu", func(ev *state.Event, _ string) Value { return intV(int64(int16(ev.Raw.CPU))) })
	reg("evt.dir", func(ev *state.Event, _ string) Value {
		if ev.Info.Enter {
			return strV(">")
		}
		return strV("<")
	})
	reg("evt.type", func(ev *state.Event, _ string) Value { return strV(EventType(ev)) })
	reg("syscall.type", func(ev *state.Event, _ string) Value {
		// The reference leaves out the switch event and the events that skip the parser's
		// reset step (procinfo and the other internal bookkeeping events); every other
		// event, the container events included, names its type.
		if ev.Raw.Type == et.PPME_SCHEDSWITCH_6_E || ev.Info.Flags&et.EF_SKIPPARSERESET != 0 {
			return None
		}
		return strV(EventType(ev))
	})
	regArg("evt.type.is", func(ev *state.Event, arg string) Value {
		if EventType(ev) == arg {
			return uintV(1)
		}
		return uintV(0)
	})
	reg("evt.category", func(ev *state.Event, _ string) Value { return strV(Category(ev)) })
	args := func(ev *state.Event, _ string) Value {
		return strV(Args(ev, RenderOptions{MaxBufLen: DefaultBufLen}))
	}
	appendArgs := func(dst []byte, ev *state.Event, _ string) ([]byte, bool) {
		return AppendArgs(dst, ev, RenderOptions{MaxBufLen: DefaultBufLen}), true
	}
	reg("evt.args", args)
	reg("evt.info", args)
	registry["evt.args"].Append = appendArgs
	registry["evt.info"].Append = appendArgs
	appendTime := func(dst []byte, ev *state.Event, _ string) ([]byte, bool) { return AppendTime(dst, ev.Raw.TS), true }
	registry["evt.time"].Append = appendTime
	registry["evt.outputtime"].Append = appendTime
	regArg("evt.arg", func(ev *state.Event, arg string) Value {
		idx := -1
		if n, err := strconv.Atoi(arg); err == nil {
			idx = n
		} else {
			idx = ev.Info.ParamIndex(arg)
		}
		p, ok := ev.Param(idx)
		if !ok || idx >= len(ev.Info.Params) {
			return None
		}
		return strV(ArgText(ParamText(ev, idx, p, &ev.Info.Params[idx], RenderOptions{MaxBufLen: DefaultBufLen})))
	})
	regArg("evt.rawarg", func(ev *state.Event, arg string) Value { return RawArg(ev, ev.Info.ParamIndex(arg)) })
	reg("evt.res", func(ev *state.Event, _ string) Value {
		r, ok := rawres(ev)
		if !ok {
			return None
		}
		if r >= 0 {
			return strV("SUCCESS")
		}
		if n := et.ErrnoName(-r); n != "" {
			return strV(n)
		}
		return strV(strconv.FormatInt(r, 10))
	})
	reg("evt.rawres", func(ev *state.Event, _ string) Value {
		r, ok := rawres(ev)
		if !ok {
			return None
		}
		return intV(r)
	})
	reg("evt.failed", func(ev *state.Event, _ string) Value { return boolV(Failed(ev)) })
	reg("evt.latency", func(ev *state.Event, _ string) Value {
		if ev.Info.Category == et.EC_INTERNAL {
			return None
		}
		if ev.Thread == nil {
			return uintV(0)
		}
		return uintV(ev.Thread.Latency())
	})
	lat := func(f func(ns uint64) Value) Extractor {
		return func(ev *state.Event, _ string) Value {
			if ev.Info.Category == et.EC_INTERNAL {
				return None
			}
			var ns uint64
			if ev.Thread != nil {
				ns = ev.Thread.Latency()
			}
			return f(ns)
		}
	}
	reg("evt.latency.s", lat(func(ns uint64) Value { return uintV(ns / 1e9) }))
	reg("evt.latency.ns", lat(func(ns uint64) Value { return uintV(ns % 1e9) }))
	registry["evt.latency.ns"].PrintText = lat(func(ns uint64) Value { return strV(padded(int64(ns % 1e9))) })
	reg("evt.latency.human", lat(func(ns uint64) Value { return strV(humanDuration(ns)) }))
	reg("evt.is_io", func(ev *state.Event, _ string) Value {
		return boolV(ev.Info.Flags&(et.EF_READS_FROM_FD|et.EF_WRITES_TO_FD) != 0)
	})
	reg("evt.is_io_read", func(ev *state.Event, _ string) Value { return boolV(ev.Info.Has(et.EF_READS_FROM_FD)) })
	reg("evt.is_io_write", func(ev *state.Event, _ string) Value { return boolV(ev.Info.Has(et.EF_WRITES_TO_FD)) })
	reg("evt.io_dir", func(ev *state.Event, _ string) Value {
		switch {
		case ev.Info.Has(et.EF_READS_FROM_FD):
			return strV("read")
		case ev.Info.Has(et.EF_WRITES_TO_FD):
			return strV("write")
		}
		return None
	})
	reg("evt.is_wait", func(ev *state.Event, _ string) Value { return boolV(ev.Info.Has(et.EF_WAITS)) })
	reg("evt.count", func(ev *state.Event, _ string) Value { return uintV(1) })
	reg("evt.count.exit", func(ev *state.Event, _ string) Value {
		if ev.Info.Enter {
			return None
		}
		return uintV(1)
	})
	reg("evt.count.error", func(ev *state.Event, _ string) Value {
		if r, ok := rawres(ev); ok && r < 0 {
			return uintV(1)
		}
		return None
	})
	reg("evt.is_syslog", func(ev *state.Event, _ string) Value {
		if f, ok := fdOf(ev); ok && f != nil && ev.Info.Has(et.EF_WRITES_TO_FD) && strings.Contains(f.Name, "/dev/log") {
			return boolV(true)
		}
		return boolV(false)
	})
	reg("evt.buflen", func(ev *state.Event, _ string) Value {
		if ev.Info.Enter || ev.FD == nil {
			return None
		}
		switch ev.Info.Category {
		case et.EC_IO_READ, et.EC_IO_WRITE, et.EC_IO_OTHER:
		default:
			return None
		}
		r, ok := rawres(ev)
		if !ok || r < 0 {
			return None
		}
		return uintV(uint64(r))
	})
	reg("evt.buffer", func(ev *state.Event, _ string) Value {
		p, ok := ev.Param(ev.Info.ParamIndex("data"))
		if !ok {
			return None
		}
		return strV(string(p))
	})
	registry["evt.buffer"].PrintText = func(ev *state.Event, _ string) Value {
		p, ok := ev.Param(ev.Info.ParamIndex("data"))
		if !ok {
			return None
		}
		return strV(bufText(p, 0))
	}
	reg("evt.abspath", func(ev *state.Event, _ string) Value { return None })
	openFlag := func(mask uint32, exec bool) Extractor {
		return func(ev *state.Event, _ string) Value {
			if ev.Info.Enter {
				return boolV(false)
			}
			switch ev.Info.Name {
			case "open", "openat", "openat2", "creat":
			default:
				return boolV(false)
			}
			var flags uint32
			if p, ok := ev.Param(ev.Info.ParamIndex("flags")); ok {
				v, _ := scap.ParamUint(p)
				flags = uint32(v)
			}
			if ev.Info.Name == "creat" {
				flags |= 0x4 | 0x2 // O_CREAT|O_WRONLY
			}
			if !exec {
				return boolV(flags&mask != 0)
			}
			// Executable: created (O_CREAT or O_TMPFILE) with an exec bit in the mode.
			var mode uint64
			if p, ok := ev.Param(ev.Info.ParamIndex("mode")); ok {
				mode, _ = scap.ParamUint(p)
			}
			return boolV(flags&(0x4|0x2000) != 0 && mode&0o111 != 0)
		}
	}
	reg("evt.is_open_read", openFlag(1, false))
	reg("evt.is_open_write", openFlag(2, false))
	reg("evt.is_open_exec", openFlag(0, true))

	// Threads and processes.
	tfa := func(f func(t *state.Thread, ev *state.Event, arg string) Value) Extractor {
		return func(ev *state.Event, arg string) Value {
			if ev.Thread == nil {
				return None
			}
			return f(ev.Thread, ev, arg)
		}
	}
	tf := func(f func(t *state.Thread, ev *state.Event) Value) Extractor {
		return func(ev *state.Event, _ string) Value {
			if ev.Thread == nil {
				return None
			}
			return f(ev.Thread, ev)
		}
	}
	reg("thread.tid", func(ev *state.Event, _ string) Value {
		if ev.Thread == nil {
			if ev.Info.Class == et.EC_METAEVENT && ev.Info.Category != et.EC_INTERNAL {
				return None
			}
			return intV(ev.Raw.TID)
		}
		return intV(ev.Thread.Tid)
	})
	reg("thread.vtid", tf(func(t *state.Thread, _ *state.Event) Value {
		if t.Vtid < 0 {
			return None
		}
		return intV(t.Vtid)
	}))
	reg("thread.ismain", tf(func(t *state.Thread, _ *state.Event) Value { return boolV(t.IsMain()) }))
	reg("thread.pfmajor", tf(func(t *state.Thread, _ *state.Event) Value { return uintV(t.PfMajor) }))
	reg("thread.pfminor", tf(func(t *state.Thread, _ *state.Event) Value { return uintV(t.PfMinor) }))
	reg("thread.cgroups", tf(func(t *state.Thread, _ *state.Event) Value {
		if len(t.Cgroups) == 0 {
			return None
		}
		return strV(strings.Join(t.Cgroups, " "))
	}))
	reg("proc.pid", tf(func(t *state.Thread, _ *state.Event) Value { return intV(t.Pid) }))
	reg("proc.vpid", tf(func(t *state.Thread, _ *state.Event) Value {
		if t.Vpid == -1 {
			return None
		}
		return intV(t.Vpid)
	}))
	reg("proc.ppid", tf(func(t *state.Thread, ev *state.Event) Value {
		m := mainThread(ev)
		if m == nil {
			m = t
		}
		return intV(m.Ptid)
	}))
	reg("proc.name", tf(func(t *state.Thread, _ *state.Event) Value { return strV(t.Comm) }))
	reg("proc.exe", tf(func(t *state.Thread, _ *state.Event) Value { return strV(t.Exe) }))
	reg("proc.exepath", tf(func(t *state.Thread, _ *state.Event) Value { return strV(t.Exepath) }))
	reg("proc.args", tf(func(t *state.Thread, _ *state.Event) Value { return strV(strings.Join(t.Args, " ")) }))
	reg("proc.cmdline", tf(func(t *state.Thread, _ *state.Event) Value { return strV(Cmdline(t.Comm, t.Args)) }))
	reg("proc.exeline", tf(func(t *state.Thread, _ *state.Event) Value {
		return strV(t.Exe + " " + strings.Join(t.Args, " "))
	}))
	reg("proc.cwd", tf(func(t *state.Thread, ev *state.Event) Value { return strV(ev.Engine().CwdOf(t)) }))
	regArg("proc.env", tfa(func(t *state.Thread, ev *state.Event, arg string) Value {
		env := ev.Engine().EnvOf(t)
		if arg != "" {
			for _, kv := range env {
				if k, v, ok := EnvVar(kv); ok && k == arg {
					return strV(v)
				}
			}
			return None
		}
		return strV(strings.Join(env, " "))
	}))
	reg("proc.fdlimit", tf(func(t *state.Thread, ev *state.Event) Value {
		if m := mainThread(ev); m != nil {
			return intV(m.FdLimit)
		}
		return intV(t.FdLimit)
	}))
	proc := func(t *state.Thread, ev *state.Event) *state.Thread {
		if m := mainThread(ev); m != nil {
			return m
		}
		return t
	}
	reg("proc.vmsize", tf(func(t *state.Thread, ev *state.Event) Value { return uintV(uint64(proc(t, ev).VmSizeKB)) }))
	reg("proc.vmrss", tf(func(t *state.Thread, ev *state.Event) Value { return uintV(uint64(proc(t, ev).VmRSSKB)) }))
	reg("proc.vmswap", tf(func(t *state.Thread, ev *state.Event) Value { return uintV(uint64(proc(t, ev).VmSwapKB)) }))
	reg("thread.vmsize", tf(func(t *state.Thread, ev *state.Event) Value { return uintV(uint64(t.VmSizeKB)) }))
	reg("thread.vmrss", tf(func(t *state.Thread, ev *state.Event) Value { return uintV(uint64(t.VmRSSKB)) }))
	reg("proc.fdopencount", tf(func(t *state.Thread, ev *state.Event) Value {
		return uintV(uint64(ev.Engine().FDs(t).Len()))
	}))
	reg("proc.sid", tf(func(t *state.Thread, _ *state.Event) Value { return intV(t.Sid) }))
	reg("proc.vpgid", tf(func(t *state.Thread, _ *state.Event) Value { return intV(t.Vpgid) }))
	reg("proc.tty", tf(func(t *state.Thread, _ *state.Event) Value { return intV(int64(int32(t.Tty))) }))
	reg("proc.is_exe_writable", tf(func(t *state.Thread, _ *state.Event) Value { return boolV(t.ExeWritable) }))
	reg("proc.nchilds", tf(func(t *state.Thread, ev *state.Event) Value {
		// The reference counts the threads of the event's thread here.
		return uintV(uint64(t.NThreads()))
	}))
	reg("proc.nthreads", tf(func(t *state.Thread, ev *state.Event) Value {
		if m := mainThread(ev); m != nil {
			return uintV(uint64(m.NThreads() + 1))
		}
		return uintV(0)
	}))
	reg("proc.duration", tf(func(t *state.Thread, ev *state.Event) Value {
		if t.CloneTS == 0 {
			return None
		}
		return uintV(ev.Raw.TS - t.CloneTS)
	}))
	reg("proc.loginshellid", tf(func(t *state.Thread, ev *state.Event) Value {
		var found *state.Thread
		cur := t
		for i := 0; cur != nil && i <= MaxAncestors; i++ {
			if isShell(cur.Comm) {
				found = cur
			}
			cur = ev.Engine().ParentThread(cur)
		}
		if found == nil {
			return None
		}
		return intV(found.Pid)
	}))
	reg("proc.sname", tf(func(t *state.Thread, ev *state.Event) Value {
		m := mainThread(ev)
		if m == nil {
			m = t
		}
		name := m.Comm
		cur := ev.Engine().ParentThread(m)
		for i := 0; cur != nil && i <= MaxAncestors && cur.Sid == m.Sid; i++ {
			name = cur.Comm
			cur = ev.Engine().ParentThread(cur)
		}
		return strV(name)
	}))
	reg("proc.id", tf(func(t *state.Thread, _ *state.Event) Value {
		if t.UPID == 0 { // a thread the engine does not keep (an event with no thread id)
			return None
		}
		return uintV(t.UPID)
	}))
	reg("proc.parent_id", tf(func(t *state.Thread, ev *state.Event) Value {
		if id := ev.Engine().ParentUPID(t); id != 0 {
			return uintV(id)
		}
		return None
	}))
	reg("proc.pname", ofParent(func(p *state.Thread) Value { return strV(p.Comm) }))
	reg("proc.pcmdline", ofParent(func(p *state.Thread) Value { return strV(Cmdline(p.Comm, p.Args)) }))
	// Without an index proc.aname and proc.apid extract the process's own, as libsinsp does
	// (the ancestor level defaults to 0); a filter on them matches any ancestor (translate/check).
	aname := ofAncestor(func(a *state.Thread) Value { return strV(a.Comm) })
	apid := ofAncestor(func(a *state.Thread) Value { return intV(a.Pid) })
	regArg("proc.aname", func(ev *state.Event, arg string) Value { return aname(ev, cmp.Or(arg, "0")) })
	regArg("proc.apid", func(ev *state.Event, arg string) Value { return apid(ev, cmp.Or(arg, "0")) })

	// Users and groups.
	reg("user.uid", func(ev *state.Event, _ string) Value {
		if _, uid, ok := userOf(ev); ok {
			return uintV(uint64(uid))
		}
		return None
	})
	reg("user.name", func(ev *state.Event, _ string) Value {
		u, uid, ok := userOf(ev)
		if !ok {
			return None
		}
		if u != nil {
			return strV(u.Name)
		}
		if uid == 0 {
			return strV("root")
		}
		return None
	})
	reg("user.homedir", func(ev *state.Event, _ string) Value {
		if u, _, _ := userOf(ev); u != nil {
			return strV(u.Home)
		}
		return None
	})
	reg("user.shell", func(ev *state.Event, _ string) Value {
		if u, _, _ := userOf(ev); u != nil {
			return strV(u.Shell)
		}
		return None
	})
	reg("user.loginuid", tf(func(t *state.Thread, _ *state.Event) Value { return intV(int64(int32(t.LoginUID))) }))
	reg("user.loginname", tf(func(t *state.Thread, ev *state.Event) Value {
		if u := ev.Engine().Users[t.LoginUID]; u != nil {
			return strV(u.Name)
		}
		return None
	}))
	reg("group.gid", tf(func(t *state.Thread, _ *state.Event) Value { return uintV(uint64(t.GID)) }))
	// The reference reads group.gid as 64 bits over a 32-bit id, so its text carries the
	// thread count that follows the id in memory; print output reproduces that.
	registry["group.gid"].PrintText = func(ev *state.Event, _ string) Value {
		if ev.Thread == nil {
			return None
		}
		return uintV(uint64(ev.Thread.GID) | uint64(ev.Thread.NThreads())<<32)
	}
	reg("group.name", tf(func(t *state.Thread, ev *state.Event) Value {
		if g := ev.Engine().Groups[t.GID]; g != nil {
			return strV(g.Name)
		}
		if t.GID == 0 {
			return strV("root")
		}
		return None
	}))

	// Containers.
	reg("container.id", tf(func(t *state.Thread, _ *state.Event) Value {
		if t.ContainerID == "" {
			return strV("host")
		}
		return strV(t.ContainerID)
	}))
	ctr := func(f func(c *state.Container) Value) Extractor {
		return tf(func(t *state.Thread, ev *state.Event) Value {
			if t.ContainerID == "" || t.ContainerID == "host" {
				if f(&state.Container{ID: "host", Name: "host"}).Valid() {
					return f(&state.Container{ID: "host", Name: "host"})
				}
				return None
			}
			c := ev.Engine().Containers[t.ContainerID]
			if c == nil {
				return None
			}
			return f(c)
		})
	}
	reg("container.name", ctr(func(c *state.Container) Value { return strV(c.Name) }))
	reg("container.image", ctr(func(c *state.Container) Value {
		if c.ID == "host" {
			return None
		}
		return strV(c.Image)
	}))
	reg("container.type", ctr(func(c *state.Container) Value {
		if c.ID == "host" {
			return strV("host")
		}
		return strV(c.Type)
	}))
	reg("container.privileged", ctr(func(c *state.Container) Value {
		if c.Privileged == nil {
			return None
		}
		return boolV(*c.Privileged)
	}))

	// File descriptors.
	ff := func(f func(fd *state.FD, ev *state.Event) Value, null func(ev *state.Event) Value) Extractor {
		return func(ev *state.Event, _ string) Value {
			fd, ok := fdOf(ev)
			if !ok {
				return None
			}
			if fd == nil {
				if null != nil {
					return null(ev)
				}
				return None
			}
			return f(fd, ev)
		}
	}
	reg("fd.num", func(ev *state.Event, _ string) Value {
		if _, ok := fdOf(ev); !ok {
			return None
		}
		return intV(ev.Thread.LastEventFD())
	})
	reg("fd.type", ff(func(fd *state.FD, _ *state.Event) Value { return strV(fdTypeName(fd.Type)) }, nil))
	reg("fd.typechar", ff(func(fd *state.FD, _ *state.Event) Value { return strV(string(Typechar(fd.Type))) }, nullTypechar))
	reg("fd.name", ff(func(fd *state.FD, ev *state.Event) Value {
		// A failed connect is named after the address it tried.
		if ev.Raw.Type == et.PPME_SOCKET_CONNECT_X {
			if r, ok := rawres(ev); ok && r < 0 {
				return creatorName(ev)
			}
		}
		return strV(sanitize(fd.Name))
	}, creatorName))
	reg("fd.directory", ff(func(fd *state.FD, _ *state.Event) Value {
		if !isFileLike(fd) {
			return None
		}
		if fd.Type == scap.FDDirectory {
			return strV(fd.Name)
		}
		return strV(dirOf(fd.Name))
	}, func(ev *state.Event) Value {
		v := creatorName(ev)
		if !v.Valid() {
			return v
		}
		return strV(dirOf(v.S))
	}))
	// fd.containername and fd.containerdirectory are fd.name and fd.directory prefixed with
	// the thread's container id and a colon (the id is empty on the host).
	inContainer := func(base string) Extractor {
		return func(ev *state.Event, arg string) Value {
			v := registry[base].Extract(ev, arg)
			if !v.Valid() {
				return v
			}
			return strV(containerPrefix(ev) + ":" + v.S)
		}
	}
	reg("fd.containername", inContainer("fd.name"))
	reg("fd.containerdirectory", inContainer("fd.directory"))
	// fd.uid is the thread id followed by the event's fd number, as text.
	reg("fd.uid", func(ev *state.Event, _ string) Value {
		if _, ok := fdOf(ev); !ok {
			return None
		}
		return strV(strconv.FormatInt(ev.Thread.Tid, 10) + strconv.FormatInt(ev.Thread.LastEventFD(), 10))
	})
	reg("fd.filename", ff(func(fd *state.FD, _ *state.Event) Value {
		if fd.Type != scap.FDFile && fd.Type != scap.FDFileV2 {
			return None
		}
		return strV(path.Base(fd.Name))
	}, nil))
	reg("fd.cip", ff(func(fd *state.FD, _ *state.Event) Value {
		if c, _, _, _, ok := ipEnds(fd); ok && fd.Role != state.RoleNone {
			return strV(state.IPString(c))
		}
		return None
	}, nil))
	reg("fd.sip", ff(func(fd *state.FD, _ *state.Event) Value {
		// The reference gives no server address while the fd has no role, server sockets
		// included (those of the capture's fd list have none until an event gives one).
		if fd.Role == state.RoleNone {
			return None
		}
		if _, s, _, _, ok := ipEnds(fd); ok {
			return strV(state.IPString(s))
		}
		if fd.Type == scap.FDIPv4ServSock {
			return strV(state.IPString(fd.SIP[:4]))
		}
		if fd.Type == scap.FDIPv6ServSock {
			return strV(state.IPString(fd.SIP[:]))
		}
		return None
	}, nil))
	reg("fd.cport", ff(func(fd *state.FD, _ *state.Event) Value {
		if _, _, c, _, ok := ipEnds(fd); ok && fd.Role != state.RoleNone {
			return uintV(uint64(c))
		}
		if fd.Role != state.RoleNone {
			return uintV(0) // server and unix sockets: the reference reads 0 here
		}
		return None
	}, nil))
	reg("fd.sport", ff(func(fd *state.FD, _ *state.Event) Value {
		if _, _, _, s, ok := ipEnds(fd); ok && fd.Role != state.RoleNone {
			return uintV(uint64(s))
		}
		if fd.Type == scap.FDIPv4ServSock || fd.Type == scap.FDIPv6ServSock {
			return uintV(uint64(fd.SPort))
		}
		return None
	}, nil))
	reg("fd.l4proto", ff(func(fd *state.FD, _ *state.Event) Value {
		if !fd.IsIP() {
			return None
		}
		return l4Name(L4(fd))
	}, nil))
	reg("fd.sockfamily", ff(func(fd *state.FD, _ *state.Event) Value {
		if fd.IsIP() {
			return strV("ip")
		}
		if fd.Type == scap.FDUnixSock {
			return strV("unix")
		}
		return None
	}, nil))
	reg("fd.is_server", ff(func(fd *state.FD, ev *state.Event) Value {
		switch fd.Type {
		case scap.FDIPv4ServSock, scap.FDIPv6ServSock:
			return boolV(true)
		case scap.FDIPv4Sock, scap.FDIPv6Sock:
			_, s, _, _, _ := ipEnds(fd)
			return boolV(ev.Engine().IsLocalAddr(ev.Thread, s, fd.V6))
		}
		return boolV(false)
	}, nil))
	local := func(wantLocal bool, port bool) Extractor {
		return ff(func(fd *state.FD, ev *state.Event) Value {
			c, s, cp, sp, ok := ipEnds(fd)
			if !ok || fd.Role == state.RoleNone {
				return None
			}
			clientLocal := ev.Engine().IsLocalAddr(ev.Thread, c, fd.V6)
			pick := clientLocal == wantLocal
			if port {
				if pick {
					return uintV(uint64(cp))
				}
				return uintV(uint64(sp))
			}
			if pick {
				return strV(state.IPString(c))
			}
			return strV(state.IPString(s))
		}, nil)
	}
	reg("fd.lip", local(true, false))
	reg("fd.rip", local(false, false))
	reg("fd.lport", local(true, true))
	reg("fd.rport", local(false, true))
	reg("fd.lproto", local(true, true))
	reg("fd.rproto", local(false, true))
	// The protocol fields are the port as text (the reference resolves no names) for IP
	// sockets with a role; a server socket's is empty text, with or without a role for
	// fd.sproto, only with one for fd.cproto.
	reg("fd.cproto", ff(func(fd *state.FD, _ *state.Event) Value {
		if fd.Role == state.RoleNone {
			return None
		}
		if _, _, c, _, ok := ipEnds(fd); ok {
			return strV(strconv.Itoa(int(c)))
		}
		return strV("")
	}, nil))
	reg("fd.sproto", ff(func(fd *state.FD, _ *state.Event) Value {
		switch fd.Type {
		case scap.FDIPv4ServSock, scap.FDIPv6ServSock:
			return strV("")
		}
		if _, _, _, s, ok := ipEnds(fd); ok && fd.Role != state.RoleNone {
			return strV(strconv.Itoa(int(s)))
		}
		return None
	}, nil))
	reg("fd.connected", ff(func(fd *state.FD, _ *state.Event) Value { return boolV(fd.Connected) }, nil))
	reg("fd.dev", ff(func(fd *state.FD, _ *state.Event) Value { return intV(int64(fd.Dev)) }, nil))
	registry["fd.dev"].PrintText = ff(func(fd *state.FD, _ *state.Event) Value {
		return strV(strings.ToUpper(strconv.FormatUint(uint64(fd.Dev), 16)))
	}, nil)
	reg("fd.ino", ff(func(fd *state.FD, _ *state.Event) Value { return intV(int64(fd.Ino)) }, nil))
}

// containerPrefix is the container id the fd fields of a thread prefix: empty on the host.
func containerPrefix(ev *state.Event) string {
	if ev.Thread == nil || ev.Thread.ContainerID == "host" {
		return ""
	}
	return ev.Thread.ContainerID
}

func dirOf(name string) string {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "/"
	}
	if i == 0 {
		return "/"
	}
	return name[:i]
}

// humanDuration renders a duration with two decimals, cut rather than rounded, as the
// reference does.
func humanDuration(ns uint64) string {
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
	if div == 1 || whole >= 10 {
		return fmt.Sprintf("%d%s", whole, unit)
	}
	return fmt.Sprintf("%d.%02d%s", whole, ns%div*100/div, unit)
}

func isShell(comm string) bool {
	switch comm {
	case "bash", "sh", "zsh", "ksh", "csh", "tcsh", "fish", "dash", "ash", "mksh":
		return true
	}
	return false
}

// EventFD tells what the event's fd fields read: ok is false when the event has no fd fields
// (all of them are NULL). When ok, the fd fields other than fd.num and fd.name_changed depend
// only on the value of *fd (nil: no fd in the table) — unless own is set: then they also read
// the event's type and the name it carries itself, name (an fd missing from the table, a
// failed connect named after the address it tried).
func EventFD(ev *state.Event) (fd *state.FD, ok, own bool, name string) {
	fd, ok = fdOf(ev)
	if !ok {
		return nil, false, false, ""
	}
	if fd == nil {
		return nil, true, true, creatorName(ev).Text()
	}
	if ev.Raw.Type == et.PPME_SOCKET_CONNECT_X {
		if r, ok := rawres(ev); ok && r < 0 {
			return fd, true, true, creatorName(ev).Text()
		}
	}
	return fd, true, false, ""
}
