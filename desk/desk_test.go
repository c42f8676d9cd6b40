package desk_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/packs"
	"liaison/sqlite"
)

var (
	admin   = liaison.Actor{ID: "tok_admin", Role: liaison.RoleAdmin}
	clerk   = liaison.Actor{ID: "tok_clerk", Role: liaison.RoleClerk}
	counsel = liaison.Actor{ID: "tok_counsel", Role: liaison.RoleCounsel}
	auditor = liaison.Actor{ID: "tok_auditor", Role: liaison.RoleAuditor}
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	store   *sqlite.Store
	set     *law.Set
	clock   *clock
	hook    *httptest.Server
	mu      sync.Mutex
	posts   []string
	failing bool
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "desk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	e := &env{store: store, set: set, clock: &clock{t: time.Date(2019, 3, 4, 17, 0, 0, 0, time.UTC)}}
	e.hook = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.failing {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		e.posts = append(e.posts, string(b))
	}))
	t.Cleanup(e.hook.Close)
	return e
}

// desk returns a Desk over the env's store: a new one is a restart.
func (e *env) desk(t testing.TB) *desk.Desk {
	t.Helper()
	return e.deskOn(t, e.store)
}

// deskOn returns a Desk like desk, over store (which wraps the env's).
func (e *env) deskOn(t testing.TB, store liaison.Store) *desk.Desk {
	t.Helper()
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{1}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hook := &desk.Webhook{URL: e.hook.URL, Secret: []byte("0123456789abcdef"), Now: e.clock.Now}
	d, err := desk.New(desk.Config{Store: store, Law: e.set, Sealer: sealer, Now: e.clock.Now,
		Channels: map[string]desk.Channel{"webhook": hook}, Channel: "webhook", EscalateAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// deliver runs a dispatcher over d's outbox, two attempts a message a
// minute apart, on a clock of its own (from the env's: the desk's stays
// put), until nothing is due: the attempts made.
func (e *env) deliver(t testing.TB, d *desk.Desk) []liaison.DeliveryRecord {
	t.Helper()
	c := &clock{t: e.clock.Now()}
	p, err := desk.NewDispatcher(d, desk.DispatcherConfig{MaxAttempts: 2, Backoff: time.Minute, Parallel: 1, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	var all []liaison.DeliveryRecord
	for range 3 {
		made, err := p.Tick(context.Background())
		if err != nil {
			t.Fatalf("Tick: %v", err)
		}
		all = append(all, made...)
		c.Add(time.Minute)
	}
	return all
}

func agency(t testing.TB, d *desk.Desk, jur liaison.Jurisdiction, typ liaison.AgencyType) *liaison.AgencyRecord {
	t.Helper()
	a, err := d.CreateAgency(context.Background(), admin, desk.AgencyInput{Name: "Test " + string(jur), Jurisdiction: jur, Type: typ, NoLocalLaw: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func detainer(agency, key string, actions ...liaison.Action) desk.IntakeInput {
	return desk.IntakeInput{Agency: agency, IdempotencyKey: key,
		Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE",
			ProbableCauseBasis: []liaison.PCBasis{"biometric_match"}, InfoRequested: []liaison.InfoItem{"release_date"},
			Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
		Actions: actions,
		Subject: &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release"}, Convictions: []liaison.Offense{}}}
}

func TestIntakeIsIdempotent(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	first, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	if !first.Created || len(first.Decisions) != 2 || first.Decisions[0].Decision.Outcome != liaison.Forbidden {
		t.Fatalf("Intake = created %v, %d decisions, first %s; want created, 2, forbidden (Cal. Gov. Code 7284.6)",
			first.Created, len(first.Decisions), first.Decisions[0].Decision.Outcome)
	}
	size, _ := e.store.TreeSize(ctx)
	again, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Request.ID != first.Request.ID || len(again.Decisions) != 2 {
		t.Errorf("second Intake = created %v, id %s; want the first request %s", again.Created, again.Request.ID, first.Request.ID)
	}
	// The answer holds the person's facts: it is a read, and logged.
	reads, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindRead, Parent: first.Request.ID, From: size})
	if err != nil || len(reads) != 1 || !bytes.Contains(reads[0].Body, []byte(`"id":"`+clerk.ID+`"`)) {
		t.Errorf("second Intake logged reads %v, %v; want one by %s", reads, err, clerk.ID)
	}
	if after, _ := e.store.TreeSize(ctx); after != size+1 {
		t.Errorf("second Intake wrote %d records, want 1 (the read)", after-size)
	}
	if _, err := d.Intake(ctx, auditor, detainer(a.ID, "ice-2", "honor_detainer")); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Intake by an auditor = %v, want denied", err)
	}
	if _, err := d.Intake(ctx, clerk, detainer("agy_nope", "ice-3", "honor_detainer")); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Intake for an unknown agency = %v, want invalid", err)
	}
}

func TestActRefusesThenOverride(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionRefused || !strings.Contains(res.Action.Reason, "7284.6") || len(e.posts) != 0 {
		t.Fatalf("Act = %s (%q), %d posts; want refused citing 7284.6 and nothing sent", res.Action.Status, res.Action.Reason, len(e.posts))
	}
	if _, err := d.Override(ctx, clerk, desk.OverrideInput{Request: in.Request.ID, Action: "honor_detainer", Reason: "a clerk cannot override a refusal"}); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Override by a clerk = %v, want denied", err)
	}
	// A reason is counted in letters and digits: bytes, symbols and
	// invisible characters do not make one.
	for _, reason := range []string{"short", "😀😀😀😀😀", strings.Repeat("\u200b", 20), strings.Repeat("-", 40),
		"a b c d e f g h i j k l m n o p q r s", "Überprüfung 2019 …………"} {
		if _, err := d.Override(ctx, counsel, desk.OverrideInput{Request: in.Request.ID, Action: "honor_detainer", Reason: reason}); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("Override(reason %q) = %v, want invalid", reason, err)
		}
	}
	reason := "Court order of 2019-03-04 in case 19-123 directs the hold.\n" // 37 letters and digits
	ov, err := d.Override(ctx, counsel, desk.OverrideInput{Request: in.Request.ID, Action: "honor_detainer", Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	if ov.Reason != reason {
		t.Errorf("Override stored the reason %q, want it as written, %q", ov.Reason, reason)
	}
	res, err = d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionPending || res.Action.Override != ov.ID || !strings.HasPrefix(res.Action.Reason, "OVERRIDDEN") {
		t.Errorf("Act after override = %+v, want pending and flagged with %s", res.Action, ov.ID)
	}
	e.deliver(t, d)
	if len(e.posts) != 1 || !strings.Contains(e.posts[0], `"override":true`) {
		t.Errorf("webhook posts = %v, want one flagged as an override", e.posts)
	}
}

func TestActRequiredSendsAndTracksTheHold(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	if in.Decisions[0].Decision.Outcome != liaison.Required {
		t.Fatalf("intake decision = %s, want required (Tex. Code Crim. Proc. art. 2.251)", in.Decisions[0].Decision.Outcome)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionPending || len(res.Deliveries) != 0 || len(e.posts) != 0 || res.Action.Message == nil {
		t.Fatalf("Act = %+v with deliveries %+v, %d posts; want pending with its message, nothing sent yet", res.Action, res.Deliveries, len(e.posts))
	}
	if dls := e.deliver(t, d); len(dls) != 1 || !dls[0].OK || dls[0].Action != res.Action.ID || len(e.posts) != 1 {
		t.Fatalf("dispatcher made %+v, %d posts; want one delivery of %s", dls, len(e.posts), res.Action.ID)
	}
	var hold *liaison.DutyRecord
	for i, du := range res.Duties {
		if strings.HasPrefix(du.Text, "End the hold within 48 hours") {
			hold = &res.Duties[i]
		}
	}
	if hold == nil || hold.Due == nil || !hold.Due.Equal(e.clock.Now().Add(48*time.Hour)) {
		t.Fatalf("duties = %+v, want the 48-hour hold limit due %s", res.Duties, e.clock.Now().Add(48*time.Hour))
	}

	// Past the deadline, the scheduler marks the duty overdue; a restarted
	// desk escalates it an hour later.
	e.clock.Add(49 * time.Hour)
	changes, err := d.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(changes, hold.ID, liaison.DutyOverdue) {
		t.Fatalf("Tick = %+v, want %s overdue", changes, hold.ID)
	}
	restarted := e.desk(t)
	if changes, _ := restarted.Tick(ctx); hasChange(changes, hold.ID, liaison.DutyEscalated) {
		t.Errorf("escalated before EscalateAfter: %+v", changes)
	}
	e.clock.Add(61 * time.Minute)
	changes, err = restarted.Tick(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !hasChange(changes, hold.ID, liaison.DutyEscalated) {
		t.Errorf("Tick after restart = %+v, want %s escalated", changes, hold.ID)
	}
	escalated, _, err := restarted.Duties(ctx, clerk, a.ID, liaison.DutyEscalated, desk.Page{})
	if err != nil || !slices.ContainsFunc(escalated, func(du desk.Duty) bool { return du.ID == hold.ID }) {
		t.Errorf("Duties(escalated) = %+v, %v; want the hold duty among them", escalated, err)
	}
	if !strings.Contains(hold.Citation, "287.7") && !strings.Contains(hold.Citation, "I-247A") {
		t.Errorf("hold duty cites %q, want the rule that sets the 48-hour limit", hold.Citation)
	}
}

func hasChange(cs []liaison.DutyChangeRecord, duty string, s liaison.DutyStatus) bool {
	for _, c := range cs {
		if c.Duty == duty && c.Status == s {
			return true
		}
	}
	return false
}

func TestActFailedDelivery(t *testing.T) {
	e := newEnv(t)
	e.failing = true
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	in, _ := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionPending {
		t.Fatalf("Act with the webhook down = %s, want pending", res.Action.Status)
	}
	if dls := e.deliver(t, d); len(dls) != 2 || dls[0].OK || dls[1].OK || dls[0].RetryAt == nil || dls[1].RetryAt != nil {
		t.Fatalf("dispatcher made %+v, want 2 failed attempts, the first with a time to retry", dls)
	}
	c, err := d.Case(ctx, clerk, in.Request.ID, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Actions) != 1 || c.Actions[0].Status != liaison.ActionFailed || c.Actions[0].Settled == nil || c.Actions[0].Settled.Attempts != 2 {
		t.Fatalf("case actions = %+v, want one failed after 2 attempts", c.Actions)
	}
	// The failure opens a duty for staff, which recording the action done
	// by phone closes.
	var duty *desk.CaseDuty
	for i, du := range c.Duties {
		if strings.HasPrefix(du.Text, "Delivery of honor detainer") {
			duty = &c.Duties[i]
		}
	}
	if duty == nil || duty.Status != liaison.DutyOpen {
		t.Fatalf("duties = %+v, want an open duty to carry out the failed delivery", c.Duties)
	}
	// Facts learned later do not supersede it: the action was decided and
	// its delivery failed.
	fres, err := d.Facts(ctx, clerk, in.Request.ID, desk.FactsInput{IdempotencyKey: "f-1", Reason: "the booking record was corrected",
		Subject: &liaison.Subject{Age: 40}})
	if err != nil {
		t.Fatal(err)
	}
	if hasChange(fres.DutyChanges, duty.ID, liaison.DutySuperseded) {
		t.Errorf("Facts changed %+v, want the failed delivery's duty left open", fres.DutyChanges)
	}
	res, err = d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer", OfflineNote: "Phoned the ICE duty officer at 17:20."})
	if err != nil || res.Action.Status != liaison.ActionDoneOffline {
		t.Fatalf("Act with offline_note = %+v, %v; want done_offline", res, err)
	}
	if !hasChange(res.DutyChanges, duty.ID, liaison.DutyDone) {
		t.Errorf("Act done_offline changed %+v, want duty %s done", res.DutyChanges, duty.ID)
	}
}

func TestActNeedsFacts(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	in := detainer(a.ID, "ice-1", "notify_release")
	in.Request.Kind, in.Subject = "notification_request", nil
	r, err := d.Intake(ctx, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "notify_release"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionNeedsFacts || !strings.Contains(res.Action.Reason, "subject.convictions") || len(e.posts) != 0 {
		t.Errorf("Act without criminal history = %s (%q), want needs_facts naming subject.convictions", res.Action.Status, res.Action.Reason)
	}
	if _, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "honor_detainer"}); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Act on an action the request did not ask for = %v, want invalid", err)
	}
}

func TestPersonReadsAreLoggedAndSealed(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, Name: "Jane Roe", BirthDate: "1990-02-03", BookingNumbers: []string{"B-1"}})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.Get(ctx, liaison.KindPerson, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.Body, []byte("Jane")) || bytes.Contains(stored.Body, []byte("1990-02-03")) {
		t.Fatalf("stored person record shows personal data: %s", stored.Body)
	}
	got, err := d.Person(ctx, clerk, p.ID)
	if err != nil || got.Name != "Jane Roe" || got.BirthDate != "1990-02-03" {
		t.Errorf("Person(clerk) = %+v, %v", got, err)
	}
	sealed, err := d.Person(ctx, auditor, p.ID)
	if err != nil || sealed.Name != "" || !sealed.Sealed {
		t.Errorf("Person(auditor) = %+v, %v; want sealed", sealed, err)
	}
	reads, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindRead, Person: p.ID})
	if err != nil || len(reads) != 2 {
		t.Errorf("read records = %d, %v; want 2 (one per read)", len(reads), err)
	}
}

func TestRequestReadsAreLogged(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Request(ctx, auditor, in.Request.ID); err != nil {
		t.Fatal(err)
	}
	reads, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindRead, Parent: in.Request.ID})
	if err != nil || len(reads) != 1 || !bytes.Contains(reads[0].Body, []byte(auditor.ID)) {
		t.Errorf("reads of the request = %d, %v; want one naming the auditor", len(reads), err)
	}
	if _, err := d.Request(ctx, liaison.Actor{ID: "tok_pub", Role: liaison.RolePublic}, in.Request.ID); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Request by the public = %v, want denied", err)
	}
}

// Lists page through the store: more duties than one page are all seen.
func TestDutiesPastOnePage(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	var recs []*liaison.StoredRecord
	for i := range 1203 {
		body := fmt.Appendf(nil, `{"agency":%q,"at":"2019-03-04T17:00:00Z","citation":"c","decision":"dec_x","id":"duty_%d","request":"req_x","status":"open","text":"t"}`, a.ID, i)
		recs = append(recs, &liaison.StoredRecord{Kind: liaison.KindDuty, ID: fmt.Sprintf("duty_%d", i), Agency: a.ID, Parent: "req_x",
			Body: body, Salt: [32]byte{1, byte(i), byte(i >> 8)}, At: e.clock.Now()})
	}
	if err := e.store.Append(ctx, recs...); err != nil {
		t.Fatal(err)
	}
	// Pages of every length but the last end where the next begins; the
	// last page has no next.
	for _, limit := range []int{0, 1, 7, 100, 1000} {
		var all []desk.Duty
		p := desk.Page{Limit: limit}
		for pages := 0; ; pages++ {
			if pages > 1300 {
				t.Fatalf("Duties(limit %d): more pages than duties", limit)
			}
			got, next, err := d.Duties(ctx, clerk, a.ID, "", p)
			if err != nil {
				t.Fatalf("Duties(limit %d, cursor %q) = %v", limit, p.Cursor, err)
			}
			if lim := cmp.Or(limit, desk.DefaultLimit); len(got) > lim {
				t.Fatalf("Duties(limit %d) = a page of %d, more than %d", limit, len(got), lim)
			}
			all = append(all, got...)
			if next == "" {
				break
			}
			p.Cursor = next
		}
		if len(all) != 1203 {
			t.Errorf("Duties(limit %d), every page = %d duties; want all 1203", limit, len(all))
			continue
		}
		for i, du := range all {
			if du.ID != fmt.Sprintf("duty_%d", i) {
				t.Errorf("Duties(limit %d): item %d is %s, want duty_%d (in log order, each once)", limit, i, du.ID, i)
				break
			}
		}
	}
	if _, _, err := d.Duties(ctx, clerk, a.ID, "", desk.Page{Cursor: "x"}); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Duties(cursor x) = %v, want invalid", err)
	}
	if _, _, err := d.Duties(ctx, clerk, a.ID, "", desk.Page{Limit: desk.MaxLimit + 1}); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Duties(limit %d) = %v, want invalid", desk.MaxLimit+1, err)
	}
}

// TestIntakeJSONIsItsRecords: the answer to an intake is the bodies of the
// records it stored, and the same JSON as encoding the result would give.
func TestIntakeJSONIsItsRecords(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	for _, actions := range [][]liaison.Action{{"honor_detainer"}, {"honor_detainer", "notify_release", "share_info"}} {
		res, err := d.Intake(ctx, clerk, detainer(a.ID, fmt.Sprint(len(actions)), actions...))
		if err != nil {
			t.Fatal(err)
		}
		want, err := ledger.MarshalCanonical(res)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.JSON(); !bytes.Equal(got, want) {
			t.Errorf("JSON() =\n%s\nwant the result encoded:\n%s", got, want)
		}
		rec, err := e.store.Get(ctx, liaison.KindDecision, res.Decisions[len(res.Decisions)-1].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(res.JSON(), rec.Body) {
			t.Errorf("JSON() does not hold the stored decision %s as stored", rec.ID)
		}
		var back desk.IntakeResult
		if err := json.Unmarshal(res.JSON(), &back); err != nil || len(back.Decisions) != len(actions) || !back.Created {
			t.Errorf("JSON() reads back as %d decisions, created %v (%v), want %d, true", len(back.Decisions), back.Created, err, len(actions))
		}
	}
}

// TestRepeatedIntakeIsARead: the same key with a different request is a
// conflict that names the first field that differs and shows nothing; the
// same request again is answered only to who may read it, and logged.
func TestRepeatedIntakeIsARead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.desk(t)
	a := agency(t, d, "us/ca/test-county", "jail")
	b := agency(t, d, "us/tx/travis-county", "sheriff")
	in := detainer(a.ID, "ice-1", "honor_detainer")
	in.Subject.Convictions = []liaison.Offense{{Offense: "CA PC 211", Jurisdiction: "us/ca", Level: "felony", Date: time.Date(2012, 5, 14, 0, 0, 0, 0, time.UTC)}}
	first, err := d.Intake(ctx, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		change func(in *desk.IntakeInput)
		field  string
	}{
		{"another action", func(in *desk.IntakeInput) { in.Actions = []liaison.Action{"notify_release"} }, "actions[0]"},
		{"another action too", func(in *desk.IntakeInput) { in.Actions = append(in.Actions, "notify_release") }, "actions[1]"},
		{"another level", func(in *desk.IntakeInput) { in.Subject.Convictions[0].Level = "misdemeanor" }, "subject.convictions[0].level"},
		{"no convictions", func(in *desk.IntakeInput) { in.Subject.Convictions = nil }, "subject.convictions"},
		{"a person", func(in *desk.IntakeInput) { in.Person = "per_x" }, "person"},
		{"another form", func(in *desk.IntakeInput) { in.Request.Form = "I-247D" }, "request.form"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			changed := detainer(a.ID, "ice-1", "honor_detainer")
			changed.Subject.Convictions = slices.Clone(in.Subject.Convictions)
			tt.change(&changed)
			size, _ := e.store.TreeSize(ctx)
			got, err := d.Intake(ctx, clerk, changed)
			var le *liaison.Error
			if !errors.As(err, &le) || le.Kind != liaison.Conflicting || le.Field != tt.field || !strings.Contains(le.Message, first.Request.ID) {
				t.Errorf("Intake(same key, %s) = %+v, %v; want a conflict about %s naming %s", tt.name, got, err, tt.field, first.Request.ID)
			}
			if after, _ := e.store.TreeSize(ctx); after != size {
				t.Errorf("Intake(same key, %s) wrote %d records, want none", tt.name, after-size)
			}
		})
	}

	// An empty list and one left out are the same request.
	same := detainer(a.ID, "ice-1", "honor_detainer")
	same.Subject.Convictions = slices.Clone(in.Subject.Convictions)
	same.Agreements = []liaison.Agreement{}
	size, _ := e.store.TreeSize(ctx)
	supervisor := liaison.Actor{ID: "tok_supervisor", Role: liaison.RoleSupervisor, Agency: a.ID}
	again, err := d.Intake(ctx, supervisor, same)
	if err != nil || again.Created || again.Request.ID != first.Request.ID {
		t.Fatalf("Intake(same request, by a supervisor of the agency) = %+v, %v; want the stored %s", again, err, first.Request.ID)
	}
	reads, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindRead, From: size})
	if err != nil || len(reads) != 1 || !bytes.Contains(reads[0].Body, []byte(`"id":"tok_supervisor"`)) {
		t.Errorf("the repeat logged reads %v, %v; want one by the supervisor", reads, err)
	}

	// A token of another agency reaches neither the stored request nor the
	// key: it is refused before either is looked at.
	size, _ = e.store.TreeSize(ctx)
	texan := liaison.Actor{ID: "tok_texan", Role: liaison.RoleClerk, Agency: b.ID}
	if got, err := d.Intake(ctx, texan, in); liaison.KindOf(err) != liaison.Denied || got != nil {
		t.Errorf("Intake(another agency's key) by a token of %s = %+v, %v; want denied", b.ID, got, err)
	}
	if after, _ := e.store.TreeSize(ctx); after != size {
		t.Errorf("a refused repeat wrote %d records, want none", after-size)
	}
}

// TestDutiesPagedWithStatus: each page of duties shows each duty's latest
// status, the changes of later pages included, and a status filter over
// pages finds the same duties as over one.
func TestDutiesPagedWithStatus(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	var done []string
	for i := range 6 {
		res, err := d.Intake(ctx, clerk, detainer(a.ID, fmt.Sprint("ice-", i), "honor_detainer"))
		if err != nil || len(res.Duties) == 0 {
			t.Fatalf("Intake = %v, %v; want a duty", res, err)
		}
		if i%2 == 1 {
			for _, du := range res.Duties {
				if _, err := d.CompleteDuty(ctx, clerk, du.ID, desk.DoneInput{}); err != nil {
					t.Fatal(err)
				}
				done = append(done, du.ID)
			}
		}
	}
	for _, limit := range []int{1, 2, 1000} {
		var got []string
		p := desk.Page{Limit: limit}
		for {
			page, next, err := d.Duties(ctx, clerk, a.ID, liaison.DutyDone, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, du := range page {
				if du.Status != liaison.DutyDone {
					t.Errorf("Duties(done, limit %d) holds %s, %s", limit, du.ID, du.Status)
				}
				got = append(got, du.ID)
			}
			if next == "" {
				break
			}
			p.Cursor = next
		}
		if !slices.Equal(got, done) {
			t.Errorf("Duties(done), pages of %d = %v, want %v", limit, got, done)
		}
	}
}
