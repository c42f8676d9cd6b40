package desk_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

// sharedStores opens a new, empty store of each kind that several desks
// (servers) share: SQLite always, PostgreSQL when LIAISON_TEST_POSTGRES_DSN
// is set (skipped with a message otherwise, failed with
// LIAISON_REQUIRE_ALL=1).
var sharedStores = []struct {
	name string
	open func(t *testing.T) liaison.Store
}{
	{"sqlite", func(t *testing.T) liaison.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "shared.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) liaison.Store {
		s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// overdueDuties appends n duties of one agency, each due two hours ago by
// e's clock, and returns their ids: duty_000, duty_001…
func overdueDuties(t *testing.T, e *env, s liaison.Store, n int) []string {
	t.Helper()
	past := e.clock.Now().Add(-2 * time.Hour)
	var recs []*liaison.StoredRecord
	var ids []string
	for i := range n {
		id := fmt.Sprintf("duty_%03d", i)
		recs = append(recs, dutyRecord(t, "agy_test", id, &past, past))
		ids = append(ids, id)
	}
	appendRecords(t, s, recs...)
	return ids
}

// beforeAppend runs hook once, before the first Append through it: a
// second server's write landing between this one's read and its write.
type beforeAppend struct {
	liaison.Store
	once sync.Once
	hook func()
}

func (s *beforeAppend) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	s.once.Do(s.hook)
	return s.Store.Append(ctx, recs...)
}

// changesByDuty counts the stored changes of each duty by status.
func changesByDuty(t *testing.T, s liaison.Store) map[string]map[liaison.DutyStatus]int {
	t.Helper()
	out := map[string]map[liaison.DutyStatus]int{}
	if _, err := liaison.Each(t.Context(), s, liaison.Filter{Kind: liaison.KindDutyChange}, 0, func(c liaison.DutyChangeRecord, _ int64) {
		if out[c.Duty] == nil {
			out[c.Duty] = map[liaison.DutyStatus]int{}
		}
		out[c.Duty][c.Status]++
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestTwoDesksChangeEachDutyOnce: two desks (two servers) on one store
// tick at the same instant; each duty goes overdue once and is escalated
// once, and the desk that comes second reports no change and no error.
func TestTwoDesksChangeEachDutyOnce(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			const n = 20
			overdueDuties(t, e, s, n)

			// Overdue: B has read the duties and is about to write when A
			// writes every change.
			a := e.deskOn(t, s)
			var aChanges []liaison.DutyChangeRecord
			var aErr error
			b := e.deskOn(t, &beforeAppend{Store: s, hook: func() { aChanges, aErr = a.Tick(context.Background()) }})
			bChanges, bErr := b.Tick(t.Context())
			if aErr != nil || bErr != nil {
				t.Fatalf("Tick: A %v, B %v", aErr, bErr)
			}
			if len(aChanges) != n || len(bChanges) != 0 {
				t.Errorf("A's Tick made %d changes and B's %d, want %d and 0: B's came second", len(aChanges), len(bChanges), n)
			}

			// Escalated: both tick at once, each as it will.
			e.clock.Add(2 * time.Hour)
			var wg sync.WaitGroup
			made := make([]int, 2)
			start := make(chan struct{})
			for i, d := range []*desk.Desk{a, b} {
				wg.Go(func() {
					<-start
					c, err := d.Tick(context.Background())
					if err != nil {
						t.Errorf("Tick: %v", err)
					}
					made[i] = len(c)
				})
			}
			close(start)
			wg.Wait()
			if made[0]+made[1] != n {
				t.Errorf("the two Ticks made %d and %d escalations, want %d in all", made[0], made[1], n)
			}
			got := changesByDuty(t, s)
			for i := range n {
				id := fmt.Sprintf("duty_%03d", i)
				if c := got[id]; len(c) != 2 || c[liaison.DutyOverdue] != 1 || c[liaison.DutyEscalated] != 1 {
					t.Errorf("duty %s has changes %v, want overdue once and escalated once", id, c)
				}
			}
		})
	}
}

// staleChanges is a store whose List shows no duty changes: a server that
// has not seen another's write yet.
type staleChanges struct{ liaison.Store }

func (s staleChanges) List(ctx context.Context, f liaison.Filter) ([]*liaison.StoredRecord, error) {
	if f.Kind == liaison.KindDutyChange {
		return nil, nil
	}
	return s.Store.List(ctx, f)
}

// TestCompleteDutyOnce: a duty completed through one server and then
// through another that has not seen the first's change is done once; the
// second gets a conflict.
func TestCompleteDutyOnce(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			due := e.clock.Now().Add(time.Hour)
			appendRecords(t, s, dutyRecord(t, "agy_test", "duty_1", &due, e.clock.Now()))
			if _, err := e.deskOn(t, s).CompleteDuty(t.Context(), clerk, "duty_1", desk.DoneInput{}); err != nil {
				t.Fatalf("CompleteDuty: %v", err)
			}
			_, err := e.deskOn(t, staleChanges{s}).CompleteDuty(t.Context(), clerk, "duty_1", desk.DoneInput{})
			if liaison.KindOf(err) != liaison.Conflicting {
				t.Errorf("CompleteDuty again through a server that missed the first = %v, want a conflict", err)
			}
			if got := changesByDuty(t, s)["duty_1"]; got[liaison.DutyDone] != 1 {
				t.Errorf("duty_1 has changes %v, want done once", got)
			}
		})
	}
}

// TestHoldEndsOnce: a hold's end-by duty closed by a clerk through one
// server, and by the person's release through another that has not seen
// the clerk's change, is closed once: the release gets a conflict (and
// goes through when retried, seeing the duty closed).
func TestHoldEndsOnce(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			ctx := t.Context()
			d := e.deskOn(t, s)
			a := agency(t, d, "us/tx/travis-county", "sheriff")
			p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, Name: "Test Person"})
			if err != nil {
				t.Fatal(err)
			}
			in := detainer(a.ID, "ice-1", "honor_detainer")
			in.Person = p.ID
			r, err := d.Intake(ctx, clerk, in)
			if err != nil {
				t.Fatal(err)
			}
			res, err := d.Act(ctx, clerk, desk.ActInput{Request: r.Request.ID, Action: "honor_detainer"})
			if err != nil {
				t.Fatal(err)
			}
			hold, ok := dutyOf(res.Duties, "end_hold")
			if !ok {
				t.Fatalf("Act duties %+v: want the hold's end-by duty", res.Duties)
			}
			if _, err := d.CompleteDuty(ctx, clerk, hold.ID, desk.DoneInput{Note: "released to ICE at the door"}); err != nil {
				t.Fatalf("CompleteDuty: %v", err)
			}
			release := desk.CustodyInput{Person: p.ID, Kind: "released", At: e.clock.Now()}
			if _, err := e.deskOn(t, staleChanges{s}).RecordCustody(ctx, clerk, release); liaison.KindOf(err) != liaison.Conflicting {
				t.Errorf("release through a server that missed the clerk's close = %v, want a conflict", err)
			}
			if got := changesByDuty(t, s)[hold.ID]; got[liaison.DutyDone] != 1 {
				t.Errorf("the end-by duty has changes %v, want done once", got)
			}
			if _, err := d.RecordCustody(ctx, clerk, release); err != nil {
				t.Errorf("release retried = %v, want it recorded", err)
			}
		})
	}
}

// appendCounter counts the Append calls through it and the records they
// carry.
type appendCounter struct {
	liaison.Store
	mu             sync.Mutex
	calls, records int
}

func (s *appendCounter) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	s.mu.Lock()
	s.calls++
	s.records += len(recs)
	s.mu.Unlock()
	return s.Store.Append(ctx, recs...)
}

// someDuties is a store on which a server sees only the duties whose ids
// are in see: one that has read the others' intakes only in part.
type someDuties struct {
	liaison.Store
	see map[string]bool
}

func (s someDuties) List(ctx context.Context, f liaison.Filter) ([]*liaison.StoredRecord, error) {
	recs, err := s.Store.List(ctx, f)
	if f.Kind != liaison.KindDuty {
		return recs, err
	}
	return slices.DeleteFunc(recs, func(r *liaison.StoredRecord) bool { return !s.see[r.ID] }), err
}

// TestTickAppendsInGroups: a Tick that finds many duties overdue appends
// their changes a group at a time, not one by one; and when another server
// has made some of a group's changes first, it makes the rest, each once.
func TestTickAppendsInGroups(t *testing.T) {
	for _, st := range sharedStores {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t)
			s := st.open(t)
			const n = 300
			see := map[string]bool{}
			for i, id := range overdueDuties(t, e, s, n) {
				if i%29 == 3 { // 11 of them, in the first and the later groups
					see[id] = true
				}
			}

			// B sees 11 of the duties and marks them overdue first.
			b := e.deskOn(t, someDuties{s, see})
			bChanges, err := b.Tick(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(bChanges) != len(see) {
				t.Fatalf("B's Tick made %d changes, want %d", len(bChanges), len(see))
			}
			// A sees them all: the 289 others are its to make.
			counted := &appendCounter{Store: s}
			a := e.deskOn(t, counted)
			aChanges, err := a.Tick(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if want := n - len(see); len(aChanges) != want {
				t.Errorf("A's Tick made %d changes, want %d", len(aChanges), want)
			}
			for _, c := range aChanges {
				if see[c.Duty] {
					t.Errorf("A's Tick reports a change of %s, which B made", c.Duty)
				}
			}
			got := changesByDuty(t, s)
			for i := range n {
				id := fmt.Sprintf("duty_%03d", i)
				if c := got[id]; len(c) != 1 || c[liaison.DutyOverdue] != 1 {
					t.Errorf("duty %s has changes %v, want overdue once", id, c)
				}
			}

			// Escalated: nobody got there first; 300 changes in 3 appends.
			e.clock.Add(2 * time.Hour)
			counted.calls, counted.records = 0, 0
			aChanges, err = a.Tick(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(aChanges) != n {
				t.Errorf("A's Tick escalated %d duties, want %d", len(aChanges), n)
			}
			if counted.calls > 3 || counted.records != n {
				t.Errorf("A's Tick appended %d records in %d calls, want %d in at most 3", counted.records, counted.calls, n)
			}
		})
	}
}
