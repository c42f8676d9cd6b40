package sqlite

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
	"liaison/storetest"
)

// TestCorruptPage writes garbage over a page in the middle of a closed
// database file: the next Open must find it (quick_check, and the full
// check), report it from Health with what to do, and refuse writes. Before
// the check, the store opened and answered as if all were well.
func TestCorruptPage(t *testing.T) {
	for _, mode := range []string{"quick", "full"} {
		t.Run(mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "liaison.db")
			s, err := Open(t.Context(), path)
			if err != nil {
				t.Fatal(err)
			}
			appendReads(t, s)
			if err := s.Health(t.Context()); err != nil {
				t.Fatalf("Health(before the damage) = %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			corruptPage(t, path)
			s, err = Open(t.Context(), path, WithIntegrityCheck(mode, 0))
			if err != nil {
				t.Fatalf("Open(a file with a corrupt page) = %v, want it open and reporting the damage", err)
			}
			defer s.Close()
			err = s.Health(t.Context())
			if liaison.KindOf(err) != liaison.Unavailable || !strings.Contains(err.Error(), "PRAGMA") || !strings.Contains(err.Error(), "backup") {
				t.Errorf("Health(a corrupt file) = %v, want unavailable, naming the check and the backup to restore", err)
			}
			if !strings.Contains(s.IntegrityCheck(), "found damage") {
				t.Errorf("IntegrityCheck() = %q, want it to say it found damage", s.IntegrityCheck())
			}
			if err := s.Append(t.Context(), storetest.NewRecord(t, liaison.KindRead, "after")); liaison.KindOf(err) != liaison.Unavailable {
				t.Errorf("Append(on a corrupt file) = %v, want unavailable", err)
			}
		})
	}
}

// appendReads appends 500 records of some 250 bytes to s: many pages.
func appendReads(t *testing.T, s *Store) {
	t.Helper()
	recs := make([]*liaison.StoredRecord, 0, 500)
	for i := range cap(recs) {
		r := storetest.NewRecord(t, liaison.KindRead, fmt.Sprint("r", i))
		r.Body = fmt.Appendf(nil, `{"n":%d,"pad":%q}`, i, strings.Repeat("x", 200))
		recs = append(recs, r)
	}
	if err := s.Append(t.Context(), recs...); err != nil {
		t.Fatal(err)
	}
}

// corruptPage overwrites the page in the middle of the database file at
// path with garbage.
func corruptPage(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The page size is in the file's header, big-endian at offset 16 (1
	// stands for 65536).
	var h [2]byte
	if _, err := f.ReadAt(h[:], 16); err != nil {
		t.Fatal(err)
	}
	pageSize := int64(binary.BigEndian.Uint16(h[:]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := fi.Size() / pageSize
	if pages < 10 {
		t.Fatalf("the database has %d pages of %d bytes, too few to damage one in the middle", pages, pageSize)
	}
	garbage := []byte(strings.Repeat("\xde\xad\xbe\xef", int(pageSize/4)))
	if _, err := f.WriteAt(garbage, pages/2*pageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestIntegrityCheckOptions: a check stopped by its budget is not damage,
// and says so; "off" runs none; bad options are refused.
func TestIntegrityCheckOptions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	for _, tt := range []struct {
		mode   string
		budget time.Duration
		want   string
	}{
		{"quick", time.Nanosecond, "did not finish"},
		{"off", 0, "off"},
		{"full", 0, "integrity_check ok"},
		{"quick", 0, "quick_check ok"},
	} {
		s, err := Open(t.Context(), path, WithIntegrityCheck(tt.mode, tt.budget))
		if err != nil {
			t.Fatalf("Open(%s, %v) = %v", tt.mode, tt.budget, err)
		}
		if got := s.IntegrityCheck(); !strings.Contains(got, tt.want) {
			t.Errorf("Open(%s, %v): IntegrityCheck() = %q, want %q", tt.mode, tt.budget, got, tt.want)
		}
		if err := s.Health(t.Context()); err != nil {
			t.Errorf("Open(%s, %v): Health() = %v, want nil", tt.mode, tt.budget, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []Option{WithIntegrityCheck("thorough", 0), WithIntegrityCheck("quick", -time.Second)} {
		if _, err := Open(t.Context(), path, o); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("Open(bad integrity check option) = %v, want invalid", err)
		}
	}
}

// TestLostCommits: a damaged WAL loses the last commits, the appends a
// checkpoint covered and the checkpoint's own row with them. The file
// beside the database still knows the checkpoint, so Open reports the loss
// and refuses writes; before, the store carried on without them.
func TestLostCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if err := s.Append(t.Context(), storetest.NewRecord(t, liaison.KindRead, fmt.Sprint("r", i))); err != nil {
			t.Fatal(err)
		}
	}
	signer, _ := storetest.NewSigner(t)
	if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// What a lost WAL tail leaves: the last three appends and the
	// checkpoint row gone, the head back where it was.
	for _, q := range []string{`DELETE FROM records WHERE leaf_index >= 3`, `DELETE FROM leaves WHERE idx >= 3`,
		`UPDATE log_head SET size = 3`, `DELETE FROM checkpoints`} {
		if err := tamper(t.Context(), path, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Health(t.Context())
	if liaison.KindOf(err) != liaison.Unavailable || !strings.Contains(err.Error(), "fewer than the 6") || !strings.Contains(err.Error(), "-checkpoint") {
		t.Errorf("Health(after losing the last commits) = %v, want unavailable, naming the 6 leaves and the checkpoint file", err)
	}
	if err := s.Append(t.Context(), storetest.NewRecord(t, liaison.KindRead, "after")); liaison.KindOf(err) != liaison.Unavailable {
		t.Errorf("Append(after losing the last commits) = %v, want unavailable", err)
	}
}

// TestIntegrityCheckOf: a check limited to some tables finds damage in
// them, and does not read the rest of the file (damage there goes
// unfound: that is the whole-file check's); a table not made yet is
// skipped, and a name that is not a table's is refused.
func TestIntegrityCheckOf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	appendReads(t, s)
	if err := s.AddReplay(t.Context(), 0, 1, 0, []string{strings.Repeat("s", 3000)}, []liaison.ReplayPage{{Agency: "agy_1", Rows: 1, Body: make([]byte, 20000)}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	open := func(opts ...Option) *Store {
		t.Helper()
		s, err := Open(t.Context(), path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	replay := WithIntegrityCheckOf("replay_pages", "replay_strings", "no_such_table")
	if got := open(replay).IntegrityCheck(); !strings.Contains(got, "quick_check of replay_pages, replay_strings, no_such_table ok") {
		t.Errorf("IntegrityCheck() of the replay tables of a sound file = %q", got)
	}
	corruptPage(t, path) // a page of the records, most of the file
	if got := open(replay).IntegrityCheck(); !strings.Contains(got, "ok") {
		t.Errorf("IntegrityCheck() of the replay tables, the records damaged = %q, want ok: it reads those tables only", got)
	}
	if got := open().IntegrityCheck(); !strings.Contains(got, "found damage") {
		t.Errorf("IntegrityCheck() of the whole file, the records damaged = %q, want damage found", got)
	}
	// Now a page of replay_pages (its body overflows into pages of its own).
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var root int64
	if err := raw.QueryRowContext(t.Context(), `SELECT rootpage FROM sqlite_master WHERE name = 'replay_pages'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(strings.Repeat("\xa5", pageSize)), (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(replay)
	if got := s.IntegrityCheck(); !strings.Contains(got, "found damage") {
		t.Errorf("IntegrityCheck() of the replay tables, one damaged = %q, want damage found", got)
	}
	if err := s.Append(t.Context(), storetest.NewRecord(t, liaison.KindRead, "after")); liaison.KindOf(err) != liaison.Unavailable {
		t.Errorf("Append(on a damaged file) = %v, want unavailable", err)
	}
	if _, err := Open(t.Context(), path, WithIntegrityCheckOf("replay_pages; DROP TABLE records")); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Open(WithIntegrityCheckOf(not a name)) = %v, want invalid", err)
	}
}
