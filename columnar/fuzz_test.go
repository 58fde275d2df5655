package columnar

import (
	"bytes"
	"testing"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/state"
)

// FuzzWideBuilder feeds arbitrary captures to the per-row builder and to WideBuilder, in
// batches of 5 rows: neither may panic, and their rows and values must agree.
func FuzzWideBuilder(f *testing.F) {
	for _, s := range writerSamples(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := ingest.NewSource(bytes.NewReader(data), "fuzz", ingest.Options{
			Reader: scap.Options{MaxBlock: 1 << 20}, State: state.Options{MaxThreads: 1024, MaxFDsPerProcess: 1024}})
		if err != nil {
			return
		}
		defer src.Close()
		compareWide(t, src, 5)
	})
}
