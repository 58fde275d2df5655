package benchmarks

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"os"
	"path/filepath"
	"testing"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
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

// BenchmarkQuery: one translated filter over the loaded events table.
func BenchmarkQuery(b *testing.B) {
	path := benchCapturePath(b)
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Load(ctx, []string{path}, engine.LoadOptions{}); err != nil {
		b.Fatal(err)
	}
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
