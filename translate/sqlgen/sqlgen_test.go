package sqlgen

import (
	"strings"
	"testing"

	"github.com/scapql/scapql/internal/sqlquote"
	"github.com/scapql/scapql/translate/ir"
)

func TestQuote(t *testing.T) {
	tests := map[string]string{
		"":         "''",
		"abc":      "'abc'",
		"it's":     "'it''s'",
		`\'`:       `'\'''`,
		"a\x00b":   "('a' || chr(0) || 'b')",
		"\n":       "chr(10)",
		"x' OR '1": "'x'' OR ''1'",
		"é日":       "'é日'",
	}
	for in, want := range tests {
		if got := sqlquote.String(in); got != want {
			t.Errorf("sqlquote.String(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestEmitNeverNull(t *testing.T) {
	col := &ir.Column{Field: "fd.name", K: ir.String}
	lit := &ir.Lit{K: ir.String, Str: "x"}
	got, err := Emit(&ir.Not{X: &ir.Cmp{Op: ir.Eq, X: col, Y: lit}})
	if err != nil {
		t.Fatal(err)
	}
	if got != "(NOT ((fd.name = 'x') IS TRUE))" {
		t.Errorf("got %s", got)
	}
}

func TestEmitRejectsInvalidUTF8(t *testing.T) {
	_, err := Emit(&ir.Cmp{Op: ir.Eq, X: &ir.Column{Field: "proc.name", K: ir.String}, Y: &ir.Lit{K: ir.String, Str: "\xff"}})
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("want an error, got %v", err)
	}
}
