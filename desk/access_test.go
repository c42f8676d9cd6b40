package desk_test

import (
	"context"
	"crypto/rand"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// TestScope calls the desk as an actor limited to one agency (A) about
// another agency's (B's) records: every call is refused with Denied about
// the field that named B, and writes nothing; lists hold A's alone. The
// desk checks this itself, whatever is in front of it.
func TestScope(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.desk(t)
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	b := agency(t, d, "us/ca/test-county", "jail") // its hold is refused, so counsel may override
	// B's records: a person, a request about them, its duties, a token.
	pb, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: b.ID, Name: "Jane Roe"})
	if err != nil {
		t.Fatal(err)
	}
	in := detainer(b.ID, "ice-b", "honor_detainer")
	in.Person = pb.ID
	rb, err := d.Intake(ctx, clerk, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rb.Duties) == 0 {
		t.Fatal("the California detainer brought no duty")
	}
	if res, err := d.Act(ctx, clerk, desk.ActInput{Request: rb.Request.ID, Action: "honor_detainer"}); err != nil || res.Action.Status != liaison.ActionRefused {
		t.Fatalf("Act in California = %+v, %v; want refused", res, err)
	}
	tb, err := d.Tokens().Create(ctx, admin, desk.TokenInput{Name: "B's clerk", Role: liaison.RoleClerk, Agency: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	ob, err := d.Override(ctx, liaison.Actor{ID: "tok_counsel", Role: liaison.RoleCounsel}, desk.OverrideInput{Request: rb.Request.ID, Action: "honor_detainer", Reason: strings.Repeat("a written reason ", 3)})
	if err != nil {
		t.Fatal(err)
	}
	// A's: a request and a token, for the lists.
	ra, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-a", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	ta, err := d.Tokens().Create(ctx, admin, desk.TokenInput{Name: "A's clerk", Role: liaison.RoleClerk, Agency: a.ID})
	if err != nil {
		t.Fatal(err)
	}

	as := func(r liaison.Role) liaison.Actor {
		return liaison.Actor{ID: "tok_" + string(r) + "_a", Role: r, Agency: a.ID}
	}
	for _, tt := range []struct {
		name, field string
		call        func() error
	}{
		{"CreateAgency", "", func() error {
			_, err := d.CreateAgency(ctx, as(liaison.RoleAdmin), desk.AgencyInput{Name: "New", Jurisdiction: "us/tx", Type: "police"})
			return err
		}},
		{"Agency", "id", func() error { _, err := d.Agency(ctx, as(liaison.RoleClerk), b.ID); return err }},
		{"CreatePerson", "agency", func() error {
			_, err := d.CreatePerson(ctx, as(liaison.RoleClerk), desk.PersonInput{Agency: b.ID, Name: "X"})
			return err
		}},
		{"Person", "id", func() error { _, err := d.Person(ctx, as(liaison.RoleClerk), pb.ID); return err }},
		{"RecordCustody", "person", func() error {
			_, err := d.RecordCustody(ctx, as(liaison.RoleClerk), desk.CustodyInput{Person: pb.ID, Kind: "booked", At: e.clock.Now()})
			return err
		}},
		{"Intake", "agency", func() error {
			_, err := d.Intake(ctx, as(liaison.RoleClerk), detainer(b.ID, "ice-new", "honor_detainer"))
			return err
		}},
		{"Request", "id", func() error { _, err := d.Request(ctx, as(liaison.RoleAuditor), rb.Request.ID); return err }},
		{"Case", "id", func() error {
			_, err := d.Case(ctx, as(liaison.RoleAuditor), rb.Request.ID, desk.CaseOptions{})
			return err
		}},
		{"DecisionRecord", "id", func() error { _, err := d.DecisionRecord(ctx, as(liaison.RoleAuditor), rb.Decisions[0].ID); return err }},
		{"OverrideRecord", "id", func() error { _, err := d.OverrideRecord(ctx, as(liaison.RoleAuditor), ob.ID); return err }},
		{"Requests", "agency", func() error {
			_, _, err := d.Requests(ctx, as(liaison.RoleClerk), desk.RequestFilter{Agency: b.ID}, desk.Page{})
			return err
		}},
		{"People", "agency", func() error { _, _, err := d.People(ctx, as(liaison.RoleClerk), b.ID, "", desk.Page{}); return err }},
		{"Act", "request", func() error {
			_, err := d.Act(ctx, as(liaison.RoleClerk), desk.ActInput{Request: rb.Request.ID, Action: "honor_detainer"})
			return err
		}},
		{"Override", "request", func() error {
			_, err := d.Override(ctx, as(liaison.RoleCounsel), desk.OverrideInput{Request: rb.Request.ID, Action: "honor_detainer", Reason: strings.Repeat("a written reason ", 3)})
			return err
		}},
		{"Facts", "id", func() error {
			_, err := d.Facts(ctx, as(liaison.RoleClerk), rb.Request.ID, desk.FactsInput{IdempotencyKey: "f", Reason: "another agency's case", Subject: &liaison.Subject{Age: 30}})
			return err
		}},
		{"Duties", "agency", func() error { _, _, err := d.Duties(ctx, as(liaison.RoleClerk), b.ID, "", desk.Page{}); return err }},
		{"CompleteDuty", "id", func() error {
			_, err := d.CompleteDuty(ctx, as(liaison.RoleClerk), rb.Duties[0].ID, desk.DoneInput{})
			return err
		}},
		{"Record", "id", func() error {
			_, err := d.Record(ctx, as(liaison.RoleAuditor), liaison.KindRequest, rb.Request.ID)
			return err
		}},
		{"Tokens.Create for another agency", "agency", func() error {
			_, err := d.Tokens().Create(ctx, as(liaison.RoleAdmin), desk.TokenInput{Name: "x", Role: liaison.RoleClerk, Agency: b.ID})
			return err
		}},
		{"Tokens.Create for every agency", "agency", func() error {
			_, err := d.Tokens().Create(ctx, as(liaison.RoleAdmin), desk.TokenInput{Name: "x", Role: liaison.RoleAdmin})
			return err
		}},
		{"Tokens.Revoke", "id", func() error { _, err := d.Tokens().Revoke(ctx, as(liaison.RoleAdmin), tb.Record.ID); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := e.store.TreeSize(ctx)
			err := tt.call()
			var le *liaison.Error
			if !errors.As(err, &le) || le.Kind != liaison.Denied || le.Field != tt.field || !strings.Contains(le.Message, a.ID) {
				t.Errorf("%s as a token of %s about %s's records = %v, want denied about %q naming %s", tt.name, a.ID, b.ID, err, tt.field, a.ID)
			}
			if after, _ := e.store.TreeSize(ctx); after != before {
				t.Errorf("%s, refused, wrote %d records", tt.name, after-before)
			}
		})
	}

	// The same calls about A's own records are allowed.
	if _, err := d.Request(ctx, as(liaison.RoleAuditor), ra.Request.ID); err != nil {
		t.Errorf("Request of A's own as A's auditor = %v", err)
	}
	if _, err := d.Agency(ctx, as(liaison.RoleClerk), a.ID); err != nil {
		t.Errorf("Agency(A) as A's clerk = %v", err)
	}
	// Lists hold A's alone.
	agencies, _, err := d.Agencies(ctx, as(liaison.RoleAdmin), desk.Page{})
	if err != nil || len(agencies) != 1 || agencies[0].ID != a.ID {
		t.Errorf("Agencies as A's admin = %+v, %v; want A alone", agencies, err)
	}
	duties, _, err := d.Duties(ctx, as(liaison.RoleClerk), "", "", desk.Page{})
	if err != nil || len(duties) != len(ra.Duties) {
		t.Errorf("Duties as A's clerk = %d, %v; want A's %d", len(duties), err, len(ra.Duties))
	}
	for _, du := range duties {
		if du.Agency != a.ID {
			t.Errorf("Duties as A's clerk holds %s of %s", du.ID, du.Agency)
		}
	}
	reqs, _, err := d.Requests(ctx, as(liaison.RoleClerk), desk.RequestFilter{}, desk.Page{})
	if err != nil || len(reqs) != 1 || reqs[0].ID != ra.Request.ID {
		t.Errorf("Requests as A's clerk = %+v, %v; want A's alone", reqs, err)
	}
	if people, _, err := d.People(ctx, as(liaison.RoleClerk), "", "", desk.Page{}); err != nil || len(people) != 0 {
		t.Errorf("People as A's clerk = %+v, %v; want none (A has none)", people, err)
	}
	tokens, _, err := d.Tokens().List(ctx, as(liaison.RoleAdmin), desk.Page{})
	if err != nil || len(tokens) != 1 || tokens[0].ID != ta.Record.ID {
		t.Errorf("Tokens.List as A's admin = %+v, %v; want A's token alone", tokens, err)
	}
	// An unscoped admin sees every agency.
	if all, _, err := d.Agencies(ctx, admin, desk.Page{}); err != nil || len(all) != 2 {
		t.Errorf("Agencies as an admin of every agency = %d, %v; want 2", len(all), err)
	}
}

// TestTokens makes a token, finds its actor by its hash, and revokes it,
// with the Tokens the command line uses (the store alone).
func TestTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d := e.desk(t)
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	tokens := desk.NewTokens(e.store, e.clock.Now, rand.Reader) // as the command line makes them
	made, err := tokens.Create(ctx, admin, desk.TokenInput{Name: " booking desk 1 ", Role: liaison.RoleClerk, Agency: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^lsn_[A-Za-z0-9_-]{43}$`).MatchString(made.Token) {
		t.Errorf("Create = %q, want lsn_ and 43 base64url characters", made.Token)
	}
	stored, err := e.store.ByKey(ctx, liaison.KindToken, desk.HashToken(made.Token))
	if err != nil {
		t.Fatalf("ByKey(token, hash) = %v", err)
	}
	if stored.ID != made.Record.ID || strings.Contains(string(stored.Body), made.Token) || made.Record.Hash != desk.HashToken(made.Token) || made.Record.Name != "booking desk 1" {
		t.Errorf("stored token %s %s, want record %s with the hash, the trimmed name, and not the token", stored.ID, stored.Body, made.Record.ID)
	}
	sum, err := desk.ParseToken(made.Token)
	if err != nil {
		t.Fatal(err)
	}
	got, err := tokens.LookUp(ctx, sum)
	if want := (liaison.Actor{ID: made.Record.ID, Name: "booking desk 1", Role: liaison.RoleClerk, Agency: a.ID}); err != nil || got != want {
		t.Errorf("LookUp = %+v, %v; want %+v", got, err, want)
	}
	for _, bad := range []string{"", "lsn_short", "xyz_" + made.Token[4:], made.Token + "A"} {
		if _, err := desk.ParseToken(bad); liaison.KindOf(err) != liaison.Unauthorized {
			t.Errorf("ParseToken(%q) = %v, want unauthorized", bad, err)
		}
	}
	unknown, _ := desk.ParseToken(desk.TokenPrefix + strings.Repeat("A", 43))
	if _, err := tokens.LookUp(ctx, unknown); liaison.KindOf(err) != liaison.Unauthorized {
		t.Errorf("LookUp(unknown) = %v, want unauthorized", err)
	}

	for _, tt := range []struct {
		by                        liaison.Actor
		name, role, agency, field string
		kind                      liaison.ErrorKind
	}{
		{admin, "", "clerk", "", "name", liaison.Invalid},
		{admin, "x", "root", "", "role", liaison.Invalid},
		{admin, "x", "clerk", "agy_nope", "agency", liaison.Invalid},
		{clerk, "x", "clerk", "", "", liaison.Denied},
	} {
		_, err := tokens.Create(ctx, tt.by, desk.TokenInput{Name: tt.name, Role: liaison.Role(tt.role), Agency: tt.agency})
		var le *liaison.Error
		if !errors.As(err, &le) || le.Kind != tt.kind || le.Field != tt.field {
			t.Errorf("Create(%q, %q, %q) by %s = %v, want %s %s", tt.name, tt.role, tt.agency, tt.by.Role, err, tt.kind, tt.field)
		}
	}

	e.clock.Add(time.Minute)
	rv, err := tokens.Revoke(ctx, admin, made.Record.ID)
	if err != nil || rv.Token != made.Record.ID || !rv.At.Equal(e.clock.Now()) {
		t.Fatalf("Revoke = %+v, %v", rv, err)
	}
	if _, err := tokens.LookUp(ctx, sum); liaison.KindOf(err) != liaison.Unauthorized {
		t.Errorf("LookUp(revoked) = %v, want unauthorized", err)
	}
	if _, err := tokens.Revoke(ctx, admin, made.Record.ID); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Revoke again = %v, want conflict", err)
	}
	if _, err := tokens.Revoke(ctx, admin, "tok_nope"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Revoke(unknown) = %v, want not found", err)
	}
	list, next, err := tokens.List(ctx, admin, desk.Page{})
	if err != nil || next != "" || len(list) != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(rv.At) {
		t.Errorf("List = %+v, %q, %v; want the token, revoked at %v", list, next, err, rv.At)
	}
}
