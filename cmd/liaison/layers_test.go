package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
)

// cityPack is an ordinance of a city of California, laid over the
// bundled federal and California law by --packs.
const cityPack = `id: us-ca-testville-ordinance
title: Testville Ordinance 9
jurisdiction: us/ca/testville
kind: ordinance
citation: Testville Code 9
notice: A test fixture, not law.
versions:
  - version: "2020"
    effective_from: 2020-01-01
    rules:
      - id: no-interviews
        actions: [allow_interview]
        effect: forbid
        citation: Testville Code 9.1
`

const testvilleInterview = `{"as_of": "2021-06-01", "jurisdiction": "us/ca/testville", "agency": {"type": "jail", "no_local_law": true},
 "action": "allow_interview", "request": {"kind": "interview_request", "issuer": "ICE"}, "subject": {"convictions": []}}`

func writePack(t *testing.T, dir, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(path)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, path), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func decideJSON(t *testing.T, stdin string, args ...string) liaison.Decision {
	t.Helper()
	out, stderr, err := runCmd(t, stdin, append([]string{"decide", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("decide %v: %v\n%s", args, err, stderr)
	}
	var d liaison.Decision
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func layerOf(d liaison.Decision, id string) (layer, replaces string, ok bool) {
	for _, p := range d.Packs {
		if p.ID == id {
			if p.Layer == nil {
				return "", "", true
			}
			return p.Layer.Name, p.Layer.Replaces, true
		}
	}
	return "", "", false
}

// --packs lays a city's pack over the bundled law: the decision uses both
// and says which came from where; --packs-only uses the city's alone.
func TestDecidePacksLayered(t *testing.T) {
	dir := t.TempDir()
	writePack(t, dir, "us/ca/testville/ordinance.yaml", cityPack)
	d := decideJSON(t, testvilleInterview, "--packs", dir)
	if d.Outcome != liaison.Forbidden {
		t.Errorf("decide --packs: outcome %s, want forbidden by the city's ordinance", d.Outcome)
	}
	if layer, _, ok := layerOf(d, "us-ca-testville-ordinance"); !ok || layer != dir {
		t.Errorf("decide --packs: the city's pack has layer %q (found %v), want %q", layer, ok, dir)
	}
	if layer, _, ok := layerOf(d, "us-ca-truth-act"); !ok || layer != "bundled" {
		t.Errorf("decide --packs: California's TRUTH Act has layer %q (found %v), want bundled", layer, ok)
	}
	d = decideJSON(t, testvilleInterview, "--packs-only", dir)
	for _, p := range d.Packs {
		if p.ID != "us-ca-testville-ordinance" {
			t.Errorf("decide --packs-only used bundled pack %s", p.ID)
		}
	}
	if _, _, err := runCmd(t, testvilleInterview, "decide", "--packs", dir, "--packs-only", dir); err == nil {
		t.Error("decide --packs --packs-only: no error, want one")
	}
}

// A pack in --packs with a bundled pack's id replaces it: Boston without
// its 2019 amendment answers with the 2014 text after 2019.
func TestDecidePacksReplace(t *testing.T) {
	req := `{"as_of": "2021-06-01", "jurisdiction": "us/ma/boston", "agency": {"type": "police"}, "action": "honor_detainer",
	 "request": {"kind": "detainer", "form": "I-247A", "issuer": "ICE", "warrant": {"kind": "administrative", "form": "I-200"}}, "subject": {"convictions": []}}`
	before := decideJSON(t, req)
	if _, _, ok := layerOf(before, "us-ma-boston-trust-act"); !ok {
		t.Fatalf("decide: Boston's pack not used: %+v", before.Packs)
	}
	d := decideJSON(t, req, "--packs", "../../examples/proposals/boston-without-2019")
	layer, replaces, ok := layerOf(d, "us-ma-boston-trust-act")
	if !ok || !strings.HasSuffix(layer, "boston-without-2019") || replaces != "bundled" {
		t.Errorf("decide --packs proposal: Boston's pack layer %q replaces %q, want the proposal's, replacing bundled", layer, replaces)
	}
	for _, p := range d.Packs {
		if p.ID == "us-ma-boston-trust-act" && p.Version != "2014" {
			t.Errorf("decide --packs proposal: Boston's version %s in 2021, want 2014", p.Version)
		}
	}
}

// --as-of decides at another date than the request's; --timeline lists
// the periods over which the answer stays the same.
func TestDecideAsOfAndTimeline(t *testing.T) {
	dir := t.TempDir()
	writePack(t, dir, "us/ca/testville/ordinance.yaml", cityPack)
	d := decideJSON(t, testvilleInterview, "--packs", dir, "--as-of", "2019-06-01")
	if _, _, ok := layerOf(d, "us-ca-testville-ordinance"); ok {
		t.Errorf("decide --as-of 2019-06-01 used the city's ordinance of 2020: %+v", d.Packs)
	}
	if _, _, ok := layerOf(decideJSON(t, testvilleInterview, "--packs", dir), "us-ca-testville-ordinance"); !ok {
		t.Errorf("decide without --as-of (2021) did not use the city's ordinance of 2020")
	}
	out, _, err := runCmd(t, testvilleInterview, "decide", "--packs", dir, "--timeline", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var spans []struct {
		From     string           `json:"from"`
		Decision liaison.Decision `json:"decision"`
	}
	if err := json.Unmarshal([]byte(out), &spans); err != nil {
		t.Fatal(err)
	}
	last := spans[len(spans)-1]
	if last.From != "2020-01-01" || last.Decision.Outcome != liaison.Forbidden {
		t.Errorf("decide --timeline: last span from %s %s, want from 2020-01-01 forbidden\n%s", last.From, last.Decision.Outcome, out)
	}
	out, _, err = runCmd(t, testvilleInterview, "decide", "--packs", dir, "--timeline")
	if err != nil || !strings.Contains(out, "2020-01-01 to …") || !strings.Contains(out, "Testville Code 9.1") {
		t.Errorf("decide --timeline = %v\n%s\nwant a line from 2020-01-01 citing Testville Code 9.1", err, out)
	}
}

// serve --packs lays the folder over the bundled packs too: the public
// what-if answers with both.
func TestServePacksLayered(t *testing.T) {
	dir := t.TempDir()
	packs := filepath.Join(dir, "packs")
	writePack(t, packs, "us/ca/testville/ordinance.yaml", cityPack)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	addr, done := serveInProcess(t, ctx, "--db", "sqlite:"+filepath.Join(dir, "l.db"), "--keys", filepath.Join(dir, "keys"), "--packs", packs)
	if addr == "" {
		t.Fatalf("serve --packs: %v", <-done)
	}
	body := `{"request": ` + testvilleInterview + `}`
	resp, err := http.Post("http://"+addr+"/v1/whatif", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a struct {
		Decision liaison.Decision `json:"decision"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /v1/whatif = %d, %v", resp.StatusCode, err)
	}
	if layer, _, ok := layerOf(a.Decision, "us-ca-testville-ordinance"); !ok || layer != packs {
		t.Errorf("served decision: the city's pack has layer %q (found %v), want %q", layer, ok, packs)
	}
	if layer, _, ok := layerOf(a.Decision, "us-ca-truth-act"); !ok || layer != "bundled" {
		t.Errorf("served decision: the TRUTH Act has layer %q (found %v), want bundled", layer, ok)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// packs test --packs runs a city's tests with the bundled law under its
// pack, and the bundled tests too; the same folder read alone lacks the
// state's law its test expects.
func TestPacksTestLayered(t *testing.T) {
	dir := t.TempDir()
	writePack(t, dir, "us/ca/testville/ordinance.yaml", cityPack)
	// Without a consent form, California's TRUTH Act forbids the interview
	// too, and its decisive rule must be among the decisive ones.
	writePack(t, dir, "us/ca/testville/testville.test.yaml", `tests:
  - id: tv-interview
    request: `+strings.ReplaceAll(testvilleInterview, "\n", "")+`
    expect: {outcome: forbidden, decisive: [us-ca-testville-ordinance/no-interviews, us-ca-values-act/interview-truth-compliance]}
`)
	out, _, err := runCmd(t, "", "packs", "test", "--packs", dir)
	if err != nil || !strings.Contains(out, " 0 failed") {
		t.Fatalf("packs test --packs = %v\n%s", err, out)
	}
	var passed int
	if _, err := fmt.Sscanf(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:], "%d passed", &passed); err != nil || passed < 100 {
		t.Errorf("packs test --packs: %d passed (%v), want the bundled tests and the city's", passed, err)
	}
	if out, _, err := runCmd(t, "", "packs", "test", dir); exitCode(err) != 1 || !strings.Contains(out, "FAIL") {
		t.Errorf("packs test DIR (alone) = %v\n%s\nwant the city's test to fail without the state's law", err, out)
	}
}
