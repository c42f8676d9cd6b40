package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"liaison"
	"liaison/storetest"
)

// TestServeListensFirst: with the port taken, serve and demo stop before
// they make keys, a database or tokens.
func TestServeListensFirst(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, cmd := range []string{"serve", "demo"} {
		t.Run(cmd, func(t *testing.T) {
			dir := t.TempDir()
			out, _, err := runCmd(t, "", cmd, "--addr", ln.Addr().String(), "--db", "sqlite:"+filepath.Join(dir, "liaison.db"), "--keys", filepath.Join(dir, "keys"))
			if err == nil || !strings.Contains(err.Error(), "listen") {
				t.Fatalf("%s on a taken port = %v, want a listen error", cmd, err)
			}
			if names, _ := os.ReadDir(dir); len(names) != 0 || strings.Contains(out, "token") {
				t.Errorf("%s on a taken port made %v and said %q", cmd, names, out)
			}
		})
	}
}

// makeKeys writes a new key pair into dir and returns the log key's id.
func makeKeys(t *testing.T, dir string) string {
	t.Helper()
	ks, err := loadKeys(func(string) string { return "" }, dir, "test.local/log", true, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	return ks.signer.Verifier().KeyID()
}

// serveInProcess runs serve until the test's context ends and returns a
// channel with serve's result, once it listens (or has failed).
func serveInProcess(t *testing.T, ctx context.Context, args ...string) (addr string, done <-chan error) {
	t.Helper()
	ready := make(chan string, 1)
	result := make(chan error, 1)
	c := &serveCmd{getenv: func(string) string { return "" }, stdout: io.Discard, stderr: io.Discard, ready: func(a string) { ready <- a }}
	go func() { result <- c.run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...)) }()
	select {
	case a := <-ready:
		return a, result
	case err := <-result:
		r := make(chan error, 1)
		r <- err
		return "", r
	}
}

// TestServeKeyCheck: a database whose checkpoints one key signed serves
// with that key only, and gets no new keys; on SQLite and on PostgreSQL.
func TestServeKeyCheck(t *testing.T) {
	for _, st := range []struct {
		name string
		db   func(t *testing.T, dir string) string
	}{
		{"sqlite", func(t *testing.T, dir string) string { return "sqlite:" + filepath.Join(dir, "liaison.db") }},
		{"postgres", func(t *testing.T, dir string) string { return storetest.PostgresSchema(t) }},
	} {
		t.Run(st.name, func(t *testing.T) {
			dir := t.TempDir()
			serveKeyCheck(t, dir, st.db(t, dir))
		})
	}
}

func serveKeyCheck(t *testing.T, dir, db string) {
	keysA, keysB, none := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "none")
	idA := makeKeys(t, keysA)
	if _, stderr, err := runCmd(t, "", "log", "checkpoint", "--db", db, "--keys", keysA); err != nil {
		t.Fatalf("log checkpoint: %v %s", err, stderr)
	}

	// A serve that starts anyway ends with the test's context.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, done := serveInProcess(t, ctx, "--db", db, "--keys", none)
	cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "no new keys") {
		t.Errorf("serve without keys on a signed database = %v, want a refusal to make keys", err)
	}
	if _, err := os.Stat(none); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("serve without keys on a signed database made %s (%v)", none, err)
	}

	idB := makeKeys(t, keysB)
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	_, done = serveInProcess(t, ctx, "--db", db, "--keys", keysB)
	cancel()
	if err := <-done; liaison.KindOf(err) != liaison.Conflicting || !strings.Contains(err.Error(), idA) || !strings.Contains(err.Error(), idB) {
		t.Errorf("serve with another log key = %v, want Conflicting naming %s (expected) and %s", err, idA, idB)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	addr, done := serveInProcess(t, ctx, "--db", db, "--keys", keysA)
	cancel()
	if err := <-done; err != nil || addr == "" {
		t.Errorf("serve with the key that signed = %v", err)
	}
}

// TestServeDrains sends SIGTERM to a server while a request is in flight:
// the server stops accepting, answers that request, and exits 0 with its
// store closed cleanly (no WAL left behind) and its log verifying.
func TestServeDrains(t *testing.T) {
	dir := t.TempDir()
	db, clerk, agency, srv, _ := setup(t, dir)
	conn, err := net.Dial("tcp", srv.base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := fmt.Sprintf(`{"agency": %q, "name": "Drained Person", "birth_date": "1990-01-01"}`, agency)
	// Expect: 100-continue lets the test know the handler is reading the
	// body: the request is in flight.
	fmt.Fprintf(conn, "POST /v1/people HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		srv.base, clerk, len(body))
	rd := bufio.NewReader(conn)
	if line, err := rd.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("interim response = %q, %v; want 100 Continue", line, err)
	}
	if _, err := rd.ReadString('\n'); err != nil {
		t.Fatal(err)
	}

	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitLine(t, srv, "stopped accepting")
	if c, err := net.Dial("tcp", srv.base); err == nil {
		c.Close()
		t.Error("a new connection was accepted after SIGTERM")
	}

	io.WriteString(conn, body)
	resp, err := http.ReadResponse(rd, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("the request in flight = %d, want %d", resp.StatusCode, http.StatusCreated)
	}
	if err := srv.cmd.Wait(); err != nil {
		t.Errorf("server after SIGTERM: %v, want exit status 0", err)
	}
	path := strings.TrimPrefix(db, "sqlite:")
	if _, err := os.Stat(path + "-wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s-wal is left after shutdown (%v): the store was not closed", path, err)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", filepath.Join(dir, "keys")); err != nil || !strings.Contains(out, ": 0 problems") {
		t.Errorf("log verify after shutdown = %v\n%s", err, out)
	}
}

// waitLine waits for a line of the server's stderr containing s.
func waitLine(t *testing.T, in *instance, s string) {
	t.Helper()
	timeout := time.After(30 * time.Second) // a hung server, not a speed check
	for {
		select {
		case line := <-in.stderr:
			if strings.Contains(line, s) {
				return
			}
		case <-timeout:
			t.Fatalf("server never said %q", s)
		}
	}
}

// TestKeysCreate: `keys create` makes the two keys once, prints the log's
// public key, and refuses to make them again.
func TestKeysCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	out, _, err := runCmd(t, "", "keys", "create", "--keys", dir, "--origin", "example.gov/log")
	if err != nil {
		t.Fatalf("keys create: %v", err)
	}
	ks, err := loadKeys(func(string) string { return "" }, dir, "", false, func(string) {})
	if err != nil {
		t.Fatalf("the keys made do not load: %v", err)
	}
	if got, want := strings.TrimSpace(out), ks.signer.Verifier().Key(); got != want || !strings.HasPrefix(got, "example.gov/log+") {
		t.Errorf("keys create printed %q, want the log's public key %q", got, want)
	}
	if _, _, err := runCmd(t, "", "keys", "create", "--keys", dir); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("keys create again = %v, want a refusal", err)
	}
	again, err := loadKeys(func(string) string { return "" }, dir, "", false, func(string) {})
	if err != nil || again.signer.Verifier().Key() != ks.signer.Verifier().Key() {
		t.Errorf("after the refusal the log key is %v (%v), want unchanged", again, err)
	}
}
