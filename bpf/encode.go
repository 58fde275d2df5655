//go:build linux && amd64

package bpf

import (
	"bytes"
	"encoding/binary"
	"net/netip"

	et "github.com/scapql/scapql/ingest/eventtable"
	sw "github.com/scapql/scapql/ingest/scapwrite"
)

// sysDef says how one syscall is recorded: its enter and exit event types
// (in the versions sysdig 0.29.3 reads), the plan steps the probes run for
// each direction, and the parameter encoders.
type sysDef struct {
	enter, exit       uint16
	enterOps, exitOps []op
	encEnter, encExit func(e *sw.Event, r *record)
}

// Shorthands for the plan steps.
func str(arg uint8) op          { return op{opStr, arg, 0} }
func bufLen(arg, n uint8) op    { return op{opBufLenArg, arg, n} }
func bufRet(arg uint8) op       { return op{opBufRet, arg, 0} }
func sockaddr(arg, n uint8) op  { return op{opSockaddr, arg, n} }
func sockaddrP(arg, n uint8) op { return op{opSockaddrPLen, arg, n} }
func sock(arg uint8) op         { return op{opSock, arg, 0} }
func file(arg uint8) op         { return op{opFile, arg, 0} }
func fdPair(arg uint8) op       { return op{opFDPair, arg, 0} }
func iov(arg, n uint8) op       { return op{opIOV, arg, n} }
func msghdr(arg uint8) op       { return op{opMsghdr, arg, 0} }
func task(withEnv bool) op      { return op{opTask, b2u8(withEnv), 0} }
func ops(o ...op) []op          { return o }
func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// Encoders shared by several syscalls.
func encNone(*sw.Event, *record)           {}
func encRes(e *sw.Event, r *record)        { e.Errno(r.ret) }
func encFD0(e *sw.Event, r *record)        { e.FD(r.fd(0)) }
func encFD0Size(e *sw.Event, r *record)    { e.FD(r.fd(0)).U32(uint32(r.args[2])) }
func encResData(e *sw.Event, r *record)    { e.Errno(r.ret).Bytes(r.buf(1)) }
func encResPath0(e *sw.Event, r *record)   { e.Errno(r.ret).CharBuf(r.str(0)) }
func encResFD(e *sw.Event, r *record)      { e.FD(r.ret) }
func encResPaths01(e *sw.Event, r *record) { e.Errno(r.ret).CharBuf(r.str(0)).CharBuf(r.str(1)) }

func encOpenE(e *sw.Event, r *record) {
	f := r.args[1]
	e.CharBuf(r.str(0)).U32(openFlags(f)).U32(openMode(f, r.args[2]))
}

func encOpenX(e *sw.Event, r *record) {
	_, dev, _ := r.file(argRet)
	f := r.args[1]
	e.FD(r.ret).CharBuf(r.str(0)).U32(openFlags(f)).U32(openMode(f, r.args[2])).U32(dev)
}

func encOpenatE(e *sw.Event, r *record) {
	f := r.args[2]
	e.FD(r.fd(0)).CharBuf(r.str(1)).U32(openFlags(f)).U32(openMode(f, r.args[3]))
}

func encOpenatX(e *sw.Event, r *record) {
	_, dev, _ := r.file(argRet)
	f := r.args[2]
	e.FD(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).U32(openFlags(f)).U32(openMode(f, r.args[3])).U32(dev)
}

// openHow reads struct open_how {flags, mode, resolve} from openat2's buffer.
func openHow(r *record) (flags, mode, resolve uint64) {
	b := r.buf(2)
	if len(b) < 24 {
		return 0, 0, 0
	}
	le := binary.LittleEndian
	return le.Uint64(b), le.Uint64(b[8:]), le.Uint64(b[16:])
}

func encOpenat2E(e *sw.Event, r *record) {
	f, m, res := openHow(r)
	e.FD(r.fd(0)).CharBuf(r.str(1)).U32(openFlags(f)).U32(openMode(f, m)).U32(uint32(res))
}

func encOpenat2X(e *sw.Event, r *record) {
	f, m, res := openHow(r)
	e.FD(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).U32(openFlags(f)).U32(openMode(f, m)).U32(uint32(res))
}

func encCreatX(e *sw.Event, r *record) {
	_, dev, _ := r.file(argRet)
	e.FD(r.ret).CharBuf(r.str(0)).U32(uint32(r.args[1] & 0o7777)).U32(dev)
}

// sockaddrParam adds a PT_SOCKADDR from a user sockaddr's bytes.
func sockaddrParam(e *sw.Event, b []byte) {
	if ap, ok := parseSockaddr(b); ok {
		e.Sockaddr(ap)
		return
	}
	if len(b) >= 2 && binary.LittleEndian.Uint16(b) == 1 {
		e.SockaddrUnix(cString(b[2:]))
		return
	}
	e.Empty()
}

// parseSockaddr decodes an AF_INET or AF_INET6 sockaddr.
func parseSockaddr(b []byte) (netip.AddrPort, bool) {
	if len(b) < 2 {
		return netip.AddrPort{}, false
	}
	switch binary.LittleEndian.Uint16(b) {
	case 2:
		if len(b) >= 8 {
			return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:])), true
		}
	case 10:
		if len(b) >= 24 {
			return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), binary.BigEndian.Uint16(b[2:])), true
		}
	}
	return netip.AddrPort{}, false
}

// tupleParam adds a PT_SOCKTUPLE for the socket of fd argument arg: local
// then remote, or remote then local when inbound (accept). A remote address
// the socket does not know yet (unconnected UDP) comes from the sockaddr
// the call passed.
func tupleParam(e *sw.Event, r *record, arg int, inbound bool) {
	s, ok := r.sock(arg)
	if !ok {
		e.Empty()
		return
	}
	switch s.family {
	case 2, 10:
		l, rem := s.addrs()
		if sa, ok := r.find(chSockaddr, anyArg); ok && (rem.Port() == 0 || rem.Addr().IsUnspecified()) {
			if ap, ok := parseSockaddr(sa); ok {
				rem = ap
			}
		}
		if inbound {
			e.Socktuple(rem, l)
		} else {
			e.Socktuple(l, rem)
		}
	case 1:
		path := s.path
		if sa, ok := r.find(chSockaddr, anyArg); ok && len(sa) > 2 && path == "" {
			path = cString(sa[2:])
		}
		if inbound {
			e.SocktupleUnix(s.peer, s.sk, path)
		} else {
			e.SocktupleUnix(s.sk, s.peer, path)
		}
	default:
		e.Empty()
	}
}

// splitArgs turns a process's argument area into exe (argv[0]) and the rest.
func splitArgs(b []byte) (exe string, rest []byte) {
	b = bytes.TrimRight(b, "\x00")
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return string(b[:i]), append(b[i+1:len(b):len(b)], 0)
	}
	return string(b), nil
}

// encProcX writes the common head of clone and execve exits: res, exe,
// args, tid, pid, ptid, cwd, fdlimit, pgft_maj, pgft_min, vm_size, vm_rss,
// vm_swap, comm, cgroups. The cwd is left empty: libsinsp then keeps the
// one it knows for the process (the parent's, for a new one).
func encProcX(e *sw.Event, r *record, t taskInfo) {
	a, _ := r.find(chArgs, anyArg)
	exe, rest := splitArgs(a)
	e.Errno(r.ret).CharBuf(exe).Bytes(rest)
	e.PID(int64(t.tid)).PID(int64(t.pid)).PID(int64(t.ptid)).CharBuf("")
	e.I64(int64(t.fdlimit)).U64(t.majFlt).U64(t.minFlt)
	e.U32(uint32(t.totalVM * 4)).U32(0).U32(0)
	e.CharBuf(t.comm).Bytes(nil)
}

// cloneX encodes CLONE_20_X and its fork/vfork/clone3 twins.
func cloneX(flags func(r *record) uint32) func(e *sw.Event, r *record) {
	return func(e *sw.Event, r *record) {
		t, _ := r.task()
		encProcX(e, r, t)
		fl := flags(r)
		e.U32(fl).U32(t.uid).U32(t.gid).PID(int64(t.tid)).PID(int64(t.pid))
	}
}

func encExecveX(e *sw.Event, r *record) {
	t, _ := r.task()
	encProcX(e, r, t)
	env, _ := r.find(chEnv, anyArg)
	e.Bytes(env).I32(0).PID(int64(t.pgid)).I32(int32(t.loginuid)).U32(0)
}

func encProcExit(e *sw.Event, r *record) {
	code := r.ret
	e.Errno(code).Errno((code >> 8) & 0xff).U8(uint8(code & 0x7f)).U8(uint8((code & 0x80) >> 7))
}

// syscalls lists the syscalls with events of their own; every other one is
// recorded as the generic event.
var syscalls = map[string]*sysDef{
	"open":    {et.PPME_SYSCALL_OPEN_E, et.PPME_SYSCALL_OPEN_X, ops(str(0)), ops(str(0), file(argRet)), encOpenE, encOpenX},
	"openat":  {et.PPME_SYSCALL_OPENAT_2_E, et.PPME_SYSCALL_OPENAT_2_X, ops(str(1)), ops(str(1), file(argRet)), encOpenatE, encOpenatX},
	"openat2": {et.PPME_SYSCALL_OPENAT2_E, et.PPME_SYSCALL_OPENAT2_X, ops(str(1), bufLen(2, 3)), ops(str(1), bufLen(2, 3)), encOpenat2E, encOpenat2X},
	"creat": {et.PPME_SYSCALL_CREAT_E, et.PPME_SYSCALL_CREAT_X, ops(str(0)), ops(str(0), file(argRet)),
		func(e *sw.Event, r *record) { e.CharBuf(r.str(0)).U32(uint32(r.args[1] & 0o7777)) }, encCreatX},
	"close": {et.PPME_SYSCALL_CLOSE_E, et.PPME_SYSCALL_CLOSE_X, nil, nil, encFD0, encRes},
	"read":  {et.PPME_SYSCALL_READ_E, et.PPME_SYSCALL_READ_X, nil, ops(bufRet(1)), encFD0Size, encResData},
	"write": {et.PPME_SYSCALL_WRITE_E, et.PPME_SYSCALL_WRITE_X, nil, ops(bufLen(1, 2)), encFD0Size, encResData},
	"pread64": {et.PPME_SYSCALL_PREAD_E, et.PPME_SYSCALL_PREAD_X, nil, ops(bufRet(1)),
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U32(uint32(r.args[2])).U64(r.args[3]) }, encResData},
	"pwrite64": {et.PPME_SYSCALL_PWRITE_E, et.PPME_SYSCALL_PWRITE_X, nil, ops(bufLen(1, 2)),
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U32(uint32(r.args[2])).U64(r.args[3]) }, encResData},
	"readv": {et.PPME_SYSCALL_READV_E, et.PPME_SYSCALL_READV_X, nil, ops(iov(1, 2)), encFD0,
		func(e *sw.Event, r *record) { e.Errno(r.ret).U32(uint32(max(r.ret, 0))).Bytes(r.buf(1)) }},
	"writev": {et.PPME_SYSCALL_WRITEV_E, et.PPME_SYSCALL_WRITEV_X, ops(iov(1, 2)), ops(iov(1, 2)),
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U32(uint32(r.iovLen(1))) }, encResData},
	"sendfile": {et.PPME_SYSCALL_SENDFILE_E, et.PPME_SYSCALL_SENDFILE_X, nil, nil,
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).FD(r.fd(1)).U64(0).U64(r.args[3]) },
		func(e *sw.Event, r *record) { e.Errno(r.ret).U64(0) }},

	"socket": {et.PPME_SOCKET_SOCKET_E, et.PPME_SOCKET_SOCKET_X, nil, nil,
		func(e *sw.Event, r *record) { e.U32(uint32(r.args[0])).U32(uint32(r.args[1])).U32(uint32(r.args[2])) }, encResFD},
	"bind": {et.PPME_SOCKET_BIND_E, et.PPME_SOCKET_BIND_X, nil, ops(sockaddr(1, 2)), encFD0,
		func(e *sw.Event, r *record) { b, _ := r.find(chSockaddr, 1); e.Errno(r.ret); sockaddrParam(e, b) }},
	"connect": {et.PPME_SOCKET_CONNECT_E, et.PPME_SOCKET_CONNECT_X, ops(sockaddr(1, 2)), ops(sock(0), sockaddr(1, 2)),
		func(e *sw.Event, r *record) { b, _ := r.find(chSockaddr, 1); e.FD(r.fd(0)); sockaddrParam(e, b) },
		func(e *sw.Event, r *record) { e.Errno(r.ret); tupleParam(e, r, 0, false) }},
	"listen": {et.PPME_SOCKET_LISTEN_E, et.PPME_SOCKET_LISTEN_X, nil, nil,
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U32(uint32(r.args[1])) }, encRes},
	"accept": {et.PPME_SOCKET_ACCEPT_5_E, et.PPME_SOCKET_ACCEPT_5_X, nil, ops(sock(argRet)), encNone, encAcceptX},
	"accept4": {et.PPME_SOCKET_ACCEPT4_5_E, et.PPME_SOCKET_ACCEPT4_5_X, nil, ops(sock(argRet)),
		func(e *sw.Event, r *record) { e.I32(int32(r.args[3])) }, encAcceptX},
	"sendto": {et.PPME_SOCKET_SENDTO_E, et.PPME_SOCKET_SENDTO_X, ops(sock(0), sockaddr(4, 5)), ops(bufLen(1, 2)),
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U32(uint32(r.args[2])); tupleParam(e, r, 0, false) }, encResData},
	"recvfrom": {et.PPME_SOCKET_RECVFROM_E, et.PPME_SOCKET_RECVFROM_X, nil, ops(bufRet(1), sock(0), sockaddrP(4, 5)), encFD0Size,
		func(e *sw.Event, r *record) { e.Errno(r.ret).Bytes(r.buf(1)); tupleParam(e, r, 0, false) }},
	"sendmsg": {et.PPME_SOCKET_SENDMSG_E, et.PPME_SOCKET_SENDMSG_X, ops(sock(0), msghdr(1)), ops(msghdr(1)),
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U32(uint32(r.iovLen(1))); tupleParam(e, r, 0, false) }, encResData},
	"recvmsg": {et.PPME_SOCKET_RECVMSG_E, et.PPME_SOCKET_RECVMSG_X, nil, ops(msghdr(1), sock(0)), encFD0,
		func(e *sw.Event, r *record) {
			e.Errno(r.ret).U32(uint32(max(r.ret, 0))).Bytes(r.buf(1))
			tupleParam(e, r, 0, false)
		}},
	"shutdown": {et.PPME_SOCKET_SHUTDOWN_E, et.PPME_SOCKET_SHUTDOWN_X, nil, nil,
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U8(uint8(r.args[1])) }, encRes},
	"socketpair": {et.PPME_SOCKET_SOCKETPAIR_E, et.PPME_SOCKET_SOCKETPAIR_X, nil, ops(fdPair(3)),
		func(e *sw.Event, r *record) { e.U32(uint32(r.args[0])).U32(uint32(r.args[1])).U32(uint32(r.args[2])) },
		func(e *sw.Event, r *record) { a, b, _ := r.fdPair(3); e.Errno(r.ret).FD(a).FD(b).U64(0).U64(0) }},
	"pipe":  {et.PPME_SYSCALL_PIPE_E, et.PPME_SYSCALL_PIPE_X, nil, ops(fdPair(0)), encNone, encPipeX},
	"pipe2": {et.PPME_SYSCALL_PIPE_E, et.PPME_SYSCALL_PIPE_X, nil, ops(fdPair(0)), encNone, encPipeX},

	"dup":  {et.PPME_SYSCALL_DUP_E, et.PPME_SYSCALL_DUP_X, nil, nil, encFD0, encResFD},
	"dup2": {et.PPME_SYSCALL_DUP_E, et.PPME_SYSCALL_DUP_X, nil, nil, encFD0, encResFD},
	"dup3": {et.PPME_SYSCALL_DUP_E, et.PPME_SYSCALL_DUP_X, nil, nil, encFD0, encResFD},
	"fcntl": {et.PPME_SYSCALL_FCNTL_E, et.PPME_SYSCALL_FCNTL_X, nil, nil,
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).U8(fcntlCmd(r.args[1])) }, encResFD},

	"unlink": {et.PPME_SYSCALL_UNLINK_2_E, et.PPME_SYSCALL_UNLINK_2_X, nil, ops(str(0)), encNone, encResPath0},
	"unlinkat": {et.PPME_SYSCALL_UNLINKAT_2_E, et.PPME_SYSCALL_UNLINKAT_2_X, nil, ops(str(1)), encNone,
		func(e *sw.Event, r *record) {
			e.Errno(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).U32(unlinkatFlags(r.args[2]))
		}},
	"rename": {et.PPME_SYSCALL_RENAME_E, et.PPME_SYSCALL_RENAME_X, nil, ops(str(0), str(1)), encNone, encResPaths01},
	"renameat": {et.PPME_SYSCALL_RENAMEAT_E, et.PPME_SYSCALL_RENAMEAT_X, nil, ops(str(1), str(3)), encNone,
		func(e *sw.Event, r *record) {
			e.Errno(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).FD(r.fd(2)).CharBuf(r.str(3))
		}},
	"renameat2": {et.PPME_SYSCALL_RENAMEAT2_E, et.PPME_SYSCALL_RENAMEAT2_X, nil, ops(str(1), str(3)), encNone,
		func(e *sw.Event, r *record) {
			e.Errno(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).FD(r.fd(2)).CharBuf(r.str(3)).U32(uint32(r.args[4]))
		}},
	"mkdir": {et.PPME_SYSCALL_MKDIR_2_E, et.PPME_SYSCALL_MKDIR_2_X, nil, ops(str(0)),
		func(e *sw.Event, r *record) { e.U32(uint32(r.args[1])) }, encResPath0},
	"mkdirat": {et.PPME_SYSCALL_MKDIRAT_E, et.PPME_SYSCALL_MKDIRAT_X, nil, ops(str(1)), encNone,
		func(e *sw.Event, r *record) { e.Errno(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).U32(uint32(r.args[2])) }},
	"rmdir": {et.PPME_SYSCALL_RMDIR_2_E, et.PPME_SYSCALL_RMDIR_2_X, nil, ops(str(0)), encNone, encResPath0},
	"chmod": {et.PPME_SYSCALL_CHMOD_E, et.PPME_SYSCALL_CHMOD_X, nil, ops(str(0)), encNone,
		func(e *sw.Event, r *record) { e.Errno(r.ret).CharBuf(r.str(0)).U32(uint32(r.args[1])) }},
	"fchmod": {et.PPME_SYSCALL_FCHMOD_E, et.PPME_SYSCALL_FCHMOD_X, nil, nil, encNone,
		func(e *sw.Event, r *record) { e.Errno(r.ret).FD(r.fd(0)).U32(uint32(r.args[1])) }},
	"fchmodat": {et.PPME_SYSCALL_FCHMODAT_E, et.PPME_SYSCALL_FCHMODAT_X, nil, ops(str(1)), encNone,
		func(e *sw.Event, r *record) { e.Errno(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).U32(uint32(r.args[2])) }},
	"symlink": {et.PPME_SYSCALL_SYMLINK_E, et.PPME_SYSCALL_SYMLINK_X, nil, ops(str(0), str(1)), encNone, encResPaths01},
	"symlinkat": {et.PPME_SYSCALL_SYMLINKAT_E, et.PPME_SYSCALL_SYMLINKAT_X, nil, ops(str(0), str(2)), encNone,
		func(e *sw.Event, r *record) { e.Errno(r.ret).CharBuf(r.str(0)).FD(r.fd(1)).CharBuf(r.str(2)) }},
	"link": {et.PPME_SYSCALL_LINK_2_E, et.PPME_SYSCALL_LINK_2_X, nil, ops(str(0), str(1)), encNone, encResPaths01},
	"linkat": {et.PPME_SYSCALL_LINKAT_2_E, et.PPME_SYSCALL_LINKAT_2_X, nil, ops(str(1), str(3)), encNone,
		func(e *sw.Event, r *record) {
			e.Errno(r.ret).FD(r.fd(0)).CharBuf(r.str(1)).FD(r.fd(2)).CharBuf(r.str(3)).U32(linkatFlags(r.args[4]))
		}},

	"clone": {et.PPME_SYSCALL_CLONE_20_E, et.PPME_SYSCALL_CLONE_20_X, nil, ops(task(false)), encNone,
		cloneX(func(r *record) uint32 { return cloneFlags(r.args[0]) })},
	"clone3": {et.PPME_SYSCALL_CLONE3_E, et.PPME_SYSCALL_CLONE3_X, nil, ops(task(false), bufLen(0, 1)), encNone,
		cloneX(func(r *record) uint32 {
			if b := r.buf(0); len(b) >= 8 {
				return cloneFlags(binary.LittleEndian.Uint64(b))
			}
			return 0
		})},
	"fork":  {et.PPME_SYSCALL_FORK_20_E, et.PPME_SYSCALL_FORK_20_X, nil, ops(task(false)), encNone, cloneX(func(*record) uint32 { return 0 })},
	"vfork": {et.PPME_SYSCALL_VFORK_20_E, et.PPME_SYSCALL_VFORK_20_X, nil, ops(task(false)), encNone, cloneX(func(*record) uint32 { return cloneFlags(0x4000 | 0x100) })},
	"execve": {et.PPME_SYSCALL_EXECVE_19_E, et.PPME_SYSCALL_EXECVE_19_X, ops(str(0)), ops(task(true)),
		func(e *sw.Event, r *record) { e.CharBuf(r.str(0)) }, encExecveX},
	"execveat": {et.PPME_SYSCALL_EXECVEAT_E, et.PPME_SYSCALL_EXECVEAT_X, ops(str(1)), ops(task(true)),
		func(e *sw.Event, r *record) { e.FD(r.fd(0)).CharBuf(r.str(1)).U32(execveatFlags(r.args[4])) }, encExecveX},

	"kill": {et.PPME_SYSCALL_KILL_E, et.PPME_SYSCALL_KILL_X, nil, nil,
		func(e *sw.Event, r *record) { e.PID(int64(int32(r.args[0]))).U8(uint8(r.args[1])) }, encRes},
	"tkill": {et.PPME_SYSCALL_TKILL_E, et.PPME_SYSCALL_TKILL_X, nil, nil,
		func(e *sw.Event, r *record) { e.PID(int64(int32(r.args[0]))).U8(uint8(r.args[1])) }, encRes},
	"tgkill": {et.PPME_SYSCALL_TGKILL_E, et.PPME_SYSCALL_TGKILL_X, nil, nil,
		func(e *sw.Event, r *record) {
			e.PID(int64(int32(r.args[0]))).PID(int64(int32(r.args[1]))).U8(uint8(r.args[2]))
		}, encRes},
	"setuid": {et.PPME_SYSCALL_SETUID_E, et.PPME_SYSCALL_SETUID_X, nil, nil,
		func(e *sw.Event, r *record) { e.U32(uint32(r.args[0])) }, encRes},
	"setgid": {et.PPME_SYSCALL_SETGID_E, et.PPME_SYSCALL_SETGID_X, nil, nil,
		func(e *sw.Event, r *record) { e.U32(uint32(r.args[0])) }, encRes},
	"setresuid": {et.PPME_SYSCALL_SETRESUID_E, et.PPME_SYSCALL_SETRESUID_X, nil, nil, enc3U32, encRes},
	"setresgid": {et.PPME_SYSCALL_SETRESGID_E, et.PPME_SYSCALL_SETRESGID_X, nil, nil, enc3U32, encRes},

	"mmap": {et.PPME_SYSCALL_MMAP_E, et.PPME_SYSCALL_MMAP_X, nil, nil,
		func(e *sw.Event, r *record) {
			e.U64(r.args[0]).U64(r.args[1]).U32(protFlags(r.args[2])).U32(mmapFlags(r.args[3])).FD(r.fd(4)).U64(r.args[5])
		}, encVM},
	"munmap": {et.PPME_SYSCALL_MUNMAP_E, et.PPME_SYSCALL_MUNMAP_X, nil, nil,
		func(e *sw.Event, r *record) { e.U64(r.args[0]).U64(r.args[1]) }, encVM},
	"mprotect": {et.PPME_SYSCALL_MPROTECT_E, et.PPME_SYSCALL_MPROTECT_X, nil, nil,
		func(e *sw.Event, r *record) { e.U64(r.args[0]).U64(r.args[1]).U32(protFlags(r.args[2])) }, encRes},
	"brk": {et.PPME_SYSCALL_BRK_4_E, et.PPME_SYSCALL_BRK_4_X, nil, nil,
		func(e *sw.Event, r *record) { e.U64(r.args[0]) }, encVM},
}

func enc3U32(e *sw.Event, r *record) {
	e.U32(uint32(r.args[0])).U32(uint32(r.args[1])).U32(uint32(r.args[2]))
}

// encVM writes res and the vm_size/vm_rss/vm_swap counters, which the
// probes do not read (0).
func encVM(e *sw.Event, r *record) { e.U64(uint64(r.ret)).U32(0).U32(0).U32(0) }

func encPipeX(e *sw.Event, r *record) {
	a, b, _ := r.fdPair(0)
	e.Errno(r.ret).FD(a).FD(b).U64(0)
}

func encAcceptX(e *sw.Event, r *record) {
	e.FD(r.ret)
	tupleParam(e, r, argRet, true)
	e.U8(0).U32(0).U32(0)
}
