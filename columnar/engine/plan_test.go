package engine

import (
	"context"
	"encoding/csv"
	"os"
	"testing"

	"github.com/scapql/scapql/translate"
)

// TestTranslatedFiltersPlanStored checks that every filter of the corpus and every official
// rule condition that translates is planned over the stored tables of a database: none falls
// back to the events view, which would cost --db questions their speed.
func TestTranslatedFiltersPlanStored(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	for _, tc := range []struct{ file, column string }{
		{"../../testdata/filters/corpus.tsv", "filter"},
		{"../../testdata/filters/falco_rules_conditions.tsv", "sysdig_condition"},
	} {
		f, err := os.Open(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(f)
		r.Comma, r.Comment, r.LazyQuotes, r.FieldsPerRecord = '\t', '#', true, -1
		rows, err := r.ReadAll()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		col := -1
		for i, h := range rows[0] {
			if h == tc.column {
				col = i
			}
		}
		if col < 0 {
			t.Fatalf("%s: no column %s", tc.file, tc.column)
		}
		for _, row := range rows[1:] {
			if col >= len(row) {
				continue
			}
			sql, err := translate.Translate(row[col], translate.Options{})
			if err != nil {
				continue // filters the corpus keeps for their errors
			}
			n++
			if p := db.plan(ctx, visibleEvents+" AND "+sql); p.stored == "" {
				t.Errorf("%s: planned over the events view: %s", row[col], sql)
			}
		}
	}
	if n < 300 {
		t.Fatalf("only %d filters translated", n)
	}
	t.Logf("%d filters planned over the stored tables", n)
}

// visibleEvents is the term the shell adds to a filter's condition.
const visibleEvents = "NOT coalesce(evt.hidden, false)"
