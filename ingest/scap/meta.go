package scap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// MachineInfo is the machine-info block.
type MachineInfo struct {
	NumCPUs     uint32
	MemoryBytes uint64
	MaxPID      uint64
	Hostname    string
	BootTS      uint64
	Flags       uint64
}

// ThreadInfo is one process-list entry: a thread as the writer saw it at capture start.
type ThreadInfo struct {
	Tid, Pid, Ptid, Sid, Vpgid, Pgid int64
	Vtid, Vpid                       int64
	Comm, Exe, Exepath, Cwd, Root    string
	Args, Env, Cgroups               []string
	FdLimit                          int64
	Flags                            uint32
	UID, GID                         uint32
	VmSizeKB, VmRSSKB, VmSwapKB      uint32
	PfMajor, PfMinor                 uint64
	PidnsInitStartTS                 uint64
	Tty                              uint32
	LoginUID                         uint32
	ExeWritable, ExeUpperLayer       bool
	ExeFromMemfd, ExeLowerLayer      bool
	CapInheritable, CapPermitted     uint64
	CapEffective                     uint64
	ExeIno, ExeInoCtime, ExeInoMtime uint64
}

// FD types of the fd list (and of libsinsp's fd table).
const (
	FDUnknown      = 0
	FDFile         = 1
	FDDirectory    = 2
	FDIPv4Sock     = 3
	FDIPv6Sock     = 4
	FDIPv4ServSock = 5
	FDIPv6ServSock = 6
	FDFifo         = 7
	FDUnixSock     = 8
	FDEvent        = 9
	FDUnsupported  = 10
	FDSignalfd     = 11
	FDEventpoll    = 12
	FDInotify      = 13
	FDTimerfd      = 14
	FDNetlink      = 15
	FDFileV2       = 16
	FDBPF          = 17
	FDUserfaultfd  = 18
	FDIOUring      = 19
	FDMemfd        = 20
	FDPidfd        = 21
)

// FDInfo is one fd-list entry.
type FDInfo struct {
	Tid       int64
	FD        int64
	Ino       uint64
	Type      uint8
	Name      string
	OpenFlags uint32
	Dev       uint32
	SIP, DIP  [16]byte // IPv4 in the first 4 bytes
	SPort     uint16
	DPort     uint16
	L4Proto   uint8
	Source    uint64 // unix socket pointers
	Dest      uint64
}

// Interface is one interface-list entry.
type Interface struct {
	Name      string
	IPv6      bool
	Addr      [16]byte
	Netmask   [16]byte
	Bcast     [16]byte
	LinkSpeed uint64
}

// User is one user-list user entry.
type User struct {
	UID, GID          uint32
	Name, Home, Shell string
}

// Group is one user-list group entry.
type Group struct {
	GID  uint32
	Name string
}

// Metadata is everything a section holds before its first event.
type Metadata struct {
	Major, Minor uint16
	Machine      *MachineInfo
	Threads      []ThreadInfo
	FDs          []FDInfo
	Interfaces   []Interface
	Users        []User
	Groups       []Group
	// UnknownBlocks counts blocks of unknown types that were skipped.
	UnknownBlocks int
}

var errShort = errors.New("entry runs past the end of the block")

// cursor reads little-endian values from a block body, remembering the first overrun.
type cursor struct {
	b   []byte
	off int
	err error
}

func (c *cursor) left() int { return len(c.b) - c.off }

func (c *cursor) take(n int) []byte {
	if c.err != nil || n < 0 || c.off+n > len(c.b) {
		if c.err == nil {
			c.err = errShort
		}
		return nil
	}
	p := c.b[c.off : c.off+n]
	c.off += n
	return p
}

func (c *cursor) u8() uint8 {
	if p := c.take(1); p != nil {
		return p[0]
	}
	return 0
}
func (c *cursor) u16() uint16 {
	if p := c.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}
func (c *cursor) u32() uint32 {
	if p := c.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}
func (c *cursor) u64() uint64 {
	if p := c.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}
func (c *cursor) i64() int64 { return int64(c.u64()) }

// str reads a u16-length-prefixed string.
func (c *cursor) str() string { return string(c.take(int(c.u16()))) }

// splitNul splits a NUL-separated list, dropping one trailing NUL: "" has no entries,
// "\x00" one empty entry.
func splitNul(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\x00"), "\x00")
}

// beginEntry reads a v2 entry's length prefix, which counts itself when inclusive; it returns
// the entry's end, or -1 for v1 entries that have no length.
func (c *cursor) beginEntry(v2, inclusive bool, what string) (int, error) {
	if !v2 {
		return -1, nil
	}
	start := c.off
	n := int(c.u32())
	end := c.off + n
	if inclusive {
		end = start + n
	}
	if c.err != nil || n < 0 || end < c.off || end > len(c.b) {
		return 0, fmt.Errorf("%s entry at +%d: length %d does not fit", what, start, n)
	}
	return end, nil
}

// endEntry checks an entry's fields and moves to its end, skipping fields newer writers add.
func (c *cursor) endEntry(start, end int, what string) error {
	if c.err != nil {
		return fmt.Errorf("%s entry at +%d: %w", what, start, c.err)
	}
	if end >= 0 {
		if c.off > end {
			return fmt.Errorf("%s entry at +%d: fields run past its length", what, start)
		}
		c.off = end
	}
	return nil
}

func parseMachineInfo(body []byte) (*MachineInfo, error) {
	c := &cursor{b: body}
	mi := &MachineInfo{NumCPUs: c.u32(), MemoryBytes: c.u64(), MaxPID: c.u64()}
	host := c.take(128)
	mi.Hostname = strings.TrimRight(string(host), "\x00")
	if i := strings.IndexByte(mi.Hostname, 0); i >= 0 {
		mi.Hostname = mi.Hostname[:i]
	}
	mi.BootTS = c.u64()
	mi.Flags = c.u64()
	if c.err != nil && c.off < 20+128 {
		return nil, c.err
	}
	return mi, nil
}

func parseProcessList(body []byte, version int, md *Metadata) error {
	c := &cursor{b: body}
	for c.left() >= 4 && c.err == nil {
		entryStart := c.off
		var entryEnd int
		if version >= 9 {
			n := int(c.u32())
			if n < 4 || entryStart+n > len(body) {
				return fmt.Errorf("process list entry at +%d: length %d does not fit", entryStart, n)
			}
			entryEnd = entryStart + n
		}
		t := ThreadInfo{Sid: -1, Vpgid: -1, Pgid: -1, Vtid: -1, Vpid: -1, LoginUID: 0xFFFFFFFF}
		t.Tid, t.Pid, t.Ptid = c.i64(), c.i64(), c.i64()
		if version >= 6 {
			t.Sid = c.i64()
		}
		if version >= 8 {
			t.Vpgid = c.i64()
		}
		t.Comm = c.str()
		t.Exe = c.str()
		if version >= 7 {
			t.Exepath = c.str()
		}
		t.Args = splitNul(c.str())
		t.Cwd = c.str()
		t.FdLimit = c.i64()
		t.Flags = c.u32()
		t.UID, t.GID = c.u32(), c.u32()
		if version >= 2 {
			t.VmSizeKB, t.VmRSSKB, t.VmSwapKB = c.u32(), c.u32(), c.u32()
			t.PfMajor, t.PfMinor = c.u64(), c.u64()
		}
		if version >= 3 {
			t.Env = splitNul(c.str())
		}
		if version >= 4 {
			t.Vtid, t.Vpid = c.i64(), c.i64()
			t.Cgroups = splitNul(c.str())
		}
		if version >= 5 {
			t.Root = c.str()
		}
		if c.err != nil {
			return fmt.Errorf("process list entry at +%d: %w", entryStart, c.err)
		}
		if version >= 9 {
			if c.off > entryEnd {
				return fmt.Errorf("process list entry at +%d: fields run past its length", entryStart)
			}
			tail := &cursor{b: body[c.off:entryEnd]}
			// Writers before libs 0.10 put loginuid first; later ones insert pidns/tty before it.
			if tail.left() > 29 {
				t.PidnsInitStartTS = tail.u64()
				t.Tty = tail.u32()
			}
			if tail.left() >= 4 {
				t.LoginUID = tail.u32()
			}
			if tail.left() >= 1 {
				t.ExeWritable = tail.u8() != 0
			}
			if tail.left() >= 24 {
				t.CapInheritable, t.CapPermitted, t.CapEffective = tail.u64(), tail.u64(), tail.u64()
			}
			if tail.left() >= 1 {
				t.ExeUpperLayer = tail.u8() != 0
			}
			if tail.left() >= 24 {
				t.ExeIno, t.ExeInoCtime, t.ExeInoMtime = tail.u64(), tail.u64(), tail.u64()
			}
			if tail.left() >= 1 {
				t.ExeFromMemfd = tail.u8() != 0
			}
			if tail.left() >= 1 {
				t.ExeLowerLayer = tail.u8() != 0
			}
			if tail.left() >= 8 {
				t.Pgid = tail.i64()
			}
			c.off = entryEnd
		}
		md.Threads = append(md.Threads, t)
	}
	return nil
}

func parseFDList(body []byte, v2 bool, md *Metadata) error {
	c := &cursor{b: body}
	tid := c.i64()
	if c.err != nil {
		return c.err
	}
	for c.left() >= 4 && c.err == nil {
		entryStart := c.off
		entryEnd, err := c.beginEntry(v2, true, "fd list")
		if err != nil {
			return err
		}
		f := FDInfo{Tid: tid, FD: c.i64(), Ino: c.u64(), Type: c.u8()}
		switch f.Type {
		case FDIPv4Sock:
			copy(f.SIP[:], c.take(4))
			copy(f.DIP[:], c.take(4))
			f.SPort, f.DPort, f.L4Proto = c.u16(), c.u16(), c.u8()
		case FDIPv6Sock:
			copy(f.SIP[:], c.take(16))
			copy(f.DIP[:], c.take(16))
			f.SPort, f.DPort, f.L4Proto = c.u16(), c.u16(), c.u8()
		case FDIPv4ServSock:
			copy(f.SIP[:], c.take(4))
			f.SPort, f.L4Proto = c.u16(), c.u8()
		case FDIPv6ServSock:
			copy(f.SIP[:], c.take(16))
			f.SPort, f.L4Proto = c.u16(), c.u8()
		case FDUnixSock:
			f.Source, f.Dest = c.u64(), c.u64()
			f.Name = c.str()
		case FDFileV2:
			f.OpenFlags = c.u32()
			f.Name = c.str()
			if entryEnd >= 0 && entryEnd-c.off >= 4 {
				f.Dev = c.u32()
			}
		case FDFile, FDDirectory, FDFifo, FDEvent, FDUnsupported, FDSignalfd, FDEventpoll,
			FDInotify, FDTimerfd, FDNetlink, FDBPF, FDUserfaultfd, FDIOUring, FDMemfd, FDPidfd:
			f.Name = c.str()
		default:
			if entryEnd < 0 {
				return fmt.Errorf("fd list entry at +%d: unknown fd type %d", entryStart, f.Type)
			}
			f.Name = fmt.Sprintf("unknown-type:[%d]", f.Type)
			f.Type = FDUnsupported
		}
		if err := c.endEntry(entryStart, entryEnd, "fd list"); err != nil {
			return err
		}
		md.FDs = append(md.FDs, f)
	}
	return nil
}

func parseInterfaceList(body []byte, v2 bool, md *Metadata) error {
	c := &cursor{b: body}
	for c.left() >= 4 && c.err == nil {
		entryStart := c.off
		entryEnd, err := c.beginEntry(v2, false, "interface list")
		if err != nil {
			return err
		}
		typ := c.u16()
		namelen := int(c.u16())
		var it Interface
		alen := 4
		if typ == 2 || typ == 4 {
			alen, it.IPv6 = 16, true
		} else if typ != 1 && typ != 3 {
			return fmt.Errorf("interface list entry at +%d: unknown type %d", entryStart, typ)
		}
		copy(it.Addr[:], c.take(alen))
		copy(it.Netmask[:], c.take(alen))
		copy(it.Bcast[:], c.take(alen))
		if typ == 1 || typ == 2 {
			it.LinkSpeed = c.u64()
		}
		it.Name = string(c.take(namelen))
		if err := c.endEntry(entryStart, entryEnd, "interface list"); err != nil {
			return err
		}
		md.Interfaces = append(md.Interfaces, it)
	}
	return nil
}

func parseUserList(body []byte, v2 bool, md *Metadata) error {
	c := &cursor{b: body}
	for c.left() >= 4 && c.err == nil {
		entryStart := c.off
		entryEnd, err := c.beginEntry(v2, true, "user list")
		if err != nil {
			return err
		}
		kind := c.u8()
		switch kind {
		case 0:
			u := User{UID: c.u32(), GID: c.u32()}
			u.Name, u.Home, u.Shell = c.str(), c.str(), c.str()
			if c.err == nil {
				md.Users = append(md.Users, u)
			}
		case 1:
			g := Group{GID: c.u32()}
			g.Name = c.str()
			if c.err == nil {
				md.Groups = append(md.Groups, g)
			}
		default:
			return fmt.Errorf("user list entry at +%d: unknown kind %d", entryStart, kind)
		}
		if err := c.endEntry(entryStart, entryEnd, "user list"); err != nil {
			return err
		}
	}
	return nil
}
