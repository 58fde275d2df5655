package engine

import (
	"context"
	"testing"

	"github.com/scapql/scapql/internal/sqlquote"
)

// TestIdentQuotesDuckDBKeywords: sqlquote.Ident leaves a name bare only when DuckDB reads it
// as a column name: every reserved and type_function keyword is quoted, and the form Ident
// gives every keyword selects a column of that name.
func TestIdentQuotesDuckDBKeywords(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(ctx, `SELECT keyword_name, keyword_category FROM duckdb_keywords()`)
	if err != nil {
		t.Fatal(err)
	}
	type kw struct{ name, cat string }
	var kws []kw
	for rows.Next() {
		var k kw
		if err := rows.Scan(&k.name, &k.cat); err != nil {
			t.Fatal(err)
		}
		kws = append(kws, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(kws) < 100 {
		t.Fatalf("%d keywords", len(kws))
	}
	for _, k := range kws {
		id := sqlquote.Ident(k.name)
		if (k.cat == "reserved" || k.cat == "type_function") && id == k.name {
			t.Errorf("%s keyword %q left bare", k.cat, k.name)
			continue
		}
		var got string
		if err := db.Conn().QueryRowContext(ctx, `SELECT t.`+id+` FROM (SELECT 'x' AS `+id+`) t`).Scan(&got); err != nil || got != "x" {
			t.Errorf("%s keyword %q as %s: %q, %v", k.cat, k.name, id, got, err)
		}
	}
}
