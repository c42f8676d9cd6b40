package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"liaison"
	"liaison/ledger"
	"liaison/sqlite"
)

// TestMain lets the test binary run as `liaison` itself, so the crash test
// can start a real server process and SIGKILL it.
func TestMain(m *testing.M) {
	if args := os.Getenv("LIAISON_TEST_EXEC"); args != "" {
		ctx, stop := signalContext()
		err := run(ctx, strings.Split(args, "\x1f"), os.Getenv, os.Stdin, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "liaison:", err)
			os.Exit(exitCode(err))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// syncBuffer is a bytes.Buffer that a goroutine writes while a test may
// read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is a liaison server in a child process.
type instance struct {
	cmd  *exec.Cmd
	base string
	// stderr receives the server's lines on stderr (its log), when a test
	// reads them; lines nobody waits for are dropped.
	stderr chan string
}

func startServer(t *testing.T, env []string, args ...string) *instance {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), env...), "LIAISON_TEST_EXEC="+strings.Join(append([]string{"serve"}, args...), "\x1f"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	// A pipe of our own (not StderrPipe): Wait then waits for the copy, and
	// the scanner below never reads after Wait.
	errOut, errIn := io.Pipe()
	cmd.Stderr = errIn
	t.Cleanup(func() { errIn.Close() })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(errOut)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "liaison listening on "); ok {
				addr <- strings.TrimPrefix(strings.Fields(a)[0], "http://")
			}
		}
	}()
	select {
	case a := <-addr:
		return &instance{cmd: cmd, base: a, stderr: lines}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start: %s", stderr.String())
	}
	return nil
}

func (in *instance) kill(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	in.cmd.Wait()
}

func call(t *testing.T, base, token, method, path string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		// The server died while it answered: a status line without its
		// whole body acknowledges nothing.
		return 0, nil
	}
	return resp.StatusCode, buf.Bytes()
}

func token(t *testing.T, db, role string) string {
	t.Helper()
	out, _, err := runCmd(t, "", "token", "create", "--db", db, "--role", role)
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	return strings.TrimSpace(out)
}

// setup makes a database with an agency and returns a clerk token.
func setup(t *testing.T, dir string) (db, clerk, agency string, srv *instance, env []string) {
	db = "sqlite:" + filepath.Join(dir, "liaison.db")
	env = []string{"LIAISON_LOG_KEY=", "LIAISON_SEAL_KEY="}
	admin := token(t, db, "admin")
	clerk = token(t, db, "clerk")
	srv = startServer(t, env, "--db", db, "--addr", "127.0.0.1:0", "--keys", filepath.Join(dir, "keys"))
	code, body := call(t, "http://"+srv.base, admin, "POST", "/v1/agencies", map[string]any{
		"name": "Test County Jail", "jurisdiction": "us/ca/test-county", "type": "jail", "no_local_law": true})
	if code != http.StatusCreated {
		t.Fatalf("create agency = %d %s", code, body)
	}
	var a liaison.AgencyRecord
	json.Unmarshal(body, &a)
	return db, clerk, a.ID, srv, env
}

func intake(agency string, n int) map[string]any {
	return map[string]any{"agency": agency, "idempotency_key": fmt.Sprintf("k-%d", n),
		"request": map[string]any{"kind": "notification_request", "form": "I-247A", "issuer": "ICE", "info_requested": []string{"release_date"}},
		"actions": []string{"notify_release"}, "subject": map[string]any{"convictions": []any{}}}
}

// intakeRange takes in the requests intake(agency, from) … intake(agency,
// from+n-1) and returns their ids.
func intakeRange(t *testing.T, base, clerk, agency string, from, n int) []string {
	t.Helper()
	var ids []string
	for i := from; i < from+n; i++ {
		code, body := call(t, base, clerk, "POST", "/v1/requests", intake(agency, i))
		if code != http.StatusCreated {
			t.Fatalf("intake = %d %s", code, body)
		}
		var res struct {
			Request liaison.RequestRecord `json:"request"`
		}
		json.Unmarshal(body, &res)
		ids = append(ids, res.Request.ID)
	}
	return ids
}

// TestCrash kills a server (SIGKILL) during a load of writes: after a
// restart every write acknowledged to a client is there, and the log
// verifies.
func TestCrash(t *testing.T) {
	dir := t.TempDir()
	db, clerk, agency, srv, env := setup(t, dir)
	base := "http://" + srv.base
	var mu sync.Mutex
	var acked []string
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				code, body := call(t, base, clerk, "POST", "/v1/requests", intake(agency, w*1_000_000+i))
				if code != http.StatusCreated {
					continue // the server died under this request: not acknowledged
				}
				var res struct {
					Request liaison.RequestRecord `json:"request"`
				}
				if err := json.Unmarshal(body, &res); err != nil || res.Request.ID == "" {
					t.Errorf("201 answer without a request id: %v\n%s", err, body)
					continue
				}
				mu.Lock()
				acked = append(acked, res.Request.ID)
				mu.Unlock()
			}
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 150 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.kill(t) // while the writers are still writing
	close(stop)
	wg.Wait()
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}

	srv = startServer(t, env, "--db", db, "--addr", "127.0.0.1:0", "--keys", filepath.Join(dir, "keys"))
	for _, id := range acked {
		if code, body := call(t, "http://"+srv.base, clerk, "GET", "/v1/requests/"+id, nil); code != http.StatusOK {
			t.Errorf("acknowledged request %s after restart: %d %s", id, code, body)
		}
	}
	srv.kill(t)
	out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", filepath.Join(dir, "keys"))
	if err != nil || !strings.Contains(out, ": 0 problems") {
		t.Errorf("log verify after the crash = %v\n%s", err, out)
	}
	t.Logf("%d writes acknowledged before SIGKILL; all present after restart", len(acked))
}

// TestTamper edits, deletes and inserts rows behind the server's back;
// `liaison log verify` names each.
func TestTamper(t *testing.T) {
	dir := t.TempDir()
	db, clerk, agency, srv, _ := setup(t, dir)
	ids := intakeRange(t, "http://"+srv.base, clerk, agency, 0, 6)
	srv.kill(t)
	keys := filepath.Join(dir, "keys")
	if out, _, err := runCmd(t, "", "log", "checkpoint", "--db", db, "--keys", keys); err != nil {
		t.Fatalf("log checkpoint: %v %s", err, out)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", db, "--keys", keys); err != nil {
		t.Fatalf("log verify before tampering: %v\n%s", err, out)
	}
	// A backup, restored by opening the copy: it verifies too.
	backup := filepath.Join(dir, "backup.db")
	if out, _, err := runCmd(t, "", "backup", "--db", db, "--to", backup); err != nil {
		t.Fatalf("backup: %v %s", err, out)
	}
	if out, _, err := runCmd(t, "", "log", "verify", "--db", "sqlite:"+backup, "--keys", keys); err != nil {
		t.Fatalf("log verify of the backup: %v\n%s", err, out)
	}
	// A proof for a record, checked as an auditor would.
	out, _, err := runCmd(t, "", "log", "prove", "--db", db, "--keys", keys, "--kind", "request", "--id", ids[0])
	if err != nil {
		t.Fatalf("log prove: %v %s", err, out)
	}
	checkReceipt(t, db, keys, []byte(out), "request", ids[0])

	raw, err := sql.Open("sqlite", strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE records SET body = replace(body, 'I-247A', 'I-247X') WHERE kind = 'request' AND id = ?`, []any{ids[1]}},
		{`DELETE FROM records WHERE kind = 'request' AND id = ?`, []any{ids[2]}},
		{`INSERT INTO records (kind, id, body, salt, at) SELECT kind, 'req_forged', body, salt, at FROM records WHERE kind = 'request' AND id = ?`, []any{ids[3]}},
	} {
		if _, err := raw.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	out, _, err = runCmd(t, "", "log", "verify", "--db", db, "--keys", keys)
	if exitCode(err) != 1 {
		t.Fatalf("log verify after tampering = %v, want exit 1\n%s", err, out)
	}
	for _, want := range []string{"request/" + ids[1], "request/" + ids[2], "request/req_forged"} {
		if !strings.Contains(out, want) {
			t.Errorf("log verify does not name %s:\n%s", want, out)
		}
	}
	for _, clean := range []string{ids[0], ids[4], ids[5]} {
		if strings.Contains(out, clean) {
			t.Errorf("log verify names the untouched record %s:\n%s", clean, out)
		}
	}
}

// checkReceipt checks that out is a receipt (ledger.Receipt, the API's
// form too, and nothing else) for the record (kind, id) that holds with
// the log's key.
func checkReceipt(t *testing.T, db, keys string, out []byte, kind, id string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	var rc ledger.Receipt
	if err := dec.Decode(&rc); err != nil {
		t.Fatalf("log prove printed %s: not a receipt: %v", out, err)
	}
	key, err := os.ReadFile(filepath.Join(keys, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(t.Context(), strings.TrimPrefix(db, "sqlite:"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rec, err := store.Get(t.Context(), kind, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Check(signer.Verifier(), ledger.RecordOf(rec)); err != nil || rc.Kind != kind || rc.ID != id {
		t.Errorf("log prove's receipt for %s/%s = %+v: %v", kind, id, rc, err)
	}
}
