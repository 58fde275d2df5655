package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"
)

// WriteJSON writes the report as one indented JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// splitByCapture returns, for a table with a capture column when the report has several
// inputs, its rows per capture; otherwise one group named "".
func (r *Report) splitByCapture(t *Table) (cols []int, groups []string, rows map[string][][]any) {
	ic := t.Column("capture")
	for i := range t.Columns {
		if i != ic {
			cols = append(cols, i)
		}
	}
	if ic < 0 {
		return allCols(t), []string{""}, map[string][][]any{"": t.Rows}
	}
	rows = map[string][][]any{}
	for _, row := range t.Rows {
		c := Text(row[ic])
		rows[c] = append(rows[c], row)
	}
	if len(r.Inputs) <= 1 {
		return cols, []string{""}, map[string][][]any{"": t.Rows}
	}
	return cols, t.captures(), rows
}

func allCols(t *Table) []int {
	out := make([]int, len(t.Columns))
	for i := range out {
		out[i] = i
	}
	return out
}

const css = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#1d2330;background:#fff}
h1{font-size:1.6em;margin:.2em 0;border-bottom:3px solid #2b5797;padding-bottom:.2em}
h2{font-size:1.3em;margin:1.6em 0 .4em;color:#2b5797;border-bottom:1px solid #d0d7e2}
h3{font-size:1.05em;margin:1.1em 0 .3em}
h4{font-size:.95em;margin:.8em 0 .2em;color:#555;font-family:ui-monospace,Menlo,Consolas,monospace}
.meta{color:#444}.meta td{padding:1px 8px 1px 0;vertical-align:top}
.about{color:#555;margin:.2em 0 .6em}
nav{background:#f3f5f9;border:1px solid #d0d7e2;padding:.4em .8em;margin:.8em 0}
nav a{margin-right:1em;color:#2b5797;text-decoration:none}
div.wrap{overflow-x:auto;max-width:100%}
table.t{border-collapse:collapse;margin:.3em 0 .6em;font-size:12.5px;max-width:100%}
table.t th{background:#e8edf5;text-align:left;padding:3px 6px;border:1px solid #c8d0dc;white-space:nowrap}
table.t td{padding:2px 6px;border:1px solid #dde3ec;vertical-align:top;word-break:break-word}
table.t tr:nth-child(even) td{background:#f8f9fb}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.s{white-space:nowrap}
td.tree{white-space:pre;font-family:ui-monospace,Menlo,Consolas,monospace}
.none{color:#888;font-style:italic;margin:.2em 0 .6em}
.cut{color:#a15c00}
details{margin:.2em 0 .8em}summary{cursor:pointer;color:#2b5797;font-size:.9em}
pre{background:#f6f8fa;border:1px solid #d0d7e2;padding:.5em;overflow-x:auto;font-size:12px;white-space:pre-wrap}
.chart{width:100%;height:auto;max-width:960px}.chart .ax{font-size:11px;fill:#444}.chart .lg{font-size:12px;fill:#222}
.det{border-left:4px solid #888;padding:.1em .8em;margin:.8em 0;background:#fafbfc}
.det.p-emergency,.det.p-alert,.det.p-critical{border-color:#b00020}.det.p-error{border-color:#d62728}
.det.p-warning{border-color:#e08a00}.det.p-notice{border-color:#2b7bb9}.det.p-informational,.det.p-debug{border-color:#6a8}
.prio{display:inline-block;padding:0 .5em;border-radius:3px;font-size:.8em;color:#fff;background:#777;margin-left:.4em}
.prio.p-emergency,.prio.p-alert,.prio.p-critical{background:#b00020}.prio.p-error{background:#d62728}
.prio.p-warning{background:#e08a00}.prio.p-notice{background:#2b7bb9}.prio.p-informational,.prio.p-debug{background:#5a8}
.ev{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;margin:0;padding:1px 4px;white-space:pre-wrap;word-break:break-all}
.legend span{display:inline-block;padding:0 .4em;margin:0 .3em .3em 0;font-size:12px;border:1px solid #ccc}
@media print{nav{display:none}details{display:none}body{max-width:none;padding:0}h2{break-after:avoid}table.t{font-size:10px}}
`

// WriteHTML writes the report as one self-contained HTML page: inline CSS and SVG, no
// script, nothing fetched.
func (r *Report) WriteHTML(out io.Writer) error {
	w := &errWriter{w: bufio.NewWriter(out)}
	esc := html.EscapeString
	w.str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	w.printf("<title>%s</title>\n<style>%s</style></head><body>\n", esc(r.Title), css)
	w.printf("<h1>%s</h1>\n<table class=\"meta\">", esc(r.Title))
	w.printf("<tr><td>generated</td><td>%s</td></tr>", esc(r.Generated))
	for i, in := range r.Inputs {
		label := ""
		if i == 0 {
			label = "inputs"
		}
		w.printf("<tr><td>%s</td><td><code>%s</code></td></tr>", label, esc(in))
	}
	if r.Filter != "" {
		w.printf("<tr><td>events restricted to</td><td><code>%s</code></td></tr>", esc(r.Filter))
	}
	w.str("</table>\n<nav>")
	for _, s := range r.Sections {
		if s.Name == "cloud" {
			w.str(`<a href="#detections">Detections</a>`)
		}
		w.printf(`<a href="#%s">%s</a>`, esc(s.Name), esc(s.Title))
	}
	if r.Section("cloud") == nil {
		w.str(`<a href="#detections">Detections</a>`)
	}
	w.str("</nav>\n")
	detectionsDone := false
	for i := range r.Sections {
		s := &r.Sections[i]
		if s.Name == "cloud" {
			r.htmlDetections(w)
			detectionsDone = true
		}
		w.printf("<section id=\"%s\"><h2>%s</h2>\n", esc(s.Name), esc(s.Title))
		if s.About != "" {
			w.printf("<p class=\"about\">%s</p>\n", esc(s.About))
		}
		if s.Name == "timeline" {
			w.str(timelineSVG(s.Find("steps"), s.Find("bursts")))
		}
		for j := range s.Tables {
			t := &s.Tables[j]
			r.htmlTable(w, s, t)
		}
		w.str("</section>\n")
	}
	if !detectionsDone {
		r.htmlDetections(w)
	}
	w.str("</body></html>\n")
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

func (r *Report) htmlTable(w *errWriter, s *Section, t *Table) {
	esc := html.EscapeString
	w.printf("<h3 id=\"%s-%s\">%s <small>(%s)</small></h3>\n", esc(s.Name), esc(t.Name), esc(t.Title), rowCount(t))
	body := func() {
		cols, groups, rows := r.splitByCapture(t)
		for _, g := range groups {
			if g != "" {
				w.printf("<h4>%s</h4>\n", esc(g))
			}
			if len(rows[g]) == 0 {
				w.str("<p class=\"none\">none</p>\n")
				continue
			}
			cols := nonEmpty(cols, rows[g])
			w.str("<div class=\"wrap\"><table class=\"t\"><thead><tr>")
			for _, c := range cols {
				w.printf("<th>%s</th>", esc(t.Columns[c]))
			}
			w.str("</tr></thead><tbody>\n")
			for _, row := range rows[g] {
				w.str("<tr>")
				for _, c := range cols {
					class := ""
					switch {
					case s.Name == "processes" && t.Name == "tree" && t.Columns[c] == "process":
						class = ` class="tree"`
					case isNum(row[c]):
						class = ` class="n"`
					case len(Text(row[c])) <= 20:
						class = ` class="s"`
					}
					w.printf("<td%s>%s</td>", class, esc(Text(row[c])))
				}
				w.str("</tr>\n")
			}
			w.str("</tbody></table></div>\n")
		}
	}
	// The timeline's steps are the chart's data: collapsed like the SQL.
	if s.Name == "timeline" && t.Name == "steps" {
		w.str("<details><summary>data</summary>\n")
		body()
		w.str("</details>\n")
	} else {
		body()
	}
	w.printf("<details><summary>SQL</summary><pre>%s;</pre></details>\n", esc(t.SQL))
}

// nonEmpty keeps the columns that have a value in some row (the documents leave out a
// column that is empty throughout; JSON keeps every column).
func nonEmpty(cols []int, rows [][]any) []int {
	var out []int
	for _, c := range cols {
		for _, r := range rows {
			if Text(r[c]) != "" {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// rowCount is "1 row", "N rows", or "N of M rows" for a table cut at the limit.
func rowCount(t *Table) string {
	if t.Total > len(t.Rows) {
		return fmt.Sprintf("%d of %d rows", len(t.Rows), t.Total)
	}
	if len(t.Rows) == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", len(t.Rows))
}

func isNum(v any) bool {
	switch v.(type) {
	case int64, uint64, float64:
		return true
	}
	return false
}

func prioClass(p string) string { return "p-" + strings.ToLower(priorityName(p)) }

func (r *Report) htmlDetections(w *errWriter) {
	esc := html.EscapeString
	w.str("<section id=\"detections\"><h2>Detections</h2>\n")
	w.printf("<p class=\"about\">%d rules run (bundled: %s", r.Rules.Run, esc(r.Rules.Bundled))
	if len(r.Rules.Files) > 0 {
		w.printf("; from --rules: %s", esc(strings.Join(r.Rules.Files, ", ")))
	}
	w.printf("); %d match. Each alert is printed as Falco prints it: time, priority, output.</p>\n", len(r.Detected))
	if len(r.Colors) > 0 {
		w.str("<p class=\"legend\">Event colours: ")
		for _, c := range r.Colors {
			w.printf("<span style=\"%s\">%s</span>", colorStyle(c), esc(c.Name))
		}
		w.str("</p>\n")
	}
	if len(r.Detected) == 0 {
		w.str("<p class=\"none\">no rule matches</p>\n")
	}
	for _, d := range r.Detected {
		pc := prioClass(d.Priority)
		prio := d.Priority
		if prio == "" {
			prio = "no priority"
		}
		w.printf("<div class=\"det %s\"><h3>%s <span class=\"prio %s\">%s</span> <small>%d events · %s · %s</small></h3>\n",
			pc, esc(d.Rule), pc, esc(prio), d.Count, esc(d.Source), esc(d.Origin))
		for _, e := range d.Events {
			style := ""
			if e.Color >= 0 && e.Color < len(r.Colors) {
				style = ` style="` + colorStyle(r.Colors[e.Color]) + `"`
			}
			capture := ""
			if len(r.Inputs) > 1 {
				capture = e.Capture + " "
			}
			w.printf("<p class=\"ev\"%s>%s#%d %s</p>\n", style, esc(capture), e.Num, esc(e.Output))
		}
		if d.Count > len(d.Events) {
			w.printf("<p class=\"cut\">… %d more</p>\n", d.Count-len(d.Events))
		}
		w.printf("<details><summary>SQL</summary><pre>%s;</pre></details></div>\n", esc(d.SQL))
	}
	if len(r.Rules.Failed) > 0 {
		w.printf("<details><summary>%d rules not run</summary><pre>%s</pre></details>\n", len(r.Rules.Failed), esc(strings.Join(r.Rules.Failed, "\n")))
	}
	if len(r.Rules.Unextracted) > 0 {
		w.printf("<details><summary>Output fields scapql does not extract (printed &lt;NA&gt;)</summary><pre>%s</pre></details>\n", esc(strings.Join(r.Rules.Unextracted, "\n")))
	}
	w.str("</section>\n")
}

func colorStyle(c ColorInfo) string {
	var s []string
	if c.FG != "" {
		s = append(s, "color:"+c.FG)
	}
	if c.BG != "" {
		s = append(s, "background:"+c.BG)
	}
	return strings.Join(s, ";")
}

// WriteMarkdown writes the report as Markdown (GitHub's flavour: tables, <details>).
func (r *Report) WriteMarkdown(out io.Writer) error {
	w := &errWriter{w: bufio.NewWriter(out)}
	w.printf("# %s\n\nGenerated %s from:\n\n", r.Title, r.Generated)
	for _, in := range r.Inputs {
		w.printf("- `%s`\n", in)
	}
	if r.Filter != "" {
		w.printf("\nEvents restricted to `%s`.\n", r.Filter)
	}
	detectionsDone := false
	for i := range r.Sections {
		s := &r.Sections[i]
		if s.Name == "cloud" {
			r.mdDetections(w)
			detectionsDone = true
		}
		w.printf("\n## %s\n\n", s.Title)
		if s.About != "" {
			w.printf("%s\n", s.About)
		}
		for j := range s.Tables {
			t := &s.Tables[j]
			w.printf("\n### %s (%s)\n\n", t.Title, rowCount(t))
			cols, groups, rows := r.splitByCapture(t)
			for _, g := range groups {
				if g != "" {
					w.printf("#### `%s`\n\n", g)
				}
				if len(rows[g]) == 0 {
					w.str("_none_\n\n")
					continue
				}
				cols := nonEmpty(cols, rows[g])
				w.str("|")
				for _, c := range cols {
					w.printf(" %s |", mdCell(t.Columns[c]))
				}
				w.str("\n|")
				for _, c := range cols {
					if len(rows[g]) > 0 && isNum(rows[g][0][c]) {
						w.str("---:|")
					} else {
						w.str("---|")
					}
				}
				w.str("\n")
				for _, row := range rows[g] {
					w.str("|")
					for _, c := range cols {
						w.printf(" %s |", mdCell(Text(row[c])))
					}
					w.str("\n")
				}
				w.str("\n")
			}
			w.printf("<details><summary>SQL</summary>\n\n```sql\n%s;\n```\n\n</details>\n", t.SQL)
		}
	}
	if !detectionsDone {
		r.mdDetections(w)
	}
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

func (r *Report) mdDetections(w *errWriter) {
	w.printf("\n## Detections\n\n%d rules run (bundled: %s", r.Rules.Run, r.Rules.Bundled)
	if len(r.Rules.Files) > 0 {
		w.printf("; from --rules: %s", strings.Join(r.Rules.Files, ", "))
	}
	w.printf("); %d match.\n", len(r.Detected))
	for _, d := range r.Detected {
		prio := d.Priority
		if prio == "" {
			prio = "no priority"
		}
		w.printf("\n### %s (%s, %d events)\n\n", d.Rule, prio, d.Count)
		w.str("```\n")
		for _, e := range d.Events {
			if len(r.Inputs) > 1 {
				w.printf("%s ", e.Capture)
			}
			w.printf("#%d %s\n", e.Num, strings.ReplaceAll(e.Output, "```", "'''"))
		}
		if d.Count > len(d.Events) {
			w.printf("… %d more\n", d.Count-len(d.Events))
		}
		w.printf("```\n\n<details><summary>SQL</summary>\n\n```sql\n%s;\n```\n\n</details>\n", d.SQL)
	}
	if len(r.Rules.Unextracted) > 0 {
		w.printf("\nOutput fields scapql does not extract (printed <NA>): %s.\n", strings.Join(r.Rules.Unextracted, "; "))
	}
}

// mdCell escapes a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}
