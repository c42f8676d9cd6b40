package desk_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// TestSimulateMemoFacts: Boston detainers of people with felony and
// misdemeanor convictions of several ages, under a proposal that permits
// a detainer for a felony conviction of the last 3 years (today: of the
// last 10): what changes depends on each conviction's kind and date
// (the facts, and a time read through years_between), so a memoized
// simulation that took one person's answer for another's, or one day's
// for another's, would differ from deciding each (SimulateOptions.Plain).
func TestSimulateMemoFacts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.desk(t)
	boston, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Boston PD", Jurisdiction: "us/ma/boston", Type: "police"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range 3 {
		for _, level := range []liaison.Level{"felony", "misdemeanor"} {
			for _, years := range []int{1, 2, 4, 8, 12} {
				in := detainer(boston.ID, fmt.Sprint("r", n), "honor_detainer")
				in.Subject.Convictions = []liaison.Offense{{Offense: "assault", Jurisdiction: "us/ma", Level: level,
					Date: e.clock.Now().AddDate(-years, 0, -10).Truncate(24 * time.Hour)}}
				if _, err := d.Intake(ctx, clerk, in); err != nil {
					t.Fatal(err)
				}
				n++
			}
		}
		e.clock.Add(400 * 24 * time.Hour)
	}
	prop := stateProposals(t)["boston-lookback"]
	want, err := desk.Simulate(ctx, e.store, e.set, prop, desk.SimulateOptions{Plain: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := desk.Simulate(ctx, e.store, e.set, prop, desk.SimulateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want.Changed == 0 || want.Changed == want.Decided {
		t.Fatalf("the proposal changes %d of %d decided: the test would show nothing", want.Changed, want.Decided)
	}
	if got.Inputs == 0 {
		t.Errorf("the memoized simulation decided no inputs")
	}
	t.Logf("%d decisions, %d decided, %d inputs, %d changed", got.Decisions, got.Decided, got.Inputs, got.Changed)
	got.Inputs = 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("memoized: %d decided, %d changed, counts %v\nplain: %d, %d, %v", got.Decided, got.Changed, got.Counts, want.Decided, want.Changed, want.Counts)
	}
}
