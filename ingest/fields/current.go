package fields

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"time"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// The fields of this file are those of current libsinsp that the official Falco rules read and
// the reference (sysdig 0.29.3) does not have: Kubernetes metadata from container labels,
// capability sets, the parent's and ancestors' proc.exe, overlay and memfd executables, fd.nameraw
// and the mounts of containers. fd.*ip.name need DNS answers no capture holds: they are always
// absent, as in libsinsp without them.

// capNames are the capability names by bit, as libsinsp prints capability sets.
var capNames = [...]string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE"}

// CapsText renders a capability set as libsinsp does: the names of its bits, lowest first,
// separated by spaces (bits past the known capabilities are left out).
func CapsText(caps uint64) string {
	var b strings.Builder
	for i, n := range capNames {
		if caps&(1<<uint(i)) != 0 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(n)
		}
	}
	return b.String()
}

// MountsText is container.mounts: source:dest:mode:rw:propagation for each mount, separated by
// commas.
func MountsText(ms []state.Mount) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Source + ":" + m.Dest + ":" + m.Mode + ":" + strconv.FormatBool(m.RW) + ":" + m.Propagation
	}
	return strings.Join(parts, ",")
}

// mountBy finds a container's mount by index (a number) or by source, a glob pattern.
func mountBy(ms []state.Mount, arg string) (state.Mount, bool) {
	if n, err := strconv.Atoi(arg); err == nil {
		if n >= 0 && n < len(ms) {
			return ms[n], true
		}
		return state.Mount{}, false
	}
	re, err := regexp.Compile("^(?s:" + globToRegexp(arg) + ")$")
	if err != nil {
		return state.Mount{}, false
	}
	for _, m := range ms {
		if re.MatchString(m.Source) {
			return m, true
		}
	}
	return state.Mount{}, false
}

// globToRegexp translates an fnmatch(3) pattern with no flags ('*' also matches '/',
// backslash escapes, [...] classes with ! or ^ negation) into a regular expression.
func globToRegexp(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '\\':
			if i+1 < len(p) {
				i++
			}
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case '[':
			j := i + 1
			if j < len(p) && (p[j] == '!' || p[j] == '^') {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				j++
			}
			if j >= len(p) {
				b.WriteString(`\[`)
				continue
			}
			class := p[i+1 : j]
			neg := ""
			if class != "" && (class[0] == '!' || class[0] == '^') {
				neg, class = "^", class[1:]
			}
			b.WriteString("[" + neg + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i = j
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	return b.String()
}

// k8sLabels are the container labels the k8s fields read.
var k8sLabels = map[string]string{
	"k8s.pod.name": "io.kubernetes.pod.name",
	"k8s.ns.name":  "io.kubernetes.pod.namespace",
	"k8s.pod.id":   "io.kubernetes.pod.uid",
	"k8s.pod.uid":  "io.kubernetes.pod.uid",
}

func init() {
	// The thread's container, nil on the host or when no container event described it.
	containerOf := func(ev *state.Event) *state.Container {
		t := ev.Thread
		if t == nil || t.ContainerID == "" || t.ContainerID == "host" {
			return nil
		}
		return ev.Engine().Containers[t.ContainerID]
	}
	for field, label := range k8sLabels {
		reg(field, func(ev *state.Event, _ string) Value {
			c := containerOf(ev)
			if c == nil {
				return None
			}
			if v, ok := c.Labels[label]; ok {
				return strV(v)
			}
			return None
		})
	}
	reg("container.mounts", func(ev *state.Event, _ string) Value {
		c := containerOf(ev)
		if c == nil {
			return None
		}
		return strV(MountsText(c.Mounts))
	})
	mount := func(pick func(m state.Mount) string) Extractor {
		return func(ev *state.Event, arg string) Value {
			c := containerOf(ev)
			if c == nil || arg == "" {
				return None
			}
			m, ok := mountBy(c.Mounts, arg)
			if !ok {
				return None
			}
			return strV(pick(m))
		}
	}
	regArg("container.mount", mount(func(m state.Mount) string { return MountsText([]state.Mount{m}) }))
	regArg("container.mount.dest", mount(func(m state.Mount) string { return m.Dest }))
	regArg("container.mount.source", mount(func(m state.Mount) string { return m.Source }))
	regArg("container.mount.mode", mount(func(m state.Mount) string { return m.Mode }))
	regArg("container.mount.rdwr", mount(func(m state.Mount) string { return strconv.FormatBool(m.RW) }))
	regArg("container.mount.propagation", mount(func(m state.Mount) string { return m.Propagation }))

	caps := func(pick func(t *state.Thread) uint64) Extractor {
		return func(ev *state.Event, _ string) Value {
			if ev.Thread == nil {
				return None
			}
			return strV(CapsText(pick(ev.Thread)))
		}
	}
	reg("thread.cap_permitted", caps(func(t *state.Thread) uint64 { return t.CapPermitted }))
	reg("thread.cap_effective", caps(func(t *state.Thread) uint64 { return t.CapEffective }))
	reg("thread.cap_inheritable", caps(func(t *state.Thread) uint64 { return t.CapInheritable }))

	flag := func(pick func(t *state.Thread) bool) Extractor {
		return func(ev *state.Event, _ string) Value {
			if ev.Thread == nil {
				return None
			}
			return boolV(pick(ev.Thread))
		}
	}
	reg("proc.is_exe_upper_layer", flag(func(t *state.Thread) bool { return t.ExeUpperLayer }))
	reg("proc.is_exe_from_memfd", flag(func(t *state.Thread) bool { return t.ExeFromMemfd }))
	reg("proc.is_vpgid_leader", flag(func(t *state.Thread) bool { return t.Vpgid == t.Vpid }))
	reg("proc.is_sid_leader", flag(func(t *state.Thread) bool { return t.Sid == t.Vpid }))

	// proc.pexe and proc.aexe[N] are proc.exe of the parent and of the N-th ancestor
	// (proc.aexe[0] is the process's own). Without an index proc.aexe extracts the process's
	// own, as libsinsp does; a filter on it matches any ancestor (translate/check).
	reg("proc.pexe", ofParent(func(p *state.Thread) Value { return strV(p.Exe) }))
	aexe := ofAncestor(func(a *state.Thread) Value { return strV(a.Exe) })
	regArg("proc.aexe", func(ev *state.Event, arg string) Value { return aexe(ev, cmp.Or(arg, "0")) })

	// fd.nameraw is the fd's name as the event gave it, before the path was resolved.
	reg("fd.nameraw", func(ev *state.Event, _ string) Value {
		fd, ok := fdOf(ev)
		if !ok {
			return None
		}
		if fd == nil {
			return creatorName(ev)
		}
		return strV(fd.NameRaw)
	})

	reg("fd.name_changed", func(ev *state.Event, _ string) Value {
		if fd, ok := fdOf(ev); !ok || fd == nil {
			return None
		}
		return boolV(ev.FDNameChanged)
	})
	image := func(pick func(c *state.Container) string) Extractor {
		return func(ev *state.Event, _ string) Value {
			// An image detail the metadata does not give is absent, not empty.
			if c := containerOf(ev); c != nil && pick(c) != "" {
				return strV(pick(c))
			}
			return None
		}
	}
	reg("container.image.repository", image(func(c *state.Container) string { return c.ImageRepo }))
	reg("container.image.tag", image(func(c *state.Container) string { return c.ImageTag }))
	reg("container.image.digest", image(func(c *state.Container) string { return c.ImageDigest }))
	reg("container.image.id", image(func(c *state.Container) string { return c.ImageID }))

	// evt.wait_latency is the latency of the exit of an event that makes the thread wait.
	reg("evt.wait_latency", func(ev *state.Event, _ string) Value {
		if ev.Info.Enter || ev.Info.Flags&et.EF_WAITS == 0 || ev.Thread == nil {
			return None
		}
		return uintV(ev.Thread.Latency())
	})
	// evt.time.iso8601 is the timestamp in UTC with nanoseconds and the zone offset.
	reg("evt.time.iso8601", func(ev *state.Event, _ string) Value {
		t := time.Unix(0, int64(ev.Raw.TS)).UTC()
		return strV(t.Format("2006-01-02T15:04:05.") + string(AppendNanos(nil, ev.Raw.TS)) + "+0000")
	})

	// fdlist.* read the fds argument of poll and ppoll: each fd's number, name (<NA> for an
	// fd the table lacks) and, for sockets, addresses and ports (fds without one are left out;
	// no value at all is absent).
	fdlist := func(pick func(fd *state.FD, num int64) (string, bool)) Extractor {
		return func(ev *state.Event, _ string) Value {
			if ev.Thread == nil || !strings.Contains(ev.Info.Name, "poll") || ev.Info.Name == "epoll_wait" {
				return None
			}
			p, ok := ev.Param(ev.Info.ParamIndex("fds"))
			if !ok || len(p) < 2 {
				return None
			}
			n := int(p[0]) | int(p[1])<<8
			tbl := ev.Engine().FDs(ev.Thread)
			var parts []string
			for i := 0; i < n && 2+i*10+10 <= len(p); i++ {
				b := p[2+i*10:]
				num := int64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
					uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
				if v, ok := pick(tbl.Get(num), num); ok {
					parts = append(parts, v)
				}
			}
			if len(parts) == 0 {
				return None
			}
			return strV(strings.Join(parts, ","))
		}
	}
	w := func(fd *state.FD) int {
		if fd.V6 {
			return 16
		}
		return 4
	}
	isSock := func(fd *state.FD) bool {
		return fd != nil && (fd.Type == scap.FDIPv4Sock || fd.Type == scap.FDIPv6Sock)
	}
	reg("fdlist.nums", fdlist(func(_ *state.FD, num int64) (string, bool) { return strconv.FormatInt(num, 10), true }))
	reg("fdlist.names", fdlist(func(fd *state.FD, _ int64) (string, bool) {
		if fd == nil {
			return "<NA>", true
		}
		return fd.Name, true
	}))
	reg("fdlist.cips", fdlist(func(fd *state.FD, _ int64) (string, bool) {
		if !isSock(fd) {
			return "", false
		}
		return state.IPString(fd.SIP[:w(fd)]), true
	}))
	reg("fdlist.sips", fdlist(func(fd *state.FD, _ int64) (string, bool) {
		switch {
		case isSock(fd):
			return state.IPString(fd.DIP[:w(fd)]), true
		case fd != nil && (fd.Type == scap.FDIPv4ServSock || fd.Type == scap.FDIPv6ServSock):
			return state.IPString(fd.SIP[:w(fd)]), true
		}
		return "", false
	}))
	reg("fdlist.cports", fdlist(func(fd *state.FD, _ int64) (string, bool) {
		if !isSock(fd) {
			return "", false
		}
		return strconv.Itoa(int(fd.SPort)), true
	}))
	reg("fdlist.sports", fdlist(func(fd *state.FD, _ int64) (string, bool) {
		if !isSock(fd) {
			return "", false
		}
		return strconv.Itoa(int(fd.DPort)), true
	}))

	// fd.pair_* are the ends fd.ip, fd.net and fd.port compare, whatever the socket's role:
	// a socket's source and destination, a server socket's address and port (as server).
	pair := func(f func(fd *state.FD) Value) Extractor {
		return func(ev *state.Event, _ string) Value {
			fd, ok := fdOf(ev)
			if !ok || fd == nil {
				return None
			}
			return f(fd)
		}
	}
	servsock := func(fd *state.FD) bool { return fd.Type == scap.FDIPv4ServSock || fd.Type == scap.FDIPv6ServSock }
	reg("fd.pair_cip", pair(func(fd *state.FD) Value {
		if !isSock(fd) {
			return None
		}
		return strV(state.IPString(fd.SIP[:w(fd)]))
	}))
	reg("fd.pair_sip", pair(func(fd *state.FD) Value {
		switch {
		case isSock(fd):
			return strV(state.IPString(fd.DIP[:w(fd)]))
		case servsock(fd):
			return strV(state.IPString(fd.SIP[:w(fd)]))
		}
		return None
	}))
	reg("fd.pair_cport", pair(func(fd *state.FD) Value {
		if !isSock(fd) {
			return None
		}
		return uintV(uint64(fd.SPort))
	}))
	reg("fd.pair_sport", pair(func(fd *state.FD) Value {
		switch {
		case isSock(fd):
			return uintV(uint64(fd.DPort))
		case servsock(fd):
			return uintV(uint64(fd.SPort))
		}
		return None
	}))

	none := func(*state.Event, string) Value { return None }
	for _, f := range []string{"fd.cip.name", "fd.sip.name", "fd.lip.name", "fd.rip.name"} {
		reg(f, none)
	}
}
