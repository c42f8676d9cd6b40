package desk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

var supervisor = liaison.Actor{ID: "tok_supervisor", Role: liaison.RoleSupervisor}

// bostonDesk returns an env whose clock stands at now, its desk, and a
// Boston police agency.
func bostonDesk(t *testing.T, now time.Time) (*env, *desk.Desk, *liaison.AgencyRecord) {
	t.Helper()
	e := newEnv(t)
	e.clock.t = now
	d := e.desk(t)
	return e, d, agency(t, d, "us/ma/boston", "police")
}

// bostonEmail is the seed's case: a Boston police officer e-mails an ICE
// agent that a person is about to be released from jail.
func bostonEmail(agency string, at time.Time, key string) desk.ContactInput {
	return desk.ContactInput{Agency: agency, Officer: "BPD-1042", At: at, Channel: "email", Counterpart: "ice_ero",
		Action: "notify_release", Disclosed: []liaison.InfoItem{"release_date"}, Source: "audit", IdempotencyKey: key}
}

// The Boston officer's e-mail, recorded as of October 2019 and as of 2025:
// each is decided under the Boston Trust Act version then in force, and
// says that 1373/1644 did not protect it (a release date is not status
// information). Reviewed, revised, read: all logged.
func TestBostonContactAsOfWhenItHappened(t *testing.T) {
	_, d, a := bostonDesk(t, time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC))
	ctx := context.Background()
	for _, tt := range []struct {
		at      time.Time
		version string // the local law in force
		cites   string // the decisive citation, when forbidden
		outcome liaison.Outcome
	}{
		// The 2014 ordinance held people only: it did not restrict telling
		// of a release.
		{time.Date(2019, 10, 15, 14, 0, 0, 0, time.UTC), "Boston Trust Act (2014", "", liaison.Permitted},
		{time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC), "Boston Trust Act as amended 2019", "Boston Trust Act (2019)", liaison.Forbidden},
	} {
		c, created, err := d.RecordContact(ctx, supervisor, bostonEmail(a.ID, tt.at, "msg-"+tt.at.Format("2006")))
		if err != nil || !created {
			t.Fatalf("RecordContact(%s) = %v, %v", tt.at, created, err)
		}
		if c.Decision.Outcome != tt.outcome {
			t.Errorf("contact of %s: outcome %s, want %s: %s", tt.at, c.Decision.Outcome, tt.outcome, c.Decision.Explanation)
		}
		if len(c.LocalLaw) != 1 || !strings.HasPrefix(c.LocalLaw[0], tt.version) {
			t.Errorf("contact of %s: local law in force %q, want the %s version", tt.at, c.LocalLaw, tt.version)
		}
		if tt.cites != "" && !citesIn(c.Decision.Decisive, tt.cites) {
			t.Errorf("contact of %s: decisive %+v, want %s", tt.at, c.Decision.Decisive, tt.cites)
		}
		if !strings.Contains(c.Federal, "do not protect") || !strings.Contains(c.Federal, "release date") {
			t.Errorf("contact of %s: federal note %q, want it to say 1373/1644 did not protect a release date", tt.at, c.Federal)
		}
		if c.PackSet == "" || c.Engine == "" || !c.At.Equal(tt.at) {
			t.Errorf("contact %+v: want its pack set, engine and time", c)
		}
		again, created, err := d.RecordContact(ctx, supervisor, bostonEmail(a.ID, tt.at, "msg-"+tt.at.Format("2006")))
		if err != nil || created || again.ID != c.ID {
			t.Errorf("RecordContact again = %v, %v, %v; want the stored %s", again, created, err, c.ID)
		}
	}
	other := bostonEmail(a.ID, time.Date(2025, 3, 11, 0, 0, 0, 0, time.UTC), "msg-2025")
	if _, _, err := d.RecordContact(ctx, supervisor, other); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("another contact under a used key = %v, want conflicting", err)
	}
}

func citesIn(rs []liaison.RuleRef, s string) bool {
	for _, r := range rs {
		if strings.Contains(r.Citation, s) {
			return true
		}
	}
	return false
}

func TestContactReviewHasHistory(t *testing.T) {
	e, d, a := bostonDesk(t, time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC))
	ctx := context.Background()
	c, _, err := d.RecordContact(ctx, clerk, bostonEmail(a.ID, time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC), ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Review(ctx, clerk, c.ID, desk.FindingInput{Finding: "unlawful", Reason: "r"}); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("a clerk's review = %v, want denied", err)
	}
	first, err := d.Review(ctx, supervisor, c.ID, desk.FindingInput{Finding: "cannot_be_determined", Reason: "waiting for the officer"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := d.Review(ctx, counsel, c.ID, desk.FindingInput{Finding: "unlawful", Reason: "a release date given for civil enforcement",
		OfficerStatement: "I thought it was allowed"})
	if err != nil {
		t.Fatal(err)
	}
	if second.Supersedes != first.ID {
		t.Errorf("revised finding supersedes %q, want %q", second.Supersedes, first.ID)
	}
	third, err := d.Review(ctx, supervisor, c.ID, desk.FindingInput{Finding: "unlawful", Reason: "confirmed on appeal"})
	if err != nil {
		t.Fatal(err)
	}
	if third.Supersedes != second.ID {
		t.Errorf("a third finding supersedes %q, want the second, %q", third.Supersedes, second.ID)
	}
	reads := func() int {
		t.Helper()
		recs, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindRead, Parent: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	before := reads()
	v, err := d.Contact(ctx, auditor, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Findings) != 3 || v.Finding == nil || v.Finding.ID != third.ID || v.Findings[1].OfficerStatement == "" {
		t.Errorf("Contact = %+v, want the three findings, the third in force", v)
	}
	if reads() != before+1 {
		t.Errorf("reading a contact logged %d reads, want 1", reads()-before)
	}
	other := liaison.Actor{ID: "tok_x", Role: liaison.RoleSupervisor, Agency: "agy_other"}
	if _, err := d.Contact(ctx, other, c.ID); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Contact by another agency's supervisor = %v, want denied", err)
	}
}

// The same Boston officer asking first, in 2025: no, with the Trust Act's
// citation, and kept as a record of good faith when asked to.
func TestAskFirst(t *testing.T) {
	_, d, a := bostonDesk(t, time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC))
	ctx := context.Background()
	ask := desk.AskInput{Agency: a.ID, Officer: "BPD-1042", Channel: "email", Counterpart: "ice_ero",
		Action: "notify_release", Disclosed: []liaison.InfoItem{"release_date"}}
	ans, err := d.Ask(ctx, clerk, ask)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ans.Answer, "No:") || !strings.Contains(ans.Answer, "Boston Trust Act (2019)") || ans.Kept {
		t.Errorf("Ask = %+v, want a plain no citing the 2019 Trust Act, not kept", ans)
	}
	if _, err := d.Contact(ctx, clerk, ans.Contact.ID); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("an answer not kept is stored: %v", err)
	}
	// Status information: 8 U.S.C. 1373 and 1644 protect sharing it.
	ask.Action, ask.Disclosed, ask.Keep = "share_info", []liaison.InfoItem{"immigration_status"}, true
	ans, err = d.Ask(ctx, clerk, ask)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ans.Answer, "Yes") || !strings.Contains(ans.Contact.Federal, "apply:") || !ans.Kept {
		t.Errorf("Ask(status) = %+v, want yes, under 1373/1644, kept", ans)
	}
	v, err := d.Contact(ctx, clerk, ans.Contact.ID)
	if err != nil || v.Contact.Source != "asked_first" {
		t.Errorf("kept answer = %+v, %v", v, err)
	}
	// Not knowing why the information would be shared with an HSI agent,
	// the answer is undetermined and names the purpose.
	ask.Counterpart, ask.Action, ask.Disclosed, ask.Keep = "ice_hsi", "share_info", []liaison.InfoItem{"address"}, false
	ans, err = d.Ask(ctx, clerk, ask)
	if err != nil {
		t.Fatal(err)
	}
	if ans.Contact.Decision.Outcome != liaison.Undetermined || !strings.Contains(ans.Answer, "context.purpose") {
		t.Errorf("Ask(HSI, no purpose) = %+v, want undetermined naming the purpose", ans)
	}
}

// An officer answering a call for help or an officer-safety emergency that
// involves federal agents is not cooperating in immigration enforcement:
// no bundled law flags it. Exigent circumstances without a purpose are
// an emergency response.
func TestEmergencyResponseIsNeverForbidden(t *testing.T) {
	e := newEnv(t)
	e.clock.t = time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC)
	d := e.desk(t)
	ctx := context.Background()
	for _, j := range []liaison.Jurisdiction{"us/ma/boston", "us/nj", "us/ca", "us/il", "us/or", "us/wa", "us/ny/new-york-city", "us/tx", "us/fl"} {
		a := agency(t, d, j, "police")
		for _, at := range []time.Time{time.Date(2019, 10, 15, 14, 0, 0, 0, time.UTC), time.Date(2025, 6, 1, 3, 0, 0, 0, time.UTC)} {
			for _, cp := range []liaison.Counterpart{"ice_ero", "ice_hsi", "cbp"} {
				c, _, err := d.RecordContact(ctx, supervisor, desk.ContactInput{Agency: a.ID, Officer: "P-1", At: at, Channel: "in_person",
					Counterpart: cp, Action: "assist_operation", Exigent: true, Source: "self_report"})
				if err != nil {
					t.Fatal(err)
				}
				if o := c.Decision.Outcome; o == liaison.Forbidden || o == liaison.Conflict || o == liaison.Undetermined {
					t.Errorf("%s, %s, with %s: a 911 response is %s: %s", j, at.Format("2006-01-02"), cp, o, c.Decision.Explanation)
				}
			}
		}
	}
}

// Figures count contacts by month, channel, counterpart, disclosure,
// outcome and finding in force, and name no officer.
func TestContactFigures(t *testing.T) {
	_, d, a := bostonDesk(t, time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC))
	ctx := context.Background()
	var ids []string
	// The third, to CBP without a purpose, is undetermined: the purpose
	// decides it.
	for i, at := range []time.Time{time.Date(2019, 10, 15, 14, 0, 0, 0, time.UTC), time.Date(2025, 3, 10, 14, 0, 0, 0, time.UTC), time.Date(2025, 3, 11, 9, 0, 0, 0, time.UTC)} {
		in := bostonEmail(a.ID, at, "")
		if i == 2 {
			in.Channel, in.Counterpart, in.Action, in.Disclosed = "phone", "cbp", "share_info", []liaison.InfoItem{"address", "immigration_status"}
		}
		c, _, err := d.RecordContact(ctx, supervisor, in)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	for _, f := range []liaison.Finding{"cannot_be_determined", "unlawful"} {
		if _, err := d.Review(ctx, counsel, ids[1], desk.FindingInput{Finding: f, Reason: "read"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Ask(ctx, clerk, desk.AskInput{Agency: a.ID, Officer: "BPD-1042", Channel: "email", Counterpart: "ice_ero", Action: "notify_release", Keep: true}); err != nil {
		t.Fatal(err)
	}
	f, err := d.Figures(ctx, auditor, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var csv strings.Builder
	if err := f.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	want := `dimension,value,contacts
all,,3
questions,,1
month,2019-10,1
month,2025-03,2
channel,email,2
channel,phone,1
counterpart,cbp,1
counterpart,ice_ero,2
disclosure,address,1
disclosure,immigration_status,1
disclosure,release_date,2
outcome,forbidden,1
outcome,permitted,1
outcome,undetermined,1
finding,unlawful,1
finding,unreviewed,2
`
	if csv.String() != want {
		t.Errorf("figures CSV =\n%s\nwant\n%s", csv.String(), want)
	}
	if strings.Contains(csv.String(), "BPD-1042") {
		t.Error("figures name the officer")
	}
	if _, err := d.Figures(ctx, clerk, a.ID); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("a clerk's figures = %v, want denied", err)
	}
}
