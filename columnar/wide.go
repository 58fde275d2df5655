package columnar

import (
	"context"
	"fmt"
	"slices"
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
// members they hold become Arrow dictionaries indexed by state. Repeated event texts are
// interned into dictionaries too. pqarrow writes a dictionary array as the column chunk's
// dictionary page plus the indices, so it no longer hashes every row's text either. The
// rows and values are those of EventBuilder; only the Arrow types differ (DictEventSchema),
// which Parquet does not see: a dictionary column is stored as its value type,
// dictionary-encoded.

// dictable reports whether a state member of this type is built as a dictionary: the types
// pqarrow writes straight from a dictionary. Lists and maps of texts are gathered per row
// from the states' interned texts; the others (booleans, lists of numbers) are taken from
// the states row by row.
func dictable(t Type) bool {
	switch t {
	case Int64, Int32, Int16, String, Timestamp:
		return true
	}
	return false
}

// dictIndex is the index type of the state members' dictionaries.
var dictIndex = arrow.PrimitiveTypes.Int32

// interned reports whether WideBuilder also turns an event member into a dictionary, on the
// reading goroutine: texts that repeat from event to event (types, results, parameter names
// and values), which the Parquet writer would otherwise hash row by row on its goroutine,
// the busier of the two. Texts that rarely repeat are left as they are.
func interned(c *Column) bool {
	switch c.Type {
	case String:
		return !slices.Contains(uniqueColumns, c.Field) && !slices.Contains(prefixColumns, c.Field)
	case StringList, StringMap:
		return true
	}
	return false
}

// dictOf is the type t with its texts (themselves, a list's elements, a map's keys and
// values) as dictionaries.
func dictOf(t arrow.DataType) arrow.DataType {
	switch t := t.(type) {
	case *arrow.ListType:
		return arrow.ListOfField(arrow.Field{Name: t.ElemField().Name, Type: dictOf(t.Elem()), Nullable: true})
	case *arrow.MapType:
		return arrow.MapOf(dictOf(t.KeyType()), dictOf(t.ItemType()))
	}
	return &arrow.DictionaryType{IndexType: dictIndex, ValueType: t}
}

// DictEventSchema is the events schema WideBuilder builds: EventSchema with the capture,
// the state members of dictable types, the state members' lists and maps of texts and the
// interned event members as dictionaries.
var DictEventSchema = sync.OnceValue(func() *arrow.Schema {
	s := schemaWith(EventColumns(), func(c *Column) arrow.DataType {
		if sourceOf(c) != fromRows && sourceOf(c) != takenStates {
			return dictOf(c.Type.Arrow())
		}
		return c.Type.Arrow()
	})
	fs := s.Fields()
	fs[0].Type = dictOf(fs[0].Type)
	return arrow.NewSchema(fs, nil)
})

// source is how WideBuilder makes a member's column.
type source uint8

const (
	fromRows     source = iota // event_rows' column as it is
	internedRows               // event_rows' column, its texts as dictionaries
	stateValues                // a dictionary of the states' values, indexed per row
	stateTexts                 // the states' lists or maps, texts interned, gathered per row
	takenStates                // the states' values taken row by row (booleans, lists of numbers)
)

func sourceOf(c *Column) source {
	switch {
	case PartOf(c) == PartEvent && interned(c):
		return internedRows
	case PartOf(c) == PartEvent:
		return fromRows
	case dictable(c.Type):
		return stateValues
	case c.Type == StringList || c.Type == StringMap:
		return stateTexts
	}
	return takenStates
}

// wideMember says where a member of the wide table comes from.
type wideMember struct {
	part  Part
	field int // the struct's column in its part's record
	child int // the member within that struct
	src   source
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
			m.src = sourceOf(c)
			ms = append(ms, m)
		}
		w.members = append(w.members, ms)
	}
	return w
}

// SetCapture changes the capture name of the rows that follow.
func (w *WideBuilder) SetCapture(name string) { w.cb.SetCapture(name) }

// Append adds one event as a row (see EventBuilder.Append).
func (w *WideBuilder) Append(ev *state.Event) { w.cb.Append(ev) }

// appendWith adds the event, c begun for it.
func (w *WideBuilder) appendWith(c *rowCtx, ev *state.Event) { w.cb.appendWith(c, ev) }

// Len is the number of rows not yet cut into a batch.
func (w *WideBuilder) Len() int { return w.cb.rows.Len() }

// Full reports whether the pending rows should be cut into a batch: a batch holds its states,
// so their texts (environments, command lines) count too, weighed every 256 rows.
func (w *WideBuilder) Full() bool {
	cb := w.cb
	return cb.rows.Full() ||
		cb.rows.Len()&255 == 0 && cb.rows.textBytes()+cb.threads.textBytes()+cb.fds.textBytes() >= cb.rows.maxBytes
}

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
	cols = append(cols, internArray(w.schema.Field(0).Type, recs[PartEvent].Column(0)))
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
			switch m.src {
			case fromRows:
				src.Retain()
				a = src
			case internedRows:
				a = internArray(st.Field(j).Type, src)
			case stateValues:
				var err error
				if a, err = w.dictionary(st.Field(j).Type.(*arrow.DictionaryType), src, stateRows[m.part]); err != nil {
					return nil, err
				}
			case stateTexts:
				a = gatherTexts(st.Field(j).Type, src, stateRows[m.part])
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

// internArray is the texts of a (a text, list or map array) as dictionaries of type dt
// (dictOf of a's type), over the distinct texts of each array of texts.
func internArray(dt arrow.DataType, a arrow.Array) arrow.Array {
	out, err := withLeaves(dt, a, func(dt arrow.DataType, a arrow.Array) (arrow.Array, error) {
		s, ok := a.(*array.String)
		if !ok {
			return nil, fmt.Errorf("columnar: no dictionary for %s", a.DataType())
		}
		dict, remap := stringDict(s)
		defer dict.Release()
		idx := indicesOf(remap)
		defer idx.Release()
		return array.NewDictionaryArray(dt, idx, dict), nil
	})
	if err != nil {
		panic(err) // DictEventSchema interns texts only
	}
	return out
}

// withLeaves rebuilds a as type dt with leaf's result for each of its arrays of values: a
// list's elements, a map's keys and items, or a itself when it is neither. The lists' and
// maps' offsets and validity are kept.
func withLeaves(dt arrow.DataType, a arrow.Array, leaf func(dt arrow.DataType, a arrow.Array) (arrow.Array, error)) (arrow.Array, error) {
	var children []arrow.ArrayData
	switch a := a.(type) {
	case *array.Map:
		mt := dt.(*arrow.MapType)
		keys, err := withLeaves(mt.KeyType(), a.Keys(), leaf)
		if err != nil {
			return nil, err
		}
		defer keys.Release()
		items, err := withLeaves(mt.ItemType(), a.Items(), leaf)
		if err != nil {
			return nil, err
		}
		defer items.Release()
		ed := a.Data().Children()[0]
		entries := array.NewData(mt.Elem(), ed.Len(), ed.Buffers(), []arrow.ArrayData{keys.Data(), items.Data()}, ed.NullN(), ed.Offset())
		defer entries.Release()
		children = []arrow.ArrayData{entries}
	case *array.List:
		elems, err := withLeaves(dt.(*arrow.ListType).Elem(), a.ListValues(), leaf)
		if err != nil {
			return nil, err
		}
		defer elems.Release()
		children = []arrow.ArrayData{elems.Data()}
	default:
		return leaf(dt, a)
	}
	d := array.NewData(dt, a.Len(), a.Data().Buffers(), children, a.NullN(), a.Data().Offset())
	defer d.Release()
	return array.MakeFromData(d), nil
}

// gatherTexts is, per row, the list or map of its state (states: the member over the
// batch's states; rows: each row's state row, -1: NULL), its texts as dictionaries over the
// states' distinct texts: rows copy indices, nothing is hashed per row.
func gatherTexts(dt arrow.DataType, states arrow.Array, rows []int32) arrow.Array {
	in := internArray(dt, states)
	defer in.Release()
	ll := in.(array.ListLike)
	newOffs := make([]int32, len(rows)+1)
	valid := make([]byte, bitutil.BytesForBits(int64(len(rows))))
	nulls := 0
	var pos []int32
	for i, s := range rows {
		if s < 0 || in.IsNull(int(s)) {
			nulls++
		} else {
			bitutil.SetBit(valid, i)
			start, end := ll.ValueOffsets(int(s))
			for k := start; k < end; k++ {
				pos = append(pos, int32(k))
			}
		}
		newOffs[i+1] = int32(len(pos))
	}
	var bitmap *memory.Buffer
	if nulls > 0 {
		bitmap = memory.NewBufferBytes(valid)
	}
	var child arrow.ArrayData
	switch a := in.(type) {
	case *array.Map:
		keys := gatherDict(a.Keys().(*array.Dictionary), pos)
		defer keys.Release()
		items := gatherDict(a.Items().(*array.Dictionary), pos)
		defer items.Release()
		child = array.NewData(dt.(*arrow.MapType).Elem(), len(pos), []*memory.Buffer{nil}, []arrow.ArrayData{keys.Data(), items.Data()}, 0, 0)
	case *array.List:
		elems := gatherDict(a.ListValues().(*array.Dictionary), pos)
		defer elems.Release()
		child = elems.Data()
		child.Retain()
	}
	defer child.Release()
	d := array.NewData(dt, len(rows), []*memory.Buffer{bitmap, memory.NewBufferBytes(arrow.GetBytes(newOffs))},
		[]arrow.ArrayData{child}, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// gatherDict is the dictionary array of d's entries at pos.
func gatherDict(d *array.Dictionary, pos []int32) arrow.Array {
	old := make([]int32, d.Len())
	for i := range old {
		old[i] = -1
		if d.IsValid(i) {
			old[i] = int32(d.GetValueIndex(i))
		}
	}
	idx := indexArray(pos, old)
	defer idx.Release()
	return array.NewDictionaryArray(d.DataType(), idx, d.Dictionary())
}

// indexArray is an Int32 array with, per row, remap[rows[i]] (rows[i] itself when remap is
// nil), NULL where either is negative.
func indexArray(rows, remap []int32) arrow.Array {
	vals := make([]int32, len(rows))
	for i, r := range rows {
		if r >= 0 && remap != nil {
			r = remap[r]
		}
		vals[i] = r
	}
	return indicesOf(vals)
}

// indicesOf is an Int32 array of vals, NULL where negative; vals is handed over.
func indicesOf(vals []int32) arrow.Array {
	n := len(vals)
	var valid []byte
	nulls := 0
	for i, v := range vals {
		if v >= 0 {
			continue
		}
		if valid == nil {
			valid = make([]byte, bitutil.BytesForBits(int64(n)))
			bitutil.SetBitsTo(valid, 0, int64(n), true)
		}
		bitutil.ClearBit(valid, i)
		vals[i] = 0
		nulls++
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
	seen := map[string]int32{} // few distinct texts: grown as needed
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
	seen := map[T]int32{}
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
