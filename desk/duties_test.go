package desk_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// One duty per obligation: the TRUTH Act's copy of the request, brought by
// the three actions of a detainer, is one duty listing them, due
// "promptly" by the agency's setting.
func TestOneDutyPerObligation(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Test LA", Jurisdiction: "us/ca/los-angeles-county", Type: "jail", Promptly: "4h", NoLocalLaw: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer", "notify_release", "transfer_custody"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, du := range r.Duties {
		if strings.HasPrefix(du.Obligation, "us-ca-truth-act/copy-of-request") {
			n++
			if len(du.Actions) != 3 {
				t.Errorf("copy-of-request duty lists actions %v, want the three", du.Actions)
			}
			if want := e.clock.Now().Add(4 * time.Hour); du.Due == nil || !du.Due.Equal(want) {
				t.Errorf("copy-of-request due %v, want %s (promptly = the agency's 4h)", du.Due, want)
			}
		}
	}
	if n != 1 {
		t.Errorf("intake made %d copy-of-request duties, want 1: %+v", n, r.Duties)
	}
	if _, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "x", Jurisdiction: "us/ca", Type: "jail", Promptly: "soon"}); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("CreateAgency with promptly \"soon\" = %v, want invalid", err)
	}
	b := agency(t, d, "us/ca/orange-county", "jail")
	r, err = d.Intake(ctx, clerk, detainer(b.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	if du, ok := dutyOf(r.Duties, "us-ca-truth-act/copy-of-request"); !ok || du.Due == nil || !du.Due.Equal(e.clock.Now().Add(liaison.DefaultPromptly)) {
		t.Errorf("copy-of-request with no agency setting: %+v, want due in %s", du, liaison.DefaultPromptly)
	}
}

// A duty whose trigger has not happened waits, and is never overdue; the
// hold starts its clock; carrying out the hold closes its "carry out"
// duty; the release closes the hold's end-by duty.
func TestDutiesWaitAndCloseThemselves(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, Name: "Test Person"})
	if err != nil {
		t.Fatal(err)
	}
	in := detainer(a.ID, "ice-1", "honor_detainer")
	in.Person = p.ID
	r, err := d.Intake(ctx, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	inform, ok := dutyOf(r.Duties, "us-tx-ccp-detainer-duty/")
	if !ok || inform.Status != liaison.DutyWaiting || inform.Due != nil || inform.Trigger != liaison.HoldBegins {
		t.Fatalf("intake duties %+v: want Texas's duty to inform the person, waiting for the hold", r.Duties)
	}
	carry, ok := dutyOf(r.Duties, "carry_out:honor_detainer")
	if !ok {
		t.Fatalf("intake duties %+v: want one to carry out the required hold", r.Duties)
	}
	e.clock.Add(72 * time.Hour)
	changes, err := d.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if hasChange(changes, inform.ID, liaison.DutyOverdue) {
		t.Errorf("Tick marked a waiting duty overdue: %+v", changes)
	}

	res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "honor_detainer"})
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(res.DutyChanges, carry.ID, liaison.DutyDone) {
		t.Errorf("Act changes %+v, want the carry-out duty %s done", res.DutyChanges, carry.ID)
	}
	if !hasChange(res.DutyChanges, inform.ID, liaison.DutyOpen) {
		t.Errorf("Act changes %+v, want the duty to inform %s open", res.DutyChanges, inform.ID)
	}
	if du := current(t, d, a.ID, inform.ID); du.Status != liaison.DutyOpen || du.Due == nil || !du.Due.Equal(e.clock.Now()) {
		t.Errorf("duty to inform after the hold = %s due %v, want open, due %s", du.Status, du.Due, e.clock.Now())
	}
	hold, ok := dutyOf(res.Duties, "end_hold")
	if !ok {
		t.Fatalf("Act duties %+v: want the hold's end-by duty", res.Duties)
	}
	// Carried out again, the hold brings no second end-by duty.
	if again, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "honor_detainer"}); err != nil || len(again.Duties) != 0 {
		t.Errorf("Act again = %+v, %v; want no new duties", again, err)
	}
	e.clock.Add(time.Minute)
	changes, err = d.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(changes, inform.ID, liaison.DutyOverdue) {
		t.Errorf("Tick after the hold began = %+v, want the duty to inform overdue", changes)
	}
	if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "released", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if du := current(t, d, a.ID, hold.ID); du.Status != liaison.DutyDone {
		t.Errorf("end-by duty after the release = %s, want done", du.Status)
	}
}

// A duty is done once, with who gave the notice and when.
func TestDutyDoneOnce(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	r, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	copyOf, _ := dutyOf(r.Duties, "us-ca-truth-act/copy-of-request")
	given := e.clock.Now().Add(-10 * time.Minute)
	c, err := d.CompleteDuty(ctx, clerk, copyOf.ID, desk.DoneInput{Note: "in Spanish", GivenBy: "Deputy R. Ortiz", GivenAt: given})
	if err != nil || c.GivenBy != "Deputy R. Ortiz" || !c.GivenAt.Equal(given) {
		t.Fatalf("CompleteDuty = %+v, %v; want it done, given by Deputy R. Ortiz at %s", c, err, given)
	}
	_, err = d.CompleteDuty(ctx, clerk, copyOf.ID, desk.DoneInput{})
	var le *liaison.Error
	if !errors.As(err, &le) || le.Kind != liaison.Conflicting || !strings.Contains(le.Message, "done already") {
		t.Errorf("CompleteDuty twice = %v, want a conflict: done already", err)
	}
	r, err = d.Intake(ctx, clerk, detainer(a.ID, "ice-2", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := dutyOf(r.Duties, "us-ca-truth-act/copy-of-request")
	if _, err := d.CompleteDuty(ctx, clerk, other.ID, desk.DoneInput{GivenAt: e.clock.Now().Add(time.Hour)}); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("CompleteDuty given in the future = %v, want invalid", err)
	}
	// Without a time, a notice is given when the desk records it.
	e.clock.Add(3 * time.Minute)
	named := clerk
	named.Name = "Deputy A. Lee"
	c, err = d.CompleteDuty(ctx, named, other.ID, desk.DoneInput{})
	if err != nil || c.GivenAt.IsZero() || !c.GivenAt.Equal(e.clock.Now()) || c.GivenBy != named.Name {
		t.Errorf("CompleteDuty of a notice without given_by, given_at = %+v, %v; want given by %q at the desk's clock, %s", c, err, named.Name, e.clock.Now())
	}
}

// The TRUTH Act's consent form is a precondition of an interview: with
// consent recorded but the form's duty open, the interview is not carried
// out (409 naming the duty, nothing written); done, it is.
func TestInterviewWaitsForTheConsentForm(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	r := intakeOf(t, d, a.ID, "ice-1", "interview_request", "allow_interview")
	form, ok := dutyOf(r.Duties, "us-ca-truth-act/consent-form")
	if !ok || form.Status != liaison.DutyOpen || form.Before != liaison.AllowInterview || form.Due != nil {
		t.Fatalf("intake duties %+v: want the consent form, open, before the interview", r.Duties)
	}
	refused, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "allow_interview"})
	if err != nil || refused.Action.Status != liaison.ActionRefused {
		t.Fatalf("Act without consent = %+v, %v; want refused", refused, err)
	}
	if _, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "consent", Reason: "the person signed the consent form",
		Subject: &liaison.Subject{Consent: &liaison.Consent{Interview: "written", FormProvided: true}}}); err != nil {
		t.Fatal(err)
	}
	size, _ := e.store.TreeSize(ctx)
	_, err = d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "allow_interview"})
	var le *liaison.Error
	if !errors.As(err, &le) || le.Kind != liaison.Conflicting || !strings.Contains(le.Message, form.ID) {
		t.Fatalf("Act with the form's duty open = %v, want a conflict naming %s", err, form.ID)
	}
	if after, _ := e.store.TreeSize(ctx); after != size {
		t.Errorf("a blocked Act wrote %d records", after-size)
	}
	if _, err := d.CompleteDuty(ctx, clerk, form.ID, desk.DoneInput{GivenBy: "Deputy R. Ortiz"}); err != nil {
		t.Fatal(err)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "allow_interview"})
	if err != nil || res.Action.Status != liaison.ActionPending {
		t.Errorf("Act with the form given = %+v, %v; want carried out", res, err)
	}
}

// The clerk's case in Los Angeles County: a detainer for a person booked on
// a misdemeanor, an old felony conviction found later, an interview refused
// and then allowed after written consent, a release notification, and the
// release. At the end every duty is closed, or open with no clock of its
// own (record keeping) and saying so.
func TestLosAngelesCaseDuties(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/los-angeles-county", "jail")
	p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, Name: "Test Person", BookingNumbers: []string{"LA-2291"}})
	if err != nil {
		t.Fatal(err)
	}
	in := detainer(a.ID, "ice-la-1", "honor_detainer", "notify_release", "allow_interview")
	in.Person = p.ID
	in.Subject.PendingCharges = []liaison.Offense{{Offense: "CA PC 484", Jurisdiction: "us/ca", Level: "misdemeanor", Categories: []liaison.Category{"theft"}}}
	r, err := d.Intake(ctx, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []liaison.Outcome{liaison.Forbidden, liaison.Forbidden, liaison.Forbidden} {
		if got := r.Decisions[i].Decision.Outcome; got != want {
			t.Fatalf("intake %s = %s, want %s", r.Decisions[i].Action, got, want)
		}
	}
	e.clock.Add(time.Hour)
	if _, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "conviction", Reason: "a records check found a 2012 robbery conviction",
		Subject: &liaison.Subject{Convictions: []liaison.Offense{robbery}}}); err != nil {
		t.Fatal(err)
	}
	if res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "allow_interview"}); err != nil || res.Action.Status != liaison.ActionRefused {
		t.Fatalf("interview without consent = %+v, %v; want refused", res, err)
	}
	e.clock.Add(time.Hour)
	if _, err := d.Facts(ctx, clerk, r.Request.ID, desk.FactsInput{IdempotencyKey: "consent", Reason: "the person signed the consent form in Spanish",
		Subject: &liaison.Subject{Consent: &liaison.Consent{Interview: "written", FormProvided: true}}}); err != nil {
		t.Fatal(err)
	}
	duties := func() []desk.Duty {
		all, _, err := d.Duties(ctx, clerk, a.ID, "", desk.Page{Limit: desk.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		return all
	}
	done := func(prefix string) {
		t.Helper()
		for _, du := range duties() {
			if strings.HasPrefix(du.Obligation, prefix) && !(du.Status == liaison.DutyDone || du.Status == liaison.DutySuperseded) {
				if _, err := d.CompleteDuty(ctx, clerk, du.ID, desk.DoneInput{GivenBy: "Deputy R. Ortiz"}); err != nil {
					t.Fatal(err)
				}
				return
			}
		}
		t.Fatalf("no open duty %s among %+v", prefix, duties())
	}
	done("us-ca-truth-act/copy-of-request")
	done("us-ca-truth-act/consent-form")
	if res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "allow_interview"}); err != nil || res.Action.Status != liaison.ActionPending {
		t.Fatalf("interview after consent = %+v, %v; want carried out", res, err)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "notify_release"})
	if err != nil || res.Action.Status != liaison.ActionPending {
		t.Fatalf("release notification = %+v, %v; want carried out", res, err)
	}
	var notice desk.Duty
	for _, du := range duties() {
		if strings.HasPrefix(du.Obligation, "us-ca-truth-act/release-notice-to-person") && du.Status == liaison.DutyOpen {
			notice = du
		}
	}
	if notice.Due == nil || !notice.Due.Equal(e.clock.Now().Add(liaison.DefaultPromptly)) {
		t.Fatalf("notice of release to the person = %+v, want open, due promptly after the notification", notice)
	}
	done("us-ca-truth-act/release-notice-to-person")
	if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "released", At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, du := range duties() {
		switch {
		case du.Status == liaison.DutyDone || du.Status == liaison.DutySuperseded:
		case du.Trigger == liaison.NoTrigger && du.Due == nil && du.DueText != "":
		default:
			t.Errorf("duty %s (%s) is %s at the end of the case, due %v", du.Obligation, du.Text, du.Status, du.Due)
		}
	}
	// Every decision of the case, made with the facts of its time, is
	// decided the same again from the record.
	if rep, err := desk.Redecide(ctx, e.store, nil); err != nil || len(rep.Differences) != 0 || rep.Decisions < 10 {
		t.Errorf("Redecide = %+v, %v; want every decision of the case alike", rep, err)
	}
}
