package sqlite

import (
	"path/filepath"
	"testing"

	"liaison"
	"liaison/storetest"
)

// TestWriterTimes checks that the store times its writer's phases (Stats,
// liaison_store_writer_seconds_total): each phase of a committed append,
// and the wait for the second append (not the time after a commit, which
// is SQLite's rare RESTART checkpoint: see TestWALStartsOver).
func TestWriterTimes(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, id := range []string{"d1", "d2"} {
		if err := s.Append(t.Context(), storetest.NewRecord(t, liaison.KindDecision, id)); err != nil {
			t.Fatal(err)
		}
	}
	w := s.Stats().Writer
	for name, d := range map[string]int64{"Idle": int64(w.Idle), "Begin": int64(w.Begin), "Leaves": int64(w.Leaves), "Insert": int64(w.Insert), "Commit": int64(w.Commit)} {
		if d <= 0 {
			t.Errorf("Stats().Writer.%s = %d after two appends, want > 0 (%+v)", name, d, w)
		}
	}
}
