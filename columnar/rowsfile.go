package columnar

import (
	"bytes"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/internal/sqlquote"
)

// The compact layout's files (convert --layout compact) store event_rows in a file encoding
// that drops the members other members give back, and views.sql turns it back into the
// event_rows a database stores (EncodedRowsSelect). A database's event_rows is not affected.
//
// Each dropped member is rebuilt by a SQL expression over what the file keeps: a derivation
// plus, where the derivation can differ, an exception column in the struct enc that holds the
// true value on the rows where it differs and is NULL elsewhere (nearly free in Parquet). The
// writer computes the derivation itself, exactly as the SQL does, and stores the exception
// whenever the two differ, so the rebuilt values are exact by construction:
//
//   - evt.type, evt.dir and syscall.type come from the event's kind (the table event_kinds):
//     one row per distinct combination of event type, parameter count and these values
//     (no exceptions: the kind holds the values themselves);
//   - evt.arg and evt.rawarg are maps whose keys are the kind's parameter names (the first
//     parameter of a name wins: the kind lists those first-of-name positions); evt.arg's
//     values are evt.arglist's elements there, evt.rawarg's the parameter values
//     (enc.argvals, else evt.arglist) unless enc.rawarg says otherwise;
//   - evt.args is name=value(resolved) per parameter, from the kind's names, enc.argvals
//     (the value of each parameter that has a resolved text, NULL otherwise) and evt.arglist,
//     or '' for kinds that show none; enc.args otherwise;
//   - evt.rawtime is evt.time's nanoseconds, evt.reltime evt.rawtime - enc.time_base, and
//     evt.datetime the local time text, from evt.rawtime and the zone's offset in seconds
//     enc.utc_offset (which does not depend on the reader's time zone);
//   - thread.vmsize and thread.vmrss are proc.vmsize and proc.vmrss unless enc says otherwise
//     (enc.nulls has a bit for each member the derivation would not make NULL where it is).

// KindsTable is the table of event kinds that the file encoding of event_rows refers to.
const KindsTable = "event_kinds"

// encodedMembers are the members of event_rows the file encoding rebuilds rather than stores.
var encodedMembers = map[string]bool{
	"evt.datetime": true, "evt.rawtime": true, "evt.reltime": true, "evt.dir": true, "evt.type": true,
	"evt.args": true, "evt.arg": true, "evt.rawarg": true, "syscall.type": true,
	"thread.vmsize": true, "thread.vmrss": true,
}

// encStruct is the struct of the encoded file's own columns.
const encStruct = "enc"

// encColumns are the members of enc.
var encColumns = []Column{
	{Field: "enc.kind", Type: Int32, Doc: "event_kinds.id"},
	{Field: "enc.argvals", Type: StringList, Doc: "per parameter: its value if it has a resolved text, else NULL (NULL: none has)"},
	{Field: "enc.args", Type: String, Doc: "evt.args where the derivation differs"},
	{Field: "enc.rawarg", Type: StringList, Doc: "evt.rawarg values (in key order) where the derivation differs, else NULL"},
	{Field: "enc.utc_offset", Type: Int32, Doc: "the local time zone's offset at the event, in seconds"},
	{Field: "enc.datetime", Type: String, Doc: "evt.datetime where the derivation differs"},
	{Field: "enc.time_base", Type: Int64, Doc: "evt.rawtime - evt.reltime"},
	{Field: "enc.reltime", Type: Int64, Doc: "evt.reltime where the derivation differs"},
	{Field: "enc.vmsize", Type: Int64, Doc: "thread.vmsize where it is not proc.vmsize"},
	{Field: "enc.vmrss", Type: Int64, Doc: "thread.vmrss where it is not proc.vmrss"},
	{Field: "enc.nulls", Type: Int64, Doc: "bits 0, 1, 2: thread.vmsize, thread.vmrss, evt.reltime is NULL"},
}

// EncodedRowsColumns are the members of event_rows in the file encoding: the stored ones in
// table order, then enc.
var EncodedRowsColumns = sync.OnceValue(func() []Column {
	var out []Column
	for _, c := range CompactColumns()[PartEvent] {
		if !encodedMembers[c.Field] {
			out = append(out, c)
		}
	}
	for _, c := range encColumns {
		_, rest, _ := strings.Cut(c.Field, ".")
		c.Struct, c.Member, c.Extra = encStruct, rest, true
		out = append(out, c)
	}
	return out
})

// EncodedRowsSchema is the Arrow schema of event_rows in the file encoding.
var EncodedRowsSchema = sync.OnceValue(func() *arrow.Schema {
	return withIDs(schemaOf(EncodedRowsColumns()), []string{ThreadStateID, FDStateID})
})

// KindsSchema is the Arrow schema of event_kinds.
var KindsSchema = sync.OnceValue(func() *arrow.Schema {
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "names", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "keys", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
		{Name: "args", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "type", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "syscall_type", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "dir", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
})

// kindKey is what makes two events of the same kind: everything the kind's columns hold.
type kindKey struct {
	info  *et.Event
	n     int  // parameters rendered
	args  bool // evt.args shows the parameters (not a generic event)
	typ   string
	typOK bool
	sys   string // syscall.type
	sysOK bool
	dir   string
	dirOK bool
}

type eventKind struct {
	key        kindKey
	names      []string // sanitised
	namesValid bool     // no name needed sanitising
	keys       []int32  // 1-based positions of the first parameter of each name
}

// EventKinds numbers the kinds of events of the file encoding of event_rows; one value serves
// every capture of a conversion, whose event_kinds table it makes at the end (Record).
type EventKinds struct {
	ids   map[kindKey]int32
	kinds []*eventKind
}

// NewEventKinds returns an empty kind registry.
func NewEventKinds() *EventKinds { return &EventKinds{ids: map[kindKey]int32{}} }

// Len is the number of kinds.
func (k *EventKinds) Len() int { return len(k.kinds) }

func (k *EventKinds) id(key kindKey) (int32, *eventKind) {
	if id, ok := k.ids[key]; ok {
		return id, k.kinds[id]
	}
	ek := &eventKind{key: key, namesValid: true}
	seen := map[string]bool{}
	for i := 0; i < key.n; i++ {
		name := key.info.Params[i].Name
		ek.names = append(ek.names, validText(name))
		ek.namesValid = ek.namesValid && utf8.ValidString(name)
		if !seen[name] {
			seen[name] = true
			ek.keys = append(ek.keys, int32(i+1))
		}
	}
	id := int32(len(k.kinds))
	k.ids[key] = id
	k.kinds = append(k.kinds, ek)
	return id, ek
}

// Record is the event_kinds table (the caller releases it).
func (k *EventKinds) Record() arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, KindsSchema())
	defer b.Release()
	ids := b.Field(0).(*array.Int32Builder)
	names := b.Field(1).(*array.ListBuilder)
	nameVals := names.ValueBuilder().(*array.StringBuilder)
	keys := b.Field(2).(*array.ListBuilder)
	keyVals := keys.ValueBuilder().(*array.Int32Builder)
	args := b.Field(3).(*array.BooleanBuilder)
	typ := b.Field(4).(*array.StringBuilder)
	sys := b.Field(5).(*array.StringBuilder)
	dir := b.Field(6).(*array.StringBuilder)
	for i, ek := range k.kinds {
		ids.Append(int32(i))
		names.Append(true)
		for _, n := range ek.names {
			nameVals.Append(n)
		}
		keys.Append(true)
		keyVals.AppendValues(ek.keys, nil)
		args.Append(ek.key.args)
		if ek.key.typOK {
			typ.Append(ek.key.typ)
		} else {
			typ.AppendNull()
		}
		if ek.key.sysOK {
			sys.Append(ek.key.sys)
		} else {
			sys.AppendNull()
		}
		if ek.key.dirOK {
			dir.Append(ek.key.dir)
		} else {
			dir.AppendNull()
		}
	}
	return b.NewRecordBatch()
}

// encExtractors extract the members the encoding computes as the events table's appenders do.
type encExtractors struct {
	typ, dir, sys, rel, threadVMSize, threadVMRSS, procVMSize, procVMRSS func(ev *state.Event) fields.Value
}

var encExtract = sync.OnceValue(func() *encExtractors {
	get := func(name string) func(ev *state.Event) fields.Value {
		f, arg, err := fields.Lookup(name)
		if err != nil {
			panic("columnar: no extractor for " + name)
		}
		return func(ev *state.Event) fields.Value { return f.Extract(ev, arg) }
	}
	return &encExtractors{typ: get("evt.type"), dir: get("evt.dir"), sys: get("syscall.type"), rel: get("evt.reltime"),
		threadVMSize: get("thread.vmsize"), threadVMRSS: get("thread.vmrss"),
		procVMSize: get("proc.vmsize"), procVMRSS: get("proc.vmrss")}
})

// int64Value is a value as a BIGINT member stores it (ok false: NULL).
func int64Value(v fields.Value) (int64, bool) {
	switch v.Kind {
	case fields.KindInt, fields.KindUint, fields.KindBool:
		return v.I, true
	}
	return 0, false
}

// textValue is a value as a VARCHAR member stores it (ok false: NULL).
func textValue(v fields.Value) (string, bool) {
	switch v.Kind {
	case fields.KindNone:
		return "", false
	case fields.KindString:
		return validText(v.S), true
	}
	return validText(string(v.AppendText(nil))), true
}

// encRow is one row's encoded columns.
type encRow struct {
	kind     int32
	argvals  bool // some parameter has a resolved text
	args     []byte
	argsX    bool
	rawarg   []string
	rawargOK []bool
	rawargX  bool
	offset   int32
	datetime []byte
	dtX      bool
	base     int64
	baseOK   bool
	rel      int64
	relX     bool
	vm       [2]int64
	vmX      [2]bool
	nulls    int64

	derived []byte
	rawBuf  []byte
	offSec  int64
	offOK   bool
	offVal  int32
	secDtX  bool // the second offSec's date and clock text differs from its derivation

	kindCache []kindCacheEntry // per event type: the kind of the last event of that type
	x         *encExtractors
}

// kindCacheEntry remembers the kind of an event type's last event, with the values its key
// was made from (as extracted, before sanitising): an event whose values are the same has
// the same key.
type kindCacheEntry struct {
	set           bool
	info          *et.Event
	n             int
	typ, dir, sys fields.Value
	id            int32
	kind          *eventKind
}

// kindOf is the kind of the row's event.
func (c *rowCtx) kindOf(ev *state.Event, n int, x *encExtractors) (int32, *eventKind) {
	e := &c.enc
	typ, dir, sys := x.typ(ev), x.dir(ev), x.sys(ev)
	t := int(ev.Raw.Type)
	if t >= len(e.kindCache) {
		e.kindCache = append(e.kindCache, make([]kindCacheEntry, t+1-len(e.kindCache))...)
	}
	ce := &e.kindCache[t]
	if ce.set && ce.info == ev.Info && ce.n == n && ce.typ == typ && ce.dir == dir && ce.sys == sys {
		return ce.id, ce.kind
	}
	key := kindKey{info: ev.Info, n: n, args: fields.ArgsShown(ev)}
	key.typ, key.typOK = textValue(typ)
	key.dir, key.dirOK = textValue(dir)
	key.sys, key.sysOK = textValue(sys)
	id, kind := c.kinds.id(key)
	*ce = kindCacheEntry{set: true, info: ev.Info, n: n, typ: typ, dir: dir, sys: sys, id: id, kind: kind}
	return id, kind
}

// encoded computes the row's encoded columns once.
func (c *rowCtx) encoded() *encRow {
	e := &c.enc
	if c.encDone {
		return e
	}
	c.encDone = true
	ev := c.ev
	if e.x == nil {
		e.x = encExtract()
	}
	x := e.x
	ps := c.paramTexts()
	vt := c.validTexts()

	id, kind := c.kindOf(ev, len(ps), x)
	e.kind = id

	e.argvals = false
	for i := range ps {
		if ps[i].res != "" {
			e.argvals = true
			break
		}
	}

	// evt.args: what the view derives, against what the events table stores. Both are
	// name=value(resolved) per parameter from the same pieces (the kind's names are the
	// event's parameter names, evt.arglist's text is the resolved text where there is one),
	// or '' alike: they only differ where sanitising changed a piece.
	e.argsX = false
	if !vt.allValid || !kind.namesValid {
		d := e.derived[:0]
		if kind.key.args {
			d = derivedArgs(d, kind.names, vt.vals, vt.texts, ps)
		}
		e.derived = d
		want := c.args()
		if !utf8.Valid(want) {
			want = []byte(strings.ToValidUTF8(string(want), "\uFFFD"))
		}
		e.argsX = !bytes.Equal(d, want)
		if e.argsX {
			e.args = append(e.args[:0], want...)
		}
	}

	// evt.rawarg: the value text unless the raw text differs.
	e.rawarg, e.rawargOK = e.rawarg[:0], e.rawargOK[:0]
	e.rawargX = false
	for _, k := range kind.keys {
		i := int(k - 1)
		var s string
		s, e.rawBuf = textOf(fields.RawArgView(ev, i), e.rawBuf)
		s = validText(s)
		if s == vt.vals[i] {
			e.rawarg, e.rawargOK = append(e.rawarg, ""), append(e.rawargOK, false)
			continue
		}
		e.rawarg, e.rawargOK = append(e.rawarg, strings.Clone(s)), append(e.rawargOK, true)
		e.rawargX = true
	}

	// Times. The text of evt.datetime and its derivation both end in '.' and the same nine
	// digits of nanoseconds: they differ where their date and clock parts do, which only
	// change once a second.
	ts := ev.Raw.TS
	raw := int64(ts)
	e.dtX = raw < 0
	if !e.dtX {
		sec := raw / 1e9
		if !e.offOK || sec != e.offSec {
			_, off := time.Unix(sec, 0).Zone()
			e.offSec, e.offOK, e.offVal = sec, true, int32(off)
			e.derived = derivedDatetime(e.derived[:0], sec*1e9, e.offVal)
			e.datetime = fields.AppendDatetime(e.datetime[:0], ts)
			e.secDtX = string(e.derived[:len(e.derived)-10]) != string(e.datetime[:len(e.datetime)-10])
		}
		e.dtX = e.secDtX
	}
	e.offset = e.offVal
	if e.dtX {
		e.datetime = fields.AppendDatetime(e.datetime[:0], ts)
	}
	e.nulls = 0
	rel, relOK := int64Value(x.rel(ev))
	e.baseOK, e.relX = false, false
	if !relOK {
		e.nulls |= 1 << 2
	} else {
		e.base, e.baseOK = relBase(raw, rel)
		e.rel, e.relX = rel, !e.baseOK
	}

	// thread.vmsize and thread.vmrss against proc's.
	e.vmOverride(0, x.threadVMSize(ev), x.procVMSize(ev))
	e.vmOverride(1, x.threadVMRSS(ev), x.procVMRSS(ev))
	return e
}

// vmOverride sets the exception of thread.vmsize (j 0) or thread.vmrss (j 1), the thread's
// value t against the process's p.
func (e *encRow) vmOverride(j int, t, p fields.Value) {
	tv, tOK := int64Value(t)
	pv, pOK := int64Value(p)
	var null bool
	e.vm[j], e.vmX[j], null = overrides(tv, tOK, pv, pOK)
	if null {
		e.nulls |= 1 << j
	}
}

// derivedArgs appends evt.args as the view derives it from the kind's names, the parameters'
// value texts and evt.arglist's texts (as stored): name=value, then (text) where the
// parameter has a resolved text, then a space, for each parameter.
func derivedArgs(dst []byte, names, vals, texts []string, ps []paramText) []byte {
	for i := range ps {
		dst = append(dst, names[i]...)
		dst = append(dst, '=')
		dst = append(dst, vals[i]...)
		if ps[i].res != "" {
			dst = append(dst, '(')
			dst = append(dst, texts[i]...)
			dst = append(dst, ')')
		}
		dst = append(dst, ' ')
	}
	return dst
}

// relBase is the enc.time_base of evt.rawtime raw and evt.reltime rel: raw - base must give
// rel back without overflowing a BIGINT (ok false: store rel itself).
func relBase(raw, rel int64) (base int64, ok bool) {
	base = raw - rel
	if (raw^base)&(raw^rel) < 0 { // raw - base overflows
		return 0, false
	}
	return base, true
}

// overrides compares a member (v, NULL unless ok) with the member it is derived from (d,
// NULL unless dOK): x is the exception to store (if xOK), null says the member must be
// forced to NULL.
func overrides(v int64, ok bool, d int64, dOK bool) (x int64, xOK, null bool) {
	switch {
	case ok && (!dOK || d != v):
		return v, true, false
	case !ok && dOK:
		return 0, false, true
	}
	return 0, false, false
}

// derivedDatetime appends evt.datetime as the view derives it from the nanoseconds raw (≥ 0)
// and the zone offset in seconds: strftime of the shifted second, '.', the nanoseconds.
func derivedDatetime(dst []byte, raw int64, offset int32) []byte {
	dst = time.Unix(raw/1e9+int64(offset), 0).UTC().AppendFormat(dst, "2006-01-02 15:04:05")
	return fields.AppendNanos(append(dst, '.'), uint64(raw))
}

// encAppenders append the members of enc.
var encAppenders = map[string]func(column) appender{
	"enc.kind": func(cb column) appender {
		b := cb.(*numCol[int32])
		return func(c *rowCtx, ev *state.Event) { b.add(c.encoded().kind) }
	},
	"enc.argvals": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			e := c.encoded()
			if !e.argvals {
				l.appendNull()
				return
			}
			l.start()
			vals := c.validTexts().vals
			for i, p := range c.paramTexts() {
				if p.res != "" {
					vb.addValid(vals[i])
				} else {
					vb.appendNull()
				}
				l.grow()
			}
		}
	},
	"enc.args": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			if e := c.encoded(); e.argsX {
				b.addBytes(e.args)
				return
			}
			b.appendNull()
		}
	},
	"enc.rawarg": func(cb column) appender {
		l := cb.(*listCol)
		vb := l.child.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			e := c.encoded()
			if !e.rawargX {
				l.appendNull()
				return
			}
			l.start()
			for i, s := range e.rawarg {
				if e.rawargOK[i] {
					vb.addValid(s)
				} else {
					vb.appendNull()
				}
				l.grow()
			}
		}
	},
	"enc.utc_offset": func(cb column) appender {
		b := cb.(*numCol[int32])
		return func(c *rowCtx, ev *state.Event) { b.add(c.encoded().offset) }
	},
	"enc.datetime": func(cb column) appender {
		b := cb.(*strCol)
		return func(c *rowCtx, ev *state.Event) {
			if e := c.encoded(); e.dtX {
				b.addBytes(e.datetime)
				return
			}
			b.appendNull()
		}
	},
	"enc.time_base": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			if e := c.encoded(); e.baseOK {
				b.add(e.base)
				return
			}
			b.appendNull()
		}
	},
	"enc.reltime": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			if e := c.encoded(); e.relX {
				b.add(e.rel)
				return
			}
			b.appendNull()
		}
	},
	"enc.vmsize": vmAppender(0),
	"enc.vmrss":  vmAppender(1),
	"enc.nulls": func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			if e := c.encoded(); e.nulls != 0 {
				b.add(e.nulls)
				return
			}
			b.appendNull()
		}
	},
}

func vmAppender(j int) func(column) appender {
	return func(cb column) appender {
		b := cb.(*numCol[int64])
		return func(c *rowCtx, ev *state.Event) {
			if e := c.encoded(); e.vmX[j] {
				b.add(e.vm[j])
				return
			}
			b.appendNull()
		}
	}
}

// encodedSQL are the SQL expressions that rebuild the encoded members, over the file's rows r
// and their kind k. $RT stands for evt.rawtime.
var encodedSQL = map[string]string{
	"evt.rawtime": `$RT`,
	"evt.datetime": `coalesce(r.enc.datetime, strftime(make_timestamp(($RT // 1000000000 + r.enc.utc_offset) * 1000000), ` +
		`'%Y-%m-%d %H:%M:%S') || '.' || lpad(CAST($RT % 1000000000 AS VARCHAR), 9, '0'))`,
	"evt.reltime": `CASE WHEN coalesce(r.enc.nulls, 0) & 4 = 0 THEN coalesce(r.enc.reltime, $RT - r.enc.time_base) END`,
	"evt.dir":     `k.dir`,
	"evt.type":    `k."type"`,
	"evt.args": `coalesce(r.enc.args, CASE WHEN k.args THEN array_to_string(list_transform(r.evt.arglist, (a_, i_) -> ` +
		`k.names[i_] || '=' || coalesce(r.enc.argvals[i_], a_) || CASE WHEN r.enc.argvals[i_] IS NULL THEN ' ' ` +
		`ELSE '(' || a_ || ') ' END), '') ELSE '' END)`,
	"evt.arg": `map(list_select(k.names, k.keys), list_select(r.evt.arglist, k.keys))`,
	"evt.rawarg": `map(list_select(k.names, k.keys), list_transform(k.keys, (p_, j_) -> ` +
		`coalesce(r.enc.rawarg[j_], r.enc.argvals[p_], r.evt.arglist[p_])))`,
	"syscall.type":  `k.syscall_type`,
	"thread.vmsize": `CASE WHEN coalesce(r.enc.nulls, 0) & 1 = 0 THEN coalesce(r.enc.vmsize, r.proc_now.vmsize) END`,
	"thread.vmrss":  `CASE WHEN coalesce(r.enc.nulls, 0) & 2 = 0 THEN coalesce(r.enc.vmrss, r.proc_now.vmrss) END`,
}

// EncodedRowsSelect is a query for event_rows as a database stores it, from rows (a FROM item
// for the file encoding of event_rows) and kinds (one for event_kinds).
func EncodedRowsSelect(rows, kinds string) string {
	rt := `epoch_ns(r.evt."time")`
	var b strings.Builder
	b.WriteString("SELECT r.capture, r." + sqlquote.Ident(ThreadStateID) + ", r." + sqlquote.Ident(FDStateID))
	cols := CompactColumns()[PartEvent]
	for _, s := range structOrder(cols) {
		var ms []*Column
		encoded := false
		for i := range cols {
			if cols[i].Struct == s {
				ms = append(ms, &cols[i])
				encoded = encoded || encodedMembers[cols[i].Field]
			}
		}
		b.WriteString(", ")
		if !encoded {
			b.WriteString("r." + sqlquote.Ident(s))
			continue
		}
		b.WriteString("struct_pack(")
		for i, c := range ms {
			if i > 0 {
				b.WriteString(", ")
			}
			expr := "r." + sqlquote.Ident(s) + "." + sqlquote.Ident(c.Member)
			if sql, ok := encodedSQL[c.Field]; ok {
				expr = strings.ReplaceAll(sql, "$RT", rt)
			}
			b.WriteString(`"` + c.Member + `" := ` + expr)
		}
		b.WriteString(") AS " + sqlquote.Ident(s))
	}
	b.WriteString(" FROM " + rows + " r JOIN " + kinds + " k ON k.id = r.enc.kind")
	return b.String()
}
