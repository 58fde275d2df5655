package columnar

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Field is one column of a side table.
type Field struct {
	Name string
	Type Type
	Doc  string
}

// Table describes a table scapql builds from captures.
type Table struct {
	Name   string
	Doc    string
	Fields []Field // nil for events, whose schema is EventSchema
}

// Schema returns the table's Arrow schema.
func (t *Table) Schema() *arrow.Schema {
	if t.Name == "events" {
		return EventSchema()
	}
	if s := CompactSchema(t.Name); s != nil {
		return s
	}
	return flatSchema(t)
}

// CompactTables are the tables of the compact layout (see compact.go): what a database stores
// for the events table, which it shows as their join.
var CompactTables = []Table{
	{Name: RowsTable, Doc: "one row per event: the members that change from event to event, and the ids of its thread and fd states"},
	{Name: ThreadStatesTable, Doc: "one row per distinct thread state: the proc, thread, user, group and container members"},
	{Name: FDStatesTable, Doc: "one row per distinct fd state: the fd members but fd.num and fd.name_changed"},
}

// IsCompact reports whether the table is one of the compact layout's.
func IsCompact(name string) bool {
	return name == RowsTable || name == ThreadStatesTable || name == FDStatesTable
}

var schemas sync.Map // table name → *arrow.Schema

func flatSchema(t *Table) *arrow.Schema {
	if s, ok := schemas.Load(t.Name); ok {
		return s.(*arrow.Schema)
	}
	fs := make([]arrow.Field, len(t.Fields))
	for i, f := range t.Fields {
		fs[i] = arrow.Field{Name: f.Name, Type: f.Type.Arrow(), Nullable: true}
	}
	s, _ := schemas.LoadOrStore(t.Name, arrow.NewSchema(fs, nil))
	return s.(*arrow.Schema)
}

// LookupTable returns the table of that name.
func LookupTable(name string) (*Table, bool) {
	for i := range Tables {
		if Tables[i].Name == name {
			return &Tables[i], true
		}
	}
	for i := range CompactTables {
		if CompactTables[i].Name == name {
			return &CompactTables[i], true
		}
	}
	return nil, false
}

// TableNames lists the tables in order.
func TableNames() []string {
	out := make([]string, len(Tables))
	for i := range Tables {
		out[i] = Tables[i].Name
	}
	return out
}

// flatBuilder appends rows to a table with scalar, list and map columns. Values are given in
// column order: each call fills the next column of the current row.
type flatBuilder struct {
	table *Table
	rb    *array.RecordBuilder
	col   int
	rows  int
	bytes int
	max   int
}

func newFlatBuilder(mem memory.Allocator, t *Table, maxRows int) *flatBuilder {
	if maxRows <= 0 {
		maxRows = DefaultBatchRows
	}
	return &flatBuilder{table: t, rb: array.NewRecordBuilder(mem, t.Schema()), max: maxRows}
}

func (b *flatBuilder) full() bool { return b.rows >= b.max || b.bytes >= DefaultBatchBytes }

func (b *flatBuilder) endRow() {
	if b.col != len(b.table.Fields) {
		panic("columnar: table " + b.table.Name + ": row with wrong column count")
	}
	b.col = 0
	b.rows++
}

func (b *flatBuilder) cut() arrow.RecordBatch {
	b.rows, b.bytes = 0, 0
	return b.rb.NewRecordBatch()
}

func (b *flatBuilder) next() array.Builder {
	f := b.rb.Field(b.col)
	b.col++
	return f
}

func validText(s string) string {
	if !utf8.ValidString(s) {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

func (b *flatBuilder) str(s string) {
	s = validText(s)
	b.bytes += len(s)
	b.next().(*array.StringBuilder).Append(s)
}

// strOrNull appends s, or NULL when ok is false.
func (b *flatBuilder) strOrNull(s string, ok bool) {
	if !ok {
		b.null()
		return
	}
	b.str(s)
}

func (b *flatBuilder) i64(v int64) {
	switch x := b.next().(type) {
	case *array.Int64Builder:
		x.Append(v)
	case *array.Int32Builder:
		x.Append(int32(v))
	default:
		panic("columnar: table " + b.table.Name + ": integer into a " + x.Type().String() + " column")
	}
}

// i64OrNull appends v, or NULL when ok is false.
func (b *flatBuilder) i64OrNull(v int64, ok bool) {
	if !ok {
		b.null()
		return
	}
	b.i64(v)
}

func (b *flatBuilder) boolean(v bool) { b.next().(*array.BooleanBuilder).Append(v) }

func (b *flatBuilder) null() { b.next().AppendNull() }

// ts appends a timestamp, or NULL for 0 (unknown).
func (b *flatBuilder) ts(v uint64) {
	if v == 0 {
		b.null()
		return
	}
	b.next().(*array.TimestampBuilder).Append(arrow.Timestamp(v))
}

func (b *flatBuilder) strs(vs []string) {
	lb := b.next().(*array.ListBuilder)
	lb.Append(true)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	for _, s := range vs {
		s = validText(s)
		b.bytes += len(s)
		vb.Append(s)
	}
}

func (b *flatBuilder) i64s(vs []int64) {
	lb := b.next().(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Int64Builder).AppendValues(vs, nil)
}

// strMap appends a map from parallel key and value slices.
func (b *flatBuilder) strMap(keys, vals []string) {
	mb := b.next().(*array.MapBuilder)
	mb.Append(true)
	kb, vb := mb.KeyBuilder().(*array.StringBuilder), mb.ItemBuilder().(*array.StringBuilder)
	for j := range keys {
		k, v := validText(keys[j]), validText(vals[j])
		b.bytes += len(k) + len(v)
		kb.Append(k)
		vb.Append(v)
	}
}

func (b *flatBuilder) release() { b.rb.Release() }
