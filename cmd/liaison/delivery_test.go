package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// hookCounter is a webhook receiver that counts signed posts by
// idempotency key.
type hookCounter struct {
	secret string
	mu     sync.Mutex
	byKey  map[string]int
	bad    int
}

func (h *hookCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts, _ := strconv.ParseInt(r.Header.Get("X-Liaison-Timestamp"), 10, 64)
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Header.Get("X-Liaison-Signature") != desk.Sign([]byte(h.secret), ts, body) {
		h.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	h.byKey[r.Header.Get("Idempotency-Key")]++
}

func (h *hookCounter) counts() (map[string]int, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.byKey {
		out[k] = v
	}
	return out, h.bad
}

// TestDeliveryThroughServe: `liaison serve` with a server-wide webhook and
// an agency's own, set with `liaison admin channel set`: an action is
// answered pending, and the server's dispatcher delivers it, signed, once,
// to the agency's webhook; the case then shows it delivered.
func TestDeliveryThroughServe(t *testing.T) {
	serverWide := &hookCounter{secret: "the server-wide secret, 16+", byKey: map[string]int{}}
	own := &hookCounter{secret: "the county's own secret, 16+", byKey: map[string]int{}}
	serverHook, ownHook := httptest.NewServer(serverWide), httptest.NewServer(own)
	t.Cleanup(serverHook.Close)
	t.Cleanup(ownHook.Close)
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "liaison.db")
	keys := filepath.Join(dir, "keys")
	admin, clerk := token(t, db, "admin"), token(t, db, "clerk")
	env := []string{"LIAISON_LOG_KEY=", "LIAISON_SEAL_KEY=", "LIAISON_WEBHOOK_URL=" + serverHook.URL, "LIAISON_WEBHOOK_SECRET=" + serverWide.secret}
	srv := startServer(t, env, "--db", db, "--addr", "127.0.0.1:0", "--keys", keys)
	base := "http://" + srv.base
	code, body := call(t, base, admin, "POST", "/v1/agencies", map[string]any{
		"name": "Travis County Sheriff's Office", "jurisdiction": "us/tx/travis-county", "type": "sheriff", "no_local_law": true})
	if code != http.StatusCreated {
		t.Fatalf("create agency = %d %s", code, body)
	}
	var a liaison.AgencyRecord
	json.Unmarshal(body, &a)

	out, _, err := runCmd(t, own.secret+"\n", "admin", "channel", "set", "--db", db, "--keys", keys, "--agency", a.ID,
		"--webhook", ownHook.URL, "--secret-stdin")
	if err != nil {
		t.Fatalf("admin channel set: %v", err)
	}
	if strings.Contains(out, own.secret) || !strings.Contains(out, `"secret_set": true`) {
		t.Errorf("admin channel set printed %s: want secret_set, never the secret", out)
	}
	out, _, err = runCmd(t, "", "admin", "channel", "show", "--db", db, "--keys", keys, "--agency", a.ID)
	if err != nil || strings.Contains(out, own.secret) || !strings.Contains(out, ownHook.URL) {
		t.Errorf("admin channel show = %s, %v; want the URL, never the secret", out, err)
	}

	code, body = call(t, base, clerk, "POST", "/v1/requests", map[string]any{"agency": a.ID, "idempotency_key": "d-1",
		"request": map[string]any{"kind": "detainer", "form": "I-247A", "issuer": "ICE", "probable_cause_basis": []string{"biometric_match"},
			"warrant": map[string]any{"kind": "administrative", "form": "I-200"}},
		"actions": []string{"honor_detainer"}, "subject": map[string]any{"custody": map[string]any{"status": "eligible_for_release"}, "convictions": []any{}}})
	if code != http.StatusCreated {
		t.Fatalf("intake = %d %s", code, body)
	}
	var in struct {
		Request liaison.RequestRecord `json:"request"`
	}
	json.Unmarshal(body, &in)
	code, body = call(t, base, clerk, "POST", "/v1/actions", map[string]any{"request": in.Request.ID, "action": "honor_detainer"})
	var res desk.ActResult
	if err := json.Unmarshal(body, &res); code != http.StatusCreated || err != nil || res.Action.Status != liaison.ActionPending {
		t.Fatalf("act = %d %s, want 201 pending", code, body)
	}
	// The dispatcher runs in the server: wait for the case to say so, a
	// bounded number of times.
	var c desk.Case
	for range 300 {
		code, body = call(t, base, clerk, "GET", "/v1/requests/"+in.Request.ID, nil)
		if code == http.StatusOK && json.Unmarshal(body, &c) == nil && len(c.Actions) == 1 && c.Actions[0].Status != liaison.ActionPending {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(c.Actions) != 1 || c.Actions[0].Status != liaison.ActionDelivered || len(c.Actions[0].Deliveries) != 1 {
		t.Fatalf("case actions = %+v, want one delivered", c.Actions)
	}
	gotOwn, badOwn := own.counts()
	gotServer, badServer := serverWide.counts()
	if gotOwn[res.Action.ID] != 1 || len(gotServer) != 0 || badOwn+badServer != 0 {
		t.Errorf("agency webhook got %v, server-wide %v (bad signatures %d, %d); want the action once at the agency's", gotOwn, gotServer, badOwn, badServer)
	}
}
