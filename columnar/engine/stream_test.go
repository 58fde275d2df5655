package engine

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/scapql/scapql/internal/sqlrows"
)

// allRows reads a result whole: its column names and every row's values.
func allRows(t *testing.T, rows Rows, err error) ([]string, [][]any) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, out
}

// TestStreamEqualsDriver holds a streamed result to the driver's for the same statement:
// the same names and the same Go values, row by row, for every type DuckDB has a Go value
// for and for every table of the bundled captures.
func TestStreamEqualsDriver(t *testing.T) {
	ctx := context.Background()
	db, err := OpenLazy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.AddInputs(ctx, bundledCaptures(t)); err != nil {
		t.Fatal(err)
	}
	queries := []string{
		`SELECT 42 AS x, 'a' AS s, [1, 2] l, {'b': 1, 'a': 'x'} st, MAP {'k': 1, 'j': NULL} m, sum(i) h,
			DATE '2024-01-01' d, TIMESTAMP '2024-01-02 03:04:05.123456' ts, TIMESTAMPTZ '2024-01-02 03:04:05+02' tz,
			TIMESTAMP_NS '2024-01-02 03:04:05.123456789' tsn, 1.5::DECIMAL(5, 2) de, 123456789012.5::DECIMAL(18, 1) de18,
			INTERVAL 3 DAY iv, NULL n, 'x\x00y'::BLOB b, TIME '01:02:03.5' tm, 'a'::ENUM('a', 'b') en, [{'x': [1]}] nl,
			170141183460469231731687303715884105727::HUGEINT hu, 2::UTINYINT ut, 1.5::FLOAT f, -0.0::DOUBLE dd,
			'{"a": [1, {"b": null}]}'::JSON j, [1, 2, 3]::INTEGER[3] arr, true AND i > 0 bo, i::SMALLINT sm,
			'ünïcode ✓' u
			FROM range(3) t(i) GROUP BY ALL ORDER BY ALL`,
		`SELECT * FROM events ORDER BY capture, evt.num`,
		`SELECT * FROM processes ORDER BY ALL`,
		`SELECT * FROM captures ORDER BY ALL`,
		`SELECT * FROM connections ORDER BY ALL`,
		`SELECT * FROM files ORDER BY ALL`,
		`SELECT * FROM users ORDER BY ALL`,
		`SELECT * FROM interfaces ORDER BY ALL`,
		`SELECT * FROM syscalls ORDER BY ALL`,
		`CREATE OR REPLACE TEMP TABLE t AS SELECT 1 AS a; SELECT a, a + 1 AS b FROM t`,
		`SELECT * FROM range(0)`,
	}
	for _, q := range queries {
		if _, err := db.Prepare(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rows, err := db.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		driver := sqlrows.Driver{Rows: rows}
		wantTypes, _ := driver.ColumnTypeNames()
		wantCols, want := allRows(t, driver, nil)
		if len(want) == 0 && q != `SELECT * FROM range(0)` {
			t.Fatalf("%s: no rows", q)
		}
		streamed, err := db.Stream(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		gotTypes, _ := streamed.ColumnTypeNames()
		if !reflect.DeepEqual(gotTypes, wantTypes) {
			t.Errorf("%.60s: types %v, want %v", q, gotTypes, wantTypes)
		}
		gotCols, got := allRows(t, streamed, nil)
		if !reflect.DeepEqual(gotCols, wantCols) {
			t.Fatalf("%s: columns %v, want %v", q, gotCols, wantCols)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d rows, want %d", q, len(got), len(want))
		}
		for r := range want {
			for c := range want[r] {
				if !sameValue(got[r][c], want[r][c]) {
					t.Fatalf("%.60s: row %d %s: %#v, want %#v", q, r, wantCols[c], got[r][c], want[r][c])
				}
			}
		}
		t.Logf("%.40s: %d rows agree", q, len(want))
	}
}

// sameValue is reflect.DeepEqual, but big integers compare by value (zero has two shapes).
func sameValue(a, b any) bool {
	if x, ok := a.(*big.Int); ok {
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

// TestStreamErrors: a bad statement, one failing at run time, and a cancelled context each
// give an error, and the connection stays usable.
func TestStreamErrors(t *testing.T) {
	ctx := context.Background()
	db, err := OpenLazy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`SELEC 1`, `SELECT 1; SELEC 2`, `SELECT error('boom')`, `SELECT * FROM nowhere`} {
		rows, err := db.Stream(ctx, q)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		if err == nil {
			t.Errorf("%s: no error", q)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Stream(cancelled, `SELECT count(*) FROM range(10000000000)`); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: %v", err)
	}
	// Cancelled while the statement runs: it is interrupted.
	running, stop := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, stop)
	rows, err := db.Stream(running, `SELECT count(*) FROM range(10000000000)`)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while running: %v", err)
	}
	rows, err = db.Stream(ctx, `SELECT 7`)
	_, got := allRows(t, rows, err)
	if len(got) != 1 || got[0][0] != int32(7) {
		t.Errorf("after errors: %v", got)
	}
}
