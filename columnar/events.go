package columnar

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
)

// Batch limits: a batch is cut at BatchRows rows or when its variable-length data passes
// BatchBytes, whichever comes first, so wide rows (long environments) keep memory bounded.
const (
	DefaultBatchRows  = 32 << 10
	DefaultBatchBytes = 16 << 20
)

// appender appends one member's value for the current event.
type appender func(c *rowCtx, ev *state.Event)

// EventBuilder turns events into record batches of the events table. Its columns are reused
// from batch to batch (each starts with the capacity the last one reached).
type EventBuilder struct {
	schema   *arrow.Schema
	capture  *strCol
	ids      []*numCol[int64] // id columns after capture (compact layout), set with SetIDs
	members  [][]column       // per struct, per member
	strs     []*strCol        // text columns, to weigh a batch
	apps     []appender
	groups   []*memberGroup // members built for some events only (restrict)
	typeIDs  map[string]int // event types the groups name, numbered
	ctx      rowCtx
	rows     int
	name     string
	maxRows  int
	maxBytes int
}

// NewEventBuilder returns a builder whose rows carry capture as their capture column.
// batchRows ≤ 0 means DefaultBatchRows. The batches' buffers are Go memory, handed over to
// each batch without a copy.
func NewEventBuilder(capture string, batchRows int) *EventBuilder {
	return NewProjectedBuilder(EventColumns(), capture, batchRows)
}

// NewProjectedBuilder builds batches holding only the members cols (see SelectColumns).
func NewProjectedBuilder(cols []Column, capture string, batchRows int) *EventBuilder {
	return newBuilder(cols, nil, capture, batchRows, nil)
}

// newBuilder builds batches of capture, the id columns ids (BIGINT, NULL when negative), then
// the members cols. Builders whose rows are appended with another builder's row context
// share that context's thread memo (nil: their own).
func newBuilder(cols []Column, ids []string, capture string, batchRows int, memo *threadMemo) *EventBuilder {
	if batchRows <= 0 {
		batchRows = DefaultBatchRows
	}
	schema := SchemaOf(cols)
	if len(ids) > 0 {
		schema = withIDs(schema, ids)
	}
	b := &EventBuilder{schema: schema, capture: newStrCol(false), name: capture,
		maxRows: batchRows, maxBytes: DefaultBatchBytes}
	for range ids {
		b.ids = append(b.ids, &numCol[int64]{})
	}
	b.ctx.init()
	if memo == nil {
		memo = &b.ctx.memo
	}
	b.strs = append(b.strs, b.capture)
	k := 0
	for _, s := range structOrder(cols) {
		var ms []column
		for ; k < len(cols) && cols[k].Struct == s; k++ {
			col := newColumn(cols[k].Type)
			ms = append(ms, col)
			b.strs = append(b.strs, textCols(col)...)
			b.apps = append(b.apps, newAppender(&cols[k], col, memo))
		}
		b.members = append(b.members, ms)
	}
	return b
}

// EventSet is a set of events told by what is known of an event before its row is built:
// its type, in Types (nil: any type), with Failed that its call failed (evt.failed), and with
// Exit that it is an exit event (evt.dir is '<').
type EventSet struct {
	Types  map[string]bool
	Failed bool
	Exit   bool
}

// Every reports whether the set holds every event.
func (s EventSet) Every() bool { return s.Types == nil && !s.Failed && !s.Exit }

// Has reports whether ev is in the set.
func (s EventSet) Has(ev *state.Event) bool {
	return (!s.Exit || !ev.Info.Enter) && (s.Types == nil || s.Types[fields.EventType(ev)]) &&
		(!s.Failed || fields.Failed(ev))
}

// EventSets is the union of its sets: the events in any of them.
type EventSets []EventSet

// Add returns the union with s added (ss is not changed). Sets of the same Failed and Exit
// become one, of both sets' types: the union stays exact and short.
func (ss EventSets) Add(s EventSet) EventSets {
	for i, t := range ss {
		if t.Failed == s.Failed && t.Exit == s.Exit {
			out := slices.Clone(ss)
			out[i] = t.Union(s)
			return out
		}
	}
	return append(slices.Clip(ss), s)
}

// Every reports whether the union holds every event.
func (ss EventSets) Every() bool { return slices.ContainsFunc(ss, EventSet.Every) }

// Has reports whether ev is in one of the sets.
func (ss EventSets) Has(ev *state.Event) bool {
	return slices.ContainsFunc(ss, func(s EventSet) bool { return s.Has(ev) })
}

// key is a text two unions share when they hold the same sets.
func (ss EventSets) key() string {
	keys := make([]string, len(ss))
	for i, s := range ss {
		keys[i] = fmt.Sprint(s.Failed, s.Exit, s.Types == nil, slices.Sorted(maps.Keys(s.Types)))
	}
	slices.Sort(keys)
	return strings.Join(keys, "|")
}

// Union is a set holding both s and o (and maybe more: the failed calls of some types and
// every call of others are every call of both).
func (s EventSet) Union(o EventSet) EventSet {
	u := EventSet{Failed: s.Failed && o.Failed, Exit: s.Exit && o.Exit}
	if s.Types != nil && o.Types != nil {
		u.Types = maps.Clone(s.Types)
		maps.Copy(u.Types, o.Types)
	}
	return u
}

// restrict makes each member of cols that sets names NULL on the events out of its sets (see
// ReadOptions.MemberEvents); cols are the builder's members, in its order. Members of the
// same sets form a group, tested once per row: the row's type is looked up once, as a
// number into each set's table of allowed types, and whether it failed is found once, when
// a set asks.
func (b *EventBuilder) restrict(cols []Column, sets map[string]EventSets) {
	if len(sets) == 0 {
		return
	}
	b.typeIDs = map[string]int{}
	for _, ss := range sets {
		for _, s := range ss {
			for t := range s.Types {
				if _, ok := b.typeIDs[t]; !ok {
					b.typeIDs[t] = len(b.typeIDs)
				}
			}
		}
	}
	var all []column
	for _, ms := range b.members {
		all = append(all, ms...)
	}
	byKey := map[string]*memberGroup{}
	var apps []appender
	for k, a := range b.apps {
		ss, ok := sets[cols[k].Field]
		if !ok || ss.Every() {
			apps = append(apps, a)
			continue
		}
		key := ss.key()
		g := byKey[key]
		if g == nil {
			g = &memberGroup{}
			for _, s := range ss {
				gs := groupSet{failed: s.Failed, exit: s.Exit}
				if s.Types != nil {
					gs.allowed = make([]bool, len(b.typeIDs))
					for t := range s.Types {
						gs.allowed[b.typeIDs[t]] = true
					}
				}
				g.sets = append(g.sets, gs)
			}
			byKey[key] = g
			b.groups = append(b.groups, g)
		}
		g.apps = append(g.apps, a)
		g.cols = append(g.cols, all[k])
	}
	b.apps = apps
}

// memberGroup is members built only for some events (EventBuilder.restrict): NULL on others.
type memberGroup struct {
	sets []groupSet // the events of any of them
	apps []appender
	cols []column
	// nulls are the rows since the group's last value, not yet appended: a group's rows
	// are mostly NULL, and a run of them goes in at once (flushNulls).
	nulls int
}

// groupSet is an EventSet as a group tests it.
type groupSet struct {
	allowed []bool // by type id (nil: any type)
	failed  bool   // failed calls only
	exit    bool   // exit events only
}

// flushNulls appends the group's pending NULLs.
func (g *memberGroup) flushNulls() {
	if g.nulls > 0 {
		for _, col := range g.cols {
			appendNulls(col, g.nulls)
		}
		g.nulls = 0
	}
}

// appendGroups appends the restricted members of a row.
func (b *EventBuilder) appendGroups(c *rowCtx, ev *state.Event) {
	id, failed := -2, -1 // not looked up yet
	for _, g := range b.groups {
		in := false
		for _, s := range g.sets {
			in = !s.exit || !ev.Info.Enter
			if in && s.allowed != nil {
				if id == -2 {
					id = -1
					if n, ok := b.typeIDs[fields.EventType(ev)]; ok {
						id = n
					}
				}
				in = id >= 0 && s.allowed[id]
			}
			if in && s.failed {
				if failed < 0 {
					failed = 0
					if fields.Failed(ev) {
						failed = 1
					}
				}
				in = failed == 1
			}
			if in {
				break
			}
		}
		if in {
			g.flushNulls()
			for _, a := range g.apps {
				a(c, ev)
			}
		} else {
			g.nulls++
		}
	}
}

// withIDs inserts BIGINT columns named ids after the schema's capture column.
func withIDs(s *arrow.Schema, ids []string) *arrow.Schema {
	fs := []arrow.Field{s.Field(0)}
	for _, id := range ids {
		fs = append(fs, arrow.Field{Name: id, Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	}
	return arrow.NewSchema(append(fs, s.Fields()[1:]...), nil)
}

// textCols returns the variable-length columns within col.
func textCols(col column) []*strCol {
	switch c := col.(type) {
	case *strCol:
		return []*strCol{c}
	case *listCol:
		return textCols(c.child)
	case *mapCol:
		return []*strCol{c.entries.keys, c.entries.vals}
	}
	return nil
}

// SetCapture changes the capture name of the rows that follow.
func (b *EventBuilder) SetCapture(name string) { b.name = name }

// Append adds one event as a row. It must be called before the source moves to the next
// event: values are read from the live state.
func (b *EventBuilder) Append(ev *state.Event) {
	b.ctx.begin(ev)
	b.appendWith(&b.ctx, ev)
}

// appendWith appends a row using c, which the caller has begun for ev (and may share with
// the side tables, so parameters are rendered once).
func (b *EventBuilder) appendWith(c *rowCtx, ev *state.Event) {
	b.capture.add(b.name)
	for _, a := range b.apps {
		a(c, ev)
	}
	if len(b.groups) > 0 {
		b.appendGroups(c, ev)
	}
	b.rows++
}

// SetIDs appends the id columns' values of the row about to be appended (negative: NULL).
func (b *EventBuilder) SetIDs(ids ...int64) {
	for i, v := range ids {
		if v < 0 {
			b.ids[i].appendNull()
		} else {
			b.ids[i].add(v)
		}
	}
}

// Len is the number of rows not yet cut into a batch.
func (b *EventBuilder) Len() int { return b.rows }

// Full reports whether the pending rows should be cut into a batch. The text volume is
// weighed every 256 rows.
func (b *EventBuilder) Full() bool {
	if b.rows >= b.maxRows {
		return true
	}
	if b.rows&255 != 0 {
		return false
	}
	return b.textBytes() >= b.maxBytes
}

// textBytes is the size of the pending rows' variable-length data.
func (b *EventBuilder) textBytes() int {
	n := 0
	for _, s := range b.strs {
		n += s.size()
	}
	return n
}

// NewRecord cuts the pending rows into a record batch (the caller releases it) and starts the
// next batch.
func (b *EventBuilder) NewRecord() arrow.RecordBatch {
	n := b.rows
	b.rows = 0
	for _, g := range b.groups {
		g.flushNulls()
	}
	cols := make([]arrow.Array, 0, 1+len(b.ids)+len(b.members))
	capData := b.capture.finish(arrow.BinaryTypes.String)
	cols = append(cols, array.MakeFromData(capData))
	capData.Release()
	for _, id := range b.ids {
		d := id.finish(arrow.PrimitiveTypes.Int64)
		cols = append(cols, array.MakeFromData(d))
		d.Release()
	}
	for i := range b.members {
		st := b.schema.Field(i + 1 + len(b.ids)).Type.(*arrow.StructType)
		children := make([]arrow.ArrayData, len(b.members[i]))
		for j, m := range b.members[i] {
			children[j] = m.finish(st.Field(j).Type)
		}
		d := array.NewData(st, n, []*memory.Buffer{nil}, children, 0, 0)
		for _, ch := range children {
			ch.Release()
		}
		cols = append(cols, array.MakeFromData(d))
		d.Release()
	}
	rec := array.NewRecordBatch(b.schema, cols, int64(n))
	for _, a := range cols {
		a.Release()
	}
	return rec
}

// Release frees the builder (its memory belongs to the Go heap: nothing to do).
func (b *EventBuilder) Release() {}

// rowCtx carries what several members of one row share: the rendered parameters, the
// ancestors, and caches of text derived from thread state.
type rowCtx struct {
	ev         *state.Event
	paramsDone bool
	params     []paramText
	argsText   []byte
	argsDone   bool
	anc        []*state.Thread
	ancDone    bool
	slots      []memoSlot
	slotsDone  bool
	memo       threadMemo
	kinds      *EventKinds // the file encoding's kinds (rowsfile.go), when it is built
	enc        encRow
	encDone    bool
	valid      validParams
	validDone  bool
	render     fields.RenderCache
}

// validParams are the parameters' texts as text columns store them (valid UTF-8).
type validParams struct {
	vals     []string // value texts
	texts    []string // evt.arglist's texts: the resolved text where there is one, else the value
	allValid bool     // no text needed sanitising
}

type paramText struct {
	name string
	text string // resolved text when there is one, else the value text (evt.arg)
	val  string // value text
	res  string // resolved text
}

func (c *rowCtx) init() { c.memo.init() }

func (c *rowCtx) begin(ev *state.Event) {
	c.ev = ev
	c.paramsDone, c.argsDone, c.ancDone, c.slotsDone, c.encDone, c.validDone = false, false, false, false, false, false
}

// validTexts sanitises the parameters' texts once per row.
func (c *rowCtx) validTexts() *validParams {
	v := &c.valid
	if c.validDone {
		return v
	}
	c.validDone = true
	ps := c.paramTexts()
	v.vals, v.texts = v.vals[:0], v.texts[:0]
	v.allValid = true
	for i := range ps {
		p := &ps[i]
		val := p.val
		if !utf8.ValidString(val) {
			val = strings.ToValidUTF8(val, "\uFFFD")
			v.allValid = false
		}
		text := val // the value text, unless there is a resolved text
		if p.res != "" {
			text = p.res
			if !utf8.ValidString(text) {
				text = strings.ToValidUTF8(text, "\uFFFD")
				v.allValid = false
			}
		}
		v.vals = append(v.vals, val)
		v.texts = append(v.texts, text)
	}
	return v
}

// paramTexts renders every parameter once per row, as evt.arg renders them.
func (c *rowCtx) paramTexts() []paramText {
	if c.paramsDone {
		return c.params
	}
	c.paramsDone = true
	c.params = c.params[:0]
	ev := c.ev
	info := ev.Info
	for i, p := range ev.Raw.Params {
		if i >= len(info.Params) {
			break
		}
		pi := &info.Params[i]
		val, res := fields.ParamText(ev, i, p, pi, fields.RenderOptions{MaxBufLen: fields.DefaultBufLen, Cache: &c.render})
		c.params = append(c.params, paramText{name: pi.Name, text: fields.ArgText(val, res), val: val, res: res})
	}
	return c.params
}

// args is evt.args, put together by package fields from the parameter texts the row renders
// once (paramTexts), into a buffer reused from row to row (columns copy it at once).
func (c *rowCtx) args() []byte {
	if !c.argsDone {
		c.argsDone = true
		b := c.argsText[:0]
		if fields.ArgsShown(c.ev) {
			for _, p := range c.paramTexts() {
				b = fields.AppendArg(b, p.name, p.val, p.res)
			}
		}
		c.argsText = b
	}
	return c.argsText
}

// bytesString views b as a string without copying; only for values copied at once.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func newAppender(col *Column, cb column, memo *threadMemo) appender {
	if mk := shared[col.Field]; mk != nil {
		return mk(cb)
	}
	if mk := encAppenders[col.Field]; mk != nil {
		return mk(cb)
	}
	if col.Null {
		return func(*rowCtx, *state.Event) { cb.appendNull() }
	}
	if _, ok := memoKeys[col.Field]; ok {
		if a, ok := bindMemo(col, cb, memo.nslots); ok {
			memo.nslots++
			return a
		}
	}
	ref := col.Field
	if r, ok := memberRefs[ref]; ok {
		ref = r
	}
	f, arg, err := fields.Lookup(ref)
	if err != nil {
		panic(fmt.Sprintf("columnar: member %s has no extractor: %v", col.Field, err))
	}
	return generic(col, cb, f, arg)
}

// generic appends what f extracts, converted to the member's type.
func generic(col *Column, cb column, f *fields.Field, arg string) appender {
	ex := f.Extract
	switch col.Type {
	case Int64, Timestamp:
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindUint, fields.KindBool:
				b.add(v.I)
			default:
				b.appendNull()
			}
		}
	case Int32:
		b := cb.(*numCol[int32])
		return func(c *rowCtx, ev *state.Event) {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindUint, fields.KindBool:
				b.add(int32(v.I))
			default:
				b.appendNull()
			}
		}
	case Int16:
		b := cb.(*numCol[int16])
		return func(c *rowCtx, ev *state.Event) {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindUint, fields.KindBool:
				b.add(int16(v.I))
			default:
				b.appendNull()
			}
		}
	case Float64:
		b := cb.(*numCol[float64])
		return func(c *rowCtx, ev *state.Event) {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt:
				b.add(float64(v.I))
			case fields.KindUint:
				b.add(float64(uint64(v.I)))
			case fields.KindString:
				if x, err := strconv.ParseFloat(v.S, 64); err == nil {
					b.add(x)
					return
				}
				b.appendNull()
			default:
				b.appendNull()
			}
		}
	case Bool:
		b := cb.(*boolCol)
		return func(c *rowCtx, ev *state.Event) {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindInt, fields.KindUint, fields.KindBool:
				b.add(v.I != 0)
			default:
				b.appendNull()
			}
		}
	case String, Binary:
		b := cb.(*strCol)
		var buf []byte
		if app := f.Append; app != nil && f.PrintText == nil { // the value's text, allocation-free
			return func(c *rowCtx, ev *state.Event) {
				var ok bool
				if buf, ok = app(buf[:0], ev, arg); ok {
					b.addBytes(buf)
				} else {
					b.appendNull()
				}
			}
		}
		add := b.add
		if fields.Closed(col.Field) != nil {
			add = b.addValid // the values are the event table's names
		}
		return func(c *rowCtx, ev *state.Event) {
			v := ex(ev, arg)
			switch v.Kind {
			case fields.KindNone:
				b.appendNull()
			case fields.KindString:
				add(v.S)
			default:
				buf = v.AppendText(buf[:0])
				b.addBytes(buf)
			}
		}
	}
	panic(fmt.Sprintf("columnar: member %s: no generic appender for type %s", col.Field, col.Type.SQL()))
}
