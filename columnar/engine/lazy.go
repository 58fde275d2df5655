package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
	"github.com/scapql/scapql/translate/sqlgen"
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
	key     string
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
	if _, err := db.conn.ExecContext(ctx, `SET memory_limit = `+sqlgen.Quote(strings.ToValidUTF8(limit, ""))); err != nil {
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
	var want []columnar.Column
	if r.reads("events") {
		cols, err := columnar.SelectColumns(r.memberList())
		if err != nil || r.all {
			cols = columnar.EventColumns() // all, or a name it could not place: all, to be sure
		}
		for _, c := range cols {
			if !c.Null {
				want = append(want, c)
			}
		}
	}
	var ins inserter
	defer func() {
		if ins != nil {
			ins.close()
		}
	}()
	rebuilt := false
	for _, c := range db.lazy.captures {
		var members, tables []string
		for _, m := range want {
			if !c.built[m.Field] {
				members = append(members, m.Field)
			}
		}
		for _, t := range columnar.Tables {
			if t.Name != "events" && r.reads(t.Name) && !c.sides[t.Name] {
				tables = append(tables, t.Name)
			}
		}
		if len(members) == 0 && len(tables) == 0 {
			continue
		}
		if ins == nil {
			var err error
			if ins, err = newInserter(ctx, db); err != nil {
				return err
			}
		}
		if 2*len(members) > len(columnar.EventColumns()) {
			if err := db.stage(ctx, ins, c, tables); err != nil {
				return err
			}
			rebuilt = true
			continue
		}
		if err := db.pass(ctx, ins, c, tables, members); err != nil {
			return err
		}
		rebuilt = rebuilt || len(members) > 0
	}
	if rebuilt {
		return db.createEventsView(ctx)
	}
	return nil
}

// pass reads one capture, inserting the members named (if any) into a new member table and
// filling the side tables listed.
func (db *DB) pass(ctx context.Context, ins inserter, c *lazyCapture, tables, members []string) error {
	group, err := db.passInto(ctx, ins, c, tables, members, nil)
	if err != nil {
		return err
	}
	if group != nil {
		c.groups = append(c.groups, *group)
		for _, m := range group.members {
			c.built[m.Field] = true
		}
	}
	for _, t := range tables {
		c.sides[t] = true
	}
	if len(c.groups) > maxMemberTables {
		return db.mergeMemberTables(ctx, c)
	}
	return nil
}

// passInto reads one capture, inserting the members named (if any) into a new member table,
// which it returns, and filling the side tables listed. With keep, the member table holds
// only the events for which keep is true. On an error nothing it made is left.
func (db *DB) passInto(ctx context.Context, ins inserter, c *lazyCapture, tables, members []string, keep rowCond) (*memberTable, error) {
	lz := db.lazy
	var group *memberTable
	if len(members) > 0 {
		cols, err := columnar.SelectColumns(members)
		if err != nil {
			return nil, err
		}
		// A projection always carries evt.num; a member table holds it only when asked, since
		// the view joins the tables by position.
		if !slices.Contains(members, "evt.num") {
			cols = slices.DeleteFunc(cols, func(c columnar.Column) bool { return c.Field == "evt.num" })
		}
		lz.tables++
		group = &memberTable{name: fmt.Sprintf("members_%d", lz.tables), members: cols}
		ddl, err := createTableNamed(db.qualified(internalSchema+"."+group.name), flatSchema(columnar.SchemaOf(cols)))
		if err != nil {
			return nil, err
		}
		if _, err := db.conn.ExecContext(ctx, ddl); err != nil {
			return nil, fmt.Errorf("create member table: %w", err)
		}
		tables = append(slices.Clip(tables), "events")
	}
	sink := columnar.NewAsyncSink(columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
		if table != "events" {
			return ins.insert(ctx, table, rec)
		}
		flat := flatten(rec, group.members)
		defer flat.Release()
		if keep != nil {
			kept, err := keepRows(ctx, flat, keep)
			if err != nil || kept == nil {
				return err
			}
			defer kept.Release()
			flat = kept
		}
		return ins.insert(ctx, internalSchema+"."+group.name, flat)
	}), 1)
	opts := db.readOptions(c)
	opts.Tables, opts.Members = tables, members
	if types := eventTypes(keep); types != nil {
		// Events of other types are not even built.
		opts.Keep = func(ev *state.Event) bool { return types[fields.EventType(ev)] }
	}
	_, err := columnar.ReadCapture(ctx, c.path, sink, opts)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if group != nil {
			db.conn.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS `+db.qualified(internalSchema+"."+group.name))
		}
		for _, t := range tables {
			if t != "events" {
				db.conn.ExecContext(context.WithoutCancel(ctx), `DELETE FROM `+db.Table(t)+` WHERE capture = ?`, c.name)
			}
		}
		return nil, err
	}
	return group, nil
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
				cols = append(cols, alias+"."+quote(m.Struct+"."+m.Member))
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
		return quote(db.catalog) + "." + quote(s) + "." + quote(t)
	}
	return db.Table(name)
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

// flatten is a batch of the events table, built with the members cols, as flatSchema's
// columns: its arrays, with repeated texts as dictionaries (columnar.Interned), which DuckDB
// inserts about twice as fast (each distinct text is copied once).
func flatten(rec arrow.RecordBatch, cols []columnar.Column) arrow.RecordBatch {
	byName := make(map[string]*columnar.Column, len(cols))
	for i := range cols {
		byName[cols[i].Struct+"."+cols[i].Member] = &cols[i]
	}
	var arrays []arrow.Array
	var fields []arrow.Field
	for i, f := range rec.Schema().Fields() {
		st, ok := rec.Column(i).(*array.Struct)
		if !ok {
			continue
		}
		for j := 0; j < st.NumField(); j++ {
			name := f.Name + "." + f.Type.(*arrow.StructType).Field(j).Name
			c := byName[name]
			if c == nil {
				continue // built but not kept (evt.num, which every projection carries)
			}
			a := columnar.Interned(c, st.Field(j))
			defer a.Release()
			arrays = append(arrays, a)
			fields = append(fields, arrow.Field{Name: name, Type: a.DataType(), Nullable: true})
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
			tables = append(tables, quote(db.catalog)+"."+internalSchema+"."+quote(g.name)+" "+alias)
			for _, m := range g.members {
				if _, ok := refs[m.Field]; !ok {
					refs[m.Field] = alias + "." + quote(m.Struct+"."+m.Member)
				}
			}
		}
		from := "WHERE false" // nothing built yet: Prepare builds before a read
		if len(tables) > 0 {
			from = "FROM " + strings.Join(tables, " POSITIONAL JOIN ")
		}
		parts = append(parts, eventsOf(sqlgen.Quote(strings.ToValidUTF8(c.name, "\uFFFD")), refs, from))
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
			members = append(members, quote(m.Member)+" := "+ref)
		}
		if len(members) > 0 {
			sel.WriteString(", struct_pack(" + strings.Join(members, ", ") + ") AS " + quote(s))
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
