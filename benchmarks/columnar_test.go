package benchmarks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/report"
	"github.com/scapql/scapql/translate"
)

// BenchmarkArrowEvents: building Arrow record batches of the whole events table.
func BenchmarkArrowEvents(b *testing.B) {
	run(b, func(src *ingest.Source) int {
		eb := columnar.NewEventBuilder("bench", 65536)
		n := eachStored(src, func(ev *state.Event, _ int) {
			eb.Append(ev)
			if eb.Full() {
				eb.NewRecord().Release()
			}
		})
		if eb.Len() > 0 {
			eb.NewRecord().Release()
		}
		return n
	})
}

// BenchmarkArrowWide: the same table built as Parquet conversion builds it (WideBuilder:
// states extracted once per batch, texts as dictionaries).
func BenchmarkArrowWide(b *testing.B) {
	run(b, func(src *ingest.Source) int {
		wb := columnar.NewWideBuilder("bench", 0)
		cut := func() {
			rec, err := wb.NewRecord()
			if err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
		n := eachStored(src, func(ev *state.Event, _ int) {
			wb.Append(ev)
			if wb.Full() {
				cut()
			}
		})
		if wb.Len() > 0 {
			cut()
		}
		return n
	})
}

// BenchmarkParquetWrite: the Parquet writer alone, on batches of the capture's first 256K
// events built beforehand, with the options convert uses: the wide table (WideBuilder's
// dictionaries) and the compact files' event_rows (its file encoding).
func BenchmarkParquetWrite(b *testing.B) {
	for _, tc := range []struct {
		name   string
		table  string
		read   columnar.ReadOptions
		schema *arrow.Schema
		opts   columnar.ParquetOptions
	}{
		{"wide", "events", columnar.ReadOptions{Tables: []string{"events"}, DictStates: true},
			columnar.DictEventSchema(), columnar.ParquetOptions{Fast: true, StoredSchema: columnar.EventSchema()}},
		{"compact", columnar.RowsTable, columnar.ReadOptions{Tables: []string{columnar.RowsTable}, Kinds: columnar.NewEventKinds()},
			columnar.EncodedRowsSchema(), columnar.ParquetOptions{Fast: true}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			recs, rows := firstBatches(b, tc.table, tc.read, 256<<10)
			defer func() {
				for _, r := range recs {
					r.Release()
				}
			}()
			var out countingWriter
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				out = 0
				w, err := columnar.NewParquetWriter(&out, tc.schema, tc.opts)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range recs {
					if err := w.Write(r); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(out)/float64(rows), "B/event")
		})
	}
}

// countingWriter discards what it is given, counting the bytes.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// errEnough stops reading once enough batches are kept.
var errEnough = errors.New("enough batches")

// firstBatches reads the benchmark capture's batches of table until they hold at least n rows.
func firstBatches(b *testing.B, table string, opts columnar.ReadOptions, n int64) ([]arrow.RecordBatch, int64) {
	var recs []arrow.RecordBatch
	var rows int64
	_, err := columnar.ReadCapture(context.Background(), benchCapturePath(b), columnar.SinkFunc(func(t string, rec arrow.RecordBatch) error {
		if t != table {
			return nil
		}
		rec.Retain()
		recs = append(recs, rec)
		if rows += rec.NumRows(); rows >= n {
			return errEnough
		}
		return nil
	}), opts)
	if err != nil && !errors.Is(err, errEnough) {
		b.Fatal(err)
	}
	return recs, rows
}

// eachStored calls f with each event the tables store (not the leading container events)
// and its ordinal from 1, and returns how many there were.
func eachStored(src *ingest.Source, f func(ev *state.Event, n int)) int {
	n := 0
	for {
		ev, err := src.Next()
		if err != nil {
			return n
		}
		if ev.Initial {
			continue
		}
		n++
		f(ev, n)
	}
}

// benchCapturePath returns the path of the benchmark capture, generating it if needed.
func benchCapturePath(b *testing.B) string {
	benchCapture(b)
	if p := os.Getenv("SCAPQL_BENCH_CAPTURE"); p != "" {
		return p
	}
	return filepath.Join("out", "bench-1m.scap")
}

// BenchmarkDuckDBLoad: loading the capture into DuckDB (events and side tables).
func BenchmarkDuckDBLoad(b *testing.B) {
	path := benchCapturePath(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db, err := engine.Open(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.Load(ctx, []string{path}, engine.LoadOptions{}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// loadedDB is an in-memory database holding the benchmark capture.
func loadedDB(b *testing.B) *engine.DB {
	path := benchCapturePath(b)
	db, err := engine.Open(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Load(context.Background(), []string{path}, engine.LoadOptions{}); err != nil {
		db.Close()
		b.Fatal(err)
	}
	return db
}

// BenchmarkQuery: one translated filter over the loaded events table.
func BenchmarkQuery(b *testing.B) {
	ctx := context.Background()
	db := loadedDB(b)
	defer db.Close()
	where, err := translate.Translate("evt.type in (open, openat) and evt.failed = true", translate.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var n int64
		if err := db.Conn().QueryRowContext(ctx, "SELECT count(*) FROM "+db.Table("events")+" WHERE "+where).Scan(&n); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArrowCompact: building Arrow record batches of the compact layout (event_rows,
// thread_states, fd_states), what a database stores.
func BenchmarkArrowCompact(b *testing.B) {
	run(b, func(src *ingest.Source) int {
		cb := columnar.NewCompactBuilder("bench", 65536, 1)
		discard := func(string, arrow.RecordBatch) error { return nil }
		n := eachStored(src, func(ev *state.Event, n int) {
			cb.Append(ev)
			if n&1023 == 0 {
				cb.Flush(false, discard)
			}
		})
		cb.Flush(true, discard)
		return n
	})
}

// BenchmarkFirstMatches: a shell question with .limit 20 — the count of a display filter's
// events and the listing of its first 20 (engine.DB.FirstMatches) — for compare.sh's ten
// filters, one sub-benchmark each.
func BenchmarkFirstMatches(b *testing.B) {
	ctx := context.Background()
	db := loadedDB(b)
	defer db.Close()
	const uses = `evt.num, evt.time, proc.name, thread.tid, evt.dir, evt.type, evt.args`
	for i, filter := range []string{
		"evt.type=open", "evt.type in (open,openat) and evt.failed=true", "fd.name contains /etc/",
		"proc.name=nginx and evt.type=writev", "evt.res=ENOENT", "fd.sport=5432", "fd.type=ipv6",
		"user.name=alice", "evt.type=execve and evt.dir=<", "proc.pname=bash",
	} {
		sql, err := translate.Translate(filter, translate.Options{})
		if err != nil {
			b.Fatal(err)
		}
		where := "NOT coalesce(evt.hidden, false) AND " + sql
		b.Run(fmt.Sprintf("q%d", i+1), func(b *testing.B) {
			for b.Loop() {
				first, _, err := db.FirstMatches(ctx, where, 21, uses)
				if err != nil {
					b.Fatal(err)
				}
				rows, err := db.Query(ctx, "SELECT "+uses+" FROM ("+first+") AS events ORDER BY capture, evt.num LIMIT 21")
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
}

// lazyQuestion is the question of compare.sh's step 5.
const lazyQuestion = `SELECT proc.name, count(*) n FROM events WHERE evt.type = 'connect' GROUP BY ALL`

// BenchmarkLazyFirstQuestion: a question straight from the capture on a lazy database (what
// query -r and the shell do): one pass building the members it names, then the SQL.
func BenchmarkLazyFirstQuestion(b *testing.B) {
	path := benchCapturePath(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db := openLazy(b, path)
		askLazy(b, db)
		db.Close()
	}
}

// openLazy opens a lazy database over the capture at path.
func openLazy(b *testing.B, path string) *engine.DB {
	db, err := engine.OpenLazy(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	if err := db.AddInputs(context.Background(), []string{path}); err != nil {
		b.Fatal(err)
	}
	return db
}

// BenchmarkLazyAgain: the same question again in the same session (its members built).
func BenchmarkLazyAgain(b *testing.B) {
	path := benchCapturePath(b)
	db := openLazy(b, path)
	defer db.Close()
	askLazy(b, db)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		askLazy(b, db)
	}
}

func askLazy(b *testing.B, db *engine.DB) {
	ctx := context.Background()
	if _, err := db.Prepare(ctx, lazyQuestion); err != nil {
		b.Fatal(err)
	}
	rows, err := db.Query(ctx, lazyQuestion)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	if n == 0 {
		b.Fatal("the question has no answer")
	}
}

// BenchmarkReport: the forensic report's sections and the bundled rules' detections on a
// lazy database (what scapql report does before rendering): one shared pass, then the SQL.
func BenchmarkReport(b *testing.B) {
	path := benchCapturePath(b)
	ctx := context.Background()
	rs, _, err := report.BundledRules(true, false)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db := openLazy(b, path)
		det := report.NewDetector(ctx, rs, report.DetectOptions{Captures: []string{path}})
		sections, err := report.RunSections(ctx, db, report.Options{Events: true, Observe: det.Observe})
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := det.Finish(&report.RulesInfo{}); err != nil {
			b.Fatal(err)
		}
		if len(sections) == 0 {
			b.Fatal("no section")
		}
		db.Close()
	}
}
