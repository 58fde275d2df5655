package main

import (
	"net/netip"
	"strconv"
)

// profile is what a process does all day.
type profile uint8

const (
	profIdle    profile = iota // systemd, sshd, containerd: futex, epoll, nanosleep
	profWeb                    // nginx worker: accept, recv, open/read/close, writev, log
	profDB                     // postgres backend: recvfrom, pread/pwrite, fsync, sendto
	profJava                   // multi-threaded app: futex, epoll, TCP to upstreams (IPv6)
	profShell                  // interactive bash: reads the tty, forks commands
	profCron                   // cron: forks commands as root now and then
	profCmd                    // a short-lived command after execve
	profLogger                 // journald: recvmsg on a unix socket, write, fsync
	profScraper                // node_exporter: reads /proc of other processes
	profKV                     // redis: epoll, read/write on client sockets
)

// activity is the probability that a thread of the profile runs when picked.
var activity = [...]float64{
	profIdle: 0.03, profWeb: 1, profDB: 0.8, profJava: 0.5, profShell: 0.15,
	profCron: 0.05, profCmd: 1, profLogger: 0.3, profScraper: 0.4, profKV: 0.7,
}

// fdEnt is the generator's view of one fd; sockets remember their ends
// (local, remote) to fill tuples consistently.
type fdEnt struct {
	used    bool
	cloexec bool
	local   netip.AddrPort
	remote  netip.AddrPort
}

// proc is one process.
type proc struct {
	pid, ppid  int64
	comm, exe  string
	exepath    string
	args       []string
	cwd        string
	uid, gid   uint32
	prof       profile
	fds        []fdEnt
	threads    []*thread
	parent     *proc
	children   int
	vmSize     uint32
	vmRSS      uint32
	pfMaj      uint64
	pfMin      uint64
	procStat   string // "/proc/<pid>/stat", built once
	listen     int64  // listening socket (web, kv, db)
	logFD      int64  // log file (web, logger)
	walFD      int64  // db: WAL file
	dataFDs    []int64
	dataOff    uint64
	sockPath   string // logger: unix socket path
	cmd        *command
	alive      bool
	brk        uint64
	nextPort   uint16
	interactiv bool
}

// thread is one schedulable thread.
type thread struct {
	tid    int64
	p      *proc
	cpu    int
	idx    int // position in gen.threads
	plan   []op
	pi     int
	inExit bool
	dead   bool
	conn   int64 // a connection the thread owns (-1 none)
	futex  uint64
	gc     bool // java GC/JIT thread: futex and yields only
}

func newProc(pid, ppid int64, comm, exe string, args []string, cwd string, uid uint32, prof profile) *proc {
	p := &proc{
		pid: pid, ppid: ppid, comm: comm, exe: exe, exepath: exe, args: args, cwd: cwd,
		uid: uid, gid: uid, prof: prof, listen: -1, logFD: -1, walFD: -1,
		vmSize: 20000 + uint32(pid%50000), vmRSS: 4000 + uint32(pid%9000),
		procStat: "/proc/" + strconv.FormatInt(pid, 10) + "/stat", alive: true,
		brk: 0x55d4c8a00000 + uint64(pid)<<16, nextPort: uint16(32768 + pid%20000),
	}
	return p
}

// alloc takes the lowest free fd, as the kernel does.
func (p *proc) alloc(cloexec bool) int64 {
	for i := range p.fds {
		if !p.fds[i].used {
			p.fds[i] = fdEnt{used: true, cloexec: cloexec}
			return int64(i)
		}
	}
	p.fds = append(p.fds, fdEnt{used: true, cloexec: cloexec})
	return int64(len(p.fds) - 1)
}

// allocSock takes an fd for a socket with known ends.
func (p *proc) allocSock(local, remote netip.AddrPort) int64 {
	fd := p.alloc(true)
	p.fds[fd].local, p.fds[fd].remote = local, remote
	return fd
}

// set marks a specific fd used (initial fd lists).
func (p *proc) set(fd int64, e fdEnt) {
	for int64(len(p.fds)) <= fd {
		p.fds = append(p.fds, fdEnt{})
	}
	e.used = true
	p.fds[fd] = e
}

func (p *proc) free(fd int64) {
	if fd >= 0 && fd < int64(len(p.fds)) {
		p.fds[fd] = fdEnt{}
	}
}

func (p *proc) openCount() int {
	n := 0
	for _, f := range p.fds {
		if f.used {
			n++
		}
	}
	return n
}

// ephemeral returns a fresh local port for an outgoing connection.
func (p *proc) ephemeral() uint16 {
	p.nextPort++
	if p.nextPort < 32768 {
		p.nextPort = 32768
	}
	return p.nextPort
}

// opKind is one syscall (or meta event) the generator emits.
type opKind uint8

const (
	kOpen opKind = iota
	kOpenat
	kRead
	kWrite
	kPread
	kPwrite
	kWritev
	kClose
	kFstat
	kStat
	kLseek
	kAccess
	kGetdents64
	kMmap
	kMprotect
	kBrk
	kSocket
	kConnect
	kAccept4
	kSendto
	kRecvfrom
	kRecvmsg
	kSendmsg
	kEpollWait
	kPoll
	kFutex
	kNanosleep
	kGeneric
	kGenericEnter // a generic syscall that never returns (exit_group)
	kClone
	kCloneChild // the child's clone exit (no enter)
	kExecve
	kProcexit
	kSignal
	kUnlinkat
	kNumKinds
)

// op is one planned syscall with its enter and exit parameters.
type op struct {
	kind   opKind
	fd     int64
	res    int64
	dirfd  int64
	path   string
	flags  uint32
	mode   uint32
	size   uint32
	off    uint64
	data   []byte
	local  netip.AddrPort
	remote netip.AddrPort
	unix   string
	gen    generic
	child  *thread
	cmd    *command
	exec   *execInfo
}

// execInfo is the identity an execve installs.
type execInfo struct {
	comm, exe, exepath string
	args               []string
	prof               profile
	cmd                *command
}
