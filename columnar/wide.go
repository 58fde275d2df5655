package columnar

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scapql/scapql/ingest/state"
)

// The wide events table for Parquet files is built through the compact layout: each batch's
// thread and fd states are extracted once per state rather than once per event, and the
// members they hold become Arrow dictionaries indexed by state. pqarrow writes a dictionary
// array as the column chunk's dictionary page plus the indices, so it no longer hashes every
// row's text either. The rows and values are those of EventBuilder; only the Arrow types of
// the state members differ (DictEventSchema), which Parquet does not see: a dictionary
// column is stored as its value type, dictionary-encoded.

// dictable reports whether a member of this type is built as a dictionary: the types pqarrow
// writes straight from a dictionary. The others (booleans, lists, maps) are taken from the
// states row by row.
func dictable(t Type) bool {
	switch t {
	case Int64, Int32, Int16, String, Timestamp:
		return true
	}
	return false
}

// dictIndex is the index type of the state members' dictionaries.
var dictIndex = arrow.PrimitiveTypes.Int32

// DictEventSchema is the events schema WideBuilder builds: EventSchema with the state
// members of dictable types as dictionaries.
var DictEventSchema = sync.OnceValue(func() *arrow.Schema {
	return schemaWith(EventColumns(), func(c *Column) arrow.DataType {
		if PartOf(c) != PartEvent && dictable(c.Type) {
			return &arrow.DictionaryType{IndexType: dictIndex, ValueType: c.Type.Arrow()}
		}
		return c.Type.Arrow()
	})
})

// wideMember says where a member of the wide table comes from.
type wideMember struct {
	part  Part
	field int // the struct's column in its part's record
	child int // the member within that struct
	dict  bool
}

// WideBuilder builds batches of the whole events table (DictEventSchema) through a
// CompactBuilder whose states are numbered afresh in every batch.
type WideBuilder struct {
	cb      *CompactBuilder
	schema  *arrow.Schema
	members [][]wideMember // per struct of the schema, per member
	mem     memory.Allocator
	ctx     context.Context
	rowOf   []int32 // scratch: a batch's state id → row of its states record
}

// NewWideBuilder returns a builder of the events table's batches for capture.
func NewWideBuilder(capture string, batchRows int) *WideBuilder {
	w := &WideBuilder{cb: newCompactBuilder(capture, batchRows, 0, nil), schema: DictEventSchema(),
		mem: memory.DefaultAllocator}
	w.ctx = compute.WithAllocator(context.Background(), w.mem)
	parts := [3]*arrow.Schema{CompactSchema(RowsTable), CompactSchema(ThreadStatesTable), CompactSchema(FDStatesTable)}
	cols := EventColumns()
	k := 0
	for _, s := range structOrder(cols) {
		var ms []wideMember
		for ; k < len(cols) && cols[k].Struct == s; k++ {
			c := &cols[k]
			m := wideMember{part: PartOf(c)}
			ps := parts[m.part]
			m.field = ps.FieldIndices(StoredStruct(c))[0]
			m.child, _ = ps.Field(m.field).Type.(*arrow.StructType).FieldIdx(c.Member)
			m.dict = m.part != PartEvent && dictable(c.Type)
			ms = append(ms, m)
		}
		w.members = append(w.members, ms)
	}
	return w
}

// SetCapture changes the capture name of the rows that follow.
func (w *WideBuilder) SetCapture(name string) { w.cb.SetCapture(name) }

// appendWith adds the event, c begun for it.
func (w *WideBuilder) appendWith(c *rowCtx, ev *state.Event) { w.cb.appendWith(c, ev) }

// Len is the number of rows not yet cut into a batch.
func (w *WideBuilder) Len() int { return w.cb.rows.Len() }

// Full reports whether the pending rows should be cut into a batch.
func (w *WideBuilder) Full() bool { return w.cb.rows.Full() }

// NewRecord cuts the pending rows into a record batch (the caller releases it); the next
// batch numbers its states afresh.
func (w *WideBuilder) NewRecord() (arrow.RecordBatch, error) {
	var recs [3]arrow.RecordBatch
	recs[PartEvent] = w.cb.rows.NewRecord()
	recs[PartThread] = w.cb.threads.NewRecord()
	recs[PartFD] = w.cb.fds.NewRecord()
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	ids := int(w.cb.next)
	w.cb.forgetStates()

	// Each event's row in the thread and fd states records (-1: no fd).
	if cap(w.rowOf) < ids {
		w.rowOf = make([]int32, ids)
	}
	w.rowOf = w.rowOf[:ids]
	for _, p := range []Part{PartThread, PartFD} {
		for i, id := range recs[p].Column(1).(*array.Int64).Int64Values() {
			w.rowOf[id] = int32(i)
		}
	}
	n := int(recs[PartEvent].NumRows())
	var stateRows [3][]int32
	for p := PartThread; p <= PartFD; p++ {
		sid := recs[PartEvent].Column(int(p)).(*array.Int64) // thread_state, fd_state
		rs := make([]int32, n)
		for i := range rs {
			rs[i] = -1
			if sid.IsValid(i) {
				rs[i] = w.rowOf[sid.Value(i)]
			}
		}
		stateRows[p] = rs
	}

	cols := make([]arrow.Array, 0, 1+len(w.members))
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	capture := recs[PartEvent].Column(0)
	capture.Retain()
	cols = append(cols, capture)
	var takeIdx [3]arrow.Array
	defer func() {
		for _, a := range takeIdx {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, ms := range w.members {
		st := w.schema.Field(i + 1).Type.(*arrow.StructType)
		children := make([]arrow.ArrayData, len(ms))
		for j, m := range ms {
			src := recs[m.part].Column(m.field).(*array.Struct).Field(m.child)
			var a arrow.Array
			switch {
			case m.part == PartEvent:
				src.Retain()
				a = src
			case m.dict:
				var err error
				if a, err = w.dictionary(st.Field(j).Type.(*arrow.DictionaryType), src, stateRows[m.part]); err != nil {
					return nil, err
				}
			default:
				if takeIdx[m.part] == nil {
					takeIdx[m.part] = indexArray(stateRows[m.part], nil)
				}
				var err error
				if a, err = compute.TakeArray(w.ctx, src, takeIdx[m.part]); err != nil {
					return nil, fmt.Errorf("events member %s: %w", st.Field(j).Name, err)
				}
			}
			children[j] = a.Data()
			children[j].Retain()
			a.Release()
		}
		d := array.NewData(st, n, []*memory.Buffer{nil}, children, 0, 0)
		for _, ch := range children {
			ch.Release()
		}
		cols = append(cols, array.MakeFromData(d))
		d.Release()
	}
	return array.NewRecordBatch(w.schema, cols, int64(n)), nil
}

// dictionary builds a state member as a dictionary over its distinct non-NULL values in the
// batch (pqarrow falls back to plain pages when a dictionary repeats a value or holds a
// NULL): each row's index is its state's value's, NULL where the state or its value is.
func (w *WideBuilder) dictionary(dt *arrow.DictionaryType, states arrow.Array, rows []int32) (arrow.Array, error) {
	var dict arrow.Array
	var remap []int32
	switch a := states.(type) {
	case *array.String:
		dict, remap = stringDict(a)
	case *array.Int64:
		dict, remap = numDict(dt.ValueType, a, a.Int64Values())
	case *array.Int32:
		dict, remap = numDict(dt.ValueType, a, a.Int32Values())
	case *array.Int16:
		dict, remap = numDict(dt.ValueType, a, a.Int16Values())
	case *array.Timestamp:
		dict, remap = numDict(dt.ValueType, a, a.TimestampValues())
	default:
		return nil, fmt.Errorf("columnar: no dictionary for %s", states.DataType())
	}
	defer dict.Release()
	idx := indexArray(rows, remap)
	defer idx.Release()
	return array.NewDictionaryArray(dt, idx, dict), nil
}

// indexArray is an Int32 array with, per row, remap[rows[i]] (rows[i] itself when remap is
// nil), NULL where either is negative.
func indexArray(rows, remap []int32) arrow.Array {
	n := len(rows)
	vals := make([]int32, n)
	valid := make([]byte, bitutil.BytesForBits(int64(n)))
	nulls := 0
	for i, r := range rows {
		if r >= 0 && remap != nil {
			r = remap[r]
		}
		if r < 0 {
			nulls++
			continue
		}
		vals[i] = r
		bitutil.SetBit(valid, i)
	}
	var bitmap *memory.Buffer
	if nulls > 0 {
		bitmap = memory.NewBufferBytes(valid)
	}
	d := array.NewData(dictIndex, n, []*memory.Buffer{bitmap, memory.NewBufferBytes(arrow.GetBytes(vals))}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// stringDict returns the distinct non-NULL values of a and, per row of a, its value's index
// in them (-1: NULL).
func stringDict(a *array.String) (arrow.Array, []int32) {
	remap := make([]int32, a.Len())
	seen := make(map[string]int32, a.Len())
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	for i := range remap {
		if a.IsNull(i) {
			remap[i] = -1
			continue
		}
		v := a.Value(i)
		k, ok := seen[v]
		if !ok {
			k = int32(len(seen))
			seen[v] = k
			b.Append(v)
		}
		remap[i] = k
	}
	return b.NewArray(), remap
}

// numDict is stringDict for fixed-width values vals of a, typed t.
func numDict[T int64 | int32 | int16 | arrow.Timestamp](t arrow.DataType, a arrow.Array, vals []T) (arrow.Array, []int32) {
	remap := make([]int32, len(vals))
	seen := make(map[T]int32, len(vals))
	var uniq []T
	for i, v := range vals {
		if a.IsNull(i) {
			remap[i] = -1
			continue
		}
		k, ok := seen[v]
		if !ok {
			k = int32(len(uniq))
			seen[v] = k
			uniq = append(uniq, v)
		}
		remap[i] = k
	}
	d := array.NewData(t, len(uniq), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.GetBytes(uniq))}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d), remap
}
