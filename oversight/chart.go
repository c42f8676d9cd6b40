package oversight

import (
	"fmt"
	"html/template"
	"strings"
)

// Charts are SVG drawn on the server, inline in the page: no script, no
// style sheet of their own (presentation attributes only, which the
// Content-Security-Policy allows), printable. Each has a <title> and a
// <desc> that say what it shows, and writes every value as text beside
// its bar or point, so that colour carries nothing alone. A hidden count
// is drawn as no bar, its text "<k".

// series is what a chart draws: a label, a published value and whether it
// is hidden, for each bar or point.
type series struct {
	labels []string
	values []int64
	hidden []bool
	// what the values count, for the axis and the description.
	unit, axis string
}

// seriesOf picks what a table's chart draws: the totals of its rows, or,
// for the tables whose columns say more (outcomes, results), of its
// columns.
func seriesOf(t *Published) series {
	byCols := t.ID == TableDecisions || t.ID == TableActions || t.ID == TableDuties
	s := series{unit: "count", axis: t.RowLabel}
	switch t.ID {
	case TableRequestsByMonth, TableRequestsByForm:
		s.unit = "requests"
	case TableDecisions:
		s.unit = "decisions"
	case TableActions:
		s.unit = "actions"
	case TableHolds:
		s.unit = "holds"
	case TableTransfers:
		s.unit = "hand-overs"
	case TableDuties:
		s.unit = "duties"
	}
	if byCols {
		s.axis = t.ColLabel
		s.labels = t.Cols
		s.values, s.hidden = t.ColTotals, t.ColHidden
	} else {
		s.labels = t.Rows
		s.values, s.hidden = t.RowTotals, t.RowHidden
	}
	return s
}

// Chart draws t as SVG, for the dashboard and the HTML report: a line over
// the months for requests by month, bars for the rest.
func Chart(t *Published) template.HTML {
	s := seriesOf(t)
	if len(s.labels) == 0 {
		return ""
	}
	if t.ID == TableRequestsByMonth {
		return lineChart(t, s)
	}
	return barChart(t, s)
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// maxShown is the largest published value, at least 1.
func (s series) maxShown() int64 {
	m := int64(1)
	for i, v := range s.values {
		if !s.hidden[i] {
			m = max(m, v)
		}
	}
	return m
}

func (s series) text(i, k int) string {
	if s.hidden[i] {
		return fmt.Sprintf("<%d", k)
	}
	return fmt.Sprint(s.values[i])
}

// svgOpen writes the chart's opening, its title and description.
func svgOpen(b *strings.Builder, t *Published, s series, w, h int) {
	id := "chart-" + t.ID
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" width="100%%" role="img" aria-labelledby="%s-t %s-d">`, w, h, id, id)
	fmt.Fprintf(b, `<title id="%s-t">%s</title>`, id, esc(t.Title))
	var parts []string
	for i, l := range s.labels {
		parts = append(parts, l+": "+s.text(i, t.K))
	}
	fmt.Fprintf(b, `<desc id="%s-d">%s by %s: %s.</desc>`, id, esc(strings.ToUpper(s.unit[:1])+s.unit[1:]), esc(s.axis), esc(strings.Join(parts, "; ")))
}

// barChart draws horizontal bars, one per label, the value written after
// each.
func barChart(t *Published, s series) template.HTML {
	const width, labelW, barW, rowH, top = 720, 260, 360, 26, 10
	h := top + rowH*len(s.labels) + 40
	var b strings.Builder
	svgOpen(&b, t, s, width, h)
	m := s.maxShown()
	for i, l := range s.labels {
		y := top + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" fill="#1a1a1a">%s</text>`, labelW-8, y+17, esc(shorten(l, 38)))
		x := labelW
		if !s.hidden[i] && s.values[i] > 0 {
			bw := int(float64(barW) * float64(s.values[i]) / float64(m))
			bw = max(bw, 1)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2f5d8a"/>`, labelW, y+4, bw, rowH-8)
			x += bw
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="13" fill="#1a1a1a">%s</text>`, x+6, y+17, esc(s.text(i, t.K)))
	}
	base := top + rowH*len(s.labels)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1a1a1a"/>`, labelW, top, labelW, base)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="13" fill="#1a1a1a">%s</text>`, labelW+barW/2, base+28, esc("number of "+s.unit))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// lineChart draws the values over the months, a point for each, the line
// broken where a value is hidden.
func lineChart(t *Published, s series) template.HTML {
	const width, height, left, right, top, bottom = 720, 300, 56, 16, 16, 56
	pw, ph := width-left-right, height-top-bottom
	var b strings.Builder
	svgOpen(&b, t, s, width, height)
	m := s.maxShown()
	n := len(s.labels)
	x := func(i int) int {
		if n == 1 {
			return left + pw/2
		}
		return left + i*pw/(n-1)
	}
	y := func(v int64) int { return top + ph - int(float64(ph)*float64(v)/float64(m)) }
	// Axes, with the largest value and zero on the vertical one.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1a1a1a"/>`, left, top, left, top+ph)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#1a1a1a"/>`, left, top+ph, left+pw, top+ph)
	for _, v := range []int64{0, m / 2, m} {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12" fill="#1a1a1a">%d</text>`, left-6, y(v)+4, v)
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#bbbbbb" stroke-dasharray="3 3"/>`, left, y(v), left+pw, y(v))
	}
	step := max(1, n/12)
	for i := 0; i < n; i += step {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="12" fill="#1a1a1a">%s</text>`, x(i), top+ph+18, esc(s.labels[i]))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="13" fill="#1a1a1a">%s</text>`, left+pw/2, top+ph+38, esc(s.axis))
	fmt.Fprintf(&b, `<text x="14" y="%d" text-anchor="middle" font-size="13" fill="#1a1a1a" transform="rotate(-90 14 %d)">%s</text>`, top+ph/2, top+ph/2, esc("number of "+s.unit))
	var pts []string
	hidden := 0
	flush := func() {
		if len(pts) > 1 {
			fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#2f5d8a" stroke-width="2"/>`, strings.Join(pts, " "))
		}
		pts = pts[:0]
	}
	for i := range n {
		if s.hidden[i] {
			flush()
			fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="3" fill="none" stroke="#1a1a1a"><title>%s: %s</title></circle>`, x(i), top+ph, esc(s.labels[i]), esc(s.text(i, t.K)))
			hidden++
			continue
		}
		pts = append(pts, fmt.Sprintf("%d,%d", x(i), y(s.values[i])))
		fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="3" fill="#2f5d8a"><title>%s: %d</title></circle>`, x(i), y(s.values[i]), esc(s.labels[i]), s.values[i])
	}
	flush()
	if hidden > 0 {
		fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="3" fill="none" stroke="#1a1a1a"/><text x="%d" y="%d" font-size="12" fill="#1a1a1a">%s</text>`,
			left+8, height-12, left+16, height-8, esc(fmt.Sprintf("on the axis: a month with fewer than %d, hidden", t.K)))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// shorten cuts s to n runes, with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
