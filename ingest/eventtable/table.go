// Package eventtable holds the libscap event table as Go data: every event type with its
// parameters, the flag and enum tables used to render them, errno and signal names and the
// syscall-code names. It is loaded once from the embedded event_table.json (a copy of the
// project's reference table) so the rest of scapql never needs the C sources; events_gen.go
// names every event id (generated from the same file).
package eventtable

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed event_table.json
var tableJSON []byte

//go:generate go run ./internal/gentable -in event_table.json -out events_gen.go

// ParamType is a PT_* parameter type.
type ParamType uint8

// Parameter types, with libscap's numeric values.
const (
	PT_NONE ParamType = iota
	PT_INT8
	PT_INT16
	PT_INT32
	PT_INT64
	PT_UINT8
	PT_UINT16
	PT_UINT32
	PT_UINT64
	PT_CHARBUF
	PT_BYTEBUF
	PT_ERRNO
	PT_SOCKADDR
	PT_SOCKTUPLE
	PT_FD
	PT_PID
	PT_FDLIST
	PT_FSPATH
	PT_SYSCALLID
	PT_SIGTYPE
	PT_RELTIME
	PT_ABSTIME
	PT_PORT
	PT_L4PROTO
	PT_SOCKFAMILY
	PT_BOOL
	PT_IPV4ADDR
	PT_DYN
	PT_FLAGS8
	PT_FLAGS16
	PT_FLAGS32
	PT_UID
	PT_GID
	PT_DOUBLE
	PT_SIGSET
	PT_CHARBUFARRAY
	PT_CHARBUF_PAIR_ARRAY
	PT_IPV4NET
	PT_IPV6ADDR
	PT_IPV6NET
	PT_IPADDR
	PT_IPNET
	PT_MODE
	PT_FSRELPATH
	PT_ENUMFLAGS8
	PT_ENUMFLAGS16
	PT_ENUMFLAGS32
	PT_FD32
	PT_PID32
	ptMax
)

// Format is a PF_* print format.
type Format uint8

// Print formats.
const (
	PF_NA Format = iota
	PF_DEC
	PF_HEX
	PF_10_PADDED_DEC
	PF_ID
	PF_DIR
	PF_OCT
)

// Category is the low part of an event's category (EC_*).
type Category uint16

// Categories and class bits.
const (
	EC_UNKNOWN     Category = 0
	EC_OTHER       Category = 1
	EC_FILE        Category = 2
	EC_NET         Category = 3
	EC_IPC         Category = 4
	EC_MEMORY      Category = 5
	EC_PROCESS     Category = 6
	EC_SLEEP       Category = 7
	EC_SYSTEM      Category = 8
	EC_SIGNAL      Category = 9
	EC_USER        Category = 10
	EC_TIME        Category = 11
	EC_PROCESSING  Category = 12
	EC_IO_READ     Category = 32
	EC_IO_WRITE    Category = 33
	EC_IO_OTHER    Category = 34
	EC_WAIT        Category = 64
	EC_SCHEDULER   Category = 128
	EC_INTERNAL    Category = 256
	EC_SYSCALL     Category = 512
	EC_TRACEPOINT  Category = 1024
	EC_PLUGIN      Category = 2048
	EC_METAEVENT   Category = 4096
	EC_ITER        Category = 8192
	categoryLowMax Category = 0x1FF
)

// Flag is an EF_* event flag.
type Flag uint32

// Event flags.
const (
	EF_CREATES_FD        Flag = 1
	EF_DESTROYS_FD       Flag = 2
	EF_USES_FD           Flag = 4
	EF_READS_FROM_FD     Flag = 8
	EF_WRITES_TO_FD      Flag = 16
	EF_MODIFIES_STATE    Flag = 32
	EF_UNUSED            Flag = 64
	EF_WAITS             Flag = 128
	EF_SKIPPARSERESET    Flag = 256
	EF_OLD_VERSION       Flag = 512
	EF_LARGE_PAYLOAD     Flag = 2048
	EF_CONVERTER_MANAGED Flag = 4096
)

// Param describes one event parameter.
type Param struct {
	Name       string
	Type       ParamType
	Fmt        Format
	Info       string // flag table or dynamic table name
	DirfdParam int    // for PT_FSRELPATH: index of the dirfd parameter, else -1
	Flags      []FlagEntry
	Dyn        []DynEntry
}

// FlagEntry is one named value of a flag or enum table.
type FlagEntry struct {
	Name  string
	Value uint32
}

// DynEntry is one alternative of a PT_DYN parameter.
type DynEntry struct {
	Type ParamType
	Fmt  Format
}

// Event describes one event type.
type Event struct {
	ID          uint16
	Enum        string
	Name        string
	Enter       bool
	Category    Category // low category, e.g. EC_FILE or EC_IO_READ or EC_INTERNAL
	Class       Category // EC_SYSCALL, EC_TRACEPOINT, EC_METAEVENT, ...
	Flags       Flag
	Params      []Param
	FDParam     int // index of the fd parameter (EF_USES_FD), -1 if none
	Placeholder bool
}

// Has reports whether the event has flag f.
func (e *Event) Has(f Flag) bool { return e.Flags&f != 0 }

// IsLarge reports whether parameter lengths are u32 (EF_LARGE_PAYLOAD).
func (e *Event) IsLarge() bool { return e.Flags&EF_LARGE_PAYLOAD != 0 }

// ParamIndex returns the index of the named parameter, or -1.
func (e *Event) ParamIndex(name string) int {
	for i := range e.Params {
		if e.Params[i].Name == name {
			return i
		}
	}
	return -1
}

// ConverterRule is one entry of the savefile converter table.
type ConverterRule struct {
	EventID     uint16
	NParams     int
	Action      string
	DesiredType int
	Instrs      []ConverterInstr
}

// ConverterInstr produces one parameter of a converted event.
type ConverterInstr struct {
	Code     string
	ParamNum int
	Fallback bool
}

// Tables are the decoded contents of event_table.json.
var (
	// Events is indexed by event type id.
	Events []Event
	// MaxEvent is PPM_EVENT_MAX of the table (HEAD).
	MaxEvent int
	// FlagTables maps a table name to its entries in C order.
	FlagTables    map[string][]FlagEntry
	errnoNames    map[int64]string
	errnoByName   map[string]int64
	signalNames   map[uint32]string
	syscallNames  map[uint16]string
	syscallByName map[string]uint16
	// Converter maps (event id, nparams) to a converter rule.
	Converter map[[2]int]ConverterRule
	byName    map[string][]uint16
)

// ErrnoName returns the name of errno value v (positive), or "".
func ErrnoName(v int64) string { return errnoNames[v] }

// ErrnoValue returns the positive value of an errno name.
func ErrnoValue(name string) (int64, bool) { v, ok := errnoByName[name]; return v, ok }

// SignalName returns the name of signal v, or "".
func SignalName(v uint32) string { return signalNames[v] }

// SyscallName returns the lower-case name of ppm_sc code c, or "".
func SyscallName(c uint16) string {
	if n, ok := referenceSyscallNames[c]; ok {
		return n
	}
	return syscallNames[c]
}

// SyscallNames returns every name SyscallName gives.
func SyscallNames() []string {
	out := make([]string, 0, len(syscallNames)+len(referenceSyscallNames))
	for _, n := range syscallNames {
		out = append(out, n)
	}
	for _, n := range referenceSyscallNames {
		out = append(out, n)
	}
	return out
}

// SyscallCode returns the ppm_sc code of a syscall name.
func SyscallCode(name string) (uint16, bool) { c, ok := syscallByName[name]; return c, ok }

// IDsByName returns every event id with this name (enter and exit, all versions).
func IDsByName(name string) []uint16 { return byName[name] }

// Names returns every distinct event name in the table.
func Names() []string {
	out := make([]string, 0, len(byName))
	for n := range byName {
		out = append(out, n)
	}
	return out
}

type jsonTable struct {
	PPMEventMax     int `json:"ppm_event_max"`
	EventCategories []struct {
		Name  string
		Value uint32
	} `json:"event_categories"`
	EventFlags []struct {
		Name  string
		Value uint32
	} `json:"event_flags"`
	PrintFormats []struct {
		Name  string
		Value uint8
	} `json:"print_formats"`
	ParamTypes []struct {
		Name  string
		Value uint8
	} `json:"param_types"`
	FlagTables map[string][]struct {
		Name  string
		Value uint32
	} `json:"flag_tables"`
	DynamicParams map[string][]struct {
		Index int
		Type  string
		Fmt   string
	} `json:"dynamic_params"`
	Errno []struct {
		Name  string
		Value int64
	} `json:"errno"`
	Signals []struct {
		Name  string
		Value uint32
	} `json:"signals"`
	PPMSC []struct {
		Name  string
		Value uint16
	} `json:"ppm_sc"`
	Events []struct {
		ID          uint16 `json:"id"`
		Enum        string `json:"enum"`
		Name        string `json:"name"`
		Dir         string `json:"dir"`
		CategoryRaw uint32 `json:"category_raw"`
		FlagsRaw    uint32 `json:"flags_raw"`
		Placeholder bool   `json:"placeholder"`
		FDParam     *int   `json:"fd_param"`
		Params      []struct {
			Name       string  `json:"name"`
			Type       string  `json:"type"`
			Fmt        string  `json:"fmt"`
			Info       *string `json:"info"`
			DirfdParam *int    `json:"dirfd_param"`
		} `json:"params"`
	} `json:"events"`
	ConverterTable []struct {
		EventID       uint16 `json:"event_id"`
		NParams       int    `json:"nparams"`
		Action        string `json:"action"`
		DesiredTypeID *int   `json:"desired_type_id"`
		Instrs        []struct {
			Code     string `json:"code"`
			ParamNum int    `json:"param_num"`
			Flags    string `json:"flags"`
		} `json:"instrs"`
	} `json:"converter_table"`
}

func init() {
	if err := load(tableJSON); err != nil {
		panic(fmt.Sprintf("eventtable: embedded table is invalid: %v", err))
	}
	applyReferenceDifferences()
}

func load(data []byte) error {
	var t jsonTable
	if err := json.Unmarshal(data, &t); err != nil {
		return err
	}
	ptypes := map[string]ParamType{}
	for _, p := range t.ParamTypes {
		ptypes[p.Name] = ParamType(p.Value)
	}
	pfmts := map[string]Format{}
	for _, f := range t.PrintFormats {
		pfmts[f.Name] = Format(f.Value)
	}
	FlagTables = map[string][]FlagEntry{}
	for name, entries := range t.FlagTables {
		out := make([]FlagEntry, len(entries))
		for i, e := range entries {
			out[i] = FlagEntry{e.Name, e.Value}
		}
		FlagTables[name] = out
	}
	dyn := map[string][]DynEntry{}
	for name, entries := range t.DynamicParams {
		out := make([]DynEntry, len(entries))
		for i, e := range entries {
			out[i] = DynEntry{ptypes[e.Type], pfmts[e.Fmt]}
		}
		dyn[name] = out
	}
	errnoNames = map[int64]string{}
	errnoByName = map[string]int64{}
	for _, e := range t.Errno {
		errnoNames[e.Value] = e.Name
		errnoByName[e.Name] = e.Value
	}
	signalNames = map[uint32]string{}
	for _, s := range t.Signals {
		signalNames[s.Value] = s.Name
	}
	syscallNames = map[uint16]string{}
	syscallByName = map[string]uint16{}
	for _, s := range t.PPMSC {
		syscallNames[s.Value] = s.Name
		syscallByName[s.Name] = s.Value
	}
	MaxEvent = t.PPMEventMax
	Events = make([]Event, len(t.Events))
	byName = map[string][]uint16{}
	for i, je := range t.Events {
		if int(je.ID) != i {
			return fmt.Errorf("event %d out of order", je.ID)
		}
		ev := Event{
			ID: je.ID, Enum: je.Enum, Name: je.Name, Enter: je.ID%2 == 0,
			Category: Category(je.CategoryRaw) & categoryLowMax,
			Class:    Category(je.CategoryRaw) &^ categoryLowMax,
			Flags:    Flag(je.FlagsRaw), Placeholder: je.Placeholder, FDParam: -1,
		}
		if je.FDParam != nil {
			ev.FDParam = *je.FDParam
		}
		for _, jp := range je.Params {
			p := Param{Name: jp.Name, Type: ptypes[jp.Type], Fmt: pfmts[jp.Fmt], DirfdParam: -1}
			if jp.Info != nil {
				p.Info = *jp.Info
				p.Flags = FlagTables[p.Info]
				p.Dyn = dyn[p.Info]
			}
			if jp.DirfdParam != nil {
				p.DirfdParam = *jp.DirfdParam
			}
			ev.Params = append(ev.Params, p)
		}
		Events[i] = ev
		if !ev.Placeholder {
			byName[ev.Name] = append(byName[ev.Name], ev.ID)
		}
	}
	Converter = map[[2]int]ConverterRule{}
	for _, c := range t.ConverterTable {
		r := ConverterRule{EventID: c.EventID, NParams: c.NParams, Action: c.Action, DesiredType: -1}
		if c.DesiredTypeID != nil {
			r.DesiredType = *c.DesiredTypeID
		}
		for _, in := range c.Instrs {
			fb := strings.Contains(in.Flags, "CIF_FALLBACK_TO_EMPTY")
			r.Instrs = append(r.Instrs, ConverterInstr{in.Code, in.ParamNum, fb})
		}
		Converter[[2]int{int(c.EventID), c.NParams}] = r
	}
	return nil
}
