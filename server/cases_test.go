package server_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/server"
)

// TestCase carries a detainer in Los Angeles County through refusal,
// override, a done duty and release, and reads it whole at each step.
func TestCase(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles).ID
	p := e.createPerson(la)
	in := detainer(la, p.ID, "case-1")
	in["actions"] = []string{"honor_detainer", "notify_release"}
	res := e.intake(http.StatusCreated, in)
	id := res.Request.ID
	path := "/v1/requests/" + id
	read := func(role liaison.Role) desk.Case {
		t.Helper()
		var c desk.Case
		e.must(http.StatusOK, role, call{method: "GET", path: path}, &c)
		return c
	}

	c := read(liaison.RoleClerk)
	if c.Status != desk.CaseOpen || len(c.Decisions) != 2 || len(c.Standing) != 2 || c.Person == nil || c.Person.Name != personName || c.Sealed {
		t.Fatalf("case after intake = status %s, %d decisions, %d standing, person %+v, sealed %v; want open, 2, 2, %s opened",
			c.Status, len(c.Decisions), len(c.Standing), c.Person, c.Sealed, personName)
	}
	if len(c.Reads) != 1 || c.Reads[0].Actor.ID != e.tokenIDs[liaison.RoleClerk] || c.Reads[0].ActorName != "test clerk" {
		t.Errorf("case reads = %+v, want this read, by the clerk's token named \"test clerk\"", c.Reads)
	}

	// Refused, overridden, carried out: four decisions, the last of each
	// action current.
	act := map[string]any{"request": id, "action": "honor_detainer", "offline_note": "Phoned the ICE duty officer."}
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: act}, nil)
	var ov liaison.OverrideRecord
	e.must(http.StatusCreated, liaison.RoleCounsel, call{method: "POST", path: "/v1/overrides",
		body: map[string]any{"request": id, "action": "honor_detainer", "reason": "A judicial warrant was presented at the jail."}}, &ov)
	var done desk.ActResult
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: act}, &done)
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "POST", path: "/v1/duties/" + res.Duties[0].ID + "/done", body: map[string]any{"note": "served at booking"}}, nil)

	c = read(liaison.RoleSupervisor)
	var current []string
	for _, d := range c.Decisions {
		if d.Current {
			current = append(current, d.ID)
		}
	}
	if want := []string{res.Decisions[1].ID, done.Decision.ID}; len(c.Decisions) != 4 || !slices.Equal(current, want) {
		t.Errorf("case decisions: %d, current %v; want 4, current %v (notify_release's from intake, honor_detainer's last)", len(c.Decisions), current, want)
	}
	if len(c.Actions) != 2 || c.Actions[0].Status != liaison.ActionRefused || c.Actions[1].Override != ov.ID || c.Actions[1].Deliveries == nil {
		t.Errorf("case actions = %+v, want refused, then carried out under %s", c.Actions, ov.ID)
	}
	if len(c.Overrides) != 1 || c.Overrides[0].ID != ov.ID || c.Overrides[0].ActorName != "test counsel" {
		t.Errorf("case overrides = %+v, want %s by \"test counsel\"", c.Overrides, ov.ID)
	}
	if c.Standing[0].Action != liaison.HonorDetainer || c.Standing[0].Status != liaison.ActionDoneOffline || c.Standing[0].Decision != done.Decision.ID {
		t.Errorf("honor_detainer stands as %+v, want done offline on %s", c.Standing[0], done.Decision.ID)
	}
	du := c.Duties[slices.IndexFunc(c.Duties, func(d desk.CaseDuty) bool { return d.ID == res.Duties[0].ID })]
	if du.Status != liaison.DutyDone || len(du.Changes) != 1 || du.Changes[0].Note != "served at booking" {
		t.Errorf("done duty in the case = %s with changes %+v, want done, one change with its note", du.Status, du.Changes)
	}
	if c.Status != desk.CaseOpen || len(c.Reads) != 2 {
		t.Errorf("case = %s with %d reads, want open (notify_release not carried out) with 2", c.Status, len(c.Reads))
	}
	var o desk.CaseOverride
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/overrides/" + ov.ID}, &o)
	if o.ID != ov.ID || o.ActorName != "test counsel" || o.Reason != ov.Reason {
		t.Errorf("GET /v1/overrides/%s = %+v, want it with \"test counsel\"", ov.ID, o)
	}
	var d desk.CaseDecision
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/decisions/" + res.Decisions[0].ID}, &d)
	if d.ID != res.Decisions[0].ID || d.Current || d.Decision.Outcome != liaison.Forbidden {
		t.Errorf("GET /v1/decisions/%s = %s current %v, want forbidden and not current", res.Decisions[0].ID, d.Decision.Outcome, d.Current)
	}
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/decisions/" + done.Decision.ID}, &d)
	if !d.Current {
		t.Errorf("GET /v1/decisions/%s: not current, want current (the last on its action)", done.Decision.ID)
	}
	for _, path := range []string{"/v1/decisions/dec_nope", "/v1/overrides/ovr_nope"} {
		if r := e.as(liaison.RoleAuditor, call{method: "GET", path: path}); r.status != http.StatusNotFound {
			t.Errorf("GET %s = %d %s, want 404", path, r.status, r.body)
		}
	}

	// Released: the case closes, and the auditor reads it sealed.
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/custody-events",
		body: map[string]any{"person": p.ID, "kind": "released", "at": "2025-03-03T18:00:00Z", "note": "released to " + personName + "'s sister"}}, nil)
	c = read(liaison.RoleAuditor)
	if c.Status != desk.CaseClosed || !strings.Contains(c.ClosedBy, "released") || len(c.Custody) != 1 {
		t.Errorf("case after release = %s (%q), %d custody events; want closed by the release, 1", c.Status, c.ClosedBy, len(c.Custody))
	}
	du = c.Duties[slices.IndexFunc(c.Duties, func(d desk.CaseDuty) bool { return d.ID == res.Duties[0].ID })]
	if !c.Sealed || c.Request.Subject != nil || c.Person.Name != "" || c.Custody[0].Note != "" || du.Changes[0].Note != "" {
		t.Errorf("case as auditor: sealed %v, subject %+v, name %q, custody note %q, duty note %q; want sealed and none of them",
			c.Sealed, c.Request.Subject, c.Person.Name, c.Custody[0].Note, du.Changes[0].Note)
	}
	if r := e.as(liaison.RoleAuditor, call{method: "GET", path: path + "?trace=2"}); r.status != http.StatusBadRequest {
		t.Errorf("GET %s?trace=2 = %d, want 400", path, r.status)
	}
}

// TestRequestList filters requests by agency, person, booking number,
// status, action, outcome and time received, a page at a time, and a
// token limited to an agency lists only that agency's.
func TestRequestList(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles).ID
	tx := e.createAgency(harris).ID
	pla, ptx := e.createPerson(la), e.createPerson(tx)
	var ids []string // LA's first, LA's second (no person), Texas's
	for _, in := range []map[string]any{detainer(la, pla.ID, "l-1"), detainer(la, "", "l-2"), detainer(tx, ptx.ID, "t-1")} {
		ids = append(ids, e.intake(http.StatusCreated, in).Request.ID)
	}
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: map[string]any{"request": ids[1], "action": "honor_detainer", "offline_note": "Phoned the ICE duty officer."}}, nil)
	list := func(role liaison.Role, q string) []string {
		t.Helper()
		var out struct{ Requests []desk.CaseSummary }
		e.must(http.StatusOK, role, call{method: "GET", path: "/v1/requests?" + q}, &out)
		got := []string{}
		for _, s := range out.Requests {
			got = append(got, s.ID)
		}
		return got
	}
	for _, tt := range []struct {
		q    string
		want []string
	}{
		{"", ids},
		{"agency=" + la, ids[:2]},
		{"person=" + ptx.ID, ids[2:]},
		{"agency=" + tx + "&booking=B-1", ids[2:]},
		{"agency=" + la + "&booking=B-2", []string{}},
		{"status=closed", ids[1:2]}, // its one action refused: settled
		{"status=open", []string{ids[0], ids[2]}},
		{"outcome=required", ids[2:]},
		{"action=honor_detainer&outcome=forbidden", ids[:2]},
		{"action=notify_release", []string{}},
		{"received_from=2025-03-03T17:00:00Z", ids},
		{"received_to=2025-03-03", []string{}},
	} {
		if got := list(liaison.RoleAuditor, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("GET /v1/requests?%s = %v, want %v", tt.q, got, tt.want)
		}
	}
	// A page at a time.
	var page struct {
		Requests []desk.CaseSummary
		Next     string
	}
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/requests?limit=2"}, &page)
	if len(page.Requests) != 2 || page.Next == "" {
		t.Fatalf("first page of 2 = %d requests, next %q", len(page.Requests), page.Next)
	}
	next := page.Next
	page.Requests, page.Next = nil, ""
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/requests?limit=2&cursor=" + next}, &page)
	if len(page.Requests) != 1 || page.Requests[0].ID != ids[2] || page.Next != "" {
		t.Errorf("second page = %+v, next %q; want %s alone, and no next", page.Requests, page.Next, ids[2])
	}
	page.Requests, page.Next = nil, ""
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/requests?status=open&limit=2"}, &page)
	if len(page.Requests) != 2 || page.Next != "" {
		t.Errorf("open requests, 2 a page = %d, next %q; want both on one page and no next", len(page.Requests), page.Next)
	}
	// A token limited to Texas lists Texas's, and may not ask for LA's.
	tok, _ := e.newToken("harris desk", liaison.RoleClerk, tx)
	r := e.do(call{method: "GET", path: "/v1/requests", token: tok})
	if r.status != http.StatusOK || strings.Contains(string(r.body), ids[0]) || !strings.Contains(string(r.body), ids[2]) {
		t.Errorf("GET /v1/requests as Texas's clerk = %d %s, want Texas's only", r.status, r.body)
	}
	if r := e.do(call{method: "GET", path: "/v1/requests?agency=" + la, token: tok}); r.status != http.StatusForbidden {
		t.Errorf("GET /v1/requests?agency=LA as Texas's clerk = %d, want 403", r.status)
	}
	for _, q := range []string{"status=pending", "outcome=maybe", "received_from=yesterday", "booking=B-1", "color=red"} {
		if r := e.as(liaison.RoleClerk, call{method: "GET", path: "/v1/requests?" + q}); r.status != http.StatusBadRequest {
			t.Errorf("GET /v1/requests?%s = %d %s, want 400", q, r.status, r.body)
		}
	}
}

// TestPeopleByBooking: a booking number finds its person, and is one
// person's within an agency; each person shown is a logged read.
func TestPeopleByBooking(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles).ID
	tx := e.createAgency(harris).ID
	p := e.createPerson(la)
	e.createPerson(tx) // B-1 too, in another agency
	r := e.as(liaison.RoleClerk, call{method: "POST", path: "/v1/people", valid: true,
		body: map[string]any{"agency": la, "name": "Another Person", "booking_numbers": []string{"B-7", "B-1"}}})
	if got := r.apiError(t); r.status != http.StatusConflict || got.Error.Field != "booking_numbers[1]" || !strings.Contains(got.Error.Message, p.ID) {
		t.Errorf("a second person booked as B-1 = %d %s, want 409 about booking_numbers[1] naming %s", r.status, r.body, p.ID)
	}
	before := e.treeSize()
	var found struct{ People []desk.Person }
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/people?booking=B-1&agency=" + la}, &found)
	if len(found.People) != 1 || found.People[0].ID != p.ID || found.People[0].Name != personName {
		t.Errorf("people with booking B-1 in LA = %+v, want %s, named", found.People, p.ID)
	}
	if after := e.treeSize(); after != before+1 {
		t.Errorf("finding a person wrote %d records, want 1 (the read)", after-before)
	}
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/people?booking=B-7&agency=" + la}, &found)
	if len(found.People) != 0 {
		t.Errorf("people with booking B-7 (refused with its person) = %+v, want none", found.People)
	}
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/people?agency=" + la}, &found)
	if len(found.People) != 1 || !found.People[0].Sealed || found.People[0].Name != "" {
		t.Errorf("LA's people as auditor = %+v, want one, sealed", found.People)
	}
}

// TestAuditorSeesNoPersonalData walks every route as every role with a
// case whose person has a name, a date of birth, a conviction, a pending
// charge and a warrant's charge of their own: no answer to an auditor
// holds any of them, and the staff who open personal data see them (so
// the walk reaches them).
func TestAuditorSeesNoPersonalData(t *testing.T) {
	e := newEnv(t)
	secrets := []string{personName, "1990-01-02", "PC 459-QX7", "the garage on Quintero Lane", "2003-07-19", "VC 23152-QX8", "USC 1326-QX9"}
	in := detainer("", "", "walk-0")
	in["request"].(map[string]any)["warrant"] = map[string]any{"kind": "administrative", "form": "I-200", "charge": "8 USC 1326-QX9"}
	in["subject"] = map[string]any{"age": 35, "custody": map[string]any{"status": "eligible_for_release", "release_reason": "bail"},
		"convictions":     []map[string]any{{"offense": "PC 459-QX7", "jurisdiction": "us/ca", "level": "felony", "date": "2003-07-19", "description": "the garage on Quintero Lane"}},
		"pending_charges": []map[string]any{{"offense": "VC 23152-QX8", "jurisdiction": "us/ca", "level": "misdemeanor"}}}
	w := newWorld(e, in)
	seen := map[string]bool{}
	// Each route's call of the role matrix, and a case with its trace.
	type walk struct {
		rt server.Route
		mk func(e *env, w *world) (call, int)
	}
	var walks []walk
	for _, rt := range e.srv.Routes() {
		mk := matrixCalls[rt.Pattern]
		if mk == nil {
			t.Errorf("no call for %s in matrixCalls", rt.Pattern)
			continue
		}
		walks = append(walks, walk{rt, mk})
		if rt.Pattern == "GET /v1/requests/{id}" {
			walks = append(walks, walk{rt, func(e *env, w *world) (call, int) { return call{path: "/v1/requests/" + w.request + "?trace=1"}, 200 }})
		}
	}
	for _, wk := range walks {
		rt := wk.rt
		method, path, _ := strings.Cut(rt.Pattern, " ")
		for _, role := range allRoles {
			if rt.Roles != nil && !slices.Contains(rt.Roles, role) {
				continue
			}
			c, want := wk.mk(e, w)
			c.method = method
			if c.path == "" {
				c.path = path
			}
			resp := e.as(role, c)
			if resp.status != want {
				t.Errorf("%s %s as %s = %d %s, want %d", method, c.path, role, resp.status, resp.body, want)
			}
			for _, s := range secrets {
				if !strings.Contains(string(resp.body), s) {
					continue
				}
				if role == liaison.RoleAuditor || role == liaison.RolePublic {
					t.Errorf("%s %s as %s shows %q: %.600s", method, c.path, role, s, resp.body)
				}
				seen[s] = true
			}
		}
	}
	for _, s := range secrets {
		if !seen[s] {
			t.Errorf("no route showed %q to anyone: the walk does not reach the person's data", s)
		}
	}
}
