//go:build linux && amd64

package bpf

import (
	et "github.com/scapql/scapql/ingest/eventtable"
)

// The driver stores flags in its own (PPM_*) bit layout, not Linux's; these
// tables translate the Linux bits the probes see, bit by bit.
type bitMap struct{ linux, ppm uint64 }

func translate(v uint64, table []bitMap) uint32 {
	var out uint64
	for _, m := range table {
		if v&m.linux == m.linux && m.linux != 0 {
			out |= m.ppm
		}
	}
	return uint32(out)
}

var openBits = []bitMap{
	{0o100, 1 << 2},       // O_CREAT
	{0o2000, 1 << 3},      // O_APPEND
	{0o10000, 1 << 4},     // O_DSYNC
	{0o200, 1 << 5},       // O_EXCL
	{0o4000, 1 << 6},      // O_NONBLOCK
	{0o4010000, 1 << 7},   // O_SYNC
	{0o1000, 1 << 8},      // O_TRUNC
	{0o40000, 1 << 9},     // O_DIRECT
	{0o200000, 1 << 10},   // O_DIRECTORY
	{0o100000, 1 << 11},   // O_LARGEFILE
	{0o2000000, 1 << 12},  // O_CLOEXEC
	{0o20200000, 1 << 13}, // O_TMPFILE
}

// openFlags converts open(2) flags; the access mode is a value, not bits.
func openFlags(f uint64) uint32 {
	out := translate(f, openBits)
	switch f & 3 {
	case 0:
		out |= 1 // PPM_O_RDONLY
	case 1:
		out |= 2 // PPM_O_WRONLY
	case 2:
		out |= 3 // PPM_O_RDWR
	}
	return out
}

// openMode is the mode the driver reports: only when the call can create.
func openMode(flags, mode uint64) uint32 {
	if flags&(0o100|0o20200000) == 0 {
		return 0
	}
	return uint32(mode & 0o7777)
}

var cloneBits = []bitMap{
	{0x400, 1 << 0},       // CLONE_FILES
	{0x200, 1 << 1},       // CLONE_FS
	{0x80000000, 1 << 2},  // CLONE_IO
	{0x08000000, 1 << 3},  // CLONE_NEWIPC
	{0x40000000, 1 << 4},  // CLONE_NEWNET
	{0x20000, 1 << 5},     // CLONE_NEWNS
	{0x20000000, 1 << 6},  // CLONE_NEWPID
	{0x04000000, 1 << 7},  // CLONE_NEWUTS
	{0x8000, 1 << 8},      // CLONE_PARENT
	{0x100000, 1 << 9},    // CLONE_PARENT_SETTID
	{0x2000, 1 << 10},     // CLONE_PTRACE
	{0x800, 1 << 11},      // CLONE_SIGHAND
	{0x40000, 1 << 12},    // CLONE_SYSVSEM
	{0x10000, 1 << 13},    // CLONE_THREAD
	{0x800000, 1 << 14},   // CLONE_UNTRACED
	{0x100, 1 << 15},      // CLONE_VM
	{0x10000000, 1 << 20}, // CLONE_NEWUSER
	{0x200000, 1 << 23},   // CLONE_CHILD_CLEARTID
	{0x01000000, 1 << 24}, // CLONE_CHILD_SETTID
	{0x80000, 1 << 25},    // CLONE_SETTLS
	{0x4000, 1 << 27},     // CLONE_VFORK
	{0x02000000, 1 << 28}, // CLONE_NEWCGROUP
}

func cloneFlags(f uint64) uint32 { return translate(f, cloneBits) }

var protBits = []bitMap{{1, 1}, {2, 2}, {4, 4}, {0x01000000, 1 << 4}, {0x02000000, 1 << 5}}

func protFlags(f uint64) uint32 { return translate(f, protBits) }

var mmapBits = []bitMap{
	{0x01, 1 << 0}, {0x02, 1 << 1}, {0x10, 1 << 2}, {0x20, 1 << 3}, {0x40, 1 << 4},
	{0x4000, 1 << 6}, {0x8000, 1 << 7}, {0x10000, 1 << 8}, {0x100, 1 << 9},
	{0x800, 1 << 10}, {0x1000, 1 << 11}, {0x2000, 1 << 14},
}

func mmapFlags(f uint64) uint32 { return translate(f, mmapBits) }

// fcntlCmd maps F_* commands to the driver's enumeration.
func fcntlCmd(c uint64) uint8 {
	switch c {
	case 0:
		return 1 // F_DUPFD
	case 1:
		return 2 // F_GETFD
	case 2:
		return 3 // F_SETFD
	case 3:
		return 4 // F_GETFL
	case 4:
		return 5 // F_SETFL
	case 5:
		return 6 // F_GETLK
	case 6:
		return 8 // F_SETLK
	case 7:
		return 9 // F_SETLKW
	case 8:
		return 10 // F_SETOWN
	case 9:
		return 12 // F_GETOWN
	case 10:
		return 13 // F_SETSIG
	case 11:
		return 15 // F_GETSIG
	case 1030:
		return 26 // F_DUPFD_CLOEXEC
	case 1031:
		return 28 // F_SETPIPE_SZ
	case 1032:
		return 29 // F_GETPIPE_SZ
	}
	return 0
}

func unlinkatFlags(f uint64) uint32 {
	if f&0x200 != 0 {
		return 0x200 // AT_REMOVEDIR keeps its value in the driver's table
	}
	return 0
}

func linkatFlags(f uint64) uint32 { return uint32(f & (0x400 | 0x1000)) }

func execveatFlags(f uint64) uint32 {
	var out uint32
	if f&0x1000 != 0 {
		out |= 1 // AT_EMPTY_PATH
	}
	if f&0x100 != 0 {
		out |= 2 // AT_SYMLINK_NOFOLLOW
	}
	return out
}

// refMaxSyscallCode is the last syscall code sysdig 0.29.3 knows: it
// crashes on a generic event with a higher one (rseq, statx, close_range,
// ...), so those are written as code 0, "unknown"; the event's nativeID
// still holds the x86-64 number.
const refMaxSyscallCode = 328

// ppmSyscallCode returns the driver's code for a syscall name (0 when the
// table has none or sysdig 0.29.3 would not know it), which generic events
// carry.
func ppmSyscallCode(name string) uint16 {
	if c, _ := et.SyscallCode(name); c <= refMaxSyscallCode {
		return c
	}
	return 0
}
