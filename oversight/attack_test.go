package oversight

import (
	crand "crypto/rand"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"liaison/desk"
	"liaison/history"
	"liaison/law"
	"liaison/packs"
	"liaison/sqlite"
)

// An attacker's view of a published table: the hidden counts are unknowns
// x >= 0, and every published row total, column total and grand total is
// an equation (a row's cells add up to its total; the row totals, and the
// column totals, add up to the grand total). The attacker knows one
// solution exists; a hidden count whose value is the same in every
// solution is recovered.
//
// The equations are those of a circulation (each row total flows into its
// row, through its cells to the columns, through the column totals to the
// grand total and back), written here from the table, apart from the
// product's own graph. Given the true counts as one feasible solution, a
// hidden count x can grow iff the residual graph has a path back from its
// head to its tail, and shrink iff x > 0 and there is a path from its head
// to its tail the other way round: an exact test, as the equations of a
// flow have only integral vertices.
type attackArc struct {
	from, to int
	value    int64
	hidden   bool
	name     string
}

func attackArcs(p *Published) (arcs []attackArc, nodes int) {
	m, n := len(p.Rows), len(p.Cols)
	R, C := m+n, m+n+1
	for i := range m {
		arcs = append(arcs, attackArc{R, i, p.RowTotals[i], p.RowHidden[i], fmt.Sprintf("row total %q", p.Rows[i])})
		for j := range n {
			arcs = append(arcs, attackArc{i, m + j, p.Cells[i][j], p.Hidden[i][j], fmt.Sprintf("cell (%q, %q)", p.Rows[i], p.Cols[j])})
		}
	}
	for j := range n {
		arcs = append(arcs, attackArc{m + j, C, p.ColTotals[j], p.ColHidden[j], fmt.Sprintf("column total %q", p.Cols[j])})
	}
	arcs = append(arcs, attackArc{C, R, p.Total, p.TotalHidden, "grand total"})
	return arcs, m + n + 2
}

// recovered lists the hidden counts of p that its published counts
// determine.
func recovered(p *Published) []string {
	arcs, nodes := attackArcs(p)
	// reach reports whether to is reachable from from in the residual
	// graph without the arc skip: hidden arcs forward always, backward
	// while their value is above zero.
	reach := func(from, to, skip int) bool {
		seen := make([]bool, nodes)
		stack := []int{from}
		seen[from] = true
		for len(stack) > 0 {
			x := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if x == to {
				return true
			}
			for i, a := range arcs {
				if i == skip || !a.hidden {
					continue
				}
				if a.from == x && !seen[a.to] {
					seen[a.to] = true
					stack = append(stack, a.to)
				}
				if a.to == x && a.value > 0 && !seen[a.from] {
					seen[a.from] = true
					stack = append(stack, a.from)
				}
			}
		}
		return false
	}
	var out []string
	for i, a := range arcs {
		if !a.hidden {
			continue
		}
		grow := reach(a.to, a.from, i)
		shrink := a.value > 0 && reach(a.from, a.to, i)
		if !grow && !shrink {
			out = append(out, fmt.Sprintf("%s = %d", a.name, a.value))
		}
	}
	return out
}

// checkNoneRecovered fails t if any hidden count of p can be recovered,
// or if a count below k (not zero) is published.
func checkNoneRecovered(t *testing.T, p *Published) {
	t.Helper()
	if r := recovered(p); len(r) > 0 {
		t.Errorf("table %s (k=%d): recovered %d hidden counts, e.g. %v", p.ID, p.K, len(r), r[:min(3, len(r))])
	}
	arcs, _ := attackArcs(p)
	for _, a := range arcs {
		if !a.hidden && a.value > 0 && a.value < int64(p.K) {
			t.Errorf("table %s: %s = %d is published, below k=%d", p.ID, a.name, a.value, p.K)
		}
	}
}

// naive hides the small cells only, with no complementary suppression.
func naive(t Table, k int) *Published {
	p := Suppress(t, 0)
	p.K = k
	for i := range p.Rows {
		for j := range p.Cols {
			p.Hidden[i][j] = p.Cells[i][j] > 0 && p.Cells[i][j] < int64(k)
		}
		p.RowHidden[i] = p.RowTotals[i] > 0 && p.RowTotals[i] < int64(k)
	}
	for j := range p.Cols {
		p.ColHidden[j] = p.ColTotals[j] > 0 && p.ColTotals[j] < int64(k)
	}
	p.TotalHidden = p.Total > 0 && p.Total < int64(k)
	p.tie()
	return p
}

func table(id string, cells [][]int64) Table {
	t := Table{ID: id, Cells: cells}
	for i := range cells {
		t.Rows = append(t.Rows, fmt.Sprint("r", i))
	}
	for j := range cells[0] {
		t.Cols = append(t.Cols, fmt.Sprint("c", j))
	}
	return t
}

func TestAttackNaiveFails(t *testing.T) {
	// One small cell in a row: its total minus the others gives it away.
	p := naive(table("one-small", [][]int64{{3, 40, 50}, {20, 30, 60}}), 10)
	if r := recovered(p); len(r) == 0 {
		t.Fatalf("recovered(naive) = nothing, want the cell (r0, c0) = 3")
	}
	checkNoneRecovered(t, Suppress(p.Table, 10))
}

func TestAttackRandomTables(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	naiveLeaks := 0
	for n := range 400 {
		rows, cols := 1+rnd.IntN(8), 1+rnd.IntN(6)
		cells := make([][]int64, rows)
		for i := range cells {
			cells[i] = make([]int64, cols)
			for j := range cells[i] {
				switch rnd.IntN(4) {
				case 0:
					cells[i][j] = 0
				case 1:
					cells[i][j] = 1 + rnd.Int64N(9)
				default:
					cells[i][j] = rnd.Int64N(200)
				}
			}
		}
		tb := table(fmt.Sprint("random-", n), cells)
		k := 2 + rnd.IntN(20)
		if len(recovered(naive(tb, k))) > 0 {
			naiveLeaks++
		}
		checkNoneRecovered(t, Suppress(tb, k))
	}
	if naiveLeaks == 0 {
		t.Errorf("naive suppression leaked in none of 400 random tables: the attack finds nothing")
	}
	t.Logf("naive suppression leaked in %d of 400 random tables", naiveLeaks)
}

// TestAttackDemoData attacks every table of a generated history, overall
// and per agency, over all time and each year, at k = 10 and k = 5; and
// checks that naive suppression of the same tables leaks.
func TestAttackDemoData(t *testing.T) {
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "demo.db"), sqlite.WithSynchronous("NORMAL"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sealer, err := desk.NewSealer(make([]byte, 32), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	res, err := history.Generate(t.Context(), history.Config{Store: store, Law: set, Sealer: sealer,
		Options: history.Options{Seed: 7, Now: time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC), Cases: 400}})
	if err != nil {
		t.Fatal(err)
	}
	z := NewSummarizer(store)
	scopes := []Scope{{}}
	for _, a := range res.Agencies {
		scopes = append(scopes, Scope{Agency: a.ID})
	}
	for y := 2012; y <= 2026; y += 3 {
		scopes = append(scopes, Scope{From: fmt.Sprintf("%d-01", y), To: fmt.Sprintf("%d-12", y)},
			Scope{Agency: res.Agencies[0].ID, From: fmt.Sprintf("%d-01", y), To: fmt.Sprintf("%d-12", y)})
	}
	tables, hidden, leaks := 0, 0, 0
	for _, sc := range scopes {
		for _, k := range []int{5, 10} {
			f, err := z.Figures(t.Context(), sc, k)
			if err != nil {
				t.Fatal(err)
			}
			if m, fm := f.Table(TableRequestsByMonth), f.Table(TableRequestsByForm); !slices.Equal(m.Cols, fm.Rows) || !agree(m, fm) {
				t.Errorf("scope %+v, k=%d: requests by month and by form hide different totals by kind: %v %v, %v %v", sc, k, m.Cols, m.ColHidden, fm.Rows, fm.RowHidden)
			}
			for _, p := range f.Tables {
				checkNoneRecovered(t, p)
				tables++
				for i := range p.Rows {
					for j := range p.Cols {
						if p.Hidden[i][j] {
							hidden++
						}
					}
				}
				if len(recovered(naive(p.Table, k))) > 0 {
					leaks++
				}
			}
		}
	}
	t.Logf("%d tables, %d hidden cells, none recovered; naive suppression leaks in %d tables", tables, hidden, leaks)
	if hidden == 0 || leaks == 0 {
		t.Errorf("the demo's tables hide %d cells and naive suppression leaks in %d: the test attacks nothing", hidden, leaks)
	}
}

// TestLinked: two tables that share a margin (the totals of a's columns
// are b's row totals) hide the same totals, and each still withstands the
// attack; suppressed apart, they often disagree, which hands the attacker
// a total one of them hides.
func TestLinked(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	apart := 0
	for n := range 300 {
		months, kinds, forms := 2+rnd.IntN(8), 1+rnd.IntN(4), 1+rnd.IntN(3)
		a := make([][]int64, months)
		totals := make([]int64, kinds)
		for i := range a {
			a[i] = make([]int64, kinds)
			for j := range a[i] {
				if rnd.IntN(3) > 0 {
					a[i][j] = rnd.Int64N(40)
				}
				totals[j] += a[i][j]
			}
		}
		b := make([][]int64, kinds)
		for i := range b {
			b[i] = make([]int64, forms)
			left := totals[i]
			for j := range forms - 1 {
				b[i][j] = rnd.Int64N(left + 1)
				left -= b[i][j]
			}
			b[i][forms-1] = left
		}
		ta, tb := table(fmt.Sprint("a-", n), a), table(fmt.Sprint("b-", n), b)
		tb.Rows = ta.Cols
		k := 5 + rnd.IntN(10)
		if !agree(Suppress(ta, k), Suppress(tb, k)) {
			apart++
		}
		pa, pb := linked(ta, tb, k)
		if !agree(pa, pb) {
			t.Errorf("linked(%s, %s): the totals by kind are hidden in one and published in the other: %v, %v", ta.ID, tb.ID, pa.ColHidden, pb.RowHidden)
		}
		checkNoneRecovered(t, pa)
		checkNoneRecovered(t, pb)
	}
	if apart == 0 {
		t.Errorf("suppressed apart, the 300 pairs never disagree: the test tests nothing")
	}
	t.Logf("suppressed apart, %d of 300 pairs disagree on a shared total", apart)
}

// agree reports whether a's column totals and b's row totals, and their
// grand totals, the same counts, are hidden alike.
func agree(a, b *Published) bool {
	if a.TotalHidden != b.TotalHidden {
		return false
	}
	for j := range a.Cols {
		if a.ColHidden[j] != b.RowHidden[j] {
			return false
		}
	}
	return true
}
