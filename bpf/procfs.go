//go:build linux && amd64

package bpf

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// snapshot is the state of the machine when the capture starts, written as
// the capture's metadata blocks so that processes and files that existed
// before the first event are known to readers.
type snapshot struct {
	machine sw.MachineInfo
	ifaces  []sw.Interface
	users   []sw.User
	groups  []sw.Group
	procs   []sw.Process
	fds     map[int64][]sw.FDEntry // by main thread id
}

// takeSnapshot reads /proc (procRoot) and /etc. Processes that vanish while
// it reads are skipped; what cannot be read stays empty, as libscap does.
func takeSnapshot(procRoot string, bootEpochNS uint64) (*snapshot, error) {
	s := &snapshot{fds: map[int64][]sw.FDEntry{}}
	host, _ := os.Hostname()
	s.machine = sw.MachineInfo{
		NumCPUs:     uint32(numCPUs()),
		MemoryBytes: memTotal(procRoot),
		MaxPID:      uint64(readInt(filepath.Join(procRoot, "sys/kernel/pid_max"))),
		Hostname:    host,
		BootTS:      bootEpochNS,
	}
	s.ifaces = interfaces()
	s.users, s.groups = usersAndGroups("/etc/passwd", "/etc/group")
	socks := readSockets(procRoot)
	dirs, err := os.ReadDir(procRoot)
	if err != nil {
		return nil, fmt.Errorf("bpf: read %s: %w", procRoot, err)
	}
	for _, d := range dirs {
		pid, err := strconv.ParseInt(d.Name(), 10, 64)
		if err != nil {
			continue
		}
		pdir := filepath.Join(procRoot, d.Name())
		main, ok := readThread(pdir, pid, pid)
		if !ok {
			continue
		}
		tasks, _ := os.ReadDir(filepath.Join(pdir, "task"))
		for _, t := range tasks {
			tid, err := strconv.ParseInt(t.Name(), 10, 64)
			if err != nil {
				continue
			}
			if tid == pid {
				s.procs = append(s.procs, main)
				continue
			}
			th, ok := readThread(filepath.Join(pdir, "task", t.Name()), tid, pid)
			if !ok {
				continue
			}
			// libsinsp keeps args, env and cwd on the main thread; the
			// rest is per thread. The clone flags are what lets a thread
			// share its process's fd table (libscap sets the same).
			th.Args, th.Env, th.Cwd, th.Exe, th.ExePath = main.Args, main.Env, main.Cwd, main.Exe, main.ExePath
			th.Flags = ppmCloneThread | ppmCloneFiles
			s.procs = append(s.procs, th)
		}
		s.fds[pid] = readFDs(pdir, socks)
	}
	return s, nil
}

// write emits the snapshot in the order libscap writes it.
func (s *snapshot) write(w *sw.Writer) error {
	w.WriteMachineInfo(s.machine)
	w.WriteInterfaceList(s.ifaces)
	w.WriteUserList(s.users, s.groups)
	w.WriteProcessList(s.procs)
	for _, p := range s.procs {
		if p.Tid == p.Pid {
			w.WriteFDList(p.Tid, s.fds[p.Tid])
		}
	}
	return w.Err()
}

func readThread(dir string, tid, pid int64) (sw.Process, bool) {
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return sw.Process{}, false
	}
	p := sw.Process{Tid: tid, Pid: pid, Vtid: tid, Vpid: pid, Sid: -1, Vpgid: -1, Pgid: -1,
		Tail: sw.TailPre010, LoginUID: 0xffffffff}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "Name":
			p.Comm = strings.TrimSpace(v)
		case "PPid":
			p.Ptid, _ = strconv.ParseInt(f[0], 10, 64)
		case "Uid":
			u, _ := strconv.ParseUint(f[1], 10, 32) // effective, as the driver reports
			p.UID = uint32(u)
		case "Gid":
			g, _ := strconv.ParseUint(f[1], 10, 32)
			p.GID = uint32(g)
		case "VmSize":
			p.VMSizeKB = uint32(atoi(f[0]))
		case "VmRSS":
			p.VMRSSKB = uint32(atoi(f[0]))
		case "VmSwap":
			p.VMSwapKB = uint32(atoi(f[0]))
		case "NSpid":
			p.Vtid = atoi(f[len(f)-1])
		case "NStgid":
			p.Vpid = atoi(f[len(f)-1])
		case "CapInh":
			p.CapInheritable, _ = strconv.ParseUint(f[0], 16, 64)
		case "CapPrm":
			p.CapPermitted, _ = strconv.ParseUint(f[0], 16, 64)
		case "CapEff":
			p.CapEffective, _ = strconv.ParseUint(f[0], 16, 64)
		}
	}
	if stat, err := os.ReadFile(filepath.Join(dir, "stat")); err == nil {
		// Fields after the command name, which may hold spaces and parens.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 {
			f := strings.Fields(string(stat[i+1:]))
			if len(f) > 10 {
				p.Pgid = atoi(f[2])
				p.Vpgid = p.Pgid
				p.Sid = atoi(f[3])
				p.PFMinor = uint64(atoi(f[7]))
				p.PFMajor = uint64(atoi(f[9]))
			}
		}
	}
	if cmd, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && len(cmd) > 0 {
		parts := strings.Split(strings.TrimRight(string(cmd), "\x00"), "\x00")
		p.Exe, p.Args = parts[0], capList(parts[1:])
	} else {
		p.Exe = p.Comm // kernel threads
	}
	if env, err := os.ReadFile(filepath.Join(dir, "environ")); err == nil && len(env) > 0 {
		p.Env = capList(strings.Split(strings.TrimRight(string(env), "\x00"), "\x00"))
	}
	p.ExePath, _ = os.Readlink(filepath.Join(dir, "exe"))
	p.Cwd, _ = os.Readlink(filepath.Join(dir, "cwd"))
	if p.Cwd != "" && !strings.HasSuffix(p.Cwd, "/") {
		p.Cwd += "/"
	}
	p.Root, _ = os.Readlink(filepath.Join(dir, "root"))
	p.FDLimit = fdLimit(filepath.Join(dir, "limits"))
	if lu := readInt(filepath.Join(dir, "loginuid")); lu >= 0 {
		p.LoginUID = uint32(lu)
	}
	if cg, err := os.ReadFile(filepath.Join(dir, "cgroup")); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
			// "0::/path" (cgroup v2) or "N:subsys:/path"
			f := strings.SplitN(line, ":", 3)
			if len(f) == 3 {
				sub := f[1]
				if sub == "" {
					sub = "cpuset"
				}
				p.Cgroups = append(p.Cgroups, sub+"="+f[2])
			}
		}
	}
	return p, true
}

// PPM_CL_* flags of threads read from /proc.
const (
	ppmCloneFiles  = 1 << 0
	ppmCloneThread = 1 << 13
)

// maxListBytes is libscap's limit for args and env in the process list
// (SCAP_MAX_ARGS_SIZE); sysdig rejects a longer list.
const maxListBytes = 4096

// capList keeps the leading strings that fit, NULs included, as the
// driver cuts a process's argument area.
func capList(ss []string) []string {
	n := 0
	for i, s := range ss {
		n += len(s) + 1
		if n > maxListBytes-1 {
			return ss[:i]
		}
	}
	return ss
}

func fdLimit(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			f := strings.Fields(line[len("Max open files"):])
			if len(f) > 0 {
				return atoi(f[0])
			}
		}
	}
	return 0
}

// sockEntry is one socket of /proc/net, by inode.
type sockEntry struct {
	typ        sw.FDType
	src, dst   netip.AddrPort
	l4         uint8
	unixPath   string
	unixSource uint64
}

func readSockets(procRoot string) map[uint64]sockEntry {
	m := map[uint64]sockEntry{}
	for _, t := range []struct {
		file string
		l4   uint8
	}{{"tcp", sw.L4TCP}, {"tcp6", sw.L4TCP}, {"udp", sw.L4UDP}, {"udp6", sw.L4UDP}, {"raw", sw.L4Raw}, {"raw6", sw.L4Raw}} {
		f, err := os.Open(filepath.Join(procRoot, "net", t.file))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) < 10 {
				continue
			}
			src, ok1 := parseProcAddr(fl[1])
			dst, ok2 := parseProcAddr(fl[2])
			ino, err := strconv.ParseUint(fl[9], 10, 64)
			if !ok1 || !ok2 || err != nil || ino == 0 {
				continue
			}
			v6 := src.Addr().Is6()
			e := sockEntry{src: src, dst: dst, l4: t.l4}
			listening := t.l4 == sw.L4TCP && fl[3] == "0A" || t.l4 != sw.L4TCP && !dst.Addr().IsValid()
			if t.l4 == sw.L4UDP && dst.Port() == 0 || listening {
				e.typ = sw.FDIPv4ServSock
				if v6 {
					e.typ = sw.FDIPv6ServSock
				}
			} else {
				e.typ = sw.FDIPv4Sock
				if v6 {
					e.typ = sw.FDIPv6Sock
				}
			}
			m[ino] = e
		}
		f.Close()
	}
	if f, err := os.Open(filepath.Join(procRoot, "net", "unix")); err == nil {
		sc := bufio.NewScanner(f)
		sc.Scan()
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			if len(fl) < 7 {
				continue
			}
			ino, err := strconv.ParseUint(fl[6], 10, 64)
			if err != nil {
				continue
			}
			addr, _ := strconv.ParseUint(strings.TrimSuffix(fl[0], ":"), 16, 64)
			e := sockEntry{typ: sw.FDUnixSock, unixSource: addr}
			if len(fl) > 7 {
				e.unixPath = fl[7]
			}
			m[ino] = e
		}
		f.Close()
	}
	return m
}

// parseProcAddr decodes /proc/net's "0100007F:0016" (IPv4 as a host-order
// word) or 32 hex digits of four host-order words (IPv6).
func parseProcAddr(s string) (netip.AddrPort, bool) {
	h, p, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(p, 16, 16)
	raw, err2 := hex.DecodeString(h)
	if err != nil || err2 != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, false
	}
	for i := 0; i < len(raw); i += 4 {
		raw[i], raw[i+1], raw[i+2], raw[i+3] = raw[i+3], raw[i+2], raw[i+1], raw[i]
	}
	a, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), true
}

func readFDs(pdir string, socks map[uint64]sockEntry) []sw.FDEntry {
	ents, err := os.ReadDir(filepath.Join(pdir, "fd"))
	if err != nil {
		return nil
	}
	var out []sw.FDEntry
	for _, e := range ents {
		num, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil {
			continue
		}
		link, err := os.Readlink(filepath.Join(pdir, "fd", e.Name()))
		if err != nil {
			continue
		}
		fd := sw.FDEntry{Num: num, Name: link, Type: sw.FDUnsupported}
		var info os.FileInfo
		switch {
		case strings.HasPrefix(link, "socket:["):
			ino, _ := strconv.ParseUint(strings.TrimSuffix(link[len("socket:["):], "]"), 10, 64)
			fd.Ino = ino
			s, ok := socks[ino]
			if !ok {
				continue // netlink and other families libscap also leaves out
			}
			fd.Type, fd.Src, fd.Dst, fd.L4Proto = s.typ, s.src, s.dst, s.l4
			fd.Name, fd.Source = s.unixPath, s.unixSource
		case strings.HasPrefix(link, "pipe:["):
			fd.Type = sw.FDFifo
			fd.Ino, _ = strconv.ParseUint(strings.TrimSuffix(link[len("pipe:["):], "]"), 10, 64)
		case strings.HasPrefix(link, "anon_inode:"):
			fd.Type = anonType(link)
		case strings.HasPrefix(link, "/"):
			if info, err = os.Stat(filepath.Join(pdir, "fd", e.Name())); err == nil && info.IsDir() {
				fd.Type = sw.FDDirectory
			} else {
				fd.Type = sw.FDFileV2
				fd.OpenFlags = fdinfoFlags(filepath.Join(pdir, "fdinfo", e.Name()))
			}
		}
		out = append(out, fd)
	}
	return out
}

func anonType(link string) sw.FDType {
	switch {
	case strings.Contains(link, "eventfd"):
		return sw.FDEvent
	case strings.Contains(link, "eventpoll"):
		return sw.FDEventpoll
	case strings.Contains(link, "inotify"):
		return sw.FDInotify
	case strings.Contains(link, "signalfd"):
		return sw.FDSignalfd
	case strings.Contains(link, "timerfd"):
		return sw.FDTimerfd
	}
	// bpf, pidfd, memfd and io_uring fds have types newer than sysdig
	// 0.29.3's table, which rejects the whole file for them.
	return sw.FDUnsupported
}

func fdinfoFlags(path string) uint32 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			f, _ := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return openFlags(f)
		}
	}
	return 0
}

func interfaces() []sw.Interface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var out []sw.Interface
	for _, it := range ifs {
		addrs, _ := it.Addrs()
		for _, a := range addrs {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := pfx.Addr()
			mask := netip.PrefixFrom(ip, pfx.Bits()).Masked().Addr()
			bits := ip.BitLen()
			m := make([]byte, bits/8)
			for i := 0; i < pfx.Bits(); i++ {
				m[i/8] |= 0x80 >> (i % 8)
			}
			nm, _ := netip.AddrFromSlice(m)
			b := mask.AsSlice()
			for i := range b {
				b[i] |= ^m[i]
			}
			bc, _ := netip.AddrFromSlice(b)
			if !ip.Is4() {
				bc = netip.IPv6Unspecified()
			}
			out = append(out, sw.Interface{Name: it.Name, Addr: ip, Netmask: nm, Bcast: bc})
		}
	}
	return out
}

func usersAndGroups(passwd, group string) ([]sw.User, []sw.Group) {
	var users []sw.User
	var groups []sw.Group
	if b, err := os.ReadFile(passwd); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Split(line, ":")
			if len(f) < 7 {
				continue
			}
			users = append(users, sw.User{UID: uint32(atoi(f[2])), GID: uint32(atoi(f[3])), Name: f[0], HomeDir: f[5], Shell: f[6]})
		}
	}
	if b, err := os.ReadFile(group); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Split(line, ":")
			if len(f) < 3 {
				continue
			}
			groups = append(groups, sw.Group{GID: uint32(atoi(f[2])), Name: f[0]})
		}
	}
	return users, groups
}

func memTotal(procRoot string) uint64 {
	b, err := os.ReadFile(filepath.Join(procRoot, "meminfo"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				return uint64(atoi(f[0])) * 1024
			}
		}
	}
	return 0
}

func readInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return v
}

func atoi(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}
