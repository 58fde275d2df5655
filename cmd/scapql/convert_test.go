package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/internal/sqlquote"
)

var convertCaptures = []string{
	"../../testdata/captures/curl_google.scap",
	"../../testdata/captures/falco_psp_run_as_user_0_container.scap",
	"../../testdata/captures/test_ipv6_client.scap",
}

// referenceTable reads the captures' events straight from the reader, as one Arrow table.
func referenceTable(t *testing.T, paths []string) arrow.Table {
	t.Helper()
	var recs []arrow.RecordBatch
	for _, p := range paths {
		_, err := columnar.ReadCapture(context.Background(), p, columnar.SinkFunc(func(table string, rec arrow.RecordBatch) error {
			rec.Retain()
			recs = append(recs, rec)
			return nil
		}), columnar.ReadOptions{Tables: []string{"events"}, BatchRows: 1000})
		if err != nil {
			t.Fatal(err)
		}
	}
	tbl := array.NewTableFromRecords(columnar.EventSchema(), recs)
	for _, r := range recs {
		r.Release()
	}
	return tbl
}

// TestParquetRoundTrip writes Parquet with convert and reads it back with arrow-go's reader
// (the same Arrow data, column for column) and with DuckDB (the same rows as loading the
// captures directly).
func TestParquetRoundTrip(t *testing.T) {
	// arrow-go's reader, one capture at a time (process ids are numbered per capture).
	for _, c := range convertCaptures {
		out := filepath.Join(t.TempDir(), "events.parquet")
		if err := runConvert(context.Background(), io.Discard, convertFlags{out: out}, []string{c}); err != nil {
			t.Fatal(err)
		}
		got := readParquet(t, out)
		want := referenceTable(t, []string{c})
		// Types must come back the same (the reader adds field-id metadata, which is ignored).
		for i, f := range want.Schema().Fields() {
			if g := got.Schema().Field(i); g.Name != f.Name || !arrow.TypeEqual(g.Type, f.Type) {
				t.Fatalf("column %d read back as %s %s, want %s %s", i, g.Name, g.Type, f.Name, f.Type)
			}
		}
		if got.NumRows() != want.NumRows() {
			t.Fatalf("%d rows read back, want %d", got.NumRows(), want.NumRows())
		}
		for i := 0; i < int(want.NumCols()); i++ {
			name := want.Schema().Field(i).Name
			if name == "proc" {
				compareProc(t, got.Column(i).Data(), want.Column(i).Data())
				continue
			}
			if !array.ChunkedEqual(got.Column(i).Data(), want.Column(i).Data()) {
				t.Errorf("%s: column %s differs after the round trip", c, name)
			}
		}
		got.Release()
		want.Release()
	}

	// DuckDB, all captures in one file.
	out := filepath.Join(t.TempDir(), "events.parquet")
	if err := runConvert(context.Background(), io.Discard, convertFlags{out: out}, convertCaptures); err != nil {
		t.Fatal(err)
	}
	want := referenceTable(t, convertCaptures)
	defer want.Release()
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Load(ctx, convertCaptures, engine.LoadOptions{Tables: []string{"events"}}); err != nil {
		t.Fatal(err)
	}
	// Every value but the process ids, which each load numbers afresh.
	sel := "capture"
	for _, c := range columnar.EventColumns() {
		if c.Field != "proc.id" && c.Field != "proc.parent_id" {
			sel += ", " + c.SQL()
		}
	}
	for _, q := range []string{
		`SELECT count(*) FROM (SELECT ` + sel + ` FROM read_parquet(?) EXCEPT ALL SELECT ` + sel + ` FROM events)`,
		`SELECT count(*) FROM (SELECT ` + sel + ` FROM events EXCEPT ALL SELECT ` + sel + ` FROM read_parquet(?))`,
	} {
		var n int
		if err := db.Conn().QueryRowContext(ctx, q, out).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows differ: %s", n, q)
		}
	}
	var n int64
	db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM read_parquet(?)`, out).Scan(&n)
	if n != want.NumRows() {
		t.Errorf("DuckDB reads %d rows, want %d", n, want.NumRows())
	}
	var codec string
	db.Conn().QueryRowContext(ctx, `SELECT any_value(compression) FROM parquet_metadata(?)`, out).Scan(&codec)
	if !strings.EqualFold(codec, "zstd") {
		t.Errorf("compression %s, want zstd", codec)
	}
	t.Logf("%d rows, %d columns round-trip", n, want.NumCols())
}

func readParquet(t *testing.T, path string) arrow.Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// compareProc compares the proc struct columns of two reads of the same captures. The
// process ids are numbered by each read (the state engine numbers the initial processes in
// map order), so those must only correspond one to one; every other member must be equal.
func compareProc(t *testing.T, got, want *arrow.Chunked) {
	t.Helper()
	ids := map[int64]int64{}
	back := map[int64]int64{}
	gc, wc := got.Chunks(), want.Chunks()
	gi, wi, go_, wo := 0, 0, 0, 0
	for wi < len(wc) && gi < len(gc) {
		g, w := gc[gi].(*array.Struct), wc[wi].(*array.Struct)
		n := min(g.Len()-go_, w.Len()-wo)
		typ := w.DataType().(*arrow.StructType)
		for j, f := range typ.Fields() {
			ga := array.NewSlice(g.Field(j), int64(go_), int64(go_+n))
			wa := array.NewSlice(w.Field(j), int64(wo), int64(wo+n))
			if f.Name == "id" || f.Name == "parent_id" {
				gi64, wi64 := ga.(*array.Int64), wa.(*array.Int64)
				for k := 0; k < n; k++ {
					if gi64.IsNull(k) != wi64.IsNull(k) {
						t.Errorf("proc.%s: NULL differs", f.Name)
						continue
					}
					if gi64.IsNull(k) {
						continue
					}
					a, b := gi64.Value(k), wi64.Value(k)
					if x, ok := ids[b]; ok && x != a {
						t.Errorf("proc.%s: id %d read back as %d and %d", f.Name, b, x, a)
					}
					if y, ok := back[a]; ok && y != b {
						t.Errorf("proc.%s: ids %d and %d both read back as %d", f.Name, y, b, a)
					}
					ids[b], back[a] = a, b
				}
			} else if !array.Equal(ga, wa) {
				t.Errorf("proc.%s differs after the round trip", f.Name)
			}
			ga.Release()
			wa.Release()
		}
		go_ += n
		wo += n
		if go_ == g.Len() {
			gi, go_ = gi+1, 0
		}
		if wo == w.Len() {
			wi, wo = wi+1, 0
		}
	}
}

// TestConvertFormats writes every format and table layout and reads each back with DuckDB.
func TestConvertFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	caps := convertCaptures[:1]
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Load(ctx, caps, engine.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	counts, _ := db.Tables(ctx)
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.Conn().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	cases := []struct {
		out   string
		flags convertFlags
		check func(out string)
	}{
		{"e.arrow", convertFlags{}, func(out string) {
			f, _ := os.Open(out)
			defer f.Close()
			if b := make([]byte, 6); func() bool { f.Read(b); return string(b) != "ARROW1" }() {
				t.Error("not an Arrow IPC file")
			}
		}},
		{"e.jsonl", convertFlags{}, func(out string) {
			if n := count(`SELECT count(*) FROM read_json(?, format = 'newline_delimited')`, out); n != counts["events"] {
				t.Errorf("jsonl: %d rows, want %d", n, counts["events"])
			}
			if n := count(`SELECT count(*) FROM read_json(?, format = 'newline_delimited') WHERE evt.num IS NULL`, out); n != 0 {
				t.Errorf("jsonl: %d rows without evt.num", n)
			}
		}},
		{"e.csv", convertFlags{}, func(out string) {
			if n := count(`SELECT count(*) FROM read_csv(?, header = true) WHERE "evt.type" IS NOT NULL`, out); n != counts["events"] {
				t.Errorf("csv: %d rows, want %d", n, counts["events"])
			}
		}},
		{"p.csv", convertFlags{table: "processes"}, func(out string) {
			if n := count(`SELECT count(*) FROM read_csv(?, header = true)`, out); n != counts["processes"] {
				t.Errorf("processes csv: %d rows, want %d", n, counts["processes"])
			}
		}},
		{"all.parquet", convertFlags{table: "all"}, func(out string) {
			for table, want := range counts {
				if n := count(`SELECT count(*) FROM read_parquet(?)`, filepath.Join(out, table+".parquet")); n != want {
					t.Errorf("%s: %d rows, want %d", table, n, want)
				}
			}
		}},
		{"all.duckdb", convertFlags{}, func(out string) {
			d2, err := engine.Open(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			defer d2.Close()
			got, _ := d2.Tables(ctx)
			for table, want := range counts {
				if got[table] != want {
					t.Errorf("duckdb %s: %d rows, want %d", table, got[table], want)
				}
			}
		}},
		{"cols.parquet", convertFlags{columns: []string{"evt.type", "proc.name", "fd"}}, func(out string) {
			if n := count(`SELECT count(*) FROM read_parquet(?) p JOIN events e ON e.evt.num = p.evt.num
				AND e.evt.type = p.evt.type AND e.proc.name IS NOT DISTINCT FROM p.proc.name AND e.fd = p.fd`, out); n != counts["events"] {
				t.Errorf("projected: %d rows agree, want %d", n, counts["events"])
			}
			if n := count(`SELECT count(*) FROM (DESCRIBE SELECT * FROM read_parquet(?))`, out); n != 4 {
				t.Errorf("projected: %d columns, want capture, evt, proc, fd", n)
			}
		}},
		{"part.parquet", convertFlags{partition: []string{"evt.type"}}, func(out string) {
			if n := count(`SELECT count(*) FROM read_parquet(? || '/*/*.parquet', hive_partitioning = true) WHERE evt_type = evt.type`, out); n != counts["events"] {
				t.Errorf("partitioned: %d rows, want %d", n, counts["events"])
			}
			if _, err := os.Stat(filepath.Join(out, "evt_type=connect")); err != nil {
				t.Error(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.out, func(t *testing.T) {
			c.flags.out = filepath.Join(dir, c.out)
			if err := runConvert(ctx, io.Discard, c.flags, caps); err != nil {
				t.Fatal(err)
			}
			c.check(c.flags.out)
		})
	}
	// No temporary is left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// A directory output is not replaced without --force.
	if err := runConvert(ctx, io.Discard, convertFlags{out: filepath.Join(dir, "all.parquet"), table: "all"}, caps); err == nil {
		t.Error("existing directory replaced without --force")
	}
}

// TestConvertCancelled cancels a conversion part way: nothing is left, under the target
// name or the temporary one.
func TestConvertCancelled(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.parquet")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := runConvert(ctx, io.Discard, convertFlags{out: out}, convertCaptures)
	if err == nil {
		t.Fatal("cancelled convert succeeded")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

// TestHelperProcess runs scapql's command line when the test binary is started by a test as
// a child process.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("SCAPQL_HELPER_PROCESS") != "1" {
		t.Skip("run as a child of another test")
	}
	args := strings.Split(os.Getenv("SCAPQL_HELPER_ARGS"), "\x1f")
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scapql:", err)
	}
	os.Exit(exitCode(err))
}

// TestConvertInterrupted sends SIGINT to a convert reading a capture from a pipe that stalls
// half way: it exits with status 130 and leaves nothing behind.
func TestConvertInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "events.parquet")
			data, err := os.ReadFile(convertCaptures[1])
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), "SCAPQL_HELPER_PROCESS=1",
				"SCAPQL_HELPER_ARGS="+strings.Join([]string{"convert", "-", "-o", out}, "\x1f"))
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			stdin.Write(data[:len(data)/2])
			// Wait for the temporary output to appear, then interrupt.
			deadline := time.Now().Add(30 * time.Second)
			for {
				ents, _ := os.ReadDir(dir)
				if len(ents) > 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			cmd.Process.Signal(sig)
			err = cmd.Wait()
			stdin.Close()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 130 {
				t.Errorf("exit: %v (stderr %q), want status 130", err, stderr.String())
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 0 {
				t.Errorf("left behind: %v", ents)
			}
		})
	}
}

// TestCompactLayoutFiles converts the bundled captures with --layout compact and holds the
// events view that views.sql defines over the files, in a plain DuckDB, to the events a
// database shows, and the event_rows view (decoded from the file encoding) to the event_rows
// table the database stores: every member of every row.
func TestCompactLayoutFiles(t *testing.T) {
	ctx := context.Background()
	captures, _ := filepath.Glob("../../testdata/captures/*.scap")
	out := filepath.Join(t.TempDir(), "tables.parquet")
	if err := runConvert(ctx, io.Discard, convertFlags{out: out, layout: "compact"}, captures); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"event_rows.parquet", "event_kinds.parquet", "thread_states.parquet", "fd_states.parquet"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	script, err := os.ReadFile(filepath.Join(out, "views.sql"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	conn, err := plain.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET file_search_path = `+sqlquote.String(out)); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(string(script), ";\n") {
		if strings.TrimSpace(stmt) == "" || strings.HasPrefix(strings.TrimSpace(stmt), "--") && !strings.Contains(stmt, "CREATE") {
			continue
		}
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("views.sql: %v", err)
		}
	}
	// The reference: the same captures loaded into a database, its events exported.
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Load(ctx, captures, engine.LoadOptions{Tables: []string{"events"}}); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(t.TempDir(), "ref.parquet")
	if _, err := db.Exec(ctx, `COPY (SELECT * EXCLUDE (proc), proc.* EXCLUDE (id, parent_id) FROM events) TO `+sqlquote.String(ref)); err != nil {
		t.Fatal(err)
	}
	refRows := filepath.Join(t.TempDir(), "ref_rows.parquet")
	keys := strings.Join(engine.KeyColumns(), ", ") // a database's own, not in the files
	if _, err := db.Exec(ctx, `COPY (SELECT * EXCLUDE (`+keys+`) FROM event_rows) TO `+sqlquote.String(refRows)); err != nil {
		t.Fatal(err)
	}
	var rowsDiff1, rowsDiff2, rowsN int64
	conn.QueryRowContext(ctx, `SELECT count(*) FROM event_rows`).Scan(&rowsN)
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT * FROM event_rows EXCEPT ALL SELECT * FROM read_parquet(`+
		sqlquote.String(refRows)+`))`).Scan(&rowsDiff1); err != nil {
		t.Fatal(err)
	}
	conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT * FROM read_parquet(`+sqlquote.String(refRows)+`) EXCEPT ALL SELECT * FROM event_rows)`).Scan(&rowsDiff2)
	if rowsDiff1 != 0 || rowsDiff2 != 0 || rowsN == 0 {
		t.Errorf("event_rows over the files: %d rows, %d and %d differ from the database's", rowsN, rowsDiff1, rowsDiff2)
	}
	var fileTypes, dbTypes string
	conn.QueryRowContext(ctx, `SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE event_rows)`).Scan(&fileTypes)
	db.Conn().QueryRowContext(ctx, `SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE SELECT * EXCLUDE (`+keys+`) FROM event_rows)`).Scan(&dbTypes)
	if fileTypes != dbTypes || fileTypes == "" {
		t.Errorf("event_rows over the files:\n%s\nin the database:\n%s", fileTypes, dbTypes)
	}
	sel := `SELECT * EXCLUDE (proc), proc.* EXCLUDE (id, parent_id) FROM events`
	var n, diff1, diff2 int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	conn.QueryRowContext(ctx, `SELECT count(*) FROM (`+sel+` EXCEPT ALL SELECT * FROM read_parquet(`+sqlquote.String(ref)+`))`).Scan(&diff1)
	conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT * FROM read_parquet(`+sqlquote.String(ref)+`) EXCEPT ALL `+sel+`)`).Scan(&diff2)
	var want int64
	db.Conn().QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&want)
	if n != want || diff1 != 0 || diff2 != 0 || n == 0 {
		t.Errorf("events over the files: %d rows (want %d), %d and %d rows differ", n, want, diff1, diff2)
	}
	t.Logf("%d events agree", n)
}
