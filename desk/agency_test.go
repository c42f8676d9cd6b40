package desk_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"liaison"
	"liaison/desk"
)

// countingStore counts a store's reads of agencies and its appends of
// requests (a repeated intake appends a read record, and no request).
type countingStore struct {
	liaison.Store
	agencyGets, appends atomic.Int64
}

func (c *countingStore) Get(ctx context.Context, kind, id string) (*liaison.StoredRecord, error) {
	if kind == liaison.KindAgency {
		c.agencyGets.Add(1)
	}
	return c.Store.Get(ctx, kind, id)
}

func (c *countingStore) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	if slices.ContainsFunc(recs, func(r *liaison.StoredRecord) bool { return r.Kind == liaison.KindRequest }) {
		c.appends.Add(1)
	}
	return c.Store.Append(ctx, recs...)
}

// TestIntakeReadsItsAgencyOnce: every intake needs its agency's record,
// which never changes once stored; the desk reads it from the store once.
func TestIntakeReadsItsAgencyOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := agency(t, e.desk(t), "us/ca/test-county", "jail")
	counted := &countingStore{Store: e.store}
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
	if _, err := d.Agency(ctx, clerk, "agy_missing"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Agency(missing) = %v, want NotFound", err)
	}
}

// TestAgencyReadersNeedAStaffRole: the desk checks the role itself, as it
// does for every other record, whatever the server in front of it does.
func TestAgencyReadersNeedAStaffRole(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/ca/test-county", "jail")
	public := liaison.Actor{ID: "tok_public", Role: liaison.RolePublic}
	if _, err := d.Agency(ctx, public, a.ID); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Agency as public = %v, want Denied", err)
	}
	if _, _, err := d.Agencies(ctx, public, desk.Page{}); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("Agencies as public = %v, want Denied", err)
	}
	got, err := d.Agency(ctx, auditor, a.ID)
	if err != nil || got.ID != a.ID || got.Jurisdiction != a.Jurisdiction {
		t.Fatalf("Agency as auditor = %+v, %v; want %s", got, err, a.ID)
	}
	got.Name = "changed by a caller"
	if again, _ := d.Agency(ctx, auditor, a.ID); again.Name != a.Name {
		t.Errorf("a caller's change to a returned agency reached the desk's copy: %q", again.Name)
	}
	all, _, err := d.Agencies(ctx, clerk, desk.Page{})
	if err != nil || len(all) != 1 || all[0].ID != a.ID {
		t.Errorf("Agencies as clerk = %+v, %v; want [%s]", all, err, a.ID)
	}
}

// TestRepeatedIntakeSkipsTheAppend: a request sent again with a key the
// desk stored lately is answered from the store without an append (which
// would fail, and make the appends committed with it be written again); a
// desk that has not seen the key finds the repeat by the append's conflict,
// and learns the key.
func TestRepeatedIntakeSkipsTheAppend(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	d0 := e.desk(t)
	a := agency(t, d0, "us/ca/test-county", "jail")
	if err := d0.StorePackSet(ctx); err != nil { // as a server does when it starts
		t.Fatal(err)
	}
	counted := &countingStore{Store: e.store}
	d := e.deskOn(t, counted)
	first, err := d.Intake(ctx, clerk, detainer(a.ID, "retry-1", "honor_detainer"))
	if err != nil || !first.Created {
		t.Fatalf("Intake = %+v, %v", first, err)
	}
	for range 3 {
		again, err := d.Intake(ctx, clerk, detainer(a.ID, "retry-1", "honor_detainer"))
		if err != nil || again.Created || again.Request.ID != first.Request.ID {
			t.Fatalf("repeated Intake = created %v, request %s, %v; want the stored %s", again.Created, again.Request.ID, err, first.Request.ID)
		}
	}
	if n := counted.appends.Load(); n != 1 {
		t.Errorf("an intake and three repeats made %d appends of a request, want 1", n)
	}

	counted2 := &countingStore{Store: e.store}
	restarted := e.deskOn(t, counted2)
	for range 2 {
		again, err := restarted.Intake(ctx, clerk, detainer(a.ID, "retry-1", "honor_detainer"))
		if err != nil || again.Created || again.Request.ID != first.Request.ID {
			t.Fatalf("repeated Intake after a restart = created %v, request %s, %v", again.Created, again.Request.ID, err)
		}
	}
	if n := counted2.appends.Load(); n != 1 {
		t.Errorf("after a restart, two repeats made %d appends of a request, want 1 (the first finds the conflict)", n)
	}
}

func TestRecentKeysForgetsTheOldest(t *testing.T) {
	var r desk.RecentKeys
	r.Add("k0")
	for i := 1; i <= desk.RecentCap; i++ {
		r.Add(fmt.Sprint("k", i))
	}
	if r.Has("k0") {
		t.Error("the oldest key is still there after a full ring of newer ones")
	}
	if !r.Has("k1") || !r.Has(fmt.Sprint("k", desk.RecentCap)) {
		t.Error("a key of the last ring is forgotten")
	}
}
