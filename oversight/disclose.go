package oversight

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// DefaultK is the smallest count published as it is; smaller counts
// (but not zero) are shown as "<k".
const DefaultK = 10

// Table is one set of figures: a count per row and column.
type Table struct {
	ID       string    `json:"id"` // names the figure in URLs: "requests-by-month"
	Title    string    `json:"title"`
	RowLabel string    `json:"row_label"`
	ColLabel string    `json:"col_label"`
	Rows     []string  `json:"rows"`
	Cols     []string  `json:"cols"`
	Cells    [][]int64 `json:"-"` // the true counts, [row][col]
	Note     string    `json:"note,omitempty"`
}

// Published is a table under disclosure control: its cells and margins,
// those hidden shown as "<k".
type Published struct {
	Table
	K int `json:"k"`
	// Hidden marks each cell, row total, column total and the grand total
	// that is not published.
	Hidden      [][]bool `json:"-"`
	RowHidden   []bool   `json:"-"`
	ColHidden   []bool   `json:"-"`
	TotalHidden bool     `json:"-"`
	// The true totals; published only where not hidden.
	RowTotals []int64 `json:"-"`
	ColTotals []int64 `json:"-"`
	Total     int64   `json:"-"`
}

// Text is how a count is published: the number, or "<k" when hidden.
func (p *Published) Text(n int64, hidden bool) string {
	if hidden {
		return "<" + strconv.Itoa(p.K)
	}
	return strconv.FormatInt(n, 10)
}

// Cell is the published text of cell (i, j).
func (p *Published) Cell(i, j int) string { return p.Text(p.Cells[i][j], p.Hidden[i][j]) }

// RowTotal is the published text of row i's total.
func (p *Published) RowTotal(i int) string { return p.Text(p.RowTotals[i], p.RowHidden[i]) }

// ColTotal is the published text of column j's total.
func (p *Published) ColTotal(j int) string { return p.Text(p.ColTotals[j], p.ColHidden[j]) }

// GrandTotal is the published text of the table's total.
func (p *Published) GrandTotal() string { return p.Text(p.Total, p.TotalHidden) }

// Suppress publishes t with threshold k: every count, margins included,
// with 0 < n < k is hidden (primary suppression); then, until none is
// left, each hidden count that the published ones would determine is
// protected by hiding the smallest published count next to it
// (complementary suppression). k <= 1 hides nothing: a table for the
// oversight body itself.
//
// A table with its margins is a flow: each row total flows into its row,
// on through the cells to the columns, out through the column totals to
// the grand total and back (see network). What the published counts tell
// about the hidden ones is exactly what the flow's balance at each node
// tells; a hidden count is determined by them exactly when it is a bridge
// of the graph of hidden counts, that is when it lies on no cycle of
// hidden counts. Suppress hides counts until no hidden count is a bridge,
// choosing nonzero counts where it can: along a cycle of nonzero hidden
// counts each can move by at least one either way, so none is known.
// TestAttack checks the result with an attacker's own computation.
func Suppress(t Table, k int) *Published { return suppress(t, k, nil, nil, false) }

// suppress is Suppress with the row totals rowHidden marks, the column
// totals colHidden marks (either may be nil) and, with totalHidden, the
// grand total hidden from the start: totals that another table publishes
// hidden (see linked).
func suppress(t Table, k int, rowHidden, colHidden []bool, totalHidden bool) *Published {
	p := &Published{Table: t, K: k}
	m, n := len(t.Rows), len(t.Cols)
	p.Hidden = make([][]bool, m)
	p.RowTotals, p.ColTotals = make([]int64, m), make([]int64, n)
	p.RowHidden, p.ColHidden = make([]bool, m), make([]bool, n)
	for i := range m {
		p.Hidden[i] = make([]bool, n)
		for j := range n {
			p.RowTotals[i] += t.Cells[i][j]
			p.ColTotals[j] += t.Cells[i][j]
			p.Total += t.Cells[i][j]
		}
	}
	if k <= 1 {
		p.tie()
		return p
	}
	for i, h := range rowHidden {
		if h && len(t.Cols) == 1 {
			p.Hidden[i][0] = true // the row's total is its one cell
		} else if h {
			p.RowHidden[i] = true
		}
	}
	for j, h := range colHidden {
		if h && len(t.Rows) == 1 {
			p.Hidden[0][j] = true
		} else if h {
			p.ColHidden[j] = true
		}
	}
	p.TotalHidden = totalHidden
	net := network(p)
	small := func(v int64) bool { return v > 0 && v < int64(k) }
	for _, e := range net.edges {
		if small(e.value) {
			*e.hidden = true
		}
	}
	for {
		bridges := net.bridges()
		if len(bridges) == 0 {
			p.tie()
			return p
		}
		changed := false
		for _, b := range bridges {
			if net.protect(b) {
				changed = true
			}
		}
		if !changed {
			// Nothing published leaves the side of any bridge: the whole
			// graph is connected, so this cannot be; a broken invariant.
			panic("oversight: suppression made no progress")
		}
	}
}

// flowNet is a published table as a graph: nodes are the rows, the
// columns, R (where the row totals meet the grand total) and C (where the
// column totals do); edges are the counts.
type flowNet struct {
	nodes int
	edges []edge
}

type edge struct {
	u, v   int
	value  int64
	hidden *bool
}

// network builds the graph of p. A table of one column has no row totals
// apart from its cells, and one of one row no column totals: there the
// cell joins R (or C) directly and the total is the cell.
func network(p *Published) *flowNet {
	m, n := len(p.Rows), len(p.Cols)
	R, C := m+n, m+n+1
	g := &flowNet{nodes: m + n + 2}
	row := func(i int) int {
		if n == 1 {
			return R
		}
		return i
	}
	col := func(j int) int {
		if m == 1 {
			return C
		}
		return m + j
	}
	for i := range m {
		for j := range n {
			g.edges = append(g.edges, edge{row(i), col(j), p.Cells[i][j], &p.Hidden[i][j]})
		}
	}
	if n > 1 {
		for i := range m {
			g.edges = append(g.edges, edge{R, i, p.RowTotals[i], &p.RowHidden[i]})
		}
	}
	if m > 1 {
		for j := range n {
			g.edges = append(g.edges, edge{m + j, C, p.ColTotals[j], &p.ColHidden[j]})
		}
	}
	g.edges = append(g.edges, edge{C, R, p.Total, &p.TotalHidden})
	return g
}

// tie makes the totals of a one-column (or one-row) table follow its
// cells: they are the same counts.
func (p *Published) tie() {
	for i := range p.Rows {
		if len(p.Cols) == 1 {
			p.RowHidden[i] = p.Hidden[i][0]
		}
	}
	for j := range p.Cols {
		if len(p.Rows) == 1 {
			p.ColHidden[j] = p.Hidden[0][j]
		}
	}
	if len(p.Rows) == 1 && len(p.Cols) == 1 {
		p.TotalHidden = p.TotalHidden || p.Hidden[0][0]
		p.Hidden[0][0] = p.TotalHidden
		p.RowHidden[0], p.ColHidden[0] = p.TotalHidden, p.TotalHidden
	}
}

// bridges returns the hidden edges that lie on no cycle of hidden edges
// (Tarjan's bridge-finding over the hidden edges only).
func (g *flowNet) bridges() []int {
	adj := make([][]int, g.nodes) // edge indexes
	for i, e := range g.edges {
		if *e.hidden {
			adj[e.u] = append(adj[e.u], i)
			adj[e.v] = append(adj[e.v], i)
		}
	}
	disc, low := make([]int, g.nodes), make([]int, g.nodes)
	timer := 0
	var out []int
	var dfs func(u, via int)
	dfs = func(u, via int) {
		timer++
		disc[u], low[u] = timer, timer
		for _, ei := range adj[u] {
			if ei == via {
				continue
			}
			e := g.edges[ei]
			w := e.v
			if w == u {
				w = e.u
			}
			if disc[w] == 0 {
				dfs(w, ei)
				low[u] = min(low[u], low[w])
				if low[w] > disc[u] {
					out = append(out, ei)
				}
			} else {
				low[u] = min(low[u], disc[w])
			}
		}
	}
	for u := range g.nodes {
		if disc[u] == 0 && len(adj[u]) > 0 {
			dfs(u, -1)
		}
	}
	return out
}

// protect hides one more count so that the bridge b lies on a cycle of
// hidden counts, or comes nearer to one. Of the published counts that
// leave U, the side of b's first end once b is taken away, it hides one
// that reaches b's other side if there is one, else one at an end of b
// (the next count in its row or column), else any; nonzero before zero,
// smallest first. It reports whether it hid one.
func (g *flowNet) protect(b int) bool {
	if !*g.edges[b].hidden {
		return false // hidden already settled by an earlier protect
	}
	u, v := g.edges[b].u, g.edges[b].v
	U, V := g.side(u, b), g.side(v, b)
	if U[v] {
		return false // b is on a cycle now
	}
	best, bestRank := -1, [4]int64{}
	for i, e := range g.edges {
		if *e.hidden || U[e.u] == U[e.v] {
			continue
		}
		rank := [4]int64{1, 1, 1, e.value}
		if e.value > 0 {
			rank[0] = 0
		}
		if V[e.u] || V[e.v] {
			rank[1] = 0
		}
		if e.u == u || e.v == u || e.u == v || e.v == v {
			rank[2] = 0
		}
		if best < 0 || less(rank, bestRank) {
			best, bestRank = i, rank
		}
	}
	if best < 0 {
		return false
	}
	*g.edges[best].hidden = true
	return true
}

func less(a, b [4]int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// side is the set of nodes reachable from start over hidden edges other
// than skip.
func (g *flowNet) side(start, skip int) []bool {
	seen := make([]bool, g.nodes)
	seen[start] = true
	for changed := true; changed; {
		changed = false
		for i, e := range g.edges {
			if i == skip || !*e.hidden || seen[e.u] == seen[e.v] {
				continue
			}
			seen[e.u], seen[e.v] = true, true
			changed = true
		}
	}
	return seen
}

// WriteCSV writes the table as published: a header row (the rows' label,
// each column, "total"), a row per row with its total, and a "total" row;
// hidden counts as "<k".
func (p *Published) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := append([]string{p.RowLabel}, p.Cols...)
	rows := [][]string{append(header, "total")}
	for i, name := range p.Rows {
		row := []string{name}
		for j := range p.Cols {
			row = append(row, p.Cell(i, j))
		}
		rows = append(rows, append(row, p.RowTotal(i)))
	}
	total := []string{"total"}
	for j := range p.Cols {
		total = append(total, p.ColTotal(j))
	}
	rows = append(rows, append(total, p.GrandTotal()))
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write %s as CSV: %w", p.ID, err)
	}
	return nil
}

// linked publishes two tables that share a margin: the totals of a's
// columns are the totals of b's rows, by name, and their grand totals are
// the same (requests by month and kind,
// and by kind and form, both give the requests of each kind). A total
// hidden in one is hidden in the other too, and both are suppressed again
// until they agree: otherwise one table would publish what the other
// hides, and the attacker would add it to the other's equations.
func linked(a, b Table, k int) (*Published, *Published) {
	pa, pb := Suppress(a, k), Suppress(b, k)
	if k <= 1 {
		return pa, pb
	}
	colOf := map[string]int{}
	for j, c := range a.Cols {
		colOf[c] = j
	}
	for {
		aCols, bRows := slices.Clone(pa.ColHidden), slices.Clone(pb.RowHidden)
		for i, r := range b.Rows {
			if j, ok := colOf[r]; ok && aCols[j] != bRows[i] {
				aCols[j], bRows[i] = true, true
			}
		}
		// The grand totals are the same count too.
		total := pa.TotalHidden || pb.TotalHidden
		if slices.Equal(aCols, pa.ColHidden) && slices.Equal(bRows, pb.RowHidden) && total == pa.TotalHidden && total == pb.TotalHidden {
			return pa, pb
		}
		pa, pb = suppress(a, k, nil, aCols, total), suppress(b, k, bRows, nil, total)
	}
}
