package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"liaison"
)

// world is what the role matrix's calls refer to.
type world struct {
	agency, person, request, duty string
	decision, override            string
	n                             int // makes each intake's idempotency key new
}

// newWorld makes what the matrix's calls refer to, in Los Angeles: a
// person booked as B-1, a detainer about them with the subject facts of
// in (detainer's when nil), its refusal and counsel's override, and a
// signed checkpoint.
func newWorld(e *env, in map[string]any) *world {
	e.t.Helper()
	w := &world{agency: e.createAgency(losAngeles).ID}
	w.person = e.createPerson(w.agency).ID
	if in == nil {
		in = detainer(w.agency, w.person, "matrix-0")
	}
	in["agency"], in["person"] = w.agency, w.person
	res := e.intake(http.StatusCreated, in)
	w.request, w.duty, w.decision = res.Request.ID, res.Duties[0].ID, res.Decisions[0].ID
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions",
		body: map[string]any{"request": w.request, "action": "honor_detainer", "offline_note": "Phoned the ICE duty officer."}}, nil)
	var o liaison.OverrideRecord
	e.must(http.StatusCreated, liaison.RoleCounsel, call{method: "POST", path: "/v1/overrides",
		body: map[string]any{"request": w.request, "action": "honor_detainer", "reason": "A judicial warrant was presented at the jail."}}, &o)
	w.override = o.ID
	e.must(http.StatusOK, liaison.RoleAdmin, call{method: "POST", path: "/v1/log/checkpoint"}, nil)
	return w
}

// webhookChannel configures an agency's channel: a webhook.
var webhookChannel = map[string]any{"kind": "webhook", "url": "https://ero-webhook.example/liaison", "secret": "a secret of 32 characters, shared"}

// matrixCalls gives, for each route of routes.go, a call that succeeds for
// a role the route admits, and the status it then answers. Each call is
// made afresh, so calls that write may run again.
var matrixCalls = map[string]func(e *env, w *world) (call, int){
	"GET /healthz":      func(e *env, w *world) (call, int) { return call{path: "/healthz"}, 200 },
	"GET /readyz":       func(e *env, w *world) (call, int) { return call{path: "/readyz"}, 200 },
	"GET /openapi.json": func(e *env, w *world) (call, int) { return call{path: "/openapi.json"}, 200 },
	"GET /log/":         func(e *env, w *world) (call, int) { return call{path: "/log/checkpoint"}, 200 },
	"GET /metrics":      func(e *env, w *world) (call, int) { return call{path: "/metrics"}, 200 },
	"GET /v1/tokens":    func(e *env, w *world) (call, int) { return call{path: "/v1/tokens"}, 200 },
	"POST /v1/tokens": func(e *env, w *world) (call, int) {
		return call{body: map[string]any{"name": "booking desk 2", "role": "clerk", "agency": w.agency}}, 201
	},
	"POST /v1/tokens/{id}/revoke": func(e *env, w *world) (call, int) {
		_, id := e.newToken("to revoke", liaison.RoleClerk, "")
		return call{path: "/v1/tokens/" + id + "/revoke"}, 200
	},
	"POST /v1/decisions": func(e *env, w *world) (call, int) { return call{body: decisionRequest()}, 200 },
	"POST /v1/whatif": func(e *env, w *world) (call, int) {
		return call{body: map[string]any{"request": decisionRequest(), "compare": []string{"us/tx/travis-county"}}}, 200
	},
	"GET /v1/decisions/{id}": func(e *env, w *world) (call, int) {
		return call{path: "/v1/decisions/" + w.decision}, 200
	},
	"GET /v1/overrides/{id}": func(e *env, w *world) (call, int) {
		return call{path: "/v1/overrides/" + w.override}, 200
	},
	"GET /v1/people": func(e *env, w *world) (call, int) {
		return call{path: "/v1/people?booking=B-1&agency=" + w.agency}, 200
	},
	"GET /v1/requests": func(e *env, w *world) (call, int) {
		return call{path: "/v1/requests?agency=" + w.agency}, 200
	},
	"POST /v1/agencies": func(e *env, w *world) (call, int) { return call{body: harris}, 201 },
	"GET /v1/agencies":  func(e *env, w *world) (call, int) { return call{}, 200 },
	"GET /v1/agencies/{id}": func(e *env, w *world) (call, int) {
		return call{path: "/v1/agencies/" + w.agency}, 200
	},
	"PUT /v1/agencies/{id}/channel": func(e *env, w *world) (call, int) {
		return call{path: "/v1/agencies/" + w.agency + "/channel", body: webhookChannel}, 200
	},
	"GET /v1/agencies/{id}/channel": func(e *env, w *world) (call, int) {
		e.must(http.StatusOK, liaison.RoleAdmin, call{method: "PUT", path: "/v1/agencies/" + w.agency + "/channel", body: webhookChannel}, nil)
		return call{path: "/v1/agencies/" + w.agency + "/channel"}, 200
	},
	"POST /v1/people": func(e *env, w *world) (call, int) {
		return call{body: map[string]any{"agency": w.agency, "name": personName}}, 201
	},
	"GET /v1/people/{id}": func(e *env, w *world) (call, int) { return call{path: "/v1/people/" + w.person}, 200 },
	"POST /v1/custody-events": func(e *env, w *world) (call, int) {
		return call{body: map[string]any{"person": w.person, "kind": "booked", "at": "2025-03-01"}}, 201
	},
	"POST /v1/requests": func(e *env, w *world) (call, int) {
		w.n++
		return call{body: detainer(w.agency, w.person, fmt.Sprint("matrix-", w.n))}, 201
	},
	"GET /v1/requests/{id}": func(e *env, w *world) (call, int) { return call{path: "/v1/requests/" + w.request}, 200 },
	"POST /v1/requests/{id}/facts": func(e *env, w *world) (call, int) {
		w.n++
		return call{path: "/v1/requests/" + w.request + "/facts", body: map[string]any{"idempotency_key": fmt.Sprint("facts-", w.n),
			"reason": "the booking record was corrected", "subject": map[string]any{"age": 30 + w.n}}}, 201
	},
	"POST /v1/actions": func(e *env, w *world) (call, int) {
		return call{body: map[string]any{"request": w.request, "action": "honor_detainer", "offline_note": "Phoned the ICE duty officer."}}, 201
	},
	"POST /v1/overrides": func(e *env, w *world) (call, int) {
		// Only a refusal can be overridden, and the world's request has
		// been carried out by now: a request of its own, refused.
		w.n++
		id := e.intake(http.StatusCreated, detainer(w.agency, w.person, fmt.Sprint("matrix-", w.n))).Request.ID
		e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: map[string]any{"request": id, "action": "honor_detainer"}}, nil)
		return call{body: map[string]any{"request": id, "action": "honor_detainer", "reason": "A judicial warrant was presented at the jail."}}, 201
	},
	"GET /v1/duties": func(e *env, w *world) (call, int) {
		return call{path: "/v1/duties?status=open&agency=" + w.agency}, 200
	},
	"POST /v1/duties/{id}/done": func(e *env, w *world) (call, int) {
		// A duty is done once (a second time is a 409): a fresh one.
		w.n++
		duty := e.intake(http.StatusCreated, detainer(w.agency, w.person, fmt.Sprint("matrix-", w.n))).Duties[0].ID
		return call{path: "/v1/duties/" + duty + "/done", body: map[string]any{}}, 200
	},
	"POST /v1/contacts": func(e *env, w *world) (call, int) {
		w.n++
		return call{body: contactInput(w.agency, fmt.Sprint("msg-", w.n))}, 201
	},
	"POST /v1/contacts/ask": func(e *env, w *world) (call, int) {
		return call{body: map[string]any{"agency": w.agency, "officer": "LA-7", "channel": "phone", "counterpart": "ice_ero",
			"action": "share_info", "disclosed": []string{"immigration_status"}, "keep": true}}, 200
	},
	"GET /v1/contacts/figures": func(e *env, w *world) (call, int) {
		return call{path: "/v1/contacts/figures?agency=" + w.agency}, 200
	},
	"GET /v1/contacts/drafts": func(e *env, w *world) (call, int) {
		return call{path: "/v1/contacts/drafts?agency=" + w.agency}, 200
	},
	"GET /v1/contacts/{id}": func(e *env, w *world) (call, int) {
		return call{path: "/v1/contacts/" + e.contact(w)}, 200
	},
	"POST /v1/contacts/{id}/findings": func(e *env, w *world) (call, int) {
		return call{path: "/v1/contacts/" + e.contact(w) + "/findings", body: map[string]any{"finding": "lawful", "reason": "Status information only."}}, 201
	},
	"GET /v1/proofs/inclusion": func(e *env, w *world) (call, int) {
		return call{path: "/v1/proofs/inclusion?kind=agency&id=" + w.agency}, 200
	},
	"GET /v1/proofs/consistency": func(e *env, w *world) (call, int) { return call{path: "/v1/proofs/consistency?old=1"}, 200 },
	"POST /v1/log/checkpoint":    func(e *env, w *world) (call, int) { return call{}, 200 },
}

// TestRoleMatrix calls every route of routes.go with every role's token and
// with none: a role the route admits gets the route's answer (checked
// against openapi.json), any other gets 403, no token gets 401, and a
// refused call writes nothing.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t)
	w := newWorld(e, nil)

	routes := e.srv.Routes()
	if len(routes) != len(matrixCalls) {
		t.Errorf("routes.go has %d routes, matrixCalls %d: give every route a call", len(routes), len(matrixCalls))
	}
	for _, rt := range routes {
		mk, ok := matrixCalls[rt.Pattern]
		if !ok {
			t.Errorf("no call for %s in matrixCalls", rt.Pattern)
			continue
		}
		method, path, _ := strings.Cut(rt.Pattern, " ")
		for _, role := range append(slices.Clone(allRoles), "") {
			name := string(role)
			if role == "" {
				name = "no-token"
			}
			t.Run(rt.Pattern+"/"+name, func(t *testing.T) {
				parent := e.t
				e.t = t
				defer func() { e.t = parent }()
				c, want := mk(e, w)
				c.method = method
				if c.path == "" {
					c.path = path
				}
				admitted := rt.Roles == nil || slices.Contains(rt.Roles, role)
				c.valid = admitted
				before := e.treeSize()
				var resp response
				if role == "" {
					resp = e.do(c)
				} else {
					resp = e.as(role, c)
				}
				switch {
				case admitted:
					if resp.status != want {
						t.Fatalf("%s %s as %s = %d %s, want %d", c.method, c.path, name, resp.status, resp.body, want)
					}
					if resp.op == "" && !strings.HasPrefix(c.path, tilePrefix) {
						t.Errorf("%s %s: answer not checked against openapi.json", c.method, c.path)
					}
					return
				case role == "":
					if err := resp.apiError(t); resp.status != http.StatusUnauthorized || err.Error.Kind != "unauthorized" || err.Error.Field != "Authorization" {
						t.Errorf("%s %s without a token = %d %s, want 401 unauthorized about Authorization", c.method, c.path, resp.status, resp.body)
					}
					if resp.header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s without a token: no WWW-Authenticate header", c.method, c.path)
					}
				default:
					if err := resp.apiError(t); resp.status != http.StatusForbidden || err.Error.Kind != "forbidden" {
						t.Errorf("%s %s as %s = %d %s, want 403 forbidden", c.method, c.path, role, resp.status, resp.body)
					}
				}
				if after := e.treeSize(); after != before {
					t.Errorf("%s %s as %s was refused but wrote %d records", c.method, c.path, name, after-before)
				}
			})
		}
	}
}
