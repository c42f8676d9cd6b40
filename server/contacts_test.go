package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
)

// contactInput is an officer's e-mail to ICE ERO giving a release date.
func contactInput(agency, key string) map[string]any {
	return map[string]any{"agency": agency, "officer": "LA-7", "at": "2025-03-01T10:00:00Z", "channel": "email",
		"counterpart": "ice_ero", "action": "notify_release", "disclosed": []string{"release_date"}, "source": "audit", "idempotency_key": key}
}

// contact records a new contact of w's agency and returns its id.
func (e *env) contact(w *world) string {
	e.t.Helper()
	w.n++
	var c liaison.ContactRecord
	e.must(http.StatusCreated, liaison.RoleSupervisor, call{method: "POST", path: "/v1/contacts", body: contactInput(w.agency, fmt.Sprint("msg-", w.n))}, &c)
	return c.ID
}

// The Boston e-mail over HTTP: recorded as of October 2019 and 2025, each
// citing the Trust Act version in force; reviewed and revised; asked first.
func TestBostonContactOverHTTP(t *testing.T) {
	e := newEnv(t)
	agency := e.createAgency(desk.AgencyInput{Name: "Boston Police Department", Jurisdiction: "us/ma/boston", Type: "police"}).ID
	for _, tt := range []struct {
		at, law string
		outcome liaison.Outcome
	}{
		{"2019-10-15T14:00:00Z", "Boston Trust Act (2014", liaison.Permitted},
		{"2025-03-01T14:00:00Z", "Boston Trust Act as amended 2019", liaison.Forbidden},
	} {
		in := contactInput(agency, "msg-"+tt.at)
		in["at"], in["officer"] = tt.at, "BPD-1042"
		var c liaison.ContactRecord
		e.must(http.StatusCreated, liaison.RoleSupervisor, call{method: "POST", path: "/v1/contacts", body: in}, &c)
		if c.Decision.Outcome != tt.outcome || len(c.LocalLaw) != 1 || !strings.HasPrefix(c.LocalLaw[0], tt.law) || !strings.Contains(c.Federal, "do not protect") {
			t.Errorf("contact as of %s = %s, %q, %q; want %s under %s, unprotected by 1373/1644", tt.at, c.Decision.Outcome, c.LocalLaw, c.Federal, tt.outcome, tt.law)
		}
		e.must(http.StatusOK, liaison.RoleSupervisor, call{method: "POST", path: "/v1/contacts", body: in}, nil)
		var f liaison.ContactFindingRecord
		e.must(http.StatusCreated, liaison.RoleCounsel, call{method: "POST", path: "/v1/contacts/" + c.ID + "/findings",
			body: map[string]any{"finding": "cannot_be_determined", "reason": "Waiting for the officer's statement."}}, &f)
		e.must(http.StatusCreated, liaison.RoleCounsel, call{method: "POST", path: "/v1/contacts/" + c.ID + "/findings",
			body: map[string]any{"finding": map[liaison.Outcome]string{liaison.Permitted: "lawful", liaison.Forbidden: "unlawful"}[tt.outcome],
				"reason": "Read against the ordinance in force.", "officer_statement": "I was the liaison then."}}, nil)
		var v desk.ContactView
		e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/contacts/" + c.ID}, &v)
		if len(v.Findings) != 2 || v.Finding == nil || v.Finding.Supersedes != f.ID {
			t.Errorf("contact %s = %+v, want two findings, the second revising %s", c.ID, v, f.ID)
		}
	}
	var ans desk.Answer
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "POST", path: "/v1/contacts/ask", body: map[string]any{"agency": agency, "officer": "BPD-1042",
		"channel": "email", "counterpart": "ice_ero", "action": "notify_release", "disclosed": []string{"release_date"}}}, &ans)
	if !strings.HasPrefix(ans.Answer, "No:") || !strings.Contains(ans.Answer, "Boston Trust Act (2019)") {
		t.Errorf("asking first = %q, want no, citing the Trust Act as amended", ans.Answer)
	}
}

func TestContactFiguresCSV(t *testing.T) {
	e := newEnv(t)
	w := newWorld(e, nil)
	e.contact(w)
	resp := e.as(liaison.RoleAuditor, call{method: "GET", path: "/v1/contacts/figures?format=csv&agency=" + w.agency})
	if resp.status != 200 || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(string(resp.body), "all,,1\n") || !strings.Contains(string(resp.body), "disclosure,release_date,1\n") || strings.Contains(string(resp.body), "LA-7") {
		t.Errorf("figures as CSV = %d %s %s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	if resp := e.as(liaison.RoleAuditor, call{method: "GET", path: "/v1/contacts/figures?format=xml&agency=" + w.agency}); resp.status != 400 {
		t.Errorf("figures as xml = %d, want 400", resp.status)
	}
}
