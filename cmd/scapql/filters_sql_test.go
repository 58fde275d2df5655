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
// `query --filter` and the shell) and compares the matching events with the reference's.
func TestQueryFilterCorpus(t *testing.T) {
	ctx := context.Background()
	db, err := engine.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
