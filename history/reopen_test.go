package history_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
)

// TestReopenedCases: the history has cases closed by refusals and opened
// again by a conviction a records check found: some closed again since
// (the release notification carried out), some open today, on the queue
// marked reopened; and `log verify`'s check of the cases finds every
// close and reopening where the records put it.
func TestReopenedCases(t *testing.T) {
	store, _ := sharedHistory(t)
	ctx := context.Background()
	set, _ := lawSet()
	sealer, _ := desk.NewSealer(make([]byte, 32), rand.Reader)
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: sealer, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	reopened, err := store.List(ctx, liaison.Filter{Kind: liaison.KindCaseReopened})
	if err != nil {
		t.Fatal(err)
	}
	admin := liaison.Actor{ID: "test", Role: liaison.RoleSupervisor}
	queue, _, _, err := d.OpenCases(ctx, admin, desk.RequestFilter{}, 0, desk.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	open := map[string]bool{}
	for _, s := range queue {
		open[s.ID] = true
		if s.Reopened != "" && s.Standing[0].Status == "" {
			t.Errorf("queue: %s reopened (%s) with its first action never attempted", s.ID, s.Reopened)
		}
	}
	var openAgain, closedAgain int
	for _, r := range reopened {
		if open[r.Parent] {
			openAgain++
		} else {
			closedAgain++
		}
	}
	marked := 0
	for _, s := range queue {
		if s.Reopened != "" {
			marked++
		}
	}
	t.Logf("%d reopenings: %d open today, %d closed again", len(reopened), openAgain, closedAgain)
	if openAgain == 0 || closedAgain == 0 || marked != openAgain {
		t.Errorf("%d reopenings: %d open today (%d marked reopened on the queue), %d closed again; want some of each, every open one marked",
			len(reopened), openAgain, marked, closedAgain)
	}
	rep, err := ledger.Verify(ctx, store, nil, desk.NewCaseCheck(store))
	if err != nil || !rep.OK() {
		t.Errorf("log verify of the history's cases = %+v, %v; want no problem", rep, err)
	}
}
