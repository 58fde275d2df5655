package ingest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
)

func loadRaw(b *testing.B, name string) []byte { return rawCapture(b, name) }

// rawCapture returns the decompressed bytes of a bundled capture.
func rawCapture(b testing.TB, name string) []byte {
	b.Helper()
	f, err := os.Open("../testdata/captures/" + name)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

const benchCapture = "falco_psp_run_as_user_0_container.scap"

// BenchmarkDecode measures block reading and event decoding alone.
func BenchmarkDecode(b *testing.B) {
	raw := loadRaw(b, benchCapture)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	events := 0
	for i := 0; i < b.N; i++ {
		r, err := scap.NewReader(bytes.NewReader(raw), scap.Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
			events++
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkState measures decoding plus state tracking.
func BenchmarkState(b *testing.B) {
	raw := loadRaw(b, benchCapture)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	events := 0
	for i := 0; i < b.N; i++ {
		src, err := NewSource(bytes.NewReader(raw), "bench", Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := src.Next(); err != nil {
				break
			}
			events++
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFormat measures the full print path: state plus the default output line.
func BenchmarkFormat(b *testing.B) {
	raw := loadRaw(b, benchCapture)
	format, err := fields.ParseFormat("*" + fields.DefaultFormat)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	events := 0
	var line []byte
	for i := 0; i < b.N; i++ {
		src, _ := NewSource(bytes.NewReader(raw), "bench", Options{})
		for {
			ev, err := src.Next()
			if err != nil {
				break
			}
			line, _ = format.Append(line[:0], ev)
			events++
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}
