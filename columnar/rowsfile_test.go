package columnar

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/apache/arrow-go/v18/arrow/array"

	et "github.com/scapql/scapql/ingest/eventtable"
	"github.com/scapql/scapql/ingest/fields"
)

func TestDerivedArgs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		names []string
		ps    []paramText
		want  string
	}{
		{"none", nil, nil, ""},
		{"plain", []string{"fd", "size"}, []paramText{{val: "3"}, {val: "10"}}, "fd=3 size=10 "},
		{"resolved", []string{"fd"}, []paramText{{val: "3", res: "<f>/etc/passwd", text: "<f>/etc/passwd"}}, "fd=3(<f>/etc/passwd) "},
		{"resolved same as value", []string{"res"}, []paramText{{val: "0", res: "0", text: "0"}}, "res=0(0) "},
		{"empty value", []string{"name", "flags"}, []paramText{{val: ""}, {val: "0"}}, "name= flags=0 "},
		{"same names", []string{"a", "a"}, []paramText{{val: "1"}, {val: "2"}}, "a=1 a=2 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var vals, texts []string
			for _, p := range tc.ps {
				vals = append(vals, validText(p.val))
				texts = append(texts, validText(p.text))
			}
			if got := string(derivedArgs(nil, tc.names, vals, texts, tc.ps)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRelBase(t *testing.T) {
	for _, tc := range []struct {
		raw, rel int64
		ok       bool
	}{
		{1700000000_000000000, 5, true},
		{1700000000_000000000, 0, true},
		{5, 5, true},
		{1000, math.MaxInt64 - 994, true}, // base wraps negative; raw - base = rel fits
		{math.MinInt64 + 5, math.MaxInt64 - 994, false},
		{math.MinInt64, 1, false},
		{-1, -1, true},
	} {
		base, ok := relBase(tc.raw, tc.rel)
		if ok != tc.ok {
			t.Errorf("relBase(%d, %d): ok %v, want %v", tc.raw, tc.rel, ok, tc.ok)
			continue
		}
		if ok && tc.raw-base != tc.rel {
			t.Errorf("relBase(%d, %d) = %d: gives back %d", tc.raw, tc.rel, base, tc.raw-base)
		}
	}
}

func TestOverrides(t *testing.T) {
	for _, tc := range []struct {
		v       int64
		ok      bool
		d       int64
		dOK     bool
		x       int64
		xOK     bool
		null    bool
		comment string
	}{
		{7, true, 7, true, 0, false, false, "equal"},
		{7, true, 8, true, 7, true, false, "differs"},
		{7, true, 0, false, 7, true, false, "derived NULL"},
		{0, false, 8, true, 0, false, true, "member NULL"},
		{0, false, 0, false, 0, false, false, "both NULL"},
	} {
		x, xOK, null := overrides(tc.v, tc.ok, tc.d, tc.dOK)
		if x != tc.x || xOK != tc.xOK || null != tc.null {
			t.Errorf("%s: got (%d, %v, %v), want (%d, %v, %v)", tc.comment, x, xOK, null, tc.x, tc.xOK, tc.null)
		}
	}
}

// TestDerivedDatetime holds the derivation of evt.datetime (UTC text of the second shifted by
// the zone's offset) to the local time text the events table stores, across zones and their
// changes of offset.
func TestDerivedDatetime(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	for _, zone := range []string{"UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Apia"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		time.Local = loc
		for _, ts := range []int64{0, 1, 999_999_999, 1_000_000_000, 1700000000_123456789,
			time.Date(2024, 3, 10, 6, 59, 59, 999999999, time.UTC).UnixNano(), // New York springs forward
			time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC).UnixNano(),
			time.Date(2024, 4, 6, 14, 59, 59, 0, time.UTC).UnixNano(), // Lord Howe: half an hour back
			time.Date(2024, 4, 6, 15, 0, 0, 0, time.UTC).UnixNano(),
			math.MaxInt64} {
			_, off := time.Unix(ts/1e9, 0).Zone()
			got := string(derivedDatetime(nil, ts, int32(off)))
			want := string(fields.AppendDatetime(nil, uint64(ts)))
			if got != want {
				t.Errorf("%s %d: derived %q, stored %q", zone, ts, got, want)
			}
		}
	}
}

// TestEventKinds checks the kinds' names and first-of-name positions.
func TestEventKinds(t *testing.T) {
	info := &et.Event{Name: "x", Params: []et.Param{{Name: "fd"}, {Name: "data"}, {Name: "fd"}, {Name: "size"}}}
	k := NewEventKinds()
	for _, tc := range []struct {
		n     int
		names []string
		keys  []int32
	}{
		{0, nil, nil},
		{2, []string{"fd", "data"}, []int32{1, 2}},
		{4, []string{"fd", "data", "fd", "size"}, []int32{1, 2, 4}},
	} {
		id, ek := k.id(kindKey{info: info, n: tc.n, args: true, typ: "x", typOK: true})
		if !slices.Equal(ek.names, tc.names) || !slices.Equal(ek.keys, tc.keys) {
			t.Errorf("%d parameters: names %v keys %v, want %v %v", tc.n, ek.names, ek.keys, tc.names, tc.keys)
		}
		if again, _ := k.id(kindKey{info: info, n: tc.n, args: true, typ: "x", typOK: true}); again != id {
			t.Errorf("%d parameters: id %d then %d", tc.n, id, again)
		}
	}
	if _, ek := k.id(kindKey{info: info, n: 2, typ: "y", typOK: true}); ek.key.args || k.Len() != 4 {
		t.Errorf("a kind differing in type and args is new: %d kinds", k.Len())
	}
	rec := k.Record()
	defer rec.Release()
	if rec.NumRows() != 4 || !rec.Schema().Equal(KindsSchema()) {
		t.Fatalf("record: %d rows, schema %v", rec.NumRows(), rec.Schema())
	}
	keys := rec.Column(2).(*array.List)
	if got := keys.ValueStr(2); got != "[1,2,4]" {
		t.Errorf("keys of kind 2: %s", got)
	}
	if rec.Column(4).(*array.String).Value(3) != "y" || !rec.Column(6).IsNull(0) {
		t.Errorf("type or dir wrong")
	}
}

// TestEncodedRowsColumns checks that the file encoding drops exactly the members it rebuilds
// and keeps every other member of event_rows in order.
func TestEncodedRowsColumns(t *testing.T) {
	var kept []string
	for _, c := range CompactColumns()[PartEvent] {
		if !encodedMembers[c.Field] {
			kept = append(kept, c.Struct+"."+c.Member)
		}
	}
	var got []string
	n := 0
	for _, c := range EncodedRowsColumns() {
		if c.Struct == encStruct {
			n++
			if encAppenders[c.Field] == nil {
				t.Errorf("%s has no appender", c.Field)
			}
			continue
		}
		got = append(got, c.Struct+"."+c.Member)
	}
	if !slices.Equal(got, kept) || n != len(encColumns) {
		t.Errorf("stored members %v, want %v", got, kept)
	}
	found := 0
	for _, c := range CompactColumns()[PartEvent] {
		if encodedMembers[c.Field] {
			found++
			if encodedSQL[c.Field] == "" {
				t.Errorf("%s has no SQL", c.Field)
			}
		}
	}
	if found != len(encodedMembers) {
		t.Errorf("%d of %d encoded members are in event_rows", found, len(encodedMembers))
	}
	if q := EncodedRowsSelect("f", "k"); !strings.Contains(q, `"args" := coalesce(r.enc.args`) {
		t.Errorf("query: %s", q)
	}
}
