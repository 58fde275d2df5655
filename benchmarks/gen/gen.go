package main

import (
	"fmt"
	"net/netip"

	et "github.com/scapql/scapql/ingest/eventtable"
	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// config is the generator's input.
type config struct {
	seed    uint64
	events  int64
	procs   int
	cpus    int
	startTS uint64
}

// gen simulates a busy host and streams its syscalls into a capture. It
// keeps one model of processes, threads and fds and emits only events that
// are consistent with it, so a libsinsp-style reader rebuilds the same state.
type gen struct {
	cfg     config
	w       *sw.Writer
	r       *rng
	world   *world
	ts      uint64
	n       int64 // events written
	threads []*thread
	cpus    []*thread // thread last run on each cpu
	procs   map[int64]*proc
	nextPID int64
	live    int // live short-lived commands
	counts  [et.ReferenceMaxEvent]int64
	genCnt  [512]int64  // generic events by ppm_sc code
	genName [512]string // their names
	shells  []*proc
}

func newGen(cfg config, w *sw.Writer) *gen {
	r := newRNG(cfg.seed)
	g := &gen{
		cfg: cfg, w: w, r: r, world: newWorld(r), ts: cfg.startTS,
		cpus: make([]*thread, cfg.cpus), procs: map[int64]*proc{}, nextPID: 30000,
	}
	return g
}

// done reports whether the event budget is spent.
func (g *gen) done() bool { return g.n >= g.cfg.events }

// begin starts an event for thread t at the next timestamp.
func (g *gen) begin(t *thread, typ uint16) *sw.Event {
	g.ts += 150 + uint64(g.r.IntN(1700))
	g.n++
	g.counts[typ]++
	return g.w.Begin(g.ts, t.tid, uint16(t.cpu), typ)
}

// run emits events until the budget is spent.
func (g *gen) run() error {
	for !g.done() {
		if g.r.IntN(100) == 0 {
			g.procinfo()
			continue
		}
		t := g.pick()
		if t == nil {
			return fmt.Errorf("gen: no runnable threads left")
		}
		if g.done() {
			break
		}
		g.step(t)
		if err := g.w.Err(); err != nil {
			return err
		}
	}
	return nil
}

// pick chooses the next thread, emitting a context switch when the cpu
// changes hands. Most of the time the thread already on a cpu keeps it.
func (g *gen) pick() *thread {
	c := g.r.IntN(len(g.cpus))
	cur := g.cpus[c]
	if cur != nil && !cur.dead && g.r.Float64() < 0.88 {
		return cur
	}
	var t *thread
	for tries := 0; tries < 64; tries++ {
		cand := g.threads[g.r.IntN(len(g.threads))]
		// A process gets about its profile's activity however many threads
		// it has, so thread-heavy daemons do not drown the workload.
		w := activity[cand.p.prof]
		if n := len(cand.p.threads); n > 1 {
			w = w * 2 / float64(n+1)
		}
		if cand.inExit || g.r.Float64() < w {
			t = cand
			break
		}
	}
	if t == nil {
		t = g.threads[g.r.IntN(len(g.threads))]
	}
	if t == cur {
		return t
	}
	if g.cpus[t.cpu] == t {
		g.cpus[t.cpu] = nil
	}
	t.cpu = c
	g.cpus[c] = t
	if cur != nil && !cur.dead {
		p := cur.p
		p.pfMin += uint64(g.r.IntN(40))
		g.begin(cur, et.PPME_SCHEDSWITCH_6_E).PID(t.tid).U64(p.pfMaj).U64(p.pfMin).
			U32(p.vmSize).U32(p.vmRSS).U32(0).End()
	}
	return t
}

// procinfo emits the driver's periodic cpu usage event for a running thread.
func (g *gen) procinfo() {
	t := g.cpus[g.r.IntN(len(g.cpus))]
	if t == nil || t.dead {
		t = g.threads[g.r.IntN(len(g.threads))]
	}
	g.begin(t, et.PPME_PROCINFO_E).U64(uint64(g.r.IntN(100000))).U64(uint64(g.r.IntN(30000))).End()
}

// step advances thread t by one event: the exit of its pending syscall, or
// the enter of the next one (planning more when its plan runs out).
func (g *gen) step(t *thread) {
	if t.inExit {
		o := &t.plan[t.pi]
		g.exit(t, o)
		t.inExit = false
		t.pi++
		g.apply(t, o)
		return
	}
	if t.pi >= len(t.plan) {
		t.plan = t.plan[:0]
		t.pi = 0
		g.plan(t)
	}
	o := &t.plan[t.pi]
	switch o.kind {
	case kCloneChild:
		g.exit(t, o)
		t.pi++
		g.apply(t, o)
	case kProcexit, kSignal, kGenericEnter:
		g.enter(t, o)
		t.pi++
		g.apply(t, o)
	default:
		g.enter(t, o)
		t.inExit = true
	}
}

// apply updates the model once a syscall returned.
func (g *gen) apply(t *thread, o *op) {
	p := t.p
	switch o.kind {
	case kClose:
		if o.res == 0 {
			p.free(o.fd)
		}
	case kClone:
		if o.child != nil {
			g.addThread(o.child)
		}
	case kExecve:
		if o.res == 0 {
			e := o.exec
			p.comm, p.exe, p.exepath, p.args, p.prof, p.cmd = e.comm, e.exe, e.exepath, e.args, e.prof, e.cmd
			for i := 3; i < len(p.fds); i++ {
				if p.fds[i].cloexec {
					p.fds[i] = fdEnt{}
				}
			}
		}
	case kProcexit:
		g.removeThread(t)
	case kBrk:
		p.brk = uint64(o.res)
	}
}

// addThread makes a thread runnable.
func (g *gen) addThread(t *thread) {
	t.idx = len(g.threads)
	g.threads = append(g.threads, t)
	t.p.threads = append(t.p.threads, t)
}

// removeThread drops an exited thread (and its process when it was the last).
func (g *gen) removeThread(t *thread) {
	t.dead = true
	last := g.threads[len(g.threads)-1]
	g.threads[t.idx] = last
	last.idx = t.idx
	g.threads = g.threads[:len(g.threads)-1]
	if g.cpus[t.cpu] == t {
		g.cpus[t.cpu] = nil
	}
	p := t.p
	for i, x := range p.threads {
		if x == t {
			p.threads = append(p.threads[:i], p.threads[i+1:]...)
			break
		}
	}
	if len(p.threads) == 0 {
		p.alive = false
		delete(g.procs, p.pid)
		if p.prof == profCmd {
			g.live--
		}
		if p.parent != nil {
			p.parent.children--
		}
	}
}

// enter writes the enter event of o (REF-era layouts, sysdig 0.29.3).
func (g *gen) enter(t *thread, o *op) {
	switch o.kind {
	case kOpen:
		g.begin(t, et.PPME_SYSCALL_OPEN_E).CharBuf(o.path).U32(o.flags).U32(o.mode).End()
	case kOpenat:
		g.begin(t, et.PPME_SYSCALL_OPENAT_2_E).FD(o.dirfd).CharBuf(o.path).U32(o.flags).U32(o.mode).End()
	case kRead:
		g.begin(t, et.PPME_SYSCALL_READ_E).FD(o.fd).U32(o.size).End()
	case kWrite:
		g.begin(t, et.PPME_SYSCALL_WRITE_E).FD(o.fd).U32(o.size).End()
	case kWritev:
		g.begin(t, et.PPME_SYSCALL_WRITEV_E).FD(o.fd).U32(o.size).End()
	case kPread:
		g.begin(t, et.PPME_SYSCALL_PREAD_E).FD(o.fd).U32(o.size).U64(o.off).End()
	case kPwrite:
		g.begin(t, et.PPME_SYSCALL_PWRITE_E).FD(o.fd).U32(o.size).U64(o.off).End()
	case kClose:
		g.begin(t, et.PPME_SYSCALL_CLOSE_E).FD(o.fd).End()
	case kFstat:
		g.begin(t, et.PPME_SYSCALL_FSTAT_E).FD(o.fd).End()
	case kStat:
		g.begin(t, et.PPME_SYSCALL_STAT_E).End()
	case kLseek:
		g.begin(t, et.PPME_SYSCALL_LSEEK_E).FD(o.fd).U64(o.off).U8(uint8(o.mode)).End()
	case kAccess:
		g.begin(t, et.PPME_SYSCALL_ACCESS_E).U32(o.mode).End()
	case kGetdents64:
		g.begin(t, et.PPME_SYSCALL_GETDENTS64_E).FD(o.fd).End()
	case kMmap:
		g.begin(t, et.PPME_SYSCALL_MMAP_E).U64(0).U64(uint64(o.size)).U32(o.mode).U32(o.flags).FD(o.fd).U64(o.off).End()
	case kMprotect:
		g.begin(t, et.PPME_SYSCALL_MPROTECT_E).U64(o.off).U64(uint64(o.size)).U32(o.mode).End()
	case kBrk:
		g.begin(t, et.PPME_SYSCALL_BRK_4_E).U64(o.off).End()
	case kSocket:
		g.begin(t, et.PPME_SOCKET_SOCKET_E).U32(o.mode).U32(o.flags).U32(o.size).End()
	case kConnect:
		e := g.begin(t, et.PPME_SOCKET_CONNECT_E).FD(o.fd)
		if o.unix != "" {
			e.SockaddrUnix(o.unix)
		} else {
			e.Sockaddr(o.remote)
		}
		e.End()
	case kAccept4:
		g.begin(t, et.PPME_SOCKET_ACCEPT4_5_E).I32(int32(o.flags)).End()
	case kSendto:
		e := g.begin(t, et.PPME_SOCKET_SENDTO_E).FD(o.fd).U32(o.size)
		g.tuple(e, o, false).End()
	case kRecvfrom:
		g.begin(t, et.PPME_SOCKET_RECVFROM_E).FD(o.fd).U32(o.size).End()
	case kRecvmsg:
		g.begin(t, et.PPME_SOCKET_RECVMSG_E).FD(o.fd).End()
	case kSendmsg:
		e := g.begin(t, et.PPME_SOCKET_SENDMSG_E).FD(o.fd).U32(o.size)
		g.tuple(e, o, false).End()
	case kEpollWait:
		g.begin(t, et.PPME_SYSCALL_EPOLLWAIT_E).Errno(int64(o.size)).End()
	case kPoll:
		g.begin(t, et.PPME_SYSCALL_POLL_E).FDList(sw.PollFD{FD: o.fd, Events: int16(o.mode)}).I64(int64(o.off)).End()
	case kFutex:
		g.begin(t, et.PPME_SYSCALL_FUTEX_E).U64(o.off).U16(uint16(o.flags)).U64(uint64(o.size)).End()
	case kNanosleep:
		g.begin(t, et.PPME_SYSCALL_NANOSLEEP_E).U64(o.off).End()
	case kGeneric, kGenericEnter:
		g.genCnt[o.gen.sc]++
		g.genName[o.gen.sc] = o.gen.name
		g.begin(t, et.PPME_GENERIC_E).U16(o.gen.sc).U16(o.gen.native).End()
	case kClone:
		g.begin(t, et.PPME_SYSCALL_CLONE_20_E).End()
	case kExecve:
		g.begin(t, et.PPME_SYSCALL_EXECVE_19_E).CharBuf(o.path).End()
	case kProcexit:
		g.begin(t, et.PPME_PROCEXIT_1_E).Errno(o.res << 8).Errno(o.res).U8(0).U8(0).End()
	case kSignal:
		g.begin(t, et.PPME_SIGNALDELIVER_E).PID(o.fd).PID(t.p.pid).U8(uint8(o.mode)).End()
	case kUnlinkat:
		g.begin(t, et.PPME_SYSCALL_UNLINKAT_2_E).End()
	default:
		panic(fmt.Sprintf("gen: no enter for kind %d", o.kind))
	}
}

// tuple adds the socket tuple of o (local -> remote), empty when unknown.
func (g *gen) tuple(e *sw.Event, o *op, swap bool) *sw.Event {
	switch {
	case o.unix != "":
		return e.SocktupleUnix(0xffff9c8b4e3a0000+uint64(o.fd)<<8, 0xffff9c8b4e3b0000, o.unix)
	case !o.local.IsValid():
		return e.Empty()
	case swap:
		return e.Socktuple(o.remote, o.local)
	}
	return e.Socktuple(o.local, o.remote)
}

// data returns the captured bytes of an I/O exit: nothing on failure.
func data(o *op) []byte {
	if o.res <= 0 {
		return nil
	}
	return o.data
}

// exit writes the exit event of o.
func (g *gen) exit(t *thread, o *op) {
	p := t.p
	switch o.kind {
	case kOpen:
		g.begin(t, et.PPME_SYSCALL_OPEN_X).FD(o.res).CharBuf(o.path).U32(o.flags).U32(o.mode).U32(g.dev(o.res)).End()
	case kOpenat:
		g.begin(t, et.PPME_SYSCALL_OPENAT_2_X).FD(o.res).FD(o.dirfd).CharBuf(o.path).U32(o.flags).U32(o.mode).U32(g.dev(o.res)).End()
	case kRead:
		g.begin(t, et.PPME_SYSCALL_READ_X).Errno(o.res).Bytes(data(o)).End()
	case kWrite:
		g.begin(t, et.PPME_SYSCALL_WRITE_X).Errno(o.res).Bytes(data(o)).End()
	case kWritev:
		g.begin(t, et.PPME_SYSCALL_WRITEV_X).Errno(o.res).Bytes(data(o)).End()
	case kPread:
		g.begin(t, et.PPME_SYSCALL_PREAD_X).Errno(o.res).Bytes(data(o)).End()
	case kPwrite:
		g.begin(t, et.PPME_SYSCALL_PWRITE_X).Errno(o.res).Bytes(data(o)).End()
	case kClose:
		g.begin(t, et.PPME_SYSCALL_CLOSE_X).Errno(o.res).End()
	case kFstat:
		g.begin(t, et.PPME_SYSCALL_FSTAT_X).Errno(o.res).End()
	case kStat:
		g.begin(t, et.PPME_SYSCALL_STAT_X).Errno(o.res).CharBuf(o.path).End()
	case kLseek:
		g.begin(t, et.PPME_SYSCALL_LSEEK_X).Errno(o.res).End()
	case kAccess:
		g.begin(t, et.PPME_SYSCALL_ACCESS_X).Errno(o.res).CharBuf(o.path).End()
	case kGetdents64:
		g.begin(t, et.PPME_SYSCALL_GETDENTS64_X).Errno(o.res).End()
	case kMmap:
		g.begin(t, et.PPME_SYSCALL_MMAP_X).U64(uint64(o.res)).U32(p.vmSize).U32(p.vmRSS).U32(0).End()
	case kMprotect:
		g.begin(t, et.PPME_SYSCALL_MPROTECT_X).Errno(o.res).End()
	case kBrk:
		g.begin(t, et.PPME_SYSCALL_BRK_4_X).U64(uint64(o.res)).U32(p.vmSize).U32(p.vmRSS).U32(0).End()
	case kSocket:
		g.begin(t, et.PPME_SOCKET_SOCKET_X).FD(o.res).End()
	case kConnect:
		e := g.begin(t, et.PPME_SOCKET_CONNECT_X).Errno(o.res)
		if o.res == 0 || o.res == -eINPROGRESS {
			g.tuple(e, o, false)
		} else {
			e.Empty()
		}
		e.End()
	case kAccept4:
		e := g.begin(t, et.PPME_SOCKET_ACCEPT4_5_X).FD(o.res)
		if o.res >= 0 {
			// accept reports the peer first: remote -> local.
			g.tuple(e, o, true).U8(uint8(g.r.IntN(3))).U32(uint32(g.r.IntN(4))).U32(511).End()
		} else {
			e.Empty().U8(0).U32(0).U32(511).End()
		}
	case kSendto:
		g.begin(t, et.PPME_SOCKET_SENDTO_X).Errno(o.res).Bytes(data(o)).End()
	case kRecvfrom:
		e := g.begin(t, et.PPME_SOCKET_RECVFROM_X).Errno(o.res).Bytes(data(o))
		if o.res >= 0 {
			g.tuple(e, o, true)
		} else {
			e.Empty()
		}
		e.End()
	case kRecvmsg:
		e := g.begin(t, et.PPME_SOCKET_RECVMSG_X).Errno(o.res).U32(o.size).Bytes(data(o))
		if o.res >= 0 {
			g.tuple(e, o, true)
		} else {
			e.Empty()
		}
		e.End()
	case kSendmsg:
		g.begin(t, et.PPME_SOCKET_SENDMSG_X).Errno(o.res).Bytes(data(o)).End()
	case kEpollWait:
		g.begin(t, et.PPME_SYSCALL_EPOLLWAIT_X).Errno(o.res).End()
	case kPoll:
		ev := int16(0)
		if o.res > 0 {
			ev = int16(o.mode)
		}
		g.begin(t, et.PPME_SYSCALL_POLL_X).Errno(o.res).FDList(sw.PollFD{FD: o.fd, Events: ev}).End()
	case kFutex:
		g.begin(t, et.PPME_SYSCALL_FUTEX_X).Errno(o.res).End()
	case kNanosleep:
		g.begin(t, et.PPME_SYSCALL_NANOSLEEP_X).Errno(o.res).End()
	case kGeneric:
		g.genCnt[o.gen.sc]++
		g.begin(t, et.PPME_GENERIC_X).U16(o.gen.sc).End()
	case kClone:
		g.cloneExit(t, o.res, t.tid, p.pid, p.ppid, p, o.flags)
	case kCloneChild:
		pt := o.child // the parent thread
		ptid := pt.tid
		if o.flags&clThread != 0 {
			ptid = pt.p.ppid
		}
		g.cloneExit(t, 0, t.tid, p.pid, ptid, p, o.flags)
	case kExecve:
		g.execveExit(t, o)
	case kUnlinkat:
		g.begin(t, et.PPME_SYSCALL_UNLINKAT_2_X).Errno(o.res).FD(o.dirfd).CharBuf(o.path).U32(0).End()
	default:
		panic(fmt.Sprintf("gen: no exit for kind %d", o.kind))
	}
}

// dev is the device of an opened file (0 on failure).
func (g *gen) dev(res int64) uint32 {
	if res < 0 {
		return 0
	}
	return 0x803
}

// cloneExit writes a CLONE_20_X (REF: 20 parameters) for either side.
func (g *gen) cloneExit(t *thread, res, tid, pid, ptid int64, p *proc, flags uint32) {
	e := g.begin(t, et.PPME_SYSCALL_CLONE_20_X).PID(res).CharBuf(p.exe).StringList(p.args...).
		PID(tid).PID(pid).PID(ptid).CharBuf(p.cwd).I64(1024).U64(p.pfMaj).U64(p.pfMin).
		U32(p.vmSize).U32(p.vmRSS).U32(0).CharBuf(p.comm)
	cgroupList(e, p)
	e.U32(flags).U32(p.uid).U32(p.gid).PID(tid).PID(pid).End()
}

// cgroupList adds the cgroups parameter.
func cgroupList(e *sw.Event, p *proc) {
	switch p.prof {
	case profWeb:
		e.StringList("cpuset=/system.slice/nginx.service", "cpu=/system.slice/nginx.service", "memory=/system.slice/nginx.service")
	case profDB:
		e.StringList("cpuset=/system.slice/postgresql@14-main.service", "cpu=/system.slice/postgresql@14-main.service", "memory=/system.slice/postgresql@14-main.service")
	default:
		e.StringList("cpuset=/", "cpu=/user.slice", "memory=/user.slice")
	}
}

// execveExit writes an EXECVE_19_X (REF: 20 parameters).
func (g *gen) execveExit(t *thread, o *op) {
	p := t.p
	comm, exe, args := p.comm, p.exe, p.args
	if o.res == 0 {
		comm, exe, args = o.exec.comm, o.exec.exe, o.exec.args
	}
	e := g.begin(t, et.PPME_SYSCALL_EXECVE_19_X).Errno(o.res).CharBuf(exe).StringList(args...).
		PID(t.tid).PID(p.pid).PID(p.ppid).CharBuf(p.cwd).U64(1024).U64(p.pfMaj).U64(p.pfMin).
		U32(p.vmSize).U32(p.vmRSS).U32(0).CharBuf(comm)
	cgroupList(e, p)
	tty := int32(0)
	if p.parent != nil && p.parent.interactiv {
		tty = 34816
	}
	e.StringList("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "HOME=/home/alice").
		I32(tty).PID(p.pid).I32(int32(p.uid)).U32(0).End()
}

// initialWorld builds the process list, writes the metadata blocks and makes
// every thread runnable.
func (g *gen) initialWorld() error {
	w := g.world
	type spec struct {
		comm, exe string
		args      []string
		cwd       string
		uid       uint32
		prof      profile
		threads   int
	}
	fixed := []spec{
		{"systemd", "/sbin/init", []string{"splash"}, "/", 0, profIdle, 1},
		{"systemd-journal", "/lib/systemd/systemd-journald", nil, "/", 0, profLogger, 1},
		{"sshd", "/usr/sbin/sshd", []string{"-D"}, "/", 0, profIdle, 1},
		{"cron", "/usr/sbin/cron", []string{"-f"}, "/var/spool/cron", 0, profCron, 1},
		{"containerd", "/usr/bin/containerd", nil, "/", 0, profIdle, 6},
		{"bash", "-bash", nil, "/home/alice/project", 1000, profShell, 1},
		{"bash", "-bash", nil, "/home/alice", 1000, profShell, 1},
		{"nginx", "nginx", []string{"-g", "daemon on; master_process on;"}, "/", 0, profIdle, 1},
		{"postgres", "/usr/lib/postgresql/14/bin/postgres", []string{"-D", "/var/lib/postgresql/14/main"}, "/var/lib/postgresql/14/main", 106, profIdle, 1},
		{"java", "/usr/bin/java", []string{"-Xmx2g", "-jar", "/srv/app/shop.jar"}, "/srv/app", 1001, profJava, 24},
		{"node_exporter", "/usr/bin/node_exporter", nil, "/", 65534, profScraper, 4},
		{"redis-server", "/usr/bin/redis-server", []string{"127.0.0.1:6379"}, "/var/lib/redis", 107, profKV, 4},
	}
	var specs []spec
	specs = append(specs, fixed...)
	nginx := spec{"nginx", "nginx", []string{"-g", "daemon on; master_process on;"}, "/", 33, profWeb, 1}
	pg := spec{"postgres", "postgres: shop shop 10.0.0.20(41022) idle", nil, "/var/lib/postgresql/14/main", 106, profDB, 1}
	php := spec{"php-fpm8.2", "php-fpm: pool www", nil, "/var/www/html", 33, profWeb, 1}
	fillers := []spec{
		nginx, pg, php, nginx, pg, nginx, pg, php,
		{"gunicorn", "/usr/bin/python3", []string{"/usr/bin/gunicorn", "app:app", "-w", "4"}, "/srv/api", 1001, profJava, 3},
		{"node", "node", []string{"/srv/web/server.js"}, "/srv/web", 1001, profJava, 8},
		{"memcached", "/usr/bin/memcached", []string{"-m", "64"}, "/", 108, profKV, 4},
		{"kubelet", "/usr/bin/kubelet", []string{"--config=/var/lib/kubelet/config.yaml"}, "/", 0, profIdle, 12},
		{"dockerd", "/usr/bin/dockerd", []string{"-H", "fd://"}, "/", 0, profIdle, 10},
		{"rsyslogd", "/usr/sbin/rsyslogd", []string{"-n"}, "/", 104, profLogger, 3},
		{"coredns", "/coredns", []string{"-conf", "/etc/coredns/Corefile"}, "/", 0, profIdle, 6},
	}
	for i := 0; len(specs) < g.cfg.procs; i++ {
		specs = append(specs, fillers[i%len(fillers)])
	}

	var plist []sw.Process
	fdlists := map[int64][]sw.FDEntry{}
	var master, postmaster *proc
	pid := int64(1)
	for i, s := range specs {
		if i > 0 {
			pid = int64(300 + i*97)
		}
		p := newProc(pid, 1, s.comm, s.exe, s.args, s.cwd, s.uid, s.prof)
		if i == 0 {
			p.ppid = 0
		}
		switch {
		case s.comm == "nginx" && s.prof == profIdle:
			master = p
		case s.comm == "postgres" && s.prof == profIdle:
			postmaster = p
		case s.comm == "nginx" && master != nil:
			p.ppid, p.parent = master.pid, master
		case s.comm == "postgres" && postmaster != nil:
			p.ppid, p.parent = postmaster.pid, postmaster
		case s.prof == profShell:
			p.interactiv = true
			g.shells = append(g.shells, p)
		}
		g.procs[p.pid] = p
		fds := g.initialFDs(p)
		fdlists[p.pid] = fds
		for k := 0; k < s.threads; k++ {
			t := &thread{tid: pid + int64(k), p: p, cpu: g.r.IntN(len(g.cpus)), conn: -1,
				futex: 0x7f3a5c000000 + uint64(pid)<<12 + uint64(k)*64}
			if s.prof == profJava && k > 0 && k%4 == 0 {
				t.gc = true
			}
			g.addThread(t)
			flags := uint32(0)
			if k > 0 {
				flags = threadFlags
			}
			plist = append(plist, sw.Process{
				Tid: t.tid, Pid: pid, Ptid: p.ppid, Sid: pid, Vpgid: pid, Pgid: pid,
				Comm: p.comm, Exe: p.exe, ExePath: exePath(p), Args: p.args, Cwd: p.cwd,
				FDLimit: 65536, Flags: flags, UID: p.uid, GID: p.gid,
				VMSizeKB: p.vmSize, VMRSSKB: p.vmRSS, PFMajor: 12, PFMinor: 3400,
				Env:  []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "LANG=C.UTF-8"},
				Vtid: t.tid, Vpid: pid, Cgroups: []string{"cpu=/system.slice", "memory=/system.slice"},
				Root: "/", LoginUID: loginUID(p), TTY: tty(p),
			})
		}
	}

	host := "bench-node-01"
	if err := g.w.WriteMachineInfo(sw.MachineInfo{NumCPUs: uint32(len(g.cpus)), MemoryBytes: 32 << 30, MaxPID: 4194304, Hostname: host}); err != nil {
		return err
	}
	if err := g.w.WriteInterfaceList([]sw.Interface{
		{Name: "lo", Addr: netip.MustParseAddr("127.0.0.1"), Netmask: netip.MustParseAddr("255.0.0.0"), Bcast: netip.MustParseAddr("127.0.0.1")},
		{Name: "eth0", Addr: w.localIP, Netmask: netip.MustParseAddr("255.255.255.0"), Bcast: netip.MustParseAddr("10.0.0.255"), LinkSpeed: 10000},
		{Name: "lo", Addr: netip.IPv6Loopback(), Netmask: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), NoLinkSpeed: true},
		{Name: "eth0", Addr: w.localIP6, Netmask: netip.MustParseAddr("ffff:ffff:ffff:ffff::"), NoLinkSpeed: true},
	}); err != nil {
		return err
	}
	if err := g.w.WriteUserList([]sw.User{
		{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/bash"},
		{UID: 33, GID: 33, Name: "www-data", HomeDir: "/var/www", Shell: "/usr/sbin/nologin"},
		{UID: 104, GID: 110, Name: "syslog", HomeDir: "/home/syslog", Shell: "/usr/sbin/nologin"},
		{UID: 106, GID: 113, Name: "postgres", HomeDir: "/var/lib/postgresql", Shell: "/bin/bash"},
		{UID: 107, GID: 114, Name: "redis", HomeDir: "/var/lib/redis", Shell: "/usr/sbin/nologin"},
		{UID: 108, GID: 115, Name: "memcache", HomeDir: "/nonexistent", Shell: "/bin/false"},
		{UID: 1000, GID: 1000, Name: "alice", HomeDir: "/home/alice", Shell: "/bin/bash"},
		{UID: 1001, GID: 1001, Name: "app", HomeDir: "/srv/app", Shell: "/usr/sbin/nologin"},
		{UID: 65534, GID: 65534, Name: "nobody", HomeDir: "/nonexistent", Shell: "/usr/sbin/nologin"},
	}, []sw.Group{{GID: 0, Name: "root"}, {GID: 33, Name: "www-data"}, {GID: 110, Name: "syslog"},
		{GID: 113, Name: "postgres"}, {GID: 1000, Name: "alice"}, {GID: 1001, Name: "app"}, {GID: 65534, Name: "nogroup"}}); err != nil {
		return err
	}
	if err := g.w.WriteProcessList(plist); err != nil {
		return err
	}
	for _, pr := range plist {
		if err := g.w.WriteFDList(pr.Tid, fdlists[pr.Tid]); err != nil {
			return err
		}
	}
	return nil
}

func exePath(p *proc) string {
	if len(p.exe) > 0 && p.exe[0] == '/' {
		return p.exe
	}
	switch p.comm {
	case "nginx":
		return "/usr/sbin/nginx"
	case "bash":
		return "/usr/bin/bash"
	case "postgres":
		return "/usr/lib/postgresql/14/bin/postgres"
	case "php-fpm8.2":
		return "/usr/sbin/php-fpm8.2"
	case "node":
		return "/usr/bin/node"
	}
	return "/usr/bin/" + p.comm
}

func loginUID(p *proc) uint32 {
	if p.uid == 1000 {
		return 1000
	}
	return 0xFFFFFFFF
}

func tty(p *proc) uint32 {
	if p.interactiv {
		return 34816
	}
	return 0
}

// initialFDs sets up the fd table of a process and returns its fd list.
func (g *gen) initialFDs(p *proc) []sw.FDEntry {
	w := g.world
	var out []sw.FDEntry
	file := func(fd int64, name string, flags uint32) {
		p.set(fd, fdEnt{cloexec: flags&oCLOEXEC != 0})
		out = append(out, sw.FDEntry{Num: fd, Type: sw.FDFileV2, Name: name, OpenFlags: flags, Ino: uint64(1000 + fd), Dev: 0x803})
	}
	serv := func(fd int64, ap netip.AddrPort) {
		p.set(fd, fdEnt{local: ap})
		typ := sw.FDIPv4ServSock
		if ap.Addr().Is6() {
			typ = sw.FDIPv6ServSock
		}
		out = append(out, sw.FDEntry{Num: fd, Type: typ, Src: ap, L4Proto: sw.L4TCP})
	}
	conn := func(fd int64, local, remote netip.AddrPort) {
		p.set(fd, fdEnt{local: local, remote: remote})
		typ := sw.FDIPv4Sock
		if local.Addr().Is6() {
			typ = sw.FDIPv6Sock
		}
		out = append(out, sw.FDEntry{Num: fd, Type: typ, Src: local, Dst: remote, L4Proto: sw.L4TCP})
	}
	stdio := "/dev/null"
	if p.interactiv {
		stdio = "/dev/pts/0"
	}
	for fd := int64(0); fd < 3; fd++ {
		file(fd, stdio, oRDWR)
	}
	switch p.prof {
	case profWeb:
		serv(3, netip.MustParseAddrPort("0.0.0.0:80"))
		serv(4, netip.MustParseAddrPort("[::]:80"))
		file(5, "/var/log/nginx/access.log", oWRONLY|oAPPEND|oCREAT|oCLOEXEC)
		file(6, "/var/log/nginx/error.log", oWRONLY|oAPPEND|oCREAT|oCLOEXEC)
		p.set(7, fdEnt{cloexec: true})
		out = append(out, sw.FDEntry{Num: 7, Type: sw.FDEventpoll, Name: ""})
		p.listen, p.logFD = 3, 5
	case profDB:
		p.set(3, fdEnt{})
		out = append(out, sw.FDEntry{Num: 3, Type: sw.FDFifo, Name: ""})
		conn(9, netip.AddrPortFrom(w.localIP, 5432), netip.AddrPortFrom(netip.MustParseAddr("10.0.0.20"), uint16(40000+p.pid%20000)))
		p.listen = 9
		for k := 0; k < 4; k++ {
			fd := int64(10 + k)
			file(fd, w.pgData[int(p.pid+int64(k*31))%len(w.pgData)], oRDWR)
			p.dataFDs = append(p.dataFDs, fd)
		}
	case profIdle:
		if p.comm == "nginx" {
			serv(3, netip.MustParseAddrPort("0.0.0.0:80"))
			serv(4, netip.MustParseAddrPort("[::]:80"))
		}
		if p.comm == "postgres" {
			serv(5, netip.MustParseAddrPort("0.0.0.0:5432"))
			serv(6, netip.MustParseAddrPort("[::]:5432"))
		}
		if p.comm == "sshd" {
			serv(3, netip.MustParseAddrPort("0.0.0.0:22"))
		}
	case profLogger:
		p.sockPath = "/run/systemd/journal/socket"
		if p.comm == "rsyslogd" {
			p.sockPath = "/dev/log"
		}
		p.set(3, fdEnt{})
		out = append(out, sw.FDEntry{Num: 3, Type: sw.FDUnixSock, Source: 0xffff9c8b4e000000 + uint64(p.pid), Name: p.sockPath})
		p.listen = 3
		name := "/var/log/journal/4f8c2a0e/system.journal"
		if p.comm == "rsyslogd" {
			name = "/var/log/syslog"
		}
		file(4, name, oRDWR|oCREAT|oCLOEXEC)
		p.logFD = 4
	case profKV:
		port := uint16(6379)
		if p.comm == "memcached" {
			port = 11211
		}
		serv(3, netip.AddrPortFrom(netip.MustParseAddr("0.0.0.0"), port))
		p.listen = 3
		for k := 0; k < 6; k++ {
			conn(int64(5+k), netip.AddrPortFrom(w.localIP, port), netip.AddrPortFrom(w.clients4[(int(p.pid)+k)%len(w.clients4)], uint16(45000+k*13)))
		}
	case profJava:
		file(3, "/srv/app/logs/app.log", oWRONLY|oAPPEND|oCREAT|oCLOEXEC)
		p.logFD = 3
	}
	return out
}
