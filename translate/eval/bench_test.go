package eval_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
	"github.com/scapql/scapql/translate"
)

// benchFilters are typical `print` filters.
var benchFilters = []struct{ name, filter string }{
	{"type-and-contains", `evt.type=open and fd.name contains /etc`},
	{"in-and-failed", `proc.name in (bash, sh) and evt.failed=true`},
	{"icontains", `proc.cmdline icontains DOCKER`},
	{"ancestor", `proc.aname = sshd`},
	{"net", `fd.net = 127.0.0.0/8 and fd.port in (80, 443, 8080)`},
	{"glob", `fd.name glob "/usr/lib/*.so*"`},
	{"wireshark", `evt.type == "read" && evt.rawres > 0 && !(fd.typechar == "f")`},
}

// benchCapture is the bundled capture benchmarks read; SCAPQL_BENCH_CAPTURE names another
// (e.g. one from benchmarks/gen).
func benchCapture(b *testing.B) (name string, raw []byte) {
	name = capturesDir + "/falco_psp_run_as_user_0_container.scap"
	if p := os.Getenv("SCAPQL_BENCH_CAPTURE"); p != "" {
		name = p
	}
	data, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			b.Fatal(err)
		}
	}
	return name, data
}

// eachRaw runs fn on every shown event of a decompressed capture.
func eachRaw(b *testing.B, raw []byte, fn func(ev *state.Event)) int {
	src, err := ingest.NewSource(bytes.NewReader(raw), "bench", ingest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		ev, err := src.Next()
		if err != nil {
			break
		}
		if ev.Initial || ev.Hidden {
			continue
		}
		fn(ev)
		n++
	}
	return n
}

// BenchmarkMatcher measures the matcher alone: each event is evaluated evalsPerEvent times
// while it is current, so reading the capture is amortised away. The figure is matcher
// evaluations per second (an evaluation is one event).
func BenchmarkMatcher(b *testing.B) {
	_, raw := benchCapture(b)
	const evalsPerEvent = 64
	for _, bf := range benchFilters {
		b.Run(bf.name, func(b *testing.B) {
			m, _, err := translate.Matcher(bf.filter, translate.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			evals, hits := 0, 0
			b.ResetTimer()
			for evals < b.N {
				eachRaw(b, raw, func(ev *state.Event) {
					for range evalsPerEvent {
						if m(ev) {
							hits++
						}
					}
					evals += evalsPerEvent
				})
			}
			b.ReportMetric(float64(evals)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(hits)/float64(evals), "match-ratio")
		})
	}
}

// BenchmarkPrintPass measures one streaming pass as `print` runs it: reading, state and the
// filter, in events per second; "none" is the pass without a filter.
func BenchmarkPrintPass(b *testing.B) {
	_, raw := benchCapture(b)
	run := func(b *testing.B, m func(*state.Event) bool) {
		b.SetBytes(int64(len(raw)))
		events := 0
		for i := 0; i < b.N; i++ {
			events += eachRaw(b, raw, func(ev *state.Event) {
				if m != nil {
					m(ev)
				}
			})
		}
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("none", func(b *testing.B) { run(b, nil) })
	for _, bf := range benchFilters[:2] {
		b.Run(bf.name, func(b *testing.B) {
			m, _, err := translate.Matcher(bf.filter, translate.Options{})
			if err != nil {
				b.Fatal(err)
			}
			run(b, m)
		})
	}
}
