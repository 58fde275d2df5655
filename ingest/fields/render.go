package fields

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// RenderOptions choose how parameter text is rendered.
type RenderOptions struct {
	// MaxBufLen cuts byte buffers to this many characters (with "..."), 0 = no cut.
	MaxBufLen int
	// Cache, when set, keeps texts made from state (an fd's "<f>/path") for the next events
	// that render the same; one cache serves one goroutine.
	Cache *RenderCache
}

// RenderCache remembers recent fd texts, by fd number.
type RenderCache struct {
	fds [64]fdTextEntry
}

type fdTextEntry struct {
	typ, l4 byte
	name    string
	text    string
}

// DefaultBufLen is the reference's default cut of data buffers in text output.
const DefaultBufLen = 80

// Args renders the argument string of an event (evt.args): "name=value(resolved) " for each
// parameter, with the reference's trailing space.
func Args(ev *state.Event, opts RenderOptions) string {
	return string(AppendArgs(nil, ev, opts))
}

// AppendArgs appends the argument string to dst.
func AppendArgs(dst []byte, ev *state.Event, opts RenderOptions) []byte {
	info := ev.Info
	if !ArgsShown(ev) {
		return dst
	}
	for i, p := range ev.Raw.Params {
		if i >= len(info.Params) {
			break
		}
		pi := &info.Params[i]
		dst = append(dst, pi.Name...)
		dst = append(dst, '=')
		dst = appendParam(dst, ev, p, pi, opts)
		dst = append(dst, ' ')
	}
	return dst
}

// ArgsShown reports whether evt.args shows the event's parameters: generic events show none.
func ArgsShown(ev *state.Event) bool { return !isGeneric(ev) }

// AppendArg appends one parameter of evt.args from the texts ParamText renders: its name,
// '=', the value text, the resolved text in parentheses where there is one, a space. It is
// what AppendArgs appends for the parameter (AppendArgs renders the common types without
// allocating).
func AppendArg(dst []byte, name, val, res string) []byte {
	dst = append(dst, name...)
	dst = append(dst, '=')
	return append(appendValRes(dst, val, res), ' ')
}

// appendValRes appends a parameter's "value" or "value(resolved)".
func appendValRes(dst []byte, val, res string) []byte {
	dst = append(dst, val...)
	if res != "" {
		dst = append(dst, '(')
		dst = append(dst, res...)
		dst = append(dst, ')')
	}
	return dst
}

// appendParam appends "value" or "value(resolved)"; the common types take a path that
// allocates nothing.
func appendParam(dst []byte, ev *state.Event, p []byte, pi *et.Param, opts RenderOptions) []byte {
	switch pi.Type {
	case et.PT_INT8, et.PT_INT16, et.PT_INT32, et.PT_INT64, et.PT_UINT8, et.PT_UINT16, et.PT_UINT32, et.PT_UINT64:
		if pi.Fmt == et.PF_DEC || pi.Fmt == et.PF_NA || pi.Fmt == et.PF_ID {
			if pi.Type == et.PT_UINT8 || pi.Type == et.PT_UINT16 {
				u, _ := scap.ParamUint(p)
				return strconv.AppendUint(dst, u, 10)
			}
			v, _ := scap.ParamInt(p)
			return strconv.AppendInt(dst, v, 10)
		}
	case et.PT_ERRNO:
		v, _ := scap.ParamInt(p)
		dst = strconv.AppendInt(dst, v, 10)
		if v < 0 {
			if n := et.ErrnoName(-v); n != "" {
				dst = append(dst, '(')
				dst = append(dst, n...)
				dst = append(dst, ')')
			}
		}
		return dst
	case et.PT_FD:
		v, _ := scap.ParamInt(p)
		dst = strconv.AppendInt(dst, v, 10)
		if ev.Thread != nil && v >= 0 {
			f := ev.Engine().FDs(ev.Thread).Get(v)
			if f == nil {
				return dst
			}
			dst = append(dst, '(', '<', Typechar(f.Type))
			if c := l4char(f); c != 0 {
				dst = append(dst, c)
			}
			dst = append(dst, '>')
			dst = appendSanitized(dst, f.Name)
			return append(dst, ')')
		}
		if ev.Thread != nil && v < 0 {
			res := "AT_FDCWD"
			if v != -100 {
				res = et.ErrnoName(-v)
			}
			if res != "" {
				dst = append(dst, '(')
				dst = append(dst, res...)
				dst = append(dst, ')')
			}
		}
		return dst
	case et.PT_CHARBUF, et.PT_FSPATH, et.PT_FSRELPATH:
		if pi.Type == et.PT_CHARBUF && len(p) > 0 {
			s := p
			if i := bytes.IndexByte(s, 0); i >= 0 {
				s = s[:i]
			}
			if string(s) != "(NULL)" {
				return append(dst, s...)
			}
		}
	case et.PT_BYTEBUF:
		return appendBuf(dst, p, opts.MaxBufLen)
	}
	val, res := renderTyped(ev, p, pi.Type, pi.Fmt, pi, opts)
	return appendValRes(dst, val, res)
}

func appendSanitized(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x20 && s[i] != 0x7f {
			dst = append(dst, s[i])
		}
	}
	return dst
}

func appendBuf(dst []byte, p []byte, max int) []byte {
	n := len(p)
	cut := false
	if max > 0 && n > max {
		n, cut = max-3, true
	}
	for _, c := range p[:n] {
		if c < 0x20 || c > 0x7e {
			c = '.'
		}
		dst = append(dst, c)
	}
	if cut {
		dst = append(dst, "..."...)
	}
	return dst
}

// ParamText renders one parameter: its value text and its resolved text ("" if none).
func ParamText(ev *state.Event, i int, p []byte, pi *et.Param, opts RenderOptions) (string, string) {
	return renderTyped(ev, p, pi.Type, pi.Fmt, pi, opts)
}

func numText(p []byte, t et.ParamType, f et.Format) string {
	u, ok := scap.ParamUint(p)
	if !ok {
		return ""
	}
	switch f {
	case et.PF_HEX:
		return strings.ToUpper(strconv.FormatUint(u, 16))
	case et.PF_OCT:
		if u == 0 {
			return "0"
		}
		return "0" + strconv.FormatUint(u, 8)
	case et.PF_10_PADDED_DEC:
		s, _ := scap.ParamInt(p)
		return padded(s)
	}
	switch t {
	case et.PT_UINT8, et.PT_UINT16:
		return strconv.FormatUint(u, 10)
	}
	s, _ := scap.ParamInt(p)
	return strconv.FormatInt(s, 10)
}

func padded(v int64) string {
	s := strconv.FormatInt(v, 10)
	for len(s) < 9 {
		s = "0" + s
	}
	return s
}

func renderTyped(ev *state.Event, p []byte, t et.ParamType, f et.Format, pi *et.Param, opts RenderOptions) (string, string) {
	eng := ev.Engine()
	switch t {
	case et.PT_INT8, et.PT_INT16, et.PT_INT32, et.PT_INT64,
		et.PT_UINT8, et.PT_UINT16, et.PT_UINT32, et.PT_UINT64:
		return numText(p, t, f), ""
	case et.PT_ERRNO:
		v, _ := scap.ParamInt(p)
		s := strconv.FormatInt(v, 10)
		if v < 0 {
			if n := et.ErrnoName(-v); n != "" {
				return s, n
			}
		}
		return s, ""
	case et.PT_FD, et.PT_FD32:
		v, _ := scap.ParamInt(p)
		return strconv.FormatInt(v, 10), fdResolved(ev, v, opts.Cache)
	case et.PT_PID, et.PT_PID32:
		v, _ := scap.ParamInt(p)
		if th := eng.Threads[v]; th != nil {
			return strconv.FormatInt(v, 10), th.Comm
		}
		return strconv.FormatInt(v, 10), ""
	case et.PT_UID, et.PT_GID:
		v, _ := scap.ParamUint(p)
		s := strconv.FormatInt(int64(int32(uint32(v))), 10)
		if t == et.PT_UID {
			if u := eng.Users[uint32(v)]; u != nil {
				return strconv.FormatUint(v, 10), u.Name
			}
			return strconv.FormatUint(v, 10), ""
		}
		if g := eng.Groups[uint32(v)]; g != nil {
			return strconv.FormatUint(v, 10), g.Name
		}
		_ = s
		return strconv.FormatUint(v, 10), ""
	case et.PT_CHARBUF, et.PT_FSPATH, et.PT_FSRELPATH:
		s := cstr(p)
		if len(p) == 0 || s == "(NULL)" {
			return "<NA>", ""
		}
		if t == et.PT_FSPATH && s != "" && s[0] != '/' && s != "<NA>" && ev.Thread != nil {
			return s, state.JoinPath(eng.CwdOf(ev.Thread), s)
		}
		if t == et.PT_FSRELPATH && s != "" && s[0] != '/' && s != "<NA>" && ev.Thread != nil {
			base := ""
			if pi != nil && pi.DirfdParam >= 0 {
				if d, ok := ev.Param(pi.DirfdParam); ok {
					dirfd, _ := scap.ParamInt(d)
					if dirfd == -100 {
						base = eng.CwdOf(ev.Thread)
					} else if fd := eng.FDs(ev.Thread).Get(dirfd); fd != nil {
						base = fd.Name + "/"
					}
				}
			}
			if base != "" {
				return s, state.JoinPath(base, s)
			}
		}
		return s, ""
	case et.PT_BYTEBUF, et.PT_CHARBUFARRAY:
		return bufText(p, opts.MaxBufLen), ""
	case et.PT_SOCKADDR:
		if len(p) == 0 {
			return "NULL", ""
		}
		sa, ok := state.ParseSockaddr(p)
		if !ok {
			if len(p) > 0 {
				return "family " + strconv.Itoa(int(p[0])), ""
			}
			return "NULL", ""
		}
		return state.SockaddrText(sa), ""
	case et.PT_SOCKTUPLE:
		if len(p) == 0 {
			return "NULL", ""
		}
		tp, ok := state.ParseTuple(p)
		if !ok {
			return "family " + strconv.Itoa(int(p[0])), ""
		}
		return state.TupleText(tp), ""
	case et.PT_FDLIST:
		return fdlistText(ev, p), ""
	case et.PT_SYSCALLID:
		v, _ := scap.ParamUint(p)
		name := et.SyscallName(uint16(v))
		if v == 0 {
			name = "<unknown>"
		}
		return strconv.FormatUint(v, 10), name
	case et.PT_SIGTYPE:
		v, _ := scap.ParamUint(p)
		return strconv.FormatUint(v, 10), et.SignalName(uint32(v))
	case et.PT_SIGSET:
		v, _ := scap.ParamUint(p)
		var names []string
		for b := 0; b < 32; b++ {
			if v&(1<<b) != 0 {
				if n := et.SignalName(uint32(b + 1)); n != "" {
					names = append(names, n)
				}
			}
		}
		return strconv.FormatUint(v, 10), strings.Join(names, " ")
	case et.PT_RELTIME:
		v, _ := scap.ParamUint(p)
		if v == math.MaxUint64 {
			return "none", ""
		}
		return strconv.FormatUint(v, 10), strconv.FormatFloat(float64(v)/1e9, 'g', 6, 64) + "s"
	case et.PT_ABSTIME:
		v, _ := scap.ParamUint(p)
		return time.Unix(0, int64(v)).Format("2006-01-02 15:04:05.000000000 -0700"), ""
	case et.PT_FLAGS8, et.PT_FLAGS16, et.PT_FLAGS32, et.PT_ENUMFLAGS8, et.PT_ENUMFLAGS16, et.PT_ENUMFLAGS32:
		v, _ := scap.ParamUint(p)
		return strconv.FormatUint(v, 10), flagNames(uint32(v), pi)
	case et.PT_MODE:
		v, _ := scap.ParamUint(p)
		return numText(p, et.PT_UINT32, f), flagNames(uint32(v), pi)
	case et.PT_DYN:
		if len(p) < 1 || pi == nil || int(p[0]) >= len(pi.Dyn) {
			return bufText(p, opts.MaxBufLen), ""
		}
		d := pi.Dyn[p[0]]
		return renderTyped(ev, p[1:], d.Type, d.Fmt, nil, opts)
	case et.PT_L4PROTO, et.PT_SOCKFAMILY, et.PT_PORT, et.PT_BOOL:
		v, _ := scap.ParamUint(p)
		return strconv.FormatUint(v, 10), ""
	case et.PT_IPV4ADDR:
		if len(p) == 4 {
			return state.IPString(p), ""
		}
	case et.PT_IPV6ADDR:
		if len(p) == 16 {
			return state.IPString(p), ""
		}
	case et.PT_DOUBLE:
		if len(p) == 8 {
			return strconv.FormatFloat(math.Float64frombits(binary.LittleEndian.Uint64(p)), 'g', -1, 64), ""
		}
	}
	return bufText(p, opts.MaxBufLen), ""
}

// flagNames walks a flag table in order as the reference does: an entry matches when all
// its bits are still set (0 only matches 0), its bits are then removed, and the walk stops
// at an entry equal to the whole value, which is named too.
func flagNames(v uint32, pi *et.Param) string {
	if pi == nil || len(pi.Flags) == 0 {
		return ""
	}
	var sb strings.Builder
	sep := ""
	rem := v
	for _, fl := range pi.Flags {
		if fl.Value == v {
			sb.WriteString(sep)
			sb.WriteString(fl.Name)
			break
		}
		if (fl.Value == 0 && v == 0) || (fl.Value != 0 && rem&fl.Value == fl.Value && rem != 0) {
			sb.WriteString(sep)
			sb.WriteString(fl.Name)
			sep = "|"
			rem &^= fl.Value
		}
	}
	return sb.String()
}

func bufText(p []byte, max int) string {
	n := len(p)
	if max > 0 && n > max {
		n = max
	}
	b := appendBuf(make([]byte, 0, n), p, max) // n is the text's length: one allocation
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// fdTypes names each fd type (fd.type) and gives its letter (fd.typechar); types not listed
// are "<NA>" and 'o'.
var fdTypes = map[uint8]struct {
	name string
	char byte
}{
	scap.FDFile: {"file", 'f'}, scap.FDFileV2: {"file", 'f'}, scap.FDDirectory: {"directory", 'd'},
	scap.FDIPv4Sock: {"ipv4", '4'}, scap.FDIPv4ServSock: {"ipv4", '4'},
	scap.FDIPv6Sock: {"ipv6", '6'}, scap.FDIPv6ServSock: {"ipv6", '6'},
	scap.FDFifo: {"pipe", 'p'}, scap.FDUnixSock: {"unix", 'u'}, scap.FDEvent: {"event", 'e'},
	scap.FDUnsupported: {"<NA>", 'X'}, scap.FDSignalfd: {"signalfd", 's'}, scap.FDEventpoll: {"eventpoll", 'l'},
	scap.FDInotify: {"inotify", 'i'}, scap.FDTimerfd: {"timerfd", 't'}, scap.FDNetlink: {"netlink", 'n'},
	scap.FDBPF: {"bpf", 'b'}, scap.FDUserfaultfd: {"userfaultfd", 'u'}, scap.FDIOUring: {"io_uring", 'r'},
	scap.FDMemfd: {"memfd", 'm'}, scap.FDPidfd: {"pidfd", 'P'},
}

// Typechar is fd.typechar for an fd type.
func Typechar(t uint8) byte {
	if ft, ok := fdTypes[t]; ok {
		return ft.char
	}
	return 'o'
}

// L4 returns the l4 protocol the reference reports for an fd: a non-server socket whose
// role is still unknown reads "n/a", raw sockets always read raw.
func L4(f *state.FD) uint8 {
	switch f.Type {
	case scap.FDIPv4Sock, scap.FDIPv6Sock:
		if f.L4 == state.L4Raw {
			return state.L4Raw
		}
		if f.Role == state.RoleNone {
			return state.L4NA
		}
		return f.L4
	case scap.FDIPv4ServSock, scap.FDIPv6ServSock:
		return f.L4
	}
	return state.L4NA
}

func l4char(f *state.FD) byte {
	if !f.IsIP() {
		return 0
	}
	switch L4(f) {
	case state.L4TCP:
		return 't'
	case state.L4UDP:
		return 'u'
	case state.L4ICMP:
		return 'i'
	case state.L4Raw:
		return 'r'
	}
	return 0
}

func fdResolved(ev *state.Event, v int64, cache *RenderCache) string {
	if ev.Thread == nil {
		return ""
	}
	if v >= 0 {
		f := ev.Engine().FDs(ev.Thread).Get(v)
		if f == nil {
			return ""
		}
		typ, l4 := Typechar(f.Type), l4char(f)
		var e *fdTextEntry
		if cache != nil {
			// The text depends on the type's letter, the protocol's letter and the name only.
			e = &cache.fds[v&63]
			if e.text != "" && e.typ == typ && e.l4 == l4 && e.name == f.Name {
				return e.text
			}
		}
		b := []byte{'<', typ}
		if l4 != 0 {
			b = append(b, l4)
		}
		b = append(b, '>')
		text := string(b) + sanitize(f.Name)
		if e != nil {
			*e = fdTextEntry{typ: typ, l4: l4, name: f.Name, text: text}
		}
		return text
	}
	if v == -100 {
		return "AT_FDCWD"
	}
	return et.ErrnoName(-v)
}

// sanitize drops non-printable characters from names, as the reference does.
func sanitize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			b := make([]byte, 0, len(s))
			for j := 0; j < len(s); j++ {
				if s[j] >= 0x20 && s[j] != 0x7f {
					b = append(b, s[j])
				}
			}
			return string(b)
		}
	}
	return s
}

func fdlistText(ev *state.Event, p []byte) string {
	if len(p) < 2 {
		return ""
	}
	n := int(binary.LittleEndian.Uint16(p))
	var sb strings.Builder
	for i := 0; i < n && 2+10*i+10 <= len(p); i++ {
		off := 2 + 10*i
		fd := int64(binary.LittleEndian.Uint64(p[off:]))
		events := binary.LittleEndian.Uint16(p[off+8:])
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.FormatInt(fd, 10))
		sb.WriteByte(':')
		tc := byte('?')
		if ev.Thread != nil {
			if f := ev.Engine().FDs(ev.Thread).Get(fd); f != nil {
				tc = Typechar(f.Type)
			}
		}
		sb.WriteByte(tc)
		sb.WriteString(strconv.FormatUint(uint64(events), 16))
	}
	return sb.String()
}

// BufferText renders a data buffer as print shows evt.buffer: bytes that are not printable
// as '.'.
func BufferText(p []byte) string { return strings.Clone(bufText(p, 0)) }
