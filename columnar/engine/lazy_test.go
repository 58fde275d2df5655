package engine

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scapql/scapql/columnar"
	"github.com/scapql/scapql/ingest"
	"github.com/scapql/scapql/ingest/scap"
	"github.com/scapql/scapql/internal/sqlquote"
)

// bundledCaptures lists the bundled captures; it fails the test when there are none.
func bundledCaptures(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(capturesDir, "*.scap"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("bundled captures: %d found (%v)", len(paths), err)
	}
	return paths
}

// structDigest is one row per event of a struct's members as text, in evt.num order.
func structDigest(t *testing.T, db *DB, st string) string {
	t.Helper()
	q := `SELECT evt.num, ` + sqlquote.Ident(st) + `::VARCHAR FROM events ORDER BY evt.num`
	if _, err := db.Prepare(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	rows, err := db.Query(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var n int64
		var v sql.NullString
		if err := rows.Scan(&n, &v); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%d %s\n", n, v.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// compareNarrowAndWhole holds, on one capture, each struct built alone (a narrow question
// that reads only its members) to the same struct of SELECT * (every member in one pass).
// It returns the events compared, or the error both ways gave.
func compareNarrowAndWhole(t *testing.T, path string, opts ingest.Options) (int, error) {
	t.Helper()
	ctx := context.Background()
	open := func() *DB {
		db, err := OpenLazy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		db.SetIngestOptions(opts)
		if err := db.AddInputs(ctx, []string{path}); err != nil {
			db.Close()
			return nil
		}
		return db
	}
	whole := open()
	if whole == nil {
		return 0, fmt.Errorf("not a capture")
	}
	defer whole.Close()
	_, wholeErr := whole.Prepare(ctx, "SELECT * FROM events")
	narrow := open()
	defer narrow.Close()
	events := 0
	for _, st := range columnar.Structs {
		q := `SELECT evt.num, ` + sqlquote.Ident(st) + ` FROM events`
		_, err := narrow.Prepare(ctx, q)
		if (err == nil) != (wholeErr == nil) || err != nil && err.Error() != wholeErr.Error() {
			t.Fatalf("%s: struct %s alone: error %v; all members: error %v", path, st, err, wholeErr)
		}
		if err != nil {
			return 0, err
		}
		got, want := structDigest(t, narrow, st), structDigest(t, whole, st)
		if got != want {
			t.Fatalf("%s: struct %s built alone differs from SELECT *:\n%s", path, st, firstDiff(got, want))
		}
		events = strings.Count(got, "\n")
	}
	return events, nil
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "  narrow: " + la[i] + "\n  whole:  " + lb[i]
		}
	}
	return fmt.Sprintf("  %d lines against %d", len(la), len(lb))
}

// TestLazyNarrowEqualsWhole: a question pays for its own members only, and gets the values
// SELECT * gets, on every bundled capture.
func TestLazyNarrowEqualsWhole(t *testing.T) {
	total := 0
	for _, p := range bundledCaptures(t) {
		n, err := compareNarrowAndWhole(t, p, ingest.Options{})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if n == 0 && !strings.Contains(p, "empty") {
			t.Errorf("%s: no events compared", p)
		}
		total += n
	}
	if total < 5000 {
		t.Errorf("only %d events compared", total)
	}
	t.Logf("%d events compared member by member", total)
}

// TestLazyNarrowEqualsWholeDamaged: the same on damaged captures, read with KeepGoing, and
// without it both ways end in the same error.
func TestLazyNarrowEqualsWholeDamaged(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	dir := t.TempDir()
	samples := writerSamples(t)
	compared, failed := 0, 0
	for i := 0; i < 24; i++ {
		data := append([]byte(nil), samples[i%len(samples)]...)
		if i%2 == 0 {
			data = data[:len(data)/2+rng.IntN(len(data)/2)] // cut
		}
		for k := 0; k < 1+rng.IntN(3); k++ {
			data[rng.IntN(len(data))] ^= byte(1 + rng.IntN(255))
		}
		path := filepath.Join(dir, fmt.Sprintf("damaged-%d.scap", i))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		keep := ingest.Options{Reader: scap.Options{KeepGoing: true, MaxBlock: 1 << 20}}
		if _, err := compareNarrowAndWhole(t, path, keep); err == nil {
			compared++
		}
		if _, err := compareNarrowAndWhole(t, path, ingest.Options{Reader: scap.Options{MaxBlock: 1 << 20}}); err != nil {
			failed++
		}
	}
	if compared < 8 || failed == 0 {
		t.Fatalf("damaged captures: %d compared with KeepGoing, %d failed without: the inputs do not exercise both", compared, failed)
	}
	t.Logf("%d damaged captures compared member by member, %d of them failed alike without KeepGoing", compared, failed)
}
