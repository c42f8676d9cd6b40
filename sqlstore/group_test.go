package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
	"liaison/sqlite"
	"liaison/storetest"
)

// The group commit's own tests, on SQLite: that appends queued together
// share one transaction, and that a caller whose records the database
// refuses fails alone. The contract suite (storetest) checks the rest on
// every store.

// open opens a store in a new file and returns it with a connection of
// the test's own to the file.
func open(t *testing.T) (*sqlite.Store, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "liaison.db")
	s, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	db, err := sql.Open("sqlite", path+"?_txlock=immediate&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return s, db
}

// hold takes the database's write lock on db, as another process would,
// and returns the function that releases it.
func hold(t *testing.T, db *sql.DB) func() {
	t.Helper()
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
	}
}

// queue makes one append (first) wait for the write lock held on db, then
// starts the appends of recs, one caller each, which queue behind it, then
// releases the lock. It returns the callers' errors and first's.
func queue(t *testing.T, s *sqlite.Store, db *sql.DB, recs [][]*liaison.StoredRecord) ([]error, error) {
	t.Helper()
	release := hold(t, db)
	var (
		wg       sync.WaitGroup
		firstErr error
	)
	taken := s.Stats().Taken
	wg.Go(func() { firstErr = s.Append(t.Context(), storetest.NewRecord(t, liaison.KindRead, "first")) })
	storetest.WaitQueue(t, s, taken, 1) // the writer has it, and waits for the lock
	errs := make([]error, len(recs))
	for i := range recs {
		wg.Go(func() { errs[i] = s.Append(t.Context(), recs[i]...) })
	}
	storetest.WaitQueue(t, s, taken, 1+int64(len(recs)))
	release()
	wg.Wait()
	return errs, firstErr
}

// callers returns n callers' records: a request and a decision each.
func callers(t *testing.T, n int) [][]*liaison.StoredRecord {
	var out [][]*liaison.StoredRecord
	for i := range n {
		out = append(out, []*liaison.StoredRecord{
			storetest.NewRecord(t, liaison.KindRequest, fmt.Sprintf("r%d", i)),
			storetest.NewRecord(t, liaison.KindDecision, fmt.Sprintf("d%d", i)),
		})
	}
	return out
}

// verify checks the log against the records, and that it has n leaves.
func verify(t *testing.T, s *sqlite.Store, n int64) {
	t.Helper()
	_, v := storetest.NewSigner(t)
	rep, err := ledger.Verify(t.Context(), s, v)
	if err != nil || !rep.OK() || rep.TreeSize != n {
		t.Errorf("Verify() = %+v, %v, want OK with %d leaves", rep, err, n)
	}
}

func TestGroupCommit(t *testing.T) {
	s, db := open(t)
	recs := callers(t, 16)
	before := s.Groups()
	errs, firstErr := queue(t, s, db, recs)
	if firstErr != nil {
		t.Fatalf("Append(first) = %v", firstErr)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Append(caller %d) = %v", i, err)
		}
	}
	// One transaction: the 16 queued while the first waited for the write
	// lock join it once it holds the lock (see drain).
	if got := s.Groups() - before; got != 1 {
		t.Errorf("17 appends, 16 of them queued while the first waited for the lock, took %d transactions, want 1", got)
	}
	verify(t, s, 33)
}

// TestGroupRefused has the database refuse one caller's records (a
// trigger, standing for any failure that is not a conflict): the group is
// retried caller by caller, and only that caller fails.
func TestGroupRefused(t *testing.T) {
	s, db := open(t)
	if _, err := db.ExecContext(t.Context(), `CREATE TRIGGER refuse BEFORE INSERT ON records WHEN NEW.id = 'refused'
		BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`); err != nil {
		t.Fatal(err)
	}
	recs := callers(t, 8)
	recs[5][1].ID = "refused"
	before := s.Groups()
	errs, firstErr := queue(t, s, db, recs)
	if firstErr != nil {
		t.Fatalf("Append(first) = %v", firstErr)
	}
	for i, err := range errs {
		switch {
		case i == 5 && (err == nil || liaison.KindOf(err) == liaison.Conflicting || errors.Is(err, context.Canceled)):
			t.Errorf("Append(caller 5, refused by a trigger) = %v, want the database's error", err)
		case i != 5 && err != nil:
			t.Errorf("Append(caller %d) = %v, want nil: only caller 5's records are refused", i, err)
		}
	}
	if _, err := s.Get(t.Context(), liaison.KindRequest, "r5"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Get(request, r5) = %v, want NotFound: the rest of caller 5's append must not be stored", err)
	}
	// The group of nine fails; its eight other callers, the first
	// included, are then written one by one.
	if got := s.Groups() - before; got != 8 {
		t.Errorf("committed %d transactions, want 8: the group's eight other callers on their own", got)
	}
	verify(t, s, 1+7*2)
}

// TestGroupCancelAll cancels every caller while the write lock is held:
// the one whose transaction waits for the lock and those queued behind it
// all return at once, and nothing is stored.
func TestGroupCancelAll(t *testing.T) {
	s, db := open(t)
	release := hold(t, db)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	errs := make([]error, 4)
	taken := s.Stats().Taken
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.Append(ctx, storetest.NewRecord(t, liaison.KindRead, fmt.Sprint(i)))
		})
	}
	// One in the writer, waiting for the lock, the others queued behind it
	// or taken with it into its group.
	storetest.WaitQueue(t, s, taken, int64(len(errs)))
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("appends whose callers all cancelled had not returned 5s later, with the write lock held")
	}
	release()
	for i, err := range errs {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Append(caller %d, cancelled) = %v, want context.Canceled", i, err)
		}
	}
	verify(t, s, 0)
}
