package server_test

import (
	"net/http"
	"testing"

	"liaison"
	"liaison/desk"
)

// TestRequestTrace: a stored request's decisions come without the rules
// considered; with trace=1 they are derived, as the engine gives them.
func TestRequestTrace(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles)
	res := e.intake(http.StatusCreated, detainer(la.ID, "", "trace-1"))
	path := "/v1/requests/" + res.Request.ID
	var plain, traced desk.IntakeResult
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: path}, &plain)
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: path + "?trace=1"}, &traced)
	if len(plain.Decisions) != 1 || len(traced.Decisions) != 1 {
		t.Fatalf("GET %s: %d and %d decisions, want 1", path, len(plain.Decisions), len(traced.Decisions))
	}
	if p := plain.Decisions[0]; p.Decision.Considered != nil || p.Decision.Packs != nil || p.PackSet == "" {
		t.Errorf("GET %s: decision with %d rules considered, %d packs, pack set %q; want none, none, a hash",
			path, len(p.Decision.Considered), len(p.Decision.Packs), p.PackSet)
	}
	tr := traced.Decisions[0].Decision
	if len(tr.Considered) == 0 || len(tr.Packs) == 0 || tr.Outcome != plain.Decisions[0].Decision.Outcome {
		t.Errorf("GET %s?trace=1: %d rules considered, %d packs, %s; want the trace and the stored outcome %s",
			path, len(tr.Considered), len(tr.Packs), tr.Outcome, plain.Decisions[0].Decision.Outcome)
	}
	applied := false
	for _, c := range tr.Considered {
		applied = applied || (c.Status == liaison.StatusApplied && c.Rule == tr.Decisive[0].Rule)
	}
	if !applied {
		t.Errorf("GET %s?trace=1: the decisive rule %s is not among the rules considered as applied", path, tr.Decisive[0].Rule)
	}
}
