package scapwrite

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"strings"

	et "github.com/scapql/scapql/ingest/eventtable"
)

// Sample names a small, fully known capture for reader tests, mostly of
// kinds sysdig cannot produce (FORMAT.md notes no public sample has EVF or
// LARGE blocks, exit-only events or several sections).
type Sample string

// Samples.
const (
	// SampleBasic: REF-layout enter/exit pairs that sysdig 0.29.3 reads.
	SampleBasic Sample = "basic"
	// SampleStateOnly: EVF_V2 blocks, some with STATE_ONLY (an openat pair
	// whose fd a later visible read uses) and one with flags 0.
	SampleStateOnly Sample = "state_only"
	// SampleLarge: EV_V2_LARGE/EVF_V2_LARGE blocks: a 100 KiB
	// CONTAINER_JSON_2_E (u32 lengths), a small one in an EV_V2 block (still
	// u32 lengths), and a READ_X in a LARGE block (u16 lengths: the width
	// follows the type, not the block).
	SampleLarge Sample = "large"
	// SampleExitOnly: libs HEAD layouts with no enter events (openat, read,
	// write, close, socket, connect, sendto, recvfrom, clone, execve,
	// procexit with reaper_tid).
	SampleExitOnly Sample = "exit_only"
	// SampleMultiSection: two concatenated sections; the second renames
	// thread 2000 (nginx -> httpd) and drops the fd list, so state must be
	// rebuilt from scratch.
	SampleMultiSection Sample = "multi_section"
	// SampleV1: EV (0x204) blocks with the 22-byte v1 header, plus one EVF
	// (0x208) block with STATE_ONLY.
	SampleV1 Sample = "v1_blocks"
	// SamplePcapngOptions: a SHB with pcapng options and event blocks with
	// comment options after their padding (sysdig 0.29.3 rejects it).
	SamplePcapngOptions Sample = "pcapng_options"
	// SampleUnknownTypes: events with ids 354 (USER_ADDED, unknown to REF)
	// and 500 (unknown to HEAD) between normal events.
	SampleUnknownTypes Sample = "unknown_types"
)

// Samples lists every sample.
func Samples() []Sample {
	return []Sample{SampleBasic, SampleStateOnly, SampleLarge, SampleExitOnly,
		SampleMultiSection, SampleV1, SamplePcapngOptions, SampleUnknownTypes}
}

// SampleInfo summarises a written sample.
type SampleInfo struct {
	Sample Sample
	// Events is the number of event blocks written (all sections).
	Events int
	// StateOnly counts events flagged STATE_ONLY.
	StateOnly int
	// Unknown counts events whose type sysdig 0.29.3 does not know (>= 336).
	Unknown int
	// Sections is the number of section headers.
	Sections int
	// RefLines is the number of lines `sysdig -r FILE -D` (0.29.3) prints:
	// events minus STATE_ONLY, unknown and leading container events; -1
	// when it rejects the file. Verified by hand against sysdig 0.29.3.
	RefLines int
}

// sampleTS is the first event timestamp of every sample (2023-11-14 22:13:20 UTC).
const sampleTS uint64 = 1700000000_000000000

// sampleCtx writes one sample and counts what it wrote.
type sampleCtx struct {
	w       *Writer
	ts      uint64
	info    SampleInfo
	leading int  // container events before any other event
	other   bool // an event other than a container event was written
}

func (c *sampleCtx) next() uint64 {
	c.ts += 1000
	return c.ts
}

// ev writes an event with default options.
func (c *sampleCtx) ev(tid int64, typ uint16, params ...[]byte) {
	c.evo(EventOptions{}, tid, typ, params...)
}

// evo writes an event with options and keeps the counters.
func (c *sampleCtx) evo(o EventOptions, tid int64, typ uint16, params ...[]byte) {
	_ = c.w.WriteEventOpts(o, c.next(), tid, uint16(tid%2), typ, params...)
	c.info.Events++
	if o.Flags&FlagStateOnly != 0 {
		c.info.StateOnly++
	}
	if typ >= et.ReferenceMaxEvent {
		c.info.Unknown++
	}
	// sysdig consumes container events that come before every other event
	// at start-up: numbered, never printed.
	if typ == et.PPME_CONTAINER_JSON_E || typ == et.PPME_CONTAINER_JSON_2_E {
		if !c.other {
			c.leading++
		}
	} else {
		c.other = true
	}
}

var (
	sampleLocal  = netip.MustParseAddr("10.0.0.5")
	sampleLocal6 = netip.MustParseAddr("fd00::5")
)

// SampleProcesses returns the process list every sample starts from: init,
// a bash (uid 1000) and a two-thread nginx (tid 2000 main, 2001 worker).
func SampleProcesses() []Process {
	base := func(tid, pid, ptid int64, comm, exe string, args []string, uid uint32) Process {
		return Process{Tid: tid, Pid: pid, Ptid: ptid, Sid: pid, Vpgid: pid, Pgid: pid,
			Comm: comm, Exe: exe, ExePath: exe, Args: args, Cwd: "/", FDLimit: 1024,
			UID: uid, GID: uid, Vtid: tid, Vpid: pid, Env: []string{"PATH=/usr/bin:/bin"},
			Cgroups: []string{"cpu=/", "memory=/"}, Root: "/", LoginUID: uid,
			VMSizeKB: 10240, VMRSSKB: 4096}
	}
	bash := base(1000, 1000, 1, "bash", "-bash", nil, 1000)
	bash.Cwd = "/home/alice"
	return []Process{
		base(1, 1, 0, "systemd", "/sbin/init", []string{"splash"}, 0),
		bash,
		base(2000, 2000, 1, "nginx", "nginx", []string{"-g", "daemon off;"}, 0),
		base(2001, 2000, 1, "nginx", "nginx", []string{"-g", "daemon off;"}, 0),
	}
}

// writeSamplePrelude writes MI, IL, UL, PL and the fd lists.
func writeSamplePrelude(w *Writer, procs []Process, withFDs bool) {
	_ = w.WriteMachineInfo(MachineInfo{NumCPUs: 2, MemoryBytes: 8 << 30, MaxPID: 4194304, Hostname: "scapwrite-sample"})
	_ = w.WriteInterfaceList([]Interface{
		{Name: "lo", Addr: netip.MustParseAddr("127.0.0.1"), Netmask: netip.MustParseAddr("255.0.0.0"), Bcast: netip.MustParseAddr("127.0.0.1")},
		{Name: "eth0", Addr: sampleLocal, Netmask: netip.MustParseAddr("255.255.255.0"), Bcast: netip.MustParseAddr("10.0.0.255"), LinkSpeed: 1000},
		{Name: "eth0", Addr: sampleLocal6, Netmask: netip.MustParseAddr("ffff:ffff:ffff:ffff::"), NoLinkSpeed: true},
	})
	_ = w.WriteUserList(
		[]User{{UID: 0, GID: 0, Name: "root", HomeDir: "/root", Shell: "/bin/bash"},
			{UID: 1000, GID: 1000, Name: "alice", HomeDir: "/home/alice", Shell: "/bin/bash"}},
		[]Group{{GID: 0, Name: "root"}, {GID: 1000, Name: "alice"}})
	_ = w.WriteProcessList(procs)
	for _, p := range procs {
		var fds []FDEntry
		switch {
		case !withFDs || p.Tid != p.Pid:
		case p.Comm == "bash":
			for i := int64(0); i < 3; i++ {
				fds = append(fds, FDEntry{Num: i, Type: FDFileV2, Name: "/dev/pts/0", OpenFlags: 3, Ino: 3})
			}
		case p.Comm == "nginx":
			fds = []FDEntry{
				{Num: 0, Type: FDFileV2, Name: "/dev/null", OpenFlags: 3},
				{Num: 3, Type: FDIPv4ServSock, Src: netip.MustParseAddrPort("0.0.0.0:80"), L4Proto: L4TCP},
				{Num: 4, Type: FDFileV2, Name: "/var/log/nginx/access.log", OpenFlags: 0x80a, Ino: 131090},
			}
		}
		_ = w.WriteFDList(p.Tid, fds)
	}
}

// WriteSample writes one sample capture to out.
func WriteSample(s Sample, out io.Writer, opts Options) (SampleInfo, error) {
	if s == SamplePcapngOptions {
		opts.Section.Options = append(opts.Section.Options,
			CommentOption("written by scapwrite"),
			BlockOption{Code: 4, Value: []byte("scapwrite sample")})
	}
	c := &sampleCtx{w: NewWriter(out, opts), ts: sampleTS, info: SampleInfo{Sample: s, Sections: 1}}
	writeSamplePrelude(c.w, SampleProcesses(), true)
	switch s {
	case SampleBasic:
		c.basicEvents()
	case SampleStateOnly:
		c.stateOnlyEvents()
	case SampleLarge:
		c.largeEvents()
	case SampleExitOnly:
		c.exitOnlyEvents()
	case SampleMultiSection:
		c.basicEvents()
		_ = c.w.WriteSection(Section{})
		c.info.Sections++
		procs := SampleProcesses()
		procs[2].Comm, procs[3].Comm = "httpd", "httpd"
		writeSamplePrelude(c.w, procs, false)
		c.basicEvents()
	case SampleV1:
		c.v1Events()
	case SamplePcapngOptions:
		c.optionEvents()
	case SampleUnknownTypes:
		c.unknownEvents()
	default:
		return c.info, fmt.Errorf("scapwrite: unknown sample %q", s)
	}
	if err := c.w.Close(); err != nil {
		return c.info, fmt.Errorf("scapwrite: sample %s: %w", s, err)
	}
	c.info.RefLines = c.info.Events - c.info.StateOnly - c.info.Unknown - c.leading
	if len(opts.Section.Options) > 0 {
		c.info.RefLines = -1 // REF assumes a 28-byte SHB
	}
	return c.info, nil
}

// basicEvents: nginx serves a request; bash runs a failing open. 20 events.
func (c *sampleCtx) basicEvents() {
	peer := netip.MustParseAddrPort("10.0.0.9:41000")
	srv := netip.MustParseAddrPort("10.0.0.5:80")
	c.ev(2001, et.PPME_SOCKET_ACCEPT4_5_E, I32(0))
	c.ev(2001, et.PPME_SOCKET_ACCEPT4_5_X, FD(5), Socktuple(peer, srv), U8(0), U32(0), U32(511))
	c.ev(2001, et.PPME_SOCKET_RECVFROM_E, FD(5), U32(1024))
	req := []byte("GET /index.html HTTP/1.1\r\nHost: example\r\n\r\n")
	c.ev(2001, et.PPME_SOCKET_RECVFROM_X, Errno(int64(len(req))), req, Empty())
	c.ev(2001, et.PPME_SYSCALL_OPENAT_2_E, FD(-100), CharBuf("/var/www/html/index.html"), U32(0x1001), U32(0))
	c.ev(2001, et.PPME_SYSCALL_OPENAT_2_X, FD(6), FD(-100), CharBuf("/var/www/html/index.html"), U32(0x1001), U32(0), U32(0x803))
	c.ev(2001, et.PPME_SYSCALL_READ_E, FD(6), U32(4096))
	c.ev(2001, et.PPME_SYSCALL_READ_X, Errno(13), []byte("<html></html>"))
	c.ev(2001, et.PPME_SOCKET_SENDTO_E, FD(5), U32(13), Empty())
	c.ev(2001, et.PPME_SOCKET_SENDTO_X, Errno(13), []byte("<html></html>"))
	c.ev(2001, et.PPME_SYSCALL_CLOSE_E, FD(6))
	c.ev(2001, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	c.ev(2001, et.PPME_SYSCALL_WRITE_E, FD(4), U32(30))
	c.ev(2001, et.PPME_SYSCALL_WRITE_X, Errno(30), []byte("10.0.0.9 GET /index.html 200\n"))
	c.ev(1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/etc/missing.conf"), U32(1), U32(0))
	c.ev(1000, et.PPME_SYSCALL_OPEN_X, FD(-2), CharBuf("/etc/missing.conf"), U32(1), U32(0), U32(0))
	c.ev(1000, et.PPME_SCHEDSWITCH_6_E, PID(2001), U64(10), U64(200), U32(10240), U32(4096), U32(0))
	c.ev(2001, et.PPME_PROCINFO_E, U64(12), U64(3))
	c.ev(2001, et.PPME_SYSCALL_CLOSE_E, FD(5))
	c.ev(2001, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

// stateOnlyEvents: a STATE_ONLY openat pair, then visible reads of its fd.
func (c *sampleCtx) stateOnlyEvents() {
	so := EventOptions{Flags: FlagStateOnly}
	name := CharBuf("/etc/nginx/nginx.conf")
	c.evo(so, 2000, et.PPME_SYSCALL_OPENAT_2_E, FD(-100), name, U32(0x1001), U32(0))
	c.evo(so, 2000, et.PPME_SYSCALL_OPENAT_2_X, FD(7), FD(-100), name, U32(0x1001), U32(0), U32(0x803))
	c.ev(2000, et.PPME_SYSCALL_READ_E, FD(7), U32(4096))
	c.ev(2000, et.PPME_SYSCALL_READ_X, Errno(12), []byte("worker 4;\nx\n"))
	// EVF with no flag set is a visible event in an EVF block.
	c.evo(EventOptions{EVF: true}, 2000, et.PPME_SYSCALL_CLOSE_E, FD(7))
	c.evo(EventOptions{EVF: true}, 2000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
	c.evo(so, 1000, et.PPME_SCHEDSWITCH_6_E, PID(2000), U64(1), U64(2), U32(3), U32(4), U32(5))
	c.ev(1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/home/alice/.bashrc"), U32(1), U32(0))
	c.ev(1000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/home/alice/.bashrc"), U32(1), U32(0), U32(0x803))
}

// largeEvents: LARGE blocks and u32-length types.
func (c *sampleCtx) largeEvents() {
	small := `{"container":{"id":"3ad7b26ded6d","name":"web","image":"nginx:latest","type":0}}`
	c.ev(-1, et.PPME_CONTAINER_JSON_2_E, CharBuf(small))
	var big strings.Builder
	big.WriteString(`{"container":{"id":"8f2c1d0e9b7a","name":"big","image":"busybox","type":0,"labels":{`)
	for i := 0; big.Len() < 100*1024; i++ {
		if i > 0 {
			big.WriteByte(',')
		}
		fmt.Fprintf(&big, `"label.%05d":"value-%05d"`, i, i)
	}
	big.WriteString(`}}}`)
	c.evo(EventOptions{Large: true}, -1, et.PPME_CONTAINER_JSON_2_E, CharBuf(big.String()))
	c.ev(2000, et.PPME_SYSCALL_READ_E, FD(4), U32(65536))
	c.evo(EventOptions{Large: true}, 2000, et.PPME_SYSCALL_READ_X, Errno(5), []byte("hello"))
	c.evo(EventOptions{Large: true, Flags: FlagStateOnly}, 1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/tmp/state"), U32(1), U32(0))
	c.evo(EventOptions{Large: true, Flags: FlagStateOnly}, 1000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/tmp/state"), U32(1), U32(0), U32(0))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

// exitOnlyEvents: HEAD layouts as written by current drivers (no enters).
func (c *sampleCtx) exitOnlyEvents() {
	local := netip.AddrPortFrom(sampleLocal, 51000)
	remote := netip.MustParseAddrPort("93.184.216.34:443")
	c.ev(1000, et.PPME_SYSCALL_OPENAT_2_X, FD(3), FD(-100), CharBuf("notes.txt"), U32(0x1001), U32(0), U32(0x803), U64(2621441))
	c.ev(1000, et.PPME_SYSCALL_READ_X, Errno(6), []byte("hello\n"), FD(3), U32(4096))
	c.ev(1000, et.PPME_SYSCALL_WRITE_X, Errno(6), []byte("hello\n"), FD(1), U32(6))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0), FD(3))
	c.ev(1000, et.PPME_SYSCALL_OPENAT_2_X, FD(-2), FD(-100), CharBuf("/etc/nope"), U32(1), U32(0), U32(0), U64(0))
	c.ev(1000, et.PPME_SOCKET_SOCKET_X, FD(3), U32(2), U32(1), U32(0), U32(0))
	c.ev(1000, et.PPME_SOCKET_CONNECT_X, Errno(0), Socktuple(local, remote), FD(3), Sockaddr(remote))
	c.ev(1000, et.PPME_SOCKET_SENDTO_X, Errno(5), []byte("hello"), FD(3), U32(5), Empty())
	c.ev(1000, et.PPME_SOCKET_RECVFROM_X, Errno(-11), Empty(), Empty(), FD(3), U32(4096))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0), FD(3))
	// bash forks 3000, which execs /usr/bin/ls and exits.
	cloneX := func(res, tid int64) [][]byte {
		return [][]byte{PID(res), CharBuf("-bash"), StringList(), PID(tid), PID(tid), PID(1000),
			CharBuf("/home/alice"), I64(1024), U64(0), U64(0), U32(10240), U32(4096), U32(0),
			CharBuf("bash"), StringList("cpu=/"), U32(0x1000000), U32(1000), U32(1000),
			PID(tid), PID(tid), U64(0)}
	}
	p := cloneX(3000, 1000)
	p[3], p[4], p[5] = PID(1000), PID(1000), PID(1)
	c.ev(1000, et.PPME_SYSCALL_CLONE_20_X, p...)
	c.ev(3000, et.PPME_SYSCALL_CLONE_20_X, cloneX(0, 3000)...)
	c.ev(3000, et.PPME_SYSCALL_EXECVE_19_X,
		Errno(0), CharBuf("ls"), StringList("-l"), PID(3000), PID(3000), PID(1000),
		CharBuf("/home/alice"), U64(1024), U64(0), U64(0), U32(8000), U32(2000), U32(0),
		CharBuf("ls"), StringList("cpu=/"), StringList("PATH=/usr/bin"), U32(34816), PID(3000),
		U32(1000), U32(0), U64(0), U64(0), U64(0), U64(1234), U64(0), U64(0), U32(1000),
		CharBuf("/usr/bin/ls"), PID(3000), U32(1000), CharBuf("/usr/bin/ls"))
	c.ev(3000, et.PPME_PROCEXIT_1_E, Errno(0), Errno(0), U8(0), U8(0), PID(0))
}

// v1Events: old-style blocks.
func (c *sampleCtx) v1Events() {
	v1 := EventOptions{V1: true}
	c.evo(v1, 1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/etc/hosts"), U32(1), U32(0))
	c.evo(v1, 1000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/etc/hosts"), U32(1), U32(0), U32(0x803))
	c.evo(v1, 1000, et.PPME_SYSCALL_READ_E, FD(3), U32(4096))
	c.evo(v1, 1000, et.PPME_SYSCALL_READ_X, Errno(9), []byte("127.0.0.1"))
	c.evo(EventOptions{V1: true, Flags: FlagStateOnly}, 1000, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.evo(v1, 1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

// optionEvents: event blocks with trailing pcapng comments.
func (c *sampleCtx) optionEvents() {
	com := EventOptions{BlockOptions: []BlockOption{CommentOption("Internal block comment")}}
	c.ev(1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/etc/hosts"), U32(1), U32(0))
	c.evo(com, 1000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/etc/hosts"), U32(1), U32(0), U32(0x803))
	c.evo(com, 1000, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

// unknownEvents: ids REF (>= 336) or HEAD (>= 454) do not know.
func (c *sampleCtx) unknownEvents() {
	c.ev(1000, et.PPME_SYSCALL_OPEN_E, CharBuf("/etc/hosts"), U32(1), U32(0))
	c.ev(-1, et.PPME_USER_ADDED_E, U32(1001), U32(1001), CharBuf("bob"), CharBuf("/home/bob"), CharBuf("/bin/sh"), CharBuf(""))
	c.ev(1000, et.PPME_SYSCALL_OPEN_X, FD(3), CharBuf("/etc/hosts"), U32(1), U32(0), U32(0x803))
	c.ev(1000, 500, U64(42))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_E, FD(3))
	c.ev(1000, et.PPME_SYSCALL_CLOSE_X, Errno(0))
}

// BlockSpan locates one block in an uncompressed capture.
type BlockSpan struct {
	Offset int64
	Type   uint32
	Len    uint32
}

// Blocks lists the blocks of an uncompressed capture by walking the block
// headers (no body is parsed). It stops with an error at a malformed header.
func Blocks(raw []byte) ([]BlockSpan, error) {
	var out []BlockSpan
	for off := 0; off < len(raw); {
		if len(raw)-off < 12 {
			return out, fmt.Errorf("scapwrite: %d stray bytes at offset %d", len(raw)-off, off)
		}
		typ := binary.LittleEndian.Uint32(raw[off:])
		n := binary.LittleEndian.Uint32(raw[off+4:])
		if n < 12 || n%4 != 0 || int(n) > len(raw)-off {
			return out, fmt.Errorf("scapwrite: bad block length %d at offset %d", n, off)
		}
		if binary.LittleEndian.Uint32(raw[off+int(n)-4:]) != n {
			return out, fmt.Errorf("scapwrite: trailer mismatch in block at offset %d", off)
		}
		out = append(out, BlockSpan{Offset: int64(off), Type: typ, Len: n})
		off += int(n)
	}
	return out, nil
}

// Cut returns the first n bytes of a capture (a truncated copy). Cutting an
// uncompressed capture inside a block header, body or trailer gives the
// three truncation cases of FORMAT.md §1.1; cutting gzip output gives a
// short gzip stream.
func Cut(capture []byte, n int64) []byte {
	if n > int64(len(capture)) {
		n = int64(len(capture))
	}
	return bytes.Clone(capture[:n])
}
