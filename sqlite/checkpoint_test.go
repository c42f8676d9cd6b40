package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"liaison"
	"liaison/storetest"
)

// TestWALStartsOver: under appends that never pause, the WAL is copied into
// the database file and starts over once it passes its bound, instead of
// growing for as long as the appends go on.
func TestWALStartsOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const frames = 64 // 256 KB
	s.ckpt.restartAt.Store(frames)

	body := make([]byte, 4000) // about a page a record
	// Append until the WAL has started over restarts times: the test waits
	// on that event, not on a clock, so a slow machine (-race, a loaded CI)
	// appends longer instead of failing. maxRecords (about 240 MB) bounds a
	// store whose WAL never starts over.
	const restarts, maxRecords = 16, 60_000
	var n, maxWAL int64
	for s.ckpt.restarts.Load() < restarts {
		if n >= maxRecords {
			t.Fatalf("%d records (about %d KB) appended and the WAL started over %d times, want %d", n, n*4096>>10, s.ckpt.restarts.Load(), restarts)
		}
		var recs []*liaison.StoredRecord
		for range 8 {
			r := storetest.NewRecord(t, liaison.KindRead, fmt.Sprintf("r-%06d", n))
			r.Body = fmt.Appendf(body[:0:0], `{"n":%d,"pad":"%x"}`, n, body[:1900])
			recs = append(recs, r)
			n++
		}
		if err := s.Append(t.Context(), recs...); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
	}
	written := n * 4096
	// A WAL that never started over would hold everything written; this
	// one peaks at what a tick or two of appends add (a check every 250
	// ms), a small part of what 16 restarts took to write.
	if limit := written / 2; maxWAL > limit {
		t.Errorf("the WAL grew to %d KB while %d KB were written; want it bounded well below that", maxWAL>>10, written>>10)
	}
	t.Logf("%d records, about %d KB; the WAL peaked at %d KB and started over %d times", n, written>>10, maxWAL>>10, s.ckpt.restarts.Load())
	if got, err := s.TreeSize(t.Context()); err != nil || got != n {
		t.Errorf("TreeSize = %d, %v; want %d", got, err, n)
	}
}
