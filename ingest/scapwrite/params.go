package scapwrite

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// Socket families as stored in sockaddr/socktuple parameters (PPM_AF_*).
const (
	AFUnspec uint8 = 0
	AFUnix   uint8 = 1
	AFInet   uint8 = 2
	AFInet6  uint8 = 10
)

// Parameter encoders (FORMAT.md §3). Each returns the on-disk bytes of one
// parameter value; pass them to WriteEvent. The Append* forms add to a slice
// instead, and Event has the same encoders as methods for zero-allocation
// streaming.

// U8 encodes a PT_UINT8/PT_SIGTYPE/PT_FLAGS8 value.
func U8(v uint8) []byte { return []byte{v} }

// U16 encodes a PT_UINT16/PT_FLAGS16/PT_SYSCALLID/PT_PORT value.
func U16(v uint16) []byte { return appendU16(nil, v) }

// U32 encodes a PT_UINT32/PT_FLAGS32/PT_MODE/PT_UID/PT_GID value.
func U32(v uint32) []byte { return appendU32(nil, v) }

// U64 encodes a PT_UINT64/PT_RELTIME/PT_ABSTIME value.
func U64(v uint64) []byte { return appendU64(nil, v) }

// I8 encodes a PT_INT8 value.
func I8(v int8) []byte { return []byte{byte(v)} }

// I16 encodes a PT_INT16 value.
func I16(v int16) []byte { return appendU16(nil, uint16(v)) }

// I32 encodes a PT_INT32/PT_FD32/PT_PID32 value.
func I32(v int32) []byte { return appendU32(nil, uint32(v)) }

// I64 encodes a PT_INT64 value.
func I64(v int64) []byte { return appendU64(nil, uint64(v)) }

// Errno encodes a PT_ERRNO value (a return value; negative = -errno).
func Errno(v int64) []byte { return I64(v) }

// FD encodes a PT_FD value (an i64; -100 is AT_FDCWD).
func FD(v int64) []byte { return I64(v) }

// PID encodes a PT_PID value.
func PID(v int64) []byte { return I64(v) }

// Double encodes a PT_DOUBLE value.
func Double(v float64) []byte { return appendU64(nil, math.Float64bits(v)) }

// CharBuf encodes a PT_CHARBUF/PT_FSPATH/PT_FSRELPATH string: its bytes and
// one NUL, counted in the length.
func CharBuf(s string) []byte { return AppendCharBuf(nil, s) }

// ByteBuf encodes a PT_BYTEBUF value: the bytes as they are (a copy).
func ByteBuf(b []byte) []byte { return append([]byte{}, b...) }

// StringList encodes a NUL-separated list (execve/clone args, env, cgroups):
// every string followed by one NUL.
func StringList(ss ...string) []byte { return AppendStringList(nil, ss...) }

// Empty returns a zero-length parameter ("not provided").
func Empty() []byte { return []byte{} }

// Sockaddr encodes a PT_SOCKADDR for an IPv4 (7 bytes) or IPv6 (19 bytes)
// address and port. An IPv4-mapped IPv6 address stays IPv6.
func Sockaddr(ap netip.AddrPort) []byte { return AppendSockaddr(nil, ap) }

// SockaddrUnix encodes a PT_SOCKADDR for a unix socket path.
func SockaddrUnix(path string) []byte { return AppendSockaddrUnix(nil, path) }

// Socktuple encodes a PT_SOCKTUPLE: source then destination. Both ends are
// IPv4 (13 bytes) when both addresses are IPv4, else IPv6 (37 bytes), with
// IPv4 ends mapped to ::ffff:a.b.c.d.
func Socktuple(src, dst netip.AddrPort) []byte { return AppendSocktuple(nil, src, dst) }

// SocktupleUnix encodes a unix PT_SOCKTUPLE: kernel socket pointers of both
// ends and the path.
func SocktupleUnix(src, dst uint64, path string) []byte {
	return AppendSocktupleUnix(nil, src, dst, path)
}

// PollFD is one entry of a PT_FDLIST (poll/ppoll fds).
type PollFD struct {
	FD     int64
	Events int16
}

// FDList encodes a PT_FDLIST: u16 count, then (i64 fd, i16 events) pairs.
func FDList(fds ...PollFD) []byte { return AppendFDList(nil, fds...) }

func appendU16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// AppendCharBuf appends s and a NUL.
func AppendCharBuf(b []byte, s string) []byte {
	b = append(b, s...)
	return append(b, 0)
}

// AppendStringList appends every string followed by a NUL.
func AppendStringList(b []byte, ss ...string) []byte {
	for _, s := range ss {
		b = append(b, s...)
		b = append(b, 0)
	}
	return b
}

// AppendSockaddr appends an IPv4 or IPv6 sockaddr (family, ip, u16 port in
// host order).
func AppendSockaddr(b []byte, ap netip.AddrPort) []byte {
	a := ap.Addr()
	if a.Is4() || !a.IsValid() {
		ip := as4(a)
		b = append(b, AFInet)
		b = append(b, ip[:]...)
	} else {
		ip := a.As16()
		b = append(b, AFInet6)
		b = append(b, ip[:]...)
	}
	return appendU16(b, ap.Port())
}

// AppendSockaddrUnix appends a unix sockaddr: family 1 and the NUL-ended path.
func AppendSockaddrUnix(b []byte, path string) []byte {
	b = append(b, AFUnix)
	return AppendCharBuf(b, path)
}

// AppendSocktuple appends an IPv4 or IPv6 socket tuple.
func AppendSocktuple(b []byte, src, dst netip.AddrPort) []byte {
	s, d := src.Addr(), dst.Addr()
	if (s.Is4() || !s.IsValid()) && (d.Is4() || !d.IsValid()) {
		sip, dip := as4(s), as4(d)
		b = append(b, AFInet)
		b = append(b, sip[:]...)
		b = appendU16(b, src.Port())
		b = append(b, dip[:]...)
		return appendU16(b, dst.Port())
	}
	sip, dip := as16(s), as16(d)
	b = append(b, AFInet6)
	b = append(b, sip[:]...)
	b = appendU16(b, src.Port())
	b = append(b, dip[:]...)
	return appendU16(b, dst.Port())
}

// AppendSocktupleUnix appends a unix socket tuple.
func AppendSocktupleUnix(b []byte, src, dst uint64, path string) []byte {
	b = append(b, AFUnix)
	b = appendU64(b, src)
	b = appendU64(b, dst)
	return AppendCharBuf(b, path)
}

// AppendFDList appends a PT_FDLIST.
func AppendFDList(b []byte, fds ...PollFD) []byte {
	b = appendU16(b, uint16(len(fds)))
	for _, f := range fds {
		b = appendU64(b, uint64(f.FD))
		b = appendU16(b, uint16(f.Events))
	}
	return b
}

// as16 returns a's 16-byte form; IPv4 addresses become ::ffff:a.b.c.d and
// an invalid address becomes ::.
func as16(a netip.Addr) [16]byte {
	if !a.IsValid() {
		return [16]byte{}
	}
	return a.As16()
}

// as4 returns a's 4-byte form, or 0.0.0.0 for the zero Addr.
func as4(a netip.Addr) [4]byte {
	if !a.IsValid() {
		return [4]byte{}
	}
	return a.As4()
}
