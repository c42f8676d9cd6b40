package desk_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/packs"
)

// TestSimulateAsDecidingEach: over generated histories (the demo's
// generator, two seeds), a simulation finds exactly what deciding each
// stored decision again under the proposal, one at a time, finds
// (desk.Redecide, the path of `log verify --redecide`): the same changed
// decisions with the same answers, and the same counts by action and
// outcome; and it finds them with today's law under the stored pack set
// (today's answers read from the store) and under another one (decided
// again).
func TestSimulateAsDecidingEach(t *testing.T) {
	if testing.Short() {
		t.Skip("generates histories")
	}
	ctx := context.Background()
	prop := proposal(t)
	for _, seed := range []uint64{3, 41} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			e := newEnv(t)
			res := generateHistory(t, e.store, e.set, seed, 300)
			var boston string
			for _, a := range res.Agencies {
				if a.Jurisdiction == "us/ma/boston" {
					boston = a.ID
				}
			}
			if boston == "" {
				t.Fatalf("no Boston agency among %+v", res.Agencies)
			}

			// Each decision on its own: the stored answers are today's
			// (the history was made with today's law), and the proposal's
			// differences are the proposal's answers.
			if rep, err := desk.Redecide(ctx, e.store, e.set); err != nil || len(rep.Differences) != 0 {
				t.Fatalf("Redecide with today's law: %v, %d differences", err, len(rep.Differences))
			}
			rep, err := desk.Redecide(ctx, e.store, prop)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]desk.Difference{}
			for _, d := range rep.Differences {
				if !law.SameAnswer(&d.Stored, &d.Now) {
					want[d.Decision] = d
				}
			}
			if len(want) == 0 {
				t.Fatal("the proposal changes no decision of the history: the test would show nothing")
			}
			// Counts of Boston's decisions, stored outcome → proposal's.
			wantCounts := map[string]int{}
			_, err = liaison.Each(ctx, e.store, liaison.Filter{Kind: liaison.KindDecision, Agency: boston}, 0, func(dr liaison.DecisionRecord, _ int64) {
				to := dr.Decision.Outcome
				if d, ok := want[dr.ID]; ok {
					to = d.Now.Outcome
				}
				wantCounts[fmt.Sprint(dr.Action, " ", dr.Decision.Outcome, " ", to)]++
			})
			if err != nil {
				t.Fatal(err)
			}

			other, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()}, law.Layer{Name: "zz", FS: os.DirFS("../law/testdata/layers/city")})
			if err != nil {
				t.Fatal(err)
			}
			for _, today := range []struct {
				name string
				set  *law.Set
			}{{"stored", e.set}, {"another pack set", other}} {
				for _, opt := range []desk.SimulateOptions{{}, {Agency: boston}, {Agency: boston, Workers: 1}} {
					sim, err := desk.Simulate(ctx, e.store, today.set, prop, opt)
					if err != nil {
						t.Fatal(err)
					}
					where := fmt.Sprintf("today's law %s, agency %q, %d workers", today.name, opt.Agency, opt.Workers)
					var got []string
					for _, c := range sim.Changes {
						got = append(got, c.Decision)
						w, ok := want[c.Decision]
						if !ok {
							t.Errorf("%s: Simulate changes %s (%s, %s → %s), deciding it alone does not", where, c.Decision, c.Action, c.From.Outcome, c.To.Outcome)
							continue
						}
						if c.From.Outcome != w.Stored.Outcome || c.To.Outcome != w.Now.Outcome || c.To.Explanation == "" || c.From.Explanation == "" ||
							!law.SameAnswer(&c.To, &w.Now) || !law.SameAnswer(&c.From, &w.Stored) {
							t.Errorf("%s: %s %s → %s, deciding it alone %s → %s", where, c.Decision, c.From.Outcome, c.To.Outcome, w.Stored.Outcome, w.Now.Outcome)
						}
					}
					if len(got) != len(want) {
						t.Errorf("%s: Simulate changes %d decisions, deciding each alone %d", where, len(got), len(want))
					}
					if !slices.IsSortedFunc(sim.Changes, func(a, b desk.SimChange) int { return a.AsOf.Compare(b.AsOf) }) {
						t.Errorf("%s: changes not in order of as_of", where)
					}
					if opt.Agency == "" {
						continue // the counts are Boston's: the other agencies' law is the same under the proposal
					}
					gotCounts := map[string]int{}
					for _, c := range sim.Counts {
						gotCounts[fmt.Sprint(c.Action, " ", c.From, " ", c.To)] += c.N
					}
					if fmt.Sprint(gotCounts) != fmt.Sprint(wantCounts) {
						t.Errorf("%s: counts\n%v\nwant\n%v", where, gotCounts, wantCounts)
					}
				}
			}
		})
	}
}
