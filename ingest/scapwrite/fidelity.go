package scapwrite

import (
	"fmt"
	"io"
	"net/netip"
	"strings"

	et "github.com/scapql/scapql/ingest/eventtable"
)

// Fidelity names a small capture that exercises rules of the reference (sysdig 0.29.3) the
// public captures do not reach: the fields some events lack, sockets without a role, the
// locality of addresses seen from a container, threads whose parent is unknown, buffers, and
// the state the official Falco rules read. The reference reads every one of them; the
// goldens in testdata/golden/fidelity are its answers.
type Fidelity string

// Fidelity captures.
const (
	// FidelityFields: syscall and non-syscall events (generic, switch, procinfo, container)
	// on host and container threads, with fds found, missing and failed.
	FidelityFields Fidelity = "fields"
	// FidelityRoles: sockets without a role (IPv6 and server sockets from the fd list, a
	// socket just created or bound), then the events that give them one.
	FidelityRoles Fidelity = "roles"
	// FidelityServer: fd.is_server of fresh sockets on threads of a container with a known
	// IP, of a container whose IP is unknown, and of the host.
	FidelityServer Fidelity = "is_server"
	// FidelityLoginUID: a clone child whose parent is not in the process list.
	FidelityLoginUID Fidelity = "loginuid"
	// FidelityBuffers: reads and writes with buffers to slice.
	FidelityBuffers Fidelity = "buffers"
	// FidelityRules: what the official Falco rules read beyond the reference's fields: a
	// fileless execution from an overlay upper layer with capabilities, capset, a relative
	// open, programs run in a container with Kubernetes labels and sensitive mounts.
	FidelityRules Fidelity = "rules"
)

// FidelityCaptures lists every fidelity capture.
func FidelityCaptures() []Fidelity {
	return []Fidelity{FidelityFields, FidelityRoles, FidelityServer, FidelityLoginUID, FidelityBuffers, FidelityRules}
}

// Container ids of the fidelity captures (the first 12 hex digits of their cgroup ids).
const (
	fidContainerWeb  = "3ad7b26ded6d"
	fidContainerDark = "8f2c1d0e9b7a"
)

func fidCgroups(id string) []string {
	full := id + strings.Repeat("0", 64-len(id))
	return []string{"cpuset=/docker/" + full, "memory=/docker/" + full}
}

// fidProcesses: the sample processes plus a shell in container web (tid 3000) and a
// server in container dark (tid 3100), whose IP the container event leaves unknown.
func fidProcesses() []Process {
	procs := SampleProcesses()
	web := procs[1]
	web.Tid, web.Pid, web.Ptid, web.Sid, web.Vpgid, web.Pgid = 3000, 3000, 1, 3000, 3000, 3000
	web.Comm, web.Exe, web.ExePath, web.Cwd, web.UID, web.GID = "sh", "/bin/sh", "/bin/sh", "/app", 0, 0
	web.Vtid, web.Vpid, web.LoginUID = 1, 1, 0xffffffff
	web.Cgroups = fidCgroups(fidContainerWeb)
	dark := web
	dark.Tid, dark.Pid, dark.Sid, dark.Vpgid, dark.Pgid = 3100, 3100, 3100, 3100, 3100
	dark.Comm, dark.Exe, dark.ExePath = "redis", "redis-server", "/usr/bin/redis-server"
	dark.Cgroups = fidCgroups(fidContainerDark)
	procs = append(procs, web, dark)
	// The reference reads the tail of process entries as libs before 0.10 wrote it.
	for i := range procs {
		procs[i].Tail = TailPre010
	}
	return procs
}

// fidContainers are the container events every fidelity capture starts with: web has an IP,
// dark has none (0).
func (c *sampleCtx) fidContainers() {
	c.ev(-1, et.PPME_CONTAINER_JSON_E, CharBuf(`{"container":{"id":"`+fidContainerWeb+`","name":"web","image":"nginx:1.25",`+
		`"imagerepo":"nginx","imagetag":"1.25","type":0,"privileged":false,"ip":"172.17.0.2",`+
		`"labels":{"io.kubernetes.pod.name":"web-7d4b9","io.kubernetes.pod.namespace":"shop","io.kubernetes.pod.uid":"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},`+
		`"Mounts":[{"Source":"/srv/data","Destination":"/data","Mode":"","RW":true,"Propagation":"rprivate"},`+
		`{"Source":"/var/run/docker.sock","Destination":"/run/docker.sock","Mode":"ro","RW":false,"Propagation":""}]}}`))
	c.ev(-1, et.PPME_CONTAINER_JSON_E, CharBuf(`{"container":{"id":"`+fidContainerDark+`","name":"dark","image":"redis:7",`+
		`"type":0,"privileged":true,"ip":"0.0.0.0"}}`))
}

// WriteFidelity writes one fidelity capture to out.
func WriteFidelity(f Fidelity, out io.Writer) error {
	c := &sampleCtx{w: NewWriter(out, Options{}), ts: sampleTS, info: SampleInfo{Sections: 1}}
	withFDs := true
	writeSamplePrelude(c.w, fidProcesses(), withFDs)
	c.fidContainers()
	switch f {
	case FidelityFields:
		c.fidFieldsEvents()
	case FidelityRoles:
		c.fidRolesEvents()
	case FidelityServer:
		c.fidServerEvents()
	case FidelityLoginUID:
		c.fidLoginUIDEvents()
	case FidelityBuffers:
		c.fidBufferEvents()
	case FidelityRules:
		c.fidRulesEvents()
	default:
		return fmt.Errorf("scapwrite: unknown fidelity capture %q", f)
	}
	if err := c.w.Close(); err != nil {
		return fmt.Errorf("scapwrite: fidelity capture %s: %w", f, err)
	}
	return nil
}

func (c *sampleCtx) fidFieldsEvents() {
	// A host open, read and close.
	c.ev(1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/etc/hosts"), U32(1), U32(0))
	c.ev(1000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/etc/hosts"), U32(1), U32(0), U32(0x803))
	c.ev(1000, et.PPME_SYSCALL_READ_E, FD(3), U32(4096))
	c.ev(1000, et.PPME_SYSCALL_READ_X, Errno(9), []byte("127.0.0.1"))
	// The same in container web, plus a failed open (no fd: the name comes from the event).
	c.ev(3000, et.PPME_SYSCALL_OPENAT_2_E, FD(-100), CharBuf("/app/config.yml"), U32(1), U32(0))
	c.ev(3000, et.PPME_SYSCALL_OPENAT_2_X, FD(4), FD(-100), CharBuf("/app/config.yml"), U32(1), U32(0), U32(0x803))
	c.ev(3000, et.PPME_SYSCALL_READ_E, FD(4), U32(4096))
	c.ev(3000, et.PPME_SYSCALL_READ_X, Errno(5), []byte("a: 1\n"))
	c.ev(3000, et.PPME_SYSCALL_OPEN_E, CharBuf("/app/missing.yml"), U32(1), U32(0))
	c.ev(3000, et.PPME_SYSCALL_OPEN_X, FD(-2), CharBuf("/app/missing.yml"), U32(1), U32(0), U32(0))
	c.ev(3000, et.PPME_SYSCALL_CLOSE_E, FD(4))
	c.ev(3000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	// A read of an fd the tables do not know.
	c.ev(3000, et.PPME_SYSCALL_READ_E, FD(9), U32(16))
	c.ev(3000, et.PPME_SYSCALL_READ_X, Errno(-9), Empty())
	// A generic syscall (ppm_sc 1 with native id 0), a switch, procinfo and a late container
	// event: only the first is a syscall for syscall.type.
	c.ev(1000, et.PPME_GENERIC_E, U16(1), U16(0))
	c.ev(1000, et.PPME_GENERIC_X, U16(1))
	c.ev(1000, et.PPME_SCHEDSWITCH_6_E, PID(2001), U64(10), U64(200), U32(10240), U32(4096), U32(0))
	c.ev(2001, et.PPME_PROCINFO_E, U64(12), U64(3))
	c.ev(-1, et.PPME_CONTAINER_JSON_E, CharBuf(`{"container":{"id":"`+fidContainerWeb+`","name":"web","image":"nginx:1.25","type":0,"ip":"172.17.0.2"}}`))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	// Poll on two known fds and one unknown.
	c.ev(2000, et.PPME_SYSCALL_POLL_E, FDList(PollFD{FD: 0, Events: 1}, PollFD{FD: 3, Events: 1}, PollFD{FD: 8, Events: 4}), I64(1000))
	c.ev(2000, et.PPME_SYSCALL_POLL_X, Errno(1), FDList(PollFD{FD: 3, Events: 1}))
}

func (c *sampleCtx) fidRolesEvents() {
	// The fd list gives nginx (2000) fd 3, a TCP server socket on 0.0.0.0:80. Add a UDP
	// socket bound on 0.0.0.0:5353 and an IPv6 one, by events.
	c.ev(2000, et.PPME_SYSCALL_READ_E, FD(3), U32(16))
	c.ev(2000, et.PPME_SYSCALL_READ_X, Errno(-11), Empty())
	c.ev(1000, et.PPME_SOCKET_SOCKET_E, U32(2), U32(2), U32(0))
	c.ev(1000, et.PPME_SOCKET_SOCKET_X, FD(5))
	c.ev(1000, et.PPME_SOCKET_BIND_E, FD(5))
	c.ev(1000, et.PPME_SOCKET_BIND_X, Errno(0), Sockaddr(netip.MustParseAddrPort("0.0.0.0:5353")))
	c.ev(1000, et.PPME_SYSCALL_READ_E, FD(5), U32(16))
	c.ev(1000, et.PPME_SYSCALL_READ_X, Errno(-11), Empty())
	c.ev(1000, et.PPME_SOCKET_SOCKET_E, U32(10), U32(1), U32(0))
	c.ev(1000, et.PPME_SOCKET_SOCKET_X, FD(6))
	c.ev(1000, et.PPME_SYSCALL_WRITE_E, FD(6), U32(2))
	c.ev(1000, et.PPME_SYSCALL_WRITE_X, Errno(-32), []byte("hi"))
	c.ev(1000, et.PPME_SOCKET_CONNECT_E, FD(6), Sockaddr(netip.MustParseAddrPort("[fd00::9]:443")))
	c.ev(1000, et.PPME_SOCKET_CONNECT_X, Errno(0), Socktuple(netip.MustParseAddrPort("[fd00::5]:40000"), netip.MustParseAddrPort("[fd00::9]:443")))
	c.ev(1000, et.PPME_SYSCALL_WRITE_E, FD(6), U32(2))
	c.ev(1000, et.PPME_SYSCALL_WRITE_X, Errno(2), []byte("hi"))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_E, FD(5))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_E, FD(6))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

func (c *sampleCtx) fidServerEvents() {
	// Each thread connects a fresh socket to a peer, then writes; the server address decides
	// fd.is_server.
	conn := func(tid, fd int64, local, remote string) {
		l, r := netip.MustParseAddrPort(local), netip.MustParseAddrPort(remote)
		c.ev(tid, et.PPME_SOCKET_SOCKET_E, U32(2), U32(1), U32(0))
		c.ev(tid, et.PPME_SOCKET_SOCKET_X, FD(fd))
		c.ev(tid, et.PPME_SYSCALL_WRITE_E, FD(fd), U32(2))
		c.ev(tid, et.PPME_SYSCALL_WRITE_X, Errno(-32), []byte("hi"))
		c.ev(tid, et.PPME_SOCKET_CONNECT_E, FD(fd), Sockaddr(r))
		c.ev(tid, et.PPME_SOCKET_CONNECT_X, Errno(0), Socktuple(l, r))
		c.ev(tid, et.PPME_SYSCALL_WRITE_E, FD(fd), U32(2))
		c.ev(tid, et.PPME_SYSCALL_WRITE_X, Errno(2), []byte("hi"))
	}
	// Container web (IP 172.17.0.2): to its own IP, to the host's, to a stranger.
	conn(3000, 5, "172.17.0.2:40000", "172.17.0.2:8080")
	conn(3000, 6, "172.17.0.2:40001", "10.0.0.5:22")
	conn(3000, 7, "172.17.0.2:40002", "93.184.216.34:443")
	// Container dark (IP unknown): to web's IP, to the host's, to a stranger.
	conn(3100, 5, "172.17.0.3:40000", "172.17.0.2:8080")
	conn(3100, 6, "172.17.0.3:40001", "10.0.0.5:22")
	conn(3100, 7, "172.17.0.3:40002", "93.184.216.34:443")
	// The host: to web's IP, to its own, to loopback, to a stranger.
	conn(1000, 5, "10.0.0.5:40000", "172.17.0.2:8080")
	conn(1000, 6, "10.0.0.5:40001", "10.0.0.5:22")
	conn(1000, 7, "127.0.0.1:40002", "127.0.0.1:631")
	conn(1000, 8, "10.0.0.5:40003", "93.184.216.34:443")
}

func (c *sampleCtx) fidLoginUIDEvents() {
	// Thread 4000's parent (3999) is in no table: the clone child appears first.
	cloneX := func(res, tid, pid, ptid int64, flags uint32) [][]byte {
		return [][]byte{PID(res), CharBuf("/usr/bin/worker"), StringList("--once"), PID(tid), PID(pid), PID(ptid),
			CharBuf("/srv"), I64(1024), U64(0), U64(0), U32(10240), U32(4096), U32(0),
			CharBuf("worker"), StringList("cpu=/"), U32(flags), U32(1000), U32(1000),
			PID(tid), PID(pid)}
	}
	c.ev(4000, et.PPME_SYSCALL_CLONE_20_E)
	c.ev(4000, et.PPME_SYSCALL_CLONE_20_X, cloneX(0, 4000, 4000, 3999, 0)...)
	c.ev(4000, et.PPME_SYSCALL_OPEN_E, CharBuf("/srv/job"), U32(1), U32(0))
	c.ev(4000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/srv/job"), U32(1), U32(0), U32(0x803))
	// A thread of it (clone with CLONE_THREAD), also child-first.
	c.ev(4001, et.PPME_SYSCALL_CLONE_20_X, cloneX(0, 4001, 4000, 3999, 0x10000)...)
	c.ev(4001, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.ev(4001, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	// bash (loginuid 1000) forks 4100, parent first, then child.
	p := cloneX(4100, 1000, 1000, 1, 0)
	c.ev(1000, et.PPME_SYSCALL_CLONE_20_E)
	c.ev(1000, et.PPME_SYSCALL_CLONE_20_X, p...)
	c.ev(4100, et.PPME_SYSCALL_CLONE_20_X, cloneX(0, 4100, 4100, 1000, 0)...)
	c.ev(4100, et.PPME_SYSCALL_CLOSE_E, FD(0))
	c.ev(4100, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

func (c *sampleCtx) fidBufferEvents() {
	req := []byte("GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n")
	c.ev(2001, et.PPME_SOCKET_ACCEPT4_5_E, I32(0))
	c.ev(2001, et.PPME_SOCKET_ACCEPT4_5_X, FD(5), Socktuple(netip.MustParseAddrPort("10.0.0.9:41000"), netip.MustParseAddrPort("10.0.0.5:80")), U8(0), U32(0), U32(511))
	c.ev(2001, et.PPME_SYSCALL_READ_E, FD(5), U32(1024))
	c.ev(2001, et.PPME_SYSCALL_READ_X, Errno(int64(len(req))), req)
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	c.ev(2001, et.PPME_SYSCALL_WRITE_E, FD(5), U32(uint32(len(resp))))
	c.ev(2001, et.PPME_SYSCALL_WRITE_X, Errno(int64(len(resp))), resp)
	bin := []byte{0x00, 0x01, 0x02, 0xff, 0x7f, 'G', 'E', 'T'}
	c.ev(2001, et.PPME_SYSCALL_WRITE_E, FD(4), U32(uint32(len(bin))))
	c.ev(2001, et.PPME_SYSCALL_WRITE_X, Errno(int64(len(bin))), bin)
	c.ev(2001, et.PPME_SYSCALL_READ_E, FD(5), U32(1024))
	c.ev(2001, et.PPME_SYSCALL_READ_X, Errno(3), []byte("GE\x00"))
	c.ev(2001, et.PPME_SYSCALL_POLL_E, FDList(PollFD{FD: 5, Events: 1}, PollFD{FD: 4, Events: 4}, PollFD{FD: 3, Events: 1}), I64(500))
	c.ev(2001, et.PPME_SYSCALL_POLL_X, Errno(1), FDList(PollFD{FD: 5, Events: 1}))
	c.ev(2001, et.PPME_SYSCALL_CLOSE_E, FD(5))
	c.ev(2001, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

// capSysModule and capSysAdmin are capability bits (CAP_SYS_MODULE, CAP_SYS_ADMIN).
const (
	capSysModule = 1 << 16
	capSysAdmin  = 1 << 21
)

func (c *sampleCtx) fidRulesEvents() {
	// execveX is an execve exit in the current drivers' layout (no enter event needed).
	execveX := func(tid, pid, ptid int64, comm, exe, path string, args []string, cgroups []string,
		flags uint32, caps uint64) [][]byte {
		return [][]byte{Errno(0), CharBuf(exe), StringList(args...), PID(tid), PID(pid), PID(ptid),
			CharBuf("/"), U64(1024), U64(0), U64(0), U32(8000), U32(2000), U32(0),
			CharBuf(comm), StringList(cgroups...), StringList("PATH=/usr/bin"), U32(34816), PID(pid),
			U32(1000), U32(flags), U64(0), U64(caps), U64(caps), U64(4321), U64(0), U64(0), U32(0),
			CharBuf(path), PID(pid), U32(0), CharBuf(path)}
	}
	cloneX := func(res, tid, pid, ptid int64, comm, exe string, cgroups []string) [][]byte {
		return [][]byte{PID(res), CharBuf(exe), StringList(), PID(tid), PID(pid), PID(ptid),
			CharBuf("/"), I64(1024), U64(0), U64(0), U32(10240), U32(4096), U32(0),
			CharBuf(comm), StringList(cgroups...), U32(0), U32(0), U32(0), PID(tid), PID(pid)}
	}
	// bash forks 4200, which runs a memfd payload from an overlay upper layer with
	// CAP_SYS_MODULE and CAP_SYS_ADMIN, opens a relative path and loads a module.
	c.ev(1000, et.PPME_SYSCALL_CLONE_20_E)
	c.ev(1000, et.PPME_SYSCALL_CLONE_20_X, cloneX(4200, 1000, 1000, 1, "bash", "-bash", []string{"cpu=/"})...)
	c.ev(4200, et.PPME_SYSCALL_CLONE_20_X, cloneX(0, 4200, 4200, 1000, "bash", "-bash", []string{"cpu=/"})...)
	c.ev(4200, et.PPME_SYSCALL_EXECVE_19_X, execveX(4200, 4200, 1000, "3", "memfd:payload", "/memfd:payload (deleted)",
		[]string{"-q"}, []string{"cpu=/"}, 6, capSysModule|capSysAdmin)...)
	c.ev(4200, et.PPME_SYSCALL_OPENAT_2_E, FD(-100), CharBuf("../etc//shadow"), U32(1), U32(0))
	c.ev(4200, et.PPME_SYSCALL_OPENAT_2_X, FD(3), FD(-100), CharBuf("../etc//shadow"), U32(1), U32(0), U32(0x803))
	c.ev(4200, et.PPME_SYSCALL_READ_E, FD(3), U32(64))
	c.ev(4200, et.PPME_SYSCALL_READ_X, Errno(5), []byte("root:"))
	c.ev(4200, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.ev(4200, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	// In container web (Kubernetes pod web-7d4b9 in namespace shop): sh forks 4300, which
	// runs kubectl, then a new binary from the upper layer that reaches the cloud metadata
	// service.
	web := fidCgroups(fidContainerWeb)
	c.ev(3000, et.PPME_SYSCALL_CLONE_20_E)
	c.ev(3000, et.PPME_SYSCALL_CLONE_20_X, cloneX(4300, 3000, 3000, 1, "sh", "/bin/sh", web)...)
	c.ev(4300, et.PPME_SYSCALL_CLONE_20_X, cloneX(0, 4300, 4300, 3000, "sh", "/bin/sh", web)...)
	c.ev(4300, et.PPME_SYSCALL_EXECVE_19_X, execveX(4300, 4300, 3000, "kubectl", "kubectl", "/usr/bin/kubectl",
		[]string{"get", "pods"}, web, 0, 0)...)
	c.ev(4300, et.PPME_SYSCALL_EXECVE_19_X, execveX(4300, 4300, 3000, "dropper", "./dropper", "/tmp/dropper",
		nil, web, 3, capSysAdmin)...)
	meta := netip.MustParseAddrPort("169.254.169.254:80")
	c.ev(4300, et.PPME_SOCKET_SOCKET_E, U32(2), U32(1), U32(0))
	c.ev(4300, et.PPME_SOCKET_SOCKET_X, FD(3))
	c.ev(4300, et.PPME_SOCKET_CONNECT_E, FD(3), Sockaddr(meta))
	c.ev(4300, et.PPME_SOCKET_CONNECT_X, Errno(0), Socktuple(netip.MustParseAddrPort("172.17.0.2:40100"), meta))
	c.ev(4300, et.PPME_PROCEXIT_1_E, Errno(0), Errno(0), U8(0), U8(0), PID(0))
	// Last, as the reference's event table has no capset (it would number the events after
	// it differently): 4200 drops CAP_SYS_MODULE.
	c.ev(4200, et.PPME_SYSCALL_CAPSET_X, Errno(0), U64(0), U64(capSysAdmin), U64(capSysAdmin))
}
