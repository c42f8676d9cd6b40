package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/examples/proposals"
	"liaison/web"
)

// bostonProposal is the prepared proposal the simulate page offers.
const bostonProposal = "boston-without-2019"

// addBoston adds a Boston police department and a detainer asking to hold
// a person and to be told of their release, decided today (2026): the
// release notification is forbidden by the 2019 Trust Act, and permitted
// without that amendment. It returns the agency and the case's id.
func addBoston(t testing.TB, e *env) (*liaison.AgencyRecord, string) {
	t.Helper()
	ctx := context.Background()
	admin := liaison.Actor{ID: "cli", Role: liaison.RoleAdmin}
	a, err := e.desk.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Boston Police Department", Jurisdiction: "us/ma/boston", Type: "police"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.desk.Intake(ctx, e.actors[liaison.RoleClerk], desk.IntakeInput{Agency: a.ID, IdempotencyKey: "boston-1",
		Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE",
			ProbableCauseBasis: []liaison.PCBasis{"biometric_match"}, InfoRequested: []liaison.InfoItem{"release_date"},
			Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
		Actions: []liaison.Action{"honor_detainer", "notify_release"},
		Subject: &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release"}, Convictions: []liaison.Offense{}}})
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Decisions[1].Decision.Outcome; o != liaison.Forbidden {
		t.Fatalf("Boston's release notification today: %s, want forbidden", o)
	}
	return a, res.Request.ID
}

// The simulate page lists cases: counsel, supervisors and auditors only.
func TestSimulateRoleGates(t *testing.T) {
	e := newEnv(t)
	path := "/law/simulate?proposal=" + bostonProposal
	if p := e.browser(t).get(path); p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin" {
		t.Errorf("GET %s signed out = %d %q, want 303 to /signin", path, p.status, p.header.Get("Location"))
	}
	for _, r := range []liaison.Role{liaison.RolePublic, liaison.RoleClerk, liaison.RoleAdmin} {
		b := e.browser(t)
		b.signIn(r)
		if p := b.get(path); p.status != http.StatusForbidden || strings.Contains(p.body, "sim-counts") {
			t.Errorf("GET %s as %s = %d, want 403 without a simulation", path, r, p.status)
		}
		if strings.Contains(b.get("/duties").body, `href="/law/simulate"`) {
			t.Errorf("the menu shows %s the simulate page", r)
		}
	}
	for _, r := range []liaison.Role{liaison.RoleCounsel, liaison.RoleSupervisor, liaison.RoleAuditor} {
		b := e.browser(t)
		b.signIn(r)
		if p := b.get(path); p.status != http.StatusOK || !strings.Contains(p.body, `id="sim-summary"`) {
			t.Errorf("GET %s as %s = %d, want 200 with a simulation\n%s", path, r, p.status, p.body)
		}
		if !strings.Contains(b.get("/duties").body, `href="/law/simulate"`) {
			t.Errorf("the menu does not show %s the simulate page", r)
		}
	}
}

func TestSimulatePage(t *testing.T) {
	e := newEnv(t)
	boston, caseID := addBoston(t, e)
	b := e.browser(t)
	b.signIn(liaison.RoleCounsel)

	form := b.get("/law/simulate")
	if form.status != http.StatusOK || !strings.Contains(form.body, `<option>`+bostonProposal+`</option>`) || strings.Contains(form.body, "sim-summary") {
		t.Fatalf("GET /law/simulate = %d, want the form offering %s and no run yet\n%s", form.status, bostonProposal, form.body)
	}

	reads := func() []liaison.ReadRecord {
		var out []liaison.ReadRecord
		if _, err := liaison.Each(context.Background(), e.store, liaison.Filter{Kind: liaison.KindRead, Parent: caseID}, 0, func(r liaison.ReadRecord, _ int64) {
			out = append(out, r)
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	before := len(reads())
	p := b.get("/law/simulate?" + url.Values{"proposal": {bostonProposal}}.Encode())
	if p.status != http.StatusOK {
		t.Fatalf("simulate = %d\n%s", p.status, p.body)
	}
	// The changed case shown is a read of it, logged with who read it.
	if r := reads(); len(r) != before+1 || r[len(r)-1].Actor.Role != liaison.RoleCounsel || r[len(r)-1].Request != caseID {
		t.Errorf("reads of case %s after the simulation: %+v, want one more, by counsel", caseID, r)
	}
	for _, want := range []string{
		`href="/cases/` + caseID + `"`, // the changed case, linked
		`<span class="badge forbidden">forbidden</span> → <span class="badge permitted">permitted</span>`,
		"<strong>1 would change</strong>",
		`<svg id="sim-chart"`, "notify release, proposal",
		"2019", // today's explanation cites the amendment's text
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("simulate page lacks %q\n%s", want, p.body)
		}
	}
	// The counts table: notify_release forbidden → permitted, 1.
	if !strings.Contains(p.body, `<tr class="urgent">
      <td>notify release</td>
      <td><span class="badge forbidden">forbidden</span></td>
      <td><span class="badge permitted">permitted</span> <strong>changed</strong></td>
      <td>1</td>`) {
		t.Errorf("counts table lacks notify release forbidden → permitted: 1\n%s", p.body)
	}

	// The agency and the period choose the decisions.
	la := b.get("/law/simulate?" + url.Values{"proposal": {bostonProposal}, "agency": {e.agency.ID}}.Encode())
	if la.status != http.StatusOK || strings.Contains(la.body, caseID) || !strings.Contains(la.body, "changes no decision") {
		t.Errorf("simulate for Los Angeles County = %d, want no change\n%s", la.status, la.body)
	}
	old := b.get("/law/simulate?" + url.Values{"proposal": {bostonProposal}, "to": {"2020-01-01"}}.Encode())
	if old.status != http.StatusOK || strings.Contains(old.body, caseID) || !strings.Contains(old.body, "0 decisions") {
		t.Errorf("simulate before 2020 = %d, want no decision replayed\n%s", old.status, old.body)
	}

	// Mistakes in the form are said on it.
	for q, want := range map[string]string{
		"proposal=nonesuch":                                             "no proposal named",
		"proposal=" + bostonProposal + "&from=x":                        "is not a date",
		"proposal=" + bostonProposal + "&from=2024-01-01&to=2023-01-01": "ends",
	} {
		if p := b.get("/law/simulate?" + q); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, want) {
			t.Errorf("GET /law/simulate?%s = %d, want 422 saying %q\n%s", q, p.status, want, p.body)
		}
	}

	// Counsel limited to Los Angeles County sees that agency's decisions
	// only, whatever the form asks.
	tok, err := e.desk.Tokens().Create(context.Background(), liaison.Actor{ID: "cli", Role: liaison.RoleAdmin},
		desk.TokenInput{Name: "LA counsel", Role: liaison.RoleCounsel, Agency: e.agency.ID})
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["la-counsel"] = tok.Token
	lim := e.browser(t)
	lim.signIn("la-counsel")
	lp := lim.get("/law/simulate?" + url.Values{"proposal": {bostonProposal}, "agency": {boston.ID}}.Encode())
	if lp.status != http.StatusOK || strings.Contains(lp.body, caseID) || strings.Contains(lp.body, "Boston Police") {
		t.Errorf("simulate as counsel limited to Los Angeles County, asking for Boston = %d, want Los Angeles County's only\n%s", lp.status, lp.body)
	}
}

// A proposal configured on the server is offered beside the bundled ones
// and runs as they do.
func TestSimulateConfiguredProposal(t *testing.T) {
	e := newEnv(t)
	_, caseID := addBoston(t, e)
	api := http.NotFoundHandler()
	site := web.New(web.Config{Desk: e.desk, Store: e.store, API: api, Now: e.clock.Now,
		Proposals: []proposals.Proposal{{Name: "council-draft", FS: os.DirFS("../examples/proposals/boston-without-2019")}}})
	configured := *e
	configured.ts = httptest.NewServer(site.Handler())
	t.Cleanup(configured.ts.Close)
	b := configured.browser(t)
	b.signIn(liaison.RoleSupervisor)
	form := b.get("/law/simulate")
	if !strings.Contains(form.body, "<option>council-draft</option>") || !strings.Contains(form.body, "<option>"+bostonProposal+"</option>") {
		t.Errorf("the form does not offer both the configured and the bundled proposal\n%s", form.body)
	}
	p := b.get("/law/simulate?proposal=council-draft")
	if p.status != http.StatusOK || !strings.Contains(p.body, `href="/cases/`+caseID+`"`) {
		t.Errorf("simulate council-draft = %d, want the Boston case changed\n%s", p.status, p.body)
	}
}
