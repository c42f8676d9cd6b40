package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/server"
)

// TestTokensOverAPI makes a token limited to an agency, uses it, and
// revokes it.
func TestTokensOverAPI(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles).ID
	tx := e.createAgency(harris).ID
	e.intake(http.StatusCreated, detainer(la, "", "scope-la"))
	e.intake(http.StatusCreated, detainer(tx, "", "scope-tx"))

	var made struct {
		Token  string
		Record liaison.TokenRecord
	}
	e.must(http.StatusCreated, liaison.RoleAdmin, call{method: "POST", path: "/v1/tokens", body: map[string]any{"name": "Texas desk", "role": "clerk", "agency": tx}}, &made)
	texan := call{method: "GET", path: "/v1/duties", token: made.Token}
	var duties struct{ Duties []desk.Duty }
	resp := e.do(texan)
	if err := json.Unmarshal(resp.body, &duties); err != nil || resp.status != 200 || len(duties.Duties) == 0 {
		t.Fatalf("GET /v1/duties with a Texas token = %d %s", resp.status, resp.body)
	}
	for _, d := range duties.Duties {
		if d.Agency != tx {
			t.Errorf("a Texas token sees duty %s of agency %s", d.ID, d.Agency)
		}
	}
	var rv desk.TokenRevocation
	e.must(http.StatusOK, liaison.RoleAdmin, call{method: "POST", path: "/v1/tokens/" + made.Record.ID + "/revoke"}, &rv)
	if rv.Token != made.Record.ID || rv.Actor.ID != e.tokenIDs[liaison.RoleAdmin] {
		t.Errorf("revocation = %+v, want of %s by the admin", rv, made.Record.ID)
	}
	if resp := e.do(texan); resp.status != http.StatusUnauthorized {
		t.Errorf("GET /v1/duties with a revoked token = %d, want 401", resp.status)
	}
	again := e.as(liaison.RoleAdmin, call{method: "POST", path: "/v1/tokens/" + made.Record.ID + "/revoke"})
	if got := again.apiError(t); again.status != http.StatusConflict || got.Error.Kind != "conflict" {
		t.Errorf("revoke again = %d %s, want 409 conflict", again.status, again.body)
	}
	if resp := e.as(liaison.RoleAdmin, call{method: "POST", path: "/v1/tokens/tok_nope/revoke"}); resp.status != http.StatusNotFound {
		t.Errorf("revoke an unknown token = %d, want 404", resp.status)
	}

	// The list: every token, the revoked one with when; no secrets.
	var list struct{ Tokens []desk.TokenInfo }
	resp = e.as(liaison.RoleAdmin, call{path: "/v1/tokens"})
	if err := json.Unmarshal(resp.body, &list); err != nil || resp.status != http.StatusOK {
		t.Fatalf("GET /v1/tokens = %d %s", resp.status, resp.body)
	}
	if bytes.Contains(resp.body, []byte(made.Record.Hash)) || bytes.Contains(resp.body, []byte(`"hash"`)) || bytes.Contains(resp.body, []byte(desk.TokenPrefix)) {
		t.Errorf("GET /v1/tokens shows a token or its hash: %s", resp.body)
	}
	byID := map[string]desk.TokenInfo{}
	for _, ti := range list.Tokens {
		byID[ti.ID] = ti
	}
	if got, ok := byID[made.Record.ID]; !ok || got.RevokedAt == nil || !got.RevokedAt.Equal(rv.At) || got.Agency != tx || got.Name != "Texas desk" {
		t.Errorf("GET /v1/tokens has %s as %+v, want the Texas desk's clerk token, revoked at %v", made.Record.ID, got, rv.At)
	}
	if got, ok := byID[e.tokenIDs[liaison.RoleAdmin]]; !ok || got.RevokedAt != nil {
		t.Errorf("GET /v1/tokens has the admin's token as %+v (listed %v), want it, not revoked", got, ok)
	}
	// An administrator limited to an agency sees that agency's tokens.
	var texasAdmin struct {
		Token  string
		Record liaison.TokenRecord
	}
	e.must(http.StatusCreated, liaison.RoleAdmin, call{method: "POST", path: "/v1/tokens", body: map[string]any{"name": "Texas admin", "role": "admin", "agency": tx}}, &texasAdmin)
	resp = e.do(call{path: "/v1/tokens", token: texasAdmin.Token})
	list.Tokens = nil
	if err := json.Unmarshal(resp.body, &list); err != nil || resp.status != http.StatusOK || len(list.Tokens) != 2 {
		t.Fatalf("GET /v1/tokens as Texas's admin = %d %s, want its 2 tokens", resp.status, resp.body)
	}
	for _, ti := range list.Tokens {
		if ti.Agency != tx {
			t.Errorf("Texas's admin sees token %s of agency %q", ti.ID, ti.Agency)
		}
	}
	// It neither creates agencies nor sees others.
	before := e.treeSize()
	resp = e.do(call{method: "POST", path: "/v1/agencies", body: harris, token: texasAdmin.Token})
	if got := resp.apiError(t); resp.status != http.StatusForbidden || got.Error.Kind != "forbidden" {
		t.Errorf("POST /v1/agencies as Texas's admin = %d %s, want 403", resp.status, resp.body)
	}
	if after := e.treeSize(); after != before {
		t.Errorf("a refused POST /v1/agencies wrote %d records", after-before)
	}
	var agencies struct{ Agencies []liaison.AgencyRecord }
	resp = e.do(call{path: "/v1/agencies", token: texasAdmin.Token})
	if err := json.Unmarshal(resp.body, &agencies); err != nil || resp.status != http.StatusOK || len(agencies.Agencies) != 1 || agencies.Agencies[0].ID != tx {
		t.Errorf("GET /v1/agencies as Texas's admin = %d %s, want Texas alone", resp.status, resp.body)
	}
	if resp := e.do(call{path: "/v1/agencies/" + la, token: texasAdmin.Token}); resp.status != http.StatusForbidden {
		t.Errorf("GET /v1/agencies/{los angeles} as Texas's admin = %d %s, want 403", resp.status, resp.body)
	}
	// What a limited token does is recorded with its agency: here a
	// Texas clerk token, made and revoked by Texas's admin.
	var clerkTX struct {
		Token  string
		Record liaison.TokenRecord
	}
	resp = e.do(call{method: "POST", path: "/v1/tokens", token: texasAdmin.Token, valid: true, body: map[string]any{"name": "Texas clerk", "role": "clerk", "agency": tx}})
	if err := json.Unmarshal(resp.body, &clerkTX); err != nil || resp.status != http.StatusCreated {
		t.Fatalf("POST /v1/tokens as Texas's admin = %d %s", resp.status, resp.body)
	}
	resp = e.do(call{method: "POST", path: "/v1/tokens/" + clerkTX.Record.ID + "/revoke", token: texasAdmin.Token})
	rv = desk.TokenRevocation{}
	if err := json.Unmarshal(resp.body, &rv); err != nil || resp.status != http.StatusOK || rv.Actor.Agency != tx || rv.Actor.ID != texasAdmin.Record.ID {
		t.Errorf("revoke as Texas's admin = %d %s, want 200 with the actor limited to %s", resp.status, resp.body, tx)
	}
}

// failingStore is the real store with one misbehaving method.
type failingStore struct {
	liaison.Store
	err error
}

func (f failingStore) ByKey(ctx context.Context, kind, key string) (*liaison.StoredRecord, error) {
	return nil, f.err
}

// TestStoreFailures checks that an unexpected failure answers a generic 500
// and logs the details, and that an unavailable store answers 503.
func TestStoreFailures(t *testing.T) {
	e := newEnv(t)
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		err    error
		status int
		kind   string
	}{
		{errors.New("disk on fire at /var/lib/liaison/secret-path"), 500, "internal"},
		{liaison.Errorf(liaison.Unavailable, "", "the database is busy; retry"), 503, "unavailable"},
	} {
		logs := &lockedBuffer{}
		dk, err := desk.New(desk.Config{Store: failingStore{e.store, tt.err}, Law: set, Sealer: mustSealer(t)})
		if err != nil {
			t.Fatal(err)
		}
		srv := server.New(server.Config{Desk: dk, Law: set, Log: e.store,
			Logger: slog.New(slog.NewTextHandler(logs, nil))})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/agencies", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[liaison.RoleAdmin])
		srv.Handler().ServeHTTP(rec, req)
		var got apiError
		if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || rec.Code != tt.status || got.Error.Kind != tt.kind {
			t.Errorf("with the store failing %v: %d %s, want %d %s", tt.err, rec.Code, rec.Body, tt.status, tt.kind)
		}
		if tt.kind == "internal" {
			if strings.Contains(rec.Body.String(), "secret-path") {
				t.Errorf("a 500 shows the internal error: %s", rec.Body)
			}
			if !strings.Contains(logs.String(), "secret-path") {
				t.Errorf("the internal error is not logged: %s", logs)
			}
		}
	}
}

// TestNoSigner checks that a server without the log's key serves the rest
// of the API, and answers the log's routes 503.
func TestNoSigner(t *testing.T) {
	e := newEnv(t)
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	dk, err := desk.New(desk.Config{Store: e.store, Law: set, Sealer: mustSealer(t)})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Desk: dk, Law: set, Log: e.store})
	for _, path := range []string{"/log/checkpoint", "/v1/log/checkpoint", "/v1/proofs/consistency?old=1", "/healthz"} {
		method := "GET"
		if path == "/v1/log/checkpoint" {
			method = "POST"
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(method, path, nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[liaison.RoleAdmin])
		srv.Handler().ServeHTTP(rec, req)
		want := http.StatusServiceUnavailable
		if path == "/healthz" {
			want = http.StatusOK
		}
		if rec.Code != want {
			t.Errorf("%s %s without a signer = %d %s, want %d", method, path, rec.Code, rec.Body, want)
		}
	}
}

func mustSealer(t *testing.T) *desk.Sealer {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	s, err := desk.NewSealer(key, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
