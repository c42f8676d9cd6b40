package desk_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// robbery is an old felony conviction that Cal. Gov. Code 7282.5(a)(3)
// lists (within 15 years of 2019).
var robbery = liaison.Offense{Offense: "CA PC 211", Jurisdiction: "us/ca", Description: "robbery", Level: "felony",
	Date: time.Date(2012, 4, 2, 0, 0, 0, 0, time.UTC), Categories: []liaison.Category{"serious_felony", "violent_felony", "robbery"}}

// dutyOf returns the duty among ds whose obligation begins with prefix.
func dutyOf(ds []liaison.DutyRecord, prefix string) (liaison.DutyRecord, bool) {
	for _, du := range ds {
		if strings.HasPrefix(du.Obligation, prefix) {
			return du, true
		}
	}
	return liaison.DutyRecord{}, false
}

// intakeOf takes in a request of the given kind asking for actions.
func intakeOf(t *testing.T, d *desk.Desk, agency, key string, kind liaison.RequestKind, actions ...liaison.Action) *desk.IntakeResult {
	t.Helper()
	in := detainer(agency, key, actions...)
	in.Request.Kind = kind
	r, err := d.Intake(context.Background(), clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// current returns the duty id as Duties lists it now.
func current(t *testing.T, d *desk.Desk, agency, id string) desk.Duty {
	t.Helper()
	all, _, err := d.Duties(context.Background(), clerk, agency, "", desk.Page{Limit: desk.MaxLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, du := range all {
		if du.ID == id {
			return du
		}
	}
	t.Fatalf("Duties: no duty %s", id)
	return desk.Duty{}
}

// Facts learned later: every action decided again, the new decisions
// naming those they supersede, duties following them; Trace and Redecide
// decide again from the effective facts.
func TestFactsDecideAgain(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	r := intakeOf(t, d, a.ID, "ice-1", "notification_request", "honor_detainer", "notify_release")
	if got := r.Decisions[1].Decision.Outcome; got != liaison.Forbidden {
		t.Fatalf("notify_release at intake = %s, want forbidden (no listed conviction)", got)
	}
	if _, ok := dutyOf(r.Duties, "us-ca-truth-act/release-notice-to-person"); ok {
		t.Fatalf("intake duties %+v: a notice of release to the person, with no release notice permitted", r.Duties)
	}

	e.clock.Add(time.Hour)
	f, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "f1", Reason: "a records check found a 2012 robbery conviction",
		Subject: &liaison.Subject{Convictions: []liaison.Offense{robbery}}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Created || len(f.Decisions) != 2 {
		t.Fatalf("Facts = created %v with %d decisions, want created with 2", f.Created, len(f.Decisions))
	}
	for i, dr := range f.Decisions {
		if dr.Supersedes != r.Decisions[i].ID || dr.Facts != f.Facts.ID || dr.Stage != liaison.StageFacts {
			t.Errorf("decision %s: supersedes %q facts %q stage %s, want %s, %s, facts", dr.Action, dr.Supersedes, dr.Facts, dr.Stage, r.Decisions[i].ID, f.Facts.ID)
		}
	}
	if got := f.Decisions[1].Decision.Outcome; got != liaison.Permitted {
		t.Fatalf("notify_release with the conviction = %s, want permitted (7282.5(a)(3))", got)
	}
	// The custody status given at intake is kept: only convictions changed.
	notice, ok := dutyOf(f.Duties, "us-ca-truth-act/release-notice-to-person")
	if !ok || notice.Status != liaison.DutyWaiting || notice.Due != nil {
		t.Fatalf("Facts duties %+v: want the notice of release to the person, waiting for the release notice", f.Duties)
	}
	if _, ok := dutyOf(f.Duties, "us-ca-truth-act/copy-of-request"); ok {
		t.Errorf("Facts made the copy-of-request duty again: it is the same obligation as intake's")
	}
	trace, err := d.Request(ctx, clerk, r.Request.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Trace(ctx, trace); err != nil {
		t.Errorf("Trace after facts: %v", err)
	}
	rep, err := desk.Redecide(ctx, e.store, nil)
	if err != nil || len(rep.Differences) != 0 || rep.Decisions != 4 {
		t.Errorf("Redecide after facts = %+v, %v; want 4 decisions, none different", rep, err)
	}

	// The conviction was another person's: corrected, the release notice
	// is forbidden again and its duty superseded, not left open.
	e.clock.Add(time.Hour)
	g, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "f2", Reason: "the conviction was another person's record",
		Subject: &liaison.Subject{Convictions: []liaison.Offense{}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Decisions[1].Decision.Outcome; got != liaison.Forbidden || g.Decisions[1].Supersedes != f.Decisions[1].ID {
		t.Errorf("notify_release corrected = %s superseding %s, want forbidden superseding %s", got, g.Decisions[1].Supersedes, f.Decisions[1].ID)
	}
	if !hasChange(g.DutyChanges, notice.ID, liaison.DutySuperseded) {
		t.Errorf("Facts changes %+v, want the notice duty %s superseded", g.DutyChanges, notice.ID)
	}
	if du := current(t, d, a.ID, notice.ID); du.Status != liaison.DutySuperseded {
		t.Errorf("notice duty is %s, want superseded", du.Status)
	}
	// Act decides with the effective facts too.
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "notify_release"})
	if err != nil || res.Action.Status != liaison.ActionRefused || res.Decision.Facts != g.Facts.ID {
		t.Errorf("Act after the correction = %+v, %v; want refused, decided with facts %s", res, err, g.Facts.ID)
	}
}

// The same key with the same facts is the stored record; with other facts
// a conflict naming the first field that differs, writing nothing.
func TestFactsRepeatedKey(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	r, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	in := desk.FactsInput{IdempotencyKey: "f1", Reason: "age from the booking record", Subject: &liaison.Subject{Age: 34}}
	first, err := d.Facts(ctx, clerk, r.Request.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.Facts(ctx, clerk, r.Request.ID, in)
	if err != nil || again.Created || again.Facts.ID != first.Facts.ID || len(again.Decisions) != 1 || again.Decisions[0].ID != first.Decisions[0].ID {
		t.Fatalf("Facts again = %+v, %v; want the stored record and its decision", again, err)
	}
	size, _ := e.store.TreeSize(ctx)
	in.Subject = &liaison.Subject{Age: 43}
	_, err = d.Facts(ctx, clerk, r.Request.ID, in)
	var le *liaison.Error
	if liaison.KindOf(err) != liaison.Conflicting || !errors.As(err, &le) || le.Field != "subject.age" {
		t.Errorf("Facts with the key and another age = %v, want a conflict about subject.age", err)
	}
	if after, _ := e.store.TreeSize(ctx); after != size {
		t.Errorf("a conflicting Facts wrote %d records", after-size)
	}
	for _, bad := range []desk.FactsInput{
		{IdempotencyKey: "f2", Reason: "short"},
		{IdempotencyKey: "f2", Reason: "nothing to add at all"},
		{IdempotencyKey: "f2", Reason: "a path that is no fact", Remove: []string{"subject.nmae"}},
	} {
		if _, err := d.Facts(ctx, clerk, r.Request.ID, bad); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("Facts(%+v) = %v, want invalid", bad, err)
		}
	}
	if _, err := d.Facts(ctx, auditor, r.Request.ID, desk.FactsInput{IdempotencyKey: "f3", Reason: "auditors add no facts", Subject: &liaison.Subject{Age: 1}}); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Facts as auditor = %v, want denied", err)
	}
}

// Remove clears a fact: removed, the convictions are unknown again.
func TestFactsRemove(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	r := intakeOf(t, d, a.ID, "ice-1", "notification_request", "notify_release")
	f, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "f1", Reason: "the criminal history check was not run",
		Remove: []string{"subject.convictions"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Decisions[0].Decision.Outcome; got != liaison.Undetermined {
		t.Errorf("notify_release with convictions removed = %s, want undetermined", got)
	}
}

// The case shows the facts learned later; to an auditor, without the
// facts about the person or the written reason.
func TestCaseShowsFacts(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	r := intakeOf(t, d, a.ID, "ice-1", "notification_request", "notify_release")
	if _, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "f1", Reason: "a records check found a robbery conviction",
		Subject: &liaison.Subject{Convictions: []liaison.Offense{robbery}}}); err != nil {
		t.Fatal(err)
	}
	c, err := d.Case(ctx, clerk, r.Request.ID, desk.CaseOptions{})
	if err != nil || len(c.Facts) != 1 || c.Facts[0].Subject == nil || len(c.Facts[0].Subject.Convictions) != 1 {
		t.Fatalf("Case as clerk = facts %+v, %v; want the conviction added", c.Facts, err)
	}
	c, err = d.Case(ctx, auditor, r.Request.ID, desk.CaseOptions{})
	if err != nil || len(c.Facts) != 1 {
		t.Fatalf("Case as auditor = %+v, %v", c, err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"CA PC 211", "robbery conviction"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("Case as auditor shows %q: %s", secret, b)
		}
	}
}
