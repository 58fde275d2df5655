package state

import (
	"sort"
	"strings"

	"github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
)

// Options tune the engine.
type Options struct {
	// MaxThreads caps the thread table so hostile captures cannot grow it without bound
	// (0 = DefaultMaxThreads). Past the cap, new unknown threads are not tracked.
	MaxThreads int
	// MaxFDsPerProcess caps each fd table likewise (0 = DefaultMaxFDs).
	MaxFDsPerProcess int
	// ReferenceTableOnly drops, unnumbered, events the reference's older table does not know
	// (ids it skips), for numbering identical to the reference's. By default every event
	// the current table knows is delivered and numbered.
	ReferenceTableOnly bool
}

// Defaults for the state caps.
const (
	DefaultMaxThreads = 1 << 20
	DefaultMaxFDs     = 1 << 16
)

// Engine holds the state of one capture.
type Engine struct {
	opts       Options
	Threads    map[int64]*Thread
	Users      map[uint32]*User
	Groups     map[uint32]*Group
	Containers map[string]*Container
	Interfaces []scap.Interface
	Machine    *scap.MachineInfo

	num           uint64
	section       int
	started       bool // a non-metadata event has been seen in this section
	nextUPID      uint64
	pendingTid    int64 // thread to remove before the next event (procexit)
	pendingFD     int64 // fd to remove before the next event (close)
	pendingFDT    *Thread
	firstTS       uint64
	lastContainer *Container
	ev            Event
	// Dropped counts events skipped for an unknown type (not numbered).
	Dropped uint64
}

// NewEngine builds the state from a section's metadata.
func NewEngine(md *scap.Metadata, opts Options) *Engine {
	if opts.MaxThreads <= 0 {
		opts.MaxThreads = DefaultMaxThreads
	}
	if opts.MaxFDsPerProcess <= 0 {
		opts.MaxFDsPerProcess = DefaultMaxFDs
	}
	e := &Engine{opts: opts}
	e.load(md)
	return e
}

func (e *Engine) load(md *scap.Metadata) {
	e.Threads = make(map[int64]*Thread, len(md.Threads))
	e.Users = make(map[uint32]*User)
	e.Groups = make(map[uint32]*Group)
	e.Containers = make(map[string]*Container)
	e.Interfaces = md.Interfaces
	e.Machine = md.Machine
	e.pendingTid, e.pendingFD, e.pendingFDT = -1, -1, nil
	e.started = false
	for i := range md.Users {
		u := md.Users[i]
		e.Users[u.UID] = &User{UID: u.UID, GID: u.GID, Name: u.Name, Home: u.Home, Shell: u.Shell}
	}
	for i := range md.Groups {
		g := md.Groups[i]
		e.Groups[g.GID] = &Group{GID: g.GID, Name: g.Name}
	}
	for i := range md.Threads {
		pt := &md.Threads[i]
		t := &Thread{
			Tid: pt.Tid, Pid: pt.Pid, Ptid: pt.Ptid, Sid: pt.Sid, Vpgid: pt.Vpgid, Pgid: pt.Pgid,
			Vtid: pt.Vtid, Vpid: pt.Vpid, Comm: pt.Comm, Exe: pt.Exe,
			Exepath: strings.TrimSuffix(pt.Exepath, " (deleted)"), Args: pt.Args, Env: pt.Env,
			Root: pt.Root, FdLimit: pt.FdLimit, Flags: pt.Flags | clActive,
			UID: pt.UID, GID: pt.GID, LoginUID: pt.LoginUID, Tty: pt.Tty,
			VmSizeKB: pt.VmSizeKB, VmRSSKB: pt.VmRSSKB, VmSwapKB: pt.VmSwapKB,
			PfMajor: pt.PfMajor, PfMinor: pt.PfMinor, ExeWritable: pt.ExeWritable,
			ExeUpperLayer: pt.ExeUpperLayer, ExeFromMemfd: pt.ExeFromMemfd,
			CapInheritable: pt.CapInheritable, CapPermitted: pt.CapPermitted, CapEffective: pt.CapEffective,
			lastEventType: -1, lastEventFD: 0,
		}
		t.Cwd = withSlash(pt.Cwd)
		t.setCgroups(pt.Cgroups)
		t.fds = newFDTable()
		e.Threads[t.Tid] = t
	}
	// Unique process ids, numbered in tid order so that every load of a capture gives the
	// same ids.
	tids := make([]int64, 0, len(e.Threads))
	for tid := range e.Threads {
		tids = append(tids, tid)
	}
	sort.Slice(tids, func(i, j int) bool { return tids[i] < tids[j] })
	for _, tid := range tids {
		if t := e.Threads[tid]; t.IsMain() {
			t.UPID = e.newUPID()
		}
	}
	for _, tid := range tids {
		t := e.Threads[tid]
		if !t.IsMain() {
			if m := e.Threads[t.Pid]; m != nil {
				t.UPID = m.UPID
			} else {
				t.UPID = e.newUPID()
			}
		}
		if p := e.ParentThread(t); p != nil {
			t.ParentUPID = p.UPID
			if t.IsMain() {
				p.nchilds++
			}
		}
	}
	for _, t := range e.Threads {
		if t.Flags&clCloneThread != 0 {
			if m := e.Threads[t.Pid]; m != nil && m != t {
				m.nthreads++
			}
		}
	}
	servPorts := map[uint16]bool{}
	for i := range md.FDs {
		f := &md.FDs[i]
		if f.Type == scap.FDIPv4ServSock || f.Type == scap.FDIPv6ServSock {
			servPorts[f.SPort] = true
		}
	}
	for i := range md.FDs {
		f := &md.FDs[i]
		t := e.Threads[f.Tid]
		if t == nil {
			continue
		}
		fd := fdFromList(f)
		if fd.Type == scap.FDIPv4Sock || fd.Type == scap.FDIPv6Sock {
			fd.Connected = true
		}
		if fd.Type == scap.FDIPv4Sock {
			// Sockets from the fd list do not say who connected: a source port that some
			// server socket listens on means this end is the server.
			if servPorts[fd.SPort] {
				fd.SIP, fd.DIP = fd.DIP, fd.SIP
				fd.SPort, fd.DPort = fd.DPort, fd.SPort
				fd.Role = RoleServer
			} else {
				fd.Role = RoleClient
			}
			fd.Name = tupleName(fd)
		}
		t.fds.fds[fd.Num] = fd
	}
	for _, t := range e.Threads {
		t.ContainerID = containerID(t.Cgroups)
	}
}

func fdFromList(f *scap.FDInfo) *FD {
	fd := &FD{Num: f.FD, Type: f.Type, Name: f.Name, Ino: f.Ino, Dev: f.Dev, OpenFlags: f.OpenFlags,
		SIP: f.SIP, DIP: f.DIP, SPort: f.SPort, DPort: f.DPort, L4: f.L4Proto, Source: f.Source, Dest: f.Dest}
	fd.NameRaw = fd.Name
	switch f.Type {
	case scap.FDIPv4Sock:
		fd.Name = tupleName(fd)
	case scap.FDIPv6Sock:
		fd.V6 = true
		if isV4Mapped(fd.SIP) && isV4Mapped(fd.DIP) {
			fd.Type, fd.V6 = scap.FDIPv4Sock, false
			copy(fd.SIP[:4], f.SIP[12:16])
			copy(fd.DIP[:4], f.DIP[12:16])
			fd.Name = tupleName(fd)
		} else {
			fd.Name = tupleName(fd)
		}
	case scap.FDIPv4ServSock:
		// Server sockets of the fd list get no role (the reference sets roles only on the
		// list's unix sockets and, after reading it, on its IPv4 connections).
		fd.Name = addrPort(fd.SIP[:4], fd.SPort)
	case scap.FDIPv6ServSock:
		fd.V6 = true
		fd.Name = addrPort(fd.SIP[:], fd.SPort)
	case scap.FDUnixSock:
		if fd.Name != "" {
			fd.Role = RoleServer
		} else {
			fd.Role = RoleClient
		}
	case scap.FDFileV2:
		fd.CloseOnExec = f.OpenFlags&oCloexec != 0
	}
	return fd
}

// setCgroups stores cgroups as "subsys=path", normalising subsystem names; an entry without
// "=" makes the whole list invalid, and the old value stays.
func (t *Thread) setCgroups(list []string) {
	out := make([]string, 0, len(list))
	for _, c := range list {
		i := strings.IndexByte(c, '=')
		if i < 0 {
			return
		}
		sub := strings.TrimSuffix(c[:i], "_cgroup")
		switch sub {
		case "perf":
			sub = "perf_event"
		case "mem":
			sub = "memory"
		case "io":
			sub = "blkio"
		}
		out = append(out, sub+c[i:])
	}
	t.Cgroups = out
}

// Main returns the thread's main thread (itself if it is one), or nil.
func (e *Engine) Main(t *Thread) *Thread {
	if t == nil {
		return nil
	}
	if t.IsMain() {
		return t
	}
	return e.Threads[t.Pid]
}

// FDs returns the fd table the thread uses.
func (e *Engine) FDs(t *Thread) *FDTable {
	if t == nil {
		return nil
	}
	// A thread shares its process's table only if it was cloned with CLONE_FILES, as in
	// the reference.
	if t.Flags&clCloneFiles == 0 || t.IsMain() {
		return t.fds
	}
	if m := e.Threads[t.Pid]; m != nil {
		return m.fds
	}
	return t.fds
}

// CwdOf returns the cwd the thread uses (its main thread's).
func (e *Engine) CwdOf(t *Thread) string {
	if m := e.Main(t); m != nil {
		return m.Cwd
	}
	return t.Cwd
}

// EnvOf returns the environment the thread uses (its main thread's).
func (e *Engine) EnvOf(t *Thread) []string {
	if m := e.Main(t); m != nil && len(m.Env) > 0 {
		return m.Env
	}
	return t.Env
}

// MaxAncestors bounds every walk up the process tree (proc.aname, proc.apid and proc.aexe,
// their lists, the processes table's ancestry): parent pids that loop, after pid reuse, would
// otherwise never end it. proc.aname[N] beyond it is absent.
const MaxAncestors = 1023

// Parent returns the parent process of t's process: the main thread of the thread its parent
// pid names (that thread itself when its main thread is unknown), or nil. It is the one step
// of the ancestor walk (proc.aname[N] is N steps from t's process).
func (e *Engine) Parent(t *Thread) *Thread {
	m := e.Main(t)
	if m == nil {
		m = t
	}
	p := e.ParentThread(m)
	if p == nil {
		return nil
	}
	if pm := e.Main(p); pm != nil {
		return pm
	}
	return p
}

// ParentThread returns the thread t's parent pid names (proc.pname, proc.ppid's thread, the
// walks of proc.sname and proc.loginshellid), or nil; Parent is the step between processes.
func (e *Engine) ParentThread(t *Thread) *Thread { return e.Threads[t.Ptid] }

// newUPID mints the UPID (proc.id) of a new process lifetime: the one place ids are made,
// counting from 1 (0 is no process).
func (e *Engine) newUPID() uint64 {
	e.nextUPID++
	return e.nextUPID
}

// ParentUPID is the UPID (proc.id) of the thread's parent process: the one recorded when the
// process was created, else (a process first seen through its execve, say) the process its
// parent pid names now; 0 if unknown.
func (e *Engine) ParentUPID(t *Thread) uint64 {
	m := e.Main(t)
	if m == nil {
		m = t
	}
	if m.ParentUPID != 0 {
		return m.ParentUPID
	}
	if p := e.Parent(m); p != nil && e.ParentThread(m) != m {
		return p.UPID
	}
	return 0
}

func (e *Engine) placeholder(tid int64) *Thread {
	if len(e.Threads) >= e.opts.MaxThreads {
		return nil
	}
	t := &Thread{Tid: tid, Pid: tid, Ptid: -1, Sid: -1, Vpgid: -1, Pgid: -1, Vtid: -1, Vpid: -1,
		Comm: "<NA>", Exe: "<NA>", UID: 0xFFFFFFFF, GID: 0xFFFFFFFF, LoginUID: 0xFFFFFFFF,
		FdLimit: -1, Flags: clNameChanged, lastEventType: -1, lastEventFD: 0}
	t.fds = newFDTable()
	t.UPID = e.newUPID()
	e.Threads[tid] = t
	return t
}

// Process resolves one raw event. It returns nil for events that are not delivered (types
// the reference does not know, unless AllEventTypes). The returned Event is reused by the
// next call.
func (e *Engine) Process(raw *scap.Event, md *scap.Metadata) *Event {
	if raw.Section != e.section {
		e.section = raw.Section
		e.load(md)
	}
	if int(raw.Type) >= len(eventtable.Events) ||
		(e.opts.ReferenceTableOnly && int(raw.Type) >= eventtable.ReferenceMaxEvent) {
		e.Dropped++
		return nil
	}
	info := &eventtable.Events[raw.Type]
	if info.Placeholder {
		e.Dropped++
		return nil
	}
	// Removals asked for by the previous event happen now, so that event still saw them.
	if e.pendingFD >= 0 && e.pendingFDT != nil {
		if tbl := e.FDs(e.pendingFDT); tbl != nil {
			delete(tbl.fds, e.pendingFD)
		}
		e.pendingFD, e.pendingFDT = -1, nil
	}
	if e.pendingTid >= 0 {
		e.removeThread(e.pendingTid)
		e.pendingTid = -1
	}
	e.num++
	ev := &e.ev
	*ev = Event{Raw: raw, Info: info, Num: e.num, FDNum: -1, engine: e}
	ev.Hidden = info.Category == eventtable.EC_INTERNAL
	// State-only events are applied and numbered but never shown.
	ev.Initial = raw.DumpFlags&scap.DumpFlagStateOnly != 0
	ev.Hidden = ev.Hidden || ev.Initial
	isContainer := raw.Type == eventtable.PPME_CONTAINER_E || raw.Type == eventtable.PPME_CONTAINER_JSON_E || raw.Type == eventtable.PPME_CONTAINER_JSON_2_E
	if !e.started && isContainer {
		// Leading container events describe the capture's containers; they are numbered but
		// never shown.
		ev.Hidden, ev.Initial = true, true
		e.parseContainer(ev)
		return ev
	}
	if !isContainer {
		e.started = true
	}
	if e.firstTS == 0 && raw.TS != 0 {
		e.firstTS = raw.TS
	}
	e.reset(ev)
	oldFD, oldName := ev.FD, ""
	if oldFD != nil {
		oldName = oldFD.Name
	}
	e.parse(ev)
	if raw.Type == PluginEventType && PluginDecoder != nil {
		ev.Plugin = PluginDecoder(raw)
	}
	if ev.FD != nil {
		if ev.FD != oldFD {
			oldName = ""
		}
		ev.FDNameChanged = ev.FD.Name != oldName
	}
	if isContainer && ev.Thread == nil {
		// A container event stands for its container: the reference shows it with a
		// thread made up for the container, outside the thread table.
		if c := e.lastContainer; c != nil {
			ev.Thread = &Thread{Tid: -1, Pid: -1, Ptid: 0, Sid: -1, Vpgid: -1, Pgid: -1, Vtid: -2, Vpid: -2,
				Comm: "container:" + c.ID, ContainerID: c.ID,
				LoginUID: 0xFFFFFFFF, lastEventType: -1, fds: newFDTable()}
		}
	}
	return ev
}

// IsLocalAddr reports whether an address belongs to the local machine as thread t sees it,
// in the reference's order of checks. IPv4: for a thread in a known container, the
// container's IP; a container whose IP is unknown (zero) makes every container's IP count;
// then the capture's interfaces. IPv6: never local in a container; else local when its first
// 64 bits are an interface's (so the unspecified address is local when ::1 is listed).
func (e *Engine) IsLocalAddr(t *Thread, ip []byte, v6 bool) bool {
	inContainer := t != nil && t.ContainerID != "" && t.ContainerID != "host"
	if v6 {
		if inContainer || len(ip) < 8 {
			return false
		}
		for i := range e.Interfaces {
			it := &e.Interfaces[i]
			if it.IPv6 && string(it.Addr[:8]) == string(ip[:8]) {
				return true
			}
		}
		return false
	}
	if len(ip) < 4 {
		return false
	}
	var a [4]byte
	copy(a[:], ip)
	if inContainer {
		if c := e.Containers[t.ContainerID]; c != nil {
			if c.IP != ([4]byte{}) {
				if c.IP == a {
					return true
				}
			} else {
				for _, o := range e.Containers {
					if o.IP == a {
						return true
					}
				}
			}
		}
	}
	for i := range e.Interfaces {
		it := &e.Interfaces[i]
		if !it.IPv6 && string(it.Addr[:4]) == string(a[:]) {
			return true
		}
	}
	return false
}

// FirstTS returns the timestamp of the first event with one.
func (e *Engine) FirstTS() uint64 { return e.firstTS }

func (e *Engine) removeThread(tid int64) {
	t := e.Threads[tid]
	if t == nil {
		return
	}
	delete(e.Threads, tid)
	if t.Flags&clCloneThread != 0 {
		if m := e.Threads[t.Pid]; m != nil && m.nthreads > 0 {
			m.nthreads--
		}
	}
	if t.IsMain() {
		if p := e.ParentThread(t); p != nil && p.nchilds > 0 {
			p.nchilds--
		}
	}
}

// reset is the per-event bookkeeping that runs before parsing: thread lookup, enter/exit
// pairing, latency and the event's fd.
func (e *Engine) reset(ev *Event) {
	info, raw := ev.Info, ev.Raw
	if info.Flags&eventtable.EF_SKIPPARSERESET != 0 {
		if raw.Type == eventtable.PPME_PROCINFO_E { // procinfo: shown with its thread, which it never creates
			ev.Thread = e.Threads[raw.TID]
		}
		return
	}
	switch raw.Type {
	case eventtable.PPME_CONTAINER_JSON_E, eventtable.PPME_CONTAINER_JSON_2_E, eventtable.PPME_CONTAINER_E: // container metadata: no thread
		return
	}
	noCreate := isCloneExit(raw.Type) || raw.Type == eventtable.PPME_SCHEDSWITCH_6_E || raw.Type == eventtable.PPME_PROCEXIT_E || raw.Type == eventtable.PPME_PROCEXIT_1_E
	t := e.Threads[raw.TID]
	if t == nil && !noCreate {
		t = e.placeholder(raw.TID)
	}
	ev.Thread = t
	if t == nil || raw.Type == eventtable.PPME_SCHEDSWITCH_6_E {
		return
	}
	if info.Enter {
		t.lastEventFD = -1
		t.lastEventType = int(raw.Type)
		if info.Flags&eventtable.EF_USES_FD != 0 {
			loc := info.FDParam
			if loc < 0 {
				loc = 0
			}
			if v, ok := paramI64(raw, loc); ok {
				t.lastEventFD = v
			}
			ev.FD = e.FDs(t).Get(t.lastEventFD)
		}
		t.latency = 0
		t.lastLatencyEnter = raw.TS
		ev.FDNum = t.lastEventFD
		return
	}
	if t.lastLatencyEnter != 0 {
		t.latency = raw.TS - t.lastLatencyEnter
	}
	ev.Latency = t.latency
	// A successful execveat ends with an execve exit, which pairs with the execveat enter, as
	// in the reference.
	if int(raw.Type) == t.lastEventType+1 || (isExecveExit(raw.Type) && t.lastEventType == int(eventtable.PPME_SYSCALL_EXECVEAT_E)) {
		t.enter.valid = t.enter.valid && t.enter.typ == uint16(t.lastEventType)
	} else {
		t.enter.valid = false
		// Current drivers send exit events only, carrying the fd themselves; an fd-creating
		// exit starts from no fd, as its enter event would have.
		if info.Has(eventtable.EF_CREATES_FD) {
			t.lastEventFD = -1
		}
		if info.FDParam >= 0 {
			if v, ok := paramI64(raw, info.FDParam); ok && len(raw.Params[info.FDParam]) == 8 {
				t.lastEventFD = v
				ev.FD = e.FDs(t).Get(v)
			}
		}
		ev.FDNum = t.lastEventFD
		return
	}
	if info.Flags&eventtable.EF_USES_FD != 0 {
		ev.FD = e.FDs(t).Get(t.lastEventFD)
	}
	ev.FDNum = t.lastEventFD
}

func isCloneExit(t uint16) bool {
	switch t {
	case eventtable.PPME_SYSCALL_CLONE_11_X, eventtable.PPME_SYSCALL_CLONE_16_X, eventtable.PPME_SYSCALL_CLONE_17_X, eventtable.PPME_SYSCALL_CLONE_20_X, eventtable.PPME_SYSCALL_FORK_X, eventtable.PPME_SYSCALL_FORK_17_X, eventtable.PPME_SYSCALL_FORK_20_X, eventtable.PPME_SYSCALL_VFORK_X, eventtable.PPME_SYSCALL_VFORK_17_X, eventtable.PPME_SYSCALL_VFORK_20_X, eventtable.PPME_SYSCALL_CLONE3_X:
		return true
	}
	return false
}

func isExecveExit(t uint16) bool {
	switch t {
	case eventtable.PPME_SYSCALL_EXECVE_8_X, eventtable.PPME_SYSCALL_EXECVE_13_X, eventtable.PPME_SYSCALL_EXECVE_14_X, eventtable.PPME_SYSCALL_EXECVE_15_X, eventtable.PPME_SYSCALL_EXECVE_16_X, eventtable.PPME_SYSCALL_EXECVE_17_X, eventtable.PPME_SYSCALL_EXECVE_18_X, eventtable.PPME_SYSCALL_EXECVE_19_X:
		return true
	}
	return false
}

// param helpers: absent or wrongly sized parameters read as not present.

func paramI64(raw *scap.Event, i int) (int64, bool) {
	if i < 0 || i >= len(raw.Params) {
		return 0, false
	}
	return scap.ParamInt(raw.Params[i])
}

func paramU64(raw *scap.Event, i int) (uint64, bool) {
	if i < 0 || i >= len(raw.Params) {
		return 0, false
	}
	return scap.ParamUint(raw.Params[i])
}

func paramStr(raw *scap.Event, i int) (string, bool) {
	if i < 0 || i >= len(raw.Params) {
		return "", false
	}
	return cstr(raw.Params[i]), true
}

func storedI64(s *storedEvent, i int) (int64, bool) {
	if !s.valid || i >= len(s.params) {
		return 0, false
	}
	return paramI64(&scap.Event{Params: s.params}, i)
}

func storedStr(s *storedEvent, i int) (string, bool) {
	if !s.valid || i >= len(s.params) {
		return "", false
	}
	return cstr(s.params[i]), true
}

// cstr returns the bytes up to the first NUL.
func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

func withSlash(p string) string {
	if p == "" || strings.HasSuffix(p, "/") {
		return p
	}
	return p + "/"
}
