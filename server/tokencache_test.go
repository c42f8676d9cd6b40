package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/server"
)

// testClock is a clock the test moves.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestTokenCache checks that the server keeps the tokens it has looked up:
// a cached token works without the store's token records, one revoked
// through the API stops at once, and one revoked elsewhere stops once its
// entry expires.
func TestTokenCache(t *testing.T) {
	e := newEnv(t)
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{now: testNow}
	dk, err := desk.New(desk.Config{Store: e.store, Law: set, Sealer: mustSealer(t), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Desk: dk, Law: set, Log: e.store, Now: clock.Now})
	get := func(token string) int {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/v1/agencies", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
	revokeViaAPI := func(id string) {
		t.Helper()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/v1/tokens/"+id+"/revoke", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[liaison.RoleAdmin])
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("revoke %s = %d %s", id, rec.Code, rec.Body)
		}
	}
	newToken := func(name string) (string, string) { return e.newToken(name, liaison.RoleAuditor, "") }

	// A cached token keeps working.
	cached, _ := newToken("cached")
	if code := get(cached); code != http.StatusOK {
		t.Fatalf("GET with a new token = %d, want 200", code)
	}
	clock.add(server.TokenCacheTTL - time.Second)
	if code := get(cached); code != http.StatusOK {
		t.Errorf("GET with a cached token = %d, want 200", code)
	}

	// Revoked through the API: 401 at once, though the token is cached.
	viaAPI, viaAPIID := newToken("revoked through the API")
	if code := get(viaAPI); code != http.StatusOK {
		t.Fatalf("GET with a new token = %d, want 200", code)
	}
	revokeViaAPI(viaAPIID)
	if code := get(viaAPI); code != http.StatusUnauthorized {
		t.Errorf("GET with a token just revoked through the API = %d, want 401", code)
	}

	// Revoked elsewhere (the CLI): works from the cache until the entry
	// expires, then 401.
	elsewhere, elsewhereID := newToken("revoked by the CLI")
	if code := get(elsewhere); code != http.StatusOK {
		t.Fatalf("GET with a new token = %d, want 200", code)
	}
	if _, err := e.desk.Tokens().Revoke(context.Background(), cliAdmin, elsewhereID); err != nil {
		t.Fatal(err)
	}
	clock.add(server.TokenCacheTTL - time.Nanosecond)
	if code := get(elsewhere); code != http.StatusOK {
		t.Errorf("GET with a token revoked elsewhere, before its entry expires = %d, want 200 (from the cache)", code)
	}
	clock.add(time.Nanosecond)
	if code := get(elsewhere); code != http.StatusUnauthorized {
		t.Errorf("GET with a token revoked elsewhere, once its entry expired = %d, want 401", code)
	}
	if code := get(elsewhere); code != http.StatusUnauthorized {
		t.Errorf("GET with a token revoked elsewhere, again = %d, want 401", code)
	}
}
