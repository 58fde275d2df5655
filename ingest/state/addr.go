package state

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
)

// Address families (PPM_AF_*).
const (
	afUnix  = 1
	afInet  = 2
	afInet6 = 10
)

const oCloexec = 0x1000 // PPM_O_CLOEXEC

// Tuple is a decoded PT_SOCKTUPLE or PT_SOCKADDR.
type Tuple struct {
	Family       uint8
	SIP, DIP     [16]byte
	SPort, DPort uint16
	Source, Dest uint64
	Path         string
	V6           bool
}

// ParseTuple decodes a PT_SOCKTUPLE value.
func ParseTuple(b []byte) (Tuple, bool) {
	var t Tuple
	if len(b) < 1 {
		return t, false
	}
	t.Family = b[0]
	switch t.Family {
	case afInet:
		if len(b) < 13 {
			return t, false
		}
		copy(t.SIP[:4], b[1:5])
		t.SPort = binary.LittleEndian.Uint16(b[5:])
		copy(t.DIP[:4], b[7:11])
		t.DPort = binary.LittleEndian.Uint16(b[11:])
	case afInet6:
		if len(b) < 37 {
			return t, false
		}
		t.V6 = true
		copy(t.SIP[:], b[1:17])
		t.SPort = binary.LittleEndian.Uint16(b[17:])
		copy(t.DIP[:], b[19:35])
		t.DPort = binary.LittleEndian.Uint16(b[35:])
	case afUnix:
		if len(b) < 17 {
			return t, false
		}
		t.Source = binary.LittleEndian.Uint64(b[1:])
		t.Dest = binary.LittleEndian.Uint64(b[9:])
		t.Path = cstr(b[17:])
	default:
		return t, false
	}
	return t, true
}

// ParseSockaddr decodes a PT_SOCKADDR value into the tuple's destination side.
func ParseSockaddr(b []byte) (Tuple, bool) {
	var t Tuple
	if len(b) < 1 {
		return t, false
	}
	t.Family = b[0]
	switch t.Family {
	case afInet:
		if len(b) < 7 {
			return t, false
		}
		copy(t.DIP[:4], b[1:5])
		t.DPort = binary.LittleEndian.Uint16(b[5:])
	case afInet6:
		if len(b) < 19 {
			return t, false
		}
		t.V6 = true
		copy(t.DIP[:], b[1:17])
		t.DPort = binary.LittleEndian.Uint16(b[17:])
	case afUnix:
		t.Path = cstr(b[1:])
	default:
		return t, false
	}
	return t, true
}

func isV4Mapped(ip [16]byte) bool {
	for i := 0; i < 10; i++ {
		if ip[i] != 0 {
			return false
		}
	}
	return ip[10] == 0xff && ip[11] == 0xff
}

// IPString renders an address as sysdig does (IPv6 without brackets).
func IPString(ip []byte) string {
	if len(ip) == 4 {
		return netip.AddrFrom4([4]byte(ip)).String()
	}
	a := netip.AddrFrom16([16]byte(ip))
	return a.String()
}

func addrPort(ip []byte, port uint16) string {
	return IPString(ip) + ":" + strconv.Itoa(int(port))
}

// tupleName is the fd name of an IP socket: client -> server.
func tupleName(f *FD) string {
	if f.V6 {
		return addrPort(f.SIP[:], f.SPort) + "->" + addrPort(f.DIP[:], f.DPort)
	}
	return addrPort(f.SIP[:4], f.SPort) + "->" + addrPort(f.DIP[:4], f.DPort)
}

// TupleText renders a socktuple as sysdig prints it.
func TupleText(t Tuple) string {
	switch t.Family {
	case afInet:
		return addrPort(t.SIP[:4], t.SPort) + "->" + addrPort(t.DIP[:4], t.DPort)
	case afInet6:
		if isV4Mapped(t.SIP) && isV4Mapped(t.DIP) {
			return addrPort(t.SIP[12:16], t.SPort) + "->" + addrPort(t.DIP[12:16], t.DPort)
		}
		return addrPort(t.SIP[:], t.SPort) + "->" + addrPort(t.DIP[:], t.DPort)
	case afUnix:
		return fmt.Sprintf("%x->%x %s", t.Source, t.Dest, t.Path)
	}
	return fmt.Sprintf("family %d", t.Family)
}

// SockaddrText renders a sockaddr as sysdig prints it.
func SockaddrText(t Tuple) string {
	switch t.Family {
	case afInet:
		return addrPort(t.DIP[:4], t.DPort)
	case afInet6:
		return addrPort(t.DIP[:], t.DPort)
	case afUnix:
		return t.Path
	}
	return fmt.Sprintf("family %d", t.Family)
}
