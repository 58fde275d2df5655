package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const filtersDir = "../../testdata/filters"

type corpusRow struct{ id, dialect, filter, capture string }

func loadCorpus(t *testing.T) []corpusRow {
	t.Helper()
	f, err := os.Open(filepath.Join(filtersDir, "corpus.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = '\t', true, -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []corpusRow
	for _, rec := range recs[1:] {
		rows = append(rows, corpusRow{rec[0], rec[1], rec[2], rec[3]})
	}
	return rows
}

// TestPrintFilterCorpus runs every real filter of the corpus through `print` and compares the
// events shown with the reference's.
func TestPrintFilterCorpus(t *testing.T) {
	rows := loadCorpus(t)
	bad := 0
	for _, row := range rows {
		want, err := os.ReadFile(filepath.Join(filtersDir, "expected", row.id+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		pf := printFlags{read: filepath.Join(capturesDir, row.capture), format: "*%evt.num", dialect: "auto"}
		if err := runPrint(&out, &errOut, pf, row.filter); err != nil {
			t.Errorf("%s %q: %v", row.id, row.filter, err)
			bad++
			continue
		}
		if out.String() != string(want) {
			t.Errorf("%s [%s] %q: got %d events, want %d", row.id, row.dialect, row.filter,
				strings.Count(out.String(), "\n"), strings.Count(string(want), "\n"))
			bad++
		}
	}
	t.Logf("%d/%d corpus rows give exactly the reference's events", len(rows)-bad, len(rows))
}
