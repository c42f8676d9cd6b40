package server_test

import (
	"net/http"
	"strings"
	"testing"

	"liaison"
)

// POST /v1/decisions answers 400 for a jurisdiction with a level that has
// no pack, naming it and the nearest known paths, unless the agency says
// it has no law of its own; the decision then says which levels had law.
func TestDecisionsJurisdictionsThatExist(t *testing.T) {
	e := newEnv(t)
	req := decisionRequest()
	req["jurisdiction"] = "us/cx/los-angeles-county"
	r := e.as(liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: req, valid: true})
	if got := r.apiError(t); r.status != http.StatusBadRequest || got.Error.Field != "jurisdiction" ||
		!strings.Contains(got.Error.Message, `"cx"`) || !strings.Contains(got.Error.Message, "us/ca") {
		t.Errorf("POST /v1/decisions for us/cx/… = %d %s, want 400 naming cx and us/ca", r.status, r.body)
	}
	req["jurisdiction"] = "us/ca/los-angeles-county"
	delete(req["agency"].(map[string]any), "no_local_law")
	if r := e.as(liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: req, valid: true}); r.status != http.StatusBadRequest {
		t.Errorf("POST /v1/decisions for a county with no pack, without no_local_law = %d %s, want 400", r.status, r.body)
	}
	req["agency"].(map[string]any)["no_local_law"] = true
	req["agency"].(map[string]any)["time_zone"] = "America/Los_Angeles"
	var d liaison.Decision
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "POST", path: "/v1/decisions", body: req, valid: true}, &d)
	if want := "Federal and California law applied; no pack for Los Angeles County."; !strings.HasSuffix(d.Explanation, want) || len(d.Levels) != 3 {
		t.Errorf("decision = %q, levels %+v; want it to end %q", d.Explanation, d.Levels, want)
	}
}
