package desk_test

import (
	"context"
	"sync/atomic"
	"testing"

	"liaison"
)

// getCounter counts a store's Get calls by kind.
type getCounter struct {
	liaison.Store
	agencyGets atomic.Int64
}

func (g *getCounter) Get(ctx context.Context, kind, id string) (*liaison.StoredRecord, error) {
	if kind == liaison.KindAgency {
		g.agencyGets.Add(1)
	}
	return g.Store.Get(ctx, kind, id)
}

// TestIntakeReadsItsAgencyOnce: every intake needs its agency's record,
// which never changes once stored; the desk reads it from the store once.
func TestIntakeReadsItsAgencyOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := agency(t, e.desk(t), "us/ca/test-county", "jail")
	counted := &getCounter{Store: e.store}
	d := e.deskOn(t, counted)
	for _, key := range []string{"ice-1", "ice-2", "ice-3"} {
		res, err := d.Intake(ctx, clerk, detainer(a.ID, key, "honor_detainer"))
		if err != nil {
			t.Fatal(err)
		}
		// Cal. Gov. Code 7284.6(a)(1)(B): the agency's jurisdiction decided it.
		if got := res.Decisions[0].Decision.Outcome; got != liaison.Forbidden {
			t.Fatalf("Intake(%s) = %s, want forbidden (Cal. Gov. Code 7284.6)", key, got)
		}
	}
	if n := counted.agencyGets.Load(); n != 1 {
		t.Errorf("three intakes read the agency %d times, want 1", n)
	}
	if _, err := d.Agency(ctx, "agy_missing"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Agency(missing) = %v, want NotFound", err)
	}
}
