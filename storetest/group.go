package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"liaison"
	"liaison/sqlstore"
)

// Blocker is implemented by a test's wrapper around a store that can take
// the log's lock from outside the store, as another process or node
// would: appends then wait for it. The suite uses it to queue appends
// behind a held lock, so that they meet in one group commit.
type Blocker interface {
	// Block takes the lock and returns a function that releases it.
	Block(ctx context.Context) (release func() error, err error)
}

// Queue is a store that says how many appends wait for its writer and
// how many it has taken (sqlstore.Store's Stats): the group tests wait on
// these, not on time, to know their appends have queued.
type Queue interface {
	Stats() sqlstore.Stats
}

// WaitQueue waits until the store's writer has taken at least one append
// since its count was since (Stats().Taken, read before the appends
// began), and n appends since then are taken or wait to be handed over:
// the writer may take several waiting appends at once into its group, so
// "taken or queued" is what says every append has arrived. It polls, as
// the store has no event to wait on, and fails the test after a minute
// with the counts it saw, rather than hang.
func WaitQueue(t testing.TB, q Queue, since, n int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st := q.Stats()
		if st.Taken > since && st.Taken-since+st.Queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %d appends to reach the writer: %d taken, %d queued", n, st.Taken-since, st.Queued)
		}
		time.Sleep(time.Millisecond)
	}
}

// appendCall is one Append made in the background.
type appendCall struct {
	name string
	recs []*liaison.StoredRecord
	err  error
	done chan struct{}
}

// goAppend starts Append(ctx, recs...) in a goroutine.
func goAppend(ctx context.Context, s Store, name string, recs ...*liaison.StoredRecord) *appendCall {
	c := &appendCall{name: name, recs: recs, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		c.err = s.Append(ctx, recs...)
	}()
	return c
}

// testGroup queues appends behind a held log lock, so that they are
// written together once it is released, and checks that each caller gets
// all or none of its own records: callers that conflict with a stored
// record, or with another caller in the queue, fail alone; a queued caller
// whose context is cancelled returns at once and writes nothing; every
// other caller's records are stored, each caller's contiguous.
func testGroup(t *testing.T, s Store) {
	b, ok := s.(Blocker)
	if !ok {
		t.Skip("the store does not implement storetest.Blocker")
	}
	q, ok := s.(Queue)
	if !ok {
		t.Fatal("a Blocker store must implement storetest.Queue, for the test to know its appends queued")
	}
	ctx := t.Context()
	stored := withKey(NewRecord(t, liaison.KindRequest, "stored"), "ag/stored-key")
	mustAppend(t, s, stored)

	release, err := b.Block(ctx)
	if err != nil {
		t.Fatalf("Block() = %v", err)
	}
	released := false
	defer func() {
		if !released {
			_ = release()
		}
	}()
	// The first append waits for the lock; the others queue behind it.
	taken := q.Stats().Taken
	first := goAppend(ctx, s, "first", NewRecord(t, liaison.KindRead, "first"))
	WaitQueue(t, q, taken, 1)
	var ok6 []*appendCall
	for i := range 6 {
		ok6 = append(ok6, goAppend(ctx, s, fmt.Sprintf("ok-%d", i),
			withKey(NewRecord(t, liaison.KindRequest, fmt.Sprintf("ok-%d", i)), fmt.Sprintf("ag/key-%d", i)),
			NewRecord(t, liaison.KindDecision, fmt.Sprintf("ok-%d-d", i))))
	}
	storedKey := goAppend(ctx, s, "stored key",
		NewRecord(t, liaison.KindDecision, "sk-d"), withKey(NewRecord(t, liaison.KindRequest, "sk"), "ag/stored-key"))
	storedID := goAppend(ctx, s, "stored id",
		NewRecord(t, liaison.KindDecision, "sid-d"), NewRecord(t, liaison.KindRequest, "stored"))
	raceA := goAppend(ctx, s, "race a", withKey(NewRecord(t, liaison.KindRequest, "race-a"), "ag/race-key"))
	raceB := goAppend(ctx, s, "race b", withKey(NewRecord(t, liaison.KindRequest, "race-b"), "ag/race-key"))
	cctx, cancel := context.WithCancel(ctx)
	canceled := goAppend(cctx, s, "cancelled", NewRecord(t, liaison.KindRequest, "cancelled"), NewRecord(t, liaison.KindDecision, "cancelled-d"))
	WaitQueue(t, q, taken, 1+6+5)

	cancel()
	select {
	case <-canceled.done:
		if !errors.Is(canceled.err, context.Canceled) {
			t.Errorf("Append(cancelled while queued) = %v, want an error that is context.Canceled", canceled.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Append(cancelled while queued) had not returned 5s after the cancel, with the log lock held")
	}
	released = true
	if err := release(); err != nil {
		t.Fatalf("release the lock: %v", err)
	}

	all := append([]*appendCall{first, storedKey, storedID, raceA, raceB}, ok6...)
	for _, c := range all {
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("Append(%s) had not returned 30s after the lock was released", c.name)
		}
	}
	for _, c := range append([]*appendCall{first}, ok6...) {
		if c.err != nil {
			t.Errorf("Append(%s) = %v, want nil: it conflicts with nothing", c.name, c.err)
			continue
		}
		for j, r := range c.recs {
			if j > 0 && r.Index != c.recs[0].Index+int64(j) {
				t.Errorf("Append(%s): indexes %d and %d are not contiguous", c.name, c.recs[0].Index, r.Index)
			}
			get(t, s, r)
		}
	}
	wantKind(t, "Append(a stored key, queued)", storedKey.err, liaison.Conflicting, "key")
	wantKind(t, "Append(a stored id, queued)", storedID.err, liaison.Conflicting, "id")
	winner, loser := raceA, raceB
	if raceA.err != nil {
		winner, loser = raceB, raceA
	}
	if winner.err != nil {
		t.Errorf("Append(race a) = %v and Append(race b) = %v: one of two queued appends with the same key must succeed", raceA.err, raceB.err)
	} else {
		wantKind(t, fmt.Sprintf("Append(%s) after Append(%s) with the same key", loser.name, winner.name), loser.err, liaison.Conflicting, "key")
		got, err := s.ByKey(ctx, liaison.KindRequest, "ag/race-key")
		if err != nil || got.ID != winner.recs[0].ID {
			t.Errorf("ByKey(race-key) = %v, %v, want %s", got, err, winner.recs[0].ID)
		}
	}
	for _, c := range []*appendCall{storedKey, storedID, loser, canceled} {
		for _, r := range c.recs {
			if r.Index != 0 {
				t.Errorf("failed Append(%s) set %s/%s's Index to %d", c.name, r.Kind, r.ID, r.Index)
			}
			if r.ID == "stored" {
				continue
			}
			if _, err := s.Get(ctx, r.Kind, r.ID); liaison.KindOf(err) != liaison.NotFound {
				t.Errorf("Get(%s, %s) after the failed Append(%s) = %v, want NotFound", r.Kind, r.ID, c.name, err)
			}
		}
	}
	// stored, first, six of two records, the race's winner.
	checkLog(t, s, 1+1+12+1)
}
