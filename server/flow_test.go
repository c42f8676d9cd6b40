package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
)

// TestFlow walks a request through the API: a California agency refuses a
// detainer hold and counsel overrides the refusal; a Texas agency must hold;
// a retried intake is the same request; the log proves it all.
func TestFlow(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles)
	tx := e.createAgency(harris)

	// California: the hold is forbidden, at intake and again when acting.
	p := e.createPerson(la.ID)
	res := e.intake(http.StatusCreated, detainer(la.ID, p.ID, "ice-2025-0001"))
	if !res.Created || len(res.Decisions) != 1 || res.Decisions[0].Decision.Outcome != liaison.Forbidden {
		t.Fatalf("intake in California = created %v, decisions %+v, want one forbidden", res.Created, res.Decisions)
	}
	reqID := res.Request.ID
	var act desk.ActResult
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions",
		body: map[string]any{"request": reqID, "action": "honor_detainer"}}, &act)
	if act.Action.Status != liaison.ActionRefused || act.Action.Outcome != liaison.Forbidden || act.Action.Override != "" {
		t.Errorf("act in California = %s/%s override %q, want refused/forbidden without override", act.Action.Status, act.Action.Outcome, act.Action.Override)
	}
	if !strings.Contains(act.Action.Reason, "7284.6") {
		t.Errorf("refusal reason = %q, want the Values Act (Gov. Code 7284.6) cited", act.Action.Reason)
	}

	// Only counsel may override, with a written reason; then the action is
	// carried out and flagged.
	override := map[string]any{"request": reqID, "action": "honor_detainer", "reason": "Judicial warrant signed by Judge Example received by fax at 09:12; see file 2025-113."}
	if r := e.as(liaison.RoleClerk, call{method: "POST", path: "/v1/overrides", body: override}); r.status != http.StatusForbidden {
		t.Errorf("override as clerk = %d %s, want 403", r.status, r.body)
	}
	var ov liaison.OverrideRecord
	e.must(http.StatusCreated, liaison.RoleCounsel, call{method: "POST", path: "/v1/overrides", body: override}, &ov)
	// With no outbound channel configured, the clerk says how it was done.
	act2 := map[string]any{"request": reqID, "action": "honor_detainer"}
	if r := e.as(liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: act2}); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "offline_note") {
		t.Errorf("act with no channel and no offline_note = %d %s, want 400 naming offline_note", r.status, r.body)
	}
	act2["offline_note"] = "Phoned the ICE duty officer at 10:05; hold confirmed in writing by fax."
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/actions", body: act2}, &act)
	if act.Action.Status != liaison.ActionDoneOffline || act.Action.OfflineNote == "" || act.Action.Channel != "" || act.Action.Override != ov.ID || !strings.HasPrefix(act.Action.Reason, "OVERRIDDEN") {
		t.Errorf("act after override = %s, note %q, override %q, reason %q; want done_offline with the note, %s, OVERRIDDEN…", act.Action.Status, act.Action.OfflineNote, act.Action.Override, act.Action.Reason, ov.ID)
	}
	if act.Decision.Decision.Outcome != liaison.Forbidden {
		t.Errorf("the decision under the override = %s, want still forbidden", act.Decision.Decision.Outcome)
	}

	// Texas: the hold is required, and is a duty.
	pt := e.createPerson(tx.ID)
	in := detainer(tx.ID, pt.ID, "ice-2025-0002")
	res = e.intake(http.StatusCreated, in)
	if got := res.Decisions[0].Decision.Outcome; got != liaison.Required {
		t.Fatalf("intake in Texas = %s, want required", got)
	}
	if !hasDuty(res.Duties, "Carry out honor detainer") {
		t.Errorf("intake in Texas: duties %+v, want one to carry out the hold", res.Duties)
	}

	// The same idempotency key again: the same request, 200, and the read
	// of the person's facts it answers with is logged.
	before := e.treeSize()
	again := e.intake(http.StatusOK, in)
	if again.Request.ID != res.Request.ID || again.Created || len(again.Decisions) != 1 {
		t.Errorf("intake again = request %s created %v, want request %s created false", again.Request.ID, again.Created, res.Request.ID)
	}
	if after := e.treeSize(); after != before+1 {
		t.Errorf("intake again wrote %d records, want 1 (the read)", after-before)
	}
	// The same key with another request: 409 naming where it differs.
	other := detainer(tx.ID, pt.ID, "ice-2025-0002")
	other["actions"] = []string{"notify_release"}
	before = e.treeSize()
	resp := e.as(liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: other, valid: true})
	if got := resp.apiError(t); resp.status != http.StatusConflict || got.Error.Field != "actions[0]" || strings.Contains(string(resp.body), pt.ID) {
		t.Errorf("intake of another request with the key = %d %s, want 409 about actions[0], showing nothing stored", resp.status, resp.body)
	}
	if after := e.treeSize(); after != before {
		t.Errorf("a conflicting intake wrote %d records, want none", after-before)
	}
	var got desk.IntakeResult
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/requests/" + res.Request.ID}, &got)
	if got.Request.ID != res.Request.ID || len(got.Decisions) != 1 || len(got.Duties) != len(res.Duties) {
		t.Errorf("GET /v1/requests/%s = %+v, want the stored request", res.Request.ID, got)
	}

	// Duties: Texas's, then one done.
	var duties struct{ Duties []desk.Duty }
	e.must(http.StatusOK, liaison.RoleSupervisor, call{method: "GET", path: "/v1/duties?status=open&agency=" + tx.ID}, &duties)
	open := 0
	for _, du := range res.Duties {
		if du.Status == liaison.DutyOpen {
			open++
		}
	}
	if len(duties.Duties) != open || open == len(res.Duties) {
		t.Fatalf("open duties of Texas = %d, want %d (of %d: telling the person of the hold waits for it)", len(duties.Duties), open, len(res.Duties))
	}
	var ch liaison.DutyChangeRecord
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "POST", path: "/v1/duties/" + duties.Duties[0].ID + "/done", body: map[string]any{"note": "served at booking"}}, &ch)
	e.must(http.StatusOK, liaison.RoleSupervisor, call{method: "GET", path: "/v1/duties?status=done"}, &duties)
	if len(duties.Duties) != 1 || duties.Duties[0].ID != ch.Duty {
		t.Errorf("done duties = %+v, want %s", duties.Duties, ch.Duty)
	}

	// A read of a person's record is itself recorded; auditors see it sealed.
	before = e.treeSize()
	var person desk.Person
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "GET", path: "/v1/people/" + p.ID}, &person)
	if person.Name != personName || person.Sealed {
		t.Errorf("person as clerk = %q sealed %v, want %q open", person.Name, person.Sealed, personName)
	}
	var sealed desk.Person
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/people/" + p.ID}, &sealed)
	if sealed.Name != "" || !sealed.Sealed {
		t.Errorf("person as auditor = %q sealed %v, want sealed", sealed.Name, sealed.Sealed)
	}
	if n := e.treeSize() - before; n != 2 {
		t.Errorf("two reads of a person wrote %d records, want 2", n)
	}

	// Custody.
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/custody-events",
		body: map[string]any{"person": pt.ID, "kind": "release_scheduled", "at": "2025-03-03T16:00:00Z", "scheduled_release": "2025-03-05T08:00:00-06:00"}}, nil)

	// The log: a checkpoint, then proofs that check against it.
	var cp struct {
		Origin, Note string
		Size         int64
	}
	e.must(http.StatusOK, liaison.RoleAdmin, call{method: "POST", path: "/v1/log/checkpoint"}, &cp)
	// The store records the checkpoint in the log, after the leaves it
	// covers.
	if cp.Size != e.treeSize()-1 {
		t.Errorf("checkpoint size = %d, want the tree's %d less its own record", cp.Size, e.treeSize())
	}
	key := e.do(call{method: "GET", path: "/log/key"})
	v, err := ledger.NewVerifier(string(key.body))
	if err != nil {
		t.Fatal(err)
	}
	signed := e.do(call{method: "GET", path: "/log/checkpoint"})
	head, err := v.Open(signed.body)
	if err != nil || head.Size != cp.Size || string(signed.body) != cp.Note {
		t.Fatalf("/log/checkpoint = %q (%v), want the checkpoint POST /v1/log/checkpoint made", signed.body, err)
	}
	// The receipt, as `liaison log prove` prints it too, holds for the
	// stored record with the log's key alone.
	resp = e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/proofs/inclusion?kind=override&id=" + ov.ID}, nil)
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.DisallowUnknownFields()
	var rc ledger.Receipt
	if err := dec.Decode(&rc); err != nil {
		t.Fatalf("GET /v1/proofs/inclusion = %s: not a ledger.Receipt: %v", resp.body, err)
	}
	stored, err := e.store.Get(t.Context(), liaison.KindOverride, ov.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rc.Check(v, ledger.RecordOf(stored)); err != nil || got.Size != head.Size {
		t.Errorf("receipt of override %s: %v (checkpoint size %d, want %d)", ov.ID, err, got.Size, head.Size)
	}
	var cons struct {
		Old, New int64
		Proof    []json.RawMessage
	}
	e.must(http.StatusOK, liaison.RoleAuditor, call{method: "GET", path: "/v1/proofs/consistency?old=3"}, &cons)
	oldRoot, err := ledger.TreeHash(t.Context(), e.store, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := ledger.CheckConsistency(hashes(t, cons.Proof), ledger.Checkpoint{Origin: head.Origin, Size: 3, Hash: oldRoot}, head); err != nil || cons.New != head.Size {
		t.Errorf("consistency proof 3 → %d: %v", cons.New, err)
	}
	tile := e.do(call{method: "GET", path: "/log/tile/entries/000.p/" + itoa(min(cp.Size, 255))})
	if tile.status != http.StatusOK {
		t.Errorf("GET entry bundle = %d %s", tile.status, tile.body)
	}

	// Metrics count decisions; the access log names routes and actors, and
	// never a token or a person's name.
	metrics := e.as(liaison.RoleAdmin, call{method: "GET", path: "/metrics"})
	for _, want := range []string{
		`liaison_decisions_total{outcome="forbidden",stage="intake"} 1`,
		`liaison_decisions_total{outcome="required",stage="intake"} 1`,
		`liaison_decisions_total{outcome="forbidden",stage="act"} 2`,
		`liaison_http_requests_total{code="201",route="POST /v1/requests"} 2`,
		`liaison_http_requests_total{code="200",route="POST /v1/requests"} 1`,
	} {
		if !strings.Contains(string(metrics.body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	logs := e.logs.String()
	for role, tok := range e.tokens {
		if strings.Contains(logs, tok) || strings.Contains(logs, desk.HashToken(tok)) {
			t.Errorf("the log holds the %s token", role)
		}
	}
	if strings.Contains(logs, personName) || strings.Contains(logs, "1990-01-02") {
		t.Errorf("the log holds the person's name or birth date")
	}
	if !strings.Contains(logs, `"route":"GET /log/","status":200`) {
		t.Errorf("the access log lacks the public log's route pattern")
	}
	if !strings.Contains(logs, `"route":"POST /v1/overrides","status":201`) || !strings.Contains(logs, `"actor":"`+e.tokenIDs[liaison.RoleCounsel]+`"`) {
		t.Errorf("the access log lacks the override by counsel:\n%s", logs)
	}
}

func hasDuty(duties []liaison.DutyRecord, prefix string) bool {
	for _, d := range duties {
		if strings.HasPrefix(d.Text, prefix) {
			return true
		}
	}
	return false
}
