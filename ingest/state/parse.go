package state

import (
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
)

// parse applies an event's effect on the state, after reset.
func (e *Engine) parse(ev *Event) {
	raw, info := ev.Raw, ev.Info
	t := ev.Thread
	if info.Enter && t != nil && info.Flags&eventtable.EF_SKIPPARSERESET == 0 && raw.Type != eventtable.PPME_SCHEDSWITCH_6_E {
		t.enter.store(raw)
	}
	switch raw.Type {
	case eventtable.PPME_SOCKET_SENDTO_E: // sendto enter: a socket we never saw created is guessed to be UDP
		if ev.FD == nil && t != nil {
			e.inferSendtoFD(ev)
		}
	case eventtable.PPME_SYSCALL_OPEN_X, eventtable.PPME_SYSCALL_CREAT_X, eventtable.PPME_SYSCALL_OPENAT_2_X, eventtable.PPME_SYSCALL_OPENAT_X: // open, creat, openat_2, openat exits
		e.parseOpenExit(ev)
	case eventtable.PPME_SYSCALL_CLONE_11_X, eventtable.PPME_SYSCALL_CLONE_16_X, eventtable.PPME_SYSCALL_CLONE_17_X, eventtable.PPME_SYSCALL_CLONE_20_X, eventtable.PPME_SYSCALL_FORK_X, eventtable.PPME_SYSCALL_FORK_17_X, eventtable.PPME_SYSCALL_FORK_20_X, eventtable.PPME_SYSCALL_VFORK_X, eventtable.PPME_SYSCALL_VFORK_17_X, eventtable.PPME_SYSCALL_VFORK_20_X, eventtable.PPME_SYSCALL_CLONE3_X: // clone, fork, vfork, clone3 exits
		e.parseCloneExit(ev)
	case eventtable.PPME_SYSCALL_EXECVE_8_X, eventtable.PPME_SYSCALL_EXECVE_13_X, eventtable.PPME_SYSCALL_EXECVE_14_X, eventtable.PPME_SYSCALL_EXECVE_15_X, eventtable.PPME_SYSCALL_EXECVE_16_X, eventtable.PPME_SYSCALL_EXECVE_17_X, eventtable.PPME_SYSCALL_EXECVE_18_X, eventtable.PPME_SYSCALL_EXECVE_19_X:
		e.parseExecveExit(ev)
	case eventtable.PPME_PROCEXIT_E, eventtable.PPME_PROCEXIT_1_E: // procexit: the thread goes away before the next event
		if t != nil {
			t.Flags |= clClosed
			e.pendingTid = t.Tid
		}
	case eventtable.PPME_SYSCALL_PIPE_X, eventtable.PPME_SYSCALL_PIPE2_X:
		e.parsePipeExit(ev)
	case eventtable.PPME_SOCKET_SOCKET_X:
		e.parseSocketExit(ev)
	case eventtable.PPME_SOCKET_BIND_X:
		e.parseBindExit(ev)
	case eventtable.PPME_SOCKET_CONNECT_E:
		e.parseConnectEnter(ev)
	case eventtable.PPME_SOCKET_CONNECT_X:
		e.parseConnectExit(ev)
	case eventtable.PPME_SOCKET_ACCEPT_X, eventtable.PPME_SOCKET_ACCEPT4_X, eventtable.PPME_SOCKET_ACCEPT_5_X, eventtable.PPME_SOCKET_ACCEPT4_5_X:
		e.parseAcceptExit(ev)
	case eventtable.PPME_SYSCALL_CLOSE_X:
		e.parseCloseExit(ev)
	case eventtable.PPME_SYSCALL_FCNTL_X:
		e.parseFcntlExit(ev)
	case eventtable.PPME_SYSCALL_EVENTFD_X, eventtable.PPME_SYSCALL_EVENTFD2_X:
		e.singleFDExit(ev, scap.FDEvent)
	case eventtable.PPME_SYSCALL_SIGNALFD_X, eventtable.PPME_SYSCALL_SIGNALFD4_X:
		e.singleFDExit(ev, scap.FDSignalfd)
	case eventtable.PPME_SYSCALL_TIMERFD_CREATE_X:
		e.singleFDExit(ev, scap.FDTimerfd)
	case eventtable.PPME_SYSCALL_INOTIFY_INIT_X, eventtable.PPME_SYSCALL_INOTIFY_INIT1_X:
		e.singleFDExit(ev, scap.FDInotify)
	case eventtable.PPME_SYSCALL_EPOLL_CREATE_X, eventtable.PPME_SYSCALL_EPOLL_CREATE1_X:
		e.singleFDExit(ev, scap.FDEventpoll)
	case eventtable.PPME_SYSCALL_CHDIR_X:
		e.parseChdirExit(ev)
	case eventtable.PPME_SYSCALL_FCHDIR_X:
		e.parseFchdirExit(ev)
	case eventtable.PPME_SYSCALL_DUP_X, eventtable.PPME_SYSCALL_DUP_1_X, eventtable.PPME_SYSCALL_DUP2_X, eventtable.PPME_SYSCALL_DUP3_X:
		e.parseDupExit(ev) // the reference's parser takes these four, as here
	case eventtable.PPME_SOCKET_SOCKETPAIR_X:
		e.parseSocketpairExit(ev)
	case eventtable.PPME_SYSCALL_SETRESUID_X, eventtable.PPME_SYSCALL_SETRESGID_X, eventtable.PPME_SYSCALL_SETUID_X, eventtable.PPME_SYSCALL_SETGID_X:
		e.parseSetIDExit(ev)
	case eventtable.PPME_CONTAINER_E, eventtable.PPME_CONTAINER_JSON_E, eventtable.PPME_CONTAINER_JSON_2_E:
		e.parseContainer(ev)
	case eventtable.PPME_SYSCALL_CAPSET_X: // capset: the thread's new capability sets
		if res, _ := paramI64(raw, 0); res >= 0 && t != nil && len(raw.Params) > 3 {
			t.CapInheritable, _ = paramU64(raw, 1)
			t.CapPermitted, _ = paramU64(raw, 2)
			t.CapEffective, _ = paramU64(raw, 3)
		}
	case eventtable.PPME_SYSCALL_BRK_4_X, eventtable.PPME_SYSCALL_MMAP_X, eventtable.PPME_SYSCALL_MMAP2_X, eventtable.PPME_SYSCALL_MUNMAP_X: // brk, mmap, mmap2, munmap exits carry memory counters
		if t != nil && len(raw.Params) >= 4 {
			e.setMemory(t, raw, 1)
		}
	case eventtable.PPME_SCHEDSWITCH_6_E: // switch: the thread leaving the CPU reports its counters
		if t != nil && len(raw.Params) >= 6 {
			t.PfMajor, _ = paramU64(raw, 1)
			t.PfMinor, _ = paramU64(raw, 2)
			e.setMemory(t, raw, 3)
		}
	default:
		if !info.Enter && (info.Flags&(eventtable.EF_READS_FROM_FD|eventtable.EF_WRITES_TO_FD)) != 0 {
			e.parseRWExit(ev)
		}
	}
}

// setMemory stores the memory counters at params i..i+2 on the thread's process.
func (e *Engine) setMemory(t *Thread, raw *scap.Event, i int) {
	m := e.Main(t)
	if m == nil {
		m = t
	}
	v, _ := paramU64(raw, i)
	m.VmSizeKB = uint32(v)
	v, _ = paramU64(raw, i+1)
	m.VmRSSKB = uint32(v)
	v, _ = paramU64(raw, i+2)
	m.VmSwapKB = uint32(v)
}

func (e *Engine) addFD(t *Thread, fd *FD) *FD {
	tbl := e.FDs(t)
	if tbl == nil {
		return nil
	}
	if _, exists := tbl.fds[fd.Num]; !exists && len(tbl.fds) >= e.opts.MaxFDsPerProcess {
		return nil
	}
	tbl.fds[fd.Num] = fd
	// The filter engine reads the new fd through lastevent_fd.
	t.lastEventFD = fd.Num
	return fd
}

func (e *Engine) parseOpenExit(ev *Event) {
	t, raw := ev.Thread, ev.Raw
	if t == nil {
		return
	}
	typ := raw.Type
	// The reference needs the enter event, except for exits that carry everything.
	if typ != eventtable.PPME_SYSCALL_OPENAT_2_X && !t.enter.valid && len(raw.Params) < len(ev.Info.Params) {
		return
	}
	fd, _ := paramI64(raw, 0)
	var name, dir string
	var flags uint32
	var dev uint32
	switch typ {
	case eventtable.PPME_SYSCALL_OPEN_X: // open: name, flags, mode, dev
		name, _ = paramStr(raw, 1)
		f, _ := paramU64(raw, 2)
		flags = uint32(f)
		if d, ok := paramU64(raw, 4); ok {
			dev = uint32(d)
		}
		dir = e.CwdOf(t)
	case eventtable.PPME_SYSCALL_CREAT_X: // creat
		name, _ = paramStr(raw, 1)
		if d, ok := paramU64(raw, 3); ok {
			dev = uint32(d)
		}
		dir = e.CwdOf(t)
	case eventtable.PPME_SYSCALL_OPENAT_X: // openat: everything is in the enter event
		name, _ = storedStr(&t.enter, 1)
		f, _ := storedI64(&t.enter, 2)
		flags = uint32(f)
		dirfd, _ := storedI64(&t.enter, 0)
		dir = e.openatDir(ev, name, dirfd)
	case eventtable.PPME_SYSCALL_OPENAT_2_X:
		name, _ = paramStr(raw, 2)
		f, _ := paramU64(raw, 3)
		flags = uint32(f)
		dirfd, _ := paramI64(raw, 1)
		if d, ok := paramU64(raw, 5); ok {
			dev = uint32(d)
		}
		dir = e.openatDir(ev, name, dirfd)
	}
	full := JoinPath(dir, name)
	if fd < 0 {
		return
	}
	f := &FD{Num: fd, Type: scap.FDFileV2, Name: full, NameRaw: name, OpenFlags: flags, Dev: dev,
		CloseOnExec: flags&oCloexec != 0}
	if flags&0x400 != 0 { // O_DIRECTORY
		f.Type = scap.FDDirectory
	}
	ev.FD = e.addFD(t, f)
	// The filter engine reads the fd through lastevent_fd.
	t.lastEventFD = fd
	ev.FDNum = fd
}

// openatDir is the directory a relative openat path starts from. Looking up the dirfd sets
// the event's fd, which stays if the open fails (the reference does the same).
func (e *Engine) openatDir(ev *Event, name string, dirfd int64) string {
	if strings.HasPrefix(name, "/") {
		return "."
	}
	if dirfd == -100 {
		return e.CwdOf(ev.Thread)
	}
	ev.FD = e.FDs(ev.Thread).Get(dirfd)
	if ev.FD == nil {
		return "<UNKNOWN>"
	}
	if strings.HasSuffix(ev.FD.Name, "/") {
		return ev.FD.Name
	}
	return ev.FD.Name + "/"
}

func (e *Engine) parseCloneExit(ev *Event) {
	raw := ev.Raw
	typ := raw.Type
	tid := raw.TID
	childtid, ok := paramI64(raw, 0)
	if !ok || childtid < 0 {
		return
	}
	flagsIdx := map[uint16]int{15: 8, 157: 13, 183: 13, 185: 13, 217: 14, 219: 14, 221: 14, 223: 15, 225: 15, 227: 15, 335: 15}[typ]
	fl, _ := paramU64(raw, flagsIdx)
	flags := uint32(fl)
	v20 := typ == eventtable.PPME_SYSCALL_CLONE_20_X || typ == eventtable.PPME_SYSCALL_FORK_20_X || typ == eventtable.PPME_SYSCALL_VFORK_20_X || typ == eventtable.PPME_SYSCALL_CLONE3_X // clone3 has the layout of clone 2.0
	vtid, vpid := tid, int64(-1)
	if v20 {
		vtid, _ = paramI64(raw, 18)
		vpid, _ = paramI64(raw, 19)
	}
	inContainer := tid != vtid
	isInverted := false
	if childtid == 0 {
		// clone() returns 0 in the child.
		if ev.Thread != nil && ev.Thread.CloneTS != 0 && raw.TS-ev.Thread.CloneTS > 2_000_000_000 {
			e.removeThread(tid)
			ev.Thread = nil
		}
		var parenttid int64
		if flags&clCloneThread != 0 {
			parenttid, _ = paramI64(raw, 4)
		} else {
			parenttid, _ = paramI64(raw, 5)
		}
		if ev.Thread == nil {
			isInverted = true
			childtid = tid
			tid = parenttid
		} else {
			if inContainer {
				ev.Thread.Vtid, ev.Thread.Vpid = vtid, vpid
			}
			return
		}
	} else if inContainer {
		return
	}
	ptinfo := e.Threads[tid]
	if ptinfo == nil {
		ptinfo = e.placeholder(tid)
		if ptinfo == nil {
			return
		}
	}
	validParent := !(ptinfo.Comm == "<NA>" && ptinfo.UID == 0xFFFFFFFF)
	if child := e.Threads[childtid]; child != nil {
		if child.Flags&clCloneInverted != 0 {
			return
		}
		e.removeThread(childtid)
	}
	exe, _ := paramStr(raw, 1)
	var comm string
	switch typ {
	case eventtable.PPME_SYSCALL_CLONE_11_X, eventtable.PPME_SYSCALL_CLONE_16_X, eventtable.PPME_SYSCALL_FORK_X, eventtable.PPME_SYSCALL_VFORK_X:
		comm = exe
	default:
		comm, _ = paramStr(raw, 13)
	}
	args := splitArgs(raw, 2)
	nt := &Thread{Tid: childtid, Ptid: tid, Sid: -1, Vpgid: -1, Pgid: -1, Vtid: -1, Vpid: -1,
		LoginUID: 0xFFFFFFFF, FdLimit: -1, lastEventType: -1}
	if validParent {
		nt.Comm, nt.Exe, nt.Exepath, nt.Args = ptinfo.Comm, ptinfo.Exe, ptinfo.Exepath, ptinfo.Args
		nt.Root, nt.Sid, nt.Vpgid, nt.Tty, nt.LoginUID = ptinfo.Root, ptinfo.Sid, ptinfo.Vpgid, ptinfo.Tty, ptinfo.LoginUID
		nt.ExeWritable, nt.ExeUpperLayer, nt.ExeFromMemfd = ptinfo.ExeWritable, ptinfo.ExeUpperLayer, ptinfo.ExeFromMemfd
		nt.CapInheritable, nt.CapPermitted, nt.CapEffective = ptinfo.CapInheritable, ptinfo.CapPermitted, ptinfo.CapEffective
		if flags&clCloneThread == 0 {
			nt.Env = e.EnvOf(ptinfo)
		}
	} else {
		// An invalid parent learns its identity from its child's event. The child keeps
		// the reference's default loginuid for a new thread, 0 (a placeholder's is -1).
		ptinfo.Comm, ptinfo.Exe, ptinfo.Args = comm, exe, args
		nt.Comm, nt.Exe, nt.Args = comm, exe, args
		nt.LoginUID = 0
	}
	nt.Pid, _ = paramI64(raw, 4)
	nt.Flags = flags
	if flags&clCloneThread == 0 {
		nt.Pid = childtid
		if tbl := e.FDs(ptinfo); tbl != nil {
			nt.fds = tbl.clone()
		}
		nt.Cwd = e.CwdOf(ptinfo)
	}
	if nt.fds == nil {
		nt.fds = newFDTable()
	}
	if isInverted {
		nt.Flags |= clCloneInverted
	}
	nt.Exe, nt.Comm, nt.Args = exe, comm, args
	nt.FdLimit, _ = paramI64(raw, 7)
	if typ != eventtable.PPME_SYSCALL_CLONE_11_X {
		nt.PfMajor, _ = paramU64(raw, 8)
		nt.PfMinor, _ = paramU64(raw, 9)
		v, _ := paramU64(raw, 10)
		nt.VmSizeKB = uint32(v)
		v, _ = paramU64(raw, 11)
		nt.VmRSSKB = uint32(v)
		v, _ = paramU64(raw, 12)
		nt.VmSwapKB = uint32(v)
	}
	uidIdx := map[uint16]int{15: 9, 157: 14, 183: 14, 185: 14, 217: 15, 219: 15, 221: 15, 223: 16, 225: 16, 227: 16, 335: 16}[typ]
	u, _ := paramU64(raw, uidIdx)
	g, _ := paramU64(raw, uidIdx+1)
	nt.UID, nt.GID = uint32(u), uint32(g)
	if inContainer {
		nt.Vtid, nt.Vpid = vtid, vpid
	} else {
		nt.Vtid, nt.Vpid = nt.Tid, nt.Pid
	}
	if v20 {
		nt.setCgroups(splitArgs(raw, 14))
	}
	if nt.Cgroups == nil {
		nt.Cgroups = ptinfo.Cgroups
	}
	nt.ContainerID = containerID(nt.Cgroups)
	nt.CloneTS = raw.TS
	if len(e.Threads) >= e.opts.MaxThreads {
		return
	}
	if flags&clCloneThread == 0 {
		nt.UPID = e.newUPID()
		nt.ParentUPID = e.Main(ptinfo).UPIDOr(ptinfo.UPID)
		if pm := e.Main(ptinfo); pm != nil {
			pm.nchilds++
		}
	} else if m := e.Threads[nt.Pid]; m != nil {
		nt.UPID, nt.ParentUPID = m.UPID, m.ParentUPID
	} else {
		nt.UPID = ptinfo.UPID
	}
	e.Threads[childtid] = nt
	if flags&clCloneThread != 0 {
		if m := e.Threads[nt.Pid]; m != nil && m != nt {
			m.nthreads++
		}
	}
	if ev.Thread == nil || ev.Thread.Tid == childtid {
		ev.Thread = e.Threads[raw.TID]
	}
}

// UPIDOr returns t's UPID, or def when t is nil.
func (t *Thread) UPIDOr(def uint64) uint64 {
	if t == nil {
		return def
	}
	return t.UPID
}

func splitArgs(raw *scap.Event, i int) []string {
	if i >= len(raw.Params) {
		return nil
	}
	b := raw.Params[i]
	if len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

func (e *Engine) parseExecveExit(ev *Event) {
	t, raw := ev.Thread, ev.Raw
	typ := raw.Type
	res, _ := paramI64(raw, 0)
	if res < 0 || t == nil {
		return
	}
	t.Exe, _ = paramStr(raw, 1)
	switch typ {
	case eventtable.PPME_SYSCALL_EXECVE_8_X, eventtable.PPME_SYSCALL_EXECVE_13_X, eventtable.PPME_SYSCALL_EXECVE_14_X:
		t.Comm = t.Exe
	default:
		t.Comm, _ = paramStr(raw, 13)
	}
	t.Args = splitArgs(raw, 2)
	t.Pid, _ = paramI64(raw, 4)
	if t.Ptid == -1 {
		t.Ptid, _ = paramI64(raw, 5)
		if p := e.Main(e.ParentThread(t)); p != nil && t.ParentUPID == 0 {
			t.ParentUPID = p.UPID
		}
	}
	t.FdLimit, _ = paramI64(raw, 7)
	if typ != eventtable.PPME_SYSCALL_EXECVE_8_X {
		t.PfMajor, _ = paramU64(raw, 8)
		t.PfMinor, _ = paramU64(raw, 9)
		v, _ := paramU64(raw, 10)
		t.VmSizeKB = uint32(v)
		v, _ = paramU64(raw, 11)
		t.VmRSSKB = uint32(v)
		v, _ = paramU64(raw, 12)
		t.VmSwapKB = uint32(v)
	}
	switch typ {
	case eventtable.PPME_SYSCALL_EXECVE_14_X:
		t.Env = splitArgs(raw, 13)
	case eventtable.PPME_SYSCALL_EXECVE_15_X:
		t.Env = splitArgs(raw, 14)
	case eventtable.PPME_SYSCALL_EXECVE_16_X, eventtable.PPME_SYSCALL_EXECVE_17_X, eventtable.PPME_SYSCALL_EXECVE_18_X, eventtable.PPME_SYSCALL_EXECVE_19_X:
		t.Env = splitArgs(raw, 15)
		t.setCgroups(splitArgs(raw, 14))
		t.ContainerID = containerID(t.Cgroups)
	}
	switch typ {
	case eventtable.PPME_SYSCALL_EXECVE_17_X, eventtable.PPME_SYSCALL_EXECVE_18_X, eventtable.PPME_SYSCALL_EXECVE_19_X:
		v, _ := paramU64(raw, 16)
		t.Tty = uint32(v)
	}
	// The exe path from the enter's filename; a successful execveat's enter (its exit is an
	// execve exit) names its file relative to a dirfd, and is not read here.
	if (typ == eventtable.PPME_SYSCALL_EXECVE_18_X || typ == eventtable.PPME_SYSCALL_EXECVE_19_X) && t.enter.valid &&
		t.enter.typ != eventtable.PPME_SYSCALL_EXECVEAT_E {
		if fn, ok := storedStr(&t.enter, 0); ok {
			if strings.HasPrefix(fn, "<NA>") {
				t.Exepath = "<NA>"
			} else {
				t.Exepath = JoinPath(e.CwdOf(t), fn)
			}
		}
	}
	if typ == eventtable.PPME_SYSCALL_EXECVE_19_X && len(raw.Params) > 27 {
		if p, ok := paramStr(raw, 27); ok && p != "" {
			t.Exepath = p
		}
		if v, ok := paramU64(raw, 26); ok && len(raw.Params[26]) == 4 {
			t.UID = uint32(v)
		}
		if len(raw.Params) > 29 {
			if v, ok := paramU64(raw, 29); ok && len(raw.Params[29]) == 4 {
				t.GID = uint32(v)
			}
		}
	}
	if typ == eventtable.PPME_SYSCALL_EXECVE_19_X {
		t.Vpgid, _ = paramI64(raw, 17)
		if len(raw.Params) > 18 {
			v, _ := paramU64(raw, 18)
			t.LoginUID = uint32(v)
		}
		if len(raw.Params) > 19 {
			// PPM_EXE_WRITABLE, PPM_EXE_UPPER_LAYER and PPM_EXE_FROM_MEMFD.
			v, _ := paramU64(raw, 19)
			t.ExeWritable, t.ExeUpperLayer, t.ExeFromMemfd = v&1 != 0, v&2 != 0, v&4 != 0
		}
		if len(raw.Params) > 22 {
			t.CapInheritable, _ = paramU64(raw, 20)
			t.CapPermitted, _ = paramU64(raw, 21)
			t.CapEffective, _ = paramU64(raw, 22)
		}
	}
	inverted := t.Flags & clCloneInverted
	t.Flags = clActive | inverted | clNameChanged
	t.LastExecTS = raw.TS
}

func (e *Engine) parsePipeExit(ev *Event) {
	t, raw := ev.Thread, ev.Raw
	res, _ := paramI64(raw, 0)
	if res < 0 || t == nil {
		return
	}
	fd1, _ := paramI64(raw, 1)
	fd2, _ := paramI64(raw, 2)
	ino, _ := paramU64(raw, 3)
	e.addFD(t, &FD{Num: fd1, Type: scap.FDFifo, Ino: ino})
	ev.FD = e.addFD(t, &FD{Num: fd2, Type: scap.FDFifo, Ino: ino})
}

func (e *Engine) parseSocketExit(ev *Event) {
	t, raw := ev.Thread, ev.Raw
	fd, _ := paramI64(raw, 0)
	if fd < 0 || t == nil {
		return
	}
	var domain, typ, proto int64
	switch {
	case t.enter.valid:
		domain, _ = storedI64(&t.enter, 0)
		typ, _ = storedI64(&t.enter, 1)
		proto, _ = storedI64(&t.enter, 2)
	case len(raw.Params) >= 4: // exit-only layout: fd, domain, type, proto
		domain, _ = paramI64(raw, 1)
		typ, _ = paramI64(raw, 2)
		proto, _ = paramI64(raw, 3)
	default:
		return
	}
	e.addSocket(ev, fd, uint32(domain), uint32(typ), uint32(proto))
}

func (e *Engine) addSocket(ev *Event, fd int64, domain, typ, proto uint32) {
	const (
		sockStream, sockDgram, sockRaw = 1, 2, 3
		ipprotoIP, ipprotoICMP         = 0, 1
		ipprotoTCP, ipprotoUDP         = 6, 17
		ipprotoRaw                     = 255
	)
	f := &FD{Num: fd, Type: scap.FDUnknown, L4: L4Unknown}
	switch domain {
	case afUnix:
		f.Type = scap.FDUnixSock
	case afInet, afInet6:
		f.Type = scap.FDIPv4Sock
		if domain == afInet6 {
			f.Type, f.V6 = scap.FDIPv6Sock, true
		}
		switch proto {
		case ipprotoTCP:
			f.L4 = L4TCP
			if typ == sockRaw {
				f.L4 = L4Raw
			}
		case ipprotoUDP:
			f.L4 = L4UDP
			if typ == sockRaw {
				f.L4 = L4Raw
			}
		case ipprotoIP:
			switch typ & 0xff {
			case sockStream:
				f.L4 = L4TCP
			case sockDgram:
				f.L4 = L4UDP
			}
		case ipprotoICMP:
			f.L4 = L4ICMP
			if typ == sockRaw {
				f.L4 = L4Raw
			}
		case ipprotoRaw:
			f.L4 = L4Raw
		}
	case 16:
		f.Type = scap.FDNetlink
	}
	if f.Type == scap.FDUnknown {
		return
	}
	ev.FD = e.addFD(ev.Thread, f)
}

func (e *Engine) inferSendtoFD(ev *Event) {
	fd, _ := paramI64(ev.Raw, 0)
	if fd < 0 || len(ev.Raw.Params) < 3 || len(ev.Raw.Params[2]) == 0 {
		return
	}
	switch ev.Raw.Params[2][0] {
	case afInet:
		e.addSocket(ev, fd, afInet, 2, 17)
	case afInet6:
		e.addSocket(ev, fd, afInet6, 2, 17)
	}
}

func (e *Engine) parseBindExit(ev *Event) {
	f, raw := ev.FD, ev.Raw
	if f == nil {
		return
	}
	res, _ := paramI64(raw, 0)
	if res < 0 || len(raw.Params) < 2 || len(raw.Params[1]) == 0 {
		return
	}
	sa, ok := ParseSockaddr(raw.Params[1])
	if ok {
		switch sa.Family {
		case afInet:
			if sa.DPort > 0 {
				f.Type, f.Role, f.V6 = scap.FDIPv4ServSock, RoleServer, false
				f.SIP, f.SPort = sa.DIP, sa.DPort
			}
		case afInet6:
			if sa.DPort > 0 {
				if isV4Mapped(sa.DIP) {
					f.Type, f.V6 = scap.FDIPv4ServSock, false
					var ip [16]byte
					copy(ip[:4], sa.DIP[12:16])
					f.SIP = ip
				} else {
					f.Type, f.V6 = scap.FDIPv6ServSock, true
					f.SIP = sa.DIP
				}
				f.SPort, f.Role = sa.DPort, RoleServer
			}
		}
		f.Name = SockaddrText(sa)
	}
}

// sockinfoName names an IP socket from its ends as the reference does after a connect:
// only TCP and UDP sockets get ports; a socket whose protocol is unknown is "<unknown>".
func sockinfoName(f *FD) string {
	switch f.L4 {
	case L4TCP, L4UDP:
		return tupleName(f)
	case L4ICMP, L4Raw:
		w := 4
		if f.V6 {
			w = 16
		}
		return IPString(f.SIP[:w]) + "->" + IPString(f.DIP[:w])
	}
	return "<unknown>"
}

// parseConnectEnter stores the address connected to as the socket's server end (type,
// address and port; the name and the role wait for the exit), as the reference does: fields
// read between the enter and the exit, fd.is_server among them, see it. Connecting an IPv6
// socket to an IPv4-mapped address makes it an IPv4 socket already; the reference switches
// the type of a union, so the l4 protocol it then reads is byte 12 of the old IPv6 source
// address.
func (e *Engine) parseConnectEnter(ev *Event) {
	f, raw := ev.FD, ev.Raw
	if f == nil || len(raw.Params) < 2 || len(raw.Params[1]) == 0 {
		return
	}
	sa, ok := ParseSockaddr(raw.Params[1])
	if !ok {
		return
	}
	switch {
	case sa.Family == afInet:
		f.Type, f.V6 = scap.FDIPv4Sock, false
		copy(f.DIP[:4], sa.DIP[:4])
		f.DPort = sa.DPort
	case sa.Family == afInet6 && isV4Mapped(sa.DIP):
		if f.Type == scap.FDIPv6Sock {
			f.L4 = f.SIP[12]
		}
		f.Type, f.V6 = scap.FDIPv4Sock, false
		copy(f.DIP[:4], sa.DIP[12:16])
		f.DPort = sa.DPort
	case sa.Family == afInet6:
		f.Type, f.V6 = scap.FDIPv6Sock, true
		f.DIP = sa.DIP
		f.DPort = sa.DPort
	}
}

// setAddrs stores a tuple's ends on an IP socket; it reports whether anything changed.
func setAddrs(f *FD, tp Tuple, v4mapped bool) bool {
	sip, dip := tp.SIP, tp.DIP
	if v4mapped {
		sip, dip = [16]byte{}, [16]byte{}
		copy(sip[:4], tp.SIP[12:16])
		copy(dip[:4], tp.DIP[12:16])
	}
	if (f.Type == scap.FDIPv4Sock && !tp.V6 || v4mapped) || (f.Type == scap.FDIPv6Sock && tp.V6 && !v4mapped) {
		if (sip == f.SIP && tp.SPort == f.SPort && dip == f.DIP && tp.DPort == f.DPort) ||
			(dip == f.SIP && tp.DPort == f.SPort && sip == f.DIP && tp.SPort == f.DPort) {
			return false
		}
	}
	f.SIP, f.SPort, f.DIP, f.DPort = sip, tp.SPort, dip, tp.DPort
	return true
}

func (e *Engine) parseConnectExit(ev *Event) {
	f, raw := ev.FD, ev.Raw
	if f == nil {
		return
	}
	res, _ := paramI64(raw, 0)
	if res < 0 && res != -115 {
		return
	}
	// A UDP socket that is already connected keeps its ends: the reference does not
	// follow a second connect.
	if f.Connected && f.L4 == L4UDP && f.Name != "" {
		return
	}
	f.Connected = true
	if len(raw.Params) < 2 || len(raw.Params[1]) == 0 {
		return
	}
	tp, ok := ParseTuple(raw.Params[1])
	if !ok {
		return
	}
	switch tp.Family {
	case afInet, afInet6:
		var changed bool
		if tp.Family == afInet6 && !(isV4Mapped(tp.SIP) && isV4Mapped(tp.DIP)) {
			f.Type, f.V6 = scap.FDIPv6Sock, true
			changed = setAddrs(f, tp, false)
		} else {
			mapped := tp.Family == afInet6
			if f.Type == scap.FDIPv6Sock {
				f.L4 = f.SIP[12] // the union quirk of parseConnectEnter
			}
			f.Type, f.V6 = scap.FDIPv4Sock, false
			changed = setAddrs(f, tp, mapped)
		}
		if changed && f.Role == RoleServer && f.L4 == L4UDP {
			f.SIP, f.DIP = f.DIP, f.SIP
			f.SPort, f.DPort = f.DPort, f.SPort
		}
		f.Name = sockinfoName(f)
	case afUnix:
		f.Name = TupleText(tp)
		f.Source, f.Dest = tp.Source, tp.Dest
	}
	if f.Role == RoleNone {
		f.Role = RoleClient
	}
}

func (e *Engine) parseAcceptExit(ev *Event) {
	t, raw := ev.Thread, ev.Raw
	if t == nil {
		return
	}
	fd, _ := paramI64(raw, 0)
	if fd < 0 {
		return
	}
	t.lastEventFD = fd
	ev.FDNum = fd
	if len(raw.Params) < 2 || len(raw.Params[1]) == 0 {
		return
	}
	tp, ok := ParseTuple(raw.Params[1])
	if !ok {
		return
	}
	f := &FD{Num: fd}
	switch tp.Family {
	case afInet:
		f.Type, f.L4 = scap.FDIPv4Sock, L4TCP
		setAddrs(f, tp, false)
	case afInet6:
		if isV4Mapped(tp.SIP) && isV4Mapped(tp.DIP) {
			f.Type, f.L4 = scap.FDIPv4Sock, L4TCP
			setAddrs(f, tp, true)
		} else {
			f.Type, f.L4, f.V6 = scap.FDIPv6Sock, L4TCP, true
			setAddrs(f, tp, false)
		}
	case afUnix:
		f.Type = scap.FDUnixSock
		f.Source, f.Dest = tp.Source, tp.Dest
	default:
		return
	}
	f.Name = TupleText(tp)
	f.Role = RoleServer
	f.Connected = true
	ev.FD = e.addFD(t, f)
}

func (e *Engine) parseCloseExit(ev *Event) {
	res, _ := paramI64(ev.Raw, 0)
	if res < 0 || ev.FD == nil || ev.Thread == nil {
		return
	}
	e.pendingFD, e.pendingFDT = ev.Thread.lastEventFD, ev.Thread
}

func (e *Engine) parseFcntlExit(ev *Event) {
	t := ev.Thread
	if t == nil || ev.FD == nil {
		return
	}
	res, _ := paramI64(ev.Raw, 0)
	var cmd int64
	if t.enter.valid {
		cmd, _ = storedI64(&t.enter, 1)
	} else if v, ok := paramI64(ev.Raw, 2); ok { // exit-only: res, fd, cmd, arg
		cmd = v
	} else {
		return
	}
	if res < 0 || (cmd != 1 && cmd != 26) { // F_DUPFD, F_DUPFD_CLOEXEC
		return
	}
	c := *ev.FD
	c.Num = res
	c.CloseOnExec = cmd == 26
	ev.FD = e.addFD(t, &c)
}

func (e *Engine) singleFDExit(ev *Event, typ uint8) {
	res, _ := paramI64(ev.Raw, 0)
	if res < 0 || ev.Thread == nil {
		return
	}
	ev.FD = e.addFD(ev.Thread, &FD{Num: res, Type: typ})
}

func (e *Engine) parseChdirExit(ev *Event) {
	res, _ := paramI64(ev.Raw, 0)
	if res < 0 || ev.Thread == nil {
		return
	}
	p, ok := paramStr(ev.Raw, 1)
	if !ok {
		return
	}
	m := e.Main(ev.Thread)
	if m == nil {
		m = ev.Thread
	}
	m.Cwd = withSlash(JoinPath(m.Cwd, p))
}

func (e *Engine) parseFchdirExit(ev *Event) {
	res, _ := paramI64(ev.Raw, 0)
	if res < 0 || ev.Thread == nil || ev.FD == nil {
		return
	}
	m := e.Main(ev.Thread)
	if m == nil {
		m = ev.Thread
	}
	m.Cwd = withSlash(ev.FD.Name)
}

func (e *Engine) parseDupExit(ev *Event) {
	res, _ := paramI64(ev.Raw, 0)
	if res < 0 || ev.Thread == nil || ev.FD == nil {
		return
	}
	c := *ev.FD
	c.Num = res
	c.CloseOnExec = false
	ev.FD = e.addFD(ev.Thread, &c)
}

func (e *Engine) parseSocketpairExit(ev *Event) {
	raw, t := ev.Raw, ev.Thread
	res, _ := paramI64(raw, 0)
	if res < 0 || t == nil {
		return
	}
	fd1, _ := paramI64(raw, 1)
	fd2, _ := paramI64(raw, 2)
	src, _ := paramU64(raw, 3)
	peer, _ := paramU64(raw, 4)
	ev.FD = e.addFD(t, &FD{Num: fd1, Type: scap.FDUnixSock, Source: src, Dest: peer})
	e.addFD(t, &FD{Num: fd2, Type: scap.FDUnixSock, Source: src, Dest: peer})
}

func (e *Engine) parseSetIDExit(ev *Event) {
	raw, t := ev.Raw, ev.Thread
	res, _ := paramI64(raw, 0)
	if res != 0 || t == nil {
		return
	}
	if !t.enter.valid {
		// Exit-only layout: res, then the ids.
		switch raw.Type {
		case eventtable.PPME_SYSCALL_SETUID_X:
			if v, ok := paramU64(raw, 1); ok {
				t.UID = uint32(v)
			}
		case eventtable.PPME_SYSCALL_SETGID_X:
			if v, ok := paramU64(raw, 1); ok {
				t.GID = uint32(v)
			}
		case eventtable.PPME_SYSCALL_SETRESUID_X:
			if v, ok := paramU64(raw, 2); ok && uint32(v) != 0xFFFFFFFF {
				t.UID = uint32(v)
			}
		case eventtable.PPME_SYSCALL_SETRESGID_X:
			if v, ok := paramU64(raw, 2); ok && uint32(v) != 0xFFFFFFFF {
				t.GID = uint32(v)
			}
		}
		return
	}
	switch raw.Type {
	case eventtable.PPME_SYSCALL_SETUID_X: // setuid
		if v, ok := storedI64(&t.enter, 0); ok {
			t.UID = uint32(v)
		}
	case eventtable.PPME_SYSCALL_SETGID_X:
		if v, ok := storedI64(&t.enter, 0); ok {
			t.GID = uint32(v)
		}
	case eventtable.PPME_SYSCALL_SETRESUID_X: // setresuid: the effective id
		if v, ok := storedI64(&t.enter, 1); ok && uint32(v) != 0xFFFFFFFF {
			t.UID = uint32(v)
		}
	case eventtable.PPME_SYSCALL_SETRESGID_X:
		if v, ok := storedI64(&t.enter, 1); ok && uint32(v) != 0xFFFFFFFF {
			t.GID = uint32(v)
		}
	}
}

// parseRWExit updates datagram sockets from the tuple that reads and writes carry.
func (e *Engine) parseRWExit(ev *Event) {
	f, raw, t := ev.FD, ev.Raw, ev.Thread
	if f == nil || t == nil {
		return
	}
	res, _ := paramI64(raw, 0)
	if res < 0 {
		return
	}
	var tuple []byte
	switch raw.Type {
	case eventtable.PPME_SOCKET_RECVFROM_X: // recvfrom
		if len(raw.Params) > 2 {
			tuple = raw.Params[2]
		}
	case eventtable.PPME_SOCKET_RECVMSG_X: // recvmsg
		if len(raw.Params) > 3 {
			tuple = raw.Params[3]
		}
	case eventtable.PPME_SOCKET_SENDTO_X, eventtable.PPME_SOCKET_SENDMSG_X: // sendto, sendmsg: the tuple is in the enter event (exit-only: param 4)
		if t.enter.valid && len(t.enter.params) > 2 {
			tuple = t.enter.params[2]
		} else if len(raw.Params) > 4 {
			tuple = raw.Params[4]
		}
	default:
		return
	}
	if len(tuple) == 0 {
		return
	}
	if f.Name != "" && f.IsIP() && f.L4 == L4TCP && f.Type != scap.FDIPv4ServSock && f.Type != scap.FDIPv6ServSock {
		return
	}
	tp, ok := ParseTuple(tuple)
	if !ok {
		return
	}
	switch tp.Family {
	case afInet:
		f.Type, f.V6 = scap.FDIPv4Sock, false
		if !setAddrs(f, tp, false) {
			return
		}
	case afInet6:
		if isV4Mapped(tp.SIP) && isV4Mapped(tp.DIP) {
			f.Type, f.V6 = scap.FDIPv4Sock, false
			if !setAddrs(f, tp, true) {
				return
			}
		} else {
			f.Type, f.V6 = scap.FDIPv6Sock, true
			if !setAddrs(f, tp, false) {
				return
			}
		}
	case afUnix:
		f.Type = scap.FDUnixSock
		f.Source, f.Dest = tp.Source, tp.Dest
		f.Name = TupleText(tp)
		return
	}
	if f.L4 == L4Unknown {
		f.L4 = L4UDP
	}
	e.inferLocalAddr(f)
	if f.Role == RoleNone {
		// Data sent makes this end the client, data received the server.
		if ev.Info.Has(eventtable.EF_WRITES_TO_FD) {
			f.Role = RoleClient
		} else {
			f.Role = RoleServer
		}
	}
	f.Name = tupleName(f)
}

// inferLocalAddr fills an unspecified source address with the interface the destination
// is reachable through (same subnet), else the first non-loopback interface.
func (e *Engine) inferLocalAddr(f *FD) {
	var zero [16]byte
	if f.SIP != zero {
		return
	}
	w := 4
	if f.V6 {
		w = 16
	}
	var fallback []byte
	for i := range e.Interfaces {
		it := &e.Interfaces[i]
		if it.IPv6 != f.V6 {
			continue
		}
		same := true
		for j := 0; j < w; j++ {
			if it.Addr[j]&it.Netmask[j] != f.DIP[j]&it.Netmask[j] {
				same = false
				break
			}
		}
		if same {
			copy(f.SIP[:w], it.Addr[:w])
			return
		}
		if fallback == nil && !isLoopback(it.Addr[:w]) {
			fallback = it.Addr[:w]
		}
	}
	if fallback != nil {
		copy(f.SIP[:w], fallback)
	}
}

func isLoopback(ip []byte) bool {
	if len(ip) == 4 {
		return ip[0] == 127
	}
	for i := 0; i < 15; i++ {
		if ip[i] != 0 {
			return false
		}
	}
	return ip[15] == 1
}

func (e *Engine) parseContainer(ev *Event) {
	raw := ev.Raw
	switch raw.Type {
	case eventtable.PPME_CONTAINER_E:
		id, _ := paramStr(raw, 0)
		name, _ := paramStr(raw, 2)
		image, _ := paramStr(raw, 3)
		e.Containers[id] = &Container{ID: id, Name: name, Image: image}
		e.lastContainer = e.Containers[id]
	case eventtable.PPME_CONTAINER_JSON_E, eventtable.PPME_CONTAINER_JSON_2_E:
		js, _ := paramStr(raw, 0)
		var doc struct {
			Container struct {
				ID          string            `json:"id"`
				Name        string            `json:"name"`
				Image       string            `json:"image"`
				ImageID     string            `json:"imageid"`
				ImageRepo   string            `json:"imagerepo"`
				ImageTag    string            `json:"imagetag"`
				ImageDigest string            `json:"imagedigest"`
				Type        int               `json:"type"`
				Privileged  *bool             `json:"privileged"`
				IP          string            `json:"ip"`
				Labels      map[string]string `json:"labels"`
				Mounts      []struct {
					Source      string `json:"Source"`
					Destination string `json:"Destination"`
					Mode        string `json:"Mode"`
					RW          bool   `json:"RW"`
					Propagation string `json:"Propagation"`
				} `json:"Mounts"`
			} `json:"container"`
		}
		if err := json.Unmarshal([]byte(js), &doc); err != nil || doc.Container.ID == "" {
			return
		}
		c := doc.Container
		e.Containers[c.ID] = &Container{ID: c.ID, Name: c.Name, Image: c.Image, ImageID: c.ImageID,
			ImageRepo: c.ImageRepo, ImageTag: c.ImageTag, ImageDigest: c.ImageDigest,
			Type: containerType(c.Type), Privileged: c.Privileged, JSON: js}
		if a, err := netip.ParseAddr(c.IP); err == nil && a.Is4() {
			e.Containers[c.ID].IP = a.As4()
		}
		e.Containers[c.ID].Labels = c.Labels
		for _, m := range c.Mounts {
			e.Containers[c.ID].Mounts = append(e.Containers[c.ID].Mounts,
				Mount{Source: m.Source, Dest: m.Destination, Mode: m.Mode, RW: m.RW, Propagation: m.Propagation})
		}
		e.lastContainer = e.Containers[c.ID]
	}
}

func containerType(t int) string {
	names := []string{"docker", "lxc", "libvirt-lxc", "mesos", "rkt", "cri", "containerd", "cri-o", "bpm"}
	if t >= 0 && t < len(names) {
		return names[t]
	}
	return ""
}

// containerID finds a docker-style container id in the cgroups, or "host".
func containerID(cgroups []string) string {
	for _, c := range cgroups {
		path := c
		if i := strings.IndexByte(c, '='); i >= 0 {
			path = c[i+1:]
		}
		if i := strings.LastIndexByte(path, '/'); i >= 0 {
			id := path[i+1:]
			if len(id) == 64 && isHex(id) {
				return id[:12]
			}
		}
		if i := strings.Index(path, "docker-"); i >= 0 {
			rest := path[i+len("docker-"):]
			if j := strings.Index(rest, ".scope"); j == 64 && isHex(rest[:64]) {
				return rest[:12]
			}
		}
	}
	return "host"
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// JoinPath joins a directory and a path as libsinsp does: an absolute second part wins;
// "//", "/./" and "/x/../" collapse; a trailing "/" stays only for the root.
func JoinPath(dir, p string) string {
	if p == "" {
		return dir
	}
	var full string
	if strings.HasPrefix(p, "/") || dir == "" {
		full = p
	} else {
		full = dir + "/" + p
	}
	return normalise(full)
}

func normalise(p string) string {
	abs := strings.HasPrefix(p, "/")
	parts := strings.Split(p, "/")
	out := make([]string, 0, len(parts))
	for _, s := range parts {
		switch s {
		case "", ".":
			continue
		case "..":
			if len(out) > 0 && out[len(out)-1] != ".." {
				out = out[:len(out)-1]
			} else if !abs {
				out = append(out, s)
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if abs {
		return "/" + r
	}
	return r
}
