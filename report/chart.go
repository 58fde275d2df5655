package report

import (
	"fmt"
	"html"
	"sort"
	"strings"
)

// palette colours the timeline's categories, in order of their event counts.
var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#8cd17d", "#d4a6c8", "#499894", "#9d7660", "#a0cbe8", "#ffbe7d", "#f1ce63", "#79706e", "#d37295", "#b6992d"}

// timelineSVG draws the timeline section's steps table as stacked bars per time step by
// category, the failed events of each step as a red bar beside it, and the bursts table's
// steps marked with a red triangle. It returns "" when there is nothing to draw.
func timelineSVG(steps, bursts *Table) string {
	if steps == nil || len(steps.Rows) == 0 {
		return ""
	}
	io, iw, ic, ie, ifl := steps.Column("offset_ms"), steps.Column("width_ms"), steps.Column("category"), steps.Column("events"), steps.Column("failed")
	if io < 0 || iw < 0 || ic < 0 || ie < 0 || ifl < 0 {
		return ""
	}
	type step struct {
		cats   map[string]int64
		total  int64
		failed int64
	}
	byOffset := map[int64]*step{}
	catTotal := map[string]int64{}
	var width, last int64 = 1, 0
	for _, r := range steps.Rows {
		off, w := num(r[io]), num(r[iw])
		if w > 0 {
			width = w
		}
		s := byOffset[off]
		if s == nil {
			s = &step{cats: map[string]int64{}}
			byOffset[off] = s
		}
		n := num(r[ie])
		cat := Text(r[ic])
		s.cats[cat] += n
		s.total += n
		s.failed += num(r[ifl])
		catTotal[cat] += n
		if off > last {
			last = off
		}
	}
	cats := make([]string, 0, len(catTotal))
	for c := range catTotal {
		cats = append(cats, c)
	}
	sort.Slice(cats, func(i, j int) bool {
		if catTotal[cats[i]] != catTotal[cats[j]] {
			return catTotal[cats[i]] > catTotal[cats[j]]
		}
		return cats[i] < cats[j]
	})
	color := map[string]string{}
	for i, c := range cats {
		color[c] = palette[i%len(palette)]
	}
	var max int64 = 1
	for _, s := range byOffset {
		if s.total > max {
			max = s.total
		}
	}
	const W, H, left, top, bottom = 960.0, 260.0, 60.0, 20.0, 40.0
	plotW, plotH := W-left-10, H-top-bottom
	nSteps := float64(last/width + 1)
	bw := plotW / nSteps
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="events per %s by category">`, W, H+22*float64((len(cats)+5)/6), dur(width))
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#888"/>`, left, top+plotH, left+plotW, top+plotH)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#888"/>`, left, top, left, top+plotH)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end" class="ax">%d</text>`, left-4, top+8, max)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end" class="ax">0</text>`, left-4, top+plotH)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" class="ax">+0</text>`, left, top+plotH+14)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end" class="ax">+%s</text>`, left+plotW, top+plotH+14, dur(last+width))
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle" class="ax">events per %s step (red: failed calls; ▼ burst of failures)</text>`, left+plotW/2, top+plotH+30, dur(width))
	offsets := make([]int64, 0, len(byOffset))
	for o := range byOffset {
		offsets = append(offsets, o)
	}
	sort.Slice(offsets, func(i, j int) bool { return offsets[i] < offsets[j] })
	gap := 0.0
	if bw > 4 {
		gap = 1
	}
	for _, o := range offsets {
		s := byOffset[o]
		x := left + float64(o/width)*bw
		y := top + plotH
		for _, c := range cats {
			n := s.cats[c]
			if n == 0 {
				continue
			}
			h := float64(n) / float64(max) * plotH
			y -= h
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="%s"><title>+%s %s: %d</title></rect>`,
				x, y, bw-gap, h, color[c], dur(o), html.EscapeString(c), n)
		}
		if s.failed > 0 {
			h := float64(s.failed) / float64(max) * plotH
			if h < 1 {
				h = 1
			}
			fmt.Fprintf(&b, `<rect x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="#d62728" opacity="0.85"><title>+%s failed: %d</title></rect>`,
				x, top+plotH-h, (bw-gap)/3, h, dur(o), s.failed)
		}
	}
	if bursts != nil {
		ib := bursts.Column("offset_ms")
		for _, r := range bursts.Rows {
			if ib < 0 {
				break
			}
			o := num(r[ib])
			x := left + float64(o/width)*bw + bw/2
			fmt.Fprintf(&b, `<path d="M%.2f %.2f l-5 -9 h10 z" fill="#d62728"><title>burst of failures at +%s</title></path>`, x, top-1, dur(o))
		}
	}
	// Legend, six to a row.
	for i, c := range cats {
		x := left + float64(i%6)*150
		y := H + 4 + float64(i/6)*22
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f" class="lg">%s (%d)</text>`,
			x, y, color[c], x+16, y+11, html.EscapeString(c), catTotal[c])
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// num is a cell's integer value (0 for NULL or text).
func num(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case uint64:
		return int64(x)
	case float64:
		return int64(x)
	}
	return 0
}

// dur writes milliseconds as the chart's axis does: ms below a second, else seconds.
func dur(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	if ms%1000 == 0 {
		return fmt.Sprintf("%d s", ms/1000)
	}
	return fmt.Sprintf("%.3g s", float64(ms)/1000)
}
