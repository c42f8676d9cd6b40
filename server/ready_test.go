package server_test

import (
	"database/sql"
	"net/http"
	"strings"
	"testing"

	"liaison"
)

// TestReadyz: /readyz answers 200 while the store is sound. When the log is
// rolled back behind its last signed checkpoint while the server runs,
// /readyz answers 503 saying what to do, and from then on every write is
// refused with that message while reads go on.
func TestReadyz(t *testing.T) {
	e, path := newEnvFile(t)
	la := e.createAgency(losAngeles).ID
	e.createAgency(harris)
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/readyz"}, nil)
	e.must(http.StatusOK, liaison.RoleAdmin, call{method: "POST", path: "/v1/log/checkpoint"}, nil)
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/readyz"}, nil)

	// Behind the server's back: drop the newest leaves, the checkpoint's
	// own record and, before it, Harris County's agency, which the
	// checkpoint covers.
	n := e.treeSize() - 1
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DELETE FROM records WHERE leaf_index >= ?`, `DELETE FROM leaves WHERE idx >= ?`, `UPDATE log_head SET size = ?`} {
		if _, err := db.Exec(q, n-1); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	resp := e.do(call{method: "GET", path: "/readyz"})
	got := resp.apiError(t)
	if resp.status != http.StatusServiceUnavailable || got.Error.Kind != "unavailable" || !strings.Contains(got.Error.Message, "log verify") {
		t.Fatalf("GET /readyz after a rollback = %d %s, want 503 saying to run log verify", resp.status, resp.body)
	}
	resp = e.as(liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: map[string]any{"name": "X", "jurisdiction": "us", "type": "police", "time_zone": "America/New_York"}})
	if got := resp.apiError(t); resp.status != http.StatusServiceUnavailable || !strings.Contains(got.Error.Message, "refuses writes") {
		t.Errorf("POST /v1/agencies on a damaged store = %d %s, want 503 saying writes are refused", resp.status, resp.body)
	}
	resp = e.as(liaison.RoleAdmin, call{method: "POST", path: "/v1/log/checkpoint"})
	if resp.status != http.StatusServiceUnavailable {
		t.Errorf("POST /v1/log/checkpoint on a damaged store = %d %s, want 503", resp.status, resp.body)
	}
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/agencies/" + la}, nil)
}

// TestHealthzAlive: /healthz says the process is alive and nothing more:
// with its store closed, /readyz answers 503 and /healthz still 200, so
// that a liveness probe does not restart a node for its database's sake.
func TestHealthzAlive(t *testing.T) {
	e := newEnv(t)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	if resp := e.do(call{method: "GET", path: "/readyz"}); resp.status != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the store closed = %d %s, want 503", resp.status, resp.body)
	}
	if resp := e.do(call{method: "GET", path: "/healthz"}); resp.status != http.StatusOK {
		t.Errorf("GET /healthz with the store closed = %d %s, want 200", resp.status, resp.body)
	}
}
