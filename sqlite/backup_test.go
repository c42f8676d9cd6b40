package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"liaison"
	"liaison/ledger"
	"liaison/storetest"
)

// TestBackupRestore backs a database up while appends run, restores the
// copy, and audits it as `liaison log verify` does: it must pass, hold a
// prefix of the log that covers its checkpoint, and take appends.
func TestBackupRestore(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	signer, verifier := storetest.NewSigner(t)
	for i := range 50 {
		if err := s.Append(ctx, storetest.NewRecord(t, liaison.KindRead, fmt.Sprint("before-", i))); err != nil {
			t.Fatal(err)
		}
	}
	pub := &ledger.Publisher{Store: s, Signer: signer}
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}

	// Appends from four writers while the backup runs.
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
				if err := s.Append(ctx, storetest.NewRecord(t, liaison.KindRead, fmt.Sprint("during-", w, "-", i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	backup := filepath.Join(dir, "backup.db")
	err = s.Backup(ctx, backup)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup() = %v", err)
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want it readable by its owner only", err, fi.Mode().Perm())
	}
	if err := s.Backup(ctx, backup); err == nil {
		t.Errorf("Backup(onto an existing file) succeeded; want it refused")
	}

	// Restore: the copy, opened as the database.
	restored, err := Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if err := restored.Health(ctx); err != nil {
		t.Errorf("Health(restored) = %v", err)
	}
	report, err := ledger.Verify(ctx, restored, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		t.Errorf("Verify(restored) found problems: %v", report.Problems)
	}
	n, err := restored.TreeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Errorf("restored tree size = %d, want at least the 50 records of the checkpoint", n)
	}
	if err := restored.Append(ctx, storetest.NewRecord(t, liaison.KindRead, "after-restore")); err != nil {
		t.Errorf("Append(restored) = %v", err)
	}
}
