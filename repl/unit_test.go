package repl

import (
	"context"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		in   string
		kind kind
		body string
	}{
		{"SELECT 1", kindSQL, "SELECT 1"},
		{"  select * from events", kindSQL, "select * from events"},
		{"with x as (select 1) select * from x", kindSQL, ""},
		{"FROM events", kindSQL, ""},
		{"describe events", kindSQL, ""},
		{"SHOW TABLES", kindSQL, ""},
		{"summarize events", kindSQL, ""},
		{"pragma version", kindSQL, ""},
		{"EXPLAIN SELECT 1", kindSQL, ""},
		{"create table t as select 1", kindSQL, ""},
		{"insert into t values (1)", kindSQL, ""},
		{"copy events to 'x.parquet'", kindSQL, ""},
		{"select(1)", kindSQL, ""},
		{"(SELECT 1) UNION (SELECT 2)", kindSQL, ""},
		{"-- comment\nSELECT 1", kindSQL, ""},
		{":VALUES (1)", kindSQL, "VALUES (1)"},
		{": proc.name", kindSQL, "proc.name"},
		{"proc.name = curl", kindFilter, "proc.name = curl"},
		{"evt.type in (open, connect)", kindFilter, ""},
		{"not proc.name = bash", kindFilter, ""},
		{"!evt.failed", kindFilter, "!evt.failed"}, // Wireshark's not, never the SQL prefix
		{"(proc.name = curl)", kindFilter, ""},
		{"spawned_process and container", kindFilter, ""},
		{"selection = 1", kindFilter, ""}, // a word that only starts like a keyword
		{"?select", kindFilter, "select"},
		{"/ show", kindFilter, "show"},
		{"evt.type=open", kindFilter, ""},
	} {
		k, body := classify(c.in)
		if c.body == "" {
			c.body = strings.TrimSpace(c.in)
		}
		if k != c.kind || body != c.body {
			t.Errorf("classify(%q) = %v %q, want %v %q", c.in, k, body, c.kind, c.body)
		}
	}
}

func TestSplitSQL(t *testing.T) {
	for _, c := range []struct {
		in    string
		stmts []string
		rest  string
	}{
		{"SELECT 1", nil, "SELECT 1"},
		{"SELECT 1;", []string{"SELECT 1"}, ""},
		{"SELECT 1; SELECT 2;\n", []string{"SELECT 1", "SELECT 2"}, ""},
		{"SELECT ';' AS x;", []string{"SELECT ';' AS x"}, ""},
		{"SELECT 'it''s;' ;", []string{"SELECT 'it''s;'"}, ""},
		{`SELECT 1 AS "a;b";`, []string{`SELECT 1 AS "a;b"`}, ""},
		{"SELECT 1 -- no; end\n", nil, "SELECT 1 -- no; end"},
		{"SELECT 1 /* ; */ + 1; SELECT", []string{"SELECT 1 /* ; */ + 1"}, "SELECT"},
		{"SELECT $$a;b$$;", []string{"SELECT $$a;b$$"}, ""},
		{"SELECT $t$a;b$t$, $1;", []string{"SELECT $t$a;b$t$, $1"}, ""},
		{"SELECT 'open\n;", nil, "SELECT 'open\n;"},
		{";;", nil, ""},
		{"SELECT 1; -- trailing comment", []string{"SELECT 1"}, ""},
	} {
		stmts, rest := splitSQL(c.in)
		if !reflect.DeepEqual(stmts, c.stmts) || rest != c.rest {
			t.Errorf("splitSQL(%q) = %q, %q; want %q, %q", c.in, stmts, rest, c.stmts, c.rest)
		}
	}
}

func TestAccumulator(t *testing.T) {
	var a accumulator
	var got []input
	for _, line := range []string{
		"", "-- comment", ".mode csv;", "proc.name = curl;", "SELECT 1,", "  2;", "?SELECT", ":proc.name", "FROM events;",
		"SELECT 'a", "b';", "evt.num = 1",
	} {
		got = append(got, a.feed(line)...)
	}
	want := []input{
		{kindMeta, ".mode csv"}, {kindFilter, "proc.name = curl"}, {kindSQL, "SELECT 1,\n  2"},
		{kindFilter, "SELECT"}, {kindSQL, "proc.name\nFROM events"}, {kindSQL, "SELECT 'a\nb'"}, {kindFilter, "evt.num = 1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	a.feed("SELECT 42")
	if !a.pending() {
		t.Error("unfinished statement not pending")
	}
	if f := a.flush(); !reflect.DeepEqual(f, []input{{kindSQL, "SELECT 42"}}) {
		t.Errorf("flush = %v", f)
	}
}

func TestComplete(t *testing.T) {
	s := New(testBackend(t), Options{HistoryFile: "-"})
	c := &completer{s: s}
	do := func(line string) ([]string, int) {
		cands, n := c.Do([]rune(line), len([]rune(line)))
		out := make([]string, len(cands))
		for i, r := range cands {
			out[i] = string(r)
		}
		return out, n
	}
	has := func(list []string, w string) bool {
		for _, x := range list {
			if x == w {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		line string
		n    int
		want []string // suffixes that must be offered
		not  []string
		only bool // the offer is exactly want
	}{
		{"evt.ty", 6, []string{"pe", "pe.is"}, nil, true},
		{"proc.nam", 8, []string{"e"}, nil, true},
		{"evt.type = conn", 4, []string{"ect"}, nil, true},
		{"evt.type = 'conn", 4, []string{"ect"}, nil, true},
		{"evt.type == \"execv", 5, []string{"e", "eat"}, nil, true},
		{"evt.type in (open, conn", 4, []string{"ect"}, nil, true},
		{"SELECT * FROM events WHERE evt.type IN ('open', 'clo", 3, []string{"se", "ne"}, nil, false},
		{"proc.name = cu", 2, []string{"rl"}, nil, true}, // from the loaded events
		{"evt.arg.fi", 10, []string{"lename"}, nil, false},
		{".sch", 4, []string{"ema "}, nil, true},
		{".mode c", 1, []string{"sv"}, nil, true},
		{".capture 10s proc.nam", 8, []string{"e"}, nil, true},
		{".capture 10s evt.type = conn", 4, []string{"ect"}, nil, true},
		{".schema proc", 4, []string{"esses"}, nil, true},
		{".report fa", 2, []string{"ilures"}, nil, true},
		{".report network d", 1, []string{"ns"}, nil, true},
		{".color of", 2, []string{"f"}, nil, false},
		{"sel", 3, []string{"ect "}, nil, true},
		{"SEL", 3, []string{"ECT "}, nil, true},
		{"SELECT * FROM ev", 2, []string{"ents", "t.num"}, nil, false},
		{"SELECT * FROM events WH", 2, []string{"ERE "}, nil, false},
		{"proc.name = curl an", 2, []string{"d "}, []string{"alyze "}, false},
		{"", 0, nil, nil, true},
	} {
		got, n := do(c.line)
		if n != c.n {
			t.Errorf("%q: length %d, want %d", c.line, n, c.n)
		}
		if c.only && !reflect.DeepEqual(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%q: offers %q, want %q", c.line, got, c.want)
			continue
		}
		for _, w := range c.want {
			if !has(got, w) {
				t.Errorf("%q: %q not offered (offers %q)", c.line, w, got)
			}
		}
		for _, w := range c.not {
			if has(got, w) {
				t.Errorf("%q: %q offered", c.line, w)
			}
		}
	}
}

func TestFitWidths(t *testing.T) {
	for _, c := range []struct {
		w     []int
		avail int
		want  []int
	}{
		{[]int{3, 4, 5}, 0, []int{3, 4, 5}},
		{[]int{3, 4, 5}, 80, []int{3, 4, 5}},
		{[]int{7, 100}, 40, []int{7, 27}},
		{[]int{50, 50, 2}, 40, []int{15, 14, 2}},
		{[]int{20, 20, 20, 20}, 10, []int{5, 5, 5, 5}}, // never below 5
	} {
		got := fitWidths(c.w, c.avail)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("fitWidths(%v, %d) = %v, want %v", c.w, c.avail, got, c.want)
		}
		if c.avail > 0 && got[0] > 5 {
			sep := 3*len(got) - 1
			for _, x := range got {
				sep += x
			}
			if sep > c.avail-1 {
				t.Errorf("fitWidths(%v, %d): %d columns wide", c.w, c.avail, sep)
			}
		}
	}
	if got := truncate("abcdefgh", 5); got != "abcd…" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("日本語テキスト", 6); got != "日本…" {
		t.Errorf("truncate wide = %q", got)
	}
}

func TestFormatValue(t *testing.T) {
	ts := time.Date(2024, 5, 1, 12, 0, 0, 1500, time.UTC)
	om := duckdb.OrderedMap{}
	om.Set("fd", "3")
	om.Set("name", "/etc/hosts")
	for _, c := range []struct {
		v    any
		typ  string
		want string
	}{
		{nil, "VARCHAR", "NULL"},
		{int64(-5), "BIGINT", "-5"},
		{3.0, "DOUBLE", "3"},
		{0.1, "DOUBLE", "0.1"},
		{1e20, "DOUBLE", "1e+20"},
		{true, "BOOLEAN", "true"},
		{ts, "TIMESTAMP_NS", "2024-05-01 12:00:00.000001500"},
		{ts, "TIMESTAMP", "2024-05-01 12:00:00.000001"},
		{ts, "DATE", "2024-05-01"},
		{[]byte("a\x00b\\"), "BLOB", `a\x00b\x5C`},
		{[]byte{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78}, "UUID", "12345678-1234-5678-1234-567812345678"},
		{[]any{"a", nil, "c"}, "VARCHAR[]", "[a, NULL, c]"},
		{map[string]any{"num": int64(1), "name": "x"}, `STRUCT("name" VARCHAR, num BIGINT)`, "{'name': 'x', 'num': 1}"},
		{map[string]any{"z": int64(1), "a": int64(2)}, "", "{'a': 2, 'z': 1}"},
		{om, "MAP(VARCHAR, VARCHAR)", "{fd=3, name=/etc/hosts}"},
		{duckdb.Interval{Months: 14, Days: 3, Micros: 3723_500000}, "INTERVAL", "1 year 2 months 3 days 01:02:03.5"},
		{duckdb.Interval{}, "INTERVAL", "00:00:00"},
		{duckdb.Decimal{Width: 5, Scale: 2, Value: big.NewInt(-150)}, "DECIMAL(5,2)", "-1.5"},
		{big.NewInt(12345), "HUGEINT", "12345"},
	} {
		if got := formatValue(c.v, c.typ); got != c.want {
			t.Errorf("formatValue(%#v, %q) = %q, want %q", c.v, c.typ, got, c.want)
		}
	}
	if got := cellText("a\nb\tc\x01\xff"); got != `a\nb\tc\x01`+"\uFFFD" {
		t.Errorf("cellText = %q", got)
	}
}

func TestStructMembers(t *testing.T) {
	ms, ok := structMembers(`STRUCT(num BIGINT, "time" TIMESTAMP_NS, arg MAP(VARCHAR, VARCHAR), "a ""q""" STRUCT(x INTEGER, y VARCHAR[]))`)
	want := []member{{"num", "BIGINT"}, {"time", "TIMESTAMP_NS"}, {"arg", "MAP(VARCHAR, VARCHAR)"}, {`a "q"`, "STRUCT(x INTEGER, y VARCHAR[])"}}
	if !ok || !reflect.DeepEqual(ms, want) {
		t.Errorf("structMembers = %q, %v", ms, ok)
	}
	if _, ok := structMembers("BIGINT"); ok {
		t.Error("BIGINT is no struct")
	}
}

func TestColumnExpr(t *testing.T) {
	for in, want := range map[string]string{
		"evt.num":          "evt.num",
		"evt.dir":          "evt.dir",
		"proc.name":        "proc.name",
		"group.name":       `"group".name`,
		"evt.arg.fd":       "evt.arg['fd']",
		"proc.aname[2]":    "proc.anames[2]",
		"upper(proc.name)": "upper(proc.name)",
		"capture":          "capture",
	} {
		if got := columnExpr(in); got != want {
			t.Errorf("columnExpr(%q) = %q, want %q", in, got, want)
		}
	}
}

// capturingBackend is the test backend with a live capture that hands back a fixed capture.
type capturingBackend struct {
	*fakeBackend
	path   string
	d      time.Duration
	filter string
	loaded []string
	capErr error
	called int
}

func (b *capturingBackend) Capture(_ context.Context, d time.Duration, filter string) (string, error) {
	b.called++
	b.d, b.filter = d, filter
	return b.path, b.capErr
}

func (b *capturingBackend) Load(ctx context.Context, paths ...string) error {
	b.loaded = append(b.loaded, paths...)
	return b.fakeBackend.Load(ctx, paths...)
}

// TestMetaCapture: .capture parses its duration and filter, hands them to the backend and
// loads what it recorded; bad input and backends that cannot capture are errors.
func TestMetaCapture(t *testing.T) {
	for _, tc := range []struct {
		arg, err, filter string
		d                time.Duration
		capturer         bool
	}{
		{"10s", "", "", 10 * time.Second, true},
		{"1m30s proc.name = cat and evt.type = open", "", "proc.name = cat and evt.type = open", 90 * time.Second, true},
		{"", "usage: .capture DURATION [FILTER]", "", 0, true},
		{"ten", `"ten" is not a duration`, "", 0, true},
		{"-5s", `"-5s" is not a duration`, "", 0, true},
		{"10s", "live capture is not available", "", 0, false},
	} {
		fb := testBackend(t)
		var b Backend = fb
		live := filepath.Join(t.TempDir(), "live.scap")
		if err := os.WriteFile(live, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		cb := &capturingBackend{fakeBackend: fb, path: live}
		if tc.capturer {
			b = cb
		}
		var errOut strings.Builder
		s := New(b, Options{HistoryFile: "-", Stderr: &errOut, Stdout: io.Discard})
		err := s.meta(context.Background(), strings.TrimSpace(".capture "+tc.arg))
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.arg, err, tc.err)
			}
			if cb.called != 0 {
				t.Errorf("%q: captured", tc.arg)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.arg, err)
		case cb.d != tc.d || cb.filter != tc.filter || len(cb.loaded) != 1 || cb.loaded[0] != live:
			t.Errorf("%q: captured %s %q, loaded %q", tc.arg, cb.d, cb.filter, cb.loaded)
		}
		s.Close()
	}
}
