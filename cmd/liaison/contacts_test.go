package main

import (
	"context"
	"encoding/json"
	"os"
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
	example, err := os.ReadFile("../../examples/contact-boston.json") // the README's example
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Replace(string(example), "agy_REPLACE_WITH_THE_BOSTON_AGENCY_ID", a.ID, 1)
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

	// A folder of .eml files: one to ICE, one between officers, one broken.
	mail := filepath.Join(dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{
		"1.eml": "From: BPD-1042@pd.example\nTo: agent@ice.dhs.gov\nDate: Tue, 15 Oct 2019 10:00:00 -0400\nMessage-ID: <1@pd.example>\nSubject: release\n\nReleased at 6.\n",
		"2.eml": "From: a@pd.example\nTo: b@pd.example\nDate: Tue, 15 Oct 2019 10:00:00 -0400\nMessage-ID: <2@pd.example>\n\nLunch?\n",
		"3.eml": "From: a@pd.example\nTo: agent@ice.dhs.gov\nDate: not a date\n\nx\n",
	} {
		if err := os.WriteFile(filepath.Join(mail, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []string{"3 messages: 1 with federal domains, 1 new drafts, 0 scanned before, 1 malformed", "3 messages: 1 with federal domains, 0 new drafts, 1 scanned before, 1 malformed"} {
		_, errOut, err := runCmd(t, "", "contacts", "scan", "--db", db, "--keys", keyDir, "--agency", a.ID, mail)
		if err != nil || !strings.Contains(errOut, want) || !strings.Contains(errOut, "skipped 3.eml: date") {
			t.Errorf("contacts scan #%d = %v, %q; want %q and 3.eml skipped", i+1, err, errOut, want)
		}
	}
}
