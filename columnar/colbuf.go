package columnar

import (
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The events table is built in plain Go slices rather than with Arrow's builders: with some
// hundred members per row, the builders' per-value bookkeeping cost more than extraction.
// When a batch is cut the slices become the Arrow buffers as they are (no copy), and the
// next batch starts on new slices sized like the last.

// column is one column under construction.
type column interface {
	appendNull()
	// finish returns the column as Arrow data of type dt and starts afresh.
	finish(dt arrow.DataType) arrow.ArrayData
}

// validity is a validity bitmap under construction. Most columns never hold a NULL, so the
// bitmap is only materialised at the first one.
type validity struct {
	bits  []byte
	n     int
	nulls int
}

// addValid records a valid value: inlined, and only a count while there is no NULL.
func (v *validity) addValid() {
	if v.bits == nil {
		v.n++
		return
	}
	v.addSlow(true)
}

// addSlow records a value once the bitmap exists or at the first NULL.
func (v *validity) addSlow(ok bool) {
	if v.bits == nil {
		v.materialise()
	}
	if v.n&7 == 0 {
		v.bits = append(v.bits, 0)
	}
	if ok {
		v.bits[v.n>>3] |= 1 << (v.n & 7)
	} else {
		v.nulls++
	}
	v.n++
}

// addNulls records n NULLs at once.
func (v *validity) addNulls(n int) {
	if v.bits == nil {
		v.materialise()
	}
	v.n += n
	v.nulls += n
	v.bits = zeroBits(v.bits, v.n)
}

// zeroBits extends a bitmap with zero bytes to hold n bits: bits past those set so far are
// zero, so a run of false bits only needs the bytes.
func zeroBits(bits []byte, n int) []byte {
	if want := (n + 7) / 8; want > len(bits) {
		bits = slices.Grow(bits, want-len(bits))
		tail := bits[len(bits):want]
		clear(tail)
		bits = bits[:want]
	}
	return bits
}

// appendNulls appends n NULLs to col: at once for the columns a row's members are (those
// with an appendNulls method), one by one for the others.
func appendNulls(col column, n int) {
	if c, ok := col.(interface{ appendNulls(n int) }); ok {
		c.appendNulls(n)
		return
	}
	for range n {
		col.appendNull()
	}
}

// appendRepeat appends n copies of v to s.
func appendRepeat[T any](s []T, v T, n int) []T {
	s = slices.Grow(s, n)
	for range n {
		s = append(s, v)
	}
	return s
}

// materialise writes the bitmap of the n valid values so far.
func (v *validity) materialise() {
	v.bits = make([]byte, (v.n+7)/8, (v.n+7)/8+1024)
	for i := range v.bits {
		v.bits[i] = 0xFF
	}
	if r := v.n & 7; r != 0 {
		v.bits[len(v.bits)-1] = byte(1<<r - 1)
	}
}

// take returns the bitmap buffer (nil when there is no null), the length and null count, and
// resets.
func (v *validity) take() (*memory.Buffer, int, int) {
	n, nulls := v.n, v.nulls
	var buf *memory.Buffer
	if nulls > 0 {
		buf = memory.NewBufferBytes(v.bits)
	}
	v.bits = nil
	v.n, v.nulls = 0, 0
	return buf, n, nulls
}

type number interface {
	~int64 | ~int32 | ~int16 | ~float64
}

// numCol holds fixed-width numbers (and timestamps).
type numCol[T number] struct {
	valid validity
	vals  []T
}

func (c *numCol[T]) add(v T) {
	c.valid.addValid()
	c.vals = append(c.vals, v)
}

func (c *numCol[T]) appendNull() {
	c.valid.addSlow(false)
	c.vals = append(c.vals, 0)
}

func (c *numCol[T]) appendNulls(n int) {
	c.valid.addNulls(n)
	var zero T
	c.vals = appendRepeat(c.vals, zero, n)
}

func (c *numCol[T]) finish(dt arrow.DataType) arrow.ArrayData {
	vb, n, nulls := c.valid.take()
	var zero T
	size := int(unsafe.Sizeof(zero))
	data := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(c.vals))), len(c.vals)*size)
	c.vals = make([]T, 0, cap(c.vals))
	return array.NewData(dt, n, []*memory.Buffer{vb, memory.NewBufferBytes(data)}, nil, nulls, 0)
}

// boolCol holds booleans as a bitmap.
type boolCol struct {
	valid validity
	vals  []byte
	n     int
}

func (c *boolCol) add(v bool) {
	c.valid.addValid()
	c.bit(v)
}

func (c *boolCol) appendNull() {
	c.valid.addSlow(false)
	c.bit(false)
}

func (c *boolCol) appendNulls(n int) {
	c.valid.addNulls(n)
	c.n += n
	c.vals = zeroBits(c.vals, c.n)
}

func (c *boolCol) bit(v bool) {
	if c.n&7 == 0 {
		c.vals = append(c.vals, 0)
	}
	if v {
		c.vals[c.n>>3] |= 1 << (c.n & 7)
	}
	c.n++
}

func (c *boolCol) finish(dt arrow.DataType) arrow.ArrayData {
	vb, n, nulls := c.valid.take()
	bits := c.vals
	c.vals = make([]byte, 0, cap(bits))
	c.n = 0
	return array.NewData(dt, n, []*memory.Buffer{vb, memory.NewBufferBytes(bits)}, nil, nulls, 0)
}

// strCol holds text (valid UTF-8 enforced) or bytes.
type strCol struct {
	valid   validity
	offsets []int32
	data    []byte
	binary  bool
}

func newStrCol(binary bool) *strCol { return &strCol{offsets: []int32{0}, binary: binary} }

func (c *strCol) add(s string) {
	if !c.binary && !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	c.valid.addValid()
	c.data = append(c.data, s...)
	c.offsets = append(c.offsets, int32(len(c.data)))
}

// addValid appends text already known to be valid UTF-8 (cached, sanitised values).
func (c *strCol) addValid(s string) {
	c.valid.addValid()
	c.data = append(c.data, s...)
	c.offsets = append(c.offsets, int32(len(c.data)))
}

func (c *strCol) addBytes(b []byte) {
	if !c.binary && !utf8.Valid(b) {
		c.add(string(b))
		return
	}
	c.valid.addValid()
	c.data = append(c.data, b...)
	c.offsets = append(c.offsets, int32(len(c.data)))
}

func (c *strCol) appendNull() {
	c.valid.addSlow(false)
	c.offsets = append(c.offsets, int32(len(c.data)))
}

func (c *strCol) appendNulls(n int) {
	c.valid.addNulls(n)
	c.offsets = appendRepeat(c.offsets, int32(len(c.data)), n)
}

func (c *strCol) size() int { return len(c.data) }

func (c *strCol) finish(dt arrow.DataType) arrow.ArrayData {
	vb, n, nulls := c.valid.take()
	offs := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(c.offsets))), len(c.offsets)*4)
	data := c.data
	c.offsets = make([]int32, 1, cap(c.offsets))
	c.data = make([]byte, 0, cap(c.data))
	return array.NewData(dt, n, []*memory.Buffer{vb, memory.NewBufferBytes(offs), memory.NewBufferBytes(data)}, nil, nulls, 0)
}

// listCol is a list of child values: open a row with start, append to the child, and the
// row's end is where the child stands at the next start (or finish).
type listCol struct {
	valid   validity
	offsets []int32
	n       int32 // child length
	child   column
}

func (c *listCol) start() {
	c.valid.addValid()
	c.offsets = append(c.offsets, c.n)
}

func (c *listCol) appendNull() {
	c.valid.addSlow(false)
	c.offsets = append(c.offsets, c.n)
}

// grow records that one element was appended to the child.
func (c *listCol) grow() { c.n++ }

func (c *listCol) finish(dt arrow.DataType) arrow.ArrayData {
	offsets := append(c.offsets, c.n)
	vb, n, nulls := c.valid.take()
	offs := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(offsets))), len(offsets)*4)
	c.offsets = make([]int32, 0, cap(offsets))
	c.n = 0
	var child arrow.ArrayData
	switch t := dt.(type) {
	case *arrow.ListType:
		child = c.child.finish(t.Elem())
	case *arrow.MapType:
		child = c.child.finish(t.Elem())
	}
	defer child.Release()
	return array.NewData(dt, n, []*memory.Buffer{vb, memory.NewBufferBytes(offs)}, []arrow.ArrayData{child}, nulls, 0)
}

// entryCol is the key/value struct child of a map.
type entryCol struct {
	keys, vals *strCol
	n          int
}

func (c *entryCol) add(k, v string) {
	c.keys.add(k)
	c.vals.add(v)
	c.n++
}

func (c *entryCol) appendNull() { panic("columnar: null map entry") }

func (c *entryCol) finish(dt arrow.DataType) arrow.ArrayData {
	st := dt.(*arrow.StructType)
	k := c.keys.finish(st.Field(0).Type)
	v := c.vals.finish(st.Field(1).Type)
	defer k.Release()
	defer v.Release()
	n := c.n
	c.n = 0
	return array.NewData(dt, n, []*memory.Buffer{nil}, []arrow.ArrayData{k, v}, 0, 0)
}

// mapCol is a MAP(VARCHAR, VARCHAR).
type mapCol struct {
	listCol
	entries *entryCol
}

func newMapCol() *mapCol {
	e := &entryCol{keys: newStrCol(false), vals: newStrCol(false)}
	m := &mapCol{entries: e}
	m.child = e
	return m
}

func (m *mapCol) add(k, v string) {
	m.entries.add(k, v)
	m.n++
}

// addValid adds an entry whose key and value are known to be valid UTF-8.
func (m *mapCol) addValid(k, v string) {
	e := m.entries
	e.keys.addValid(k)
	e.vals.addValid(v)
	e.n++
	m.n++
}

func newColumn(t Type) column {
	switch t {
	case Int64, Timestamp:
		return &numCol[int64]{}
	case Int32:
		return &numCol[int32]{}
	case Int16:
		return &numCol[int16]{}
	case Float64:
		return &numCol[float64]{}
	case Bool:
		return &boolCol{}
	case String:
		return newStrCol(false)
	case Binary:
		return newStrCol(true)
	case StringList:
		return &listCol{child: newStrCol(false)}
	case Int64List:
		return &listCol{child: &numCol[int64]{}}
	case StringMap:
		return newMapCol()
	}
	panic("columnar: no column for type " + t.SQL())
}
