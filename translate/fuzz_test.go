package translate

import (
	"strings"
	"testing"
)

// FuzzTranslate feeds arbitrary filters to both dialects: translation must never panic,
// every failure must be a positioned error that renders, and every success must be SQL that
// DuckDB accepts and evaluates over the events table.
func FuzzTranslate(f *testing.F) {
	for _, r := range loadCorpus(f) {
		f.Add(r.filter, uint8(0))
		f.Add(r.equivalent, uint8(1))
	}
	for _, line := range readLines(f, filtersDir+"/falco_rules_conditions.tsv")[2:] {
		f.Add(strings.Split(line, "\t")[4], uint8(1))
	}
	for _, s := range hostile {
		f.Add("proc.name = "+escapeQuoted(s), uint8(1))
		f.Add("fd.name contains "+s, uint8(0))
	}
	f.Add(`fd.snet = 2001:db8::/33 or fd.sip.v6 == ::ffff:1.2.3.0/120`, uint8(0))
	f.Add(`fd.name[1-3,-2:] == "x" && fd.sport in {1..3 4}`, uint8(2))
	f.Fuzz(func(t *testing.T, filter string, mode uint8) {
		d := Dialect(mode % 3)
		sql, err := Translate(filter, Options{Dialect: d})
		if err != nil {
			if !IsError(err) {
				t.Fatalf("%s %q: internal error: %v", d, filter, err)
			}
			_ = err.Error()
			return
		}
		// Run it over the hand-made rows: DuckDB must accept the SQL and evaluate it without
		// runtime errors (casts, regexes) on real values.
		var n int
		err = testDB(t).QueryRow("SELECT count(*) FROM events WHERE " + sql).Scan(&n)
		if err != nil && !strings.Contains(err.Error(), "expression depth") {
			t.Fatalf("%s %q: DuckDB rejects the SQL: %v\n%s", d, filter, err, sql)
		}
	})
}
