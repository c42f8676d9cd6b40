package server_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
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
		{"DELETE", "/v1/people", 405, "invalid", "GET, HEAD, POST"},
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

// TestPaging reads each list a page at a time: the pages together are the
// whole list, in order, each item once, and the last has no next.
func TestPaging(t *testing.T) {
	e := newEnv(t)
	var want []string
	for range 5 {
		want = append(want, e.createAgency(harris).ID)
	}
	for i := range 3 {
		e.newToken(fmt.Sprint("desk ", i), liaison.RoleClerk, "")
	}
	type page struct {
		Agencies []liaison.AgencyRecord
		Tokens   []desk.TokenInfo
		Next     *string
	}
	read := func(path string, limit int, ids func(page) []string) []string {
		var got []string
		cursor := ""
		for n := 0; ; n++ {
			if n > 20 {
				t.Fatalf("%s: more pages than items", path)
			}
			var p page
			e.must(http.StatusOK, liaison.RoleAdmin, call{method: "GET", path: fmt.Sprintf("%s?limit=%d&cursor=%s", path, limit, cursor)}, &p)
			if len(ids(p)) > limit {
				t.Fatalf("GET %s?limit=%d: a page of %d", path, limit, len(ids(p)))
			}
			got = append(got, ids(p)...)
			if p.Next == nil {
				return got
			}
			if *p.Next == "" {
				t.Fatalf("GET %s: next is empty, want it left out", path)
			}
			cursor = *p.Next
		}
	}
	agencyIDs := func(p page) []string {
		var out []string
		for _, a := range p.Agencies {
			out = append(out, a.ID)
		}
		return out
	}
	for _, limit := range []int{1, 2, 5, 100} {
		if got := read("/v1/agencies", limit, agencyIDs); !slices.Equal(got, want) {
			t.Errorf("GET /v1/agencies, pages of %d = %v, want %v", limit, got, want)
		}
	}
	tokenIDs := func(p page) []string {
		var out []string
		for _, tk := range p.Tokens {
			out = append(out, tk.ID)
		}
		return out
	}
	if got := read("/v1/tokens", 2, tokenIDs); len(got) != len(allRoles)+3 {
		t.Errorf("GET /v1/tokens, pages of 2 = %d tokens, want %d", len(got), len(allRoles)+3)
	}
}
