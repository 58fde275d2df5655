// Package follow answers the two questions an analyst asks about one event, as Stratoshark
// does: what went through its file descriptor ("Follow File Descriptor Stream": the data
// read and written on that fd, in order), and which events belong with it (conversation
// scopes: its thread, its process, the process and its descendants, its container, its fd).
//
// Both start from an event: the first one a display filter matches, or an event number. A
// scope is a display filter in scapql's own language (Scope.Filter), so print, query and the
// shell narrow to it through package translate like any other filter. A stream is the fd
// scope's events that carry a data buffer (the evt.buffer field), each read or write a chunk.
package follow

import (
	"errors"
	"fmt"
	"io"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// Select picks the event a stream or a scope starts from: event number Num when it is not
// zero, else the first event Match accepts (any event when Match is nil). Hidden events are
// never picked, as filters never show them.
type Select struct {
	Num   uint64
	Match func(*state.Event) bool
	// Describe names the selection in errors ("event 12", "the filter's events").
	Describe string
}

func (s Select) String() string {
	if s.Describe != "" {
		return s.Describe
	}
	if s.Num > 0 {
		return fmt.Sprintf("event %d", s.Num)
	}
	if s.Match != nil {
		return "the filter's events"
	}
	return "the capture's events"
}

// Origin is what one event tells about where it happened: the values scopes are made of.
type Origin struct {
	Capture     string
	Num         uint64 // evt.num
	TS          uint64 // evt.rawtime
	Type        string // evt.type
	TID, PID    int64  // thread.tid, proc.pid
	Proc        string // proc.name
	ContainerID string // container.id ("host" outside containers)
	// FD is fd.num, -1 when the event has no fd; FDName and FDType are fd.name and fd.type.
	FD             int64
	FDName, FDType string
	// FDFirst and FDLast bound the fd's lifetime in the process, as event numbers: the
	// events between them with this fd number are the same open file (Lifetime fills them).
	FDFirst, FDLast uint64
	// FDClosed tells that the lifetime ended in the capture (closed, or the number reused).
	FDClosed bool
}

var (
	fTID       = fields.MustLookup("thread.tid")
	fPID       = fields.MustLookup("proc.pid")
	fProc      = fields.MustLookup("proc.name")
	fContainer = fields.MustLookup("container.id")
	fFDNum     = fields.MustLookup("fd.num")
	fFDName    = fields.MustLookup("fd.name")
	fFDType    = fields.MustLookup("fd.type")
	fType      = fields.MustLookup("evt.type")
	fBuffer    = fields.MustLookup("evt.buffer")
	fRawRes    = fields.MustLookup("evt.rawres")
	fIsWrite   = fields.MustLookup("evt.is_io_write")
)

// fdNum is the event's fd.num, -1 when it has none.
func fdNum(ev *state.Event) int64 {
	if v := fFDNum.Extract(ev, ""); v.Kind == fields.KindInt {
		return v.I
	}
	return -1
}

func pid(ev *state.Event) (int64, bool) {
	v := fPID.Extract(ev, "")
	return v.I, v.Kind == fields.KindInt
}

func originOf(ev *state.Event, capture string) *Origin {
	o := &Origin{Capture: capture, Num: ev.Num, TS: ev.Raw.TS, FD: -1}
	o.Type = fType.Extract(ev, "").S
	o.TID = fTID.Extract(ev, "").I
	o.PID, _ = pid(ev)
	o.Proc = fProc.Extract(ev, "").S
	o.ContainerID = fContainer.Extract(ev, "").S
	if n := fdNum(ev); n >= 0 {
		o.FD = n
		o.FDName = fFDName.Extract(ev, "").S
		o.FDType = fFDType.Extract(ev, "").S
	}
	return o
}

// ErrNotFound is returned when no event fits the selection.
var ErrNotFound = errors.New("no event found")

// Locate reads src up to the event sel picks and returns its origin (without the fd's
// lifetime; see Lifetime). With needFD, only events that have an fd (fd.num) are picked, and
// an event number without one is an error.
func Locate(src *ingest.Source, sel Select, needFD bool) (*Origin, error) {
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name, err)
		}
		if sel.Num > 0 {
			if ev.Num < sel.Num {
				continue
			}
			if ev.Num > sel.Num || ev.Initial {
				break
			}
			if ev.Hidden {
				return nil, fmt.Errorf("%s: event %d is an internal event", src.Name, sel.Num)
			}
			if ev.Thread == nil {
				return nil, fmt.Errorf("%s: event %d (%s) has no thread", src.Name, sel.Num, fType.Extract(ev, "").S)
			}
			o := originOf(ev, src.Name)
			if needFD && o.FD < 0 {
				return nil, fmt.Errorf("%s: event %d (%s) has no file descriptor", src.Name, sel.Num, o.Type)
			}
			return o, nil
		}
		if ev.Initial || ev.Hidden || ev.Thread == nil {
			continue
		}
		if needFD && fdNum(ev) < 0 {
			continue
		}
		if sel.Match != nil && !sel.Match(ev) {
			continue
		}
		return originOf(ev, src.Name), nil
	}
	what := sel.String()
	if needFD {
		what += " with a file descriptor"
	}
	return nil, fmt.Errorf("%s: %w: %s", src.Name, ErrNotFound, what)
}

// Chunk is one read or write of a stream.
type Chunk struct {
	Num   uint64 // evt.num
	TS    uint64 // evt.rawtime
	TID   int64
	Type  string // evt.type
	Write bool   // evt.is_io_write: data the process wrote; else data it read
	Data  []byte // evt.buffer: what the capture kept of the data
	// Length is the bytes the call moved (evt.rawres of an exit); more than len(Data) when
	// the capture's snap length cut the buffer.
	Length int64
}

// Cut reports whether the capture kept less of the data than the call moved.
func (c *Chunk) Cut() bool { return c.Length > int64(len(c.Data)) }

// Stream is what went through one fd of one process during the fd's lifetime.
type Stream struct {
	Origin
	Chunks []Chunk
	Events int // the events of the lifetime, data or not
}

// DefaultMaxBytes bounds the data a stream keeps.
const DefaultMaxBytes = 256 << 20

// Lifetime reads src (from the start of the capture o came from) and returns the stream of
// o's fd: o's FDFirst, FDLast and FDClosed are set, and the chunks are the events of the
// lifetime that carry data. The lifetime is the run of the process's events on that fd
// number (proc.pid, fd.num) that see the same fd-table entry as event o.Num; a close, or
// the number given to another file, ends it. maxBytes bounds the data kept (0: the default;
// negative: no chunks are kept, only the lifetime).
func Lifetime(src *ingest.Source, o *Origin, maxBytes int64) (*Stream, error) {
	if o.FD < 0 {
		return nil, fmt.Errorf("event %d has no file descriptor", o.Num)
	}
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	st := &Stream{Origin: *o}
	var (
		cur     *state.FD
		started bool
		kept    int64
	)
	reset := func() {
		st.Chunks, st.Events, kept = st.Chunks[:0], 0, 0
	}
	for {
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.Name, err)
		}
		if ev.Initial || ev.Hidden || ev.Thread == nil {
			continue
		}
		if p, ok := pid(ev); !ok || p != o.PID || fdNum(ev) != o.FD {
			continue
		}
		entry, _, _, _ := fields.EventFD(ev)
		if !started || entry != cur {
			if started && ev.Num > o.Num {
				st.FDClosed = true
				break // the number now names another file
			}
			reset()
			cur, started = entry, true
			st.FDFirst = ev.Num
		}
		st.FDLast = ev.Num
		st.Events++
		if maxBytes < 0 {
			continue
		}
		if v := fBuffer.Extract(ev, ""); v.Kind == fields.KindString && v.S != "" {
			c := Chunk{Num: ev.Num, TS: ev.Raw.TS, TID: ev.Thread.Tid, Type: fType.Extract(ev, "").S,
				Write: fIsWrite.Extract(ev, "").I != 0, Data: []byte(v.S), Length: int64(len(v.S))}
			if r := fRawRes.Extract(ev, ""); r.Kind == fields.KindInt && r.I > c.Length {
				c.Length = r.I
			}
			kept += int64(len(c.Data))
			if kept > maxBytes {
				return nil, fmt.Errorf("%s: the stream of fd %d of process %d holds more than %d bytes (--max-bytes)", src.Name, o.FD, o.PID, maxBytes)
			}
			st.Chunks = append(st.Chunks, c)
		}
	}
	if !started || st.FDFirst > o.Num {
		return nil, fmt.Errorf("%s: event %d not found on a second reading", src.Name, o.Num)
	}
	return st, nil
}

// Opener opens the capture again for another pass.
type Opener func() (*ingest.Source, error)

// Find locates the event sel picks in the capture open gives and, for the fd scope (or
// withLifetime), reads the capture again for the fd's lifetime and stream.
func Find(open Opener, sel Select, needFD, withLifetime bool, maxBytes int64) (*Stream, error) {
	src, err := open()
	if err != nil {
		return nil, err
	}
	o, err := Locate(src, sel, needFD)
	src.Close()
	if err != nil {
		return nil, err
	}
	if !withLifetime || o.FD < 0 {
		return &Stream{Origin: *o}, nil
	}
	if src, err = open(); err != nil {
		return nil, err
	}
	defer src.Close()
	return Lifetime(src, o, maxBytes)
}

// Turns counts the changes of direction between consecutive chunks.
func (s *Stream) Turns() int {
	n := 0
	for i := 1; i < len(s.Chunks); i++ {
		if s.Chunks[i].Write != s.Chunks[i-1].Write {
			n++
		}
	}
	return n
}

// Totals sums the chunks per direction (0 read, 1 written): count, bytes kept, bytes moved.
func (s *Stream) Totals() (chunks, kept, moved [2]int64) {
	for i := range s.Chunks {
		c := &s.Chunks[i]
		d := 0
		if c.Write {
			d = 1
		}
		chunks[d]++
		kept[d] += int64(len(c.Data))
		moved[d] += c.Length
	}
	return
}
