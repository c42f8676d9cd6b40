package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"liaison"
	"liaison/web"
)

// The law pages open to anyone, with no session made: no cookie is set,
// and nothing of the desk's cases is on them.
func TestLawPublic(t *testing.T) {
	e := newEnv(t)
	anon := e.browser(t)
	for path, want := range map[string]string{
		"/law":                       "statute · in force from 2014-01-01, amended 2018-01-01",
		"/law/packs/us-ca-trust-act": "amending 2014",
		"/law/rules/us-ca-values-act/hold-request": "Cal. Gov. Code 7284.6(a)(1)(B)",
		"/law/whatif": `<form method="post" action="/law/whatif"`,
	} {
		p := anon.get(path)
		if p.status != http.StatusOK || !strings.Contains(p.body, want) {
			t.Errorf("GET %s signed out = %d, want 200 with %q\n%s", path, p.status, want, p.body)
		}
		if c := p.header.Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("GET %s: Set-Cookie %q, want none", path, c)
		}
		if cc := p.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, cc)
		}
		for _, pd := range []string{"B-1001", "Ruiz", e.person.ID, e.caseID} {
			if strings.Contains(p.body, pd) {
				t.Errorf("GET %s shows %q, from the desk's cases", path, pd)
			}
		}
	}
	if p := anon.get("/law/rules/us-ca-values-act/no-such-rule"); p.status != http.StatusNotFound {
		t.Errorf("GET an unknown rule = %d, want 404", p.status)
	}
	if p := anon.get("/law/packs/no-such-pack"); p.status != http.StatusNotFound {
		t.Errorf("GET an unknown pack = %d, want 404", p.status)
	}
	// Boston sits inside Massachusetts in the tree, Massachusetts under federal.
	body := anon.get("/law").body
	us, ma, boston := strings.Index(body, `id="j-us"`), strings.Index(body, `id="j-us/ma"`), strings.Index(body, `id="j-us/ma/boston"`)
	if us < 0 || !(us < ma && ma < boston) || strings.Contains(body[ma:boston], `id="j-us/n`) {
		t.Errorf("GET /law: federal at %d, Massachusetts at %d, Boston at %d: want Boston nested in Massachusetts", us, ma, boston)
	}
}

// The rule page shows the citation, the condition in words and in CEL,
// the exceptions as links, and the pack tests that exercise the rule.
func TestRulePage(t *testing.T) {
	e := newEnv(t)
	p := e.browser(t).get("/law/rules/us-ca-values-act/release-information")
	for _, want := range []string{
		"Cal. Gov. Code 7284.6(a)(1)(C)",
		`<p class="op">for some item of request › info requested:</p>`,
		"it is not among subject › public info",
		`<pre class="cel"><code>context.purpose in [&#34;&#34;, &#34;immigration_enforcement&#34;]</code></pre>`,
		`<a href="/law/rules/us-ca-trust-act/a1-serious-or-violent-felony">`,
		"<code>ca-",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("GET the rule page: no %q\n%s", want, p.body)
		}
	}
	// A duty's notice links to it, blank, in each language.
	p = e.browser(t).get("/law/rules/us-ca-truth-act/consent-form")
	if !strings.Contains(p.body, `<a href="/law/notices/ca-interview-consent">`) {
		t.Errorf("GET the TRUTH Act's interview rule: no link to its notice\n%s", p.body)
	}
	p = e.browser(t).get("/law/notices/ca-interview-consent?lang=es")
	if p.status != http.StatusOK || !strings.Contains(p.body, `<article class="notice" lang="es"`) || !strings.Contains(p.body, "Cal. Gov. Code 7283.1(a)") {
		t.Errorf("GET the consent notice in Spanish = %d\n%s", p.status, p.body)
	}
	if p := e.browser(t).get("/law/notices/no-such-notice"); p.status != http.StatusNotFound {
		t.Errorf("GET an unknown notice = %d, want 404", p.status)
	}
	// Limits, and exceptions in another pack.
	p = e.browser(t).get("/law/rules/us-8-cfr-287-7/detainer-is-a-request")
	for _, want := range []string{"A hold of at most 48 hours, not counting weekends and holidays.",
		`<a href="/law/rules/us-8-cfr-287-7/hold-past-48-hours">`, `<a href="/law/rules/us-const-amend-4-detainer-holds/no-probable-cause-stated">`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("GET the rule page of 8 C.F.R. 287.7: no %q\n%s", want, p.body)
		}
	}
}

// Every rule a decision card cites links to its page, which opens for
// staff and for anyone.
func TestDecisionLinksLandOnRules(t *testing.T) {
	e := newEnv(t)
	clerk := e.browser(t)
	clerk.signIn(liaison.RoleClerk)
	links := regexp.MustCompile(`href="(/law/rules/[^"]+)"`).FindAllStringSubmatch(clerk.get("/cases/"+e.caseID).body, -1)
	if len(links) == 0 {
		t.Fatal("the case page links to no rule")
	}
	anon := e.browser(t)
	for _, l := range links {
		for who, b := range map[string]*browser{"clerk": clerk, "anyone": anon} {
			if p := b.get(l[1]); p.status != http.StatusOK || !strings.Contains(p.body, "<h1>") {
				t.Errorf("GET %s as %s = %d, want the rule page", l[1], who, p.status)
			}
		}
	}
}

// whatIfForm is the what-if page's form for a detainer on an
// administrative warrant in California, for a person eligible for
// release with no convictions, on 2019-06-01.
func whatIfForm() url.Values {
	return url.Values{"jurisdiction": {"us/ca"}, "date": {"2019-06-01"}, "agency.type": {"jail"}, "action": {"honor_detainer"},
		"request.kind": {"detainer"}, "request.form": {"I-247A"}, "request.issuer": {"ICE"}, "request.warrant.kind": {"administrative"},
		"subject.custody.status": {"eligible_for_release"}, "convictions": {"known"}, "do": {"decide"}}
}

var answerBadge = regexp.MustCompile(`id="answer-card-h">[^<]*<span class="badge (\w+)">`)

// outcome is the outcome the what-if page answered.
func outcome(t *testing.T, p page) string {
	t.Helper()
	m := answerBadge.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("POST /law/whatif = %d, no answer\n%s", p.status, p.body)
	}
	return m[1]
}

// The what-if page answers with the engine; a fact or the date changed
// changes the answer; the timeline lists the dates where it changes;
// compare shows two jurisdictions side by side. Nothing is stored.
func TestWhatIfPage(t *testing.T) {
	e := newEnv(t)
	before, err := e.store.TreeSize(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	f := whatIfForm()
	if got := outcome(t, b.post("/law/whatif", f)); got != "forbidden" {
		t.Errorf("what-if, California 2019 = %s, want forbidden (Cal. Gov. Code 7284.6)", got)
	}
	f.Set("date", "2012-06-01")
	if got := outcome(t, b.post("/law/whatif", f)); got != "permitted" {
		t.Errorf("what-if, California 2012 = %s, want permitted (before the TRUST Act)", got)
	}
	f.Set("date", "2019-06-01")
	f.Set("jurisdiction", "us/tx")
	if got := outcome(t, b.post("/law/whatif", f)); got != "required" {
		t.Errorf("what-if, Texas 2019 = %s, want required (SB 4)", got)
	}
	f.Set("jurisdiction", "us/ca")
	f.Del("convictions")
	f.Set("action", "notify_release")
	f.Set("request.kind", "notification_request")
	p := b.post("/law/whatif", f)
	if got := outcome(t, p); got != "undetermined" || !strings.Contains(p.body, "<code>subject.convictions</code>") {
		t.Errorf("what-if, convictions unknown = %s, want undetermined, missing subject.convictions", got)
	}
	// A place with no law of its own can be tried, and prefilled by a link.
	f.Set("jurisdiction", "us/ca/los-angeles-county")
	if p := b.post("/law/whatif", f); outcome(t, p) != "undetermined" || !strings.Contains(p.body, `<option value="us/ca/los-angeles-county" selected>`) {
		t.Errorf("what-if in Los Angeles County: want undetermined, the county kept in the form")
	}
	if p := b.get("/law/whatif?jurisdiction=us/ca/los-angeles-county&action=notify_release"); !strings.Contains(p.body, `<option value="us/ca/los-angeles-county" selected>`) ||
		!strings.Contains(p.body, `<option value="notify_release" selected>`) {
		t.Errorf("GET /law/whatif with a query: the form is not prefilled from it")
	}
	f.Set("jurisdiction", "us/ca")
	// The form comes back as it was sent.
	if !strings.Contains(p.body, `<option value="notify_release" selected>`) || !strings.Contains(p.body, `value="2019-06-01"`) {
		t.Error("the answer's form does not keep the facts sent")
	}

	f = whatIfForm()
	f.Set("do", "timeline")
	p = b.post("/law/whatif", f)
	for _, day := range []string{"2014-01-01", "2018-01-01"} {
		if !strings.Contains(p.body, `<time datetime="`+day+`">`) {
			t.Errorf("timeline: no change on %s\n%s", day, p.body)
		}
	}
	f.Set("do", "compare")
	f.Set("compare", "us/tx")
	p = b.post("/law/whatif", f)
	if !strings.Contains(p.body, `id="answer-card"`) || !strings.Contains(p.body, `id="compare-card-0"`) ||
		!regexp.MustCompile(`id="compare-card-0-h">Texas \(us/tx\) <span class="badge required">`).MatchString(p.body) {
		t.Errorf("compare with Texas: want two cards, Texas required\n%s", p.body)
	}

	// Bad input is said on the page, with the form.
	f.Set("date", "01/06/2019")
	if p := b.post("/law/whatif", f); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "YYYY-MM-DD") {
		t.Errorf("what-if with a bad date = %d, want 422 saying the format", p.status)
	}
	f.Set("date", "2019-06-01")
	f.Set("compare", "us/zz")
	if p := b.post("/law/whatif", f); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "us/zz") {
		t.Errorf("what-if comparing us/zz = %d, want 422 naming it", p.status)
	}
	if after, err := e.store.TreeSize(t.Context()); err != nil || after != before {
		t.Errorf("the what-if page stored records: log size %d → %d (%v)", before, after, err)
	}
}

// The page's POST spends the same per-client budget as POST /v1/whatif
// (20 at once by default; the test clock stands still, so none refill),
// and a body over the API's limit is refused.
func TestWhatIfRateLimit(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	for i := range 20 {
		if p := b.post("/law/whatif", whatIfForm()); p.status != http.StatusOK {
			t.Fatalf("what-if %d = %d, want 200", i+1, p.status)
		}
	}
	p := b.post("/law/whatif", whatIfForm())
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" || !strings.Contains(p.body, "Too many") {
		t.Errorf("what-if 21 = %d, Retry-After %q, want 429 with Retry-After", p.status, p.header.Get("Retry-After"))
	}
	api := `{"request": {"as_of": "2019-06-01T12:00:00Z", "jurisdiction": "us/ca", "action": "honor_detainer"}}`
	resp, err := http.Post(e.ts.URL+"/v1/whatif", "application/json", strings.NewReader(api))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("POST /v1/whatif after the page spent the budget = %d, want 429", resp.StatusCode)
	}

	e2 := newEnv(t)
	big := whatIfForm()
	big.Set("charge.0.offense", strings.Repeat("x", liaison.MaxRequestBytes))
	if p := e2.browser(t).post("/law/whatif", big); p.status != http.StatusRequestEntityTooLarge {
		t.Errorf("what-if with a %d-byte body = %d, want 413", len(big.Encode()), p.status)
	}
}

// Nothing of what the what-if page is sent is logged.
func TestWhatIfLogsNothing(t *testing.T) {
	e := newEnv(t)
	var logs bytes.Buffer
	site := web.New(web.Config{Desk: e.desk, Store: e.store, API: http.NotFoundHandler(), Now: e.clock.Now,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	f := whatIfForm()
	f.Set("conviction.0.offense", "SECRET-OFFENCE-77")
	for _, do := range []string{"decide", "timeline", "compare"} {
		f.Set("do", do)
		f.Set("compare", "us/ny")
		req := httptest.NewRequest(http.MethodPost, "/law/whatif", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		site.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("POST /law/whatif (%s) = %d\n%s", do, rec.Code, rec.Body)
		}
		if rec.Header().Get("Set-Cookie") != "" {
			t.Errorf("POST /law/whatif (%s) set a cookie", do)
		}
	}
	if strings.Contains(logs.String(), "SECRET-OFFENCE-77") {
		t.Errorf("the facts sent were logged:\n%s", logs.String())
	}
}
