package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
)

// The Boston e-mail recorded from the command line as of October 2019, and
// the officer asking first.
func TestContactsCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, keyDir := "sqlite:"+filepath.Join(dir, "c.db"), filepath.Join(dir, "keys")
	ks, err := loadKeys(func(string) string { return "" }, keyDir, "test", true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	set, err := loadPacks("")
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: ks.sealer})
	if err != nil {
		t.Fatal(err)
	}
	a, err := d.CreateAgency(ctx, liaison.Actor{ID: "cli", Role: liaison.RoleAdmin}, desk.AgencyInput{Name: "Boston Police Department", Jurisdiction: "us/ma/boston", Type: "police"})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"agency":"` + a.ID + `","officer":"BPD-1042","at":"2019-10-15T14:00:00Z","channel":"email","counterpart":"ice_ero",
		"action":"notify_release","disclosed":["release_date"],"source":"audit","idempotency_key":"m-1"}`
	out, errOut, err := runCmd(t, body, "contacts", "record", "--db", db, "--keys", keyDir)
	if err != nil {
		t.Fatalf("contacts record: %v\n%s", err, errOut)
	}
	var c liaison.ContactRecord
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.Decision.Outcome != liaison.Permitted || len(c.LocalLaw) != 1 || !strings.HasPrefix(c.LocalLaw[0], "Boston Trust Act (2014") {
		t.Errorf("contacts record = %s, %v; want permitted under the 2014 ordinance", out, err)
	}
	if _, errOut, err := runCmd(t, body, "contacts", "record", "--db", db, "--keys", keyDir); err != nil || !strings.Contains(errOut, "recorded before") {
		t.Errorf("contacts record again = %v, %q; want the stored one", err, errOut)
	}
	ask := `{"agency":"` + a.ID + `","officer":"BPD-1042","channel":"email","counterpart":"ice_ero","action":"notify_release","disclosed":["release_date"]}`
	_, errOut, err = runCmd(t, ask, "contacts", "ask", "--db", db, "--keys", keyDir, "--role", "clerk")
	if err != nil || !strings.HasPrefix(errOut, "No:") || !strings.Contains(errOut, "Boston Trust Act (2019)") {
		t.Errorf("contacts ask = %v, %q; want no, citing the Trust Act as amended", err, errOut)
	}
	if _, _, err := runCmd(t, ask, "contacts", "ask", "--db", db, "--keys", keyDir, "--role", "auditor"); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("contacts ask as an auditor = %v, want denied", err)
	}
}
