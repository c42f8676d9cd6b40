package desk_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"liaison/desk"
	"liaison/law"
	"liaison/packs"
)

// stateProposal returns the bundled packs with one pack file of a state
// amended by replacing old with new in it (each must occur).
func stateProposal(t testing.TB, file string, edits ...string) *law.Set {
	t.Helper()
	src, err := fs.ReadFile(packs.FS(), file)
	if err != nil {
		t.Fatal(err)
	}
	amended := string(src)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(amended, edits[i]) {
			t.Fatalf("%s has no %q to amend", file, edits[i])
		}
		amended = strings.ReplaceAll(amended, edits[i], edits[i+1])
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(file)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(amended), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()}, law.Layer{Name: "state", FS: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stateProposals: Texas's detainer duty (SB 4) a permission, not a
// duty; California's TRUST Act with longer look-back periods for
// convictions (its rules read the facts' dates against as_of); and
// Boston's Trust Act with a felony conviction's look-back of 3 years, not
// 10, which the generated convictions (one to ten years old) straddle:
// what it changes depends on each conviction's date and kind.
func stateProposals(t testing.TB) map[string]*law.Set {
	return map[string]*law.Set{
		"tx-sb4-permits":  stateProposal(t, "us/tx/detainer-duty.yaml", "effect: require", "effect: permit"),
		"ca-lookback":     stateProposal(t, "us/ca/trust-act.yaml", "as_of) < 15", "as_of) < 40", "as_of) < 5", "as_of) < 30"),
		"boston-lookback": stateProposal(t, "us/ma/boston/trust-act.yaml", "years_between(c.date, as_of) < 10", "years_between(c.date, as_of) < 3"),
	}
}

// TestSimulateMemoExact: over generated histories (the demo's generator,
// two seeds), the memoized simulation from the replay rows finds exactly
// the Simulation of the plain one, which decides every stored decision
// from its records (SimulateOptions.Plain): the same counts, the same
// changed decisions in the same order with the same explanations, under
// a city's proposal and a state's whose rules read the dates of the
// facts, with today's law under the stored pack set and under another.
// And it decides fewer inputs than there are decisions.
func TestSimulateMemoExact(t *testing.T) {
	if testing.Short() {
		t.Skip("generates histories")
	}
	ctx := context.Background()
	other, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()}, law.Layer{Name: "zz", FS: os.DirFS("../law/testdata/layers/city")})
	if err != nil {
		t.Fatal(err)
	}
	proposals := stateProposals(t)
	proposals["boston-without-2019"] = proposal(t)
	for _, seed := range []uint64{5, 77} {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			e := newEnv(t)
			generateHistory(t, e.store, e.set, seed, 400)
			for name, prop := range proposals {
				for _, today := range []*law.Set{e.set, other} {
					for _, opt := range []desk.SimulateOptions{{}, {From: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}} {
						where := fmt.Sprintf("%s, today's pack set %s, from %v", name, today.Hash()[:8], opt.From)
						plainOpt := opt
						plainOpt.Plain = true
						want, err := desk.Simulate(ctx, e.store, today, prop, plainOpt)
						if err != nil {
							t.Fatal(err)
						}
						got, err := desk.Simulate(ctx, e.store, today, prop, opt)
						if err != nil {
							t.Fatal(err)
						}
						if want.Changed == 0 && opt.From.IsZero() && name != "ca-lookback" {
							t.Errorf("%s: the proposal changes nothing: the test would show nothing", where)
						}
						if got.Decided > 0 && (got.Inputs == 0 || got.Inputs >= got.Decisions) {
							t.Errorf("%s: %d inputs decided for %d decisions, want some, fewer", where, got.Inputs, got.Decisions)
						}
						// Explaining the first 3 changes only: those are the
						// same, the others carry their outcomes and decisive
						// rules, unexplained.
						few := opt
						few.ExplainFirst = 3
						part, err := desk.Simulate(ctx, e.store, today, prop, few)
						if err != nil {
							t.Fatal(err)
						}
						if len(part.Changes) != len(want.Changes) || !reflect.DeepEqual(part.Counts, want.Counts) {
							t.Fatalf("%s: explaining 3, %d changes, counts %v; want %d, %v", where, len(part.Changes), part.Counts, len(want.Changes), want.Counts)
						}
						for i, c := range part.Changes {
							w := want.Changes[i]
							if i < 3 && !reflect.DeepEqual(c, w) {
								t.Errorf("%s: explaining 3, change %d = %+v, want %+v", where, i, c, w)
							}
							if i >= 3 && (c.Decision != w.Decision || c.From.Explanation != "" || c.To.Explanation != "" ||
								!law.SameAnswer(&c.From, &w.From) || !law.SameAnswer(&c.To, &w.To)) {
								t.Errorf("%s: explaining 3, change %d = %+v, want %s unexplained, %s → %s", where, i, c, w.Decision, w.From.Outcome, w.To.Outcome)
							}
						}
						t.Logf("%s: %d decisions, %d decided, %d inputs, %d changed", where, got.Decisions, got.Decided, got.Inputs, got.Changed)
						got.Inputs = 0
						if !reflect.DeepEqual(got, want) {
							t.Errorf("%s: memoized %d decisions, %d decided, %d changed, counts %v\nplain %d, %d, %d, counts %v",
								where, got.Decisions, got.Decided, got.Changed, got.Counts, want.Decisions, want.Decided, want.Changed, want.Counts)
							for i := range min(len(got.Changes), len(want.Changes)) {
								if !reflect.DeepEqual(got.Changes[i], want.Changes[i]) {
									t.Errorf("first differing change %d: %+v\nwant %+v", i, got.Changes[i], want.Changes[i])
									break
								}
							}
						}
					}
				}
			}
		})
	}
}
