package desk_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/sqlite"
	"liaison/storetest"
)

// TestPackSetStoredOnce: desks with the same packs store their pack set
// once, under its hash, with every file; it loads to the same set.
func TestPackSetStoredOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, d := range []*desk.Desk{e.desk(t), e.desk(t)} {
		a := agency(t, d, "us/ca/test-county", "jail")
		if _, err := d.Intake(ctx, clerk, detainer(a.ID, "k", "notify_release")); err != nil {
			t.Fatalf("desk %d: Intake: %v", i, err)
		}
	}
	recs, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindPackSet})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].ID != e.set.Hash() {
		t.Fatalf("pack sets stored: %d (first %v), want one, %s", len(recs), recs, e.set.Hash())
	}
	var ps liaison.PackSetRecord
	if err := json.Unmarshal(recs[0].Body, &ps); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ps.Files, e.set.Files()) {
		t.Errorf("stored pack set has %d files, not the set's %d byte for byte", len(ps.Files), len(e.set.Files()))
	}
	set, err := desk.LoadPackSet(ctx, e.store, e.set.Hash())
	if err != nil || set.Hash() != e.set.Hash() {
		t.Errorf("LoadPackSet = %v, %v; want the set %s", set, err, e.set.Hash())
	}
}

// TestTraceDerivesTheRulesConsidered: a stored decision has no trace; Trace
// gives the one the engine gives for the same facts.
func TestTraceDerivesTheRulesConsidered(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "k", "honor_detainer", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Request(ctx, clerk, in.Request.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, dr := range res.Decisions {
		if dr.Decision.Considered != nil || dr.Decision.Packs != nil {
			t.Errorf("stored decision %s has its trace", dr.ID)
		}
	}
	if err := d.Trace(ctx, res); err != nil {
		t.Fatal(err)
	}
	for _, dr := range res.Decisions {
		req := &liaison.Request{AsOf: dr.AsOf, Jurisdiction: a.Jurisdiction, Agency: &liaison.Agency{Type: a.Type, Name: a.Name},
			Action: dr.Action, Request: &res.Request.Request, Subject: res.Request.Subject}
		want, err := e.set.Decide(req, law.Options{Explain: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Considered) == 0 || !reflect.DeepEqual(dr.Decision.Considered, want.Considered) || !reflect.DeepEqual(dr.Decision.Packs, want.Packs) {
			t.Errorf("Trace(%s): %d rules considered, %d packs; want the engine's %d, %d", dr.Action,
				len(dr.Decision.Considered), len(dr.Decision.Packs), len(want.Considered), len(want.Packs))
		}
	}
}

// demoStore fills the env's store as the demo does: agencies in three
// states, each with a detainer that asks for a hold and a notification,
// one of them carried out again.
func demoStore(t *testing.T, e *env) {
	t.Helper()
	d := e.desk(t)
	ctx := context.Background()
	for i, jur := range []liaison.Jurisdiction{"us/ca/test-county", "us/ma/boston", "us/tx/travis-county"} {
		a := agency(t, d, jur, "jail")
		in, err := d.Intake(ctx, clerk, detainer(a.ID, "k", "honor_detainer", "notify_release"))
		if err != nil {
			t.Fatal(err)
		}
		if i == 2 {
			if _, err := d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "notify_release"}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestRedecideFindsARewrittenDecision: a log rebuilt with one decision's
// outcome changed verifies, and Redecide names that decision, with both
// answers, and no other.
func TestRedecideFindsARewrittenDecision(t *testing.T) {
	e := newEnv(t)
	demoStore(t, e)
	ctx := context.Background()
	rep, err := desk.Redecide(ctx, e.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decisions != 7 || len(rep.Differences) != 0 || len(rep.Skipped) != 0 {
		t.Fatalf("Redecide(as stored) = %d decisions, %d differences %v, %d skipped; want 7, none, none",
			rep.Decisions, len(rep.Differences), rep.Differences, len(rep.Skipped))
	}

	forged, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "forged.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer forged.Close()
	var victim string
	var was liaison.Outcome
	storetest.Rewrite(t, e.store, forged, func(r *liaison.StoredRecord) {
		if r.Kind != liaison.KindDecision || victim != "" {
			return
		}
		var dr liaison.DecisionRecord
		if err := json.Unmarshal(r.Body, &dr); err != nil {
			t.Fatal(err)
		}
		victim, was = dr.ID, dr.Decision.Outcome
		dr.Decision.Outcome = liaison.Permitted
		if was == liaison.Permitted {
			dr.Decision.Outcome = liaison.Forbidden
		}
		if r.Body, err = ledger.MarshalCanonical(dr); err != nil {
			t.Fatal(err)
		}
	})
	signer, verifier := storetest.NewSigner(t)
	if _, err := (&ledger.Publisher{Store: forged, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := ledger.Verify(ctx, forged, verifier); err != nil || !v.OK() {
		t.Fatalf("log verify of the rewritten log = %+v, %v; want it to pass", v, err)
	}
	rep, err = desk.Redecide(ctx, forged, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Differences) != 1 {
		t.Fatalf("Redecide(rewritten) = %d differences %+v, want 1", len(rep.Differences), rep.Differences)
	}
	diff := rep.Differences[0]
	if diff.Decision != victim || diff.Now.Outcome != was || diff.Stored.Outcome == was ||
		!strings.Contains(strings.Join(diff.Why, "\n"), "outcome: stored "+string(diff.Stored.Outcome)+", now "+string(was)) {
		t.Errorf("Redecide names %s (stored %s, now %s, why %q); want %s, now %s", diff.Decision, diff.Stored.Outcome,
			diff.Now.Outcome, diff.Why, victim, was)
	}
}

// TestRedecideWithNewPacks: with the Values Act in force two years later,
// California's 2019 notification is answered otherwise, and the report
// says which pack; Texas's and Massachusetts's decisions are not listed.
func TestRedecideWithNewPacks(t *testing.T) {
	e := newEnv(t)
	demoStore(t, e)
	set := valuesActFrom2020(t, e.set)
	rep, err := desk.Redecide(context.Background(), e.store, set)
	if err != nil {
		t.Fatal(err)
	}
	var notify *desk.Difference
	for i, d := range rep.Differences {
		if !strings.HasPrefix(string(d.Stored.Decisive[0].Jurisdiction), "us/ca") && !strings.HasPrefix(string(d.Now.Decisive[0].Jurisdiction), "us/ca") {
			t.Errorf("Redecide lists %s (%s), decided by federal or other state law: %q", d.Decision, d.Action, d.Why)
		}
		if d.Action == liaison.NotifyRelease {
			notify = &rep.Differences[i]
		}
	}
	if notify == nil {
		t.Fatalf("Redecide with the Values Act from 2020 does not list California's notification: %+v", rep.Differences)
	}
	if why := strings.Join(notify.Why, "\n"); !strings.Contains(why, "pack us-ca-values-act (version 2018) is no longer in force") ||
		!strings.Contains(why, "outcome: stored forbidden") {
		t.Errorf("Redecide says why %q; want the outcome and the Values Act named", why)
	}
}

// TestTraceAfterAnUpgrade: a desk with other packs stores its own set, and
// still traces a decision made before with the set that decision names.
func TestTraceAfterAnUpgrade(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := e.desk(t)
	a := agency(t, old, "us/ca/test-county", "jail")
	before, err := old.Intake(ctx, clerk, detainer(a.ID, "k1", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	oldSet := e.set
	e.set = valuesActFrom2020(t, e.set)
	upgraded := e.desk(t)
	after, err := upgraded.Intake(ctx, clerk, detainer(a.ID, "k2", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	if got := after.Decisions[0].PackSet; got != e.set.Hash() || got == oldSet.Hash() {
		t.Errorf("decision after the upgrade names pack set %s, want the new %s", got, e.set.Hash())
	}
	res, err := upgraded.Request(ctx, clerk, before.Request.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := upgraded.Trace(ctx, res); err != nil {
		t.Fatalf("Trace of a decision made before the upgrade: %v", err)
	}
	dec := res.Decisions[0].Decision
	applied := false
	for _, c := range dec.Considered {
		applied = applied || (c.Pack == "us-ca-values-act" && c.Status == liaison.StatusApplied)
	}
	if dec.Outcome != before.Decisions[0].Decision.Outcome || !applied {
		t.Errorf("traced after the upgrade: %s, Values Act applied %v; want %s as decided, with the Values Act",
			dec.Outcome, applied, before.Decisions[0].Decision.Outcome)
	}
	recs, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindPackSet})
	if err != nil || len(recs) != 2 {
		t.Errorf("pack sets stored: %d, %v; want the old and the new", len(recs), err)
	}
}

// valuesActFrom2020 returns set with the California Values Act in force
// from 2020 instead of 2018: an upgrade that changes a pack.
func valuesActFrom2020(t *testing.T, set *law.Set) *law.Set {
	t.Helper()
	files := slices.Clone(set.Files())
	changed := false
	for i, f := range files {
		if f.Path == "us/ca/values-act.yaml" {
			files[i].Text = strings.Replace(f.Text, "effective_from: 2018-01-01", "effective_from: 2020-01-01", 1)
			changed = files[i].Text != f.Text
		}
	}
	if !changed {
		t.Fatal("us/ca/values-act.yaml has no effective_from: 2018-01-01 to change")
	}
	s, err := law.LoadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
