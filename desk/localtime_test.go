package desk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

func TestCreateAgencyTimeZoneAndJurisdiction(t *testing.T) {
	d := newEnv(t).desk(t)
	ctx := context.Background()
	for _, tt := range []struct {
		in       desk.AgencyInput
		zone     string // want, when created
		field    string // of the Invalid error, when not
		messages []string
	}{
		{in: desk.AgencyInput{Jurisdiction: "us/ca/los-angeles-county", NoLocalLaw: true}, zone: "America/Los_Angeles"},
		{in: desk.AgencyInput{Jurisdiction: "us/tx/el-paso-county", NoLocalLaw: true}, zone: "America/Denver"},
		{in: desk.AgencyInput{Jurisdiction: "us/tx/harris-county", NoLocalLaw: true}, zone: "America/Chicago"},
		{in: desk.AgencyInput{Jurisdiction: "us/ma/boston"}, zone: "America/New_York"},
		{in: desk.AgencyInput{Jurisdiction: "us/tx", TimeZone: "America/Denver"}, zone: "America/Denver"},
		{in: desk.AgencyInput{Jurisdiction: "us"}, field: "time_zone", messages: []string{"name the agency's"}},
		{in: desk.AgencyInput{Jurisdiction: "us", TimeZone: "America/New_York"}, zone: "America/New_York"},
		{in: desk.AgencyInput{Jurisdiction: "us/ca", TimeZone: "Pacific"}, field: "time_zone", messages: []string{`"Pacific"`}},
		{in: desk.AgencyInput{Jurisdiction: "us/txx/harris"}, field: "jurisdiction", messages: []string{`"txx"`, "us/tx", "no_local_law"}},
		{in: desk.AgencyInput{Jurisdiction: "us/tx/harris-county"}, field: "jurisdiction", messages: []string{`"harris-county"`, "no_local_law"}},
	} {
		tt.in.Name, tt.in.Type = "Agency at "+string(tt.in.Jurisdiction), "sheriff"
		a, err := d.CreateAgency(ctx, admin, tt.in)
		if tt.field == "" {
			if err != nil || a.TimeZone != tt.zone || a.NoLocalLaw != tt.in.NoLocalLaw {
				t.Errorf("CreateAgency(%+v) = %+v, %v; want zone %s", tt.in, a, err, tt.zone)
			}
			continue
		}
		var e *liaison.Error
		if !errors.As(err, &e) || e.Kind != liaison.Invalid || e.Field != tt.field {
			t.Errorf("CreateAgency(%+v) = %v, want invalid %s", tt.in, err, tt.field)
			continue
		}
		for _, m := range tt.messages {
			if !strings.Contains(e.Message, m) {
				t.Errorf("CreateAgency(%+v) = %v, want it to say %s", tt.in, err, m)
			}
		}
	}
}

// The 8 C.F.R. 287.7(d) hold of a Texas sheriff, begun at 19:00 on a
// Friday local time, must end 48 business hours later on the local
// calendar: Tuesday 19:00 CST, not a time shifted by UTC's weekend.
func TestHoldEndsInLocalBusinessHours(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name       string
		start, end time.Time
	}{
		{"Friday evening", time.Date(2024, 3, 1, 19, 0, 0, 0, chicago), time.Date(2024, 3, 5, 19, 0, 0, 0, chicago)},
		// Labor Day, Monday 2024-09-02.
		{"across Labor Day", time.Date(2024, 8, 30, 20, 0, 0, 0, chicago), time.Date(2024, 9, 4, 20, 0, 0, 0, chicago)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.clock.t = tt.start.UTC()
			d := e.desk(t)
			ctx := context.Background()
			a := agency(t, d, "us/tx/travis-county", "sheriff")
			in := detainer(a.ID, "ice-1", "honor_detainer")
			in.Request.Form = "I-247" // a form that sets no hold period of its own: 8 C.F.R. 287.7(d) does
			res, err := d.Act(ctx, clerk, desk.ActInput{Request: mustIntake(t, d, in).Request.ID, Action: "honor_detainer"})
			if err != nil {
				t.Fatal(err)
			}
			var hold *liaison.DutyRecord
			for i, du := range res.Duties {
				if strings.HasPrefix(du.Text, "End the hold") {
					hold = &res.Duties[i]
				}
			}
			if hold == nil || hold.Due == nil {
				t.Fatalf("Act = %s; duties %+v; want one to end the hold, with a due time", res.Action.Status, res.Duties)
			}
			if !hold.Due.Equal(tt.end) {
				t.Errorf("the hold's end-by duty is due %s, want %s", hold.Due.In(chicago), tt.end)
			}
		})
	}
}

func mustIntake(t *testing.T, d *desk.Desk, in desk.IntakeInput) *desk.IntakeResult {
	t.Helper()
	res, err := d.Intake(context.Background(), clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestOverrideOnlyARefusal(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	reason := "Court order of 2019-03-04 in case 19-123 directs the hold"
	ca := agency(t, d, "us/ca/test-county", "jail")
	req := mustIntake(t, d, detainer(ca.ID, "ice-1", "honor_detainer")).Request.ID
	// Never tried: nothing was refused yet.
	if _, err := d.Override(ctx, counsel, desk.OverrideInput{Request: req, Action: "honor_detainer", Reason: reason}); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Override before any attempt = %v, want conflict", err)
	}
	// Carried out: nothing to override.
	tx := agency(t, d, "us/tx/travis-county", "sheriff")
	txReq := mustIntake(t, d, detainer(tx.ID, "ice-2", "honor_detainer")).Request.ID
	if res, err := d.Act(ctx, clerk, desk.ActInput{Request: txReq, Action: "honor_detainer"}); err != nil || res.Action.Status != liaison.ActionPending {
		t.Fatalf("Act in Texas = %v, %v", res, err)
	}
	if _, err := d.Override(ctx, counsel, desk.OverrideInput{Request: txReq, Action: "honor_detainer", Reason: reason}); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Override of an action carried out = %v, want conflict", err)
	}
	// Refused: counsel may, and the records name who.
	if res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "honor_detainer"}); err != nil || res.Action.Status != liaison.ActionRefused {
		t.Fatalf("Act in California = %v, %v", res, err)
	}
	named := liaison.Actor{ID: "tok_cc", Name: "County Counsel A. Example", Role: liaison.RoleCounsel}
	ov, err := d.Override(ctx, named, desk.OverrideInput{Request: req, Action: "honor_detainer", Reason: reason})
	if err != nil || ov.Actor.Name != named.Name || ov.Actor.ID != named.ID {
		t.Fatalf("Override of a refusal = %+v, %v; want it recorded with %s and %s", ov, err, named.Name, named.ID)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "honor_detainer"})
	if err != nil || !strings.Contains(res.Action.Reason, named.Name) || !strings.Contains(res.Action.Reason, named.ID) {
		t.Errorf("Act after the override = %+v, %v; want the reason to name %s and the token %s", res, err, named.Name, named.ID)
	}
}

// With no outbound channel, an action the law lets go ahead is done by
// staff and recorded done_offline with their note; nothing is sent.
func TestActWithoutChannelIsDoneOffline(t *testing.T) {
	e := newEnv(t)
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{1}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: e.store, Law: e.set, Sealer: sealer, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	req := mustIntake(t, d, detainer(a.ID, "ice-1", "honor_detainer")).Request.ID
	size, _ := e.store.TreeSize(ctx)
	if _, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "honor_detainer"}); liaison.KindOf(err) != liaison.Invalid || !strings.Contains(err.Error(), "offline_note") {
		t.Errorf("Act without a channel or a note = %v, want invalid offline_note", err)
	}
	if after, _ := e.store.TreeSize(ctx); after != size {
		t.Errorf("a refused Act wrote %d records, want none", after-size)
	}
	note := "Phoned the ICE duty officer at 10:05"
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: "honor_detainer", OfflineNote: note})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionDoneOffline || res.Action.OfflineNote != note || res.Action.Channel != "" || len(res.Deliveries) != 0 {
		t.Errorf("Act = %+v, %d deliveries; want done_offline with the note and nothing sent", res.Action, len(res.Deliveries))
	}
	if len(res.Duties) == 0 {
		t.Errorf("Act done offline brought no duties; want the hold's end-by duty")
	}
}

// What goes out carries what the decision lets the action disclose: the
// release date and time for a release notification, in local time, and
// nothing about the person for a hold.
func TestMessageDisclosesOnlyWhatTheLawAllows(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, BookingNumbers: []string{"B-1"}, Name: "Test Person", BirthDate: "1990-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	release := time.Date(2019, 3, 6, 14, 0, 0, 0, time.UTC)
	if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "release_scheduled", At: e.clock.t, ScheduledRelease: release}); err != nil {
		t.Fatal(err)
	}
	in := detainer(a.ID, "ice-1", "honor_detainer", "notify_release")
	in.Person = p.ID
	req := mustIntake(t, d, in).Request.ID
	for _, act := range []liaison.Action{"notify_release", "honor_detainer"} {
		if res, err := d.Act(ctx, clerk, desk.ActInput{Request: req, Action: act}); err != nil || res.Action.Status != liaison.ActionPending {
			t.Fatalf("Act(%s) = %+v, %v; want pending", act, res, err)
		}
	}
	e.deliver(t, d)
	if len(e.posts) != 2 {
		t.Fatalf("posts = %v, want 2", e.posts)
	}
	if want := `"release":"2019-03-06T08:00:00-06:00"`; !strings.Contains(e.posts[0], want) || !strings.Contains(e.posts[0], `"disclose":["release_date","release_time"]`) {
		t.Errorf("release notification = %s, want %s in the agency's time and the disclose list", e.posts[0], want)
	}
	if strings.Contains(e.posts[1], "release") || strings.Contains(e.posts[1], "disclose") || strings.Contains(e.posts[1], "Test Person") {
		t.Errorf("hold message = %s, want nothing about the person", e.posts[1])
	}
}
