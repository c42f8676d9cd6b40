package server_test

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/sqlite"
)

// TestEditedColumnsGrantNothing is the attacker with the database open and
// an API token of their own: the columns a row is looked up by are edited
// behind the server's back, and the server must not act on them.
func TestEditedColumnsGrantNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	store, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	e := newEnvOn(t, store)
	la, harrisCo := e.createAgency(losAngeles), e.createAgency(harris)
	p := e.createPerson(la.ID)
	clerkHarris, _ := e.newToken("harris clerk", liaison.RoleClerk, harrisCo.ID)
	adminLA, adminID := e.newToken("la admin", liaison.RoleAdmin, la.ID)
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tamper := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	get := call{method: "GET", path: "/v1/people/" + p.ID, token: clerkHarris}
	if r := e.do(get); r.status == http.StatusOK {
		t.Fatalf("GET %s as another agency's clerk = 200 before any edit", get.path)
	}

	// The person moved to the clerk's agency, in the column only.
	tamper(`UPDATE records SET agency = ? WHERE kind = 'person' AND id = ?`, harrisCo.ID, p.ID)
	if r := e.do(get); r.status == http.StatusOK || strings.Contains(string(r.body), personName) {
		t.Errorf("GET %s as Harris's clerk after the person's agency column was set to Harris = %d %s, want it refused", get.path, r.status, r.body)
	}

	// An administrator's token whose key column is set to the hash of a
	// secret the attacker chose (a token of the right form).
	// (ParseToken checks the form: the prefix and the length.)
	forged := adminLA[:len(adminLA)-1] + "a"
	if forged == adminLA {
		forged = adminLA[:len(adminLA)-1] + "b"
	}
	tamper(`UPDATE records SET key = ? WHERE kind = 'token' AND id = ?`, desk.HashToken(forged), adminID)
	list := call{method: "GET", path: "/v1/tokens", token: forged}
	if r := e.do(list); r.status == http.StatusOK {
		t.Errorf("GET /v1/tokens with a token whose hash was written into an administrator's key column = 200 %s, want it refused", r.body)
	}
}
