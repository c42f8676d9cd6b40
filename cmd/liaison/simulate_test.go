package main

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"liaison/desk"
	"liaison/history"
	"liaison/law"
	"liaison/packs"
	"liaison/sqlite"
)

// TestSimulateDemo: over the demo's database, the prepared proposal
// (Boston without its 2019 amendment) changes the Boston police's
// release notification, and nothing of the other two agencies.
func TestSimulateDemo(t *testing.T) {
	db, keys := demoDB(t)
	proposal := "../../examples/proposals/boston-without-2019"
	out, stderr, err := runCmd(t, "", "simulate", "--db", db, "--packs", proposal, "--format", "json")
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, stderr)
	}
	var sim desk.Simulation
	if err := json.Unmarshal([]byte(out), &sim); err != nil {
		t.Fatal(err)
	}
	if sim.Agencies != 1 || sim.Unaffected != 2 || sim.Decisions != 2 || sim.Changed != 1 ||
		sim.Changes[0].Action != "notify_release" || sim.Changes[0].Jurisdiction != "us/ma/boston" {
		t.Errorf("simulate = %+v, want Boston's 2 decisions read, its release notification changed", sim)
	}
	out, _, err = runCmd(t, "", "simulate", "--db", db, "--packs", proposal)
	if err != nil || !strings.Contains(out, "notify_release               forbidden      permitted             1  ←") ||
		!strings.Contains(out, "proposal: Permitted") || !strings.Contains(out, "1 would change.\n") {
		t.Errorf("simulate (text) = %v\n%s", err, out)
	}
	// A period before the demo's decisions replays none.
	out, _, err = runCmd(t, "", "simulate", "--db", db, "--packs", proposal, "--to", "2020-01-01")
	if err != nil || !strings.Contains(out, "0 decisions of 1 agencies replayed") {
		t.Errorf("simulate --to 2020-01-01 = %v\n%s", err, out)
	}
	// The whole file checked at start, as other commands do, and a check
	// liaison does not know refused.
	if out, _, err := runCmd(t, "", "simulate", "--db", db, "--packs", proposal, "--integrity-check", "quick"); err != nil || !strings.Contains(out, "2 decisions of 1 agencies replayed") {
		t.Errorf("simulate --integrity-check quick = %v\n%s", err, out)
	}
	if _, _, err := runCmd(t, "", "simulate", "--db", db, "--packs", proposal, "--integrity-check", "sometimes"); err == nil || !strings.Contains(err.Error(), "sometimes") {
		t.Errorf("simulate --integrity-check sometimes = %v, want an error naming it", err)
	}
	if _, _, err := runCmd(t, "", "simulate", "--db", db); exitCode(err) != 2 {
		t.Errorf("simulate without --packs = %v, want exit status 2", err)
	}

	// The replay rows the simulations filled are checked by log verify:
	// as filled, no problem; an outcome edited around the log (a string
	// the rows name), a derived one.
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys); err != nil || !strings.Contains(out, ": 0 problems") {
		t.Errorf("log verify with replay rows = %v\n%s", err, out)
	}
	raw, err := sql.Open("sqlite", strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if res, err := raw.Exec(`UPDATE replay_strings SET value = 'required' WHERE value = 'forbidden'`); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n == 0 {
		t.Fatal("no replay string to edit: the simulations filled none")
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys); exitCode(err) != 1 || !strings.Contains(out, "derived: replay rows: string") {
		t.Errorf("log verify of an edited replay row = %v, want a derived problem, exit status 1\n%s", err, out)
	}
	// A request deleted around the log: the replay rows no longer derive,
	// which is one more problem, not an end to the report.
	var req string
	if err := raw.QueryRow(`SELECT id FROM records WHERE kind = 'request' ORDER BY leaf_index LIMIT 1`).Scan(&req); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM records WHERE kind = 'request' AND id = ?`, req); err != nil {
		t.Fatal(err)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys); exitCode(err) != 1 || !strings.Contains(out, "request/"+req) ||
		!strings.Contains(out, "derived: check replay rows:") {
		t.Errorf("log verify with a request deleted = %v, want it named, the replay rows' check failing as a derived problem, exit status 1\n%s", err, out)
	}
}

// TestSimulateExplainFirst: with --explain N over a generated history, the
// first N changes listed carry both explanations and the others their
// outcomes and deciding rules only, in JSON and in text; the counts are
// those of a simulation that explains them all.
func TestSimulateExplainFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	store, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{9}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := history.Generate(t.Context(), history.Config{Store: store, Law: set, Sealer: sealer,
		Options: history.Options{Seed: 1, Now: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), Cases: 300}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	db, proposal := "sqlite:"+path, "../../examples/proposals/boston-without-2019"
	simulate := func(args ...string) desk.Simulation {
		t.Helper()
		out, stderr, err := runCmd(t, "", append([]string{"simulate", "--db", db, "--packs", proposal, "--format", "json"}, args...)...)
		if err != nil {
			t.Fatalf("simulate %v: %v\n%s", args, err, stderr)
		}
		var sim desk.Simulation
		if err := json.Unmarshal([]byte(out), &sim); err != nil {
			t.Fatal(err)
		}
		return sim
	}
	all, few := simulate(), simulate("--explain", "2")
	if all.Changed <= 2 {
		t.Fatalf("the proposal changes %d decisions of the history, want more than 2", all.Changed)
	}
	if few.Changed != all.Changed || !reflect.DeepEqual(few.Counts, all.Counts) {
		t.Errorf("--explain 2 changed %d with counts %v; without it, %d with %v", few.Changed, few.Counts, all.Changed, all.Counts)
	}
	for i, c := range few.Changes {
		explained := c.From.Explanation != "" && c.To.Explanation != ""
		if explained != (i < 2) {
			t.Errorf("change %d (%s) explained: %v, want only the first 2", i, c.Decision, explained)
		}
		if c.Decision != all.Changes[i].Decision || c.To.Outcome != all.Changes[i].To.Outcome || len(c.To.Decisive) == 0 {
			t.Errorf("change %d = %s to %s (rules %v), want %s to %s with its rules", i, c.Decision, c.To.Outcome, c.To.Decisive, all.Changes[i].Decision, all.Changes[i].To.Outcome)
		}
	}
	out, _, err := runCmd(t, "", "simulate", "--db", db, "--packs", proposal, "--explain", "2")
	if err != nil || strings.Count(out, "  proposal: decided by ") != all.Changed-2 {
		t.Errorf("simulate --explain 2 (text) = %v: want %d changes listed by their rules\n%s", err, all.Changed-2, out)
	}
	if _, _, err := runCmd(t, "", "simulate", "--db", db, "--packs", proposal, "--explain", "-1"); exitCode(err) != 2 {
		t.Errorf("simulate --explain -1 = %v, want exit status 2", err)
	}
}
