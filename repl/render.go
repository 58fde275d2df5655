package repl

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/scapql/scapql/report/coloring"
)

// Output modes (.mode).
const (
	modeTable    = "table"
	modeCSV      = "csv"
	modeJSON     = "json"
	modeLine     = "line"
	modeMarkdown = "markdown"
)

var modes = []string{modeTable, modeCSV, modeJSON, modeLine, modeMarkdown}

// column is a result column.
type column struct {
	name    string
	typ     string // DuckDB type name
	numeric bool
}

// summary is what the footer of a result says.
type summary struct {
	shown, total int64
	limit        int
	elapsed      time.Duration
	timer        bool
}

// text is the footer line, e.g. "(3 rows, 1.2ms)" or "(2,345 rows, 100 shown: .limit 100)".
func (s summary) text() string {
	var b strings.Builder
	b.WriteString("(")
	b.WriteString(plural(s.total, "row"))
	if s.shown < s.total {
		fmt.Fprintf(&b, ", %s shown: .limit %d", thousands(s.shown), s.limit)
	}
	if s.timer {
		fmt.Fprintf(&b, ", %s", roundDuration(s.elapsed))
	}
	b.WriteString(")")
	return b.String()
}

func plural(n int64, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return thousands(n) + " " + unit + "s"
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// sink writes one result in an output mode.
type sink interface {
	header(cols []column) error
	row(vals []any) error
	// end finishes the result; note is where the footer goes when the mode's output is pure
	// data (csv, json, markdown).
	end(s summary, note io.Writer) error
}

func newSink(mode string, w io.Writer, width int) sink {
	switch mode {
	case modeCSV:
		return &csvSink{w: csv.NewWriter(w)}
	case modeJSON:
		return &jsonSink{w: bufio.NewWriter(w)}
	case modeLine:
		return &lineSink{w: bufio.NewWriter(w)}
	case modeMarkdown:
		return &tableSink{w: w, markdown: true}
	}
	return &tableSink{w: w, width: width}
}

// tableSink buffers the rows and prints them aligned, fitting width (0: no limit).
type tableSink struct {
	w        io.Writer
	width    int
	markdown bool
	cols     []column
	rows     [][]string
	paint    string   // the colour of the next row (ANSI), "" for none
	paints   []string // each row's
}

func (t *tableSink) header(cols []column) error { t.cols = cols; return nil }

func (t *tableSink) row(vals []any) error {
	r := make([]string, len(vals))
	for i, v := range vals {
		s := cellText(formatValue(v, t.cols[i].typ))
		if t.markdown {
			s = strings.ReplaceAll(s, "|", `\|`)
		}
		r[i] = s
	}
	t.rows = append(t.rows, r)
	if t.paint != "" || t.paints != nil {
		for len(t.paints) < len(t.rows)-1 {
			t.paints = append(t.paints, "")
		}
		t.paints = append(t.paints, t.paint)
	}
	return nil
}

func (t *tableSink) end(s summary, note io.Writer) error {
	bw := bufio.NewWriter(t.w)
	widths := make([]int, len(t.cols))
	heads := make([]string, len(t.cols))
	for i, c := range t.cols {
		heads[i] = cellText(c.name)
		widths[i] = runewidth.StringWidth(heads[i])
		if t.markdown && widths[i] < 3 {
			widths[i] = 3
		}
	}
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	if !t.markdown {
		widths = fitWidths(widths, t.width)
	}
	line := func(cells []string, head bool) {
		if t.markdown {
			bw.WriteString("|")
		}
		for i, c := range cells {
			if i > 0 {
				bw.WriteString(" |")
			}
			bw.WriteString(" ")
			c = truncate(c, widths[i])
			pad := strings.Repeat(" ", widths[i]-runewidth.StringWidth(c))
			last := i == len(cells)-1 && !t.markdown
			switch {
			case t.cols[i].numeric && !head:
				bw.WriteString(pad + c)
			case last:
				bw.WriteString(c) // no trailing blanks
			default:
				bw.WriteString(c + pad)
			}
		}
		if t.markdown {
			bw.WriteString(" |")
		}
		bw.WriteString("\n")
	}
	line(heads, true)
	if t.markdown {
		bw.WriteString("|")
		for i, w := range widths {
			if t.cols[i].numeric {
				bw.WriteString(" " + strings.Repeat("-", w-1) + ": |")
			} else {
				bw.WriteString(" " + strings.Repeat("-", w) + " |")
			}
		}
		bw.WriteString("\n")
	} else {
		for i, w := range widths {
			if i > 0 {
				bw.WriteString("+")
			}
			bw.WriteString(strings.Repeat("-", w+2))
		}
		bw.WriteString("\n")
	}
	for i, r := range t.rows {
		if i < len(t.paints) && t.paints[i] != "" {
			// The colour spans the row's text, not its newline.
			bw.WriteString(t.paints[i])
			var lb strings.Builder
			saved := bw
			bw = bufio.NewWriter(&lb)
			line(r, false)
			bw.Flush()
			bw = saved
			bw.WriteString(strings.TrimSuffix(lb.String(), "\n") + coloring.Reset + "\n")
			continue
		}
		line(r, false)
	}
	if t.markdown {
		if err := bw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(note, s.text())
		return nil
	}
	fmt.Fprintln(bw, s.text())
	return bw.Flush()
}

// fitWidths caps the widest columns so that the table fits avail columns (its widest line is
// the rule under the header, "-c1-+-c2-+-c3-", and one column is kept free); 0 means no limit.
// A cap never goes below 5.
func fitWidths(w []int, avail int) []int {
	if avail <= 0 || len(w) == 0 {
		return w
	}
	total := func(c int) int {
		n := 3*len(w) - 1
		for _, x := range w {
			n += min(x, c)
		}
		return n
	}
	limit := avail - 1
	maxw := 0
	for _, x := range w {
		maxw = max(maxw, x)
	}
	if total(maxw) <= limit {
		return w
	}
	lo, hi := 5, maxw // largest cap that fits
	if total(lo) > limit {
		hi = lo
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if total(mid) <= limit {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	out := make([]int, len(w))
	spare := limit - total(lo)
	for i, x := range w {
		out[i] = min(x, lo)
		if x > lo && spare > 0 { // hand out what the cap left over
			out[i]++
			spare--
		}
	}
	return out
}

// truncate cuts s to width display columns, marking the cut with "…".
func truncate(s string, width int) string {
	if runewidth.StringWidth(s) <= width {
		return s
	}
	if width <= 0 {
		return ""
	}
	return runewidth.Truncate(s, width, "…")
}

type csvSink struct {
	w    *csv.Writer
	cols []column
}

func (c *csvSink) header(cols []column) error {
	c.cols = cols
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.name
	}
	return c.w.Write(names)
}

func (c *csvSink) row(vals []any) error {
	rec := make([]string, len(vals))
	for i, v := range vals {
		if v != nil {
			rec[i] = formatValue(v, c.cols[i].typ)
		}
	}
	return c.w.Write(rec)
}

func (c *csvSink) end(s summary, note io.Writer) error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	if s.shown < s.total || s.timer {
		fmt.Fprintln(note, s.text())
	}
	return nil
}

// jsonSink writes a JSON array of objects, one per line, keys in column order.
type jsonSink struct {
	w    *bufio.Writer
	cols []column
	keys [][]byte
	n    int
}

func (j *jsonSink) header(cols []column) error {
	j.cols = cols
	for _, c := range cols {
		k, _ := marshalJSON(c.name)
		j.keys = append(j.keys, k)
	}
	_, err := j.w.WriteString("[")
	return err
}

func (j *jsonSink) row(vals []any) error {
	if j.n > 0 {
		j.w.WriteString(",")
	}
	j.n++
	j.w.WriteString("\n{")
	for i, v := range vals {
		if i > 0 {
			j.w.WriteString(",")
		}
		j.w.Write(j.keys[i])
		j.w.WriteString(":")
		b, err := marshalJSON(jsonValue(v, j.cols[i].typ))
		if err != nil {
			b, _ = marshalJSON(formatValue(v, j.cols[i].typ))
		}
		j.w.Write(b)
	}
	_, err := j.w.WriteString("}")
	return err
}

func (j *jsonSink) end(s summary, note io.Writer) error {
	if j.n > 0 {
		j.w.WriteString("\n")
	}
	j.w.WriteString("]\n")
	if err := j.w.Flush(); err != nil {
		return err
	}
	if s.shown < s.total || s.timer {
		fmt.Fprintln(note, s.text())
	}
	return nil
}

// lineSink writes one "column = value" line per column, rows separated by a blank line.
type lineSink struct {
	w     *bufio.Writer
	cols  []column
	width int
	n     int
}

func (l *lineSink) header(cols []column) error {
	l.cols = cols
	for _, c := range cols {
		l.width = max(l.width, runewidth.StringWidth(c.name))
	}
	return nil
}

func (l *lineSink) row(vals []any) error {
	if l.n > 0 {
		l.w.WriteString("\n")
	}
	l.n++
	for i, v := range vals {
		name := l.cols[i].name
		fmt.Fprintf(l.w, "%s%s = %s\n", strings.Repeat(" ", l.width-runewidth.StringWidth(name)), name,
			cellText(formatValue(v, l.cols[i].typ)))
	}
	return nil
}

func (l *lineSink) end(s summary, note io.Writer) error {
	if l.n > 0 {
		l.w.WriteString("\n")
	}
	fmt.Fprintln(l.w, s.text())
	return l.w.Flush()
}

// marshalJSON is json.Marshal without the escaping of <, > and & (output is not HTML).
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
