package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
	"liaison/storetest"
)

// tamperable is a store with a second connection to its file, for the
// suite's tampering test.
type tamperable struct {
	*Store
	path string
}

func (s tamperable) Tamper(ctx context.Context, query string, args ...any) error {
	return tamper(ctx, s.path, query, args...)
}

// Block holds the database's write lock from another connection, as
// another process would.
func (s tamperable) Block(ctx context.Context) (func() error, error) {
	return block(ctx, s.path)
}

// ArmAbort makes every append fail after it has written its rows.
func (s tamperable) ArmAbort(t *testing.T) func() {
	if err := s.Tamper(t.Context(), `CREATE TRIGGER abort_append BEFORE UPDATE ON log_head BEGIN SELECT RAISE(ABORT, 'aborted by the test'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := s.Tamper(t.Context(), `DROP TRIGGER abort_append`); err != nil {
			t.Fatal(err)
		}
	}
}

// block takes the write lock of the database at path on a connection of
// its own, and returns the function that releases it.
func block(ctx context.Context, path string) (func() error, error) {
	db, err := sql.Open("sqlite", path+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	return func() error { return errors.Join(tx.Rollback(), db.Close()) }, nil
}

// tamper runs one statement on the database at path, behind any store's
// back.
func tamper(ctx context.Context, path, query string, args ...any) error {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query, args...)
	return err
}

// openTamperable opens a store on a new file.
func openTamperable(t *testing.T) storetest.Store {
	path := filepath.Join(t.TempDir(), "liaison.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	return tamperable{Store: s, path: path}
}

func TestStore(t *testing.T) {
	storetest.Run(t, openTamperable)
}

func TestReopen(t *testing.T) {
	storetest.RunReopen(t, func(t *testing.T) storetest.Place {
		path := filepath.Join(t.TempDir(), "liaison.db")
		return storetest.Place{
			Open: func(ctx context.Context) (storetest.Store, error) { return Open(ctx, path) },
			Tamper: func(ctx context.Context, query string, args ...any) error {
				return tamper(ctx, path, query, args...)
			},
			Forget: func() error { return os.Remove(path + "-checkpoint") },
		}
	})
}

func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("database file mode = %v, want -rw-------", mode)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("PRAGMA journal_mode = %q, %v, want wal", mode, err)
	}
	var size int
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil || size != pageSize {
		t.Errorf("PRAGMA page_size = %d, %v, want %d", size, err, pageSize)
	}
}

// TestOldPageSize opens a database made with SQLite's default page size,
// as those made before pageSize are: it keeps its pages, and works.
func TestOldPageSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE made_before (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	r := storetest.NewRecord(t, liaison.KindRead, "read-1")
	if err := s.Append(t.Context(), r); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil || size != 4096 {
		t.Errorf("PRAGMA page_size = %d, %v, want 4096 (a database keeps its page size)", size, err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		path string
		opts []Option
		kind liaison.ErrorKind
	}{
		{"synchronous OFF", filepath.Join(dir, "a.db"), []Option{WithSynchronous("OFF")}, liaison.Invalid},
		{"negative busy timeout", filepath.Join(dir, "b.db"), []Option{WithBusyTimeout(-time.Second)}, liaison.Invalid},
		{"no such folder", filepath.Join(dir, "missing", "c.db"), nil, liaison.Internal},
		{"not a database", writeFile(t, filepath.Join(dir, "d.db"), "this is not a database, only text long enough to fill a header"), nil, liaison.Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.path, tc.opts...)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", tc.path)
			}
			if k := liaison.KindOf(err); k != tc.kind {
				t.Errorf("Open(%s) = %v, kind %s, want %s", tc.path, err, k, tc.kind)
			}
			if !strings.Contains(err.Error(), filepath.Base(tc.path)) && tc.kind != liaison.Invalid {
				t.Errorf("Open(%s) = %v: the message does not name the file", tc.path, err)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBusy holds the write lock from another connection: an append waits
// the busy timeout, then fails with kind Unavailable and writes nothing.
func TestBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	s, err := Open(t.Context(), path, WithBusyTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	other, err := sql.Open("sqlite", path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := storetest.NewRecord(t, liaison.KindRead, "busy")
	start := time.Now()
	err = s.Append(t.Context(), r)
	if k := liaison.KindOf(err); k != liaison.Unavailable {
		t.Errorf("Append(while another process writes) = %v, kind %s, want %s", err, k, liaison.Unavailable)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("Append gave up after %v, before the busy timeout of 50ms", d)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(t.Context(), r); err != nil {
		t.Errorf("Append(after the lock is released) = %v", err)
	}
	if r.Index != 0 {
		t.Errorf("Index = %d, want 0: the failed append wrote nothing", r.Index)
	}
}

// TestKill kills a process that is appending (SIGKILL, no chance to clean
// up) and checks that every append it was told had succeeded is in the
// database, and that the log is whole.
func TestKill(t *testing.T) {
	if path := os.Getenv("LIAISON_SQLITE_KILL_DB"); path != "" {
		appendUntilKilled(t, path)
		return
	}
	if testing.Short() {
		t.Skip("starts a process: not in -short")
	}
	path := filepath.Join(t.TempDir(), "liaison.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKill$")
	cmd.Env = append(os.Environ(), "LIAISON_SQLITE_KILL_DB="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	lines := bufio.NewScanner(out)
	for len(acked) < 200 && lines.Scan() {
		if id, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked = append(acked, id)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(acked) < 200 {
		t.Fatalf("the appending process stopped after %d appends", len(acked))
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(after SIGKILL) = %v", err)
	}
	defer s.Close()
	for _, id := range acked {
		if _, err := s.Get(t.Context(), liaison.KindRead, id); err != nil {
			t.Errorf("Get(%s), acknowledged before SIGKILL = %v", id, err)
		}
	}
	_, v := storetest.NewSigner(t)
	rep, err := ledger.Verify(t.Context(), s, v)
	if err != nil || !rep.OK() || rep.TreeSize < int64(len(acked)) {
		t.Errorf("Verify(after SIGKILL) = %+v, %v, want OK with at least %d leaves", rep, err, len(acked))
	}
}

// appendUntilKilled is TestKill's child: it appends records and prints
// "acked ID" after each append returns, until it is killed.
func appendUntilKilled(t *testing.T, path string) {
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		r := storetest.NewRecord(t, liaison.KindRead, fmt.Sprintf("read-%d", i))
		if err := s.Append(t.Context(), r); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("acked %s\n", r.ID)
	}
}

// BenchmarkAppend measures appends with the default synchronous=FULL, and
// with NORMAL for comparison.
func BenchmarkAppend(b *testing.B) {
	for _, mode := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+mode, func(b *testing.B) {
			storetest.Bench(b, func(b *testing.B) storetest.Store {
				s, err := Open(b.Context(), filepath.Join(b.TempDir(), "liaison.db"), WithSynchronous(mode))
				if err != nil {
					b.Fatal(err)
				}
				return s
			})
		})
	}
}

// BenchmarkAppendIntake appends what intakes append, from 32 callers, at
// serve's default synchronous=FULL (see storetest.BenchIntake).
func BenchmarkAppendIntake(b *testing.B) {
	storetest.BenchIntake(b, func(b *testing.B) storetest.Store {
		s, err := Open(b.Context(), filepath.Join(b.TempDir(), "liaison.db"))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkList reads a page of 1,000 decision records of about 10 KB (the
// size of a decision with its explanation), as the desk's listings do: each
// row's columns are checked against its body (liaison.ColumnsOf).
func BenchmarkList(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "liaison.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data, err := os.ReadFile("../ledger/testdata/decision.json")
	if err != nil {
		b.Fatal(err)
	}
	var d liaison.Decision
	if err := json.Unmarshal(data, &d); err != nil {
		b.Fatal(err)
	}
	var recs []*liaison.StoredRecord
	for i := range 1000 {
		id := fmt.Sprintf("dec-%04d", i)
		r := storetest.NewRecord(b, liaison.KindDecision, id)
		r.Agency, r.Parent = "ag-1", "req-1"
		if r.Body, err = ledger.MarshalCanonical(liaison.DecisionRecord{ID: id, Agency: r.Agency, Request: r.Parent, Decision: d}); err != nil {
			b.Fatal(err)
		}
		recs = append(recs, r)
	}
	if err := s.Append(b.Context(), recs...); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(recs[0].Body)) * int64(len(recs)))
	for b.Loop() {
		got, err := s.List(b.Context(), liaison.Filter{Kind: liaison.KindDecision, Agency: "ag-1"})
		if err != nil || len(got) != len(recs) {
			b.Fatalf("List = %d records, %v", len(got), err)
		}
	}
}
