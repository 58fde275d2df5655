package main

import (
	"net/netip"
	"strconv"
)

// Planners append the next burst of syscalls of a thread to t.plan. They
// decide results (and failures) up front and reserve fds right away, so
// threads of one process never hand out the same fd twice.

// maxLive caps concurrently running short-lived commands (constant memory).
const maxLive = 48

func (g *gen) add(t *thread, o op) *op {
	t.plan = append(t.plan, o)
	return &t.plan[len(t.plan)-1]
}

func (g *gen) chance(pct int) bool { return g.r.IntN(100) < pct }

func (g *gen) plan(t *thread) {
	switch t.p.prof {
	case profWeb:
		g.planWeb(t)
	case profDB:
		g.planDB(t)
	case profJava:
		g.planJava(t)
	case profShell, profCron:
		g.planShell(t)
	case profCmd:
		g.planCmd(t)
	case profLogger:
		g.planLogger(t)
	case profScraper:
		g.planScraper(t)
	case profKV:
		g.planKV(t)
	default:
		g.planIdle(t)
	}
	if len(t.plan) == 0 {
		g.add(t, op{kind: kFutex, off: t.futex, flags: 0x89, res: -eTIMEDOUT})
	}
}

// openFile plans an open or openat; on success it reserves the fd.
func (g *gen) openFile(t *thread, path string, flags uint32, fail int64, at bool) int64 {
	res := -fail
	if fail == 0 {
		res = t.p.alloc(flags&oCLOEXEC != 0)
	}
	kind := kOpen
	if at {
		kind = kOpenat
	}
	mode := uint32(0)
	if flags&oCREAT != 0 {
		mode = 0o644
	}
	g.add(t, op{kind: kind, path: path, flags: flags, mode: mode, res: res, dirfd: -100})
	return res
}

func (g *gen) closeFD(t *thread, fd int64) {
	g.add(t, op{kind: kClose, fd: fd, res: 0})
}

func (g *gen) generic(t *thread, gn generic) {
	g.add(t, op{kind: kGeneric, gen: gn})
}

// ioSize is a plausible result for a read of up to max bytes.
func (g *gen) ioSize(max int) int64 { return int64(1 + g.r.IntN(max)) }

// planWeb: one HTTP request on an nginx/php worker.
func (g *gen) planWeb(t *thread) {
	p, w := t.p, g.world
	g.add(t, op{kind: kEpollWait, size: 512, res: int64(1 + g.r.IntN(3))})
	if g.chance(12) {
		g.add(t, op{kind: kAccept4, flags: 0x80800, res: -eAGAIN})
		return
	}
	var local, remote netip.AddrPort
	if g.chance(15) {
		local = netip.AddrPortFrom(w.localIP6, 80)
		remote = netip.AddrPortFrom(w.clients6[g.r.IntN(len(w.clients6))], uint16(32768+g.r.IntN(28000)))
	} else {
		local = netip.AddrPortFrom(w.localIP, 80)
		remote = netip.AddrPortFrom(w.clients4[g.r.IntN(len(w.clients4))], uint16(32768+g.r.IntN(28000)))
	}
	c := p.allocSock(local, remote)
	g.add(t, op{kind: kAccept4, flags: 0x80800, res: c, local: local, remote: remote})
	reqIdx := g.r.IntN(len(w.httpReqs))
	req := w.httpReqs[reqIdx]
	g.add(t, op{kind: kRecvfrom, fd: c, size: 1024, res: int64(len(req)), data: snap(req), local: local, remote: remote})
	status := 0
	// php-fpm opens scripts with open(2), nginx uses openat(2).
	php := p.comm != "nginx"
	if g.chance(85) {
		path := "/var/www/html/" + w.web[reqIdx%len(w.web)]
		if php {
			path = "/var/www/html/" + w.phpScripts[reqIdx%len(w.phpScripts)]
		}
		fd := g.openFile(t, path, oRDONLY|oNONBLOCK|oCLOEXEC, 0, !php)
		g.add(t, op{kind: kFstat, fd: fd})
		for k := 0; k < 1+g.r.IntN(2); k++ {
			n := g.ioSize(32768)
			g.add(t, op{kind: kRead, fd: fd, size: 32768, res: n, data: w.slice(g.r, int(n))})
		}
		g.closeFD(t, fd)
		if g.chance(20) {
			status = 3
		}
	} else {
		g.openFile(t, "/var/www/html/"+w.webMiss[g.r.IntN(len(w.webMiss))], oRDONLY|oNONBLOCK|oCLOEXEC, eNOENT, !php)
		status = 2
	}
	resp := w.httpResp[status]
	if status == 0 && reqIdx%5 == 3 {
		resp = w.httpResp[1]
	}
	if g.chance(3) {
		g.add(t, op{kind: kWritev, fd: c, size: uint32(len(resp)), res: -ePIPE})
	} else {
		g.add(t, op{kind: kWritev, fd: c, size: uint32(len(resp)) + 4096, res: int64(len(resp)) + 4096, data: snap(resp)})
	}
	line := w.logLines[g.r.IntN(len(w.logLines))]
	g.add(t, op{kind: kWrite, fd: p.logFD, size: uint32(len(line)), res: int64(len(line)), data: snap(line)})
	if g.chance(60) {
		g.add(t, op{kind: kRecvfrom, fd: c, size: 1024, res: -eAGAIN, local: local, remote: remote})
	} else if g.chance(10) {
		g.add(t, op{kind: kRecvfrom, fd: c, size: 1024, res: 0, local: local, remote: remote})
	}
	g.closeFD(t, c)
}

// planDB: one query on a postgres backend.
func (g *gen) planDB(t *thread) {
	p, w := t.p, g.world
	c := p.listen
	e := p.fds[c]
	if g.chance(10) {
		g.add(t, op{kind: kRecvfrom, fd: c, size: 8192, res: -eAGAIN, local: e.local, remote: e.remote})
		g.add(t, op{kind: kEpollWait, size: 1, res: 1})
	}
	q := w.sqlQueries[g.r.IntN(len(w.sqlQueries))]
	g.add(t, op{kind: kRecvfrom, fd: c, size: 8192, res: int64(len(q)), data: snap(q), local: e.local, remote: e.remote})
	for k := 0; k < 1+g.r.IntN(4); k++ {
		if len(p.dataFDs) < 12 && g.chance(15) {
			rel := w.pgData[g.r.IntN(len(w.pgData))][len("/var/lib/postgresql/14/main/"):]
			if g.chance(5) {
				g.openFile(t, rel+"_fsm", oRDWR, eNOENT, true)
			} else {
				fd := g.openFile(t, rel, oRDWR, 0, true)
				p.dataFDs = append(p.dataFDs, fd)
			}
		}
		fd := p.dataFDs[g.r.IntN(len(p.dataFDs))]
		p.dataOff = (p.dataOff + 8192*uint64(1+g.r.IntN(64))) % (1 << 30)
		g.add(t, op{kind: kPread, fd: fd, size: 8192, off: p.dataOff, res: 8192, data: w.slice(g.r, 80)})
	}
	if g.chance(8) {
		fd := p.dataFDs[g.r.IntN(len(p.dataFDs))]
		g.add(t, op{kind: kLseek, fd: fd, mode: 2, res: int64(8192 * (1 + g.r.IntN(5000)))})
	}
	if g.chance(25) {
		fd := p.dataFDs[0]
		g.add(t, op{kind: kPwrite, fd: fd, size: 8192, off: p.dataOff, res: 8192, data: w.slice(g.r, 80)})
		g.generic(t, gFsync)
	}
	if len(p.dataFDs) > 8 && g.chance(10) {
		fd := p.dataFDs[len(p.dataFDs)-1]
		p.dataFDs = p.dataFDs[:len(p.dataFDs)-1]
		g.closeFD(t, fd)
	}
	if g.chance(10) {
		g.add(t, op{kind: kFutex, off: t.futex, flags: 0x81, size: 1, res: 1})
	}
	resp := w.corpus[:48]
	g.add(t, op{kind: kSendto, fd: c, size: 48, res: 48, data: resp, local: e.local, remote: e.remote})
}

// planJava: a worker talking to upstreams, or a GC thread.
func (g *gen) planJava(t *thread) {
	p, w := t.p, g.world
	if t.gc {
		switch g.r.IntN(4) {
		case 0:
			g.generic(t, gSchedYield)
		case 1:
			g.generic(t, gMadvise)
		default:
			g.add(t, op{kind: kFutex, off: t.futex, flags: 0x89, size: 0, res: -eTIMEDOUT})
		}
		return
	}
	g.add(t, op{kind: kFutex, off: t.futex, flags: 0x89, size: 0, res: []int64{0, -eTIMEDOUT, -eAGAIN}[g.r.IntN(3)]})
	if t.conn < 0 {
		up := w.upstreams[g.r.IntN(len(w.upstreams))]
		v6 := up.Addr().Is6()
		dom := uint32(2)
		local := netip.AddrPortFrom(w.localIP, p.ephemeral())
		if v6 {
			dom = 10
			local = netip.AddrPortFrom(w.localIP6, p.ephemeral())
			if up.Addr().Is4In6() {
				local = netip.AddrPortFrom(netip.AddrFrom16(w.localIP.As16()), local.Port())
			}
		}
		fd := p.allocSock(local, up)
		g.add(t, op{kind: kSocket, mode: dom, flags: sockStream | sockNonblock | sockCloexec, size: ipprotoTCP, res: fd})
		if g.chance(5) {
			g.add(t, op{kind: kConnect, fd: fd, remote: up, local: local, res: -eCONNREFUSED})
			g.closeFD(t, fd)
			return
		}
		g.add(t, op{kind: kConnect, fd: fd, remote: up, local: local, res: -eINPROGRESS})
		g.add(t, op{kind: kPoll, fd: fd, mode: 4, off: 5000, res: 1})
		t.conn = fd
	}
	e := p.fds[t.conn]
	body := w.corpus[len(w.corpus)-100:]
	g.add(t, op{kind: kWrite, fd: t.conn, size: 412, res: 412, data: snap(body), local: e.local, remote: e.remote})
	g.add(t, op{kind: kEpollWait, size: 64, res: 1})
	if g.chance(15) {
		g.add(t, op{kind: kRead, fd: t.conn, size: 65536, res: -eAGAIN})
	} else {
		n := g.ioSize(16384)
		g.add(t, op{kind: kRead, fd: t.conn, size: 65536, res: n, data: w.slice(g.r, int(n))})
	}
	if g.chance(5) {
		line := w.logLines[g.r.IntN(len(w.logLines))]
		g.add(t, op{kind: kWrite, fd: p.logFD, size: uint32(len(line)), res: int64(len(line)), data: snap(line)})
	}
	if g.chance(4) {
		g.closeFD(t, t.conn)
		t.conn = -1
	}
}

// planShell: an interactive shell or cron forks a command now and then.
func (g *gen) planShell(t *thread) {
	p := t.p
	if p.interactiv && g.chance(70) {
		// typing: read one key from the tty, echo it.
		i := g.r.IntN(40)
		key := g.world.corpus[i : i+1]
		g.add(t, op{kind: kRead, fd: 0, size: 1, res: 1, data: key})
		g.generic(t, gSigprocmsk)
		g.add(t, op{kind: kWrite, fd: 2, size: 1, res: 1, data: key})
		return
	}
	if g.live >= maxLive || p.children > 6 {
		g.add(t, op{kind: kNanosleep, off: 100_000_000, res: 0})
		return
	}
	g.generic(t, gSigprocmsk)
	cmd := &g.world.commands[g.r.IntN(len(g.world.commands))]
	if !p.interactiv {
		cmd = &g.world.commands[6-g.r.IntN(2)] // cron runs ps or git
	}
	child := g.fork(t, cmd)
	g.add(t, op{kind: kClone, flags: forkFlags, res: child.tid, child: child})
	g.generic(t, gWait4)
}

// fork creates (but does not start) a child process running cmd.
func (g *gen) fork(t *thread, cmd *command) *thread {
	p := t.p
	g.nextPID += int64(1 + g.r.IntN(3))
	pid := g.nextPID
	c := newProc(pid, p.pid, p.comm, p.exe, p.args, p.cwd, p.uid, profCmd)
	c.parent = p
	c.cmd = cmd
	c.interactiv = false
	// A child inherits the parent's table; it only ever uses 0-2 and what
	// it opens, and execve drops the O_CLOEXEC rest.
	c.fds = append(c.fds[:0], p.fds...)
	p.children++
	g.live++
	g.procs[pid] = c
	ct := &thread{tid: pid, p: c, cpu: t.cpu, conn: -1, futex: 0x7f0000000000 + uint64(pid)<<12}
	// First events of the child: its clone exit, then exec with a PATH search.
	ct.plan = append(ct.plan, op{kind: kCloneChild, flags: forkFlags, child: t})
	g.generic(ct, gSigaction)
	ex := &execInfo{comm: cmd.comm, exe: cmd.comm, exepath: cmd.path, args: cmd.args, prof: profCmd, cmd: cmd}
	for _, dir := range []string{"/usr/local/sbin/", "/usr/local/bin/", "/usr/sbin/"} {
		if g.chance(50) {
			g.add(ct, op{kind: kExecve, path: dir + cmd.comm, res: -eNOENT, exec: ex})
		}
	}
	g.add(ct, op{kind: kExecve, path: cmd.path, res: 0, exec: ex})
	g.planLoader(ct)
	return ct
}

// planLoader: what ld.so does after execve.
func (g *gen) planLoader(t *thread) {
	p, w := t.p, g.world
	p.brk += 0x21000
	g.add(t, op{kind: kBrk, off: 0, res: int64(p.brk)})
	g.generic(t, gArchPrctl)
	g.add(t, op{kind: kAccess, mode: 4, path: "/etc/ld.so.preload", res: -eNOENT})
	fd := g.openFile(t, "/etc/ld.so.cache", oRDONLY|oCLOEXEC, 0, true)
	g.add(t, op{kind: kFstat, fd: fd})
	g.add(t, op{kind: kMmap, size: 61234, mode: 1, flags: 2, fd: fd, res: 0x7f3a5c400000})
	g.closeFD(t, fd)
	for k := 0; k < 2+g.r.IntN(4); k++ {
		li := g.r.IntN(len(w.libs))
		if g.chance(30) {
			g.openFile(t, w.ldMiss[li*4+g.r.IntN(4)], oRDONLY|oCLOEXEC, eNOENT, true)
		}
		fd := g.openFile(t, w.libs[li], oRDONLY|oCLOEXEC, 0, true)
		g.add(t, op{kind: kRead, fd: fd, size: 832, res: 832, data: w.elfHeader})
		g.add(t, op{kind: kFstat, fd: fd})
		g.add(t, op{kind: kMmap, size: 2037344, mode: 1, flags: 0x402, fd: fd, res: 0x7f3a5c000000 + int64(k)<<21})
		g.add(t, op{kind: kMmap, size: 1540096, mode: 5, flags: 0x406, fd: fd, off: 0x28000, res: 0x7f3a5c028000 + int64(k)<<21})
		g.closeFD(t, fd)
	}
	g.add(t, op{kind: kMprotect, off: 0x7f3a5c216000, size: 16384, mode: 1, res: 0})
	g.generic(t, gGetrandom)
}

// planCmd: the body of a short-lived command, ending in exit.
func (g *gen) planCmd(t *thread) {
	p, w := t.p, g.world
	if p.cmd == nil { // before execve finished: nothing else to do
		g.exitProc(t, 0)
		return
	}
	// Commands run in a few bursts, then exit.
	if g.chance(35) {
		g.exitProc(t, []int64{0, 0, 0, 1, 2}[g.r.IntN(5)])
		return
	}
	switch p.cmd.kind {
	case cmdCat:
		name := w.etc[g.r.IntN(len(w.etc))]
		fail := int64(0)
		if g.chance(5) {
			name, fail = "/etc/shadow", eACCES
		}
		fd := g.openFile(t, name, oRDONLY|oCLOEXEC, fail, false)
		if fd >= 0 {
			g.add(t, op{kind: kFstat, fd: fd})
			n := g.ioSize(4096)
			d := w.slice(g.r, int(n))
			g.add(t, op{kind: kRead, fd: fd, size: 131072, res: n, data: d})
			g.add(t, op{kind: kWrite, fd: 1, size: uint32(n), res: n, data: d})
			g.add(t, op{kind: kRead, fd: fd, size: 131072, res: 0})
			g.closeFD(t, fd)
		}
	case cmdLs:
		fd := g.openFile(t, ".", oRDONLY|oNONBLOCK|oCLOEXEC|oDIRECTORY, 0, true)
		g.add(t, op{kind: kGetdents64, fd: fd, res: int64(200 + g.r.IntN(3000))})
		g.add(t, op{kind: kGetdents64, fd: fd, res: 0})
		g.closeFD(t, fd)
		for k := 0; k < 3; k++ {
			g.add(t, op{kind: kStat, path: w.src[g.r.IntN(len(w.src))], res: 0})
		}
		g.add(t, op{kind: kWrite, fd: 1, size: 80, res: 80, data: w.slice(g.r, 80)})
	case cmdGrep:
		for k := 0; k < 2+g.r.IntN(6); k++ {
			rel := w.src[g.r.IntN(len(w.src))]
			fd := g.openFile(t, rel, oRDONLY|oNONBLOCK|oCLOEXEC, 0, true)
			n := g.ioSize(32768)
			g.add(t, op{kind: kRead, fd: fd, size: 98304, res: n, data: w.slice(g.r, int(n))})
			g.add(t, op{kind: kRead, fd: fd, size: 98304, res: 0})
			g.closeFD(t, fd)
		}
	case cmdCurl:
		g.planCurl(t)
	case cmdPython:
		for k := 0; k < 4; k++ {
			mod := w.src[g.r.IntN(len(w.src))]
			g.add(t, op{kind: kStat, path: "/usr/lib/python3.11/" + mod[:len(mod)-3] + ".py", res: -eNOENT})
		}
		name := w.tmp[g.r.IntN(len(w.tmp))]
		fd := g.openFile(t, name, oWRONLY|oCREAT|oTRUNC|oCLOEXEC, 0, false)
		d := w.slice(g.r, 80)
		g.add(t, op{kind: kWrite, fd: fd, size: 4096, res: 4096, data: d})
		g.closeFD(t, fd)
		g.add(t, op{kind: kUnlinkat, dirfd: -100, path: name, res: 0})
	case cmdGit:
		for _, f := range []string{".git/HEAD", ".git/config", ".git/index", ".git/refs/heads/main"} {
			fail := int64(0)
			if g.chance(10) {
				fail = eNOENT
			}
			fd := g.openFile(t, f, oRDONLY|oCLOEXEC, fail, true)
			if fd >= 0 {
				n := g.ioSize(4096)
				g.add(t, op{kind: kRead, fd: fd, size: 4096, res: n, data: w.slice(g.r, int(n))})
				g.closeFD(t, fd)
			}
		}
		for k := 0; k < 4; k++ {
			g.add(t, op{kind: kStat, path: w.src[g.r.IntN(len(w.src))], res: 0})
		}
	case cmdPs:
		fd := g.openFile(t, "/proc", oRDONLY|oNONBLOCK|oCLOEXEC|oDIRECTORY, 0, true)
		g.add(t, op{kind: kGetdents64, fd: fd, res: 4096})
		g.closeFD(t, fd)
		for k := 0; k < 5; k++ {
			g.procRead(t, g.r.IntN(10) == 0)
		}
		g.add(t, op{kind: kWrite, fd: 1, size: 80, res: 80, data: w.slice(g.r, 80)})
	}
}

// procRead plans open/read/close of another process's /proc/<pid>/stat.
func (g *gen) procRead(t *thread, gone bool) {
	w := g.world
	other := g.threads[g.r.IntN(len(g.threads))].p
	name := other.procStat
	at := t.p.prof != profCmd // procps uses open(2), Go daemons openat(2)
	if gone {
		name = "/proc/" + strconv.FormatInt(g.nextPID+1, 10) + "/stat"
		g.openFile(t, name, oRDONLY|oCLOEXEC, eNOENT, at)
		return
	}
	fd := g.openFile(t, name, oRDONLY|oCLOEXEC, 0, at)
	n := g.ioSize(300)
	g.add(t, op{kind: kRead, fd: fd, size: 1024, res: n, data: w.slice(g.r, int(n))})
	g.closeFD(t, fd)
}

// planCurl: DNS over UDP, then a TCP connection out.
func (g *gen) planCurl(t *thread) {
	p, w := t.p, g.world
	local := netip.AddrPortFrom(w.localIP, p.ephemeral())
	fd := p.allocSock(local, w.dnsServer)
	g.add(t, op{kind: kSocket, mode: 2, flags: sockDgram | sockNonblock | sockCloexec, size: 0, res: fd})
	g.add(t, op{kind: kConnect, fd: fd, remote: w.dnsServer, local: local, res: 0})
	q := w.dnsQueries[g.r.IntN(len(w.dnsQueries))]
	g.add(t, op{kind: kSendto, fd: fd, size: uint32(len(q)), res: int64(len(q)), data: q, local: local, remote: w.dnsServer})
	g.add(t, op{kind: kPoll, fd: fd, mode: 1, off: 5000, res: 1})
	g.add(t, op{kind: kRecvfrom, fd: fd, size: 2048, res: int64(len(q) + 16), data: q, local: local, remote: w.dnsServer})
	g.closeFD(t, fd)

	dst := w.externals[g.r.IntN(len(w.externals))]
	dom := uint32(2)
	local = netip.AddrPortFrom(w.localIP, p.ephemeral())
	if dst.Addr().Is6() {
		dom = 10
		local = netip.AddrPortFrom(w.localIP6, local.Port())
	}
	fd = p.allocSock(local, dst)
	g.add(t, op{kind: kSocket, mode: dom, flags: sockStream, size: ipprotoTCP, res: fd})
	if g.chance(8) {
		g.add(t, op{kind: kConnect, fd: fd, remote: dst, local: local, res: -eCONNREFUSED})
		g.closeFD(t, fd)
		return
	}
	g.add(t, op{kind: kConnect, fd: fd, remote: dst, local: local, res: -eINPROGRESS})
	g.add(t, op{kind: kPoll, fd: fd, mode: 4, off: 30000, res: 1})
	hello := []byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
	g.add(t, op{kind: kSendto, fd: fd, size: 517, res: 517, data: hello, local: local, remote: dst})
	for k := 0; k < 1+g.r.IntN(3); k++ {
		n := g.ioSize(16384)
		g.add(t, op{kind: kRecvfrom, fd: fd, size: 16384, res: n, data: w.slice(g.r, int(n)), local: local, remote: dst})
	}
	if g.chance(10) {
		g.add(t, op{kind: kRecvfrom, fd: fd, size: 16384, res: -eCONNRESET, local: local, remote: dst})
	}
	g.closeFD(t, fd)
}

// exitProc ends a command: exit_group (no return) and procexit.
func (g *gen) exitProc(t *thread, code int64) {
	g.add(t, op{kind: kGenericEnter, gen: gExitGroup})
	g.add(t, op{kind: kProcexit, res: code})
}

// planLogger: receive a log record on the unix socket and append it.
func (g *gen) planLogger(t *thread) {
	p, w := t.p, g.world
	line := w.logLines[g.r.IntN(len(w.logLines))]
	g.add(t, op{kind: kEpollWait, size: 64, res: 1})
	g.add(t, op{kind: kRecvmsg, fd: p.listen, size: uint32(len(line)), res: int64(len(line)), data: snap(line), unix: p.sockPath})
	if g.chance(10) {
		g.add(t, op{kind: kRecvmsg, fd: p.listen, res: -eAGAIN, unix: p.sockPath})
	}
	g.add(t, op{kind: kWrite, fd: p.logFD, size: uint32(len(line)) + 64, res: int64(len(line)) + 64, data: snap(line)})
	if g.chance(5) {
		g.generic(t, gFsync)
	}
	if g.chance(3) {
		g.add(t, op{kind: kFstat, fd: p.logFD})
	}
}

// planScraper: read /proc and cgroup files of other processes.
func (g *gen) planScraper(t *thread) {
	w := g.world
	if g.chance(30) {
		g.add(t, op{kind: kFutex, off: t.futex, flags: 0x89, res: -eTIMEDOUT})
		return
	}
	for k := 0; k < 1+g.r.IntN(3); k++ {
		g.procRead(t, g.chance(3))
	}
	if g.chance(30) {
		name := w.etc[16+g.r.IntN(6)] // /proc and /sys files
		fd := g.openFile(t, name, oRDONLY|oCLOEXEC, 0, true)
		n := g.ioSize(1500)
		g.add(t, op{kind: kRead, fd: fd, size: 4096, res: n, data: w.slice(g.r, int(n))})
		g.closeFD(t, fd)
	}
}

// planKV: serve one request on a client connection.
func (g *gen) planKV(t *thread) {
	p, w := t.p, g.world
	g.add(t, op{kind: kEpollWait, size: 128, res: int64(1 + g.r.IntN(4))})
	var conns [16]int64
	n := 0
	for i := 5; i < len(p.fds) && n < len(conns); i++ {
		if p.fds[i].used && p.fds[i].remote.IsValid() {
			conns[n] = int64(i)
			n++
		}
	}
	if n < 3 || g.chance(3) {
		e := p.fds[p.listen]
		remote := netip.AddrPortFrom(w.clients4[g.r.IntN(len(w.clients4))], uint16(32768+g.r.IntN(28000)))
		local := netip.AddrPortFrom(w.localIP, e.local.Port())
		c := p.allocSock(local, remote)
		g.add(t, op{kind: kAccept4, flags: 0x80800, res: c, local: local, remote: remote})
		return
	}
	c := conns[g.r.IntN(n)]
	e := p.fds[c]
	if g.chance(10) {
		g.add(t, op{kind: kRead, fd: c, size: 16384, res: -eAGAIN})
		return
	}
	if g.chance(2) {
		g.add(t, op{kind: kRead, fd: c, size: 16384, res: 0})
		g.closeFD(t, c)
		return
	}
	cmd := []byte("*2\r\n$3\r\nGET\r\n$12\r\nsession:4f2a\r\n")
	g.add(t, op{kind: kRead, fd: c, size: 16384, res: int64(len(cmd)), data: cmd, local: e.local, remote: e.remote})
	g.add(t, op{kind: kWrite, fd: c, size: 37, res: 37, data: []byte("$31\r\n{\"user\":42,\"cart\":[7,19,23]}\r\n")})
}

// planIdle: daemons mostly sleeping.
func (g *gen) planIdle(t *thread) {
	switch g.r.IntN(6) {
	case 0:
		g.add(t, op{kind: kNanosleep, off: 1_000_000_000, res: 0})
	case 1:
		g.add(t, op{kind: kEpollWait, size: 32, res: 0})
	case 2:
		g.generic(t, gGetpid)
	case 3:
		g.generic(t, gEpollCtl)
	default:
		g.add(t, op{kind: kFutex, off: t.futex, flags: 0x89, res: -eTIMEDOUT})
	}
	if t.p.comm == "containerd" || t.p.comm == "dockerd" {
		if g.chance(5) {
			name := g.world.etc[16+g.r.IntN(6)]
			fd := g.openFile(t, name, oRDONLY|oCLOEXEC, 0, true)
			n := g.ioSize(1000)
			g.add(t, op{kind: kRead, fd: fd, size: 4096, res: n, data: g.world.slice(g.r, int(n))})
			g.closeFD(t, fd)
		}
	}
}
