package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"testing"

	"github.com/scapql/scapql/ingest/fields"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/scapwrite"
)

// coreFormat renders every field class and the argument string, so hostile input reaches
// the parameter decoders and every extractor.
const coreFormat = "*%evt.num %evt.type %evt.category %evt.res %evt.latency %thread.tid %proc.pid %proc.ppid " +
	"%proc.name %proc.cmdline %proc.pname %proc.aname[3] %proc.exepath %proc.cwd %user.name %group.gid " +
	"%fd.num %fd.type %fd.typechar %fd.name %fd.directory %fd.filename %fd.sip %fd.cip %fd.sport " +
	"%fd.cport %fd.l4proto %fd.lip %fd.is_server %container.id %evt.args %evt.buflen %evt.arg[0] %proc.env"

// drain reads a whole capture through state and rendering; it returns the events delivered
// and the error that ended the read (nil at a clean end).
func drain(t testing.TB, data []byte, format *fields.Format) (int, error) {
	src, err := NewSource(bytes.NewReader(data), "fuzz", Options{State: stateLimits})
	if err != nil {
		return 0, err
	}
	n := 0
	var line []byte
	for {
		ev, err := src.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		line, _ = format.Append(line[:0], ev)
		n++
	}
}

func mustFormat(t testing.TB) *fields.Format {
	f, err := fields.ParseFormat(coreFormat)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// eventEnds returns the end offset of every event block of a raw single-section capture.
func eventEnds(t testing.TB, raw []byte) []int {
	var ends []int
	for off := 0; off+8 <= len(raw); {
		typ := binary.LittleEndian.Uint32(raw[off:])
		n := int(binary.LittleEndian.Uint32(raw[off+4:]))
		if n < 12 {
			t.Fatalf("bad block at %d", off)
		}
		switch typ {
		case 0x204, 0x208, 0x216, 0x217, 0x221, 0x222:
			ends = append(ends, off+n)
		}
		off += n
	}
	return ends
}

func sampleBytes(t testing.TB, s scapwrite.Sample) []byte {
	var buf bytes.Buffer
	if _, err := scapwrite.WriteSample(s, &buf, scapwrite.Options{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCutAtEveryOffset cuts captures at every byte and checks that the reader keeps every
// complete event before the cut, then reports an error naming an offset — or reads cleanly
// when the cut falls between blocks.
func TestCutAtEveryOffset(t *testing.T) {
	format := mustFormat(t)
	inputs := map[string][]byte{
		"basic sample":            sampleBytes(t, scapwrite.SampleBasic),
		"exit-only sample":        sampleBytes(t, scapwrite.SampleExitOnly),
		"test_ipv6_client (head)": nil,
	}
	raw := rawCapture(t, "test_ipv6_client.scap")
	inputs["test_ipv6_client (head)"] = raw
	for name, data := range inputs {
		ends := eventEnds(t, data)
		first := ends[0]
		lo, hi := 0, len(data)
		if name == "test_ipv6_client (head)" {
			// Every offset around the first 20 events, every 61st byte elsewhere.
			lo, hi = first-64, ends[20]
		}
		checked := 0
		for cut := 0; cut <= len(data); cut++ {
			if (cut < lo || cut > hi) && cut%61 != 0 && cut != len(data) {
				continue
			}
			n, err := drain(t, data[:cut], format)
			complete := 0
			for _, e := range ends {
				if e <= cut {
					complete++
				}
			}
			atBoundary := cut == len(data) || (cut >= first && contains(ends, cut))
			switch {
			case err == nil && !atBoundary:
				t.Fatalf("%s cut at %d: clean read, want an error", name, cut)
			case err != nil && atBoundary && cut == len(data):
				t.Fatalf("%s: intact capture fails: %v", name, err)
			case err != nil:
				var se *scap.Error
				if !errors.As(err, &se) || se.Offset > int64(cut) {
					t.Fatalf("%s cut at %d: error %v does not name an offset within the data", name, cut, err)
				}
			}
			if cut >= first && n != complete {
				t.Fatalf("%s cut at %d: delivered %d events, want the %d complete ones", name, cut, n, complete)
			}
			checked++
		}
		t.Logf("%s: %d cut points checked", name, checked)
	}
}

func contains(xs []int, v int) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

// TestRandomBitFlips flips bits in a real capture: every read must end, without a panic,
// in a clean end or an error.
func TestRandomBitFlips(t *testing.T) {
	format := mustFormat(t)
	raw := rawCapture(t, "test_ipv6_client.scap")
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 300; i++ {
		data := append([]byte(nil), raw...)
		for j := 0; j < 1+i%4; j++ {
			pos := rng.Intn(len(data))
			data[pos] ^= 1 << uint(rng.Intn(8))
		}
		if _, err := drain(t, data, format); err != nil {
			var se *scap.Error
			if !errors.As(err, &se) {
				t.Fatalf("flip %d: error without an offset: %v", i, err)
			}
		}
	}
}

// FuzzPipeline feeds arbitrary bytes through reading, state and rendering of every field.
func FuzzPipeline(f *testing.F) {
	for _, s := range scapwrite.Samples() {
		f.Add(sampleBytes(f, s))
	}
	raw := rawCapture(f, "test_ipv6_client.scap")
	f.Add(raw[:20000])
	format := mustFormat(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		drain(t, data, format)
	})
}

// stateLimits keeps fuzzed state small.
var stateLimits = stateOptions()
