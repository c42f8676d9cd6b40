package server_test

import (
	"net/http"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
)

// Through the API: facts learned later (201, the same again 200, other
// facts under the key 409 naming the field), an interview held back (409)
// until the consent form's duty is done, and a duty done once (409).
func TestFactsAndDutiesAPI(t *testing.T) {
	e := newEnv(t)
	la := e.createAgency(losAngeles)
	in := detainer(la.ID, "", "ice-interview-1")
	in["request"].(map[string]any)["kind"] = "interview_request"
	in["actions"] = []string{"allow_interview"}
	res := e.intake(http.StatusCreated, in)
	var form liaison.DutyRecord
	for _, du := range res.Duties {
		if du.Before == liaison.AllowInterview {
			form = du
		}
	}
	if form.ID == "" {
		t.Fatalf("intake duties %+v: want the consent form before the interview", res.Duties)
	}
	facts := map[string]any{"idempotency_key": "consent-1", "reason": "the person signed the consent form",
		"subject": map[string]any{"consent": map[string]any{"interview": "written", "form_provided": true}}}
	path := "/v1/requests/" + res.Request.ID + "/facts"
	var f desk.FactsResult
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: path, body: facts}, &f)
	if len(f.Decisions) != 1 || f.Decisions[0].Decision.Outcome != liaison.Permitted || f.Decisions[0].Supersedes != res.Decisions[0].ID {
		t.Fatalf("facts = %+v, want the interview permitted, superseding %s", f.Decisions, res.Decisions[0].ID)
	}
	e.must(http.StatusOK, liaison.RoleClerk, call{method: "POST", path: path, body: facts}, nil)
	facts["subject"] = map[string]any{"consent": map[string]any{"interview": "oral", "form_provided": true}}
	resp := e.as(liaison.RoleClerk, call{method: "POST", path: path, body: facts, valid: true})
	if got := resp.apiError(t); resp.status != http.StatusConflict || got.Error.Field != "subject.consent.interview" {
		t.Errorf("facts with the key and other facts = %d %s, want 409 about subject.consent.interview", resp.status, resp.body)
	}

	act := call{method: "POST", path: "/v1/actions", body: map[string]any{"request": res.Request.ID, "action": "allow_interview", "offline_note": "the deputy let the officers in at 10:05"}}
	resp = e.as(liaison.RoleClerk, act)
	if resp.status != http.StatusConflict || !strings.Contains(string(resp.body), form.ID) {
		t.Errorf("interview with the form's duty open = %d %s, want 409 naming %s", resp.status, resp.body, form.ID)
	}
	done := call{method: "POST", path: "/v1/duties/" + form.ID + "/done", body: map[string]any{"given_by": "Deputy R. Ortiz", "given_at": "2025-03-03T16:30:00Z"}}
	var ch liaison.DutyChangeRecord
	e.must(http.StatusOK, liaison.RoleClerk, done, &ch)
	if ch.GivenBy != "Deputy R. Ortiz" || ch.Status != liaison.DutyDone {
		t.Errorf("done = %+v, want done, given by Deputy R. Ortiz", ch)
	}
	e.must(http.StatusConflict, liaison.RoleClerk, done, nil)
	var out desk.ActResult
	e.must(http.StatusCreated, liaison.RoleClerk, act, &out)
	if out.Action.Status != liaison.ActionDoneOffline {
		t.Errorf("interview after the form = %s, want done offline (the test server has no channel)", out.Action.Status)
	}
}
