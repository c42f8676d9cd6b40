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
	"liaison/ledger"
	"liaison/packs"
	"liaison/sqlite"
	"liaison/storetest"
)

// demoDB writes the demo's data to a new SQLite database, and returns its
// DSN and the folder of its keys.
func demoDB(t *testing.T) (db, keyDir string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	keyDir = filepath.Join(dir, "keys")
	ks, err := loadKeys(func(string) string { return "" }, keyDir, "test.local/log", true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "demo.db")
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	set, err := loadPacks("")
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: ks.sealer})
	if err != nil {
		t.Fatal(err)
	}
	if err := demoData(ctx, d, liaison.Actor{ID: "t", Role: liaison.RoleAdmin}, liaison.Actor{ID: "t", Role: liaison.RoleClerk}); err != nil {
		t.Fatal(err)
	}
	return "sqlite:" + path, keyDir
}

// TestLogVerifyRedecide: on the demo's database every decision comes out
// as stored; in a log rebuilt with one decision's outcome changed, which
// plain `log verify` passes, --redecide names that decision with both
// answers.
func TestLogVerifyRedecide(t *testing.T) {
	db, keys := demoDB(t)
	if out, _, err := runCmd(t, "", "log", "checkpoint", "--db", db, "--keys", keys); err != nil {
		t.Fatalf("log checkpoint: %v %s", err, out)
	}
	out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys, "--redecide")
	if err != nil || !strings.Contains(out, "6 decisions decided again with their stored pack sets: 0 differ, 0 skipped") {
		t.Fatalf("log verify --redecide on the demo = %v\n%s", err, out)
	}

	ctx := context.Background()
	from, err := sqlite.Open(ctx, strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer from.Close()
	forgedPath := filepath.Join(t.TempDir(), "forged.db")
	forged, err := sqlite.Open(ctx, forgedPath)
	if err != nil {
		t.Fatal(err)
	}
	var victim liaison.DecisionRecord
	storetest.Rewrite(t, from, forged, func(r *liaison.StoredRecord) {
		if r.Kind != liaison.KindDecision || victim.ID != "" {
			return
		}
		if err := json.Unmarshal(r.Body, &victim); err != nil {
			t.Fatal(err)
		}
		dr := victim
		dr.Decision.Outcome = liaison.Required
		if r.Body, err = ledger.MarshalCanonical(dr); err != nil {
			t.Fatal(err)
		}
	})
	forged.Close()
	fdb := "sqlite:" + forgedPath
	if out, _, err := runCmd(t, "", "log", "checkpoint", "--db", fdb, "--keys", keys); err != nil {
		t.Fatalf("log checkpoint (rewritten): %v %s", err, out)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", fdb, "--keys", keys); err != nil {
		t.Fatalf("log verify of the rewritten log = %v, want it to pass\n%s", err, out)
	}
	out, _, err = runCmd(t, "", "log", "verify", "--db", fdb, "--keys", keys, "--redecide")
	if exitCode(err) != 1 {
		t.Fatalf("log verify --redecide of the rewritten log = %v, want exit 1\n%s", err, out)
	}
	for _, want := range []string{"decision " + victim.ID, "outcome: stored required, now " + string(victim.Decision.Outcome),
		"stored: " + oneLine(victim.Decision.Explanation), ": 1 differ"} {
		if !strings.Contains(out, want) {
			t.Errorf("log verify --redecide does not say %q:\n%s", want, out)
		}
	}
}

// TestPacksCheckUpgrade: with the bundled packs nothing would change; with
// the Values Act in force only from 2030, the California decisions would,
// and the report says so and names the pack; Texas's would not.
func TestPacksCheckUpgrade(t *testing.T) {
	db, _ := demoDB(t)
	out, _, err := runCmd(t, "", "packs", "check-upgrade", "--db", db)
	if err != nil || !strings.Contains(out, "6 decisions decided again") || !strings.Contains(out, "0 differ") {
		t.Fatalf("packs check-upgrade with the same packs = %v\n%s", err, out)
	}

	dir := t.TempDir()
	if err := os.CopyFS(dir, packs.FS()); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "us", "ca", "values-act.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), "effective_from: 2018-01-01", "effective_from: 2030-01-01", 1)
	if changed == string(b) {
		t.Fatal("values-act.yaml has no effective_from: 2018-01-01 to change")
	}
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, "", "packs", "check-upgrade", "--db", db, "--packs", dir, "--json")
	if exitCode(err) != 1 {
		t.Fatalf("packs check-upgrade with a changed pack = %v, want exit 1\n%s", err, out)
	}
	var rep desk.RedecideReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("packs check-upgrade --json: %v\n%s", err, out)
	}
	ctx := context.Background()
	store, err := openStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	jurisdiction := func(agency string) liaison.Jurisdiction {
		rec, err := store.Get(ctx, liaison.KindAgency, agency)
		if err != nil {
			t.Fatal(err)
		}
		var a liaison.AgencyRecord
		json.Unmarshal(rec.Body, &a)
		return a.Jurisdiction
	}
	if len(rep.Differences) == 0 {
		t.Fatalf("packs check-upgrade lists nothing:\n%s", out)
	}
	for _, d := range rep.Differences {
		if j := jurisdiction(d.Agency); j != "us/ca/los-angeles-county" {
			t.Errorf("check-upgrade lists %s of %s, where the changed pack does not apply", d.Decision, j)
		}
		if why := strings.Join(d.Why, "\n"); !strings.Contains(why, "pack us-ca-values-act (version 2018) is no longer in force") {
			t.Errorf("check-upgrade says why %q for %s, without the pack", why, d.Decision)
		}
	}
}
