package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"liaison"
)

type whatIfAnswer struct {
	Decision liaison.Decision `json:"decision"`
	Timeline []struct {
		From, To string
		Decision liaison.Decision `json:"decision"`
	} `json:"timeline"`
	Compare []struct {
		Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
		Decision     liaison.Decision     `json:"decision"`
	} `json:"compare"`
}

// POST /v1/whatif answers without a token, stores nothing, and gives the
// timeline and the comparison asked for.
func TestWhatIf(t *testing.T) {
	e := newEnv(t)
	before := e.logSize()
	body := map[string]any{"request": decisionRequest(), "timeline": true,
		"compare": []string{"us/tx/travis-county", "us/ma/boston"}}
	resp := e.do(call{method: "POST", path: "/v1/whatif", body: body, valid: true})
	if resp.status != http.StatusOK {
		t.Fatalf("POST /v1/whatif = %d %s", resp.status, resp.body)
	}
	var a whatIfAnswer
	if err := json.Unmarshal(resp.body, &a); err != nil {
		t.Fatal(err)
	}
	if a.Decision.Outcome != liaison.Permitted || a.Decision.Explanation == "" {
		t.Errorf("whatif decision = %s %q, want permitted, explained", a.Decision.Outcome, a.Decision.Explanation)
	}
	if n := len(a.Timeline); n < 2 || a.Timeline[n-1].To != "" {
		t.Errorf("whatif timeline = %+v, want several spans, the last open", a.Timeline)
	}
	if len(a.Compare) != 2 || a.Compare[0].Jurisdiction != "us/tx/travis-county" || a.Compare[1].Jurisdiction != "us/ma/boston" {
		t.Fatalf("whatif compare = %+v, want Travis County and Boston", a.Compare)
	}
	bostonLaw := false
	for _, p := range a.Compare[1].Decision.Packs {
		bostonLaw = bostonLaw || p.ID == "us-ma-boston-trust-act"
	}
	if !bostonLaw {
		t.Errorf("whatif compare in Boston used %+v, want Boston's ordinance", a.Compare[1].Decision.Packs)
	}
	if after := e.logSize(); after != before {
		t.Errorf("POST /v1/whatif stored records: log size %d → %d", before, after)
	}
	// A body over the limit is refused before it is read whole.
	big := `{"request": {"as_of": "2019-03-04", "jurisdiction": "us/ca", "action": "honor_detainer", "agency": {"name": "` +
		strings.Repeat("x", liaison.MaxRequestBytes) + `"}}}`
	if resp := e.do(call{method: "POST", path: "/v1/whatif", body: big}); resp.status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /v1/whatif with %d bytes = %d, want 413", len(big), resp.status)
	}
	// Bad input is refused with the field named.
	body["compare"] = []string{"us/zz"}
	if resp := e.do(call{method: "POST", path: "/v1/whatif", body: body}); resp.status != http.StatusBadRequest {
		t.Errorf("POST /v1/whatif comparing us/zz = %d %s, want 400", resp.status, resp.body)
	}
}

// Past the burst, one address is told to wait: 429 with Retry-After. The
// test server's clock stands still, so no token comes back.
func TestWhatIfRateLimit(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"request": decisionRequest()}
	var last response
	n := 0
	for ; n < 100; n++ {
		last = e.do(call{method: "POST", path: "/v1/whatif", body: body})
		if last.status != http.StatusOK {
			break
		}
	}
	if n != 20 || last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") != "1" {
		t.Errorf("after %d answers: %d (Retry-After %q) %s, want 429 after the burst of 20, Retry-After 1", n, last.status, last.header.Get("Retry-After"), last.body)
	}
}

// logSize is how many records the env's log holds.
func (e *env) logSize() int64 {
	e.t.Helper()
	n, err := e.store.TreeSize(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}
