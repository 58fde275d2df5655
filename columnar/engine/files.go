package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/internal/sqlquote"
)

// Files that convert wrote are inputs of a lazy database too: Parquet files, globs and
// hive-partitioned directories are read in place by DuckDB, and Arrow IPC files are copied
// into a table when a question first reads them. A file named after a side table
// (processes.parquet) holds that table, any other the events table; a directory holds the
// TABLE.parquet files of `convert --table all`, or a partitioned events table.

// tableFile is a table held in files: the SQL table expression that reads them.
type tableFile struct {
	table    string          // events or a side table
	from     string          // read_parquet(...) or the internal table
	arrow    string          // an Arrow IPC file, copied into the internal table on first use
	internal string          // the internal table's name, schema.table
	copied   bool            // a side table's rows are in its main table (and an Arrow file's in its table)
	columns  map[string]bool // the top-level columns of Parquet files
}

// IsTableFile reports whether a path names a table file (Parquet, Arrow) or a directory of
// them (their files at its top, or hive partitions key=value), not a capture or audit log.
func IsTableFile(path string) bool {
	if isArrowFile(path) || strings.HasSuffix(strings.ToLower(path), ".parquet") {
		return true
	}
	info, err := os.Stat(path)
	if err != nil || !info.IsDir() {
		return false
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() && strings.Contains(name, "=") || !e.IsDir() && (isArrowFile(name) || strings.HasSuffix(strings.ToLower(name), ".parquet")) {
			return true
		}
	}
	return false
}

func isArrowFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".arrow", ".arrows", ".feather", ".ipc":
		return true
	}
	return false
}

// tableOf is the table a file holds, by its name.
func tableOf(path string) string {
	base := strings.ToLower(filepath.Base(path))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if t, ok := columnar.LookupTable(base); ok && t.Name != "events" {
		return t.Name
	}
	return "events"
}

// addTableFiles adds a Parquet file, glob or directory, or an Arrow IPC file.
func (db *DB) addTableFiles(ctx context.Context, path string) error {
	lz := db.lazy
	if info, err := os.Stat(path); isArrowFile(path) && err == nil && !info.IsDir() {
		lz.tables++
		internal := fmt.Sprintf("%s.file_%d", internalSchema, lz.tables)
		f := &tableFile{table: tableOf(path), arrow: path, internal: internal, from: db.qualified(internal)}
		if err := db.createArrowTable(ctx, f); err != nil {
			return err
		}
		lz.files = append(lz.files, f)
		return nil
	}
	info, err := os.Stat(path)
	switch {
	case err == nil && info.IsDir():
		entries, err := os.ReadDir(path)
		if err != nil {
			return err
		}
		var tables []*tableFile
		hive := false
		for _, e := range entries {
			name := e.Name()
			switch {
			case e.IsDir() && strings.Contains(name, "="):
				hive = true
			case !e.IsDir() && strings.HasSuffix(strings.ToLower(name), ".parquet"):
				tables = append(tables, &tableFile{table: tableOf(name), from: readParquet(filepath.Join(path, name), false)})
			case !e.IsDir() && isArrowFile(name):
				if err := db.addTableFiles(ctx, filepath.Join(path, name)); err != nil {
					return err
				}
			}
		}
		if hive {
			tables = append(tables, &tableFile{table: "events", from: readParquet(filepath.Join(path, "**", "*.parquet"), true)})
		}
		if len(tables) == 0 && len(lz.files) == 0 {
			return fmt.Errorf("%s: no Parquet or Arrow files of scapql tables in the directory", path)
		}
		lz.files = append(lz.files, tables...)
	case err == nil || strings.ContainsAny(path, "*?["):
		lz.files = append(lz.files, &tableFile{table: tableOf(path), from: readParquet(path, false)})
	default:
		return err
	}
	return db.checkFiles(ctx)
}

// readParquet is the table expression reading Parquet files in place.
func readParquet(path string, hive bool) string {
	opts := ""
	if hive {
		opts = ", hive_partitioning = true"
	}
	return "read_parquet(" + sqlquote.ValidString(path) + ", union_by_name = true" + opts + ")"
}

// checkFiles makes sure DuckDB can read the Parquet inputs (they exist, they are Parquet),
// and notes their columns.
func (db *DB) checkFiles(ctx context.Context) error {
	for _, f := range db.lazy.files {
		if f.arrow != "" || f.columns != nil {
			continue
		}
		cols, err := db.fileColumns(ctx, f.from)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.from, err)
		}
		f.columns = cols
	}
	return nil
}

// openArrow opens an Arrow IPC file.
func openArrow(path string) (*ipc.FileReader, func(), error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := ipc.NewFileReader(file)
	if err != nil {
		file.Close()
		return nil, nil, fmt.Errorf("%s: not an Arrow IPC file: %w", path, err)
	}
	return r, func() { r.Close(); file.Close() }, nil
}

// createArrowTable makes the (empty) internal table an Arrow IPC file is copied into.
func (db *DB) createArrowTable(ctx context.Context, f *tableFile) error {
	r, done, err := openArrow(f.arrow)
	if err != nil {
		return err
	}
	defer done()
	ddl, err := createTableNamed(f.from, r.Schema())
	if err != nil {
		return fmt.Errorf("%s: %w", f.arrow, err)
	}
	if _, err := db.conn.ExecContext(ctx, ddl); err != nil {
		return fmt.Errorf("%s: %w", f.arrow, err)
	}
	return nil
}

// copyArrow copies an Arrow IPC file into its internal table.
func (db *DB) copyArrow(ctx context.Context, ins inserter, f *tableFile) error {
	r, done, err := openArrow(f.arrow)
	if err != nil {
		return err
	}
	defer done()
	for i := 0; i < r.NumRecords(); i++ {
		rec, err := r.RecordBatch(i)
		if err != nil {
			return fmt.Errorf("%s: batch %d: %w", f.arrow, i, err)
		}
		if err := ins.insert(ctx, f.internal, rec); err != nil {
			return fmt.Errorf("%s: %w", f.arrow, err)
		}
	}
	return nil
}

// fileColumns lists the top-level columns a table file has.
func (db *DB) fileColumns(ctx context.Context, from string) (map[string]bool, error) {
	rows, err := db.conn.QueryContext(ctx, `SELECT column_name FROM (DESCRIBE SELECT * FROM `+from+`)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out[c] = true
	}
	return out, rows.Err()
}

// fileEvents is the events view's part for an events table file: its columns of the events
// schema, in order, a missing one NULL (partition keys are left out: the struct members
// they come from are in the files too).
func (db *DB) fileEvents(ctx context.Context, f *tableFile) (string, error) {
	have := f.columns
	if have == nil { // an Arrow file's table
		var err error
		if have, err = db.fileColumns(ctx, f.from); err != nil {
			return "", fmt.Errorf("read %s: %w", f.from, err)
		}
	}
	schema := columnar.EventSchema()
	cols := make([]string, 0, schema.NumFields())
	for _, fl := range schema.Fields() {
		if have[fl.Name] {
			cols = append(cols, sqlquote.QuotedIdent(fl.Name))
			continue
		}
		t, err := sqlType(fl.Type)
		if err != nil {
			return "", err
		}
		cols = append(cols, "NULL::"+t+" AS "+sqlquote.QuotedIdent(fl.Name))
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + f.from, nil
}

// fillFromFiles copies side tables out of their files, and Arrow files into their tables,
// when r reads them for the first time.
func (db *DB) fillFromFiles(ctx context.Context, r *refs) error {
	var ins inserter
	defer func() {
		if ins != nil {
			ins.close()
		}
	}()
	for _, f := range db.lazy.files {
		if f.copied || !r.reads(f.table) {
			continue
		}
		if f.arrow != "" {
			if ins == nil {
				var err error
				if ins, err = newInserter(ctx, db); err != nil {
					return err
				}
			}
			if err := db.copyArrow(ctx, ins, f); err != nil {
				return err
			}
		}
		if f.table != "events" {
			t, _ := columnar.LookupTable(f.table)
			names := make([]string, len(t.Fields))
			for i, fl := range t.Fields {
				names[i] = sqlquote.QuotedIdent(fl.Name)
			}
			if _, err := db.conn.ExecContext(ctx, `INSERT INTO `+db.Table(f.table)+` SELECT `+strings.Join(names, ", ")+
				` FROM `+f.from); err != nil {
				return fmt.Errorf("read %s from %s: %w", f.table, f.from, err)
			}
		}
		f.copied = true
	}
	return nil
}
