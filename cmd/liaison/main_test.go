package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
)

const testPack = `id: zz
title: ZZ Act
jurisdiction: us/zz
kind: statute
citation: ZZ Act
notice: Illustrative encoding with citations, not legal advice.
source: https://example.org/zz
versions:
  - version: "1"
    effective_from: 2010-01-01
    rules:
      - id: ban
        actions: [honor_detainer]
        effect: forbid
        citation: ZZ Act 1(a)
        exceptions: [warrant]
      - id: warrant
        actions: [honor_detainer]
        effect: permit
        citation: ZZ Act 1(b)
        when:
          - cel: request.warrant.kind == "judicial_criminal"
            says: a judicial warrant for a crime is presented
`

const testTests = `tests:
  - id: ban
    request: {"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "honor_detainer"}
    expect: {outcome: forbidden, decisive: [zz/ban]}
  - id: warrant
    request: {"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "honor_detainer", "request": {"warrant": {"kind": "judicial_criminal"}}}
    expect: {outcome: permitted}
`

func packDir(t *testing.T, tests string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "us", "zz"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"us/zz/zz.yaml": testPack, "us/zz/zz.test.yaml": tests} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestDecideJSON(t *testing.T) {
	dir := packDir(t, testTests)
	out, _, err := runCmd(t, `{"as_of": "2020-01-01", "jurisdiction": "us/zz/town", "agency": {"no_local_law": true}, "action": "honor_detainer"}`, "decide", "--json", "--packs-only", dir, "-")
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	var d liaison.Decision
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("decide --json output is not a decision: %v\n%s", err, out)
	}
	if d.Outcome != liaison.Forbidden || len(d.Decisive) != 1 || d.Decisive[0].Citation != "ZZ Act 1(a)" {
		t.Errorf("decide = %s %+v, want forbidden by ZZ Act 1(a)", d.Outcome, d.Decisive)
	}
	if len(d.WouldChangeIf) == 0 || d.WouldChangeIf[0].Unmet[0] != "a judicial warrant for a crime is presented" {
		t.Errorf("would_change_if = %+v, want the judicial warrant", d.WouldChangeIf)
	}
}

func TestDecideText(t *testing.T) {
	dir := packDir(t, testTests)
	out, _, err := runCmd(t, `{"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "honor_detainer"}`, "decide", "--packs-only", dir)
	if err != nil {
		t.Fatalf("decide: %v", err)
	}
	for _, want := range []string{"FORBIDDEN", "ZZ Act 1(a)", "permitted if a judicial warrant for a crime is presented"} {
		if !strings.Contains(out, want) {
			t.Errorf("decide text does not say %q:\n%s", want, out)
		}
	}
}

func TestDecideJSONL(t *testing.T) {
	dir := packDir(t, testTests)
	in := `{"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "honor_detainer"}
{"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "hold"}
{"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "honor_detainer", "request": {"warrant": {"kind": "judicial_criminal"}}}
`
	out, _, err := runCmd(t, in, "decide", "--jsonl", "--json", "--packs-only", dir)
	if err != nil {
		t.Fatalf("decide --jsonl: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("decide --jsonl wrote %d lines, want 3:\n%s", len(lines), out)
	}
	var first, third liaison.Decision
	var second map[string]string
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[1]), &second)
	json.Unmarshal([]byte(lines[2]), &third)
	if first.Outcome != liaison.Forbidden || third.Outcome != liaison.Permitted {
		t.Errorf("decide --jsonl outcomes = %s, %s, want forbidden, permitted", first.Outcome, third.Outcome)
	}
	if !strings.Contains(second["error"], `line 2: action: unknown value "hold"`) {
		t.Errorf("decide --jsonl line 2 = %s, want an error naming line 2 and the action", lines[1])
	}
}

func TestDecideBadRequest(t *testing.T) {
	dir := packDir(t, testTests)
	_, _, err := runCmd(t, `{"as_of": "2020-01-01", "jurisdiction": "us/zz", "action": "honor_detainer", "extra": 1}`, "decide", "--packs-only", dir)
	if err == nil || !strings.Contains(err.Error(), `extra: unknown field "extra"`) {
		t.Errorf("decide(unknown field) = %v, want an error naming the field", err)
	}
}

func TestPacksTest(t *testing.T) {
	out, _, err := runCmd(t, "", "packs", "test", "-v", packDir(t, testTests))
	if err != nil || !strings.Contains(out, "2 passed, 0 failed, 0 skipped") {
		t.Errorf("packs test = %v\n%s", err, out)
	}
	failing := strings.Replace(testTests, "{outcome: permitted}", "{outcome: required}", 1)
	out, _, err = runCmd(t, "", "packs", "test", packDir(t, failing))
	if exitCode(err) != 1 || !strings.Contains(out, "1 passed, 1 failed") || !strings.Contains(out, "outcome permitted, want required") {
		t.Errorf("packs test (failing) = %v\n%s", err, out)
	}
}

func TestPacksLint(t *testing.T) {
	out, _, err := runCmd(t, "", "packs", "lint", packDir(t, testTests))
	if err != nil || !strings.Contains(out, "0 errors") {
		t.Errorf("packs lint = %v\n%s", err, out)
	}
	dir := packDir(t, testTests)
	bad := strings.Replace(testPack, "        exceptions: [warrant]\n", "", 1)
	os.WriteFile(filepath.Join(dir, "us/zz/zz.yaml"), []byte(bad), 0o644)
	out, _, err = runCmd(t, "", "packs", "lint", dir)
	if exitCode(err) != 1 || !strings.Contains(out, "rule warrant: permits honor_detainer where zz/ban") {
		t.Errorf("packs lint (unlinked) = %v\n%s", err, out)
	}
}

func TestBundledPacksLoad(t *testing.T) {
	out, _, err := runCmd(t, `{"as_of": "2020-01-01", "jurisdiction": "us", "action": "use_federal_interpreter"}`, "decide", "--json")
	if err != nil {
		t.Fatalf("decide with bundled packs: %v", err)
	}
	if !strings.Contains(out, `"outcome"`) {
		t.Errorf("decide with bundled packs wrote %s", out)
	}
}

// TestTokenCommands: create two tokens, revoke one, list them; the list
// shows neither token nor hash.
func TestTokenCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "tokens.db")
	var ids []string
	for _, role := range []string{"clerk", "auditor"} {
		tok, errOut, err := runCmd(t, "", "token", "create", "--db", db, "--role", role, "--name", role+" desk")
		if err != nil {
			t.Fatalf("token create: %v\n%s", err, errOut)
		}
		id, _, _ := strings.Cut(strings.TrimPrefix(errOut, "token "), " ")
		if !strings.HasPrefix(strings.TrimSpace(tok), "lsn_") || !strings.HasPrefix(id, "tok_") {
			t.Fatalf("token create printed %q and %q", tok, errOut)
		}
		ids = append(ids, id)
	}
	if out, _, err := runCmd(t, "", "token", "revoke", "--db", db, ids[0]); err != nil || !strings.Contains(out, ids[0]) {
		t.Fatalf("token revoke = %v, %q", err, out)
	}
	out, _, err := runCmd(t, "", "token", "list", "--db", db)
	if err != nil {
		t.Fatalf("token list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("token list printed %d lines, want 2:\n%s", len(lines), out)
	}
	for i, want := range []string{ids[0] + "\tclerk\t-\t", ids[1] + "\tauditor\t-\t"} {
		if !strings.HasPrefix(lines[i], want) {
			t.Errorf("token list line %d = %q, want it to start %q", i+1, lines[i], want)
		}
	}
	if !strings.Contains(lines[0], "\trevoked ") || !strings.Contains(lines[1], "\tactive\t") {
		t.Errorf("token list does not show the first revoked and the second active:\n%s", out)
	}
	if strings.Contains(out, "lsn_") {
		t.Errorf("token list shows a token:\n%s", out)
	}
}
