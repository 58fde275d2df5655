package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// TestQueryOpensWhatConvertWrites: the files convert writes — a Parquet file, the tables of
// --table all, a partitioned directory (as a directory and as a ** glob), Arrow IPC files and
// a database — open with query -r and give the rows the captures give, for questions over
// events and side tables, with and without a display filter.
func TestQueryOpensWhatConvertWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	// Two captures keep the partitioned conversion within its scratch database's memory.
	caps := []string{"../../testdata/captures/curl_google.scap", "../../testdata/captures/test_ipv6_client.scap"}
	out := func(name string) string { return filepath.Join(dir, name) }
	for _, c := range []convertFlags{
		{out: out("events.parquet")},
		{out: out("all.parquet"), table: "all"},
		{out: out("parts.parquet"), partition: []string{"evt.type"}},
		{out: out("arrow.arrow"), table: "all"},
		{out: out("db.duckdb")},
	} {
		if err := runConvert(ctx, io.Discard, c, caps); err != nil {
			t.Fatalf("convert -o %s: %v", c.out, err)
		}
	}
	questions := []struct {
		sql, filter string
		sides       bool // reads side tables (not in a file of events alone)
	}{
		{sql: `SELECT capture, proc.name, evt.type, fd.name, count(*) n FROM events GROUP BY ALL ORDER BY ALL`},
		{sql: `SELECT capture, evt.num, evt.time, evt.args, proc.anames, fd.sip, fd.sport FROM events ORDER BY ALL`,
			filter: "evt.type = connect or fd.l4proto = udp"},
		{sql: `SELECT md5(string_agg(evt::VARCHAR || proc::VARCHAR || thread::VARCHAR || fd::VARCHAR || "user"::VARCHAR ||
			"group"::VARCHAR || container::VARCHAR, '|' ORDER BY capture, evt.num)) FROM events`},
		{sql: `SELECT count(*), count(DISTINCT proc.id) FROM events`, filter: `(evt.failed == True) && !(evt.res == "EAGAIN")`},
		{sql: `SELECT p.name, count(*) FROM processes p JOIN events e ON e.proc.id = p.id AND e.capture = p.capture
			GROUP BY ALL ORDER BY ALL`, sides: true},
		{sql: `SELECT capture, events, hidden FROM captures ORDER BY ALL`, sides: true},
	}
	inputs := []struct {
		reads []string
		sides bool
	}{
		{reads: []string{out("events.parquet")}},
		{reads: []string{out("all.parquet")}, sides: true},
		{reads: []string{out("parts.parquet")}},
		{reads: []string{out("parts.parquet") + "/**/*.parquet"}},
		{reads: []string{out("arrow.arrow")}, sides: true},
		{reads: []string{out("db.duckdb")}, sides: true},
	}
	for _, q := range questions {
		want := query(t, queryFlags{reads: caps, format: "csv", filter: q.filter}, q.sql)
		if len(want) < 40 {
			t.Fatalf("%s: the captures give almost nothing: %q", q.sql, want)
		}
		for _, in := range inputs {
			if q.sides && !in.sides {
				continue
			}
			if got := query(t, queryFlags{reads: in.reads, format: "csv", filter: q.filter}, q.sql); got != want {
				t.Errorf("%v: %s\n got: %.300s\nwant: %.300s", in.reads, q.sql, got, want)
			}
		}
	}
}
