package desk_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/packs"
)

// proposal returns the bundled packs with the prepared proposal laid over
// them: Boston without its 2019 amendment.
func proposal(t testing.TB) *law.Set {
	t.Helper()
	s, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()},
		law.Layer{Name: "boston-without-2019", FS: os.DirFS("../examples/proposals/boston-without-2019")})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSimulate: two Boston requests, before and after the 2019 amendment,
// and one in Los Angeles County. Without the amendment the later release
// notification is permitted; nothing else changes, and Los Angeles
// County's decisions are not read.
func TestSimulate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.desk(t)
	boston, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Boston PD", Jurisdiction: "us/ma/boston", Type: "police"})
	if err != nil {
		t.Fatal(err)
	}
	la := agency(t, d, "us/ca/los-angeles-county", "jail")
	for i, a := range []string{boston.ID, la.ID} {
		if _, err := d.Intake(ctx, clerk, detainer(a, fmt.Sprint("early", i), "honor_detainer", "notify_release")); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Add(2 * 365 * 24 * time.Hour) // 2021
	late, err := d.Intake(ctx, clerk, detainer(boston.ID, "late", "honor_detainer", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	size, err := e.store.TreeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var done, total, filled, fillTotal int64
	sim, err := desk.Simulate(ctx, e.store, e.set, proposal(t), desk.SimulateOptions{LogSize: size,
		Progress:     func(d, t int64) { done, total = d, t },
		FillProgress: func(d, t int64) { filled, fillTotal = d, t }})
	if err != nil {
		t.Fatal(err)
	}
	// The first simulation fills the replay rows, and tells how far.
	if filled != size || fillTotal != size {
		t.Errorf("Simulate's last fill progress = %d of %d, want the log's %d of %d", filled, fillTotal, size, size)
	}
	if total != size || done <= 0 || done > total {
		t.Errorf("Simulate's last progress = %d of %d, want some of the log's %d", done, total, size)
	}
	if sim.Agencies != 1 || sim.Unaffected != 1 || sim.Decisions != 4 {
		t.Errorf("Simulate: %d agencies (%d unaffected), %d decisions, want 1 (1), 4", sim.Agencies, sim.Unaffected, sim.Decisions)
	}
	// In 2019, before the amendment, both sets have the 2014 text in
	// force: only the 2021 decisions need deciding under the proposal.
	if sim.Decided != 2 {
		t.Errorf("Simulate decided %d under the proposal, want 2 (those of 2021)", sim.Decided)
	}
	if sim.Changed != 1 || len(sim.Changes) != 1 {
		t.Fatalf("Simulate: %d changed %+v, want 1", sim.Changed, sim.Changes)
	}
	ch := sim.Changes[0]
	if ch.Decision != late.Decisions[1].ID || ch.Action != "notify_release" || ch.From.Outcome != liaison.Forbidden || ch.To.Outcome != liaison.Permitted ||
		ch.From.Explanation == "" || ch.To.Explanation == "" {
		t.Errorf("Simulate change = %+v, want the 2021 release notification, forbidden → permitted, both explained", ch)
	}
	found := false
	for _, c := range sim.Counts {
		if c.Action == "notify_release" && c.From == liaison.Forbidden && c.To == liaison.Permitted {
			found = c.N == 1
		}
	}
	if !found {
		t.Errorf("Simulate counts %+v lack notify_release forbidden → permitted: 1", sim.Counts)
	}
	// Today's law under another pack set (a pack elsewhere added): the
	// stored answers cannot stand for it, each is decided again, alike.
	other, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()}, law.Layer{Name: "zz", FS: os.DirFS("../law/testdata/layers/city")})
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash() == e.set.Hash() {
		t.Fatal("the pack sets have one hash")
	}
	again, err := desk.Simulate(ctx, e.store, other, proposal(t), desk.SimulateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Decisions != 4 || again.Changed != 1 || again.Changes[0].Decision != ch.Decision {
		t.Errorf("Simulate with today's law under another pack set: %d decisions, %d changed, want 4, 1 (%s)", again.Decisions, again.Changed, ch.Decision)
	}
	// The period and the agency choose the decisions.
	sim, err = desk.Simulate(ctx, e.store, e.set, proposal(t), desk.SimulateOptions{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Decisions != 2 || sim.Changed != 1 {
		t.Errorf("Simulate from 2020: %d decisions, %d changed, want 2, 1", sim.Decisions, sim.Changed)
	}
	sim, err = desk.Simulate(ctx, e.store, e.set, proposal(t), desk.SimulateOptions{Agency: la.ID})
	if err != nil {
		t.Fatal(err)
	}
	if sim.Decisions != 0 || sim.Unaffected != 1 {
		t.Errorf("Simulate of Los Angeles County: %d decisions, %d unaffected, want 0, 1", sim.Decisions, sim.Unaffected)
	}
}

// Desk.Simulate: counsel, supervisors and auditors only; a token limited
// to an agency simulates that agency's decisions only.
func TestDeskSimulateAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.desk(t)
	boston, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Boston PD", Jurisdiction: "us/ma/boston", Type: "police"})
	if err != nil {
		t.Fatal(err)
	}
	la := agency(t, d, "us/ca/los-angeles-county", "jail")
	e.clock.Add(2 * 365 * 24 * time.Hour)
	if _, err := d.Intake(ctx, clerk, detainer(boston.ID, "late", "honor_detainer", "notify_release")); err != nil {
		t.Fatal(err)
	}
	p := proposal(t)
	for _, r := range []liaison.Role{liaison.RoleClerk, liaison.RoleAdmin, liaison.RolePublic} {
		if _, err := d.Simulate(ctx, liaison.Actor{ID: "tok", Role: r}, p, desk.SimulateOptions{}); liaison.KindOf(err) != liaison.Denied {
			t.Errorf("Simulate as %s = %v, want denied", r, err)
		}
	}
	sim, err := d.Simulate(ctx, liaison.Actor{ID: "tok", Role: liaison.RoleAuditor}, p, desk.SimulateOptions{})
	if err != nil || sim.Changed != 1 {
		t.Errorf("Simulate as an auditor = %v, %+v; want the Boston change", err, sim)
	}
	limited := liaison.Actor{ID: "tok", Role: liaison.RoleCounsel, Agency: la.ID}
	if _, err := d.Simulate(ctx, limited, p, desk.SimulateOptions{Agency: boston.ID}); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Simulate of Boston by counsel limited to Los Angeles County = %v, want denied", err)
	}
	if sim, err := d.Simulate(ctx, limited, p, desk.SimulateOptions{}); err != nil || sim.Changed != 0 || sim.Unaffected != 1 {
		t.Errorf("Simulate by counsel limited to Los Angeles County = %v, %+v; want Los Angeles County's only", err, sim)
	}
}

// BenchmarkSimulate replays a generated store of Boston requests, two
// decisions each (25,000 requests, and 100,000: 200,000 decisions), all of
// them at a place the proposal changes, half of them changed and so each
// explained (the worst case), from the replay rows, filled first, and
// reports stored decisions replayed a second.
func BenchmarkSimulate(b *testing.B) {
	for _, n := range []int{25_000, 100_000} {
		b.Run(fmt.Sprintf("decisions=%d", 2*n), func(b *testing.B) { benchSimulate(b, n) })
	}
}

func benchSimulate(b *testing.B, benchSimRequests int) {
	e := newEnv(b)
	ctx := context.Background()
	d := e.desk(b)
	a, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Boston PD", Jurisdiction: "us/ma/boston", Type: "police"})
	if err != nil {
		b.Fatal(err)
	}
	e.clock.Add(2 * 365 * 24 * time.Hour)
	seed, err := d.Intake(ctx, clerk, detainer(a.ID, "seed", "honor_detainer", "notify_release"))
	if err != nil {
		b.Fatal(err)
	}
	now := e.clock.Now()
	rec := func(kind, id, parent, key string, body any) *liaison.StoredRecord {
		canon, err := ledger.MarshalCanonical(body)
		if err != nil {
			b.Fatal(err)
		}
		salt, err := ledger.NewSalt(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		return &liaison.StoredRecord{Kind: kind, ID: id, Agency: a.ID, Parent: parent, Key: key, Body: canon, Salt: salt, At: now}
	}
	var batch []*liaison.StoredRecord
	for i := range benchSimRequests {
		rid := fmt.Sprintf("req_s%d", i)
		rr := seed.Request
		rr.ID, rr.IdempotencyKey = rid, fmt.Sprint("k", i)
		rr.Subject = &liaison.Subject{Custody: rr.Subject.Custody, Convictions: []liaison.Offense{}}
		if i%3 == 0 { // some with a conviction
			rr.Subject.Convictions = []liaison.Offense{{Offense: "MA 265-1", Jurisdiction: "us/ma", Level: "felony", Date: time.Date(2015, 1, 2, 0, 0, 0, 0, time.UTC)}}
		}
		batch = append(batch, rec(liaison.KindRequest, rid, "", a.ID+"/"+rr.IdempotencyKey, rr))
		for j, dr := range seed.Decisions {
			dr.ID, dr.Request = fmt.Sprintf("dec_s%d_%d", i, j), rid
			dr.AsOf = now.Add(-time.Duration(i) * time.Minute)
			batch = append(batch, rec(liaison.KindDecision, dr.ID, rid, "", dr))
		}
		if len(batch) >= 3000 || i == benchSimRequests-1 {
			if err := e.store.Append(ctx, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	// The replay rows filled first, as by an earlier simulation: what is
	// measured is the replay.
	if err := desk.FillReplay(ctx, e.store); err != nil {
		b.Fatal(err)
	}
	// As `liaison simulate` runs (see cmd/liaison/simulate.go).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	p := proposal(b)
	var decisions int
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		sim, err := desk.Simulate(ctx, e.store, e.set, p, desk.SimulateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if sim.Decisions != 2*benchSimRequests+2 {
			b.Fatalf("Simulate: %d decisions, want %d", sim.Decisions, 2*benchSimRequests+2)
		}
		decisions += sim.Decisions
	}
	b.ReportMetric(float64(decisions)/b.Elapsed().Seconds(), "decisions/s")
	// The machine may be shared: what the replay costs in CPU time says
	// more than the time it took (2 cores: decisions/s ≤ 2 × decisions/cpu-s).
	b.ReportMetric(float64(decisions)/(cpuTime()-cpu0).Seconds(), "decisions/cpu-s")
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestSimulateOutcomeChanges: over a generated history under the Boston
// proposal, the changes split into those in outcome and those only in the
// rules that decide them, as the listed changes themselves say; the
// prepared proposal has both kinds.
func TestSimulateOutcomeChanges(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	e := newEnv(t)
	generateHistory(t, e.store, e.set, 1, 400)
	sim, err := desk.Simulate(t.Context(), e.store, e.set, proposal(t), desk.SimulateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	outcome, rules := 0, 0
	for _, c := range sim.Changes {
		if c.From.Outcome != c.To.Outcome {
			outcome++
		} else {
			rules++
		}
	}
	if sim.OutcomeChanges() != outcome || sim.RuleOnlyChanges() != rules {
		t.Errorf("OutcomeChanges %d, RuleOnlyChanges %d; the changes listed: %d in outcome, %d in rules only",
			sim.OutcomeChanges(), sim.RuleOnlyChanges(), outcome, rules)
	}
	if outcome == 0 || rules == 0 {
		t.Errorf("%d changes in outcome and %d in rules only, want some of each", outcome, rules)
	}
}
