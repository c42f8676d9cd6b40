package web

import (
	"strconv"
	"strings"

	"liaison"
	"liaison/desk"
)

// simChart is the simulate page's bar chart, drawn on the server as SVG:
// for each action, a bar of today's outcomes and one of the proposal's,
// each split by outcome, on one scale. The counts table beside it holds
// the same figures as text.
type simChart struct {
	Width, Height int
	Bars          []simBar
	Legend        []simSwatch
	LegendY       int
}

// A simBar is one action's decisions under one of the two sets.
type simBar struct {
	Y, TextY int
	Label    string
	Segs     []simSeg
	Total    int
}

// A simSeg is the decisions of one outcome in a bar.
type simSeg struct {
	X, W, TextX int
	Outcome     liaison.Outcome
	N           int
	Fill        string
	// Labelled is true when the segment is wide enough to show its count.
	Labelled bool
}

// A simSwatch is an outcome's colour in the legend.
type simSwatch struct {
	X       int
	Outcome liaison.Outcome
	Fill    string
}

// outcomeFills are the outcomes' colours: dark enough for white text
// (WCAG AA), in the order the bars stack them.
var outcomeFills = []struct {
	o    liaison.Outcome
	fill string
}{
	{liaison.Required, "#0a5c2f"},
	{liaison.Permitted, "#1f6f8b"},
	{liaison.Forbidden, "#8a1111"},
	{liaison.Conflict, "#7a3e00"},
	{liaison.Undetermined, "#3b3f98"},
}

// The chart's geometry, in pixels.
const (
	chartLabelW = 240 // the labels' column
	chartBarW   = 480 // the longest bar
	chartBarH   = 20
	chartGap    = 4  // between an action's two bars
	chartGroup  = 14 // between actions
)

// chartOf draws counts: for each action, today's outcomes and the
// proposal's. Nil when there is nothing to draw.
func chartOf(counts []desk.SimCount) *simChart {
	type tally struct {
		action          liaison.Action
		today, proposal map[liaison.Outcome]int
		total           int
	}
	var actions []*tally
	for _, c := range counts {
		if len(actions) == 0 || actions[len(actions)-1].action != c.Action {
			actions = append(actions, &tally{action: c.Action, today: map[liaison.Outcome]int{}, proposal: map[liaison.Outcome]int{}})
		}
		t := actions[len(actions)-1]
		t.today[c.From] += c.N
		t.proposal[c.To] += c.N
		t.total += c.N
	}
	top := 0
	for _, t := range actions {
		top = max(top, t.total)
	}
	if top == 0 {
		return nil
	}
	ch := &simChart{Width: chartLabelW + chartBarW + 60}
	y := 0
	bar := func(label string, by map[liaison.Outcome]int, total int) {
		b := simBar{Y: y, TextY: y + chartBarH - 6, Label: label, Total: total}
		x := chartLabelW
		for _, of := range outcomeFills {
			n := by[of.o]
			if n == 0 {
				continue
			}
			w := max(1, n*chartBarW/top)
			b.Segs = append(b.Segs, simSeg{X: x, W: w, TextX: x + 4, Outcome: of.o, N: n, Fill: of.fill, Labelled: w >= 8*len(strconv.Itoa(n))+8})
			x += w
		}
		ch.Bars = append(ch.Bars, b)
		y += chartBarH + chartGap
	}
	for _, t := range actions {
		name := strings.ReplaceAll(string(t.action), "_", " ")
		bar(name+", today", t.today, t.total)
		bar(name+", proposal", t.proposal, t.total)
		y += chartGroup - chartGap
	}
	ch.LegendY = y + 4
	for i, of := range outcomeFills {
		ch.Legend = append(ch.Legend, simSwatch{X: i * 140, Outcome: of.o, Fill: of.fill})
	}
	ch.Height = ch.LegendY + chartBarH + 4
	return ch
}
