package desk_test

import (
	"context"
	"math"
	"reflect"
	"testing"

	"liaison"
	"liaison/desk"
)

// TestSimulateMemoReaders: with an agency's pages read by several
// goroutines (SimulateOptions.Workers: each replays the pages it takes,
// the inputs decided shared between them), a history of several pages an
// agency finds exactly the Simulation of one reader, its inputs counted
// once, and of the plain replay; with every replay string read only when
// a page names it too.
func TestSimulateMemoReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	ctx := context.Background()
	e := newEnv(t)
	generateHistory(t, e.store, e.set, 3, 2500)
	if err := desk.FillReplay(ctx, e.store); err != nil {
		t.Fatal(err)
	}
	pages := map[string]int{}
	if err := e.store.ReplayPages(ctx, "", math.MinInt64, math.MaxInt64, func(p *liaison.ReplayPage) error {
		pages[p.Agency]++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	least := math.MaxInt
	for _, n := range pages {
		least = min(least, n)
	}
	if len(pages) < 3 || least < 2 {
		t.Fatalf("pages by agency %v: want three agencies of 2 pages or more, or the readers share no agency's pages", pages)
	}
	proposals := stateProposals(t)
	proposals["boston-without-2019"] = proposal(t)
	for name, prop := range proposals {
		one, err := desk.Simulate(ctx, e.store, e.set, prop, desk.SimulateOptions{Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		if one.Decided == 0 {
			t.Errorf("%s: no decision decided under the proposal: the test would show nothing", name)
		}
		for _, workers := range []int{2, 3, 5} {
			// And with every string read as the pages need it (the
			// actions, outcomes and zones too).
			for k, opt := range []desk.SimulateOptions{{Workers: workers}, desk.AllStringsLong(desk.SimulateOptions{Workers: workers})} {
				got, err := desk.Simulate(ctx, e.store, e.set, prop, opt)
				if err != nil {
					t.Fatal(err)
				}
				if k == 1 && got.Inputs >= one.Inputs {
					// Today's pack set unknown at the start, every row
					// is decided again: more inputs, the same answers.
					got.Inputs = one.Inputs
				}
				if !reflect.DeepEqual(got, one) {
					t.Errorf("%s, %+v: %d decisions, %d decided, %d inputs, %d changed, counts %v\none reader: %d, %d, %d, %d, counts %v",
						name, opt, got.Decisions, got.Decided, got.Inputs, got.Changed, got.Counts,
						one.Decisions, one.Decided, one.Inputs, one.Changed, one.Counts)
				}
			}
		}
		if name != "boston-lookback" {
			continue // the plain replay is slow: the one whose answers depend on each conviction's date
		}
		want, err := desk.Simulate(ctx, e.store, e.set, prop, desk.SimulateOptions{Plain: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := desk.Simulate(ctx, e.store, e.set, prop, desk.SimulateOptions{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		got.Inputs = 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s, 2 readers: %d decisions, %d decided, %d changed, counts %v\nplain %d, %d, %d, counts %v",
				name, got.Decisions, got.Decided, got.Changed, got.Counts, want.Decisions, want.Decided, want.Changed, want.Counts)
		}
		t.Logf("%s: %d decisions, %d decided, %d inputs, %d changed, pages %v", name, got.Decisions, got.Decided, one.Inputs, got.Changed, pages)
	}
}
