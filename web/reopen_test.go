package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liaison"
	"liaison/desk"
)

// A hold refused closes a case whose only action it is; counsel may still
// override the refusal from its page, which opens the case again: the
// page says why, the queue marks it reopened, and the action may be
// carried out.
func TestOverrideReopensCase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk := e.actors[liaison.RoleClerk]
	res, err := e.desk.Intake(ctx, clerk, desk.IntakeInput{Agency: e.agency.ID, Person: e.person.ID, IdempotencyKey: "ice-hold",
		Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE",
			ProbableCauseBasis: []liaison.PCBasis{"biometric_match"}, Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
		Actions: []liaison.Action{"honor_detainer"},
		Subject: &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release"}, Convictions: []liaison.Offense{}}})
	if err != nil {
		t.Fatal(err)
	}
	casePath := "/cases/" + res.Request.ID
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	if p := b.post(casePath+"/act", url.Values{"action": {"honor_detainer"}}); p.status != http.StatusSeeOther {
		t.Fatalf("POST act (refusal) = %d\n%s", p.status, p.body)
	}
	if p := b.get(casePath); !strings.Contains(p.body, "closed: every action it asks for is settled") {
		t.Fatalf("GET case after the refusal: not closed by it\n%s", p.body)
	}
	counsel := e.browser(t)
	counsel.signIn(liaison.RoleCounsel)
	if p := counsel.get(casePath); !strings.Contains(p.body, "Counsel's override of the refusal") {
		t.Fatalf("GET case as counsel, closed by the refusal: no override form\n%s", p.body)
	}
	p := counsel.post(casePath+"/override", url.Values{"action": {"honor_detainer"}, "reason": {"Judicial warrant signed by Judge Doe received by fax at 14:02"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("POST override = %d\n%s", p.status, p.body)
	}
	p = b.get(casePath)
	if !strings.Contains(p.body, `<span class="status">open</span>`) || !strings.Contains(p.body, "counsel overrode the refusal") || !strings.Contains(p.body, `class="reopened"`) {
		t.Errorf("GET case after the override: not shown open again, reopened by the override\n%s", p.body)
	}
	if h := p.body[strings.Index(p.body, `id="history"`):]; !strings.Contains(h, "<td>Case closed</td><td>every action it asks for is settled</td>") ||
		!regexp.MustCompile(`<td>Case reopened</td><td>honor detainer: refused \(attempt act_[0-9a-f]+\), counsel overrode the refusal`).MatchString(h) {
		t.Errorf("GET case after the override: the history does not list the close and the reopening\n%s", h)
	}
	if strings.Contains(p.body, `aria-describedby="why-honor_detainer"`) {
		t.Errorf("GET case after the override: carrying out honor_detainer is still disabled")
	}
	q := b.get("/queue").body
	q = q[strings.Index(q, `id="cases-h"`):]
	i := strings.Index(q, `href="/cases/`+res.Request.ID+`"`)
	if i < 0 {
		t.Fatalf("GET /queue after the override: the case is not there")
	}
	row := q[i:]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, `<span class="badge reopened">reopened</span>`) || !strings.Contains(row, "overridden by counsel") {
		t.Errorf("GET /queue after the override: the case's row is not marked reopened and overridden\n%s", row)
	}
}
