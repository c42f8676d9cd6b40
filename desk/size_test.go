package desk_test

import (
	"context"
	"fmt"
	"testing"

	"liaison"
	"liaison/desk"
)

// deskloadIntake is an intake as bench/deskload sends it: a notification
// request for a release date, asking for one action or, with two, also
// to share information.
func deskloadIntake(agency, key string, two bool) desk.IntakeInput {
	actions := []liaison.Action{liaison.NotifyRelease}
	if two {
		actions = append(actions, liaison.ShareInfo)
	}
	return desk.IntakeInput{Agency: agency, IdempotencyKey: key,
		Request: liaison.FederalRequest{Kind: "notification_request", Form: "I-247A", Issuer: "ICE",
			InfoRequested: []liaison.InfoItem{"release_date"}},
		Actions: actions, Subject: &liaison.Subject{Convictions: []liaison.Offense{}}}
}

// storedBytes returns the body bytes of a request's records: the request,
// and the decisions and duties that follow from it.
func storedBytes(t *testing.T, s liaison.Store, request string) int {
	t.Helper()
	ctx := context.Background()
	rec, err := s.Get(ctx, liaison.KindRequest, request)
	if err != nil {
		t.Fatal(err)
	}
	n := len(rec.Body)
	recs, err := s.List(ctx, liaison.Filter{Parent: request})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		n += len(r.Body)
	}
	return n
}

// TestStoredBytesPerRequest measures the bytes stored per federal request
// of bench/deskload's mix (one request in two asks for two actions).
func TestStoredBytesPerRequest(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	a := agency(t, d, "us/ca/bench-county", "jail")
	total, n := 0, 10
	for i := range n {
		res, err := d.Intake(context.Background(), clerk, deskloadIntake(a.ID, fmt.Sprint("k", i), i%2 == 0))
		if err != nil {
			t.Fatal(err)
		}
		total += storedBytes(t, e.store, res.Request.ID)
		for _, dec := range res.Decisions {
			if dec.Decision.Considered != nil || dec.PackSet != e.set.Hash() || dec.Engine == "" {
				t.Errorf("stored decision %s: %d rules considered, pack set %q, engine %q; want none, %s and the engine",
					dec.ID, len(dec.Decision.Considered), dec.PackSet, dec.Engine, e.set.Hash())
			}
		}
	}
	t.Logf("%d bytes stored per federal request (%d requests, 1.5 decisions each)", total/n, n)
}
