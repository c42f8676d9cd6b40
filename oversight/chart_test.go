package oversight

import (
	"strings"
	"testing"
)

func TestChart(t *testing.T) {
	bars := Suppress(Table{ID: TableHolds, Title: "Holds <by length>", RowLabel: "length", ColLabel: "count",
		Rows: []string{"short", "mid", "long", "none"}, Cols: []string{"holds"}, Cells: [][]int64{{40}, {25}, {3}, {0}}}, 10)
	svg := string(Chart(bars))
	for _, want := range []string{`role="img"`, `<title id="chart-holds-t">Holds &lt;by length&gt;</title>`,
		`<desc id="chart-holds-d">Holds by length: short: 40; mid: &lt;10; long: &lt;10; none: 0.</desc>`, ">&lt;10</text>", ">40</text>", "number of holds"} {
		if !strings.Contains(svg, want) {
			t.Errorf("Chart(holds) lacks %q:\n%s", want, svg)
		}
	}
	// The mid row is hidden too (else the total would give the long one
	// away), and no bar is drawn for a hidden count.
	if got := strings.Count(svg, "<rect"); got != 1 {
		t.Errorf("Chart(holds) draws %d bars, want 1: the others are hidden or zero", got)
	}

	line := Suppress(Table{ID: TableRequestsByMonth, Title: "Requests", RowLabel: "month", ColLabel: "kind",
		Rows: []string{"2024-01", "2024-02", "2024-03"}, Cols: []string{"detainer"}, Cells: [][]int64{{20}, {2}, {30}}}, 10)
	svg = string(Chart(line))
	if strings.Count(svg, `<circle`) != 4 || !strings.Contains(svg, "<title>2024-02: &lt;10</title>") || !strings.Contains(svg, "a month with fewer than 10, hidden") {
		t.Errorf("Chart(requests by month): want a point per month, the hidden one on the axis, and its legend:\n%s", svg)
	}
}
