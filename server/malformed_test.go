package server_test

import (
	"context"

	"net/http"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
)

// TestMalformed sends bad input of every sort, to a server on each store:
// each gets the right 4xx, names the field, and writes nothing.
func TestMalformed(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) { testMalformed(t, newEnvOn(t, st.open(t))) })
	}
}

func testMalformed(t *testing.T, e *env) {
	la := e.createAgency(losAngeles).ID
	tx := e.createAgency(harris).ID
	person := e.createPerson(la).ID
	req := e.intake(http.StatusCreated, detainer(la, person, "malformed-0")).Request.ID

	revoked, revokedID := e.newToken("revoked clerk", liaison.RoleClerk, "")
	if _, err := e.desk.Tokens().Revoke(context.Background(), cliAdmin, revokedID); err != nil {
		t.Fatal(err)
	}
	texan, _ := e.newToken("Texas clerk", liaison.RoleClerk, tx)
	unknown := desk.TokenPrefix + strings.Repeat("A", 43)

	agency := func(change func(m map[string]any)) map[string]any {
		m := map[string]any{"name": "X County Sheriff", "jurisdiction": "us/ca/x-county", "type": "sheriff", "no_local_law": true}
		change(m)
		return m
	}
	decision := func(change func(m map[string]any)) map[string]any {
		m := decisionRequest()
		change(m)
		return m
	}
	intake := func(change func(m map[string]any)) map[string]any {
		m := detainer(la, person, "malformed-new")
		change(m)
		return m
	}
	sub := func(m map[string]any, key string) map[string]any { return m[key].(map[string]any) }
	big := `{"name": "` + strings.Repeat("x", liaison.MaxRequestBytes) + `", "jurisdiction": "us", "type": "police"}`

	tests := []struct {
		name  string
		role  liaison.Role // the token sent, unless token or header is set
		c     call
		want  int
		kind  string
		field string
		// msg is part of the message, when it matters.
		msg string
		// inDoc: openapi.json rejects the request too.
		inDoc bool
	}{
		{"bad JSON", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: `{"name": "X" "type": "police"}`}, 400, "invalid", "", "line 1, column", true},
		{"truncated JSON", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: `{"name": "X",`}, 400, "invalid", "", "malformed JSON", true},
		{"not an object", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: `["X"]`}, 400, "invalid", "", "", true},
		{"empty body", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: ``}, 400, "invalid", "", "malformed JSON", true},
		{"trailing data", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: `{"name": "X", "jurisdiction": "us", "type": "police"} {}`}, 400, "invalid", "", "after the JSON", false},
		{"unknown field", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: agency(func(m map[string]any) { m["colour"] = "red" })}, 400, "invalid", "colour", "unknown field", true},
		{"unknown nested field", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) {
			sub(m, "subject")["convictions"].([]map[string]any)[0]["levle"] = "felony"
		})}, 400, "invalid", "subject.convictions[0].levle", "unknown field", true},
		{"pending-only field on a conviction", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) {
			sub(m, "subject")["convictions"].([]map[string]any)[0]["held_to_answer"] = true
		})}, 400, "invalid", "subject.convictions[0].held_to_answer", "unknown field", true},
		{"wrong enum", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: agency(func(m map[string]any) { m["type"] = "marshal" })}, 400, "invalid", "type", "unknown value", true},
		{"wrong nested enum", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { sub(m, "request")["form"] = "I-999" })}, 400, "invalid", "request.form", "unknown value", true},
		{"wrong enum in a list", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { m["actions"] = []string{"deport"} })}, 400, "invalid", "actions[0]", "unknown value", true},
		{"wrong role enum", liaison.RoleAdmin, call{method: "POST", path: "/v1/tokens", body: map[string]any{"name": "x", "role": "root"}}, 400, "invalid", "role", "unknown value", true},
		{"wrong type", liaison.RoleClerk, call{method: "POST", path: "/v1/people", body: map[string]any{"agency": la, "name": "X", "booking_numbers": "B-1"}}, 400, "invalid", "booking_numbers", "want an array", true},
		{"wrong nested type", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) { sub(m, "subject")["age"] = "forty" })}, 400, "invalid", "subject.age", "want an integer", true},
		{"out of range", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) { sub(m, "subject")["age"] = 200 })}, 400, "invalid", "subject.age", "more than 130", true},
		{"null", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: agency(func(m map[string]any) { m["name"] = nil })}, 400, "invalid", "name", "null", true},
		{"empty required string", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: agency(func(m map[string]any) { m["name"] = "" })}, 400, "invalid", "name", "empty", true},
		{"missing required", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { delete(m, "idempotency_key") })}, 400, "invalid", "idempotency_key", "required", true},
		{"missing required decision fact", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) { delete(m, "as_of") })}, 400, "invalid", "as_of", "required", true},
		{"missing required nested", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) {
			m["agreements"] = []map[string]any{{"model": "jail_enforcement"}}
		})}, 400, "invalid", "agreements[0].kind", "required", true},
		{"bad jurisdiction", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: agency(func(m map[string]any) { m["jurisdiction"] = "US/CA" })}, 400, "invalid", "jurisdiction", "", true},
		{"bad instant", liaison.RoleClerk, call{method: "POST", path: "/v1/custody-events", body: map[string]any{"person": person, "kind": "booked", "at": "yesterday"}}, 400, "invalid", "at", "", true},
		{"bad date", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) {
			sub(m, "subject")["convictions"].([]map[string]any)[0]["date"] = "14/05/2012"
		})}, 400, "invalid", "subject.convictions[0].date", "", true},
		{"repeated item", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { m["actions"] = []string{"honor_detainer", "honor_detainer"} })}, 400, "invalid", "actions[1]", "repeats", true},
		{"no actions", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { m["actions"] = []string{} })}, 400, "invalid", "actions", "at least one", true},
		{"oversized body", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: big}, 413, "invalid", "", "bytes allowed", false},
		{"not JSON", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: `name=X`, contentType: "application/x-www-form-urlencoded"}, 415, "invalid", "Content-Type", "application/json", true},
		{"no content type", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: agency(func(map[string]any) {}), contentType: "-"}, 415, "invalid", "Content-Type", "", false},
		{"unknown query parameter", liaison.RoleClerk, call{method: "GET", path: "/v1/duties?colour=red"}, 400, "invalid", "colour", "unknown query parameter", false},
		{"wrong query enum", liaison.RoleClerk, call{method: "GET", path: "/v1/duties?status=pending"}, 400, "invalid", "status", "unknown value", true},
		{"bad page length", liaison.RoleClerk, call{method: "GET", path: "/v1/duties?limit=0"}, 400, "invalid", "limit", "page length", true},
		{"page too long", liaison.RoleAdmin, call{method: "GET", path: "/v1/agencies?limit=1001"}, 400, "invalid", "limit", "page length", true},
		{"bad cursor", liaison.RoleAdmin, call{method: "GET", path: "/v1/tokens?cursor=abc"}, 400, "invalid", "cursor", "not a cursor", false},
		{"repeated query parameter", liaison.RoleClerk, call{method: "GET", path: "/v1/duties?status=open&status=done"}, 400, "invalid", "status", "once", false},
		{"missing query parameter", liaison.RoleAuditor, call{method: "GET", path: "/v1/proofs/inclusion?kind=request"}, 400, "invalid", "id", "required", true},
		{"bad tree size", liaison.RoleAuditor, call{method: "GET", path: "/v1/proofs/consistency?old=0"}, 400, "invalid", "old", "tree size", true},
		{"tree size beyond the tree", liaison.RoleAuditor, call{method: "GET", path: "/v1/proofs/consistency?old=1&new=999999"}, 400, "invalid", "new", "beyond the tree", false},
		{"no such path record", liaison.RoleClerk, call{method: "GET", path: "/v1/requests/req_nope"}, 404, "not_found", "id", "", false},
		{"no such referred record", liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: map[string]any{"request": "req_nope", "action": "honor_detainer"}}, 400, "invalid", "request", "no such request", false},
		{"no such agency", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: detainer("agy_nope", "", "k")}, 400, "invalid", "agency", "no such agency", false},
		{"action not asked for", liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: map[string]any{"request": req, "action": "share_info"}}, 400, "invalid", "action", "does not ask", false},
		{"override without a real reason", liaison.RoleCounsel, call{method: "POST", path: "/v1/overrides", body: map[string]any{"request": req, "action": "honor_detainer", "reason": "because"}}, 400, "invalid", "reason", "at least 20", false},
		{"release without its date", liaison.RoleClerk, call{method: "POST", path: "/v1/custody-events", body: map[string]any{"person": person, "kind": "release_scheduled", "at": "2025-03-01"}}, 400, "invalid", "scheduled_release", "", false},
		{"note of the wrong type", liaison.RoleClerk, call{method: "POST", path: "/v1/duties/duty_nope/done", body: `{"note": 7}`}, 400, "invalid", "note", "want a string", true},
		{"no token", "", call{method: "POST", path: "/v1/agencies", body: agency(func(map[string]any) {})}, 401, "unauthorized", "Authorization", "", false},
		{"garbage token", "", call{method: "POST", path: "/v1/agencies", body: agency(func(map[string]any) {}), token: "hunter2"}, 401, "unauthorized", "Authorization", "not a liaison API token", false},
		{"not a bearer token", "", call{method: "POST", path: "/v1/agencies", body: agency(func(map[string]any) {}), header: "Basic YWRtaW46YWRtaW4="}, 401, "unauthorized", "Authorization", "Bearer", false},
		{"unknown token", "", call{method: "POST", path: "/v1/agencies", body: agency(func(map[string]any) {}), token: unknown}, 401, "unauthorized", "Authorization", "unknown", false},
		{"revoked token", "", call{method: "POST", path: "/v1/requests", body: intake(func(map[string]any) {}), token: revoked}, 401, "unauthorized", "Authorization", "revoked", false},
		{"wrong role", liaison.RolePublic, call{method: "POST", path: "/v1/requests", body: intake(func(map[string]any) {})}, 403, "forbidden", "", "", false},
		{"bad token before bad body", "", call{method: "POST", path: "/v1/agencies", body: `{"name":`, token: unknown}, 401, "unauthorized", "Authorization", "", false},
		{"another agency's intake", "", call{method: "POST", path: "/v1/requests", body: intake(func(map[string]any) {}), token: texan}, 403, "forbidden", "agency", "limited to agency", false},
		{"another agency's person", "", call{method: "GET", path: "/v1/people/" + person, token: texan}, 403, "forbidden", "id", "limited to agency", false},
		{"another agency's action", "", call{method: "POST", path: "/v1/actions", body: map[string]any{"request": req, "action": "honor_detainer"}, token: texan}, 403, "forbidden", "request", "limited to agency", false},
		{"another agency's duties", "", call{method: "GET", path: "/v1/duties?agency=" + la, token: texan}, 403, "forbidden", "agency", "limited to agency", false},
		{"unknown route", liaison.RoleAdmin, call{method: "GET", path: "/v1/nothing"}, 404, "not_found", "", "no route", false},
		// Input is valid or refused, never rewritten (on PostgreSQL, NUL
		// and invalid UTF-8 used to answer 500).
		{"invalid UTF-8 in a body field", liaison.RoleClerk, call{method: "POST", path: "/v1/people", body: `{"agency": "` + la + "\", \"name\": \"\xff\xfeabc\"}"}, 400, "invalid", "name", "UTF-8", false},
		{"lone surrogate in a body field", liaison.RoleClerk, call{method: "POST", path: "/v1/people", body: `{"agency": "` + la + `", "name": "\ud800abc"}`}, 400, "invalid", "name", "lone surrogate", false},
		{"NUL in a body field", liaison.RoleClerk, call{method: "POST", path: "/v1/people", body: `{"agency": "` + la + `", "name": "Jo\u0000"}`}, 400, "invalid", "name", "NUL", false},
		{"NUL in a nested body field", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { sub(m, "request")["issuer"] = "ICE\x00" })}, 400, "invalid", "request.issuer", "NUL", false},
		{"invalid UTF-8 in a member name", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: "{\"name\": \"X\", \"jurisdiction\": \"us\", \"type\": \"police\", \"\xc3\": 1}"}, 400, "invalid", "\ufffd", "UTF-8", false},
		{"duplicate member", liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: `{"name": "X", "jurisdiction": "us", "type": "police", "name": "Y"}`}, 400, "invalid", "name", "twice", false},
		{"duplicate nested member", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: `{"as_of": "2019-03-04", "jurisdiction": "us/ca", "action": "notify_release", "subject": {"age": 30, "age": 40}}`}, 400, "invalid", "subject.age", "twice", false},
		{"NUL in a path", liaison.RoleClerk, call{method: "GET", path: "/v1/requests/req_%00"}, 400, "invalid", "id", "NUL", false},
		{"invalid UTF-8 in a path", liaison.RoleClerk, call{method: "GET", path: "/v1/people/per_%FF%FE"}, 400, "invalid", "id", "UTF-8", false},
		{"NUL in a query value", liaison.RoleClerk, call{method: "GET", path: "/v1/duties?agency=agy_%00"}, 400, "invalid", "agency", "NUL", false},
		{"invalid UTF-8 in a query value", liaison.RoleAuditor, call{method: "GET", path: "/v1/proofs/inclusion?kind=request&id=%C3"}, 400, "invalid", "id", "UTF-8", false},
		{"invalid UTF-8 in a query name", liaison.RoleClerk, call{method: "GET", path: "/v1/duties?%FF=1"}, 400, "invalid", "\ufffd", "UTF-8", false},
		{"reason of five emoji", liaison.RoleCounsel, call{method: "POST", path: "/v1/overrides", body: map[string]any{"request": req, "action": "honor_detainer", "reason": "😀😀😀😀😀"}}, 400, "invalid", "reason", "letters or digits", false},
		{"reason of zero-width spaces", liaison.RoleCounsel, call{method: "POST", path: "/v1/overrides", body: map[string]any{"request": req, "action": "honor_detainer", "reason": strings.Repeat("\u200b", 20)}}, 400, "invalid", "reason", "letters or digits", false},
		{"custody event in the year 1", liaison.RoleClerk, call{method: "POST", path: "/v1/custody-events", body: map[string]any{"person": person, "kind": "booked", "at": "0001-01-01T00:00:00Z"}}, 400, "invalid", "at", "too early", false},
		{"custody event in 9999", liaison.RoleClerk, call{method: "POST", path: "/v1/custody-events", body: map[string]any{"person": person, "kind": "booked", "at": "9999-12-31T23:59:59Z"}}, 400, "invalid", "at", "too late", false},
		{"birth in 1800", liaison.RoleClerk, call{method: "POST", path: "/v1/people", body: map[string]any{"agency": la, "name": "X", "birth_date": "1800-01-01"}}, 400, "invalid", "birth_date", "too early", false},
		{"birth date not a date", liaison.RoleClerk, call{method: "POST", path: "/v1/people", body: map[string]any{"agency": la, "name": "X", "birth_date": "01/02/1990"}}, 400, "invalid", "birth_date", "not a date", false},
		{"request received next week", liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: intake(func(m map[string]any) { sub(m, "request")["received_at"] = "2025-03-10T00:00:00Z" })}, 400, "invalid", "request.received_at", "too late", false},
		{"decision as of the year 1", liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: decision(func(m map[string]any) { m["as_of"] = "0001-01-01" })}, 400, "invalid", "as_of", "too early", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			c := tt.c
			if c.token == "" && c.header == "" && tt.role != "" {
				c.token = e.tokens[tt.role]
			}
			before := e.treeSize()
			resp := e.do(c)
			got := resp.apiError(t)
			if resp.status != tt.want || got.Error.Kind != tt.kind || got.Error.Field != tt.field || !strings.Contains(got.Error.Message, tt.msg) {
				t.Errorf("%s %s = %d %s\nwant %d {kind %q, field %q, message with %q}", c.method, c.path, resp.status, trim(resp.body), tt.want, tt.kind, tt.field, tt.msg)
			}
			if after := e.treeSize(); after != before {
				t.Errorf("%s %s wrote %d records, want none", c.method, c.path, after-before)
			}
			if tt.inDoc {
				if err := e.docRejects(c); err == nil {
					t.Errorf("%s %s: openapi.json accepts what the server rejects", c.method, c.path)
				}
			}
		})
	}
}

func trim(b []byte) string {
	if len(b) > 500 {
		return string(b[:500]) + "…"
	}
	return string(b)
}
