package main

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// TestASCIITableLooksLikeTheLibrary holds the fast table layout to tablewriter's, byte for
// byte, on random ASCII results: empty cells, odd and even padding, no rows.
func TestASCIITableLooksLikeTheLibrary(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	word := func() string {
		const chars = "abcXYZ019 _-./:=()<>[]{}'\"|+*#%&!?~`^$@;,"
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = chars[rng.IntN(len(chars))]
		}
		return string(b)
	}
	for n := 0; n < 300; n++ {
		cols := 1 + rng.IntN(6)
		header := make([]string, cols)
		for i := range header {
			header[i] = word()
			if header[i] == "" || header[i][0] == ' ' || header[i][len(header[i])-1] == ' ' {
				header[i] = "h" + header[i] + "h" // the library trims header padding
			}
		}
		rows := make([][]string, rng.IntN(5))
		for r := range rows {
			rows[r] = make([]string, cols)
			for i := range rows[r] {
				rows[r][i] = word()
			}
		}
		var fast, lib bytes.Buffer
		if ok, err := asciiTable(&fast, header, rows); !ok || err != nil {
			t.Fatalf("fast layout refused ASCII: %v", err)
		}
		tbl := tablewriter.NewTable(&lib, tablewriter.WithHeaderAutoFormat(tw.Off), tablewriter.WithHeaderAutoWrap(tw.WrapNone),
			tablewriter.WithRowAutoWrap(tw.WrapNone), tablewriter.WithTrimSpace(tw.Off))
		h := make([]any, cols)
		for i, c := range header {
			h[i] = c
		}
		tbl.Header(h...)
		for _, r := range rows {
			rec := make([]any, cols)
			for i, c := range r {
				rec[i] = c
			}
			tbl.Append(rec...)
		}
		tbl.Render()
		if fast.String() != lib.String() {
			t.Fatalf("header %q rows %q:\nfast:\n%s\nlibrary:\n%s", header, rows, fast.String(), lib.String())
		}
	}
	var out bytes.Buffer
	if ok, _ := asciiTable(&out, []string{"a"}, [][]string{{"é"}}); ok {
		t.Error("non-ASCII text must go to the library")
	}
}
