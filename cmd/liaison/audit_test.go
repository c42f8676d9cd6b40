package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// logProxy stands where an auditor looks for a server's log: it forwards to
// the server of the moment, and may alter what it answers.
type logProxy struct {
	mu       sync.Mutex
	upstream string
	// tamper, when set, alters the body of answers to paths with its prefix.
	prefix string
}

func (p *logProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	up, prefix := p.upstream, p.prefix
	p.mu.Unlock()
	resp, err := http.Get(up + r.URL.Path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if prefix != "" && strings.HasPrefix(r.URL.Path, prefix) && len(body) > 0 {
		body[len(body)-1] ^= 1
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(body)
}

func (p *logProxy) set(upstream, prefix string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.upstream, p.prefix = upstream, prefix
}

// TestAudit runs `liaison audit` against real servers, through a proxy
// that can alter tiles or point at another server: it passes on a log that
// only grew, and fails, saying why, on an altered entry bundle or hash
// tile, a bad receipt, a log rolled back to an earlier copy, and a fork.
func TestAudit(t *testing.T) {
	dir := t.TempDir()
	db, clerk, agency, srvA, env := setup(t, dir)
	keys := filepath.Join(dir, "keys")
	auditor := token(t, db, "auditor")
	a := "http://" + srvA.base
	intakeN := func(base string, from, n int) []string {
		t.Helper()
		ids := intakeRange(t, base, clerk, agency, from, n)
		if code, body := call(t, base, auditor, "POST", "/v1/log/checkpoint", nil); code != http.StatusOK {
			t.Fatalf("checkpoint = %d %s", code, body)
		}
		return ids
	}
	ids := intakeN(a, 0, 3)
	code, receipt := call(t, a, auditor, "GET", "/v1/proofs/inclusion?kind=request&id="+ids[0], nil)
	if code != http.StatusOK {
		t.Fatalf("receipt = %d %s", code, receipt)
	}
	good := filepath.Join(dir, "receipt.json")
	if err := os.WriteFile(good, receipt, 0o644); err != nil {
		t.Fatal(err)
	}

	proxy := &logProxy{upstream: a}
	p := httptest.NewServer(proxy)
	defer p.Close()
	state := filepath.Join(dir, "audit.json")
	audit := func(args ...string) (string, error) {
		t.Helper()
		out, _, err := runCmd(t, "", append(append([]string{"audit", "--state", state}, args...), p.URL)...)
		return out, err
	}
	expect := func(out string, err error, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("audit (%v) does not say %q:\n%s", err, w, out)
			}
		}
	}
	fails := func(wants ...string) {
		t.Helper()
		before, _ := os.ReadFile(state)
		out, err := audit("--receipt", good)
		if exitCode(err) != 1 {
			t.Errorf("audit = %v, want exit 1\n%s", err, out)
		}
		expect(out, err, append([]string{"FAIL"}, wants...)...)
		if after, _ := os.ReadFile(state); string(after) != string(before) {
			t.Errorf("a failed audit changed the state")
		}
	}

	// First audit: the key is trusted on first use and pinned.
	out, err := audit()
	if err != nil {
		t.Fatalf("first audit = %v\n%s", err, out)
	}
	expect(out, err, "trusted on first use", "ok checkpoint", "ok tree", "ok hash tiles", "ok first audit", "all checks passed")

	backup := filepath.Join(dir, "backup.db")
	if out, _, err := runCmd(t, "", "backup", "--db", db, "--to", backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	intakeN(a, 10, 2)
	out, err = audit("--receipt", good)
	if err != nil {
		t.Fatalf("second audit = %v\n%s", err, out)
	}
	expect(out, err, "pinned in the state file", "ok consistent with the checkpoint seen before", "ok receipt "+good+": request/"+ids[0])

	// Another key than the one pinned.
	other, _, err := runCmd(t, "", "keys", "create", "--keys", filepath.Join(dir, "other"), "--origin", "liaison.local/log")
	if err != nil {
		t.Fatal(err)
	}
	out, err = audit("--key", strings.TrimSpace(other))
	if exitCode(err) != 1 || !strings.Contains(out, "not the one this log was audited with before") {
		t.Errorf("audit with another key = %v\n%s", err, out)
	}

	// A receipt whose proof was altered.
	var rc map[string]any
	json.Unmarshal(receipt, &rc)
	proof := rc["proof"].([]any)
	proof[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	badReceipt, _ := json.Marshal(rc)
	bad := filepath.Join(dir, "bad-receipt.json")
	os.WriteFile(bad, badReceipt, 0o644)
	out, err = audit("--receipt", bad)
	if exitCode(err) != 1 || !strings.Contains(out, "inclusion proof of request/"+ids[0]+" does not hold") {
		t.Errorf("audit of a bad receipt = %v\n%s", err, out)
	}

	// Altered tiles.
	proxy.set(a, "/log/tile/entries/")
	fails("tree:", "hash to", "not to the checkpoint's root")
	proxy.set(a, "/log/tile/0/")
	fails("hash tiles")
	proxy.set(a, "")

	// The log rolled back: the earlier copy, served with the same key.
	srvA.kill(t)
	srvB := startServer(t, env, "--db", "sqlite:"+backup, "--addr", "127.0.0.1:0", "--keys", keys)
	defer srvB.kill(t)
	b := "http://" + srvB.base
	proxy.set(b, "")
	fails("rolled back")
	// And grown again from there, differently: a fork.
	intakeN(b, 20, 8)
	fails("forked: the first")
}
