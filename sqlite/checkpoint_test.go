package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"liaison"
	"liaison/storetest"
)

// takeTicks stops the checkpointer's own ticker: the test then runs its
// ticks, after the appends it chooses, instead of every 250 ms. stop
// still does the rest.
func (c *checkpointer) takeTicks() {
	close(c.quit)
	<-c.done
	c.quit, c.done = make(chan struct{}), make(chan struct{})
	close(c.done)
}

// TestWALStartsOver: under appends that never pause, the WAL is copied into
// the database file and starts over once it passes its bound, instead of
// growing for as long as the appends go on. The test runs the
// checkpointer's ticks itself, one after every five appends, so what it checks
// does not depend on how fast the machine is.
func TestWALStartsOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const frames = 256 << 10 / pageSize // 256 KB
	s.ckpt.restartAt.Store(frames)
	s.ckpt.takeTicks()

	body := make([]byte, 4000) // about a page a record
	var n, maxWAL int64
	for i := range 100 {
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
		if i%5 == 4 {
			// Five appends, about 400 KB of frames, past the bound: the tick
			// copies them and asks the writer to start the WAL over.
			s.ckpt.tick()
		}
	}
	written := n * 4096
	if s.ckpt.restarts.Load() < 2 {
		t.Fatalf("%d records (about %d KB) appended and the WAL started over %d times, want several", n, written>>10, s.ckpt.restarts.Load())
	}
	// The restarts ran on the writer, between groups: timed as such.
	if after := s.Stats().Writer.After; after <= 0 {
		t.Errorf("the WAL started over %d times and Stats().Writer.After = %v, want > 0", s.ckpt.restarts.Load(), after)
	}
	// A WAL that never started over would hold everything written; this
	// one peaks near its bound plus an append or two.
	if limit := written / 4; maxWAL > limit {
		t.Errorf("the WAL grew to %d KB while %d KB were written; want it bounded well below that", maxWAL>>10, written>>10)
	}
	t.Logf("%d records, about %d KB; the WAL peaked at %d KB and started over %d times", n, written>>10, maxWAL>>10, s.ckpt.restarts.Load())
	if got, err := s.TreeSize(t.Context()); err != nil || got != n {
		t.Errorf("TreeSize = %d, %v; want %d", got, err, n)
	}
}
