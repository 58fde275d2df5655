// Package state rebuilds libsinsp-style state from raw events: the thread and process table
// (with a unique id per process lifetime), per-process fd tables, users and groups, container
// ids, and enter/exit pairing. It consumes scap.Event values and resolves each into an Event
// that field extraction and printing read.
package state

import (
	"github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
)

// Clone flags (PPM_CL_*) that state tracking uses.
const (
	clCloneFiles    = 0x1
	clCloneFS       = 0x2
	clCloneNewPID   = 0x40
	clCloneParent   = 0x100
	clCloneThread   = 0x2000
	clCloneInverted = 0x10000
	clNameChanged   = 0x20000
	clClosed        = 0x40000
	clActive        = 0x80000
	clCloneVFork    = 0x8000000
	clChildInPidns  = 0x20000000
	clIsMainThread  = 0x40000000
)

// Socket roles.
const (
	RoleNone   = 0
	RoleClient = 1
	RoleServer = 2
)

// L4 protocols (SCAP_L4_*).
const (
	L4Unknown = 0
	L4NA      = 1
	L4TCP     = 2
	L4UDP     = 3
	L4ICMP    = 4
	L4Raw     = 5
)

// FD is one entry of a process's fd table.
type FD struct {
	Num       int64
	Type      uint8 // scap.FD* constants
	Name      string
	NameRaw   string
	OpenFlags uint32
	Ino       uint64
	Dev       uint32
	L4        uint8
	Role      uint8
	// For sockets: client (S) and server (D) ends; V6 tells the address width.
	SIP, DIP     [16]byte
	SPort, DPort uint16
	V6           bool
	Source, Dest uint64 // unix socket kernel pointers
	CloseOnExec  bool
	Connected    bool
	UID          uint32 // owner, for fd.uid
}

// IsSocket reports whether the fd is an IP socket.
func (f *FD) IsIP() bool {
	switch f.Type {
	case scap.FDIPv4Sock, scap.FDIPv6Sock, scap.FDIPv4ServSock, scap.FDIPv6ServSock:
		return true
	}
	return false
}

// FDTable is a process's fd table.
type FDTable struct {
	fds map[int64]*FD
}

func newFDTable() *FDTable { return &FDTable{fds: make(map[int64]*FD)} }

// Get returns the fd, or nil.
func (t *FDTable) Get(n int64) *FD {
	if t == nil {
		return nil
	}
	return t.fds[n]
}

// Len is the number of open fds.
func (t *FDTable) Len() int {
	if t == nil {
		return 0
	}
	return len(t.fds)
}

func (t *FDTable) clone() *FDTable {
	n := &FDTable{fds: make(map[int64]*FD, len(t.fds))}
	for k, v := range t.fds {
		c := *v
		n.fds[k] = &c
	}
	return n
}

// Thread is one entry of the thread table.
//
// The engine never writes into a string or slice it has stored in a Thread or an FD: a new
// value is a new string or slice. Readers may therefore key caches by their identity (data
// pointer and length), as the column builders do; TestStringsNeverEditedInPlace holds the
// engine to it.
type Thread struct {
	Tid, Pid, Ptid   int64
	Sid, Vpgid, Pgid int64
	Vtid, Vpid       int64
	Comm, Exe        string
	Exepath          string
	Args             []string
	Env              []string
	Cwd              string
	Root             string
	Cgroups          []string // "subsys=path"
	FdLimit          int64
	Flags            uint32
	UID, GID         uint32
	LoginUID         uint32
	Tty              uint32
	VmSizeKB         uint32
	VmRSSKB          uint32
	VmSwapKB         uint32
	PfMajor, PfMinor uint64
	CloneTS          uint64
	LastExecTS       uint64
	ExeWritable      bool
	ExeUpperLayer    bool // the executable is on an overlay filesystem's upper layer
	ExeFromMemfd     bool // the executable is a memfd (fileless execution)
	// Capability sets (bit i is capability i), from the process list, execve and capset.
	CapInheritable, CapPermitted, CapEffective uint64
	ContainerID                                string
	// UPID identifies one process lifetime: pid reuse gives a new UPID.
	UPID uint64
	// ParentUPID is the UPID of the process that created this one, 0 if unknown.
	ParentUPID uint64

	fds *FDTable

	// enter/exit pairing
	lastEventType    int
	lastEventFD      int64
	lastLatencyEnter uint64
	latency          uint64
	enter            storedEvent
	nchilds          int
	nthreads         int // threads (CLONE_THREAD) of this main thread
}

// storedEvent keeps a copy of a thread's last enter event for its exit's parser.
type storedEvent struct {
	valid  bool
	typ    uint16
	buf    []byte
	params [][]byte
}

func (s *storedEvent) store(ev *scap.Event) {
	s.typ = ev.Type
	s.buf = s.buf[:0]
	s.params = s.params[:0]
	for _, p := range ev.Params {
		s.buf = append(s.buf, p...)
	}
	off := 0
	for _, p := range ev.Params {
		s.params = append(s.params, s.buf[off:off+len(p):off+len(p)])
		off += len(p)
	}
	s.valid = true
}

// IsMain reports whether the thread is its process's main thread.
func (t *Thread) IsMain() bool { return t.Tid == t.Pid || t.Flags&clIsMainThread != 0 }

// IsInvalid reports whether the thread is a placeholder whose identity is unknown.
func (t *Thread) IsInvalid() bool { return t.Tid < 0 || t.Pid < 0 || t.Ptid < 0 }

// Latency is the time since the thread's last enter event, as of its last exit event.
func (t *Thread) Latency() uint64 { return t.latency }

// LastEventFD is the fd the thread's current syscall works on.
func (t *Thread) LastEventFD() int64 { return t.lastEventFD }

// NChilds is the number of known child processes.
func (t *Thread) NChilds() int { return t.nchilds }

// NThreads is the number of other threads a main thread has (the reference's m_nchilds).
func (t *Thread) NThreads() int { return t.nthreads }

// User is one user-table entry.
type User struct {
	UID, GID          uint32
	Name, Home, Shell string
}

// Group is one group-table entry.
type Group struct {
	GID  uint32
	Name string
}

// Container is what container metadata events told about a container.
type Container struct {
	ID, Name, Image, ImageID, Type   string
	ImageRepo, ImageTag, ImageDigest string
	Privileged                       *bool
	// IP is the container's IPv4 address, zero when the metadata gives none.
	IP     [4]byte
	Labels map[string]string
	Mounts []Mount
	JSON   string
}

// Mount is one mount of a container, as its metadata lists it.
type Mount struct {
	Source, Dest, Mode string
	RW                 bool
	Propagation        string
}

// Event is a raw event resolved against the state as it stood right after the event.
type Event struct {
	Raw    *scap.Event
	Info   *eventtable.Event
	Num    uint64
	Thread *Thread // nil when the event has no thread
	FD     *FD     // the event's fd, nil if none
	// FDNum is the fd number the event works on (-1 if none).
	FDNum int64
	// Hidden events are numbered but not shown by default (internal, state-only).
	Hidden bool
	// Initial marks events that are numbered but never shown, even with -D: the capture's
	// leading container events and events flagged state-only.
	Initial bool
	// Latency is the exit's time since its enter (0 for enter events).
	Latency uint64
	// Plugin is a plugin event's decoded payload (see PluginDecoder), nil otherwise.
	Plugin any
	// FDNameChanged: parsing the event changed the name of its fd (a new fd's name counts
	// as changed unless empty), as the reference decides fd.name_changed.
	FDNameChanged bool
	engine        *Engine
}

// PluginEventType is the event type of plugin events (pluginevent): parameter 0 is the
// plugin id, parameter 1 the payload.
const PluginEventType = 322

// PluginDecoder, when set, decodes the payload of plugin events into Event.Plugin (package
// ingest/fields sets it to the audit record decoder).
var PluginDecoder func(raw *scap.Event) any

// Engine returns the engine that resolved the event, for lookups (threads, users).
func (e *Event) Engine() *Engine { return e.engine }

// Param returns parameter i's bytes and whether it is present.
func (e *Event) Param(i int) ([]byte, bool) {
	if i < 0 || i >= len(e.Raw.Params) {
		return nil, false
	}
	return e.Raw.Params[i], true
}
