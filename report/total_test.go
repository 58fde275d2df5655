package report

import (
	"context"
	"testing"

	"github.com/scapql/scapql/columnar/engine"
)

// TestTableTotalPastLimit checks that a table cut at its limit still counts every row of its
// statement, for a statement over events the engine builds for it alone (narrow) and for one
// over every event, against the rows the statement gives unlimited.
func TestTableTotalPastLimit(t *testing.T) {
	ctx := context.Background()
	db, err := engine.OpenLazy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AddInputs(ctx, []string{"../testdata/captures/curl_google.scap"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql    string
		narrow bool
	}{
		{"SELECT evt.num, fd.name FROM events WHERE evt.type = 'read' AND evt.dir = '<' ORDER BY evt.num;", true},
		{"SELECT evt.num, evt.type FROM events ORDER BY evt.num", false},
	} {
		all := Table{Name: "all", SQL: tc.sql, narrow: tc.narrow}
		if err := all.Run(ctx, db, 1<<30); err != nil {
			t.Fatal(err)
		}
		cut := Table{Name: "cut", SQL: tc.sql, narrow: tc.narrow}
		if err := cut.Run(ctx, db, 7); err != nil {
			t.Fatal(err)
		}
		if all.Total < 20 || all.Total != len(all.Rows) {
			t.Fatalf("%s: %d rows, total %d", tc.sql, len(all.Rows), all.Total)
		}
		if cut.Total != all.Total || len(cut.Rows) != 7 {
			t.Errorf("%s: cut at 7: %d rows, total %d; unlimited: %d", tc.sql, len(cut.Rows), cut.Total, all.Total)
		}
		for i, row := range cut.Rows {
			if Text(row[0]) != Text(all.Rows[i][0]) {
				t.Errorf("%s: row %d: evt.num %s cut, %s unlimited", tc.sql, i, Text(row[0]), Text(all.Rows[i][0]))
			}
		}
		t.Logf("%s: %d rows", tc.sql, all.Total)
	}
}
