package columnar

import (
	"encoding/binary"
	"strconv"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// sides builds the derived tables while events stream by. Each part only holds what is still
// open (live processes, pending syscall enters, open fds); finished rows go to their table's
// builder, which is cut into a batch when full.
type sides struct {
	r *reader

	procs   *flatBuilder
	sys     *flatBuilder
	conns   *flatBuilder
	files   *flatBuilder
	pinfo   *flatBuilder
	procMap map[uint64]*procRow
	pending map[int64]*pendingEnter
	fds     map[*state.FD]*fdRow
	fdsOf   map[uint64][]*state.FD // open fd rows per process, to finish them when it exits
}

func (s *sides) init(r *reader) {
	s.r = r
	mk := func(name string) *flatBuilder {
		if !r.want[name] {
			return nil
		}
		t, _ := LookupTable(name)
		return newFlatBuilder(r.mem, t, r.batchRows)
	}
	s.procs, s.sys, s.conns, s.files, s.pinfo = mk("processes"), mk("syscalls"), mk("connections"), mk("files"), mk("procinfo")
	s.procMap = map[uint64]*procRow{}
	s.pending = map[int64]*pendingEnter{}
	s.fds = map[*state.FD]*fdRow{}
	s.fdsOf = map[uint64][]*state.FD{}
}

func (s *sides) release() {
	for _, b := range []*flatBuilder{s.procs, s.sys, s.conns, s.files, s.pinfo} {
		if b != nil {
			b.release()
		}
	}
}

// flushIfFull hands b's rows to the sink once it holds a batch.
func (s *sides) flushIfFull(b *flatBuilder) error {
	if !b.full() {
		return nil
	}
	return s.r.emit(b)
}

// start registers the processes the capture's process list describes.
func (s *sides) start(eng *state.Engine) {
	if s.procs == nil {
		return
	}
	for _, t := range eng.Threads {
		if t.IsMain() && t.UPID != 0 {
			s.proc(eng, t)
		}
	}
}

func (s *sides) observe(c *rowCtx, ev *state.Event) error {
	if s.procs != nil {
		s.observeProc(c, ev)
	}
	if s.sys != nil && ev.Info.Class == et.EC_SYSCALL && !ev.Hidden {
		if err := s.observeSyscall(c, ev); err != nil {
			return err
		}
	}
	if (s.conns != nil || s.files != nil) && ev.FD != nil && ev.Thread != nil {
		if err := s.observeFD(c, ev); err != nil {
			return err
		}
	}
	if s.pinfo != nil && ev.Raw.Type == procinfoType {
		if err := s.observeProcinfo(c, ev); err != nil {
			return err
		}
	}
	if isProcexit(ev) && ev.Thread != nil && ev.Thread.IsMain() {
		if err := s.processEnded(ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *sides) finish() error {
	if s.sys != nil {
		for tid, p := range s.pending {
			s.appendSyscall(p, nil, nil)
			delete(s.pending, tid)
			if err := s.flushIfFull(s.sys); err != nil {
				return err
			}
		}
	}
	for fd, row := range s.fds {
		if err := s.finishFD(fd, row, 0); err != nil {
			return err
		}
	}
	if s.procs != nil {
		for _, p := range s.procMap {
			s.appendProc(p)
			if err := s.flushIfFull(s.procs); err != nil {
				return err
			}
		}
	}
	for _, b := range []*flatBuilder{s.procs, s.sys, s.conns, s.files, s.pinfo} {
		if b != nil && b.rows > 0 {
			if err := s.r.emit(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// Event ids the side tables look for.
const (
	procinfoType = 234
)

func isCloneName(n string) bool { return n == "clone" || n == "clone3" || n == "fork" || n == "vfork" }

func isProcexit(ev *state.Event) bool {
	return ev.Raw.Type == et.PPME_PROCEXIT_E || ev.Raw.Type == et.PPME_PROCEXIT_1_E
}

// resIndex caches, per event type, the index of the return value parameter ("res", or "fd"
// for the exits of fd-creating calls), -1 if none.
var resIndex = func() []int8 {
	out := make([]int8, len(et.Events))
	for i := range et.Events {
		e := &et.Events[i]
		out[i] = -1
		if e.Enter {
			continue
		}
		idx := e.ParamIndex("res")
		if idx < 0 && e.Has(et.EF_CREATES_FD) {
			idx = e.ParamIndex("fd")
		}
		out[i] = int8(idx)
	}
	return out
}()

// rawres is evt.rawres: the exit's return value.
func rawres(ev *state.Event) (int64, bool) {
	if int(ev.Raw.Type) >= len(resIndex) {
		return 0, false
	}
	idx := resIndex[ev.Raw.Type]
	if idx < 0 {
		return 0, false
	}
	p, ok := ev.Param(int(idx))
	if !ok {
		return 0, false
	}
	return scap.ParamInt(p)
}

// paramByName returns the named parameter as a signed number.
func paramByName(ev *state.Event, name string) (int64, bool) {
	p, ok := ev.Param(ev.Info.ParamIndex(name))
	if !ok {
		return 0, false
	}
	return scap.ParamInt(p)
}

// --- processes ---

type procRow struct {
	t                    *state.Thread // main thread, for the last known identity
	id, parentID         uint64
	pid, ppid, vpid      int64
	start, end           uint64
	first, last          uint64
	events, execs        int64
	exitStatus, exitCode int64
	exitSignal           int64
	hasStatus, hasCode   bool
	hasSignal            bool
	ancIDs, ancPids      []int64
	ancNames             []string
	uid, gid             uint32
	name, exe, exepath   string
	args                 []string
	cwd, container       string
	user, group          string
	hasUser, hasGroup    bool
}

// proc returns the row of main thread m's process, creating it at first sight.
func (s *sides) proc(eng *state.Engine, m *state.Thread) *procRow {
	p := s.procMap[m.UPID]
	if p != nil {
		return p
	}
	p = &procRow{t: m, id: m.UPID, pid: m.Pid, ppid: m.Ptid, start: m.CloneTS}
	// Ancestry as it stands when the process is first seen.
	for a := eng.Parent(m); a != nil && len(p.ancIDs) < state.MaxAncestors; a = eng.Parent(a) {
		p.ancIDs = append(p.ancIDs, int64(a.UPID))
		p.ancNames = append(p.ancNames, a.Comm)
		p.ancPids = append(p.ancPids, a.Pid)
	}
	s.procMap[m.UPID] = p
	s.refreshProc(eng, p, m)
	return p
}

// refreshProc copies the identity the process has now (it changes with execve, setuid, ...).
func (s *sides) refreshProc(eng *state.Engine, p *procRow, m *state.Thread) {
	p.t = m
	p.parentID, p.ppid = eng.ParentUPID(m), m.Ptid
	p.name, p.exe, p.exepath, p.args = m.Comm, m.Exe, m.Exepath, m.Args
	p.cwd, p.container = eng.CwdOf(m), m.ContainerID
	if p.container == "" {
		p.container = "host"
	}
	p.uid, p.gid, p.vpid = m.UID, m.GID, m.Vpid
	p.user, p.hasUser = "", false
	if u := eng.Users[m.UID]; u != nil {
		p.user, p.hasUser = u.Name, true
	} else if m.UID == 0 {
		p.user, p.hasUser = "root", true
	}
	p.group, p.hasGroup = "", false
	if g := eng.Groups[m.GID]; g != nil {
		p.group, p.hasGroup = g.Name, true
	} else if m.GID == 0 {
		p.group, p.hasGroup = "root", true
	}
}

func (s *sides) observeProc(c *rowCtx, ev *state.Event) {
	t := ev.Thread
	if t == nil || t.UPID == 0 {
		return
	}
	eng := ev.Engine()
	m := eng.Main(t)
	if m == nil {
		m = t
	}
	p := s.proc(eng, m)
	ts := ev.Raw.TS
	if p.first == 0 {
		p.first = ts
	}
	p.last = ts
	if !ev.Hidden {
		p.events++
	}
	if !ev.Info.Enter && ev.Info.Name == "execve" {
		if r, ok := rawres(ev); ok && r == 0 {
			p.execs++
		}
	}
	// Cheap change test: the engine replaces these on exec, setuid and chdir.
	if p.t != m || p.name != m.Comm || len(p.args) != len(m.Args) || p.uid != m.UID || p.gid != m.GID ||
		p.exepath != m.Exepath || p.cwd != eng.CwdOf(m) || p.ppid != m.Ptid {
		s.refreshProc(eng, p, m)
	}
	// A clone exit in the parent names the child: register it even if it never runs.
	if !ev.Info.Enter && isCloneName(ev.Info.Name) {
		if r, ok := rawres(ev); ok && r > 0 {
			if ch := eng.Threads[r]; ch != nil && ch.IsMain() && ch.UPID != 0 {
				s.proc(eng, ch)
			}
		}
	}
}

// processEnded records a main thread's procexit and finishes the process's open fds.
func (s *sides) processEnded(ev *state.Event) error {
	t := ev.Thread
	if s.procs != nil {
		p := s.proc(ev.Engine(), t)
		p.end = ev.Raw.TS
		p.exitStatus, p.hasStatus = paramByName(ev, "status")
		p.exitCode, p.hasCode = paramByName(ev, "ret")
		p.exitSignal, p.hasSignal = paramByName(ev, "sig")
	}
	for _, fd := range s.fdsOf[t.UPID] {
		if row := s.fds[fd]; row != nil {
			if err := s.finishFD(fd, row, 0); err != nil {
				return err
			}
		}
	}
	delete(s.fdsOf, t.UPID)
	return nil
}

func (s *sides) appendProc(p *procRow) {
	b := s.procs
	b.str(s.r.capture)
	b.i64(int64(p.id))
	b.i64OrNull(int64(p.parentID), p.parentID != 0)
	b.i64(p.pid)
	b.i64(p.ppid)
	b.str(p.name)
	b.str(p.exe)
	b.str(p.exepath)
	if len(p.args) == 0 {
		b.str(p.name)
	} else {
		b.str(fields.Cmdline(p.name, p.args))
	}
	b.strs(p.args)
	b.str(p.cwd)
	b.i64(int64(p.uid))
	b.strOrNull(p.user, p.hasUser)
	b.i64(int64(p.gid))
	b.strOrNull(p.group, p.hasGroup)
	b.str(p.container)
	b.i64OrNull(p.vpid, p.vpid >= 0)
	b.ts(p.start)
	b.ts(p.end)
	b.ts(p.first)
	b.ts(p.last)
	b.i64(p.events)
	b.i64(p.execs)
	b.i64OrNull(p.exitStatus, p.hasStatus)
	b.i64OrNull(p.exitCode, p.hasCode)
	b.i64OrNull(p.exitSignal, p.hasSignal)
	b.i64s(p.ancIDs)
	b.strs(p.ancNames)
	b.i64s(p.ancPids)
	b.endRow()
}

// --- syscalls ---

type pendingEnter struct {
	typ      uint16
	name     string
	num, ts  uint64
	tid, pid int64
	procID   uint64
	procName string
	params   []paramText
}

func (s *sides) observeSyscall(c *rowCtx, ev *state.Event) error {
	tid := ev.Raw.TID
	if ev.Info.Enter {
		if old := s.pending[tid]; old != nil {
			// An enter whose exit never came.
			s.appendSyscall(old, nil, nil)
			if err := s.flushIfFull(s.sys); err != nil {
				return err
			}
		}
		p := s.pending[tid]
		if p == nil {
			p = &pendingEnter{}
		}
		p.typ, p.name, p.num, p.ts, p.tid = ev.Raw.Type, fields.EventType(ev), ev.Num, ev.Raw.TS, tid
		p.pid, p.procID, p.procName = -1, 0, ""
		if t := ev.Thread; t != nil {
			p.pid, p.procID, p.procName = t.Pid, t.UPID, t.Comm
		}
		p.params = append(p.params[:0], c.paramTexts()...)
		s.pending[tid] = p
		return nil
	}
	name := fields.EventType(ev)
	p := s.pending[tid]
	if p != nil && (p.typ+1 != ev.Raw.Type || p.name != name) {
		s.appendSyscall(p, nil, nil)
		p = nil
		delete(s.pending, tid)
		if err := s.flushIfFull(s.sys); err != nil {
			return err
		}
	}
	s.appendSyscall(p, c, ev)
	if p != nil {
		delete(s.pending, tid)
	}
	return s.flushIfFull(s.sys)
}

// appendSyscall writes a syscall row from its enter (p, may be nil) and exit (ev, may be nil).
func (s *sides) appendSyscall(p *pendingEnter, c *rowCtx, ev *state.Event) {
	b := s.sys
	b.str(s.r.capture)
	if ev != nil {
		b.str(fields.EventType(ev))
		b.str(fields.Category(ev))
		b.i64(ev.Raw.TID)
		b.process(ev.Thread)
	} else {
		b.str(p.name)
		b.null()
		b.i64(p.tid)
		b.i64OrNull(p.pid, p.pid >= 0)
		b.i64OrNull(int64(p.procID), p.procID != 0)
		b.strOrNull(p.procName, p.pid >= 0)
	}
	if p != nil {
		b.i64(int64(p.num))
	} else {
		b.null()
	}
	if ev != nil {
		b.i64(int64(ev.Num))
	} else {
		b.null()
	}
	if p != nil {
		b.ts(p.ts)
	} else {
		b.null()
	}
	if ev != nil {
		b.ts(ev.Raw.TS)
	} else {
		b.null()
	}
	if p != nil && ev != nil {
		b.i64(int64(ev.Raw.TS - p.ts))
	} else {
		b.null()
	}
	if ev != nil {
		r, ok := rawres(ev)
		if ok {
			switch {
			case r >= 0:
				b.str("SUCCESS")
			case et.ErrnoName(-r) != "":
				b.str(et.ErrnoName(-r))
			default:
				b.str(strconv.FormatInt(r, 10))
			}
		} else {
			b.null()
		}
		b.i64OrNull(r, ok)
		b.boolean(ok && r < 0)
		if ev.FD != nil {
			b.i64(ev.FD.Num)
			b.str(ev.FD.Name)
		} else if ev.FDNum >= 0 {
			b.i64(ev.FDNum)
			b.null()
		} else {
			b.null()
			b.null()
		}
	} else {
		b.null()
		b.null()
		b.null()
		b.null()
		b.null()
	}
	var keys, vals []string
	if p != nil {
		for _, pt := range p.params {
			keys, vals = setKV(keys, vals, pt.name, pt.text)
		}
	}
	if ev != nil {
		for _, pt := range c.paramTexts() {
			keys, vals = setKV(keys, vals, pt.name, pt.text)
		}
	}
	b.strMap(keys, vals)
	b.endRow()
}

// setKV sets k to v in parallel key and value slices.
func setKV(keys, vals []string, k, v string) ([]string, []string) {
	for i := range keys {
		if keys[i] == k {
			vals[i] = v
			return keys, vals
		}
	}
	return append(keys, k), append(vals, v)
}

// --- connections and files ---

type fdRow struct {
	// conn: the row is the connections table's (else files'), as the fd was when first
	// seen; its type may change later (a socket fd turned into a file by a missed close).
	conn         bool
	upid         uint64
	pid          int64
	procName     string
	opened       uint64
	first, last  uint64
	bytesIn      int64
	bytesOut     int64
	reads        int64
	writes       int64
	events       int64
	flagsText    string
	hasFlagsText bool
}

func isConn(f *state.FD) bool { return f.Type == scap.FDIPv4Sock || f.Type == scap.FDIPv6Sock }

func isFile(f *state.FD) bool {
	return f.Type == scap.FDFile || f.Type == scap.FDFileV2 || f.Type == scap.FDDirectory
}

func (s *sides) observeFD(c *rowCtx, ev *state.Event) error {
	f := ev.FD
	conn, file := isConn(f) && s.conns != nil, isFile(f) && s.files != nil
	if !conn && !file {
		return nil
	}
	row := s.fds[f]
	ts := ev.Raw.TS
	if row == nil {
		t := ev.Thread
		m := ev.Engine().Main(t)
		if m == nil {
			m = t
		}
		row = &fdRow{conn: conn, upid: m.UPID, pid: m.Pid, procName: m.Comm, first: ts}
		if !ev.Info.Enter && ev.Info.Has(et.EF_CREATES_FD) {
			row.opened = ts
			if file {
				for _, p := range c.paramTexts() {
					if p.name == "flags" {
						row.flagsText, row.hasFlagsText = p.text, true
						break
					}
				}
			}
		}
		s.fds[f] = row
		s.fdsOf[row.upid] = append(s.fdsOf[row.upid], f)
	}
	row.last = ts
	row.events++
	if !ev.Info.Enter {
		if ev.Info.Flags&(et.EF_READS_FROM_FD|et.EF_WRITES_TO_FD) != 0 {
			if r, ok := rawres(ev); ok && r >= 0 {
				if ev.Info.Has(et.EF_READS_FROM_FD) {
					row.bytesIn += r
					row.reads++
				} else {
					row.bytesOut += r
					row.writes++
				}
			}
		}
		if ev.Info.Has(et.EF_DESTROYS_FD) && ev.Info.Name == "close" {
			if r, ok := rawres(ev); ok && r >= 0 {
				return s.finishFD(f, row, ts)
			}
		}
	}
	return nil
}

// finishFD writes an fd's row (closed at ts, 0 if not closed) and forgets it.
func (s *sides) finishFD(f *state.FD, row *fdRow, closed uint64) error {
	delete(s.fds, f)
	if row.conn {
		b := s.conns
		b.str(s.r.capture)
		b.i64OrNull(int64(row.upid), row.upid != 0)
		b.i64(row.pid)
		b.str(row.procName)
		b.i64(f.Num)
		if f.V6 {
			b.str("ipv6")
		} else {
			b.str("ipv4")
		}
		l4 := fields.L4(f)
		b.strOrNull(l4Text(l4), l4Text(l4) != "")
		switch f.Role {
		case state.RoleClient:
			b.str("client")
		case state.RoleServer:
			b.str("server")
		default:
			b.null()
		}
		w := 4
		if f.V6 {
			w = 16
		}
		known := f.Role != state.RoleNone
		b.strOrNull(state.IPString(f.SIP[:w]), known)
		b.i64OrNull(int64(f.SPort), known)
		b.strOrNull(state.IPString(f.DIP[:w]), known)
		b.i64OrNull(int64(f.DPort), known)
		b.str(f.Name)
		s.fdTimes(b, row, closed)
		b.endRow()
		return s.flushIfFull(b)
	}
	b := s.files
	b.str(s.r.capture)
	b.i64OrNull(int64(row.upid), row.upid != 0)
	b.i64(row.pid)
	b.str(row.procName)
	b.i64(f.Num)
	b.str(f.Name)
	if f.Type == scap.FDDirectory {
		b.str("directory")
	} else {
		b.str("file")
	}
	b.i64(int64(f.OpenFlags))
	b.strOrNull(row.flagsText, row.hasFlagsText)
	s.fdTimes(b, row, closed)
	b.endRow()
	return s.flushIfFull(b)
}

func (s *sides) fdTimes(b *flatBuilder, row *fdRow, closed uint64) {
	b.ts(row.opened)
	b.ts(closed)
	b.ts(row.first)
	b.ts(row.last)
	b.i64(row.bytesIn)
	b.i64(row.bytesOut)
	b.i64(row.reads)
	b.i64(row.writes)
	b.i64(row.events)
}

func l4Text(l uint8) string {
	switch l {
	case state.L4TCP:
		return "tcp"
	case state.L4UDP:
		return "udp"
	case state.L4ICMP:
		return "icmp"
	case state.L4Raw:
		return "raw"
	}
	return ""
}

// process writes the pid, proc_id and proc_name columns of a thread's process (NULLs for none).
func (b *flatBuilder) process(t *state.Thread) {
	if t == nil {
		b.null()
		b.null()
		b.null()
		return
	}
	b.i64(t.Pid)
	b.i64OrNull(int64(t.UPID), t.UPID != 0)
	b.str(t.Comm)
}

// --- procinfo ---

func (s *sides) observeProcinfo(c *rowCtx, ev *state.Event) error {
	b := s.pinfo
	b.str(s.r.capture)
	b.i64(int64(ev.Num))
	b.ts(ev.Raw.TS)
	b.i64(ev.Raw.TID)
	b.process(ev.Thread)
	for _, name := range []string{"cpu_usr", "cpu_sys"} {
		p, ok := ev.Param(ev.Info.ParamIndex(name))
		if ok && len(p) == 8 {
			b.i64(int64(binary.LittleEndian.Uint64(p)))
		} else {
			b.null()
		}
	}
	b.endRow()
	return s.flushIfFull(b)
}
