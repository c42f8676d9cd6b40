package desk_test

import (
	"context"
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/storetest"
)

// openIDs lists the open cases OpenCases answers for agency, newest first.
func openIDs(t *testing.T, d *desk.Desk, agency string, before int64, limit int) ([]string, int64) {
	t.Helper()
	cs, older, ok, err := d.OpenCases(context.Background(), clerk, desk.RequestFilter{Agency: agency}, before, limit)
	if err != nil || !ok {
		t.Fatalf("OpenCases(%s) = %v, %v", agency, ok, err)
	}
	out := []string{}
	for _, c := range cs {
		if c.Status != desk.CaseOpen {
			t.Errorf("OpenCases: case %s is %s", c.ID, c.Status)
		}
		out = append(out, c.ID)
	}
	return out, older
}

// indexed lists the requests the store's index of open cases holds for
// agency, newest first.
func indexed(t *testing.T, e *env, agency string) []string {
	t.Helper()
	rows, err := e.store.OpenCases(context.Background(), agency, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, r := range rows {
		out = append(out, r.ID)
	}
	return out
}

// TestOpenCases: a case leaves the index of open cases when an action
// refused settles the last of its actions, when its person is released,
// and, closed by a record the desk did not write, when OpenCases meets it;
// pages go from newest to older.
func TestOpenCases(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	person := func(n string) string {
		p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, BookingNumbers: []string{n}, Name: "Person " + n})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	intake := func(person, key string, actions ...liaison.Action) string {
		in := detainer(a.ID, key, actions...)
		in.Person = person
		r, err := d.Intake(ctx, clerk, in)
		if err != nil {
			t.Fatal(err)
		}
		return r.Request.ID
	}
	p := person("B-1")
	r1, r2, r3 := intake(p, "ice-1", "honor_detainer"), intake(p, "ice-2", "notify_release"), intake("", "ice-3", "honor_detainer")
	if got, _ := openIDs(t, d, a.ID, 0, 10); !slices.Equal(got, []string{r3, r2, r1}) {
		t.Fatalf("OpenCases after intake = %v, want %v", got, []string{r3, r2, r1})
	}
	// The Values Act forbids the hold: refused, the request's only action
	// is settled.
	if res, err := d.Act(ctx, clerk, desk.ActInput{Request: r3, Action: "honor_detainer"}); err != nil || res.Action.Status != liaison.ActionRefused {
		t.Fatalf("Act(%s, honor_detainer) = %+v, %v; want refused", r3, res, err)
	}
	// The desk closed it in the index itself (not only when met).
	if got := indexed(t, e, a.ID); !slices.Equal(got, []string{r2, r1}) {
		t.Errorf("the index after the hold was refused = %v, want %v", got, []string{r2, r1})
	}
	if got, _ := openIDs(t, d, a.ID, 0, 10); !slices.Equal(got, []string{r2, r1}) {
		t.Errorf("OpenCases after the hold was refused = %v, want %v", got, []string{r2, r1})
	}
	if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p, Kind: "released", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := indexed(t, e, a.ID); len(got) != 0 {
		t.Errorf("the index after the person was released = %v, want none", got)
	}

	// Closed by a release the desk did not write (another build's, an
	// import): OpenCases leaves it out and closes it in the index.
	q := person("B-2")
	r4 := intake(q, "ice-4", "notify_release")
	body, err := ledger.MarshalCanonical(liaison.CustodyEventRecord{ID: "cus_raw", Agency: a.ID, Person: q, Kind: "released", At: e.clock.Now(), RecordedBy: clerk})
	if err != nil {
		t.Fatal(err)
	}
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Append(ctx, &liaison.StoredRecord{Kind: liaison.KindCustodyEvent, ID: "cus_raw", Agency: a.ID, Person: q, Parent: q,
		Body: body, Salt: salt, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if got := indexed(t, e, a.ID); !slices.Equal(got, []string{r4}) {
		t.Fatalf("the index before OpenCases met %s: %v; want it alone", r4, got)
	}
	if got, _ := openIDs(t, d, a.ID, 0, 10); len(got) != 0 {
		t.Errorf("OpenCases with %s closed by its person's release = %v, want none", r4, got)
	}
	if got := indexed(t, e, a.ID); len(got) != 0 {
		t.Errorf("the index after OpenCases met %s closed: %v; want none", r4, got)
	}

	// Pages: newest first, the next one older than the last shown.
	r5, r6 := intake("", "ice-5", "notify_release"), intake("", "ice-6", "notify_release")
	got, older := openIDs(t, d, a.ID, 0, 1)
	if !slices.Equal(got, []string{r6}) || older == 0 {
		t.Fatalf("OpenCases(limit 1) = %v, older %d; want [%s] and an older page", got, older, r6)
	}
	if got, older = openIDs(t, d, a.ID, older, 1); !slices.Equal(got, []string{r5}) {
		t.Errorf("OpenCases(before %d, limit 1) = %v, want [%s]", older, got, r5)
	}
	// Another agency's clerk sees none of them.
	other := agency(t, d, "us/tx/harris-county", "jail")
	scoped := liaison.Actor{ID: "tok_tx", Role: liaison.RoleClerk, Agency: other.ID}
	if _, _, _, err := d.OpenCases(ctx, scoped, desk.RequestFilter{Agency: a.ID}, 0, 10); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("OpenCases(LA) as Harris's clerk = %v, want forbidden", err)
	}
}

// TestDueDuties: the duties with a deadline that are open, overdue or
// escalated, soonest first, an agency's or every agency's; an escalated
// duty stays until a change ends it, a done one goes.
func TestDueDuties(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	t0 := e.clock.Now()
	at := func(d time.Duration) *time.Time { t := t0.Add(d); return &t }
	appendRecords(t, e.store,
		dutyRecord(t, "agy_a", "duty_later", at(2*time.Hour), t0),
		dutyRecord(t, "agy_a", "duty_past", at(-time.Hour), t0.Add(-2*time.Hour)),
		dutyRecord(t, "agy_a", "duty_long_past", at(-3*time.Hour), t0.Add(-4*time.Hour)),
		dutyRecord(t, "agy_a", "duty_done", at(time.Hour), t0),
		dutyRecord(t, "agy_a", "duty_no_due", nil, t0),
		dutyRecord(t, "agy_b", "duty_b", at(30*time.Minute), t0))
	appendRecords(t, e.store,
		changeRecord(t, "agy_a", "duty_long_past", liaison.DutyOverdue, t0.Add(-2*time.Hour)),
		changeRecord(t, "agy_a", "duty_done", liaison.DutyDone, t0))
	due := func(agency string, limit int) []string {
		t.Helper()
		ds, err := d.DueDuties(ctx, clerk, agency, limit)
		if err != nil {
			t.Fatalf("DueDuties(%q) = %v", agency, err)
		}
		var out []string
		for _, du := range ds {
			out = append(out, du.ID+" "+string(du.Status))
		}
		return out
	}
	if got, want := due("agy_a", 10), []string{"duty_long_past overdue", "duty_past open", "duty_later open"}; !slices.Equal(got, want) {
		t.Errorf("DueDuties(agy_a) = %v, want %v", got, want)
	}
	if _, err := d.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := due("agy_a", 10), []string{"duty_long_past escalated", "duty_past overdue", "duty_later open"}; !slices.Equal(got, want) {
		t.Errorf("DueDuties(agy_a) after Tick = %v, want %v", got, want)
	}
	if got, want := due("", 2), []string{"duty_long_past escalated", "duty_past overdue"}; !slices.Equal(got, want) {
		t.Errorf("DueDuties(every agency, 2) = %v, want %v", got, want)
	}
	appendRecords(t, e.store, changeRecord(t, "agy_a", "duty_long_past", liaison.DutyDone, t0))
	if got, want := due("", 10), []string{"duty_past overdue", "duty_b open", "duty_later open"}; !slices.Equal(got, want) {
		t.Errorf("DueDuties(every agency) after the escalated one was done = %v, want %v", got, want)
	}
	scoped := liaison.Actor{ID: "tok_b", Role: liaison.RoleClerk, Agency: "agy_b"}
	if _, err := d.DueDuties(ctx, scoped, "agy_a", 10); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("DueDuties(agy_a) as agy_b's clerk = %v, want forbidden", err)
	}
}

// TestCaseReopened: a case closed when its only action was refused opens
// again when facts added later let the action go ahead, closes when the
// action is delivered, and opens again when the action is tried again; at
// each step the index of open cases, the queue, the case and the list of
// open requests agree, and `log verify` finds the index what the records
// say.
func TestCaseReopened(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	req := intakeOf(t, d, a.ID, "ice-1", "notification_request", "notify_release").Request.ID
	state := func(step string, want desk.CaseState) {
		t.Helper()
		inIndex := slices.Contains(indexed(t, e, a.ID), req)
		queued, _ := openIDs(t, d, a.ID, 0, 10)
		c, err := d.Case(ctx, clerk, req, desk.CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		listed, _, err := d.Requests(ctx, clerk, desk.RequestFilter{Agency: a.ID, Status: desk.CaseOpen}, desk.Page{})
		if err != nil {
			t.Fatal(err)
		}
		open := want == desk.CaseOpen
		if inIndex != open || slices.Contains(queued, req) != open || c.Status != want ||
			slices.ContainsFunc(listed, func(s desk.CaseSummary) bool { return s.ID == req }) != open {
			t.Errorf("%s: index %v, queue %v, case %s (%s), open requests %v; want the case %s everywhere",
				step, inIndex, queued, c.Status, c.ClosedBy, listed, want)
		}
	}
	rounds := func(step string, wantClosed, wantReopened []string) {
		t.Helper()
		for kind, want := range map[string][]string{liaison.KindCaseClosed: wantClosed, liaison.KindCaseReopened: wantReopened} {
			recs, err := e.store.List(ctx, liaison.Filter{Kind: kind, Parent: req})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, r := range recs {
				got = append(got, r.Key)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s keys %v, want %v", step, kind, got, want)
			}
		}
	}
	act := func(want liaison.ActionStatus) {
		t.Helper()
		e.clock.Add(time.Minute)
		if res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "notify_release"}); err != nil || res.Action.Status != want {
			t.Fatalf("Act(notify_release) = %+v, %v; want %s", res, err, want)
		}
	}
	state("after intake", desk.CaseOpen)
	act(liaison.ActionRefused) // no listed conviction: the Values Act forbids it
	state("refused", desk.CaseClosed)
	rounds("refused", []string{req}, []string{})

	e.clock.Add(time.Hour)
	if _, err := d.Facts(ctx, clerk, req, desk.FactsInput{IdempotencyKey: "f1", Reason: "a records check found a 2012 robbery conviction",
		Subject: &liaison.Subject{Convictions: []liaison.Offense{robbery}}}); err != nil {
		t.Fatal(err)
	}
	state("permitted on new facts", desk.CaseOpen)
	rounds("permitted on new facts", []string{req}, []string{req + "/1"})

	act(liaison.ActionPending)
	state("pending", desk.CaseOpen)
	e.deliver(t, d)
	state("delivered", desk.CaseClosed)
	rounds("delivered", []string{req, req + "/1"}, []string{req + "/1"})

	act(liaison.ActionPending) // tried again
	state("tried again", desk.CaseOpen)
	rounds("tried again", []string{req, req + "/1"}, []string{req + "/1", req + "/2"})
	e.deliver(t, d)
	state("delivered again", desk.CaseClosed)
	rounds("delivered again", []string{req, req + "/1", req + "/2"}, []string{req + "/1", req + "/2"})

	// Tried again by a record the desk did not write (or whose reopening a
	// crash lost): the case's page puts it back in the queue.
	body, err := ledger.MarshalCanonical(liaison.ActionRecord{ID: "act_raw", Agency: a.ID, Request: req, Action: "notify_release",
		Status: liaison.ActionNeedsFacts, Actor: clerk, At: e.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Append(ctx, &liaison.StoredRecord{Kind: liaison.KindAction, ID: "act_raw", Agency: a.ID, Parent: req,
		Body: body, Salt: salt, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(indexed(t, e, a.ID), req) {
		t.Fatalf("the index holds %s before its page was read", req)
	}
	if _, err := d.Case(ctx, clerk, req, desk.CaseOptions{}); err != nil {
		t.Fatal(err)
	}
	state("tried again around the desk, its page read", desk.CaseOpen)
	rounds("tried again around the desk", []string{req, req + "/1", req + "/2"}, []string{req + "/1", req + "/2", req + "/3"})

	signer, verifier := storetest.NewSigner(t)
	if _, err := (&ledger.Publisher{Store: e.store, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := ledger.Verify(ctx, e.store, verifier); err != nil || !rep.OK() {
		t.Errorf("log verify after the case closed and reopened three times = %+v, %v; want no problem", rep, err)
	}
}
