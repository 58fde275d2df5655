// Package benchmarks measures each stage of scapql on a generated capture:
//
//	go test ./benchmarks -bench . -benchtime 3x
//
// The capture (1M events, seed 1) is generated once into benchmarks/out/; set
// SCAPQL_BENCH_CAPTURE to use another file.
package benchmarks

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
)

var (
	captureOnce sync.Once
	captureData []byte
	captureErr  error
)

// benchCapture returns the raw bytes of the benchmark capture, generating it on first use.
func benchCapture(b *testing.B) []byte {
	captureOnce.Do(func() {
		path := os.Getenv("SCAPQL_BENCH_CAPTURE")
		if path == "" {
			path = filepath.Join("out", "bench-1m.scap")
			if _, err := os.Stat(path); err != nil {
				os.MkdirAll("out", 0o755)
				cmd := exec.Command("go", "run", "./gen", "-seed", "1", "-events", "1000000", "-q", "-o", path)
				cmd.Stderr = os.Stderr
				if captureErr = cmd.Run(); captureErr != nil {
					return
				}
			}
		}
		captureData, captureErr = os.ReadFile(path)
	})
	if captureErr != nil {
		b.Fatal(captureErr)
	}
	return captureData
}

func run(b *testing.B, each func(src *ingest.Source) int) {
	raw := benchCapture(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for i := 0; i < b.N; i++ {
		src, err := ingest.NewSource(bytes.NewReader(raw), "bench", ingest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		events += each(src)
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRead: block reading and event decoding.
func BenchmarkRead(b *testing.B) {
	raw := benchCapture(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	b.ResetTimer()
	events := 0
	for i := 0; i < b.N; i++ {
		r, err := scap.NewReader(bytes.NewReader(raw), scap.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
			events++
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkState: decoding plus thread/fd state.
func BenchmarkState(b *testing.B) {
	run(b, func(src *ingest.Source) int {
		n := 0
		for {
			if _, err := src.Next(); err != nil {
				return n
			}
			n++
		}
	})
}

// BenchmarkPrintDefault: the full default output line for every event.
func BenchmarkPrintDefault(b *testing.B) {
	format, err := fields.ParseFormat("*" + fields.DefaultFormat)
	if err != nil {
		b.Fatal(err)
	}
	run(b, func(src *ingest.Source) int {
		n := 0
		var line []byte
		for {
			ev, err := src.Next()
			if err != nil {
				return n
			}
			line, _ = format.Append(line[:0], ev)
			n++
		}
	})
}
