package columnar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// Sink receives the batches of each table as they fill. The batch is released after Write
// returns; a sink that keeps it must Retain it.
type Sink interface {
	Write(table string, rec arrow.RecordBatch) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(table string, rec arrow.RecordBatch) error

// Write calls f.
func (f SinkFunc) Write(table string, rec arrow.RecordBatch) error { return f(table, rec) }

// ReadOptions tune ReadCapture.
type ReadOptions struct {
	// Capture is the value of the capture column; default: the path as given ("stdin" for -).
	Capture string
	// Tables selects the tables to build (nil: all). Side tables cost little next to events.
	Tables []string
	// Members projects the events table onto these members (see SelectColumns); nil: all.
	Members []string
	// FirstStateID is the first id of the compact layout's states: ids must not repeat among
	// the captures of one database (CaptureStats.NextStateID tells where the next may start).
	FirstStateID int64
	// Kinds, when set, makes event_rows in the file encoding (EncodedRowsSchema), its event
	// kinds numbered in Kinds (share one among the captures of a conversion).
	Kinds *EventKinds
	// DictStates builds the whole events table (no Members) in DictEventSchema, through
	// WideBuilder: much faster, for writers that take dictionaries (Parquet).
	DictStates bool
	// Keep, when set, keeps in the events table only the events it is true for (the state is
	// still rebuilt from every event).
	Keep func(ev *state.Event) bool
	// Observe, when set, is called with every event but the leading container ones, after
	// it is built (another reader's work done in the same pass: the report's detections).
	Observe func(ev *state.Event) error
	// MemberEvents, when set, names for some of Members the events that need them: the
	// member is NULL on the others, which spares building it (the member of a selective
	// question, built in the same pass as others' members for every event).
	MemberEvents map[string]EventSets
	// BatchRows caps the rows of a batch (0: DefaultBatchRows).
	BatchRows int
	Ingest    ingest.Options
	// Progress, when set, is called now and then with the bytes of the file read so far.
	Progress func(read int64)
	Mem      memory.Allocator
}

// CaptureStats summarises a capture that was read.
type CaptureStats struct {
	Capture        string
	Events, Hidden uint64 // rows written to events, and how many of them are hidden
	Skipped        uint64 // numbered but not stored: leading container events
	Dropped        uint64
	FirstTS        uint64
	LastTS         uint64
	NextStateID    int64 // the first state id the capture did not use
	// Drops are the events the capturing machine lost, per CPU, from the capture's drop
	// records (scap.DropRecord); nil when it has none.
	Drops []uint64
}

// CaptureName is the capture column value for a path.
func CaptureName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return filepath.Clean(path)
}

type reader struct {
	sink      Sink
	capture   string
	want      map[string]bool
	mem       memory.Allocator
	batchRows int
	ctx       *rowCtx
}

func (r *reader) emit(b *flatBuilder) error {
	rec := b.cut()
	defer rec.Release()
	if err := r.sink.Write(b.table.Name, rec); err != nil {
		return fmt.Errorf("table %s: %w", b.table.Name, err)
	}
	return nil
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// ReadCapture reads a capture ("-" for standard input) and hands the batches of the selected
// tables to sink. Events are extracted as the reader delivers them, so memory stays bounded by
// the batch size and the live state, whatever the capture's size.
func ReadCapture(ctx context.Context, path string, sink Sink, opts ReadOptions) (*CaptureStats, error) {
	r := &reader{sink: sink, capture: opts.Capture, mem: opts.Mem, batchRows: opts.BatchRows, want: map[string]bool{}}
	if r.capture == "" {
		r.capture = CaptureName(path)
	}
	if r.mem == nil {
		r.mem = memory.DefaultAllocator
	}
	if r.batchRows <= 0 {
		r.batchRows = DefaultBatchRows
	}
	if opts.Tables == nil {
		for _, t := range Tables {
			r.want[t.Name] = true
		}
	}
	for _, n := range opts.Tables {
		if _, ok := LookupTable(n); !ok {
			return nil, fmt.Errorf("unknown table %q (tables: %v)", n, TableNames())
		}
		r.want[n] = true
	}

	var file *os.File
	var info os.FileInfo
	if path == "-" {
		file = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		file = f
		if info, err = f.Stat(); err != nil {
			return nil, err
		}
	}
	cr := &countingReader{r: file}
	src, err := ingest.NewSource(cr, path, opts.Ingest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	defer src.Close()

	var eb *EventBuilder
	var wb *WideBuilder
	if r.want["events"] && opts.DictStates && opts.Members == nil {
		wb = NewWideBuilder(r.capture, r.batchRows)
		r.ctx = wb.cb.ctx
	} else if r.want["events"] {
		cols := EventColumns()
		if opts.Members != nil {
			if cols, err = SelectColumns(opts.Members); err != nil {
				return nil, err
			}
		}
		eb = NewProjectedBuilder(cols, r.capture, r.batchRows)
		eb.restrict(cols, opts.MemberEvents)
		defer eb.Release()
		r.ctx = &eb.ctx // the side tables share the rendered parameters
	}
	var cb *CompactBuilder
	if r.want[RowsTable] || r.want[ThreadStatesTable] || r.want[FDStatesTable] {
		if eb != nil || wb != nil {
			return nil, errors.New("the events table and the compact layout are built apart")
		}
		cb = newCompactBuilder(r.capture, r.batchRows, opts.FirstStateID, opts.Kinds)
		r.ctx = cb.ctx
	}
	if r.ctx == nil {
		r.ctx = &rowCtx{}
		r.ctx.init()
	}
	var sd sides
	sd.init(r)
	defer sd.release()
	sd.start(src.Engine())

	st := &CaptureStats{Capture: r.capture}
	flushEvents := func() error {
		var rec arrow.RecordBatch
		if wb != nil {
			var err error
			if rec, err = wb.NewRecord(); err != nil {
				return fmt.Errorf("table events: %w", err)
			}
		} else {
			rec = eb.NewRecord()
		}
		defer rec.Release()
		if err := sink.Write("events", rec); err != nil {
			return fmt.Errorf("table events: %w", err)
		}
		return nil
	}
	// flushCompact cuts the compact tables that are full (all: every one with rows).
	flushCompact := func(all bool) error {
		return cb.Flush(all, func(table string, rec arrow.RecordBatch) error {
			if !r.want[table] {
				return nil
			}
			if err := sink.Write(table, rec); err != nil {
				return fmt.Errorf("table %s: %w", table, err)
			}
			return nil
		})
	}
	for n := 0; ; n++ {
		if n&0xFFF == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if opts.Progress != nil {
				opts.Progress(cr.n)
			}
		}
		ev, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if n, ok := scap.DropRecord(ev.Raw); ok {
			for int(ev.Raw.CPU) >= len(st.Drops) {
				st.Drops = append(st.Drops, 0)
			}
			st.Drops[ev.Raw.CPU] += n
		}
		if ev.Initial {
			// Leading container events only describe containers (the containers table);
			// no output of the reference shows them.
			st.Skipped++
			continue
		}
		st.Events++
		if ev.Hidden {
			st.Hidden++
		}
		if ts := ev.Raw.TS; ts != 0 {
			if st.FirstTS == 0 {
				st.FirstTS = ts
			}
			st.LastTS = ts
		}
		c := r.ctx
		c.begin(ev)
		if eb != nil && (opts.Keep == nil || opts.Keep(ev)) {
			eb.appendWith(c, ev)
			if eb.Full() {
				if err := flushEvents(); err != nil {
					return nil, err
				}
			}
		}
		if wb != nil {
			wb.appendWith(c, ev)
			if wb.Full() {
				if err := flushEvents(); err != nil {
					return nil, err
				}
			}
		}
		if cb != nil {
			cb.appendWith(c, ev)
			if cb.rows.rows&1023 == 0 {
				if err := flushCompact(false); err != nil {
					return nil, err
				}
			}
		}
		if err := sd.observe(c, ev); err != nil {
			return nil, err
		}
		if opts.Observe != nil {
			if err := opts.Observe(ev); err != nil {
				return nil, err
			}
		}
	}
	if eb != nil && eb.Len() > 0 || wb != nil && wb.Len() > 0 {
		if err := flushEvents(); err != nil {
			return nil, err
		}
	}
	if cb != nil {
		if err := flushCompact(true); err != nil {
			return nil, err
		}
		st.NextStateID = cb.NextID()
	}
	if err := sd.finish(); err != nil {
		return nil, err
	}
	eng := src.Engine()
	st.Dropped = eng.Dropped
	if err := r.writeMeta(eng, src, st, path, info); err != nil {
		return nil, err
	}
	if opts.Progress != nil {
		opts.Progress(cr.n)
	}
	return st, nil
}

// writeMeta writes the tables that describe the capture as a whole.
func (r *reader) writeMeta(eng *state.Engine, src *ingest.Source, st *CaptureStats, path string, info os.FileInfo) error {
	var errs []error
	table := func(name string, fill func(b *flatBuilder)) {
		if !r.want[name] {
			return
		}
		t, _ := LookupTable(name)
		b := newFlatBuilder(r.mem, t, 0)
		defer b.release()
		fill(b)
		if b.rows > 0 {
			errs = append(errs, r.emit(b))
		}
	}
	table("users", func(b *flatBuilder) {
		for _, uid := range sortedKeys(eng.Users) {
			u := eng.Users[uid]
			b.str(r.capture)
			b.i64(int64(u.UID))
			b.i64(int64(u.GID))
			b.str(u.Name)
			b.str(u.Home)
			b.str(u.Shell)
			b.endRow()
		}
	})
	table("groups", func(b *flatBuilder) {
		for _, gid := range sortedKeys(eng.Groups) {
			g := eng.Groups[gid]
			b.str(r.capture)
			b.i64(int64(g.GID))
			b.str(g.Name)
			b.endRow()
		}
	})
	table("interfaces", func(b *flatBuilder) {
		for _, it := range eng.Interfaces {
			w, fam := 4, "ipv4"
			if it.IPv6 {
				w, fam = 16, "ipv6"
			}
			b.str(r.capture)
			b.str(it.Name)
			b.str(fam)
			b.str(state.IPString(it.Addr[:w]))
			b.str(state.IPString(it.Netmask[:w]))
			b.str(state.IPString(it.Bcast[:w]))
			b.i64(int64(it.LinkSpeed))
			b.endRow()
		}
	})
	table("containers", func(b *flatBuilder) {
		ids := make([]string, 0, len(eng.Containers))
		for id := range eng.Containers {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			c := eng.Containers[id]
			b.str(r.capture)
			b.str(c.ID)
			b.str(c.Name)
			b.str(c.Image)
			b.str(c.ImageID)
			b.str(c.Type)
			if c.Privileged != nil {
				b.boolean(*c.Privileged)
			} else {
				b.null()
			}
			b.str(c.ImageRepo)
			b.str(c.ImageTag)
			b.str(c.ImageDigest)
			b.endRow()
		}
	})
	table("captures", func(b *flatBuilder) {
		b.str(r.capture)
		if info != nil {
			abs, err := filepath.Abs(path)
			b.strOrNull(abs, err == nil)
			b.i64(info.Size())
			b.ts(uint64(info.ModTime().UnixNano()))
		} else {
			b.null()
			b.null()
			b.null()
		}
		if m := eng.Machine; m != nil {
			b.str(m.Hostname)
			b.i64(int64(m.NumCPUs))
			b.i64(int64(m.MemoryBytes))
			b.ts(m.BootTS)
		} else {
			b.null()
			b.null()
			b.null()
			b.null()
		}
		b.ts(st.FirstTS)
		b.ts(st.LastTS)
		b.i64(int64(st.Events))
		b.i64(int64(st.Hidden))
		b.i64(int64(st.Skipped))
		b.i64(int64(st.Dropped))
		b.i64(int64(src.Metadata().UnknownBlocks))
		b.ts(uint64(time.Now().UnixNano()))
		if st.Drops != nil {
			var total int64
			per := make([]int64, len(st.Drops))
			for i, n := range st.Drops {
				per[i] = int64(n)
				total += int64(n)
			}
			b.i64(total)
			b.i64s(per)
		} else {
			b.null()
			b.null()
		}
		b.endRow()
	})
	return errors.Join(errs...)
}

func sortedKeys[V any](m map[uint32]V) []uint32 {
	out := make([]uint32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
