//go:build linux && amd64

package bpf

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Record kinds and chunk tags, as in c/probe.bpf.c.
const (
	recEnter    = 0
	recExit     = 1
	recProcExit = 2

	chStr      = 1
	chBuf      = 2
	chSockaddr = 3
	chSock     = 4
	chFDPair   = 5
	chTask     = 6
	chArgs     = 7
	chEnv      = 8
	chFile     = 9
	chIOVLen   = 10
)

const recHeaderSize = 88

// record is one ring buffer record decoded in place: the chunks are views
// into the ring buffer's bytes and valid until the next read.
type record struct {
	ts     uint64 // ns since boot
	args   [6]uint64
	ret    int64
	tid    uint32
	pid    uint32
	nr     uint32
	kind   uint16
	cpu    uint16
	chunks [8]chunk
	n      int
}

type chunk struct {
	tag, arg uint8
	data     []byte
}

// decode parses a raw record; it never trusts a length beyond the bytes.
func (r *record) decode(b []byte) error {
	if len(b) < recHeaderSize {
		return fmt.Errorf("bpf: record of %d bytes, shorter than its header", len(b))
	}
	le := binary.LittleEndian
	r.ts = le.Uint64(b[0:])
	for i := range r.args {
		r.args[i] = le.Uint64(b[8+8*i:])
	}
	r.ret = int64(le.Uint64(b[56:]))
	r.tid = le.Uint32(b[64:])
	r.pid = le.Uint32(b[68:])
	r.nr = le.Uint32(b[72:])
	r.kind = le.Uint16(b[76:])
	r.cpu = le.Uint16(b[78:])
	end := int(le.Uint32(b[80:]))
	if end > len(b) {
		end = len(b)
	}
	r.n = 0
	for off := recHeaderSize; off+4 <= end && r.n < len(r.chunks); {
		n := int(le.Uint16(b[off:]))
		start := off + 4
		if start+n > end {
			return fmt.Errorf("bpf: chunk of %d bytes at %d overruns a %d-byte record", n, off, end)
		}
		r.chunks[r.n] = chunk{tag: b[off+2], arg: b[off+3], data: b[start : start+n]}
		r.n++
		off = start + n
	}
	return nil
}

// find returns the data of the first chunk with this tag (and argument,
// unless arg is anyArg).
func (r *record) find(tag uint8, arg int) ([]byte, bool) {
	for i := 0; i < r.n; i++ {
		c := &r.chunks[i]
		if c.tag == tag && (arg < 0 || int(c.arg) == arg) {
			return c.data, true
		}
	}
	return nil, false
}

const anyArg = -1

// str returns the string read from argument arg, without its NUL.
func (r *record) str(arg int) string {
	b, _ := r.find(chStr, arg)
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return string(b)
}

// buf returns the bytes read from argument arg (cut at the snap length).
func (r *record) buf(arg int) []byte {
	b, _ := r.find(chBuf, arg)
	return b
}

// iovLen returns the sum of the iovec lengths of argument arg.
func (r *record) iovLen(arg int) uint64 {
	b, ok := r.find(chIOVLen, arg)
	if !ok || len(b) < 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

// fd returns argument i as the int the kernel sees (sign-extended).
func (r *record) fd(i int) int64 { return int64(int32(r.args[i])) }

// sockInfo is the kernel's view of a socket (struct sockinfo in C).
type sockInfo struct {
	family, typ, proto uint16
	lport, rport       uint16
	laddr, raddr       [16]byte
	sk, peer           uint64
	path               string
}

func (r *record) sock(arg int) (sockInfo, bool) {
	b, ok := r.find(chSock, arg)
	if !ok || len(b) < 172 {
		return sockInfo{}, false
	}
	le := binary.LittleEndian
	s := sockInfo{
		family: le.Uint16(b[0:]), typ: le.Uint16(b[2:]), proto: le.Uint16(b[4:]),
		lport: le.Uint16(b[6:]), rport: le.Uint16(b[8:]),
		sk: le.Uint64(b[48:]), peer: le.Uint64(b[56:]),
		path: cString(b[64:172]),
	}
	copy(s.laddr[:], b[12:28])
	copy(s.raddr[:], b[28:44])
	return s, true
}

func (s sockInfo) addrs() (local, remote netip.AddrPort) {
	if s.family == 2 {
		l := netip.AddrFrom4([4]byte(s.laddr[:4]))
		r := netip.AddrFrom4([4]byte(s.raddr[:4]))
		return netip.AddrPortFrom(l, s.lport), netip.AddrPortFrom(r, s.rport)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(s.laddr), s.lport),
		netip.AddrPortFrom(netip.AddrFrom16(s.raddr), s.rport)
}

// taskInfo is the current task's identity (struct taskinfo in C).
type taskInfo struct {
	tid, pid, ptid, uid, gid, euid, loginuid, pgid, sid, vtid, vpid, flags uint32
	fdlimit, majFlt, minFlt, totalVM                                       uint64
	comm                                                                   string
}

func (r *record) task() (taskInfo, bool) {
	b, ok := r.find(chTask, anyArg)
	if !ok || len(b) < 96 {
		return taskInfo{}, false
	}
	le := binary.LittleEndian
	u := func(i int) uint32 { return le.Uint32(b[4*i:]) }
	return taskInfo{
		tid: u(0), pid: u(1), ptid: u(2), uid: u(3), gid: u(4), euid: u(5), loginuid: u(6),
		pgid: u(7), sid: u(8), vtid: u(9), vpid: u(10), flags: u(11),
		fdlimit: le.Uint64(b[48:]), majFlt: le.Uint64(b[56:]), minFlt: le.Uint64(b[64:]),
		totalVM: le.Uint64(b[72:]), comm: cString(b[80:96]),
	}, true
}

// fileInfo is an fd's inode (struct fileinfo in C).
func (r *record) file(arg int) (ino uint64, dev uint32, ok bool) {
	b, found := r.find(chFile, arg)
	if !found || len(b) < 16 {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint32(b[8:]), true
}

// fdPair returns the two fds a pipe or socketpair wrote.
func (r *record) fdPair(arg int) (int64, int64, bool) {
	b, ok := r.find(chFDPair, arg)
	if !ok || len(b) < 8 {
		return -1, -1, false
	}
	return int64(int32(binary.LittleEndian.Uint32(b))), int64(int32(binary.LittleEndian.Uint32(b[4:]))), true
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
