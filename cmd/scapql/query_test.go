package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scapql/scapql/internal/budget"
)

func query(t *testing.T, qf queryFlags, sql string) string {
	t.Helper()
	var out bytes.Buffer
	if err := runQuery(context.Background(), &out, io.Discard, qf, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out.String()
}

func TestQueryFormats(t *testing.T) {
	cap := "../../testdata/captures/curl_google.scap"
	sql := `SELECT evt.num, evt.time, proc.anames, evt.arg, evt.buffer IS NOT NULL AS b, "group".gid FROM events
		WHERE evt.type = 'connect' ORDER BY evt.num LIMIT 2`
	out := query(t, queryFlags{reads: []string{cap}, format: "jsonl"}, sql)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("jsonl: %q", out)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil {
		t.Fatalf("jsonl: %v: %s", err, lines[0])
	}
	// Bare member references are headed by their dotted names.
	if row["evt.num"].(float64) != 1056 || row["proc.anames"].([]any)[0] != "bash" || row["evt.arg"].(map[string]any)["fd"] == nil ||
		row["b"] != false || row["group.gid"] == nil {
		t.Errorf("jsonl row: %v", row)
	}
	var arr []map[string]any
	if err := json.Unmarshal([]byte(query(t, queryFlags{reads: []string{cap}, format: "json"}, sql)), &arr); err != nil || len(arr) != 2 {
		t.Errorf("json: %v %v", err, arr)
	}
	recs, err := csv.NewReader(strings.NewReader(query(t, queryFlags{reads: []string{cap}, format: "csv"}, sql))).ReadAll()
	if err != nil || len(recs) != 3 || recs[0][0] != "evt.num" || recs[1][0] != "1056" {
		t.Errorf("csv: %v %v", err, recs)
	}
	r := csv.NewReader(strings.NewReader(query(t, queryFlags{reads: []string{cap}, format: "tsv"}, sql)))
	r.Comma = '\t'
	if recs, err := r.ReadAll(); err != nil || len(recs) != 3 {
		t.Errorf("tsv: %v %v", err, recs)
	}
	md := query(t, queryFlags{reads: []string{cap}, format: "markdown"}, sql)
	if !strings.HasPrefix(md, "| evt.num | evt.time |") || strings.Count(md, "\n") != 4 {
		t.Errorf("markdown: %q", md)
	}
	tbl := query(t, queryFlags{reads: []string{cap}, format: "table"}, sql)
	if !strings.Contains(tbl, "1056") || !strings.Contains(tbl, "evt.num") {
		t.Errorf("table: %q", tbl)
	}
}

func TestQueryFilterGlobAndDB(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "q.duckdb")
	glob := "../../testdata/captures/falco_c*.scap" // falco_cat_write, falco_connect_localhost
	out := query(t, queryFlags{reads: []string{glob}, db: dbPath, format: "csv"},
		`SELECT count(DISTINCT capture) FROM events`)
	if strings.TrimSpace(out) != "count(DISTINCT capture)\n2" {
		t.Errorf("glob load: %q", out)
	}
	// Reopened without -r: the captures are there; the filter shadows the events table.
	all := query(t, queryFlags{db: dbPath, format: "csv"}, `SELECT count(*) FROM events`)
	filtered := query(t, queryFlags{db: dbPath, format: "csv", filter: "evt.type = connect"}, `SELECT count(*) FROM events`)
	if all == filtered || !strings.HasPrefix(filtered, "count_star()\n") {
		t.Errorf("filter: all %q, filtered %q", all, filtered)
	}
	// Default query: the events, as print lists them.
	def := query(t, queryFlags{db: dbPath, format: "csv", filter: "evt.type = connect"}, "")
	if !strings.HasPrefix(def, "evt.num,evt.time,evt.cpu,proc.name,thread.tid,evt.dir,evt.type,evt.args\n") || !strings.Contains(def, "connect") {
		t.Errorf("default query: %q", def)
	}
	// SQL needs no capture, as in DuckDB's own shell; the default listing does.
	if got := query(t, queryFlags{format: "csv"}, "SELECT 42 AS answer"); got != "answer\n42\n" {
		t.Errorf("no input: %q", got)
	}
	if err := runQuery(context.Background(), io.Discard, io.Discard, queryFlags{format: "csv"}, ""); err == nil {
		t.Error("no captures, no database and no SQL: no error")
	}
	if err := runQuery(context.Background(), io.Discard, io.Discard, queryFlags{db: dbPath, format: "xml"}, "SELECT 1"); err == nil {
		t.Error("unknown format: no error")
	}
}

// TestQueryResultsStream: a result of 3M rows of 200 bytes (600 MB of text, which the
// driver's query call held whole: 0.7 GB for csv, 1.7 GB for the table format) prints in
// every format within the hostile-input budget, every row there.
func TestQueryResultsStream(t *testing.T) {
	const rows = 3_000_000
	for _, tc := range []struct {
		format string
		lines  int // lines the output has for rows rows
	}{
		{"csv", rows + 1},
		{"jsonl", rows},
		{"table", rows + rows/tableBlockRows*4}, // each block: three header lines and a footer
	} {
		t.Run(tc.format, func(t *testing.T) {
			res, cost, parent := budget.Run(t, func() string {
				var w lineCounter
				err := runQuery(context.Background(), &w, io.Discard, queryFlags{format: tc.format},
					`SELECT range, repeat('x', 200) AS s FROM range(3000000)`)
				return fmt.Sprintf("%d %v", w.lines, err)
			})
			if !parent {
				return
			}
			t.Logf("%s: %s", res, cost)
			if want := fmt.Sprintf("%d <nil>", tc.lines); res != want {
				t.Errorf("%s, want %s", res, want)
			}
			budget.Within(t, cost, budget.MaxRSS, budget.MaxWall)
		})
	}
}

// lineCounter counts the lines written to it and keeps nothing.
type lineCounter struct{ lines int }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte{'\n'})
	return len(p), nil
}
