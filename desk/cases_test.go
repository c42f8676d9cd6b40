package desk_test

import (
	"context"
	"testing"

	"liaison"
	"liaison/desk"
)

// TestCaseDeliveries: a case shows each attempt to carry out an action
// with its deliveries and where it stands, and stays open while the latest
// attempt is pending.
func TestCaseDeliveries(t *testing.T) {
	e := newEnv(t)
	d := e.desk(t)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	read := func() *desk.Case {
		t.Helper()
		c, err := d.Case(ctx, clerk, in.Request.ID, desk.CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	act := func(failing bool) {
		t.Helper()
		e.mu.Lock()
		e.failing = failing
		e.mu.Unlock()
		if _, err := d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"}); err != nil {
			t.Fatal(err)
		}
		if c := read(); c.Status != desk.CaseOpen || c.Standing[0].Status != liaison.ActionPending {
			t.Fatalf("case with the action just recorded = %s, standing %+v; want open, pending", c.Status, c.Standing)
		}
		e.deliver(t, d)
	}

	act(true)
	c := read()
	if c.Status != desk.CaseClosed || len(c.Actions) != 1 || c.Actions[0].Status != liaison.ActionFailed || len(c.Actions[0].Deliveries) != 2 {
		t.Fatalf("case after a failed delivery = %s, actions %+v; want closed (a duty for staff carries on), one failed action with 2 deliveries", c.Status, c.Actions)
	}
	act(false)
	c = read()
	if c.Status != desk.CaseClosed || c.ClosedBy != "every action it asks for is settled" || len(c.Actions) != 2 {
		t.Fatalf("case after delivery = %s (%q) with %d actions, want closed, settled, 2", c.Status, c.ClosedBy, len(c.Actions))
	}
	if dl := c.Actions[1].Deliveries; len(dl) != 1 || !dl[0].OK || dl[0].Action != c.Actions[1].ID {
		t.Errorf("deliveries of the action carried out = %+v, want one, ok, of %s", dl, c.Actions[1].ID)
	}
	if s := c.Standing[0]; s.Status != liaison.ActionDelivered || s.Outcome != liaison.Required {
		t.Errorf("honor_detainer stands as %+v, want required and delivered", s)
	}
	// The subject's facts, shown to the clerk, not to the auditor.
	if c.Request.Subject == nil || c.Sealed {
		t.Errorf("case as clerk: subject %+v, sealed %v; want the facts, not sealed", c.Request.Subject, c.Sealed)
	}
	sealed, err := d.Case(ctx, auditor, in.Request.ID, desk.CaseOptions{Trace: true})
	if err != nil {
		t.Fatal(err)
	}
	if sealed.Request.Subject != nil || !sealed.Sealed || len(sealed.Decisions[0].Decision.Considered) == 0 {
		t.Errorf("case as auditor with its trace: subject %+v, sealed %v, %d rules considered; want none, sealed, the trace",
			sealed.Request.Subject, sealed.Sealed, len(sealed.Decisions[0].Decision.Considered))
	}
}
