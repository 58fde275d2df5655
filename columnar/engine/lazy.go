package engine

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/compress"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/internal/sqlquote"
)

// A lazy database (OpenLazy) reads its captures only when a question needs them, and then
// only what the question reads: Prepare asks DuckDB's parser which events members and side
// tables a statement names, and one pass over each capture builds the members not built yet
// (columnar's projected builder) into a table of their own in the internal schema. The
// events view joins a capture's member tables by position (each holds the capture's events
// in order) and gives every other member as NULL of its type, so events always has its whole
// schema (DESCRIBE, docs/schema.md) while each question pays for its own members, once.
// DuckDB keeps the member tables in its buffer pool and spills them past its memory limit.

// internalSchema holds the member tables; the shell does not list it.
const internalSchema = "scapql_internal"

// lazySet is the state of a lazy database.
type lazySet struct {
	captures []*lazyCapture
	files    []*tableFile // tables held in files
	tables   int          // internal tables made so far, for their names
	spool    string       // directory of standard input copied to a file
	// Progress, when set, is called during a pass with the capture's path, the bytes read
	// and its size.
	progress func(path string, read, size int64)
	ingest   ingest.Options
	audited  bool // the captures' plugin events are in the audit tables
	// pushed are the tables built under pushed conditions (pushdown.go), most recent last;
	// pushedMembers the members such a pass built; narrowed whether the temporary view
	// events reads them (the last statement prepared was pushed down).
	pushed        []*pushedSet
	pushedMembers map[string]bool
	narrowed      bool
}

// pushedSet is what a pass under a pushed condition built: per capture, a table of the
// members named holding the events that can match.
type pushedSet struct {
	key     string // the condition of the statements it serves
	members map[string]bool
	tables  map[*lazyCapture]memberTable
}

// lazyCapture is one capture of a lazy database and its member tables, in build order.
type lazyCapture struct {
	path, name string
	size       int64
	groups     []memberTable
	built      map[string]bool // members built
	sides      map[string]bool // side tables filled
	staged     string          // the whole events table as a Parquet file, once a question read most of it
}

// memberTable is a table of some members of a capture's events.
type memberTable struct {
	name    string
	members []columnar.Column
}

// DefaultMemoryLimit is DuckDB's memory limit in a lazy database: what questions built stays
// in memory up to it and spills to a temporary directory past it, so that with the reader's
// own few hundred MB a session stays under 1 GB whatever the capture's size.
const DefaultMemoryLimit = "640MB"

// OpenLazy opens an in-memory database whose captures (AddInputs) are read only as
// questions need them (see Prepare).
func OpenLazy(ctx context.Context) (*DB, error) {
	db, err := open(ctx, "")
	if err != nil {
		return nil, err
	}
	db.lazy = &lazySet{}
	if _, err := db.conn.ExecContext(ctx, `CREATE SCHEMA `+internalSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.SetMemoryLimit(ctx, DefaultMemoryLimit); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// SetMemoryLimit sets DuckDB's memory limit ("640MB", "4GB"); past it, tables and operators
// spill to the database's temporary directory.
func (db *DB) SetMemoryLimit(ctx context.Context, limit string) error {
	if _, err := db.conn.ExecContext(ctx, `SET memory_limit = `+sqlquote.String(strings.ToValidUTF8(limit, ""))); err != nil {
		return fmt.Errorf("memory limit %q: %w", limit, err)
	}
	return nil
}

// Lazy reports whether the database reads its captures as questions need them.
func (db *DB) Lazy() bool { return db.lazy != nil }

// SetProgress sets the function a lazy database calls as a pass reads a capture.
func (db *DB) SetProgress(f func(path string, read, size int64)) {
	if db.lazy != nil {
		db.lazy.progress = f
	}
}

// SetIngestOptions sets how a lazy database reads its captures (damaged blocks, limits).
func (db *DB) SetIngestOptions(opts ingest.Options) {
	if db.lazy != nil {
		db.lazy.ingest = opts
	}
}

// AddInputs adds inputs to a lazy database: capture files, each checked to be a capture
// now and read when a question needs it, and the table files convert writes (see files.go).
// Standard input ("-") is copied to a temporary file first, since it can be read only once.
// The side tables and the events view exist from now on, empty until a question reads them.
func (db *DB) AddInputs(ctx context.Context, paths []string) error {
	if db.lazy == nil {
		return errors.New("AddInputs needs a lazy database")
	}
	for _, p := range paths {
		if p != "-" && IsTableFile(p) {
			if err := db.addTableFiles(ctx, p); err != nil {
				return err
			}
			continue
		}
		c := &lazyCapture{path: p, name: columnar.CaptureName(p), built: map[string]bool{}, sides: map[string]bool{}}
		if p == "-" {
			spooled, err := db.spoolStdin()
			if err != nil {
				return err
			}
			c.path = spooled
		}
		if err := checkCapture(c.path, db.lazy.ingest); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if info, err := os.Stat(c.path); err == nil {
			c.size = info.Size()
		}
		for _, have := range db.lazy.captures {
			if have.name == c.name {
				return fmt.Errorf("%s: the capture is loaded already", p)
			}
		}
		db.lazy.captures = append(db.lazy.captures, c)
	}
	if len(db.lazy.captures) == 0 && len(db.lazy.files) == 0 {
		return nil
	}
	if err := db.createSideTables(ctx); err != nil {
		return err
	}
	return db.createEventsView(ctx)
}

// checkCapture opens a capture far enough to know it is one.
func checkCapture(path string, opts ingest.Options) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := ingest.NewSource(f, path, opts)
	if err != nil {
		return err
	}
	return src.Close()
}

// spoolStdin copies standard input into a file of the database's temporary directory.
func (db *DB) spoolStdin() (string, error) {
	dir := db.lazy.spool
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "scapql-stdin-"); err != nil {
			return "", err
		}
		db.lazy.spool = dir
	}
	f, err := os.CreateTemp(dir, "stdin-*.scap")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, os.Stdin); err != nil {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	return f.Name(), f.Close()
}

// createSideTables makes the side tables (empty) that do not exist yet.
func (db *DB) createSideTables(ctx context.Context) error {
	for i := range columnar.Tables {
		t := &columnar.Tables[i]
		if t.Name == "events" {
			continue
		}
		ddl, err := createTableAs(t.Name, t.Schema())
		if err != nil {
			return err
		}
		ddl = strings.Replace(ddl, "CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1)
		if _, err := db.conn.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("create %s: %w", t.Name, err)
		}
	}
	return nil
}

// Prepare makes ready what a statement reads and returns the names its result's columns
// should be shown under: a bare member reference is headed by its dotted name (proc.name,
// fd.name), where DuckDB would head both by "name"; nil keeps DuckDB's names. On a lazy
// database it first builds the events members and fills the side tables the statement
// names (and the ones of the filter set with SetFilter), in one pass over each capture.
func (db *DB) Prepare(ctx context.Context, sqlText string) ([]string, error) {
	r, err := parseRefs(ctx, db.conn, sqlText)
	if err != nil {
		return nil, err
	}
	if db.lazy == nil {
		return r.headers, nil
	}
	var filterDoc map[string]any
	if db.filter != "" && r.reads("events") {
		fr, err := parseRefs(ctx, db.conn, "SELECT 1 FROM events WHERE "+db.filter)
		if err != nil {
			return nil, err
		}
		for m := range fr.members {
			r.members[m] = true
		}
		r.all = r.all || fr.all
		filterDoc = fr.doc
	}
	pushed, err := db.pushDown(ctx, r, filterDoc)
	if err != nil {
		return nil, err
	}
	if pushed {
		return r.headers, nil
	}
	if err := db.widen(ctx); err != nil {
		return nil, err
	}
	if err := db.build(ctx, r); err != nil {
		return nil, err
	}
	if err := db.fillFromFiles(ctx, r); err != nil {
		return nil, err
	}
	if (r.reads("cloudtrail") || r.reads("k8saudit")) && !db.lazy.audited && len(db.lazy.captures) > 0 {
		// Plugin events of the captures (audit records Falco recorded) fill the audit tables.
		var paths []string
		for _, c := range db.lazy.captures {
			paths = append(paths, c.path)
		}
		if _, err := db.LoadAudit(ctx, nil, paths); err != nil {
			return nil, err
		}
		db.lazy.audited = true
	}
	return r.headers, nil
}

// build makes one pass over each capture that lacks members or side tables r reads.
func (db *DB) build(ctx context.Context, r *refs) error {
	want := wholeMembers(r)
	var ins inserter
	defer func() {
		if ins != nil {
			ins.close()
		}
	}()
	rebuilt := false
	for _, c := range db.lazy.captures {
		members, tables := c.lacks(r, want)
		if len(members) == 0 && len(tables) == 0 {
			continue
		}
		if 2*len(members) > len(columnar.EventColumns()) {
			if ins == nil {
				var err error
				if ins, err = newInserter(ctx, db); err != nil {
					return err
				}
			}
			if err := db.stage(ctx, ins, c, tables); err != nil {
				return err
			}
			rebuilt = true
			continue
		}
		if err := db.pass(ctx, c, tables, members, nil, nil); err != nil {
			return err
		}
		rebuilt = rebuilt || len(members) > 0
	}
	if rebuilt {
		return db.createEventsView(ctx)
	}
	return nil
}

// wholeMembers is what r reads of every event: the members it names (evt.num only when
// named), every member when it reads them all or names one that cannot be placed.
func wholeMembers(r *refs) []string {
	if !r.reads("events") {
		return nil
	}
	cols, err := columnar.SelectColumns(r.memberList())
	if err != nil || r.all {
		cols = columnar.EventColumns() // all, or a name it could not place: all, to be sure
	}
	var out []string
	for _, c := range cols {
		// Every projection carries evt.num; it is built only when read.
		if !c.Null && (c.Field != "evt.num" || r.members["evt.num"] || r.all) {
			out = append(out, c.Field)
		}
	}
	return out
}

// lacks is what a pass over the capture must do for r: the members of want not built yet
// (evt.num when r reads the events and nothing is built: the rows themselves, for
// count(*)), and the side tables r reads not filled yet.
func (c *lazyCapture) lacks(r *refs, want []string) (members, tables []string) {
	for _, m := range want {
		if !c.built[m] {
			members = append(members, m)
		}
	}
	if r.reads("events") && len(c.groups) == 0 && c.staged == "" && len(members) == 0 {
		members = []string{"evt.num"}
	}
	for _, t := range columnar.Tables {
		if t.Name != "events" && r.reads(t.Name) && !c.sides[t.Name] {
			tables = append(tables, t.Name)
		}
	}
	return members, tables
}

// pass reads one capture, inserting the members named (if any) into a new member table of
// every event, filling the side tables listed and the extra outputs (each with its own
// condition; nil: none), and giving observe (if any) every event.
func (db *DB) pass(ctx context.Context, c *lazyCapture, tables, members []string,
	extra []*passOutput, observe func(path string, ev *state.Event) error) error {
	outs := extra
	if len(members) > 0 {
		out, err := db.newOutput(ctx, members, nil)
		if err != nil {
			return err
		}
		outs = append([]*passOutput{out}, extra...)
	}
	if err := db.passInto(ctx, c, tables, outs, observe); err != nil {
		return err
	}
	for _, t := range tables {
		c.sides[t] = true
	}
	if len(members) == 0 {
		return nil
	}
	return db.addGroup(ctx, c, outs[0].table)
}

// addGroup adds a member table built for every event of a capture to its groups.
func (db *DB) addGroup(ctx context.Context, c *lazyCapture, g memberTable) error {
	c.groups = append(c.groups, g)
	for _, m := range g.members {
		c.built[m.Field] = true
	}
	if len(c.groups) > maxMemberTables {
		return db.mergeMemberTables(ctx, c)
	}
	return nil
}

// passOutput is a member table a pass fills: the members it holds, for the events for which
// its condition (whole.cond; nil: every event) can be true.
type passOutput struct {
	table  memberTable
	events columnar.EventSet // the events the condition can be true for, as far as told before building them
	// whole tests the condition; picked tests what is left of it on the rows picked by
	// events' types and direction (beyondPick).
	whole, picked rowTest
}

// rowTest is a condition on a batch's rows and the members it reads (cond nil: none).
type rowTest struct {
	cond rowCond
	cols []columnar.Column
}

// newRowTest is the test of cond.
func newRowTest(cond rowCond) (rowTest, error) {
	if cond == nil {
		return rowTest{}, nil
	}
	read := map[string]bool{}
	cond.members(read)
	cols, err := columnar.SelectColumns(slices.Sorted(maps.Keys(read)))
	return rowTest{cond: cond, cols: cols}, err
}

// typeIndex numbers the event types of a batch's rows (evt.type), to pick an output's rows
// by type with one look-up per distinct type rather than a text comparison per row, and
// tells its exit events (evt.dir).
type typeIndex struct {
	names []string // distinct types, by number
	ids   []int32  // per row; -1: NULL
	exit  []bool   // per row: evt.dir is '<' (nil: the batch has no evt.dir)
}

// newTypeIndex indexes the rows of a batch of the events table by type (nil: the batch has
// no evt.type).
func newTypeIndex(rec arrow.RecordBatch) *typeIndex {
	idx := rec.Schema().FieldIndices("evt")
	if len(idx) != 1 {
		return nil
	}
	evt, ok := rec.Column(idx[0]).(*array.Struct)
	if !ok {
		return nil
	}
	j, ok := evt.DataType().(*arrow.StructType).FieldIdx("type")
	if !ok {
		return nil
	}
	col, ok := evt.Field(j).(*array.String)
	if !ok {
		return nil
	}
	t := &typeIndex{ids: make([]int32, col.Len())}
	if j, ok := evt.DataType().(*arrow.StructType).FieldIdx("dir"); ok {
		if dir, ok := evt.Field(j).(*array.String); ok {
			t.exit = make([]bool, dir.Len())
			for i := range t.exit {
				t.exit[i] = dir.IsValid(i) && dir.Value(i) == "<"
			}
		}
	}
	num := map[string]int32{}
	for i := range t.ids {
		if col.IsNull(i) {
			t.ids[i] = -1
			continue
		}
		s := col.Value(i)
		n, ok := num[s]
		if !ok {
			n = int32(len(t.names))
			num[s] = n
			t.names = append(t.names, s)
		}
		t.ids[i] = n
	}
	return t
}

// rows marks the rows of the set's events, as far as their type and direction tell (nil:
// none is).
func (t *typeIndex) rows(set columnar.EventSet) []bool {
	allowed := make([]bool, len(t.names))
	some := false
	for i, n := range t.names {
		allowed[i] = set.Types == nil || set.Types[n]
		some = some || allowed[i]
	}
	if !some {
		return nil
	}
	exit := t.exit
	if !set.Exit {
		exit = nil
	}
	mask := make([]bool, len(t.ids))
	for i, id := range t.ids {
		mask[i] = id >= 0 && allowed[id] && (exit == nil || exit[i])
	}
	return mask
}

// picks reports whether rows can tell some rows out of the set.
func (t *typeIndex) picks(set columnar.EventSet) bool {
	return t != nil && (set.Types != nil || set.Exit && t.exit != nil)
}

// newOutput creates an empty member table of the members named.
func (db *DB) newOutput(ctx context.Context, members []string, keep rowCond) (*passOutput, error) {
	cols, err := columnar.SelectColumns(members)
	if err != nil {
		return nil, err
	}
	// A projection always carries evt.num; a member table holds it only when asked, since
	// the view joins the tables by position.
	if !slices.Contains(members, "evt.num") {
		cols = slices.DeleteFunc(cols, func(c columnar.Column) bool { return c.Field == "evt.num" })
	}
	db.lazy.tables++
	t := memberTable{name: fmt.Sprintf("members_%d", db.lazy.tables), members: cols}
	ddl, err := memberTableDDL(db.qualified(internalSchema+"."+t.name), cols)
	if err != nil {
		return nil, err
	}
	if _, err := db.conn.ExecContext(ctx, ddl); err != nil {
		return nil, fmt.Errorf("create member table: %w", err)
	}
	o := &passOutput{table: t,
		events: columnar.EventSet{Types: eventTypes(keep), Failed: onlyFailed(keep), Exit: onlyExit(keep)}}
	if o.whole, err = newRowTest(keep); err != nil {
		return nil, err
	}
	if o.picked, err = newRowTest(beyondPick(keep, o.events)); err != nil {
		return nil, err
	}
	return o, nil
}

// passInto reads one capture once, filling each output's member table (see passOutput) and
// the side tables listed. The events are built with the members of all the outputs; an
// event none of them can keep (as told before building it) is not built at all. On an error nothing it made is
// left: the outputs' tables are dropped.
func (db *DB) passInto(ctx context.Context, c *lazyCapture, tables []string, outs []*passOutput, observe func(path string, ev *state.Event) error) error {
	// Each member is built for the events the outputs that hold it can keep, and an event is
	// built at all when an output can keep it.
	var members []string
	memberEvents := map[string]columnar.EventSets{}
	var kept columnar.EventSet // a superset of the outputs' sets, one test per event
	for i, o := range outs {
		for _, m := range o.table.members {
			if sets, seen := memberEvents[m.Field]; seen {
				memberEvents[m.Field] = sets.Add(o.events)
			} else {
				members = append(members, m.Field)
				memberEvents[m.Field] = columnar.EventSets{o.events}
			}
		}
		if i == 0 {
			kept = o.events
		} else {
			kept = kept.Union(o.events)
		}
	}
	if len(outs) > 0 {
		tables = append(slices.Clip(tables), "events")
	}
	// The member table of every event, when the pass fills others too, is appended to on a
	// connection of its own, beside them: DuckDB appends to two tables at once, and that
	// table alone cost as much as all the others (4M-event report).
	narrow := outs
	byTypes := false // an output picks its rows by type or direction
	for _, o := range outs {
		byTypes = byTypes || o.events.Types != nil || o.events.Exit
	}
	end := transaction(ctx, db.conn)
	ins, err := newPassInserter(ctx, db, db.conn)
	if err != nil {
		end(false)
		return err
	}
	var whole *columnar.AsyncSink
	closeWhole := func() error { return nil }
	if len(outs) > 1 && outs[0].whole.cond == nil {
		w, done, err := db.wholeSink(ctx, outs[0])
		if err != nil {
			ins.close()
			end(false)
			return err
		}
		whole, closeWhole, narrow = w, done, outs[1:]
	}
	sink := columnar.NewAsyncSink(columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
		if table != "events" {
			return ins.insert(ctx, table, rec)
		}
		if whole != nil {
			if err := whole.Write(table, rec); err != nil {
				return err
			}
		}
		var byType *typeIndex
		if byTypes {
			byType = newTypeIndex(rec)
		}
		for _, o := range narrow {
			if err := insertKept(ctx, ins, internalSchema+"."+o.table.name, rec, o, byType); err != nil {
				return err
			}
		}
		return nil
	}), 1)
	opts := db.readOptions(c)
	opts.Tables = tables
	if opts.Tables == nil {
		opts.Tables = []string{} // none (nil is every table)
	}
	if observe != nil {
		opts.Observe = func(ev *state.Event) error { return observe(c.path, ev) }
	}
	if len(outs) > 0 {
		opts.Members = members
	}
	opts.MemberEvents = memberEvents
	if len(outs) > 0 && !kept.Every() {
		opts.Keep = kept.Has // other events are not even built
	}
	_, err = columnar.ReadCapture(ctx, c.path, sink, opts)
	err = errors.Join(err, sink.Close(), closeWhole(), ins.close())
	err = errors.Join(err, end(err == nil))
	if err != nil {
		for _, o := range outs {
			db.conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+db.qualified(internalSchema+"."+o.table.name))
		}
		for _, t := range tables {
			if t != "events" {
				db.conn.ExecContext(context.WithoutCancel(ctx), `DELETE FROM `+db.Table(t)+` WHERE capture = ?`, c.name)
			}
		}
		return err
	}
	return nil
}

// wholeSink is a sink inserting the member table out (of every event) through a connection
// of its own; done waits for its batches, closes its inserter (its rows are then in the
// table) and its connection.
func (db *DB) wholeSink(ctx context.Context, out *passOutput) (*columnar.AsyncSink, func() error, error) {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("second connection: %w", err)
	}
	end := transaction(ctx, conn)
	ins, err := newPassInserter(ctx, db, conn)
	if err != nil {
		end(false)
		conn.Close()
		return nil, nil, err
	}
	sink := columnar.NewAsyncSink(columnar.SinkFunc(func(_ string, rec arrow.RecordBatch) error {
		return insertKept(ctx, ins, internalSchema+"."+out.table.name, rec, out, nil)
	}), 1)
	done := func() error {
		err := errors.Join(sink.Close(), ins.close())
		return errors.Join(err, end(err == nil), conn.Close())
	}
	return sink, done, nil
}

// transaction begins a transaction on c for a pass's appends; end commits it (ok) or rolls it
// back. Appended batches then reach their tables in one merge at the commit, not in a commit
// each: 4M rows of eight members took 1.7 s to append instead of 2.9 s, the texts' column
// statistics being updated once. When c is in a transaction already (one a user began in
// the shell), the appends join it and end does nothing.
func transaction(ctx context.Context, c *sql.Conn) (end func(ok bool) error) {
	if _, err := c.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return func(bool) error { return nil }
	}
	return func(ok bool) error {
		if !ok {
			c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return nil
		}
		if _, err := c.ExecContext(ctx, "COMMIT"); err != nil {
			return fmt.Errorf("commit the pass: %w", err)
		}
		return nil
	}
}

// insertKept inserts into table the output's members of the rows of rec it keeps: those of
// the types (and direction) its condition allows (byType indexes rec's rows; nil: none is
// picked so) for which its condition is true. The condition reads its own members of those
// rows only (and there, what their type and direction make true is not tested again), and
// the output's members are taken once, for the rows kept. Texts go as they
// are: turning repeated ones into dictionaries first (columnar's interning) cost more than
// DuckDB saved on them once in-memory checkpoints were off (4M-event report: 15.3–16.1 s
// against 12.7–12.9 s).
func insertKept(ctx context.Context, ins inserter, table string, rec arrow.RecordBatch, o *passOutput, byType *typeIndex) error {
	var mask []bool // nil: every row
	test := o.whole
	if byType.picks(o.events) {
		if mask = byType.rows(o.events); mask == nil {
			return nil
		}
		if !o.events.Exit || byType.exit != nil { // picked by direction too
			test = o.picked
		}
	}
	if test.cond != nil {
		var err error
		if mask, err = keepMask(ctx, rec, test, mask); err != nil || mask == nil {
			return err
		}
	}
	flat := project(rec, o.table.members)
	defer flat.Release()
	if mask != nil {
		part, err := pick(ctx, flat, func(i int) bool { return mask[i] })
		if err != nil || part == nil {
			return err
		}
		defer part.Release()
		flat = part
	}
	return ins.insert(ctx, table, flat)
}

// maxMemberTables bounds the tables the events view joins per capture: a long session that
// keeps asking for new members has them merged into one table now and then.
const maxMemberTables = 6

// mergeMemberTables replaces a capture's member tables by one holding each member once.
func (db *DB) mergeMemberTables(ctx context.Context, c *lazyCapture) error {
	db.lazy.tables++
	merged := memberTable{name: fmt.Sprintf("members_%d", db.lazy.tables)}
	seen := map[string]bool{}
	var cols, from []string
	for i, g := range c.groups {
		alias := fmt.Sprintf("m%d", i)
		from = append(from, db.qualified(internalSchema+"."+g.name)+" "+alias)
		for _, m := range g.members {
			if !seen[m.Field] {
				seen[m.Field] = true
				merged.members = append(merged.members, m)
				cols = append(cols, alias+"."+sqlquote.QuotedIdent(m.Struct+"."+m.Member))
			}
		}
	}
	q := `CREATE TABLE ` + db.qualified(internalSchema+"."+merged.name) + ` AS SELECT ` + strings.Join(cols, ", ") +
		` FROM ` + strings.Join(from, " POSITIONAL JOIN ")
	if _, err := db.conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("merge member tables: %w", err)
	}
	old := c.groups
	c.groups = []memberTable{merged}
	if err := db.createEventsView(ctx); err != nil {
		return err
	}
	for _, g := range old {
		if _, err := db.conn.ExecContext(ctx, `DROP TABLE `+db.qualified(internalSchema+"."+g.name)); err != nil {
			return fmt.Errorf("merge member tables: %w", err)
		}
	}
	return nil
}

// stage writes a capture's whole events table to a Parquet file of the database's temporary
// directory, which the events view then reads in place, and fills the side tables listed. A
// question that reads most members (SELECT *) takes this path: the conversion's builder
// (WideBuilder: states extracted once per batch, texts as dictionaries) and a Parquet file
// are many times faster than inserting every member of every event into DuckDB, and the
// memory stays that of a conversion.
func (db *DB) stage(ctx context.Context, ins inserter, c *lazyCapture, tables []string) error {
	db.lazy.tables++
	path := filepath.Join(db.spill, fmt.Sprintf("events_%d.parquet", db.lazy.tables))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	snappy := compress.Codecs.Snappy
	w, err := columnar.NewParquetWriter(bw, columnar.DictEventSchema(),
		columnar.ParquetOptions{Codec: &snappy, Fast: true, StoredSchema: columnar.EventSchema()})
	if err != nil {
		f.Close()
		return err
	}
	sink := columnar.NewAsyncSink(columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
		if table == "events" {
			return w.Write(rec)
		}
		return ins.insert(ctx, table, rec)
	}), 1)
	opts := db.readOptions(c)
	opts.Tables, opts.DictStates = append(slices.Clone(tables), "events"), true
	_, err = columnar.ReadCapture(ctx, c.path, sink, opts)
	err = errors.Join(err, sink.Close(), w.Close(), bw.Flush(), f.Close())
	if err != nil {
		os.Remove(path)
		for _, t := range tables {
			db.conn.ExecContext(context.WithoutCancel(ctx), `DELETE FROM `+db.Table(t)+` WHERE capture = ?`, c.name)
		}
		return err
	}
	for _, g := range c.groups {
		db.conn.ExecContext(ctx, `DROP TABLE IF EXISTS `+db.qualified(internalSchema+"."+g.name))
	}
	c.groups, c.staged = nil, path
	for _, m := range columnar.EventColumns() {
		c.built[m.Field] = true
	}
	for _, t := range tables {
		c.sides[t] = true
	}
	return nil
}

// readOptions are the options every pass over a capture reads it with: its name, the
// database's ingest options, and the progress callback.
func (db *DB) readOptions(c *lazyCapture) columnar.ReadOptions {
	opts := columnar.ReadOptions{Capture: c.name, Ingest: db.lazy.ingest}
	if f := db.lazy.progress; f != nil {
		opts.Progress = func(read int64) { f(c.path, read, c.size) }
	}
	return opts
}

// qualified names a table for the inserter: internal member tables by their schema, the
// others in main.
func (db *DB) qualified(name string) string {
	if s, t, ok := strings.Cut(name, "."); ok {
		return sqlquote.QuotedIdent(db.catalog) + "." + sqlquote.QuotedIdent(s) + "." + sqlquote.QuotedIdent(t)
	}
	return db.Table(name)
}

// memberTableDDL creates a member table of the members cols. A text member whose values
// all come from the event table (fields.Closed: evt.type, evt.category, evt.dir) is an ENUM
// of them, one or two bytes a row where a text takes sixteen: appending them for every
// event cost less, and the table of every event of a 4M-event capture took 176 MB less.
func memberTableDDL(sqlName string, cols []columnar.Column) (string, error) {
	s := flatSchema(columnar.SchemaOf(cols))
	field := map[string]string{} // flat column name → member field
	for _, c := range cols {
		field[c.Struct+"."+c.Member] = c.Field
	}
	defs := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		t, err := sqlType(f.Type)
		if err != nil {
			return "", fmt.Errorf("table %s column %s: %w", sqlName, f.Name, err)
		}
		if vals := fields.Closed(field[f.Name]); vals != nil {
			quoted := make([]string, len(vals))
			for k, v := range vals {
				quoted[k] = sqlquote.String(v)
			}
			t = "ENUM(" + strings.Join(quoted, ", ") + ")"
		}
		defs[i] = sqlquote.QuotedIdent(f.Name) + " " + t
	}
	return "CREATE TABLE " + sqlName + " (" + strings.Join(defs, ", ") + ")", nil
}

// flatSchema turns an events schema into one flat column per member, named struct.member
// ("proc.name"), without the capture column (a capture's tables hold only its events).
func flatSchema(s *arrow.Schema) *arrow.Schema {
	var fs []arrow.Field
	for _, f := range s.Fields() {
		st, ok := f.Type.(*arrow.StructType)
		if !ok {
			continue
		}
		for _, m := range st.Fields() {
			m.Name = f.Name + "." + m.Name
			fs = append(fs, m)
		}
	}
	return arrow.NewSchema(fs, nil)
}

// project is a batch of the events table, built with the members cols, as flatSchema's
// columns: its arrays as they are.
func project(rec arrow.RecordBatch, cols []columnar.Column) arrow.RecordBatch {
	want := make(map[string]bool, len(cols))
	for i := range cols {
		want[cols[i].Struct+"."+cols[i].Member] = true
	}
	var arrays []arrow.Array
	var fields []arrow.Field
	for i, f := range rec.Schema().Fields() {
		st, ok := rec.Column(i).(*array.Struct)
		if !ok {
			continue
		}
		for j := 0; j < st.NumField(); j++ {
			m := f.Type.(*arrow.StructType).Field(j)
			name := f.Name + "." + m.Name
			if !want[name] {
				continue // built but not kept (evt.num, which every projection carries)
			}
			arrays = append(arrays, st.Field(j))
			fields = append(fields, arrow.Field{Name: name, Type: m.Type, Nullable: true})
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrays, rec.NumRows())
}

// createEventsView (re)defines events over the member tables: per capture, its tables joined
// by position, each member from the first table that has it, the others NULL.
func (db *DB) createEventsView(ctx context.Context) error {
	q, err := db.eventsQuery(ctx, nil)
	if err != nil || q == "" {
		return err
	}
	if _, err := db.conn.ExecContext(ctx, `CREATE OR REPLACE VIEW `+db.Table("events")+` AS `+q); err != nil {
		return fmt.Errorf("events view: %w", err)
	}
	return nil
}

// eventsQuery is the query of the events view ("" with no inputs); a capture in narrow is
// read from that member table alone instead.
func (db *DB) eventsQuery(ctx context.Context, narrow map[*lazyCapture]memberTable) (string, error) {
	var parts []string
	for _, c := range db.lazy.captures {
		groups := c.groups
		if t, ok := narrow[c]; ok {
			groups = []memberTable{t}
		} else if c.staged != "" {
			parts = append(parts, "SELECT * FROM "+readParquet(c.staged, false))
			continue
		}
		refs := map[string]string{} // member field → column reference
		var tables []string
		for i, g := range groups {
			alias := fmt.Sprintf("m%d", i)
			tables = append(tables, sqlquote.QuotedIdent(db.catalog)+"."+internalSchema+"."+sqlquote.QuotedIdent(g.name)+" "+alias)
			for _, m := range g.members {
				if _, ok := refs[m.Field]; !ok {
					refs[m.Field] = alias + "." + sqlquote.QuotedIdent(m.Struct+"."+m.Member)
					if fields.Closed(m.Field) != nil {
						refs[m.Field] += "::VARCHAR" // an ENUM (memberTableDDL), read as the text it is
					}
				}
			}
		}
		from := "WHERE false" // nothing built yet: Prepare builds before a read
		if len(tables) > 0 {
			from = "FROM " + strings.Join(tables, " POSITIONAL JOIN ")
		}
		parts = append(parts, eventsOf(sqlquote.ValidString(c.name), refs, from))
	}
	for _, f := range db.lazy.files {
		if f.table == "events" {
			part, err := db.fileEvents(ctx, f)
			if err != nil {
				return "", err
			}
			parts = append(parts, part)
		}
	}
	return strings.Join(parts, " UNION ALL "), nil
}

// eventsOf is a SELECT of the events columns: capture, then each struct with its members
// from refs (member field → column reference) and typed NULLs for the others; from is the
// rest of the statement.
func eventsOf(capture string, refs map[string]string, from string) string {
	var sel strings.Builder
	sel.WriteString("SELECT " + capture + " AS capture")
	cols := columnar.EventColumns()
	for _, s := range columnar.Structs {
		var members []string
		for _, m := range cols {
			if m.Struct != s {
				continue
			}
			ref, ok := refs[m.Field]
			if !ok {
				ref = "NULL::" + m.Type.SQL()
			}
			members = append(members, sqlquote.QuotedIdent(m.Member)+" := "+ref)
		}
		if len(members) > 0 {
			sel.WriteString(", struct_pack(" + strings.Join(members, ", ") + ") AS " + sqlquote.QuotedIdent(s))
		}
	}
	return sel.String() + " " + from
}

// LazyCaptures lists the captures of a lazy database, by name.
func (db *DB) LazyCaptures() []string {
	if db.lazy == nil {
		return nil
	}
	out := make([]string, len(db.lazy.captures))
	for i, c := range db.lazy.captures {
		out[i] = c.name
	}
	sort.Strings(out)
	return out
}

// removeSpool removes the copy of standard input, if any.
func (lz *lazySet) removeSpool() {
	if lz != nil && lz.spool != "" {
		os.RemoveAll(lz.spool)
	}
}
