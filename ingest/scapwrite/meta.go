package scapwrite

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
)

// MachineInfo is the MI block (FORMAT.md §1.5).
type MachineInfo struct {
	NumCPUs     uint32
	MemoryBytes uint64
	MaxPID      uint64
	Hostname    string // at most 127 bytes are kept (NUL-padded to 128)
	BootTS      uint64 // boot time, ns since the epoch (0 in most captures)
	Flags       uint64
}

// WriteMachineInfo writes a machine info block (180-byte body).
func (w *Writer) WriteMachineInfo(mi MachineInfo) error {
	var body [180]byte
	putU32(body[:], 0, mi.NumCPUs)
	putU64(body[:], 4, mi.MemoryBytes)
	putU64(body[:], 12, mi.MaxPID)
	copy(body[20:20+127], mi.Hostname)
	putU64(body[:], 148, mi.BootTS)
	putU64(body[:], 156, mi.Flags)
	// reserved3, reserved4 stay 0
	return w.WriteBlock(BlockMI, body[:])
}

// Interface is one interface list entry (FORMAT.md §1.6). Addr, Netmask
// and Bcast must all be IPv4 or all IPv6 (invalid ones are written as 0).
type Interface struct {
	Name      string
	Addr      netip.Addr
	Netmask   netip.Addr
	Bcast     netip.Addr
	LinkSpeed uint64
	// NoLinkSpeed writes entry type 3/4 (without the link speed field).
	NoLinkSpeed bool
}

// WriteInterfaceList writes an IL v2 block.
func (w *Writer) WriteInterfaceList(ifs []Interface) error {
	var b []byte
	for _, it := range ifs {
		v6 := it.Addr.Is6() && !it.Addr.Is4In6()
		typ := uint16(1)
		if v6 {
			typ = 2
		}
		if it.NoLinkSpeed {
			typ += 2
		}
		if len(it.Name) > math.MaxUint16 {
			return fmt.Errorf("scapwrite: interface %q: name too long", it.Name[:32])
		}
		lenAt := len(b)
		b = appendU32(b, 0) // entry_len: bytes after this field
		b = appendU16(b, typ)
		b = appendU16(b, uint16(len(it.Name)))
		for _, a := range []netip.Addr{it.Addr, it.Netmask, it.Bcast} {
			if v6 {
				ip := as16(a)
				b = append(b, ip[:]...)
			} else {
				ip := as4(a)
				b = append(b, ip[:]...)
			}
		}
		if !it.NoLinkSpeed {
			b = appendU64(b, it.LinkSpeed)
		}
		b = append(b, it.Name...)
		putU32(b, lenAt, uint32(len(b)-lenAt-4))
	}
	return w.WriteBlock(BlockILv2, b)
}

// User is a user list entry (FORMAT.md §1.7).
type User struct {
	UID, GID uint32
	Name     string
	HomeDir  string
	Shell    string
}

// Group is a group list entry.
type Group struct {
	GID  uint32
	Name string
}

// WriteUserList writes a UL v2 block with the users, then the groups.
func (w *Writer) WriteUserList(users []User, groups []Group) error {
	var b []byte
	var err error
	for _, u := range users {
		lenAt := len(b)
		b = appendU32(b, 0) // entry_len, including itself
		b = append(b, 0)    // kind: user
		b = appendU32(b, u.UID)
		b = appendU32(b, u.GID)
		for _, s := range []string{u.Name, u.HomeDir, u.Shell} {
			if b, err = appendStr16(b, s); err != nil {
				return fmt.Errorf("scapwrite: user %d: %w", u.UID, err)
			}
		}
		putU32(b, lenAt, uint32(len(b)-lenAt))
	}
	for _, g := range groups {
		lenAt := len(b)
		b = appendU32(b, 0)
		b = append(b, 1) // kind: group
		b = appendU32(b, g.GID)
		if b, err = appendStr16(b, g.Name); err != nil {
			return fmt.Errorf("scapwrite: group %d: %w", g.GID, err)
		}
		putU32(b, lenAt, uint32(len(b)-lenAt))
	}
	return w.WriteBlock(BlockULv2, b)
}

// TailLayout selects how much of the v9 process entry tail is written
// (FORMAT.md §1.8).
type TailLayout uint8

const (
	// TailFull writes all 76 tail bytes (libs HEAD).
	TailFull TailLayout = iota
	// TailLoginUID writes only loginuid (4 bytes), like the 2019 Falco
	// captures.
	TailLoginUID
	// TailPre010 writes loginuid, exe_writable and the three caps (29
	// bytes), the layout of libs before 0.10.
	TailPre010
	// TailNone writes no tail.
	TailNone
)

// Process is one thread of the process list (v9 entry).
type Process struct {
	Tid, Pid, Ptid int64
	Sid, Vpgid     int64
	Comm           string
	Exe            string // argv[0]
	ExePath        string
	Args           []string // after argv[0]
	Cwd            string
	FDLimit        int64
	Flags          uint32 // PPM_CL_* flags
	UID, GID       uint32
	VMSizeKB       uint32
	VMRSSKB        uint32
	VMSwapKB       uint32
	PFMajor        uint64
	PFMinor        uint64
	Env            []string
	Vtid, Vpid     int64
	Cgroups        []string // "subsys=path"
	Root           string

	Tail             TailLayout
	PidnsInitStartTS uint64
	TTY              uint32
	LoginUID         uint32
	ExeWritable      bool
	CapInheritable   uint64
	CapPermitted     uint64
	CapEffective     uint64
	ExeUpperLayer    bool
	ExeIno           uint64
	ExeInoCtime      uint64
	ExeInoMtime      uint64
	ExeFromMemfd     bool
	ExeLowerLayer    bool
	Pgid             int64
}

// AppendProcessEntry appends one v9 process list entry.
func AppendProcessEntry(b []byte, p *Process) ([]byte, error) {
	var err error
	start := len(b)
	b = appendU32(b, 0) // entry_len, including itself
	for _, v := range []int64{p.Tid, p.Pid, p.Ptid, p.Sid, p.Vpgid} {
		b = appendU64(b, uint64(v))
	}
	for _, s := range []string{p.Comm, p.Exe, p.ExePath} {
		if b, err = appendStr16(b, s); err != nil {
			return nil, fmt.Errorf("scapwrite: process %d: %w", p.Tid, err)
		}
	}
	if b, err = appendList16(b, p.Args); err != nil {
		return nil, fmt.Errorf("scapwrite: process %d args: %w", p.Tid, err)
	}
	if b, err = appendStr16(b, p.Cwd); err != nil {
		return nil, fmt.Errorf("scapwrite: process %d cwd: %w", p.Tid, err)
	}
	b = appendU64(b, uint64(p.FDLimit))
	b = appendU32(b, p.Flags)
	b = appendU32(b, p.UID)
	b = appendU32(b, p.GID)
	b = appendU32(b, p.VMSizeKB)
	b = appendU32(b, p.VMRSSKB)
	b = appendU32(b, p.VMSwapKB)
	b = appendU64(b, p.PFMajor)
	b = appendU64(b, p.PFMinor)
	if b, err = appendList16(b, p.Env); err != nil {
		return nil, fmt.Errorf("scapwrite: process %d env: %w", p.Tid, err)
	}
	b = appendU64(b, uint64(p.Vtid))
	b = appendU64(b, uint64(p.Vpid))
	if b, err = appendList16(b, p.Cgroups); err != nil {
		return nil, fmt.Errorf("scapwrite: process %d cgroups: %w", p.Tid, err)
	}
	if b, err = appendStr16(b, p.Root); err != nil {
		return nil, fmt.Errorf("scapwrite: process %d root: %w", p.Tid, err)
	}
	switch p.Tail {
	case TailFull:
		b = appendU64(b, p.PidnsInitStartTS)
		b = appendU32(b, p.TTY)
		b = appendU32(b, p.LoginUID)
		b = append(b, boolByte(p.ExeWritable))
		b = appendU64(b, p.CapInheritable)
		b = appendU64(b, p.CapPermitted)
		b = appendU64(b, p.CapEffective)
		b = append(b, boolByte(p.ExeUpperLayer))
		b = appendU64(b, p.ExeIno)
		b = appendU64(b, p.ExeInoCtime)
		b = appendU64(b, p.ExeInoMtime)
		b = append(b, boolByte(p.ExeFromMemfd))
		b = append(b, boolByte(p.ExeLowerLayer))
		b = appendU64(b, uint64(p.Pgid))
	case TailPre010:
		b = appendU32(b, p.LoginUID)
		b = append(b, boolByte(p.ExeWritable))
		b = appendU64(b, p.CapInheritable)
		b = appendU64(b, p.CapPermitted)
		b = appendU64(b, p.CapEffective)
	case TailLoginUID:
		b = appendU32(b, p.LoginUID)
	case TailNone:
	default:
		return nil, fmt.Errorf("scapwrite: process %d: unknown tail layout %d", p.Tid, p.Tail)
	}
	putU32(b, start, uint32(len(b)-start))
	return b, nil
}

// WriteProcessList writes one PL v9 block holding every thread.
func (w *Writer) WriteProcessList(procs []Process) error {
	var b []byte
	var err error
	for i := range procs {
		if b, err = AppendProcessEntry(b, &procs[i]); err != nil {
			return err
		}
		// Readers add every list block to the table, so a big table goes
		// in several blocks: Wireshark's capture pipe takes no block
		// over 256 KiB.
		if len(b) >= MaxListBlock && i < len(procs)-1 {
			if err := w.WriteBlock(BlockPLv9, b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	return w.WriteBlock(BlockPLv9, b)
}

// MaxListBlock is the body size past which process and fd lists continue
// in a new block.
const MaxListBlock = 128 << 10

// FDType is the fd list entry type (FORMAT.md §1.9).
type FDType uint8

// FD types.
const (
	FDFile          FDType = 1
	FDDirectory     FDType = 2
	FDIPv4Sock      FDType = 3
	FDIPv6Sock      FDType = 4
	FDIPv4ServSock  FDType = 5
	FDIPv6ServSock  FDType = 6
	FDFifo          FDType = 7
	FDUnixSock      FDType = 8
	FDEvent         FDType = 9
	FDUnsupported   FDType = 10
	FDSignalfd      FDType = 11
	FDEventpoll     FDType = 12
	FDInotify       FDType = 13
	FDTimerfd       FDType = 14
	FDNetlink       FDType = 15
	FDFileV2        FDType = 16
	FDBPF           FDType = 17
	FDUserfaultfd   FDType = 18
	FDIOUring       FDType = 19
	FDMemfd         FDType = 20
	FDPidfd         FDType = 21
	FDTypeUndefined FDType = 0
)

// L4 protocols in fd list socket entries.
const (
	L4Unknown uint8 = 0
	L4NA      uint8 = 1
	L4TCP     uint8 = 2
	L4UDP     uint8 = 3
	L4ICMP    uint8 = 4
	L4Raw     uint8 = 5
)

// FDEntry is one fd list entry. Which fields are written depends on Type:
// named types use Name (FILE_V2 also OpenFlags and Dev); IPv4/IPv6 sockets
// use Src/Dst (ports in host order) and L4Proto; server sockets use Src and
// L4Proto; unix sockets use Source, Dest and Name.
type FDEntry struct {
	Num       int64
	Ino       uint64
	Type      FDType
	Name      string
	OpenFlags uint32 // PPM_O_* (FILE_V2)
	Dev       uint32 // FILE_V2
	NoDev     bool   // FILE_V2 without the optional dev field
	Src, Dst  netip.AddrPort
	L4Proto   uint8
	Source    uint64 // unix: kernel socket pointers
	Dest      uint64
}

// AppendFDEntry appends one v2 fd list entry.
func AppendFDEntry(b []byte, fd *FDEntry) ([]byte, error) {
	var err error
	start := len(b)
	b = appendU32(b, 0) // entry_len, including itself
	b = appendU64(b, uint64(fd.Num))
	b = appendU64(b, fd.Ino)
	b = append(b, byte(fd.Type))
	switch fd.Type {
	case FDIPv4Sock:
		s, d := as4(fd.Src.Addr()), as4(fd.Dst.Addr())
		b = append(b, s[:]...)
		b = append(b, d[:]...)
		b = appendU16(b, fd.Src.Port())
		b = appendU16(b, fd.Dst.Port())
		b = append(b, fd.L4Proto)
	case FDIPv6Sock:
		s, d := as16(fd.Src.Addr()), as16(fd.Dst.Addr())
		b = append(b, s[:]...)
		b = append(b, d[:]...)
		b = appendU16(b, fd.Src.Port())
		b = appendU16(b, fd.Dst.Port())
		b = append(b, fd.L4Proto)
	case FDIPv4ServSock:
		s := as4(fd.Src.Addr())
		b = append(b, s[:]...)
		b = appendU16(b, fd.Src.Port())
		b = append(b, fd.L4Proto)
	case FDIPv6ServSock:
		s := as16(fd.Src.Addr())
		b = append(b, s[:]...)
		b = appendU16(b, fd.Src.Port())
		b = append(b, fd.L4Proto)
	case FDUnixSock:
		b = appendU64(b, fd.Source)
		b = appendU64(b, fd.Dest)
		b, err = appendStr16(b, fd.Name)
	case FDFileV2:
		b = appendU32(b, fd.OpenFlags)
		b, err = appendStr16(b, fd.Name)
		if !fd.NoDev {
			b = appendU32(b, fd.Dev)
		}
	default:
		b, err = appendStr16(b, fd.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("scapwrite: fd %d: %w", fd.Num, err)
	}
	putU32(b, start, uint32(len(b)-start))
	return b, nil
}

// WriteFDList writes one FDL v2 block for thread tid (an empty list is
// valid; libscap writes one per thread).
func (w *Writer) WriteFDList(tid int64, fds []FDEntry) error {
	b := appendU64(nil, uint64(tid))
	var err error
	for i := range fds {
		if b, err = AppendFDEntry(b, &fds[i]); err != nil {
			return fmt.Errorf("scapwrite: fd list of %d: %w", tid, err)
		}
		if len(b) >= MaxListBlock && i < len(fds)-1 { // as WriteProcessList
			if err := w.WriteBlock(BlockFDLv2, b); err != nil {
				return err
			}
			b = appendU64(b[:0], uint64(tid))
		}
	}
	return w.WriteBlock(BlockFDLv2, b)
}

// appendStr16 appends a u16 length and the bytes (no NUL).
func appendStr16(b []byte, s string) ([]byte, error) {
	if len(s) > math.MaxUint16 {
		return nil, fmt.Errorf("string of %d bytes over the u16 limit", len(s))
	}
	b = appendU16(b, uint16(len(s)))
	return append(b, s...), nil
}

// appendList16 appends a u16 length and the NUL-terminated strings.
func appendList16(b []byte, ss []string) ([]byte, error) {
	n := 0
	for _, s := range ss {
		n += len(s) + 1
	}
	if n > math.MaxUint16 {
		return nil, fmt.Errorf("list of %d bytes over the u16 limit", n)
	}
	b = appendU16(b, uint16(n))
	return AppendStringList(b, ss...), nil
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// putU32 and putU64 patch little-endian values in place (entry lengths,
// fixed-layout bodies).
func putU32(b []byte, off int, v uint32) { binary.LittleEndian.PutUint32(b[off:], v) }
func putU64(b []byte, off int, v uint64) { binary.LittleEndian.PutUint64(b[off:], v) }
