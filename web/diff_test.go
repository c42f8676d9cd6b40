package web_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"liaison"
	"liaison/examples/proposals"
	"liaison/web"
)

// The comparison page, open to anyone: Los Angeles County's holds from
// 2016 to 2019, as `liaison packs diff --jurisdiction
// us/ca/los-angeles-county --action honor_detainer @2016-06-01
// @2019-06-01` finds them.
func TestLawDiffPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	if p := b.get("/law/diff"); p.status != http.StatusOK || !strings.Contains(p.body, `href="/law/diff?a=2016-06-01&amp;action=honor_detainer&amp;b=2019-06-01&amp;j=us%2Fca%2Flos-angeles-county"`) {
		t.Errorf("GET /law/diff = %d, want the form with an example of Los Angeles County\n%s", p.status, p.body)
	}
	p := b.get("/law/diff?a=2016-06-01&b=2019-06-01&j=us/ca/los-angeles-county&action=honor_detainer")
	if p.status != http.StatusOK {
		t.Fatalf("GET /law/diff = %d\n%s", p.status, p.body)
	}
	for _, want := range []string{
		`6 pack versions and 16 rules differ`,
		`<span class="badge required">added</span> <a href="/law/rules/us-ca-roy-v-los-angeles-county/no-civil-detainer-holds">`,
		`<span class="badge conflict">changed</span> <a href="/law/rules/us-ca-trust-act/a1-serious-or-violent-felony">`,
		`Changed: condition, wording, actions, citation, limits (version 2014 → 2018)`,
		`<code>us-ca-values-act</code>`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("GET /law/diff: no %s", want)
		}
	}
	if !strings.Contains(p.body, "Answers that differ") || strings.Contains(p.body, "Answers that differ (0 of") {
		t.Error("GET /law/diff: no pack test of a Los Angeles County hold answered otherwise in 2016 and 2019")
	}
	// Only the law of Los Angeles County's levels: no Texas.
	if strings.Contains(p.body, "us-tx-") {
		t.Error("GET /law/diff for Los Angeles County lists Texas law")
	}
	// The bundled proposal, Boston without its 2019 amendment, over the
	// law of 2021: as `packs diff @2021-01-01
	// examples/proposals/boston-without-2019@2021-01-01`.
	p = b.get("/law/diff?a=2021-01-01&b=2021-01-01&proposal=boston-without-2019")
	for _, want := range []string{
		`with the proposal boston-without-2019: 1 pack versions and 19 rules differ`,
		`<span class="badge forbidden">removed</span> <a href="/law/rules/us-ma-boston-trust-act/detainer-report">`,
		`<span class="badge required">added</span> <a href="/law/rules/us-ma-boston-trust-act/felony-within-10-years">`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("GET /law/diff with the proposal: no %s", want)
		}
	}
	if p.status != http.StatusOK || strings.Contains(p.body, "Answers that differ (0 of") {
		t.Errorf("GET /law/diff with the proposal = %d, want some Boston pack test answered otherwise", p.status)
	}
	for path, want := range map[string]int{
		"/law/diff?a=2016-06-01":                          http.StatusUnprocessableEntity,
		"/law/diff?a=2016-06-01&b=2019-06-01&j=us/xx":     http.StatusUnprocessableEntity,
		"/law/diff?a=2016-06-01&b=2019-06-01&action=hold": http.StatusUnprocessableEntity,
		"/law/diff?a=2016-06-01&b=2019-06-01&proposal=x":  http.StatusUnprocessableEntity,
	} {
		if got := b.get(path); got.status != want || !strings.Contains(got.body, `role="alert"`) {
			t.Errorf("GET %s = %d, want %d with the form and an alert", path, got.status, want)
		}
	}
}

// BenchmarkLawDiffPage times the comparison of all the law between two
// days, every pack test decided on both.
func BenchmarkLawDiffPage(b *testing.B) {
	benchGet(b, "/law/diff?a=2016-06-01&b=2019-06-01")
}

// Proposals configured on the server (serve --proposals) are for staff:
// a visitor who is not signed in is neither offered one nor answered
// with one, even under the name of a bundled proposal it replaces; a
// counsel is offered and answered with both.
func TestLawDiffStaffProposals(t *testing.T) {
	e := newEnv(t)
	// The shadow has the bundled Boston Trust Act unchanged: a diff with
	// it finds nothing, where the bundled proposal finds 19 rules.
	shadow := t.TempDir()
	data, err := os.ReadFile("../packs/us/ma/boston/trust-act.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(shadow, "us/ma/boston"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shadow, "us/ma/boston/trust-act.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	site := web.New(web.Config{Desk: e.desk, Store: e.store, API: http.NotFoundHandler(), Now: e.clock.Now,
		Proposals: []proposals.Proposal{
			{Name: "council-draft", FS: os.DirFS("../examples/proposals/boston-without-2019")},
			{Name: bostonProposal, FS: os.DirFS(shadow)},
		}})
	configured := *e
	configured.ts = httptest.NewServer(site.Handler())
	t.Cleanup(configured.ts.Close)
	draft := "/law/diff?a=2021-01-01&b=2021-01-01&proposal=council-draft"
	shadowed := "/law/diff?a=2021-01-01&b=2021-01-01&proposal=" + bostonProposal

	anon := configured.browser(t)
	form := anon.get("/law/diff")
	if form.status != http.StatusOK || strings.Contains(form.body, "council-draft") || strings.Contains(form.body, bostonProposal) {
		t.Errorf("GET /law/diff signed out = %d, offers a configured proposal (or the bundled one it replaces)\n%s", form.status, form.body)
	}
	for _, path := range []string{draft, shadowed} {
		if p := anon.get(path); p.status != http.StatusUnprocessableEntity || strings.Contains(p.body, "rules differ") {
			t.Errorf("GET %s signed out = %d, want 422 and no comparison\n%s", path, p.status, p.body)
		}
	}

	counsel := configured.browser(t)
	counsel.signIn(liaison.RoleCounsel)
	form = counsel.get("/law/diff")
	if !strings.Contains(form.body, "council-draft") || !strings.Contains(form.body, bostonProposal) {
		t.Errorf("GET /law/diff as counsel does not offer both configured proposals\n%s", form.body)
	}
	if p := counsel.get(draft); p.status != http.StatusOK || !strings.Contains(p.body, "with the proposal council-draft: 1 pack versions and 19 rules differ") {
		t.Errorf("GET %s as counsel = %d, want the draft's 19 rules\n%s", draft, p.status, p.body)
	}
	if p := counsel.get(shadowed); p.status != http.StatusOK || !strings.Contains(p.body, "with the proposal "+bostonProposal+": ") || strings.Contains(p.body, "19 rules differ") {
		t.Errorf("GET %s as counsel = %d, want the configured proposal (no rule differs), not the bundled one\n%s", shadowed, p.status, p.body)
	}
}
