// Package diag defines the positioned error every translator stage returns: it remembers the
// text it refers to and renders itself with a caret line under the offending part.
package diag

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Error is a translation error at a byte range of Source.
type Error struct {
	Source  string   // text that Pos and End index (the filter, or a macro's condition)
	Pos     int      // byte offset of the start of the offending part
	End     int      // byte offset just past it (End <= Pos marks a single point)
	Msg     string   // what is wrong, without position
	Context []string // where Source came from, innermost first, e.g. `in macro "spawned_process"`
}

// Errorf returns an Error at [pos, end) of src.
// String arguments longer than maxToken bytes are cut (Cut), so that a huge token in a
// hostile filter is not echoed whole.
func Errorf(src string, pos, end int, format string, args ...any) *Error {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > maxToken {
			args[i] = Cut(s, maxToken)
		}
	}
	return &Error{Source: src, Pos: pos, End: end, Msg: fmt.Sprintf(format, args...)}
}

// maxToken bounds a token quoted in a message; maxMsg a whole message.
const (
	maxToken = 256
	maxMsg   = 1000
)

// Cut returns s if it is at most n bytes, else its first n bytes (whole runes) followed by
// "…" and the length it had.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:i], len(s))
}

// Within adds an outer context line (e.g. the macro or rule the source belongs to).
func (e *Error) Within(context string) *Error {
	e.Context = append(e.Context, context)
	return e
}

// Error renders the message, the position, the source line and a caret line under the
// offending part, then any context.
func (e *Error) Error() string {
	var b strings.Builder
	line, col, text, caretFrom := e.locate()
	msg := Cut(e.Msg, maxMsg)
	if strings.Contains(e.Source, "\n") {
		fmt.Fprintf(&b, "%s (line %d, column %d)", msg, line, col)
	} else {
		fmt.Fprintf(&b, "%s (at column %d)", msg, col)
	}
	b.WriteString("\n    ")
	b.WriteString(text)
	b.WriteString("\n    ")
	b.WriteString(caretFrom)
	for _, c := range e.Context {
		b.WriteString("\n  ")
		b.WriteString(Cut(c, maxMsg))
	}
	return b.String()
}

// maxShown bounds how much of a long line (e.g. an expanded Falco rule) is shown.
const maxShown = 100

// locate finds the 1-based line and column of Pos and returns the (possibly clipped) line and
// the caret line aligned under it. Tabs are copied into the caret line so it lines up.
func (e *Error) locate() (line, col int, text, caret string) {
	src := e.Source
	pos := min(max(e.Pos, 0), len(src))
	end := min(max(e.End, pos), len(src))
	start := strings.LastIndexByte(src[:pos], '\n') + 1
	stop := len(src)
	if i := strings.IndexByte(src[pos:], '\n'); i >= 0 {
		stop = pos + i
	}
	line = strings.Count(src[:start], "\n") + 1
	col = utf8.RuneCountInString(src[start:pos]) + 1
	end = min(end, stop)

	// Clip to a window around the error so long conditions stay readable.
	from, to := start, stop
	prefix, suffix := "", ""
	if utf8.RuneCountInString(src[start:stop]) > maxShown {
		from = back(src, pos, maxShown/3, start)
		to = forward(src, from, maxShown, stop)
		if to < end {
			// Show the start of a long offending part, not all of it.
			to = forward(src, to, maxShown, end)
		}
		end = min(end, to)
		if from > start {
			prefix = "..."
		}
		if to < stop {
			suffix = "..."
		}
	}
	text = prefix + printable(src[from:to]) + suffix

	var c strings.Builder
	c.WriteString(strings.Repeat(" ", len(prefix)))
	for _, r := range src[from:pos] {
		if r == '\t' {
			c.WriteByte('\t')
		} else {
			c.WriteByte(' ')
		}
	}
	c.WriteByte('^')
	if n := utf8.RuneCountInString(src[pos:end]); n > 1 {
		c.WriteString(strings.Repeat("~", n-1))
	}
	return line, col, text, c.String()
}

// back moves n runes left from pos, not past lo.
func back(s string, pos, n, lo int) int {
	for ; n > 0 && pos > lo; n-- {
		_, sz := utf8.DecodeLastRuneInString(s[lo:pos])
		pos -= sz
	}
	return pos
}

// forward moves n runes right from pos, not past hi.
func forward(s string, pos, n, hi int) int {
	for ; n > 0 && pos < hi; n-- {
		_, sz := utf8.DecodeRuneInString(s[pos:hi])
		pos += sz
	}
	return pos
}

// printable replaces control characters other than tab so a hostile filter cannot garble the
// terminal; each still takes one column so the caret stays aligned.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' {
			return r
		}
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return '?'
		}
		return r
	}, s)
}
