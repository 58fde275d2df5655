package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/spf13/cobra"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/internal/sqlquote"
)

type convertFlags struct {
	out       string
	table     string
	partition []string
	columns   []string
	layout    string
	force     bool
}

func init() {
	var cf convertFlags
	cmd := &cobra.Command{
		Use:   "convert FILE... -o OUT [--table events|all|NAME[,NAME]] [--partition-by COLS]",
		Short: "Convert captures to Parquet, Arrow, DuckDB, JSON lines or CSV",
		Long: `Convert captures into the tables of docs/schema.md, written in the format OUT's extension
names: .parquet (zstd), .arrow (Arrow IPC file), .duckdb (a database scapql query --db can
open), .jsonl (JSON lines) or .csv (struct members flattened to "evt.num" ... columns).

  scapql convert trace.scap -o trace.parquet
  scapql convert 'traces/*.scap' -o traces.duckdb
  scapql convert trace.scap -o tables.parquet --table all
  scapql convert trace.scap -o by_type.parquet --partition-by evt.type

--table picks the table (default: events; all tables for .duckdb); with several tables OUT is
a directory holding one TABLE.ext file each. --columns keeps only some members of the events
table (evt.type, proc.name, or whole structs such as fd; evt.num is always kept), which makes
the conversion much faster. --partition-by writes a hive-partitioned
Parquet directory (evt_type=open/...): a struct member evt.type becomes the partition key
evt_type. Several captures go into the same tables, told apart by their capture column.
--layout compact (Parquet or Arrow) writes the events table as a database stores it: OUT is a
directory with event_rows, thread_states and fd_states (each thread and fd state once, not
on every event: several times smaller and faster to write), event_kinds, and views.sql,
which defines the events view over those files for DuckDB (run it from inside OUT: duckdb
-init views.sql). The files leave out the members other members give back (evt.args,
evt.arg, evt.rawarg, evt.type, evt.datetime, ...; see docs/schema.md): views.sql rebuilds
them, so its event_rows and events views hold exactly a database's rows and values.
Output is written under a temporary name and renamed when complete: an interrupted convert
leaves nothing under OUT.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runConvert(cmd.Context(), cmd.ErrOrStderr(), cf, args)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cf.out, "output", "o", "", "output file (its extension picks the format)")
	f.StringVar(&cf.table, "table", "", "table(s) to write: events, all, or names separated by commas")
	f.StringSliceVar(&cf.partition, "partition-by", nil, "columns to partition Parquet output by (hive layout)")
	f.StringSliceVar(&cf.columns, "columns", nil, "events members or structs to keep (default: all)")
	f.StringVar(&cf.layout, "layout", "wide", "events layout of Parquet and Arrow output: wide (one self-contained table) or compact (see above)")
	f.BoolVar(&cf.force, "force", false, "replace an existing output directory (one that holds only what scapql writes)")
	f.StringVar(&convertDuckDBMemory, "memory-limit", convertDuckDBMemory, "DuckDB's memory limit while converting (it spills past it)")
	f.IntVar(&maxPartitions, "max-partitions", maxPartitions, "most partitions --partition-by may make")
	_ = cmd.MarkFlagRequired("output")
	rootCmd.AddCommand(cmd)
}

// convertMemoryLimit is the Go heap the conversion aims to stay under: batches are bounded
// (a few tens of MB in flight), and the collector is told not to let garbage pile up past
// this.
const convertMemoryLimit = 224 << 20

func runConvert(ctx context.Context, stderr io.Writer, cf convertFlags, args []string) error {
	if err := checkConvertFlags(cf); err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stopHangup := hangupContext(ctx)
	defer stopHangup()
	paths, err := expandCaptures(args)
	if err != nil {
		return err
	}
	if logs, captures := splitAuditLogs(paths); len(logs) > 0 || cf.table == "cloudtrail" || cf.table == "k8saudit" {
		return runConvertAudit(ctx, stderr, cf, logs, captures)
	}
	format, err := columnar.FormatOf(cf.out)
	if err != nil {
		return err
	}
	tables, err := convertTables(cf.table, format)
	if err != nil {
		return err
	}
	compact := false
	switch cf.layout {
	case "wide", "":
	case "compact":
		if format != columnar.Parquet && format != columnar.ArrowIPC {
			return errors.New("--layout compact needs Parquet or Arrow output (a .duckdb database is always compact)")
		}
		if len(cf.partition) > 0 || len(cf.columns) > 0 {
			return errors.New("--layout compact writes whole tables: no --partition-by or --columns")
		}
		compact = true
		tables = compactTables(tables)
	default:
		return fmt.Errorf("unknown layout %q (wide or compact)", cf.layout)
	}
	if len(cf.partition) > 0 {
		if format != columnar.Parquet || len(tables) != 1 {
			return errors.New("--partition-by needs Parquet output of a single table")
		}
	}
	var members []string
	if len(cf.columns) > 0 {
		if format == columnar.DuckDB {
			return errors.New("--columns does not apply to .duckdb output: a database holds whole tables")
		}
		if _, err := columnar.SelectColumns(cf.columns); err != nil {
			return err
		}
		members = cf.columns
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(convertMemoryLimit))
	}
	dir := len(tables) > 1 && format != columnar.DuckDB || len(cf.partition) > 0 || compact
	if info, err := os.Stat(cf.out); err == nil && (info.IsDir() || dir) {
		if !cf.force {
			return fmt.Errorf("%s exists; use --force to replace it", cf.out)
		}
		if info.IsDir() {
			if err := replaceableDir(cf.out); err != nil {
				return err
			}
		}
	}
	// Everything is written under tmp, in OUT's directory, and renamed into place only
	// when complete; any failure or signal removes it, and a run killed before it could is
	// cleaned up by the next (sweepLeftovers).
	sweepLeftovers(cf.out)
	tmp := tmpName(cf.out)
	removeTmp := func() {
		for _, p := range []string{tmp, tmp + ".wal", tmp + ".stage"} {
			os.RemoveAll(p)
		}
	}
	progress, finish := newProgress(stderr, paths, "converting")
	err = untilInterrupted(ctx, func(ctx context.Context) error {
		var err error
		switch {
		case format == columnar.DuckDB:
			err = convertDuckDB(ctx, paths, tables, tmp, progress)
		case len(cf.partition) > 0:
			err = convertPartitioned(ctx, paths, tables[0], members, cf.partition, tmp, progress)
		case format == columnar.Parquet || format == columnar.ArrowIPC:
			err = convertArrow(ctx, paths, tables, members, format, dir, compact, tmp, progress)
			if err == nil && compact {
				err = os.WriteFile(filepath.Join(tmp, "views.sql"), []byte(engine.CompactViews(tables, format.Ext())), 0o644)
			}
		default:
			err = convertText(ctx, paths, tables, members, format, dir, tmp, progress)
		}
		if err == nil {
			err = ctx.Err()
		}
		return err
	}, removeTmp)
	finish()
	if err != nil {
		removeTmp()
		return err
	}
	if info, err := os.Stat(cf.out); err == nil && info.IsDir() {
		if err := os.RemoveAll(cf.out); err != nil {
			removeTmp()
			return err
		}
	}
	if err := keepMode(cf.out, tmp); err != nil {
		removeTmp()
		return err
	}
	if err := os.Rename(tmp, cf.out); err != nil {
		removeTmp()
		return fmt.Errorf("rename output: %w", err)
	}
	return nil
}

// convertTables resolves --table.
func convertTables(spec string, format columnar.Format) ([]string, error) {
	switch spec {
	case "":
		if format == columnar.DuckDB {
			return columnar.TableNames(), nil
		}
		return []string{"events"}, nil
	case "all":
		return columnar.TableNames(), nil
	}
	var out []string
	for _, n := range strings.Split(spec, ",") {
		n = strings.TrimSpace(n)
		if _, ok := columnar.LookupTable(n); !ok {
			return nil, fmt.Errorf("unknown table %q (tables: %s)", n, strings.Join(columnar.TableNames(), ", "))
		}
		out = append(out, n)
	}
	return out, nil
}

// compactTables replaces events among tables by the compact layout's tables.
func compactTables(tables []string) []string {
	var out []string
	for _, t := range tables {
		if t != "events" {
			out = append(out, t)
			continue
		}
		for _, c := range columnar.CompactTables {
			out = append(out, c.Name)
		}
	}
	return out
}

// readAll reads every capture into sink, writing on another goroutine.
// kinds, when set, makes event_rows in the file encoding of the compact layout.
// dict builds the events table with its state members as dictionaries (WideBuilder).
func readAll(ctx context.Context, paths, tables, members []string, kinds *columnar.EventKinds, dict bool, sink columnar.Sink,
	progress func(string, int64, int64)) error {
	// The compact layout's batches are small (no state members): two may wait, which
	// smooths the hand-over when one batch takes the writer longer than the reader.
	depth := 1
	if kinds != nil {
		depth = 2
	}
	async := columnar.NewAsyncSink(sink, depth)
	var err error
	nextID := int64(1) // state ids of the compact layout go on from capture to capture
	for _, p := range paths {
		opts := columnar.ReadOptions{Tables: tables, Members: members, FirstStateID: nextID, Kinds: kinds, DictStates: dict}
		if progress != nil {
			var size int64
			if info, err := os.Stat(p); err == nil && p != "-" {
				size = info.Size()
			}
			opts.Progress = func(read int64) { progress(p, read, size) }
		}
		var st *columnar.CaptureStats
		if st, err = columnar.ReadCapture(ctx, p, async, opts); err != nil {
			break
		}
		if st.NextStateID > nextID {
			nextID = st.NextStateID
		}
	}
	if cerr := async.Close(); err == nil {
		err = cerr
	}
	return err
}

func convertDuckDB(ctx context.Context, paths, tables []string, tmp string, progress func(string, int64, int64)) error {
	db, err := engine.Open(ctx, tmp)
	if err != nil {
		return err
	}
	// DuckDB writes table blocks out rather than keep the whole load in its buffer pool.
	_, err = db.Exec(ctx, `SET memory_limit = `+sqlquote.String(convertDuckDBMemory))
	if err == nil {
		_, err = db.Load(ctx, paths, engine.LoadOptions{Tables: tables, Progress: progress})
	}
	if err == nil {
		err = db.Checkpoint(ctx)
	}
	return errors.Join(duckdbResourceError(err, convertDuckDBMemory), db.Close())
}

// fileWriters writes each table to its own file.
type fileWriters struct {
	files   map[string]*os.File
	bufs    map[string]*bufio.Writer
	writers map[string]columnar.TableWriter
}

// tableLayout is how writeTables builds the events table.
type tableLayout int

const (
	layoutRows    tableLayout = iota // every member's value on every row (EventBuilder)
	layoutDict                       // the state members as dictionaries (WideBuilder), for Parquet
	layoutEncoded                    // the compact layout, event_rows in its file encoding
)

func (fw *fileWriters) open(table, path string, members []string, format columnar.Format, codec *compress.Compression,
	layout tableLayout) error {
	encoded := layout == layoutEncoded
	var schema *arrow.Schema
	switch {
	case layout == layoutDict && table == "events":
		schema = columnar.DictEventSchema()
	case encoded && table == columnar.RowsTable:
		schema = columnar.EncodedRowsSchema()
	case encoded && table == columnar.KindsTable:
		schema = columnar.KindsSchema()
	default:
		var err error
		if schema, err = tableSchema(table, members); err != nil {
			return err
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	var w columnar.TableWriter
	if format == columnar.ArrowIPC {
		w, err = columnar.NewIPCWriter(bw, schema)
	} else {
		// The compact layout's files are written for speed (see ParquetOptions.Fast).
		opts := columnar.ParquetOptions{Codec: codec, Fast: layout != layoutRows}
		if layout == layoutDict && table == "events" {
			opts.StoredSchema = columnar.EventSchema() // readers get the values, as from any other layout
		}
		w, err = columnar.NewParquetWriter(bw, schema, opts)
	}
	if err != nil {
		f.Close()
		return err
	}
	fw.files[table], fw.bufs[table], fw.writers[table] = f, bw, w
	return nil
}

func (fw *fileWriters) Write(table string, rec arrow.RecordBatch) error {
	w := fw.writers[table]
	if w == nil {
		return nil
	}
	return w.Write(rec)
}

// close finishes every file; ok says whether they are to be kept (synced).
func (fw *fileWriters) close(ok bool) error {
	var errs []error
	for t, w := range fw.writers {
		errs = append(errs, w.Close(), fw.bufs[t].Flush())
		if ok {
			errs = append(errs, fw.files[t].Sync())
		}
		errs = append(errs, fw.files[t].Close())
	}
	return errors.Join(errs...)
}

func newFileWriters() *fileWriters {
	return &fileWriters{files: map[string]*os.File{}, bufs: map[string]*bufio.Writer{}, writers: map[string]columnar.TableWriter{}}
}

// tableSchema is a table's schema, the events table projected onto members (nil: all).
func tableSchema(table string, members []string) (*arrow.Schema, error) {
	t, _ := columnar.LookupTable(table)
	if table != "events" || members == nil {
		return t.Schema(), nil
	}
	cols, err := columnar.SelectColumns(members)
	if err != nil {
		return nil, err
	}
	return columnar.SchemaOf(cols), nil
}

// writeTables writes the tables of the captures to files: path(table) names each. With
// layoutEncoded, event_rows is written in the file encoding of the compact layout, with its
// event_kinds table.
func writeTables(ctx context.Context, paths, tables, members []string, format columnar.Format, codec *compress.Compression,
	layout tableLayout, path func(table string) string, progress func(string, int64, int64)) error {
	fw := newFileWriters()
	var kinds *columnar.EventKinds
	files := tables
	if layout == layoutEncoded && slices.Contains(tables, columnar.RowsTable) {
		kinds = columnar.NewEventKinds()
		files = append(slices.Clone(tables), columnar.KindsTable)
	}
	for _, t := range files {
		if err := fw.open(t, path(t), members, format, codec, layout); err != nil {
			fw.close(false)
			return err
		}
	}
	err := readAll(ctx, paths, tables, members, kinds, layout == layoutDict, fw, progress)
	if err == nil && kinds != nil {
		rec := kinds.Record()
		err = fw.Write(columnar.KindsTable, rec)
		rec.Release()
	}
	return errors.Join(err, fw.close(err == nil))
}

func convertArrow(ctx context.Context, paths, tables, members []string, format columnar.Format, dir, compact bool, tmp string,
	progress func(string, int64, int64)) error {
	path := func(string) string { return tmp }
	if dir {
		if err := os.Mkdir(tmp, 0o755); err != nil {
			return err
		}
		path = func(t string) string { return filepath.Join(tmp, t+format.Ext()) }
	}
	layout := layoutRows
	switch {
	case compact:
		layout = layoutEncoded
	case format == columnar.Parquet && members == nil:
		// Parquet stores a dictionary column as its values: the file is the same, the
		// conversion several times faster.
		layout = layoutDict
	}
	return writeTables(ctx, paths, tables, members, format, nil, layout, path, progress)
}

// stage writes the tables to quickly compressed Parquet files in a scratch directory, for
// DuckDB to turn into the output.
func stage(ctx context.Context, paths, tables, members []string, scratch string, progress func(string, int64, int64)) (func(string) string, error) {
	snappy := compress.Codecs.Snappy
	path := func(t string) string { return filepath.Join(scratch, t+".parquet") }
	return path, writeTables(ctx, paths, tables, members, columnar.Parquet, &snappy, layoutRows, path, progress)
}

// scratchDB opens an in-memory DuckDB that spills to dir, with bounded memory.
func scratchDB(ctx context.Context, dir string) (*engine.DB, error) {
	db, err := engine.Open(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, s := range []string{`SET memory_limit = ` + sqlquote.String(convertDuckDBMemory), `SET temp_directory = ` + sqlquote.String(dir),
		`SET preserve_insertion_order = true`} {
		if _, err := db.Exec(ctx, s); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func convertPartitioned(ctx context.Context, paths []string, table string, members, by []string, tmp string,
	progress func(string, int64, int64)) error {
	schema, err := tableSchema(table, members)
	if err != nil {
		return err
	}
	var exprs, keys, keyExprs []string
	for _, c := range by {
		expr, key, err := partitionColumn(table, schema, strings.TrimSpace(c))
		if err != nil {
			return err
		}
		if expr != "" {
			exprs = append(exprs, ", "+expr+" AS "+sqlquote.QuotedIdent(key))
			keyExprs = append(keyExprs, expr)
		} else {
			keyExprs = append(keyExprs, sqlquote.QuotedIdent(key))
		}
		keys = append(keys, sqlquote.QuotedIdent(key))
	}
	scratch := tmp + ".stage"
	if err := os.Mkdir(scratch, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	path, err := stage(ctx, paths, []string{table}, members, scratch, progress)
	if err != nil {
		return err
	}
	db, err := scratchDB(ctx, scratch)
	if err != nil {
		return err
	}
	defer db.Close()
	// DuckDB buffers every partition of a COPY at once (about a megabyte each for the wide
	// events table), so partitions are written a chunk at a time: the distinct keys are
	// numbered, and each COPY writes the rows of the next partitionChunk of them.
	src := `read_parquet(` + sqlquote.String(path(table)) + `)`
	var sel, ks []string
	for i, k := range keyExprs {
		sel = append(sel, k+" AS k"+fmt.Sprint(i))
		ks = append(ks, "k"+fmt.Sprint(i))
	}
	if _, err := db.Exec(ctx, `CREATE TEMP TABLE scapql_parts AS SELECT *, row_number() OVER (ORDER BY `+strings.Join(ks, ", ")+`) AS p FROM (SELECT DISTINCT `+
		strings.Join(sel, ", ")+` FROM `+src+`)`); err != nil {
		return fmt.Errorf("write partitions: %w", duckdbResourceError(err, convertDuckDBMemory))
	}
	var n int64
	if err := db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM scapql_parts`).Scan(&n); err != nil {
		return fmt.Errorf("write partitions: %w", err)
	}
	if n > int64(maxPartitions) {
		return fmt.Errorf("--partition-by %s makes %d partitions, more than the limit of %d (--max-partitions raises it)",
			strings.Join(by, ","), n, maxPartitions)
	}
	var match []string
	for i, k := range keyExprs {
		match = append(match, fmt.Sprintf("%s IS NOT DISTINCT FROM q.k%d", k, i))
	}
	for lo := int64(1); lo <= n; lo += partitionChunk {
		rows := `SELECT *` + strings.Join(exprs, "") + ` FROM ` + src + ` WHERE EXISTS (SELECT 1 FROM scapql_parts q WHERE q.p BETWEEN ` +
			fmt.Sprint(lo) + ` AND ` + fmt.Sprint(lo+partitionChunk-1) + ` AND ` + strings.Join(match, " AND ") + `)`
		q := `COPY (` + rows + `) TO ` + sqlquote.String(tmp) + ` (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (` + strings.Join(keys, ", ") +
			`), FILENAME_PATTERN 'data_` + fmt.Sprint((lo-1)/partitionChunk) + `_{i}'` + map[bool]string{true: `, OVERWRITE_OR_IGNORE`}[lo > 1] + `)`
		if _, err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("write partitions: %w", duckdbResourceError(err, convertDuckDBMemory))
		}
	}
	return nil
}

// partitionChunk is how many partitions one COPY writes; maxPartitions bounds them all
// (--max-partitions).
var partitionChunk int64 = 64

var maxPartitions = 1000

// duckdbResourceError turns DuckDB's out-of-memory error, whose advice (SET ...) a user of
// scapql cannot follow, into ours, naming the flag that helps and its value (limit).
func duckdbResourceError(err error, limit string) error {
	if err != nil && strings.Contains(err.Error(), "Out of Memory Error") {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		return fmt.Errorf("DuckDB ran out of memory (%s); --memory-limit raises its limit (now %s)", strings.TrimSpace(msg), limit)
	}
	return err
}

// partitionColumn resolves a --partition-by column: a top-level column (its own key, expr
// ""), or a struct member (evt.type) whose partition key is its name with _ for the dot
// (evt_type), computed by expr.
func partitionColumn(table string, s *arrow.Schema, name string) (expr, key string, err error) {
	if idx := s.FieldIndices(name); len(idx) > 0 {
		if _, nested := s.Field(idx[0]).Type.(arrow.NestedType); nested {
			return "", "", fmt.Errorf("cannot partition by %s: not a scalar column", name)
		}
		return "", name, nil
	}
	st, member, ok := sqlquote.Member(name)
	if ok {
		if idx := s.FieldIndices(st); len(idx) > 0 {
			if typ, isStruct := s.Field(idx[0]).Type.(*arrow.StructType); isStruct {
				if i, ok := typ.FieldIdx(member); ok {
					if _, nested := typ.Field(i).Type.(arrow.NestedType); !nested {
						return sqlquote.QuotedIdent(st) + "." + sqlquote.QuotedIdent(member), st + "_" + member, nil
					}
				}
			}
		}
	}
	return "", "", fmt.Errorf("table %s has no scalar column %s", table, name)
}

// flatSelect is the select list of a table for CSV: struct members as "struct.member"
// columns, lists and maps as JSON text.
func flatSelect(s *arrow.Schema) string {
	var cols []string
	add := func(expr, name string, typ arrow.DataType) {
		switch typ.(type) {
		case *arrow.ListType, *arrow.MapType, *arrow.StructType:
			expr = "CAST(to_json(" + expr + ") AS VARCHAR)"
		}
		cols = append(cols, expr+" AS "+sqlquote.QuotedIdent(name))
	}
	for _, f := range s.Fields() {
		st, ok := f.Type.(*arrow.StructType)
		if !ok {
			add(sqlquote.QuotedIdent(f.Name), f.Name, f.Type)
			continue
		}
		for _, m := range st.Fields() {
			add(sqlquote.QuotedIdent(f.Name)+"."+sqlquote.QuotedIdent(m.Name), f.Name+"."+m.Name, m.Type)
		}
	}
	return strings.Join(cols, ", ")
}

func convertText(ctx context.Context, paths, tables, members []string, format columnar.Format, dir bool, tmp string,
	progress func(string, int64, int64)) error {
	scratch := tmp + ".stage"
	if err := os.Mkdir(scratch, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	path, err := stage(ctx, paths, tables, members, scratch, progress)
	if err != nil {
		return err
	}
	db, err := scratchDB(ctx, scratch)
	if err != nil {
		return err
	}
	defer db.Close()
	out := func(string) string { return tmp }
	if dir {
		if err := os.Mkdir(tmp, 0o755); err != nil {
			return err
		}
		out = func(t string) string { return filepath.Join(tmp, t+format.Ext()) }
	}
	for _, name := range tables {
		schema, err := tableSchema(name, members)
		if err != nil {
			return err
		}
		var q string
		if format == columnar.CSV {
			q = `COPY (SELECT ` + flatSelect(schema) + ` FROM read_parquet(` + sqlquote.String(path(name)) + `)) TO ` +
				sqlquote.String(out(name)) + ` (FORMAT csv, HEADER)`
		} else {
			q = `COPY (SELECT * FROM read_parquet(` + sqlquote.String(path(name)) + `)) TO ` + sqlquote.String(out(name)) + ` (FORMAT json)`
		}
		if _, err := db.Exec(ctx, q); err != nil {
			return fmt.Errorf("write %s: %w", name, duckdbResourceError(err, convertDuckDBMemory))
		}
	}
	return nil
}
