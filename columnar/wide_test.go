package columnar

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/state"
)

// TestWideBuilderEqualsEventBuilder holds WideBuilder's batches, their dictionaries decoded,
// to EventBuilder's, member by member, on every bundled capture and writer sample, with
// batches of several sizes (each batch numbers its states afresh).
func TestWideBuilderEqualsEventBuilder(t *testing.T) {
	for name, open := range compactCaptures(t) {
		for _, batch := range []int{50, 1 << 20} {
			src, err := open()
			if err != nil {
				continue // captures the reader rejects have their own tests
			}
			n := compareWide(t, src, batch)
			src.Close()
			if t.Failed() {
				t.Fatalf("%s, batches of %d: differs", name, batch)
			}
			if batch == 50 {
				t.Logf("%s: %d events agree", name, n)
			}
		}
	}
}

// TestWideBuilderOnDamagedCaptures does the same on the writer's samples with random bytes
// flipped, in batches of 3 rows.
func TestWideBuilderOnDamagedCaptures(t *testing.T) {
	events := 0
	eachDamaged(t, 200, func(i int, src *ingest.Source) {
		events += compareWide(t, src, 3)
		if t.Failed() {
			t.Fatalf("capture %d differs", i)
		}
	})
	t.Logf("%d events of 200 damaged captures agree", events)
}

// compareWide reads src into both builders, cutting batches of batchRows rows, and compares
// the batches; it returns the events read.
func compareWide(t *testing.T, src *ingest.Source, batchRows int) int {
	t.Helper()
	eb := NewEventBuilder("x", batchRows)
	wb := NewWideBuilder("x", batchRows)
	if !wb.schema.Equal(DictEventSchema()) {
		t.Fatal("WideBuilder's schema is not DictEventSchema")
	}
	n := 0
	cut := func() {
		want := eb.NewRecord()
		defer want.Release()
		got, err := wb.NewRecord()
		if err != nil {
			t.Fatal(err)
		}
		defer got.Release()
		compareBatches(t, n, got, want)
	}
	eachStored(src, func(ev *state.Event) {
		eb.Append(ev)
		wb.Append(ev)
		n++
		if eb.Full() || wb.Full() {
			cut()
		}
	})
	if eb.Len() > 0 {
		cut()
	}
	return n
}

// compareBatches compares a WideBuilder batch with an EventBuilder batch of the same rows.
func compareBatches(t *testing.T, upTo int, got, want arrow.RecordBatch) {
	t.Helper()
	if got.NumRows() != want.NumRows() || got.NumCols() != want.NumCols() {
		t.Fatalf("batch ending at event %d: %dx%d, want %dx%d", upTo, got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols())
	}
	ctx := context.Background()
	capture, err := decoded(ctx, got.Column(0), want.Column(0).DataType())
	if err != nil {
		t.Fatal(err)
	}
	defer capture.Release()
	if !array.Equal(capture, want.Column(0)) {
		t.Errorf("batch ending at event %d: capture differs", upTo)
	}
	for c := 1; c < int(want.NumCols()); c++ {
		gs, ws := got.Column(c).(*array.Struct), want.Column(c).(*array.Struct)
		st := ws.DataType().(*arrow.StructType)
		for j := 0; j < ws.NumField(); j++ {
			g, w := gs.Field(j), ws.Field(j)
			if !arrow.TypeEqual(g.DataType(), w.DataType()) {
				dense, err := decoded(ctx, g, w.DataType())
				if err != nil {
					t.Fatalf("%s.%s: %v", want.Schema().Field(c).Name, st.Field(j).Name, err)
				}
				defer dense.Release()
				g = dense
			}
			if array.Equal(g, w) {
				continue
			}
			for i := 0; i < w.Len(); i++ {
				if gv, wv := valueText(g, i), valueText(w, i); gv != wv {
					t.Errorf("batch ending at event %d, row %d: %s.%s = %q, want %q", upTo, i,
						want.Schema().Field(c).Name, st.Field(j).Name, gv, wv)
					break
				}
			}
		}
	}
}

// decoded is a with its dictionaries (also as list elements, map keys and values) decoded
// into dt.
func decoded(ctx context.Context, a arrow.Array, dt arrow.DataType) (arrow.Array, error) {
	return withLeaves(dt, a, func(dt arrow.DataType, a arrow.Array) (arrow.Array, error) {
		if _, ok := a.(*array.Dictionary); !ok {
			return nil, fmt.Errorf("no decoding of %s into %s", a.DataType(), dt)
		}
		return compute.CastArray(ctx, a, compute.SafeCastOptions(dt))
	})
}

// TestGatherTexts gathers lists and maps of texts from states, empty and NULL ones included:
// each row gets its state's value (NULL for row -1), its texts as dictionaries.
func TestGatherTexts(t *testing.T) {
	ctx := context.Background()
	mem := memory.DefaultAllocator
	lists := func(vals ...[]string) arrow.Array {
		b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
		defer b.Release()
		for _, v := range vals {
			if v == nil {
				b.AppendNull()
				continue
			}
			b.Append(true)
			for _, s := range v {
				b.ValueBuilder().(*array.StringBuilder).Append(s)
			}
		}
		return b.NewArray()
	}
	maps := func(vals ...[]string) arrow.Array { // key, value, key, value...
		b := array.NewMapBuilder(mem, arrow.BinaryTypes.String, arrow.BinaryTypes.String, false)
		defer b.Release()
		for _, v := range vals {
			if v == nil {
				b.AppendNull()
				continue
			}
			b.Append(true)
			for i := 0; i < len(v); i += 2 {
				b.KeyBuilder().(*array.StringBuilder).Append(v[i])
				b.ItemBuilder().(*array.StringBuilder).Append(v[i+1])
			}
		}
		return b.NewArray()
	}
	for _, tc := range []struct {
		name         string
		states, want arrow.Array
		rows         []int32
	}{
		{"lists", lists([]string{"a", "b"}, nil, []string{}, []string{"b"}), lists([]string{"b"}, []string{"a", "b"}, nil, nil, []string{}, []string{"a", "b"}),
			[]int32{3, 0, -1, 1, 2, 0}},
		{"only empty and NULL lists", lists([]string{}, nil), lists(nil, []string{}, nil), []int32{1, 0, -1}},
		{"rows of the empty and NULL states only", lists([]string{"a"}, []string{}, nil), lists([]string{}, nil, nil), []int32{1, 2, -1}},
		{"maps", maps([]string{"k", "v", "j", "v"}, nil), maps(nil, []string{"k", "v", "j", "v"}, []string{"k", "v", "j", "v"}), []int32{1, 0, 0}},
		{"only NULL maps", maps(nil), maps(nil, nil), []int32{0, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.states.Release()
			defer tc.want.Release()
			got := gatherTexts(dictOf(tc.states.DataType()), tc.states, tc.rows)
			defer got.Release()
			dense, err := decoded(ctx, got, tc.want.DataType())
			if err != nil {
				t.Fatal(err)
			}
			defer dense.Release()
			if err := array.ValidateFull(got); err != nil {
				t.Fatal(err)
			}
			ll := got.(array.ListLike)
			if _, end := ll.ValueOffsets(ll.Len() - 1); int64(ll.ListValues().Len()) != end {
				t.Errorf("%d texts gathered for %d", ll.ListValues().Len(), end)
			}
			if !array.Equal(dense, tc.want) {
				t.Errorf("got %v, want %v", dense, tc.want)
			}
		})
	}
}
