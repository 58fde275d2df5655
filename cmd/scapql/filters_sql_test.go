package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
)

// TestQueryFilterCorpus runs every corpus filter as SQL over the events table (the path of
// `query --filter` and the shell) and compares the matching events with the reference's:
// over a lazy database (query -r, the shell on captures), which builds only the members
// each filter reads, and over the stored tables of a database file (--db).
func TestQueryFilterCorpus(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		open func(context.Context) (*engine.DB, error)
	}{
		{"lazy", engine.OpenLazy},
		{"stored", func(ctx context.Context) (*engine.DB, error) { return engine.Open(ctx, "") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := tc.open(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			corpusThroughSQL(t, ctx, db)
		})
	}
}

func corpusThroughSQL(t *testing.T, ctx context.Context, db *engine.DB) {
	rows := loadCorpus(t)
	bad := 0
	for _, row := range rows {
		where, err := filterSQL(row.filter)
		if err != nil {
			t.Errorf("%s %q: %v", row.id, row.filter, err)
			bad++
			continue
		}
		nums, err := db.MatchingEventNums(ctx, filepath.Join(capturesDir, row.capture), where)
		if err != nil {
			t.Errorf("%s %q: %v", row.id, row.filter, err)
			bad++
			continue
		}
		var got strings.Builder
		for _, n := range nums {
			got.WriteString(strconv.FormatUint(n, 10))
			got.WriteByte('\n')
		}
		want, err := os.ReadFile(filepath.Join(filtersDir, "expected", row.id+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != string(want) {
			t.Errorf("%s [%s] %q: got %d events, want %d", row.id, row.dialect, row.filter, len(nums), strings.Count(string(want), "\n"))
			bad++
		}
	}
	t.Logf("%d/%d corpus rows give exactly the reference's events through SQL", len(rows)-bad, len(rows))
}
