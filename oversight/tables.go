package oversight

import (
	"maps"
	"slices"
	"time"
)

// Scope selects the counts a set of tables is made of: one agency (empty:
// all), and the months From to To, both included ("2006-01"; empty: no
// bound).
type Scope struct {
	Agency   string
	From, To string
}

func (sc Scope) holds(k Key) bool {
	return (sc.Agency == "" || k.Agency == sc.Agency) &&
		(sc.From == "" || k.Month >= sc.From) && (sc.To == "" || k.Month <= sc.To)
}

// The tables' ids, as URLs name them.
const (
	TableRequestsByMonth = "requests-by-month"
	TableRequestsByForm  = "requests-by-form"
	TableDecisions       = "decisions"
	TableActions         = "actions"
	TableHolds           = "holds"
	TableTransfers       = "transfers"
	TableDuties          = "duties"
)

// TableIDs lists the dashboard's tables in the order shown.
var TableIDs = []string{TableRequestsByMonth, TableRequestsByForm, TableDecisions, TableActions, TableHolds, TableTransfers, TableDuties}

// Fixed orders of some rows and columns; values not listed follow, sorted.
var (
	outcomeOrder = []string{"required", "permitted", "forbidden", "conflict", "undetermined"}
	actionCols   = []string{ActionCarriedOut, ActionOverride, ActionRefused, ActionNeedsFacts, ActionFailed}
	dutyCols     = []string{DutyOnTime, DutyLate}
)

// grid collects counts into a table by row and column.
type grid struct {
	cells      map[[2]string]int64
	rows, cols map[string]bool
}

func newGrid() *grid {
	return &grid{cells: map[[2]string]int64{}, rows: map[string]bool{}, cols: map[string]bool{}}
}

func (g *grid) add(row, col string, n int64) {
	g.cells[[2]string{row, col}] += n
	g.rows[row], g.cols[col] = true, true
}

// table makes t from the grid: rows and columns in the order given, then
// the rest sorted.
func (g *grid) table(t Table, rowOrder, colOrder []string) Table {
	t.Rows = ordered(g.rows, rowOrder)
	t.Cols = ordered(g.cols, colOrder)
	t.Cells = make([][]int64, len(t.Rows))
	for i, r := range t.Rows {
		t.Cells[i] = make([]int64, len(t.Cols))
		for j, c := range t.Cols {
			t.Cells[i][j] = g.cells[[2]string{r, c}]
		}
	}
	return t
}

// ordered is first, then the other keys of set sorted. With fixed set,
// every value of first is kept even when set has none of it.
func ordered(set map[string]bool, first []string) []string {
	out := slices.Clone(first)
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if !slices.Contains(first, k) {
			out = append(out, k)
		}
	}
	return out
}

// Tables returns the dashboard's tables over sc, in TableIDs order. Tables
// by month list every month from sc.From (or the first with a count) to
// sc.To (or the last with one).
func (s *Summary) Tables(sc Scope) []Table {
	grids := map[string]*grid{}
	for _, id := range TableIDs {
		grids[id] = newGrid()
	}
	first, last := sc.From, sc.To
	for k, n := range s.Counts {
		if !sc.holds(k) {
			continue
		}
		switch k.Figure {
		case FigRequests:
			grids[TableRequestsByMonth].add(k.Month, k.Row, n)
			grids[TableRequestsByForm].add(k.Row, k.Col, n)
			if first == "" || k.Month < first {
				first = k.Month
			}
			if last == "" || k.Month > last {
				last = k.Month
			}
		case FigDecisions:
			grids[TableDecisions].add(k.Row, k.Col, n)
		case FigActions:
			grids[TableActions].add(k.Row, k.Col, n)
		case FigHolds:
			grids[TableHolds].add(k.Row, "holds", n)
		case FigTransfers:
			grids[TableTransfers].add(k.Row, k.Month[:4], n)
		case FigDuties:
			grids[TableDuties].add(k.Row, k.Col, n)
		}
	}
	var holdRows []string
	for _, b := range HoldBins {
		holdRows = append(holdRows, b.Label)
	}
	return []Table{
		grids[TableRequestsByMonth].table(Table{ID: TableRequestsByMonth, Title: "Requests received, by month and kind",
			RowLabel: "month", ColLabel: "kind"}, months(first, last), nil),
		grids[TableRequestsByForm].table(Table{ID: TableRequestsByForm, Title: "Requests received, by kind and form",
			RowLabel: "kind", ColLabel: "form"}, nil, nil),
		grids[TableDecisions].table(Table{ID: TableDecisions, Title: "Decisions, by action and outcome",
			RowLabel: "action", ColLabel: "outcome", Note: "Every decision recorded: at intake, again when the action was taken, and again when facts were added."}, nil, outcomeOrder),
		grids[TableActions].table(Table{ID: TableActions, Title: "Actions carried out, refused or overridden",
			RowLabel: "action", ColLabel: "result"}, nil, actionCols),
		grids[TableHolds].table(Table{ID: TableHolds, Title: "Holds past the scheduled release, by length",
			RowLabel: "length", ColLabel: "count", Note: "Time in custody after the scheduled release, counted in the month the custody ended."}, holdRows, []string{"holds"}),
		grids[TableTransfers].table(Table{ID: TableTransfers, Title: "Hand-overs to federal custody, by the offence that allowed them",
			RowLabel: "offence category", ColLabel: "year", Note: "A hold or a transfer carried out; the category is the first of the person's convictions (or else pending charges) as recorded with the request, or a judicial warrant."}, nil, nil),
		grids[TableDuties].table(Table{ID: TableDuties, Title: "Duties with a deadline, met on time or late",
			RowLabel: "duty (citation)", ColLabel: "result"}, nil, dutyCols),
	}
}

// months lists the months from first to last, both included.
func months(first, last string) []string {
	a, err1 := time.Parse("2006-01", first)
	b, err2 := time.Parse("2006-01", last)
	if err1 != nil || err2 != nil {
		return nil
	}
	var out []string
	for m := a; !m.After(b); m = m.AddDate(0, 1, 0) {
		out = append(out, m.Format("2006-01"))
	}
	return out
}
