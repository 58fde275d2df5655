package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest/audit"
	"github.com/scapql/scapql/internal/sqlquote"
)

// auditTableNames picks the audit tables --table names ("" or all: both).
func auditTableNames(spec string) ([]string, bool, error) {
	if spec == "" || spec == "all" {
		return []string{"cloudtrail", "k8saudit"}, false, nil
	}
	var out []string
	for _, t := range strings.Split(spec, ",") {
		if t != "cloudtrail" && t != "k8saudit" {
			return nil, false, fmt.Errorf("audit logs convert to the cloudtrail and k8saudit tables, not %q", t)
		}
		out = append(out, t)
	}
	return out, true, nil
}

// runConvertAudit converts audit logs (and the plugin events of captures) to the cloudtrail
// and k8saudit tables. Parquet and Arrow stream; a table with no rows is left out unless
// --table names it; with two tables OUT is a directory of TABLE.ext files.
func runConvertAudit(ctx context.Context, stderr io.Writer, cf convertFlags, logs, captures []string) error {
	format, err := columnar.FormatOf(cf.out)
	if err != nil {
		return err
	}
	if len(cf.partition) > 0 || len(cf.columns) > 0 || cf.layout == "compact" {
		return errors.New("audit logs convert whole tables: no --partition-by, --columns or --layout compact")
	}
	tables, named, err := auditTableNames(cf.table)
	if err != nil {
		return err
	}
	if info, err := os.Stat(cf.out); err == nil && info.IsDir() {
		if !cf.force {
			return fmt.Errorf("%s exists; use --force to replace it", cf.out)
		}
		if err := os.RemoveAll(cf.out); err != nil {
			return err
		}
	}
	tmp := filepath.Join(filepath.Dir(cf.out), "."+filepath.Base(cf.out)+fmt.Sprintf(".tmp-%d", os.Getpid()))
	defer os.RemoveAll(tmp)
	report := func(st *columnar.AuditStats) {
		if st != nil {
			for _, d := range st.Damaged {
				fmt.Fprintln(stderr, d)
			}
		}
	}
	if format != columnar.Parquet && format != columnar.ArrowIPC {
		// through a database: the .duckdb output itself, or a scratch one to copy from
		dbPath := tmp
		if format != columnar.DuckDB {
			if err := os.MkdirAll(tmp, 0o755); err != nil {
				return err
			}
			dbPath = filepath.Join(tmp, "scratch.duckdb")
		}
		db, err := engine.Open(ctx, dbPath)
		if err != nil {
			return err
		}
		st, err := db.LoadAudit(ctx, logs, captures)
		report(st)
		if err == nil && format != columnar.DuckDB {
			err = copyAuditTables(ctx, db, st, tables, named, format, cf.out, tmp)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil || format != columnar.DuckDB {
			return err
		}
		os.Remove(tmp + ".wal")
		return os.Rename(tmp, cf.out)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	type out struct {
		f  *os.File
		bw *bufio.Writer
		w  columnar.TableWriter
	}
	outs := map[string]*out{}
	for _, t := range tables {
		kind := audit.CloudTrail
		if t == "k8saudit" {
			kind = audit.K8sAudit
		}
		f, err := os.Create(filepath.Join(tmp, t+format.Ext()))
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		var w columnar.TableWriter
		if format == columnar.ArrowIPC {
			w, err = columnar.NewIPCWriter(bw, columnar.AuditSchema(kind))
		} else {
			w, err = columnar.NewParquetWriter(bw, columnar.AuditSchema(kind), columnar.ParquetOptions{})
		}
		if err != nil {
			f.Close()
			return err
		}
		outs[t] = &out{f, bw, w}
	}
	st, err := columnar.ReadAuditTables(ctx, logs, captures, columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
		if o := outs[table]; o != nil && rec.NumRows() > 0 {
			return o.w.Write(rec)
		}
		return nil
	}))
	report(st)
	var errs []error
	for _, o := range outs {
		errs = append(errs, o.w.Close(), o.bw.Flush(), o.f.Close())
	}
	if err != nil {
		return err
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return placeAuditFiles(st, tables, named, format, cf.out, tmp)
}

// placeAuditFiles moves the written tables into place: OUT itself for one table, a
// directory of TABLE.ext files for several.
func placeAuditFiles(st *columnar.AuditStats, tables []string, named bool, format columnar.Format, out, tmp string) error {
	var keep []string
	for _, t := range tables {
		if named || st.Rows[t] > 0 {
			keep = append(keep, t)
		} else {
			os.Remove(filepath.Join(tmp, t+format.Ext()))
		}
	}
	switch len(keep) {
	case 0:
		return errors.New("no audit records read")
	case 1:
		return os.Rename(filepath.Join(tmp, keep[0]+format.Ext()), out)
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists; remove it first", out)
	}
	return os.Rename(tmp, out)
}

// copyAuditTables writes the tables of a database as JSON lines or CSV.
func copyAuditTables(ctx context.Context, db *engine.DB, st *columnar.AuditStats, tables []string, named bool, format columnar.Format, out, tmp string) error {
	opt := "FORMAT json"
	if format == columnar.CSV {
		opt = "FORMAT csv, HEADER"
	}
	for _, t := range tables {
		if !named && st.Rows[t] == 0 {
			continue
		}
		path := filepath.Join(tmp, t+format.Ext())
		if _, err := db.Exec(ctx, "COPY "+db.Table(t)+" TO "+sqlquote.String(path)+" ("+opt+")"); err != nil {
			return fmt.Errorf("write %s: %w", t, err)
		}
	}
	os.Remove(filepath.Join(tmp, "scratch.duckdb"))
	os.Remove(filepath.Join(tmp, "scratch.duckdb.wal"))
	return placeAuditFiles(st, tables, named, format, out, tmp)
}
