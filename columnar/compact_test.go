package columnar

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/ingest/scapwrite"
	"github.com/scapql/scapql/ingest/state"
)

// valueText renders any cell, lists and maps included, for comparison.
func valueText(a arrow.Array, i int) string {
	switch a.(type) {
	case *array.List, *array.Map:
		if a.IsNull(i) {
			return "<NA>"
		}
		return a.ValueStr(i)
	}
	return cellText(a, i)
}

// compactCaptures are the bundled captures, the writer's samples, and the captures named by
// SCAPQL_COMPACT_CAPTURES (space-separated; e.g. large generated ones).
func compactCaptures(t *testing.T) map[string]func() (*ingest.Source, error) {
	out := map[string]func() (*ingest.Source, error){}
	caps, _ := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	caps = append(caps, strings.Fields(os.Getenv("SCAPQL_COMPACT_CAPTURES"))...)
	for _, p := range caps {
		out[filepath.Base(p)] = func() (*ingest.Source, error) { return ingest.Open(p, ingest.Options{}) }
	}
	for _, s := range scapwrite.Samples() {
		var buf bytes.Buffer
		if _, err := scapwrite.WriteSample(s, &buf, scapwrite.Options{}); err != nil {
			t.Fatal(err)
		}
		out["sample-"+string(s)] = func() (*ingest.Source, error) {
			return ingest.NewSource(bytes.NewReader(buf.Bytes()), string(s), ingest.Options{})
		}
	}
	return out
}

// TestCompactLayoutEqualsWide rebuilds every row of the events table from the compact
// layout's three tables and holds it, member by member, to the row the wide builder makes
// for the same event: state ids must never join an event to a state it does not see.
func TestCompactLayoutEqualsWide(t *testing.T) {
	for name, open := range compactCaptures(t) {
		t.Run(name, func(t *testing.T) {
			src, err := open()
			if err != nil {
				t.Fatal(err) // every bundled capture reads: one that fails is a regression
			}
			defer src.Close()
			n, threads, fds := compareCompact(t, src)
			t.Logf("%d events: %d thread states, %d fd states", n, threads, fds)
		})
	}
}

// TestCompactLayoutOnDamagedCaptures holds the compact layout to the wide rows on the writer's
// samples with random bytes flipped: whatever state the damage leaves, the ids must join
// each event to what it saw.
func TestCompactLayoutOnDamagedCaptures(t *testing.T) {
	events := 0
	eachDamaged(t, 200, func(i int, src *ingest.Source) {
		n, _, _ := compareCompact(t, src)
		events += n
		if t.Failed() {
			t.Fatalf("capture %d differs", i)
		}
	})
	t.Logf("%d events of 200 damaged captures agree", events)
}

// eachDamaged calls f with n sources: the writer's samples in turn, each with one to four
// random bytes flipped (a fixed seed), skipping those the reader refuses outright.
func eachDamaged(t *testing.T, n int, f func(i int, src *ingest.Source)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	samples := writerSamples(t)
	for i := 0; i < n; i++ {
		data := append([]byte(nil), samples[i%len(samples)]...)
		for k := 0; k < 1+rng.IntN(4); k++ {
			data[rng.IntN(len(data))] ^= byte(1 + rng.IntN(255))
		}
		src, err := ingest.NewSource(bytes.NewReader(data), "flipped", ingest.Options{
			Reader: scap.Options{MaxBlock: 1 << 20}, State: state.Options{MaxThreads: 1024, MaxFDsPerProcess: 1024}})
		if err != nil {
			continue
		}
		f(i, src)
		src.Close()
	}
}

// writerSamples are the writer's sample captures, written out.
func writerSamples(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, s := range scapwrite.Samples() {
		var buf bytes.Buffer
		if _, err := scapwrite.WriteSample(s, &buf, scapwrite.Options{}); err != nil {
			tb.Fatal(err)
		}
		out = append(out, buf.Bytes())
	}
	return out
}

// eachStored calls f with each event of src that the tables store (not the leading container
// events) until the end or the first error (damage: what was read is compared), and returns
// how many there were.
func eachStored(src *ingest.Source, f func(ev *state.Event)) int {
	n := 0
	for {
		ev, err := src.Next()
		if err != nil {
			return n
		}
		if !ev.Initial {
			f(ev)
			n++
		}
	}
}

// compareCompact reads src's events into both layouts and compares every member of every
// row; it returns the events and the thread and fd states.
func compareCompact(t *testing.T, src *ingest.Source) (n int, threadStates, fdStates int64) {
	t.Helper()
	wide := NewEventBuilder("x", 1<<30)
	cb := NewCompactBuilder("x", 1<<30, 1)
	n = eachStored(src, func(ev *state.Event) {
		wide.Append(ev)
		cb.Append(ev)
	})
	w := wide.NewRecord()
	defer w.Release()
	rows, threads, fds := cb.rows.NewRecord(), cb.threads.NewRecord(), cb.fds.NewRecord()
	defer rows.Release()
	defer threads.Release()
	defer fds.Release()
	index := func(rec arrow.RecordBatch) map[int64]int {
		ids := rec.Column(1).(*array.Int64)
		m := map[int64]int{}
		for i := 0; i < ids.Len(); i++ {
			if _, dup := m[ids.Value(i)]; dup {
				t.Fatalf("state id %d twice", ids.Value(i))
			}
			m[ids.Value(i)] = i
		}
		return m
	}
	tIdx, fIdx := index(threads), index(fds)
	tids, fids := rows.Column(1).(*array.Int64), rows.Column(2).(*array.Int64)
	bad := 0
	for _, c := range EventColumns() {
		wa := member(t, w, c.Struct, c.Member)
		var ca arrow.Array
		var rowOf func(i int) int
		switch PartOf(&c) {
		case PartEvent:
			ca, rowOf = member(t, rows, StoredStruct(&c), c.Member), func(i int) int { return i }
		case PartThread:
			ca = member(t, threads, c.Struct, c.Member)
			rowOf = func(i int) int {
				r, ok := tIdx[tids.Value(i)]
				if !ok {
					t.Fatalf("row %d: thread state %d missing", i, tids.Value(i))
				}
				return r
			}
		case PartFD:
			ca = member(t, fds, c.Struct, c.Member)
			rowOf = func(i int) int {
				if fids.IsNull(i) {
					return -1
				}
				r, ok := fIdx[fids.Value(i)]
				if !ok {
					t.Fatalf("row %d: fd state %d missing", i, fids.Value(i))
				}
				return r
			}
		}
		for i := 0; i < n; i++ {
			want := valueText(wa, i)
			got := "<NA>"
			if r := rowOf(i); r >= 0 {
				got = valueText(ca, r)
			}
			if got != want {
				if bad++; bad <= 10 {
					t.Errorf("row %d %s: compact %q, wide %q", i, c.Field, got, want)
				}
			}
		}
	}
	return n, threads.NumRows(), fds.NumRows()
}
