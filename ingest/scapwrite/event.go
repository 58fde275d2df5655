package scapwrite

import (
	"fmt"
	"math"
	"net/netip"

	et "github.com/scapql/scapql/ingest/eventtable"
)

// Event record header sizes (FORMAT.md §2.1).
const (
	headerV2 = 26 // ts, tid, len, type, nparams
	headerV1 = 22 // the same without nparams
)

// EventOptions chooses the block kind and record layout of an event.
type EventOptions struct {
	// Flags are the dump flags (FlagStateOnly, ...). Non-zero selects an EVF
	// block (0x217, or 0x222 when large).
	Flags uint32
	// EVF forces an EVF block even when Flags is 0.
	EVF bool
	// Large selects EV_V2_LARGE / EVF_V2_LARGE (0x221/0x222). An event whose
	// block body exceeds libscap's 64 KiB limit gets a LARGE block anyway.
	Large bool
	// V1 writes the old 22-byte header without nparams in an EV (0x204) or
	// EVF (0x208) block. V1 and Large are exclusive.
	V1 bool
	// LengthWidth is the byte width of each parameter length: 0 picks it
	// from the type (4 for EF_LARGE_PAYLOAD types, else 2), as readers do;
	// 2 or 4 overrides it (to build malformed records).
	LengthWidth int
	// BlockOptions are pcapng options written after the event's padding
	// (readers must bound the record by its own len).
	BlockOptions []BlockOption
}

// blockType returns the event block id for the options and size.
func (o EventOptions) blockType(large bool) uint32 {
	flagged := o.Flags != 0 || o.EVF
	switch {
	case o.V1 && flagged:
		return BlockEVF
	case o.V1:
		return BlockEV
	case large && flagged:
		return BlockEVFv2Large
	case large:
		return BlockEVv2Large
	case flagged:
		return BlockEVFv2
	}
	return BlockEVv2
}

// WriteEvent writes one event with the writer's default EventOptions.
// params are the encoded parameter values in table order (see U32, CharBuf,
// Socktuple, ...); a nil or empty slice is an empty parameter. tid -1 is
// used by some meta events.
func (w *Writer) WriteEvent(ts uint64, tid int64, cpu uint16, typeID uint16, params ...[]byte) error {
	return w.WriteEventOpts(w.defEv, ts, tid, cpu, typeID, params...)
}

// WriteEventOpts writes one event with explicit options.
func (w *Writer) WriteEventOpts(o EventOptions, ts uint64, tid int64, cpu uint16, typeID uint16, params ...[]byte) error {
	e := w.Begin(ts, tid, cpu, typeID)
	for _, p := range params {
		e.Raw(p)
	}
	return e.EndWith(o)
}

// Event builds one event's parameters in place; get it from Writer.Begin,
// add parameters in table order, then call End. The builder is reused by
// the next Begin, so it allocates nothing in steady state.
type Event struct {
	w    *Writer
	ts   uint64
	tid  int64
	cpu  uint16
	typ  uint16
	lens []uint32
	vals []byte
}

// Begin starts an event. Only one event can be in progress per Writer.
func (w *Writer) Begin(ts uint64, tid int64, cpu uint16, typeID uint16) *Event {
	e := &w.ev
	e.ts, e.tid, e.cpu, e.typ = ts, tid, cpu, typeID
	e.lens = e.lens[:0]
	e.vals = e.vals[:0]
	return e
}

// mark records the length of the parameter that started at start.
func (e *Event) mark(start int) *Event {
	e.lens = append(e.lens, uint32(len(e.vals)-start))
	return e
}

// Raw adds an already encoded parameter.
func (e *Event) Raw(p []byte) *Event {
	s := len(e.vals)
	e.vals = append(e.vals, p...)
	return e.mark(s)
}

// Empty adds a zero-length parameter.
func (e *Event) Empty() *Event { return e.mark(len(e.vals)) }

// U8 adds a one-byte parameter.
func (e *Event) U8(v uint8) *Event {
	s := len(e.vals)
	e.vals = append(e.vals, v)
	return e.mark(s)
}

// U16 adds a two-byte parameter.
func (e *Event) U16(v uint16) *Event {
	s := len(e.vals)
	e.vals = appendU16(e.vals, v)
	return e.mark(s)
}

// U32 adds a four-byte parameter.
func (e *Event) U32(v uint32) *Event {
	s := len(e.vals)
	e.vals = appendU32(e.vals, v)
	return e.mark(s)
}

// U64 adds an eight-byte parameter.
func (e *Event) U64(v uint64) *Event {
	s := len(e.vals)
	e.vals = appendU64(e.vals, v)
	return e.mark(s)
}

// I32 adds a PT_INT32 parameter.
func (e *Event) I32(v int32) *Event { return e.U32(uint32(v)) }

// I64 adds a PT_INT64 parameter.
func (e *Event) I64(v int64) *Event { return e.U64(uint64(v)) }

// Errno adds a PT_ERRNO parameter.
func (e *Event) Errno(v int64) *Event { return e.U64(uint64(v)) }

// FD adds a PT_FD parameter.
func (e *Event) FD(v int64) *Event { return e.U64(uint64(v)) }

// PID adds a PT_PID parameter.
func (e *Event) PID(v int64) *Event { return e.U64(uint64(v)) }

// Double adds a PT_DOUBLE parameter.
func (e *Event) Double(v float64) *Event { return e.U64(math.Float64bits(v)) }

// CharBuf adds a NUL-terminated string parameter.
func (e *Event) CharBuf(s string) *Event {
	st := len(e.vals)
	e.vals = AppendCharBuf(e.vals, s)
	return e.mark(st)
}

// Bytes adds a PT_BYTEBUF parameter.
func (e *Event) Bytes(b []byte) *Event { return e.Raw(b) }

// StringList adds a NUL-separated list parameter (args, env, cgroups).
func (e *Event) StringList(ss ...string) *Event {
	st := len(e.vals)
	e.vals = AppendStringList(e.vals, ss...)
	return e.mark(st)
}

// Sockaddr adds an IPv4/IPv6 PT_SOCKADDR parameter.
func (e *Event) Sockaddr(ap netip.AddrPort) *Event {
	s := len(e.vals)
	e.vals = AppendSockaddr(e.vals, ap)
	return e.mark(s)
}

// SockaddrUnix adds a unix PT_SOCKADDR parameter.
func (e *Event) SockaddrUnix(path string) *Event {
	s := len(e.vals)
	e.vals = AppendSockaddrUnix(e.vals, path)
	return e.mark(s)
}

// Socktuple adds an IPv4/IPv6 PT_SOCKTUPLE parameter.
func (e *Event) Socktuple(src, dst netip.AddrPort) *Event {
	s := len(e.vals)
	e.vals = AppendSocktuple(e.vals, src, dst)
	return e.mark(s)
}

// SocktupleUnix adds a unix PT_SOCKTUPLE parameter.
func (e *Event) SocktupleUnix(src, dst uint64, path string) *Event {
	s := len(e.vals)
	e.vals = AppendSocktupleUnix(e.vals, src, dst, path)
	return e.mark(s)
}

// FDList adds a PT_FDLIST parameter.
func (e *Event) FDList(fds ...PollFD) *Event {
	s := len(e.vals)
	e.vals = AppendFDList(e.vals, fds...)
	return e.mark(s)
}

// NParams returns the number of parameters added so far.
func (e *Event) NParams() int { return len(e.lens) }

// End writes the event with the writer's default options.
func (e *Event) End() error { return e.EndWith(e.w.defEv) }

// EndWith writes the event with explicit options.
func (e *Event) EndWith(o EventOptions) error {
	w := e.w
	if err := w.check(); err != nil {
		return err
	}
	width := o.LengthWidth
	if width == 0 {
		width = 2
		if largePayload(e.typ) {
			width = 4
		}
	}
	if width != 2 && width != 4 {
		return fmt.Errorf("scapwrite: event type %d: length width %d, want 2 or 4", e.typ, width)
	}
	if width == 2 {
		for i, l := range e.lens {
			if l > math.MaxUint16 {
				return fmt.Errorf("scapwrite: event type %d: param %d is %d bytes, over the u16 length limit", e.typ, i, l)
			}
		}
	}
	hdr := headerV2
	if o.V1 {
		hdr = headerV1
	}
	recLen := hdr + len(e.lens)*width + len(e.vals)
	prefix := 2 // cpu
	if o.Flags != 0 || o.EVF {
		prefix += 4
	}
	large := o.Large
	if prefix+recLen > maxEventBody {
		if o.V1 {
			return fmt.Errorf("scapwrite: event type %d: %d-byte v1 record over the 64 KiB block limit", e.typ, recLen)
		}
		large = true
	}
	if large && o.V1 {
		return fmt.Errorf("scapwrite: event type %d: V1 and Large are exclusive", e.typ)
	}

	b := w.scratch[:0]
	b = appendU32(b, o.blockType(large))
	b = appendU32(b, 0) // patched by finishBlock
	b = appendU16(b, e.cpu)
	if prefix == 6 {
		b = appendU32(b, o.Flags)
	}
	b = appendU64(b, e.ts)
	b = appendU64(b, uint64(e.tid))
	b = appendU32(b, uint32(recLen))
	b = appendU16(b, e.typ)
	if !o.V1 {
		b = appendU32(b, uint32(len(e.lens)))
	}
	for _, l := range e.lens {
		if width == 2 {
			b = appendU16(b, uint16(l))
		} else {
			b = appendU32(b, l)
		}
	}
	b = append(b, e.vals...)
	b = appendPad4(b, prefix+recLen)
	b = appendOptions(b, o.BlockOptions)
	b = w.finishBlock(b)
	w.scratch = b
	w.nEvents++
	return w.write(b)
}

// AppendEventRecord appends a v2 event record (header, lengths of the given
// width, values) to dst, with nothing checked. Use it with WriteRecord to
// build records the builder refuses to write.
func AppendEventRecord(dst []byte, ts uint64, tid int64, typeID uint16, width int, params ...[]byte) []byte {
	n := 0
	for _, p := range params {
		n += len(p)
	}
	dst = appendU64(dst, ts)
	dst = appendU64(dst, uint64(tid))
	dst = appendU32(dst, uint32(headerV2+len(params)*width+n))
	dst = appendU16(dst, typeID)
	dst = appendU32(dst, uint32(len(params)))
	for _, p := range params {
		if width == 4 {
			dst = appendU32(dst, uint32(len(p)))
		} else {
			dst = appendU16(dst, uint16(len(p)))
		}
	}
	for _, p := range params {
		dst = append(dst, p...)
	}
	return dst
}

// WriteRecord wraps an already encoded event record in an event block chosen
// by o (Flags/EVF, Large, V1; LengthWidth is ignored). The record is written
// as given, so it may be inconsistent on purpose.
func (w *Writer) WriteRecord(o EventOptions, cpu uint16, record []byte) error {
	if err := w.check(); err != nil {
		return err
	}
	b := w.scratch[:0]
	b = appendU32(b, o.blockType(o.Large))
	b = appendU32(b, 0)
	b = appendU16(b, cpu)
	prefix := 2
	if o.Flags != 0 || o.EVF {
		b = appendU32(b, o.Flags)
		prefix += 4
	}
	b = append(b, record...)
	b = appendPad4(b, prefix+len(record))
	b = appendOptions(b, o.BlockOptions)
	b = w.finishBlock(b)
	w.scratch = b
	w.nEvents++
	return w.write(b)
}

// largePayload reports the types whose parameter lengths are u32 (EF_LARGE_PAYLOAD), which
// depends on the type, never on the block.
func largePayload(t uint16) bool { return int(t) < len(et.Events) && et.Events[t].IsLarge() }
