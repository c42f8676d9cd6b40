package desk_test

import (
	"context"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/storetest"
)

// caseWatch reads where one case stands everywhere the desk shows it: the
// store's index of open cases, the queue, the case's page and the list of
// open requests.
type caseWatch struct {
	t      *testing.T
	store  liaison.Store
	d      *desk.Desk
	agency string
	req    string
}

// check fails unless the case is want everywhere, and returns its page.
func (w caseWatch) check(step string, want desk.CaseState) *desk.Case {
	t := w.t
	t.Helper()
	ctx := context.Background()
	rows, err := w.store.(liaison.OpenCaseIndex).OpenCases(ctx, w.agency, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	inIndex := slices.ContainsFunc(rows, func(r *liaison.StoredRecord) bool { return r.ID == w.req })
	queue, _, _, err := w.d.OpenCases(ctx, clerk, desk.RequestFilter{Agency: w.agency}, 0, 25)
	if err != nil {
		t.Fatal(err)
	}
	queued := slices.ContainsFunc(queue, func(s desk.CaseSummary) bool { return s.ID == w.req })
	c, err := w.d.Case(ctx, clerk, w.req, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	listed, _, err := w.d.Requests(ctx, clerk, desk.RequestFilter{Agency: w.agency, Status: desk.CaseOpen}, desk.Page{})
	if err != nil {
		t.Fatal(err)
	}
	open := want == desk.CaseOpen
	if inIndex != open || queued != open || c.Status != want || slices.ContainsFunc(listed, func(s desk.CaseSummary) bool { return s.ID == w.req }) != open {
		t.Errorf("%s: index %v, queue %v, case %s (%s), open requests %v; want the case %s everywhere",
			step, inIndex, queued, c.Status, c.ClosedBy, listed, want)
	}
	return c
}

// queued returns the case's line in the queue.
func (w caseWatch) queued() desk.CaseSummary {
	w.t.Helper()
	queue, _, _, err := w.d.OpenCases(context.Background(), clerk, desk.RequestFilter{Agency: w.agency}, 0, 25)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, s := range queue {
		if s.ID == w.req {
			return s
		}
	}
	w.t.Fatalf("the queue has no %s", w.req)
	return desk.CaseSummary{}
}

// logKeys sign and verify one store's checkpoints.
type logKeys struct {
	signer   *ledger.Signer
	verifier *ledger.Verifier
}

func newLogKeys(t *testing.T) logKeys {
	signer, verifier := storetest.NewSigner(t)
	return logKeys{signer, verifier}
}

// verified fails unless `log verify` finds nothing wrong.
func (k logKeys) verified(t *testing.T, s liaison.Store, step string) {
	t.Helper()
	signer, verifier := k.signer, k.verifier
	src := s.(ledger.AuditSource)
	if _, err := (&ledger.Publisher{Store: s.(ledger.Store), Signer: signer}).Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	if rep, err := ledger.Verify(t.Context(), src, verifier, desk.NewCaseCheck(nil)); err != nil || !rep.OK() {
		t.Errorf("%s: log verify = %+v, %v; want no problem", step, rep, err)
	}
}

// TestOverrideReopens: a case closed when its only action was refused
// opens again when counsel overrides the refusal (a case_reopened record
// in round 1, the queue's line and the page saying why), closes when the
// action is then carried out, and an override of a case the person's
// release closed leaves it closed. On both stores.
func TestOverrideReopens(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			d := e.deskOn(t, s)
			keys := newLogKeys(t)
			ctx := context.Background()
			a := agency(t, d, "us/ca/los-angeles-county", "jail")
			req := intakeOf(t, d, a.ID, "ice-1", "notification_request", "notify_release").Request.ID
			w := caseWatch{t: t, store: s, d: d, agency: a.ID, req: req}
			e.clock.Add(time.Minute)
			if res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "notify_release"}); err != nil || res.Action.Status != liaison.ActionRefused {
				t.Fatalf("Act(notify_release) = %+v, %v; want refused (no listed conviction: the Values Act forbids it)", res, err)
			}
			w.check("refused", desk.CaseClosed)

			e.clock.Add(time.Hour)
			o, err := d.Override(ctx, counsel, desk.OverrideInput{Request: req, Action: "notify_release", Reason: "court order 2019-CV-123 requires notice of this release"})
			if err != nil {
				t.Fatal(err)
			}
			c := w.check("overridden", desk.CaseOpen)
			if c.Reopened == nil || c.Reopened.Key != req+"/1" || !strings.Contains(c.Reopened.Why, o.ID) {
				t.Errorf("Case after the override: reopened %+v; want round 1's reopening naming override %s", c.Reopened, o.ID)
			}
			if c.Standing[0].Override != o.ID || c.CustodyEnded {
				t.Errorf("Case after the override: standing %+v, custody ended %v; want override %s, custody not ended", c.Standing, c.CustodyEnded, o.ID)
			}
			if q := w.queued(); !strings.Contains(q.Reopened, o.ID) || q.Standing[0].Override != o.ID {
				t.Errorf("the queue's line after the override = %+v; want it reopened by override %s", q, o.ID)
			}
			keys.verified(t, s, "overridden")

			e.clock.Add(time.Minute)
			if res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "notify_release", OfflineNote: "by phone to the ERO duty officer"}); err != nil || res.Action.Status != liaison.ActionDoneOffline {
				t.Fatalf("Act(notify_release) after the override = %+v, %v; want done offline", res, err)
			}
			c = w.check("carried out under the override", desk.CaseClosed)
			if len(c.Closings) != 2 || len(c.Reopenings) != 1 || c.Closings[0].Key != "" || c.Closings[1].Key != req+"/1" ||
				c.Reopenings[0].Key != req+"/1" || !c.Closings[0].At.Before(c.Reopenings[0].At) || !c.Reopenings[0].At.Before(c.Closings[1].At) {
				t.Errorf("Case closed again: closings %+v, reopenings %+v; want closed in round 0, reopened and closed in round 1, in that order", c.Closings, c.Reopenings)
			}

			// Released, then the refusal overridden: the case stays closed.
			p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, BookingNumbers: []string{"B-9"}, Name: "Person B-9"})
			if err != nil {
				t.Fatal(err)
			}
			in := detainer(a.ID, "ice-2", "notify_release")
			in.Request.Kind, in.Person = "notification_request", p.ID
			r2, err := d.Intake(ctx, clerk, in)
			if err != nil {
				t.Fatal(err)
			}
			w2 := caseWatch{t: t, store: s, d: d, agency: a.ID, req: r2.Request.ID}
			if _, err := d.Act(ctx, clerk, desk.ActInput{Request: w2.req, Action: "notify_release"}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "released", At: e.clock.Now()}); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Override(ctx, counsel, desk.OverrideInput{Request: w2.req, Action: "notify_release", Reason: "court order 2019-CV-124 requires notice of this release"}); err != nil {
				t.Fatal(err)
			}
			if c := w2.check("released, then overridden", desk.CaseClosed); !c.CustodyEnded {
				t.Errorf("Case released, then overridden: custody ended false, want true")
			}
			keys.verified(t, s, "the end")
		})
	}
}

// TestRebookingReopens: a person released is booked again; the case of a
// request that still asks for something (a detainer's hold never acted on)
// opens again for the new custody, saying so; one whose every action is
// settled stays closed; a release closes the case again. On both stores.
func TestRebookingReopens(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			d := e.deskOn(t, s)
			keys := newLogKeys(t)
			ctx := context.Background()
			a := agency(t, d, "us/tx/travis-county", "jail")
			p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, BookingNumbers: []string{"T-1"}, Name: "Person T-1"})
			if err != nil {
				t.Fatal(err)
			}
			intake := func(key string, actions ...liaison.Action) caseWatch {
				in := detainer(a.ID, key, actions...)
				in.Person = p.ID
				r, err := d.Intake(ctx, clerk, in)
				if err != nil {
					t.Fatal(err)
				}
				return caseWatch{t: t, store: s, d: d, agency: a.ID, req: r.Request.ID}
			}
			custody := func(kind liaison.CustodyEventKind) *liaison.CustodyEventRecord {
				e.clock.Add(time.Hour)
				ev, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: kind, At: e.clock.Now()})
				if err != nil {
					t.Fatal(err)
				}
				return ev
			}
			waiting, settled := intake("ice-1", "honor_detainer"), intake("ice-2", "notify_release")
			if _, err := d.Act(ctx, clerk, desk.ActInput{Request: settled.req, Action: "notify_release", OfflineNote: "by phone"}); err != nil {
				t.Fatal(err)
			}
			settled.check("carried out", desk.CaseClosed)
			custody("released")
			waiting.check("released", desk.CaseClosed)

			booked := custody("booked")
			c := waiting.check("booked again", desk.CaseOpen)
			if c.Reopened == nil || !strings.Contains(c.Reopened.Why, booked.ID) || c.CustodyEnded {
				t.Errorf("Case booked again: reopened %+v, custody ended %v; want a reopening naming booking %s", c.Reopened, c.CustodyEnded, booked.ID)
			}
			settled.check("booked again, every action settled", desk.CaseClosed)
			keys.verified(t, s, "booked again")

			custody("released")
			waiting.check("released again", desk.CaseClosed)
			keys.verified(t, s, "released again")
		})
	}
}

// TestVerifyLostReopening: an action tried again by a record written
// around the desk (as a crash between the action and its reopening leaves
// it) gives a closed case work; `log verify` reports the case as a
// derived problem naming the request until its page is read, which
// reopens it. On both stores.
func TestVerifyLostReopening(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			d := e.deskOn(t, s)
			keys := newLogKeys(t)
			ctx := context.Background()
			a := agency(t, d, "us/ca/los-angeles-county", "jail")
			req := intakeOf(t, d, a.ID, "ice-1", "notification_request", "notify_release").Request.ID
			other := intakeOf(t, d, a.ID, "ice-2", "notification_request", "notify_release").Request.ID
			for _, r := range []string{req, other} {
				if _, err := d.Act(ctx, clerk, desk.ActInput{Request: r, Action: "notify_release"}); err != nil {
					t.Fatal(err)
				}
			}
			w := caseWatch{t: t, store: s, d: d, agency: a.ID, req: req}
			keys.verified(t, s, "refused")

			// Counsel's override, appended without the desk's reopening.
			body, err := ledger.MarshalCanonical(liaison.OverrideRecord{ID: "ovr_raw", Agency: a.ID, Request: req, Action: "notify_release",
				Reason: "court order 2019-CV-125 requires notice", Actor: counsel, At: e.clock.Now()})
			if err != nil {
				t.Fatal(err)
			}
			salt, err := ledger.NewSalt(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Append(ctx, &liaison.StoredRecord{Kind: liaison.KindOverride, ID: "ovr_raw", Agency: a.ID, Parent: req,
				Body: body, Salt: salt, At: e.clock.Now()}); err != nil {
				t.Fatal(err)
			}
			if _, err := (&ledger.Publisher{Store: s.(ledger.Store), Signer: keys.signer}).Publish(ctx); err != nil {
				t.Fatal(err)
			}
			// lost says which requests a verify of src names as reopenings
			// lost, checking each problem is one.
			lost := func(what string, src ledger.AuditSource, live liaison.Store) []string {
				t.Helper()
				rep, err := ledger.Verify(ctx, src, keys.verifier, desk.NewCaseCheck(live))
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, p := range rep.Problems {
					if p.Kind != ledger.Derived || !strings.Contains(p.Message, "ovr_raw") {
						t.Errorf("Verify() %s: problem %+v, want a derived one naming the override", what, p)
					}
					got = append(got, p.Record)
				}
				return got
			}
			want := []string{"request/" + req}
			if got := lost("with a reopening lost", s.(ledger.AuditSource), s); !slices.Equal(got, want) {
				t.Errorf("Verify() with a reopening lost names %v, want %v", got, want)
			}
			// A verify beside a live desk: its snapshot read before the
			// page's read reopened the case, its check after.
			snap, done, err := s.(ledger.Snapshotter).Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			if _, err := d.Case(ctx, clerk, req, desk.CaseOptions{}); err != nil {
				t.Fatal(err)
			}
			w.check("its page read", desk.CaseOpen)
			keys.verified(t, s, "its page read")
			if got := lost("of a snapshot taken before the reopening, the live store given", snap, s); len(got) != 0 {
				t.Errorf("Verify() of a snapshot without the reopening the live store has names %v as lost, want none", got)
			}
			if got := lost("of a snapshot taken before the reopening, no live store given", snap, nil); !slices.Equal(got, want) {
				t.Errorf("Verify() of a snapshot without the reopening, no live store, names %v, want %v", got, want)
			}
		})
	}
}
