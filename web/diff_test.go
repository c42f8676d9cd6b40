package web_test

import (
	"net/http"
	"strings"
	"testing"
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
