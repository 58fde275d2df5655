package columnar

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// The compact layout stores the events table in three tables, so that the values a process
// or an fd keeps from event to event are stored once rather than on every row:
//
//   - event_rows: one row per event with the members that change from event to event (evt,
//     syscall, and perEventMembers in the structs proc_now, thread_now, fd_now) and the ids
//     of its thread state and fd state;
//   - thread_states: one row per distinct state of a thread as its events see it (the proc,
//     thread, user, group and container members);
//   - fd_states: one row per distinct state of an fd (the other fd members).
//
// The events table is their join (a view in DuckDB, see engine): the same rows and values
// as the wide table, which package columnar's tests check member by member.

// Names of the compact layout's tables and their id columns.
const (
	RowsTable         = "event_rows"
	ThreadStatesTable = "thread_states"
	FDStatesTable     = "fd_states"
	ThreadStateID     = "thread_state"
	FDStateID         = "fd_state"
)

// Part says which table of the compact layout stores a member.
type Part uint8

// The parts of the compact layout.
const (
	PartEvent  Part = iota // event_rows
	PartThread             // thread_states
	PartFD                 // fd_states
)

// perEventMembers are the members of the thread and fd structs that change between two
// events of the same thread state or fd state.
var perEventMembers = map[string]bool{
	"proc.duration": true, "proc.fdopencount": true, "fd.num": true, "fd.name_changed": true,
	// the thread id and the thread's container: an fd state is shared by the threads of a
	// process, and a missing fd's state by every thread
	"fd.uid": true, "fd.containername": true, "fd.containerdirectory": true,
	"thread.tid": true, // thread-less events carry their own
	// memory and page faults: every context switch updates them
	"thread.pfmajor": true, "thread.pfminor": true, "thread.vmsize": true, "thread.vmrss": true,
	"proc.vmsize": true, "proc.vmrss": true, "proc.vmswap": true,
}

// PartOf is the table of the compact layout that stores the member.
func PartOf(c *Column) Part {
	switch {
	case c.Struct == "evt" || c.Struct == "syscall" || perEventMembers[c.Field]:
		return PartEvent
	case c.Struct == "fd":
		return PartFD
	}
	return PartThread
}

// NowSuffix names the structs of event_rows that hold the per-event members of proc, thread
// and fd (proc_now.duration): apart from the states' proc, thread and fd, so that a query over
// the joined tables names each member without ambiguity.
const NowSuffix = "_now"

// CompactColumns splits the events members by part, each in table order. The per-event
// members of proc, thread and fd move to the structs proc_now, thread_now and fd_now.
var CompactColumns = sync.OnceValue(func() [3][]Column {
	var out [3][]Column
	for _, c := range EventColumns() {
		p := PartOf(&c)
		c.Struct = StoredStruct(&c)
		out[p] = append(out[p], c)
	}
	return out
})

// StoredStruct is the struct of the compact layout that stores a member of the events table.
func StoredStruct(c *Column) string {
	if PartOf(c) == PartEvent && c.Struct != "evt" && c.Struct != "syscall" {
		return c.Struct + NowSuffix
	}
	return c.Struct
}

// CompactSchema is the Arrow schema of a table of the compact layout.
func CompactSchema(table string) *arrow.Schema {
	cols := CompactColumns()
	switch table {
	case RowsTable:
		return withIDs(schemaOf(cols[PartEvent]), []string{ThreadStateID, FDStateID})
	case ThreadStatesTable:
		return withIDs(schemaOf(cols[PartThread]), []string{"id"})
	case FDStatesTable:
		return withIDs(schemaOf(cols[PartFD]), []string{"id"})
	}
	return nil
}

// snapMax bounds the states remembered per thread or fd: past it they are forgotten (a
// forgotten state only costs a new row when it is seen again).
const snapMax = 1 << 16

// CompactBuilder builds the batches of the compact layout's three tables.
type CompactBuilder struct {
	rows, threads, fds *EventBuilder
	ctx                *rowCtx

	threadSnaps map[*state.Thread]*threadSnap
	fdSnaps     map[*state.FD]*fdSnap
	ownSnaps    map[ownKey]int64
	nilThread   int64 // state id of events without a thread, -1 until one is seen
	// The snapshots of the last thread and fd seen (consecutive events often share them),
	// which spare a map look-up.
	lastThread   *threadSnap
	lastThreadOf *state.Thread
	lastFD       *fdSnap
	lastFDOf     *state.FD
	next         int64 // next state id (thread and fd states share the sequence)
	key          []word
}

type threadSnap struct {
	key []word
	id  int64
}

// ownKey identifies the fd state of an event whose fd fields read the event itself.
type ownKey struct {
	info *eventtable.Event
	fd   state.FD // zero when no fd
	name string
}

type fdSnap struct {
	val state.FD
	id  int64
}

// NewCompactBuilder returns a builder of the compact tables whose state ids start at
// firstID (ids must be unique among the captures loaded into one database).
func NewCompactBuilder(capture string, batchRows int, firstID int64) *CompactBuilder {
	return newCompactBuilder(capture, batchRows, firstID, nil)
}

// newCompactBuilder builds event_rows in the file encoding (rowsfile.go) when kinds is set.
func newCompactBuilder(capture string, batchRows int, firstID int64, kinds *EventKinds) *CompactBuilder {
	cols := CompactColumns()
	rowCols := cols[PartEvent]
	if kinds != nil {
		rowCols = EncodedRowsColumns()
	}
	b := &CompactBuilder{threadSnaps: map[*state.Thread]*threadSnap{}, fdSnaps: map[*state.FD]*fdSnap{},
		ownSnaps:  map[ownKey]int64{},
		nilThread: -1, next: firstID}
	b.rows = newBuilder(rowCols, []string{ThreadStateID, FDStateID}, capture, batchRows, nil)
	b.ctx = &b.rows.ctx
	b.ctx.kinds = kinds
	b.threads = newBuilder(cols[PartThread], []string{"id"}, capture, batchRows, &b.ctx.memo)
	b.fds = newBuilder(cols[PartFD], []string{"id"}, capture, batchRows, &b.ctx.memo)
	return b
}

// forgetStates makes the next events' states new rows, numbered from 0 (WideBuilder's
// batches hold the states their rows see).
func (b *CompactBuilder) forgetStates() {
	clear(b.threadSnaps)
	clear(b.fdSnaps)
	clear(b.ownSnaps)
	b.nilThread, b.next = -1, 0
	b.lastThread, b.lastThreadOf, b.lastFD, b.lastFDOf = nil, nil, nil, nil
}

// NextID is the first state id not used yet.
func (b *CompactBuilder) NextID() int64 { return b.next }

// SetCapture changes the capture name of the rows that follow.
func (b *CompactBuilder) SetCapture(name string) {
	b.rows.SetCapture(name)
	b.threads.SetCapture(name)
	b.fds.SetCapture(name)
}

// appendWith adds the event, c begun for it.
func (b *CompactBuilder) appendWith(c *rowCtx, ev *state.Event) {
	tid := b.threadState(c, ev)
	fid := b.fdState(c, ev)
	b.rows.SetIDs(tid, fid)
	b.rows.appendWith(c, ev)
}

// Append adds one event (see EventBuilder.Append).
func (b *CompactBuilder) Append(ev *state.Event) {
	b.ctx.begin(ev)
	b.appendWith(b.ctx, ev)
}

func (b *CompactBuilder) newState(sb *EventBuilder, c *rowCtx, ev *state.Event) int64 {
	id := b.next
	b.next++
	sb.SetIDs(id)
	sb.appendWith(c, ev)
	return id
}

// threadState returns the id of the thread state the event sees, adding a row when it is new.
func (b *CompactBuilder) threadState(c *rowCtx, ev *state.Event) int64 {
	t := ev.Thread
	if t == nil {
		if b.nilThread < 0 {
			b.nilThread = b.newState(b.threads, c, ev)
		}
		return b.nilThread
	}
	key, ok := threadKey(b.key[:0], ev.Engine(), t)
	b.key = key
	s := b.lastThread
	if s == nil || b.lastThreadOf != t {
		s = b.threadSnaps[t]
	}
	if ok && s != nil && equalWords(s.key, key) {
		b.lastThread, b.lastThreadOf = s, t
		return s.id
	}
	id := b.newState(b.threads, c, ev)
	if !ok {
		return id
	}
	if s == nil {
		if len(b.threadSnaps) >= snapMax {
			clear(b.threadSnaps)
		}
		s = &threadSnap{}
		b.threadSnaps[t] = s
	}
	s.key = append(s.key[:0], key...)
	s.id = id
	b.lastThread, b.lastThreadOf = s, t
	return id
}

// fdState returns the id of the fd state the event sees (-1: it has no fd fields).
func (b *CompactBuilder) fdState(c *rowCtx, ev *state.Event) int64 {
	fd, ok, own, name := fields.EventFD(ev)
	if !ok {
		return -1
	}
	if own {
		k := ownKey{info: ev.Info, name: name}
		if fd != nil {
			k.fd = *fd
		}
		if id, ok := b.ownSnaps[k]; ok {
			return id
		}
		if len(b.ownSnaps) >= snapMax {
			clear(b.ownSnaps)
		}
		id := b.newState(b.fds, c, ev)
		b.ownSnaps[k] = id
		return id
	}
	s := b.lastFD
	if s == nil || b.lastFDOf != fd {
		s = b.fdSnaps[fd]
	}
	if s != nil && s.val == *fd {
		b.lastFD, b.lastFDOf = s, fd
		return s.id
	}
	id := b.newState(b.fds, c, ev)
	if s == nil {
		if len(b.fdSnaps) >= snapMax {
			clear(b.fdSnaps)
		}
		s = &fdSnap{}
		b.fdSnaps[fd] = s
	}
	s.val, s.id = *fd, id
	b.lastFD, b.lastFDOf = s, fd
	return id
}

// each calls f with the three tables' builders in order.
func (b *CompactBuilder) each(f func(table string, eb *EventBuilder) error) error {
	for _, x := range []struct {
		name string
		eb   *EventBuilder
	}{{RowsTable, b.rows}, {ThreadStatesTable, b.threads}, {FDStatesTable, b.fds}} {
		if err := f(x.name, x.eb); err != nil {
			return err
		}
	}
	return nil
}

// Flush cuts the tables whose pending rows make a batch (all: every table with rows) and
// hands each batch to write, which must not keep it past its return without retaining it.
func (b *CompactBuilder) Flush(all bool, write func(table string, rec arrow.RecordBatch) error) error {
	return b.each(func(table string, eb *EventBuilder) error {
		if eb.Len() == 0 || !all && !eb.Full() {
			return nil
		}
		rec := eb.NewRecord()
		defer rec.Release()
		return write(table, rec)
	})
}
