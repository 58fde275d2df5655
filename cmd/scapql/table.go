package main

import (
	"bufio"
	"io"
	"strings"
)

// asciiTable lays out a result exactly as the tablewriter table does (box borders, centred
// header, left-aligned cells), for results whose every cell is printable ASCII: there the
// width of a text is its length and a row is one line, so the layout is a few string
// appends per cell instead of the library's per-cell width and wrapping analysis (50 µs a
// row on wide results). ok is false when some cell needs the library.
func asciiTable(w io.Writer, header []string, rows [][]string) (ok bool, err error) {
	widths := make([]int, len(header))
	for i, h := range header {
		// The library trims a header's spaces; such headers, rare, go to it.
		if !printableASCII(h) || h == "" || h[0] == ' ' || h[len(h)-1] == ' ' {
			return false, nil
		}
		widths[i] = len(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if !printableASCII(c) {
				return false, nil
			}
			widths[i] = max(widths[i], len(c))
		}
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	rule := func(left, mid, right string) {
		bw.WriteString(left)
		for i, wd := range widths {
			if i > 0 {
				bw.WriteString(mid)
			}
			bw.WriteString(strings.Repeat("─", wd+2))
		}
		bw.WriteString(right + "\n")
	}
	rule("┌", "┬", "┐")
	bw.WriteString("│")
	for i, h := range header {
		left := (widths[i]-len(h))/2 + 1
		bw.WriteString(strings.Repeat(" ", left) + h + strings.Repeat(" ", widths[i]+2-left-len(h)) + "│")
	}
	bw.WriteString("\n")
	if len(rows) > 0 {
		rule("├", "┼", "┤")
	}
	pad := strings.Repeat(" ", max(0, maxOf(widths)))
	for _, r := range rows {
		bw.WriteString("│")
		for i, c := range r {
			bw.WriteString(" ")
			bw.WriteString(c)
			bw.WriteString(pad[:widths[i]-len(c)])
			bw.WriteString(" │")
		}
		bw.WriteString("\n")
	}
	rule("└", "┴", "┘")
	return true, bw.Flush()
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
