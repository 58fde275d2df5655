package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest"
	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/scapwrite"
	"github.com/scapql/scapql/ingest/state"
)

// writerSamples are the writer's sample captures, written out.
func writerSamples(t *testing.T) [][]byte {
	t.Helper()
	var samples [][]byte
	for _, s := range scapwrite.Samples() {
		var buf bytes.Buffer
		if _, err := scapwrite.WriteSample(s, &buf, scapwrite.Options{}); err != nil {
			t.Fatal(err)
		}
		samples = append(samples, buf.Bytes())
	}
	if len(samples) == 0 {
		t.Fatal("no writer samples")
	}
	return samples
}

// encodedCaptures are the bundled captures, the writer's samples, and the samples with random
// bytes flipped (odd times, parameters and states the encoding must still give back exactly),
// written to dir.
func encodedCaptures(t *testing.T, dir string) []string {
	caps, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	rng := rand.New(rand.NewPCG(11, 11))
	samples := writerSamples(t)
	for i := 0; i < 120; i++ {
		data := append([]byte(nil), samples[i%len(samples)]...)
		if i >= len(samples) {
			for k := 0; k < 1+rng.IntN(6); k++ {
				data[rng.IntN(len(data))] ^= byte(1 + rng.IntN(255))
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("sample-%03d.scap", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		caps = append(caps, p)
	}
	// Invalid UTF-8 in parameters, and a time past 2^63 ns after a first one near 0: a
	// negative evt.rawtime, whose datetime and reltime the view cannot derive.
	var buf bytes.Buffer
	w := scapwrite.NewWriter(&buf, scapwrite.Options{})
	_ = w.WriteProcessList(scapwrite.SampleProcesses())
	u32 := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	u64 := func(v uint64) []byte { return append(u32(uint32(v)), u32(uint32(v>>32))...) }
	_ = w.WriteEvent(1000, 1000, 0, et.PPME_SYSCALL_OPEN_E, []byte("/tmp/a\xff\xfe\x00"), u32(1), u32(0))
	_ = w.WriteEvent(1<<63+5, 1000, 0, et.PPME_SYSCALL_OPEN_X, u64(3), []byte("/tmp/\xc3\x00"), u32(1), u32(0), u32(0), u64(7))
	_ = w.WriteEvent(1<<64-1, 1000, 1, et.PPME_SYSCALL_OPEN_E, []byte("x\x00"), u32(1), u32(0))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "odd.scap")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return append(caps, p)
}

// writeRows reads the captures' event_rows, in the file encoding when kinds is set, into a
// Parquet file (and event_kinds into kindsPath).
func writeRows(t *testing.T, caps []string, path string, kinds *columnar.EventKinds, kindsPath string) {
	t.Helper()
	schema := columnar.CompactSchema(columnar.RowsTable)
	if kinds != nil {
		schema = columnar.EncodedRowsSchema()
	}
	write := func(path string, schema *arrow.Schema, recs func(w columnar.TableWriter) error) {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriter(f)
		w, err := columnar.NewParquetWriter(bw, schema, columnar.ParquetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(recs(w), w.Close(), bw.Flush(), f.Close()); err != nil {
			t.Fatal(err)
		}
	}
	write(path, schema, func(w columnar.TableWriter) error {
		next := int64(1)
		for _, p := range caps {
			opts := columnar.ReadOptions{Tables: []string{columnar.RowsTable}, FirstStateID: next, Kinds: kinds,
				BatchRows: 4096, Ingest: ingest.Options{Reader: scap.Options{MaxBlock: 1 << 20},
					State: state.Options{MaxThreads: 1024, MaxFDsPerProcess: 1024}}}
			st, err := columnar.ReadCapture(context.Background(), p, columnar.SinkFunc(func(_ string, rec arrow.RecordBatch) error {
				return w.Write(rec)
			}), opts)
			if err != nil {
				continue // damage: what was written before stands, in both encodings alike
			}
			next = max(next, st.NextStateID)
		}
		return nil
	})
	if kinds != nil {
		write(kindsPath, columnar.KindsSchema(), func(w columnar.TableWriter) error {
			rec := kinds.Record()
			defer rec.Release()
			return w.Write(rec)
		})
	}
}

// TestEncodedRowsDecode writes event_rows as a database stores it and in the file encoding,
// for every bundled capture and many damaged ones, and holds the rows views.sql decodes to
// the stored ones: every member of every row, and every column's type. It runs in time zones
// with summer time and odd offsets, since evt.datetime is local time.
func TestEncodedRowsDecode(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	caps := encodedCaptures(t, dir)
	defer func(l *time.Location) { time.Local = l }(time.Local)
	for _, zone := range []string{"UTC", "America/New_York", "Australia/Lord_Howe"} {
		t.Run(strings.ReplaceAll(zone, "/", "_"), func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			time.Local = loc
			ref, enc, kindsPath := filepath.Join(dir, "ref.parquet"), filepath.Join(dir, "enc.parquet"), filepath.Join(dir, "kinds.parquet")
			writeRows(t, caps, ref, nil, "")
			writeRows(t, caps, enc, columnar.NewEventKinds(), kindsPath)

			db, err := Open(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c := db.Conn()
			for _, q := range []string{
				`CREATE VIEW ref AS SELECT * FROM read_parquet('` + ref + `')`,
				`CREATE VIEW kinds AS SELECT * FROM read_parquet('` + kindsPath + `')`,
				`CREATE VIEW dec AS ` + columnar.EncodedRowsSelect(`read_parquet('`+enc+`')`, "kinds"),
			} {
				if _, err := c.ExecContext(ctx, q); err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
			}
			var refTypes, decTypes string
			c.QueryRowContext(ctx, `SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE ref)`).Scan(&refTypes)
			c.QueryRowContext(ctx, `SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE dec)`).Scan(&decTypes)
			if refTypes != decTypes || refTypes == "" {
				t.Errorf("decoded columns\n%s\nstored columns\n%s", decTypes, refTypes)
			}
			var n, m, diff1, diff2 int64
			c.QueryRowContext(ctx, `SELECT count(*) FROM ref`).Scan(&n)
			c.QueryRowContext(ctx, `SELECT count(*) FROM dec`).Scan(&m)
			if err := c.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT * FROM ref EXCEPT ALL SELECT * FROM dec)`).Scan(&diff1); err != nil {
				t.Fatal(err)
			}
			if err := c.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT * FROM dec EXCEPT ALL SELECT * FROM ref)`).Scan(&diff2); err != nil {
				t.Fatal(err)
			}
			if n == 0 || n != m || diff1 != 0 || diff2 != 0 {
				t.Errorf("%d stored rows, %d decoded; %d and %d differ", n, m, diff1, diff2)
				rows, _ := c.QueryContext(ctx, `SELECT * FROM (SELECT 'ref' w, * FROM ref EXCEPT ALL SELECT 'ref', * FROM dec) LIMIT 3`)
				for rows != nil && rows.Next() {
					cols, _ := rows.Columns()
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					rows.Scan(ptrs...)
					t.Logf("%v", vals)
				}
			}
			// The cases the encoding has special paths for must have been met.
			var cases [8]int64
			err = c.QueryRowContext(ctx, `SELECT count(r.enc.args), count(r.enc.rawarg), count(r.enc.datetime),
				count(r.enc.reltime) + count(*) FILTER (r.enc.nulls & 4 <> 0), count(r.enc.argvals),
				count(*) FILTER (NOT k.args), count(*) FILTER (len(k.keys) < len(k.names)), count(*) FILTER (k.syscall_type IS NULL)
				FROM read_parquet('`+enc+`') r JOIN kinds k ON k.id = r.enc.kind`).Scan(&cases[0], &cases[1], &cases[2], &cases[3],
				&cases[4], &cases[5], &cases[6], &cases[7])
			if err != nil {
				t.Fatal(err)
			}
			names := []string{"evt.args exceptions", "evt.rawarg exceptions", "evt.datetime exceptions", "evt.reltime exceptions",
				"rows with resolved parameters", "generic events", "events with parameters of the same name", "non-syscall events"}
			for i, k := range cases {
				t.Logf("%s: %d", names[i], k)
				// evt.args only differs from its derivation in theory (see TestEncodedRowsExceptions).
				if k == 0 && i != 0 {
					t.Errorf("no %s among %d rows", names[i], n)
				}
			}
		})
	}
}

// TestEncodedRowsExceptions sets every exception column of the file encoding on stored rows
// and checks that the decoded members take them over the derivations.
func TestEncodedRowsExceptions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	enc, kindsPath := filepath.Join(dir, "enc.parquet"), filepath.Join(dir, "kinds.parquet")
	writeRows(t, []string{capturePath("curl_google")}, enc, columnar.NewEventKinds(), kindsPath)
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := db.Conn()
	// Row a has evt.rawarg entries, row b any other; a takes every exception value, b every NULL.
	for _, q := range []string{
		`CREATE TABLE f AS SELECT * FROM read_parquet('` + enc + `')`,
		`CREATE VIEW kinds AS SELECT * FROM read_parquet('` + kindsPath + `')`,
		`CREATE TEMP TABLE pick AS SELECT (SELECT min(r.evt.num) FROM f r JOIN kinds k ON k.id = r.enc.kind WHERE len(k.keys) > 0) a,
			(SELECT max(evt.num) FROM f) b`,
		`UPDATE f SET enc = struct_pack(kind := enc.kind, argvals := enc.argvals, args := 'X', rawarg := ['R'],
			utc_offset := enc.utc_offset, datetime := 'D', time_base := enc.time_base, reltime := 7::BIGINT,
			vmsize := 9::BIGINT, vmrss := 10::BIGINT, nulls := NULL::BIGINT) WHERE evt.num = (SELECT a FROM pick)`,
		`UPDATE f SET enc = struct_pack(kind := enc.kind, argvals := enc.argvals, args := enc.args, rawarg := enc.rawarg,
			utc_offset := enc.utc_offset, datetime := enc.datetime, time_base := enc.time_base, reltime := enc.reltime,
			vmsize := 9::BIGINT, vmrss := enc.vmrss, nulls := 7::BIGINT) WHERE evt.num = (SELECT b FROM pick)`,
		`CREATE VIEW dec AS ` + columnar.EncodedRowsSelect("f", "kinds"),
	} {
		if _, err := c.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	var got string
	err = c.QueryRowContext(ctx, `SELECT concat_ws('|', evt.args, map_values(evt.rawarg)[1], evt.datetime, evt.reltime,
		thread_now.vmsize, thread_now.vmrss) FROM dec WHERE evt.num = (SELECT a FROM pick)`).Scan(&got)
	if err != nil || got != "X|R|D|7|9|10" {
		t.Errorf("row with exceptions: %q, %v", got, err)
	}
	var nulls string
	err = c.QueryRowContext(ctx, `SELECT concat_ws('|', evt.reltime IS NULL, thread_now.vmsize IS NULL, thread_now.vmrss IS NULL,
		evt.rawtime IS NULL) FROM dec WHERE evt.num = (SELECT b FROM pick)`).Scan(&nulls)
	if err != nil || nulls != "true|true|true|false" {
		t.Errorf("row with NULL bits: %q, %v", nulls, err)
	}
}
