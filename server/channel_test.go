package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// TestAgencyChannelAPI: an admin sets an agency's webhook; no answer shows
// its secret; an action of the agency is answered pending, its message
// goes to that webhook signed when the dispatcher runs, and the case then
// shows it delivered. The Idempotency-Key header makes the call safe to
// repeat.
func TestAgencyChannelAPI(t *testing.T) {
	e := newEnv(t)
	const secret = "the county's webhook secret, 33 c"
	var mu sync.Mutex
	got := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get("X-Liaison-Timestamp"), 10, 64)
		if r.Header.Get("X-Liaison-Signature") != desk.Sign([]byte(secret), ts, body) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got[r.Header.Get("Idempotency-Key")]++
		mu.Unlock()
	}))
	defer recv.Close()
	tx := e.createAgency(harris).ID
	path := "/v1/agencies/" + tx + "/channel"
	e.must(http.StatusNotFound, liaison.RoleAdmin, call{method: "GET", path: path}, nil)
	set := e.must(http.StatusOK, liaison.RoleAdmin, call{method: "PUT", path: path, body: map[string]any{"kind": "webhook", "url": recv.URL, "secret": secret}}, nil)
	if r := e.as(liaison.RoleClerk, call{method: "PUT", path: path, body: map[string]any{"kind": "webhook", "url": recv.URL, "secret": secret}}); r.status != http.StatusForbidden {
		t.Errorf("PUT channel as a clerk = %d, want 403", r.status)
	}
	sup, _ := e.newToken("LA supervisor", liaison.RoleSupervisor, e.createAgency(losAngeles).ID)
	if r := e.do(call{method: "GET", path: path, token: sup}); r.status != http.StatusForbidden {
		t.Errorf("GET channel as another agency's supervisor = %d, want 403", r.status)
	}
	bodies := [][]byte{set.body}
	for _, role := range []liaison.Role{liaison.RoleAdmin, liaison.RoleSupervisor} {
		r := e.must(http.StatusOK, role, call{method: "GET", path: path}, nil)
		bodies = append(bodies, r.body)
	}
	for _, b := range bodies {
		if bytes.Contains(b, []byte(secret)) || !bytes.Contains(b, []byte(`"secret_set":true`)) {
			t.Errorf("channel answer %s: want secret_set and never the secret", b)
		}
	}

	req := e.intake(http.StatusCreated, detainer(tx, "", "hook-1")).Request.ID
	act := call{method: "POST", path: "/v1/actions", body: map[string]any{"request": req, "action": "honor_detainer"},
		headers: map[string]string{"Idempotency-Key": "act-key-1"}}
	var res desk.ActResult
	first := e.must(http.StatusCreated, liaison.RoleClerk, act, &res)
	if res.Action.Status != liaison.ActionPending || res.Action.Message == nil || len(got) != 0 {
		t.Fatalf("POST /v1/actions = %s, received %v; want pending with its message, nothing sent yet", first.body, got)
	}
	var again desk.ActResult
	e.must(http.StatusOK, liaison.RoleClerk, act, &again)
	other := act
	other.body = map[string]any{"request": req, "action": "honor_detainer", "idempotency_key": "another"}
	if r := e.as(liaison.RoleClerk, other); r.status != http.StatusBadRequest {
		t.Errorf("POST /v1/actions with a header and a body key that differ = %d %s, want 400", r.status, r.body)
	}
	if again.Action.ID != res.Action.ID || again.Created {
		t.Errorf("POST /v1/actions again with its key = %s, created %v; want %s, not created", again.Action.ID, again.Created, res.Action.ID)
	}
	p, err := desk.NewDispatcher(e.desk, desk.DispatcherConfig{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if made, err := p.Tick(t.Context()); err != nil || len(made) != 1 || !made[0].OK {
		t.Fatalf("dispatcher Tick = %+v, %v; want one delivery", made, err)
	}
	if got[res.Action.ID] != 1 {
		t.Errorf("receiver got %v, want %s once", got, res.Action.ID)
	}
	var c desk.Case
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/requests/" + req}, &c)
	if len(c.Actions) != 1 || c.Actions[0].Status != liaison.ActionDelivered || len(c.Actions[0].Deliveries) != 1 || c.Actions[0].Settled == nil {
		t.Errorf("case actions = %+v, want one delivered with its delivery and outcome", c.Actions)
	}
}
