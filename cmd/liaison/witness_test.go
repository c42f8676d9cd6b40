package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison/ledger"
)

// needTools skips the test when a program it runs is missing, unless
// LIAISON_REQUIRE_ALL=1, and returns their paths.
func needTools(t *testing.T, names ...string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			msg := n + " is not installed (Debian: apt-get install openssh-client); the witness interop test needs it"
			if os.Getenv("LIAISON_REQUIRE_ALL") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
		paths[n] = p
	}
	return paths
}

// freeAddr returns a loopback address nothing listens on, for a program
// that takes its own.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startLitewitness builds torchwood's litewitness and witnessctl, puts a
// new Ed25519 key in an ssh-agent of its own, lets it cosign the log of
// logKey, and runs it. It returns its URL and cosignature verifier key.
func startLitewitness(t *testing.T, logKey string) (url, vkey string) {
	tools := needTools(t, "go", "ssh-agent", "ssh-add", "ssh-keygen")
	bin := t.TempDir()
	build := exec.Command(tools["go"], "install", "filippo.io/torchwood/cmd/litewitness@v0.6.1", "filippo.io/torchwood/cmd/witnessctl@v0.6.1")
	build.Dir = bin // outside this module: torchwood's own go.mod decides
	build.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build litewitness: %v\n%s", err, out)
	}
	// A short socket path: unix socket paths are limited to about 100 bytes.
	sockDir, err := os.MkdirTemp("", "lw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	sock := filepath.Join(sockDir, "agent")
	agent := exec.Command(tools["ssh-agent"], "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { agent.Process.Kill(); agent.Wait() })
	key := filepath.Join(bin, "witness_key")
	if out, err := exec.Command(tools["ssh-keygen"], "-q", "-t", "ed25519", "-N", "", "-C", "litewitness", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	fp, err := exec.Command(tools["ssh-keygen"], "-l", "-E", "sha256", "-f", key+".pub").Output()
	if err != nil {
		t.Fatal(err)
	}
	fingerprint := strings.Fields(string(fp))[1]
	for i := 0; ; i++ {
		add := exec.Command(tools["ssh-add"], key)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		out, err := add.CombinedOutput()
		if err == nil {
			break
		}
		if i == 100 {
			t.Fatalf("ssh-add: %v %s", err, out)
		}
		time.Sleep(50 * time.Millisecond) // the agent makes its socket
	}

	db := filepath.Join(bin, "litewitness.db")
	origin, _, _ := strings.Cut(logKey, "+")
	for _, args := range [][]string{{"add-log", "-db", db, "-origin", origin}, {"add-key", "-db", db, "-origin", origin, "-key", logKey}} {
		if out, err := exec.Command(filepath.Join(bin, "witnessctl"), args...).CombinedOutput(); err != nil {
			t.Fatalf("witnessctl %v: %v %s", args, err, out)
		}
	}
	addr := freeAddr(t)
	lw := exec.Command(filepath.Join(bin, "litewitness"), "-db", db, "-name", "example.org/litewitness",
		"-ssh-agent", sock, "-key", fingerprint, "-listen", addr)
	stderr, err := lw.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := lw.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lw.Process.Kill(); lw.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, v, ok := strings.Cut(sc.Text(), " vkey="); ok {
				found <- strings.Fields(v)[0]
			}
		}
		close(found)
	}()
	select {
	case vkey = <-found:
	case <-time.After(30 * time.Second):
		t.Fatal("litewitness printed no verifier key")
	}
	if vkey == "" {
		t.Fatal("litewitness exited")
	}
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if i == 200 {
			t.Fatalf("litewitness does not listen on %s", addr)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return "http://" + addr, vkey
}

// TestWitnessInterop: a liaison server submits its checkpoints to two
// witnesses, torchwood's litewitness (an independent implementation of
// tlog-witness, its key in an ssh-agent) and `liaison witness`; both
// cosign as the log grows, /log/checkpoint carries both cosignatures, and
// `liaison audit` requires and verifies them.
func TestWitnessInterop(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	logKey, _, err := runCmd(t, "", "keys", "create", "--keys", keys, "--origin", "example.gov/log")
	if err != nil {
		t.Fatal(err)
	}
	logKey = strings.TrimSpace(logKey)
	lwURL, lwKey := startLitewitness(t, logKey)

	wdir := filepath.Join(dir, "witness")
	ourKey, _, err := runCmd(t, "", "witness", "key", "--dir", wdir, "--name", "oversight.example.org/witness")
	if err != nil {
		t.Fatal(err)
	}
	ourKey = strings.TrimSpace(ourKey)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	wc := &witnessCmd{stdout: io.Discard, stderr: io.Discard, now: time.Now, ready: func(a string) { ready <- a }}
	go func() {
		done <- wc.run(ctx, []string{"serve", "--dir", wdir, "--addr", "127.0.0.1:0", "--log", logKey})
	}()
	var ourURL string
	select {
	case a := <-ready:
		ourURL = "http://" + a
	case err := <-done:
		t.Fatalf("liaison witness serve: %v", err)
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("liaison witness serve ended with %v", err)
		}
	}()

	db := "sqlite:" + filepath.Join(dir, "liaison.db")
	srv := startServer(t, []string{"LIAISON_LOG_KEY=", "LIAISON_SEAL_KEY=", "LIAISON_WITNESSES="}, "--db", db, "--addr", "127.0.0.1:0", "--keys", keys,
		"--checkpoint-every", "100ms", "--witness", lwKey+" "+lwURL, "--witness", ourKey+" "+ourURL)
	defer srv.kill(t)
	lwV, err := ledger.NewCosignatureVerifier(lwKey)
	if err != nil {
		t.Fatalf("litewitness's key: %v", err)
	}
	ourV, err := ledger.NewCosignatureVerifier(ourKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ledger.NewVerifier(logKey)
	if err != nil {
		t.Fatal(err)
	}
	// cosigned waits for a checkpoint larger than after with both
	// cosignatures, and returns its size.
	cosigned := func(after int64) int64 {
		t.Helper()
		var last string
		// Up to a minute: on a loaded machine a round of cosigning (a
		// checkpoint every 100 ms, then both witnesses) can take seconds.
		for range 1200 {
			resp, err := http.Get("http://" + srv.base + "/log/checkpoint")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				last = string(b)
				cp, err := v.Open(b)
				if err == nil && cp.Size > after && len(ledger.Cosignatures(b, []*ledger.CosignatureVerifier{lwV, ourV})) == 2 {
					return cp.Size
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no checkpoint larger than %d with both cosignatures; last:\n%s", after, last)
		return 0
	}
	first := cosigned(0)
	// The log grows: both witnesses check a consistency proof this time.
	for range 3 {
		token(t, db, "clerk")
	}
	second := cosigned(first)
	var ws struct {
		Logs map[string]struct{ Size int64 } `json:"logs"`
	}
	if b, err := os.ReadFile(filepath.Join(wdir, "state.json")); err != nil || json.Unmarshal(b, &ws) != nil || ws.Logs["example.gov/log"].Size < second {
		t.Errorf("liaison witness's state = %+v (%v), want a size of at least %d", ws, err, second)
	}

	state := filepath.Join(dir, "audit.json")
	out, _, err := runCmd(t, "", "audit", "--state", state, "--key", logKey, "--witness", lwKey, "--witness", ourKey, "http://"+srv.base)
	if err != nil || !strings.Contains(out, "ok cosignatures: 2 of 2 witnesses (example.org/litewitness, oversight.example.org/witness), 2 required") {
		t.Errorf("audit with both witnesses = %v\n%s", err, out)
	}
	// A third witness that never cosigned: a policy of all three fails.
	_, absent, err := ledger.GenerateWitnessKey(rand.Reader, "absent.example.org/w")
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = runCmd(t, "", "audit", "--state", state, "--witness", lwKey, "--witness", ourKey, "--witness", absent, "http://"+srv.base)
	if exitCode(err) != 1 || !strings.Contains(out, "FAIL cosignatures: 2 of the 3 witnesses given cosigned the checkpoint") {
		t.Errorf("audit requiring an absent witness = %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "", "audit", "--state", state, "--witness", lwKey, "--witness", ourKey, "--witness", absent, "--min-cosignatures", "2", "http://"+srv.base)
	if err != nil {
		t.Errorf("audit requiring 2 of 3 = %v\n%s", err, out)
	}
}

// TestWitnessCommand: `witness key` makes the key once (run again, it
// prints the same verifier key), and `witness serve` cosigns the logs
// listed in --logs (comments skipped) and no others.
func TestWitnessCommand(t *testing.T) {
	dir := t.TempDir()
	wdir := filepath.Join(dir, "w")
	if _, _, err := runCmd(t, "", "witness", "key", "--dir", wdir); err == nil || !strings.Contains(err.Error(), "--name") {
		t.Errorf("witness key without a name = %v", err)
	}
	vkey, _, err := runCmd(t, "", "witness", "key", "--dir", wdir, "--name", "w.example.org/w")
	if err != nil {
		t.Fatal(err)
	}
	again, _, err := runCmd(t, "", "witness", "key", "--dir", wdir, "--name", "other")
	if err != nil || again != vkey {
		t.Errorf("witness key again = %q, %v; want the same key %q", again, err, vkey)
	}
	wv, err := ledger.NewCosignatureVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "", "witness", "serve", "--dir", wdir, "--addr", "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "no logs") {
		t.Errorf("witness serve without logs = %v", err)
	}

	skey, logKey, err := ledger.GenerateKey(rand.Reader, "example.gov/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "logs.txt")
	if err := os.WriteFile(list, []byte("# the county's log\n"+logKey+"\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	wc := &witnessCmd{stdout: io.Discard, stderr: io.Discard, now: time.Now, ready: func(a string) { ready <- a }}
	go func() { done <- wc.run(ctx, []string{"serve", "--dir", wdir, "--addr", "127.0.0.1:0", "--logs", list}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("witness serve: %v", err)
	}
	submit := func(s *ledger.Signer) (int, []byte, []byte) {
		signed, err := s.Sign(ledger.Checkpoint{Origin: s.Origin(), Size: 0, Hash: emptyRoot(t)})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post("http://"+addr+"/add-checkpoint", "text/plain", strings.NewReader("old 0\n\n"+string(signed)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b, signed
	}
	code, line, signed := submit(signer)
	if code != http.StatusOK || len(ledger.Cosignatures(append(signed, line...), []*ledger.CosignatureVerifier{wv})) != 1 {
		t.Errorf("a listed log's checkpoint = %d %q, want the witness's cosignature", code, line)
	}
	skey2, _, _ := ledger.GenerateKey(rand.Reader, "elsewhere.example/log")
	other, _ := ledger.NewSigner(skey2)
	if code, body, _ := submit(other); code != http.StatusNotFound {
		t.Errorf("an unlisted log's checkpoint = %d %s, want 404", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("witness serve ended with %v", err)
	}
}

func emptyRoot(t *testing.T) tlog.Hash {
	h, err := tlog.TreeHash(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
