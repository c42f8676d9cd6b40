package server_test

import (
	"net/http"
	"strings"
	"testing"

	"liaison"
)

// TestEdges: a wrong method on a known path is 405 with an Allow header,
// and errors under /log/ are JSON like every other, whatever the path.
func TestEdges(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles).ID
	e.must(http.StatusOK, liaison.RoleAdmin, call{method: "POST", path: "/v1/log/checkpoint"}, nil)
	for _, tt := range []struct {
		method, path string
		status       int
		kind, allow  string
	}{
		{"POST", "/healthz", 405, "invalid", "GET, HEAD"},
		{"DELETE", "/v1/agencies", 405, "invalid", "GET, HEAD, POST"},
		{"PUT", "/v1/agencies/" + la, 405, "invalid", "GET, HEAD"},
		{"GET", "/v1/tokens/tok_x/revoke", 405, "invalid", "POST"},
		{"GET", "/v1/people", 405, "invalid", "POST"},
		{"POST", "/log/checkpoint", 405, "invalid", "GET, HEAD"},
		{"GET", "/v1/nothing", 404, "not_found", ""},
		{"GET", "/log/nothing", 404, "not_found", ""},
		{"GET", "/log/tile/0/x001", 400, "invalid", ""},
		{"GET", "/log/tile/0/999", 404, "not_found", ""},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			resp := e.as(liaison.RoleAdmin, call{method: tt.method, path: tt.path})
			if ct := resp.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s %s: Content-Type %q, want application/json", tt.method, tt.path, ct)
			}
			got := resp.apiError(t)
			if resp.status != tt.status || got.Error.Kind != tt.kind || got.Error.Message == "" {
				t.Errorf("%s %s = %d %s, want %d %s", tt.method, tt.path, resp.status, resp.body, tt.status, tt.kind)
			}
			if allow := resp.header.Get("Allow"); allow != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.path, allow, tt.allow)
			}
			if tt.status == 405 && !strings.Contains(got.Error.Message, tt.allow) {
				t.Errorf("%s %s: message %q does not say what is allowed", tt.method, tt.path, got.Error.Message)
			}
		})
	}
	// What works still works, and is not JSON.
	resp := e.do(call{path: "/log/checkpoint"})
	if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/plain") {
		t.Errorf("GET /log/checkpoint = %d %s", resp.status, resp.header.Get("Content-Type"))
	}
}
