package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/web"
)

// Every page is sent with the security headers, and without anything
// personal in its headers or URL.
func TestPageHeaders(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	for _, path := range []string{"/signin", "/queue", "/cases/" + e.caseID, "/duties", "/custody?person=" + e.person.ID, "/law/rules/us-ca-values-act/no-detainer-holds", "/static/style.css"} {
		p := b.get(path)
		if p.status != http.StatusOK && !(strings.HasPrefix(path, "/law/") && p.status == http.StatusNotFound) {
			t.Errorf("GET %s = %d, want 200", path, p.status)
		}
		csp := p.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: Content-Security-Policy %q, want default-src 'none', frame-ancestors 'none', no unsafe-inline", path, csp)
		}
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
			if got := p.header.Get(h); got != want {
				t.Errorf("GET %s: %s = %q, want %q", path, h, got, want)
			}
		}
		for h, vs := range p.header {
			for _, v := range vs {
				if strings.Contains(v, "B-1001") || strings.Contains(v, "Ruiz") {
					t.Errorf("GET %s: header %s = %q holds personal data", path, h, v)
				}
			}
		}
	}
	// The API is still served, as it was, under the same handler.
	if p := b.get("/healthz"); p.status != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", p.status)
	}
	if p := b.get("/v1/requests"); p.status != http.StatusUnauthorized || !strings.Contains(p.body, `"kind":"unauthorized"`) {
		t.Errorf("GET /v1/requests without a token = %d %s, want the API's JSON 401 (a session cookie is no API credential)", p.status, p.body)
	}
}

// A case is found by booking number through a POST, and the answer sends
// the browser to the case's id: the number is in no URL.
func TestSearchByBooking(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	p := b.post("/queue/search", url.Values{"booking": {"B-1001"}, "agency": {e.agency.ID}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/cases/"+e.caseID {
		t.Fatalf("POST /queue/search = %d %q, want 303 to /cases/%s", p.status, p.header.Get("Location"), e.caseID)
	}
	p = b.post("/queue/search", url.Values{"booking": {"B-9999"}, "agency": {e.agency.ID}})
	if p.status != http.StatusNotFound || !strings.Contains(p.body, "No case has that booking number") {
		t.Errorf("POST /queue/search for an unknown number = %d, want 404 saying so", p.status)
	}
	q := b.get("/queue")
	if !strings.Contains(q.body, `href="/cases/`+e.caseID+`"`) {
		t.Errorf("GET /queue: no link to the open case %s", e.caseID)
	}
	if strings.Contains(q.body, "B-1001") || strings.Contains(q.body, "Ruiz") {
		t.Errorf("GET /queue shows personal data; a queue line carries none")
	}
}

// Markup in a person's name, a fact's reason or an override's reason is
// shown as text.
func TestMarkupIsText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clerk, counsel := e.actors[liaison.RoleClerk], e.actors[liaison.RoleCounsel]
	if _, err := e.desk.Facts(ctx, clerk, e.caseID, desk.FactsInput{IdempotencyKey: "x", Reason: `records <img src=x onerror=alert("fact")> check`,
		Subject: &liaison.Subject{Convictions: []liaison.Offense{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Act(ctx, clerk, desk.ActInput{Request: e.caseID, Action: "honor_detainer"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Override(ctx, counsel, desk.OverrideInput{Request: e.caseID, Action: "honor_detainer",
		Reason: `a court order <script>alert("reason")</script> of today requires the hold`}); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	p := b.get("/cases/" + e.caseID)
	for _, raw := range []string{`<script>alert("name")`, `<b>Ruiz</b>`, `<img src=x`, `<script>alert("reason")`} {
		if strings.Contains(p.body, raw) {
			t.Errorf("GET /cases/%s holds %q as markup", e.caseID, raw)
		}
	}
	for _, text := range []string{`Ana &lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;&lt;b&gt;Ruiz&lt;/b&gt;`, `records &lt;img src=x onerror=alert(&#34;fact&#34;)&gt; check`, `&lt;script&gt;alert(&#34;reason&#34;)&lt;/script&gt;`} {
		if !strings.Contains(p.body, text) {
			t.Errorf("GET /cases/%s does not show %q as text", e.caseID, text)
		}
	}
	if strings.Contains(p.body, "<script") || strings.Contains(p.body, " style=") {
		t.Errorf("GET /cases/%s holds a script or an inline style", e.caseID)
	}
}

// A form posted from another site is refused, and does nothing.
func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	b.origin = "https://attacker.example"
	for _, path := range []string{"/cases/" + e.caseID + "/act", "/signout", "/signin"} {
		req, _ := http.NewRequest(http.MethodPost, e.ts.URL+path, strings.NewReader("action=honor_detainer&offline_note=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", "https://attacker.example")
		if p := b.do(req); p.status != http.StatusForbidden || !strings.Contains(p.body, "sent from another site") {
			t.Errorf("cross-site POST %s = %d, want 403", path, p.status)
		}
	}
	c, err := e.desk.Case(context.Background(), e.actors[liaison.RoleAuditor], e.caseID, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Actions) != 0 {
		t.Errorf("after a cross-site POST the case has %d actions, want none", len(c.Actions))
	}
	// And the session was not ended by the cross-site sign-out.
	if p := b.get("/queue"); p.status != http.StatusOK {
		t.Errorf("GET /queue after a cross-site sign-out = %d, want 200: the session still open", p.status)
	}
}

// A session id planted in the browser before sign-in is never adopted:
// signing in makes a new one, and the planted one opens nothing.
func TestSessionFixation(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	u, _ := url.Parse(e.ts.URL)
	planted := strings.Repeat("A", 43)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "liaison_session", Value: planted, Path: "/"}})
	if p := b.get("/queue"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin" {
		t.Fatalf("GET /queue with a planted cookie = %d %q, want 303 to /signin", p.status, p.header.Get("Location"))
	}
	b.signIn(liaison.RoleClerk)
	var got string
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "liaison_session" {
			got = c.Value
		}
	}
	if got == "" || got == planted {
		t.Fatalf("session cookie after sign-in = %q, want a new one", got)
	}
	other := e.browser(t)
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: "liaison_session", Value: planted, Path: "/"}})
	if p := other.get("/queue"); p.status != http.StatusSeeOther {
		t.Errorf("GET /queue with the planted cookie after the victim signed in = %d, want 303 to /signin", p.status)
	}
}

// The cookie is HttpOnly and SameSite=Strict, and Secure with the
// __Host- prefix when asked to be.
func TestCookieAttributes(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	p := b.post("/signin", url.Values{"token": {e.tokens[liaison.RoleClerk]}})
	c := p.header.Get("Set-Cookie")
	if !strings.HasPrefix(c, "liaison_session=") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Strict") || strings.Contains(c, "Secure") {
		t.Errorf("Set-Cookie = %q, want liaison_session, HttpOnly, SameSite=Strict, not Secure over plain HTTP", c)
	}
	secure := web.New(web.Config{Desk: e.desk, Store: e.store, API: http.NotFoundHandler(), Now: e.clock.Now, SecureCookies: true})
	req, _ := http.NewRequest(http.MethodPost, "/signin", strings.NewReader(url.Values{"token": {e.tokens[liaison.RoleClerk]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := newRecorder()
	secure.Handler().ServeHTTP(rec, req)
	if c := rec.Header().Get("Set-Cookie"); !strings.HasPrefix(c, "__Host-liaison_session=") || !strings.Contains(c, "Secure") {
		t.Errorf("Set-Cookie with SecureCookies = %q, want __Host-liaison_session, Secure", c)
	}
}

// Sessions end: idle an hour, after 12 hours in use, and on sign-out,
// after which the old cookie opens nothing.
func TestSessionExpiry(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	e.clock.Add(59 * time.Minute)
	if p := b.get("/queue"); p.status != http.StatusOK {
		t.Fatalf("GET /queue 59 minutes after sign-in = %d, want 200", p.status)
	}
	e.clock.Add(61 * time.Minute)
	if p := b.get("/queue"); p.status != http.StatusSeeOther {
		t.Errorf("GET /queue idle 61 minutes = %d, want 303 to /signin", p.status)
	}

	b = e.browser(t)
	b.signIn(liaison.RoleClerk)
	for i := 0; i < 12*3-1; i++ {
		e.clock.Add(20 * time.Minute)
		if p := b.get("/duties"); p.status != http.StatusOK {
			t.Fatalf("GET /duties %d minutes into a session in use = %d, want 200", (i+1)*20, p.status)
		}
	}
	e.clock.Add(20 * time.Minute)
	if p := b.get("/duties"); p.status != http.StatusSeeOther {
		t.Errorf("GET /duties 12 hours into a session in use = %d, want 303: sessions last 12 hours at most", p.status)
	}

	b = e.browser(t)
	b.signIn(liaison.RoleClerk)
	u, _ := url.Parse(e.ts.URL)
	cookies := b.c.Jar.Cookies(u)
	if p := b.post("/signout", nil); p.status != http.StatusSeeOther {
		t.Fatalf("POST /signout = %d, want 303", p.status)
	}
	replay := e.browser(t)
	replay.c.Jar.SetCookies(u, cookies)
	if p := replay.get("/queue"); p.status != http.StatusSeeOther {
		t.Errorf("GET /queue with a signed-out session's cookie = %d, want 303 to /signin", p.status)
	}
}

// A revoked token's sessions end with it.
func TestRevokedTokenEndsSession(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	if _, err := e.desk.Tokens().Revoke(context.Background(), liaison.Actor{ID: "cli", Role: liaison.RoleAdmin}, e.actors[liaison.RoleClerk].ID); err != nil {
		t.Fatal(err)
	}
	if p := b.get("/queue"); p.status != http.StatusSeeOther {
		t.Errorf("GET /queue after the token was revoked = %d, want 303 to /signin", p.status)
	}
}

// The roles are the API's: a visitor sees no staff page, the public's
// token opens none, a clerk cannot override, an auditor sees the person
// sealed.
func TestRoleGates(t *testing.T) {
	e := newEnv(t)
	anon := e.browser(t)
	for _, path := range []string{"/queue", "/cases/" + e.caseID, "/duties", "/custody"} {
		if p := anon.get(path); p.status != http.StatusSeeOther || p.header.Get("Location") != "/signin" {
			t.Errorf("GET %s signed out = %d %q, want 303 to /signin", path, p.status, p.header.Get("Location"))
		}
	}
	if p := anon.post("/cases/"+e.caseID+"/act", url.Values{"action": {"honor_detainer"}}); p.status != http.StatusUnauthorized {
		t.Errorf("POST act signed out = %d, want 401", p.status)
	}
	public := e.browser(t)
	public.signIn(liaison.RolePublic)
	for _, path := range []string{"/queue", "/cases/" + e.caseID, "/duties"} {
		if p := public.get(path); p.status != http.StatusForbidden || strings.Contains(p.body, "Ruiz") {
			t.Errorf("GET %s as public = %d, want 403 with no personal data", path, p.status)
		}
	}
	clerk := e.browser(t)
	clerk.signIn(liaison.RoleClerk)
	if p := clerk.post("/cases/"+e.caseID+"/act", url.Values{"action": {"honor_detainer"}}); p.status != http.StatusSeeOther {
		t.Fatalf("POST act (refusal) as clerk = %d, want 303\n%s", p.status, p.body)
	}
	p := clerk.post("/cases/"+e.caseID+"/override", url.Values{"action": {"honor_detainer"}, "reason": {"the clerk thinks it should be held anyway"}})
	if p.status != http.StatusForbidden {
		t.Errorf("POST override as clerk = %d, want 403", p.status)
	}
	if strings.Contains(clerk.get("/cases/"+e.caseID).body, "Counsel's override") {
		t.Errorf("the case page shows a clerk counsel's override form")
	}
	auditor := e.browser(t)
	auditor.signIn(liaison.RoleAuditor)
	ap := auditor.get("/cases/" + e.caseID)
	if ap.status != http.StatusOK || strings.Contains(ap.body, "Ruiz") || !strings.Contains(ap.body, "sealed") {
		t.Errorf("GET case as auditor = %d, name shown %v; want 200, sealed", ap.status, strings.Contains(ap.body, "Ruiz"))
	}
	if !strings.Contains(ap.body, "/receipts/") {
		t.Errorf("GET case as auditor: no receipt links")
	}
	c, err := e.desk.Case(context.Background(), e.actors[liaison.RoleAuditor], e.caseID, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Overrides) != 0 {
		t.Errorf("overrides after a clerk's attempt: %d, want 0", len(c.Overrides))
	}
	// Every view of the case is logged, as the API logs it.
	readers := map[string]bool{}
	for _, r := range c.Reads {
		readers[string(r.Actor.Role)] = true
	}
	if !readers["clerk"] || !readers["auditor"] {
		t.Errorf("reads logged by role: %v, want the clerk's and the auditor's page views", readers)
	}
}

// The clerk's path: supply a missing fact and see the decision change,
// carry out the permitted action and see it in the history; counsel
// overrides a refusal, refused without a written reason.
func TestCaseFlow(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	casePath := "/cases/" + e.caseID
	p := b.get(casePath)
	if !strings.Contains(p.body, `<button type="button" class="primary" disabled aria-describedby="why-honor_detainer">`) {
		t.Errorf("GET case: carry out honor_detainer not disabled")
	}
	if !strings.Contains(p.body, `Disabled: the decision is forbidden (Cal. Gov. Code 7284.6(a)(1)(B))`) {
		t.Errorf("GET case: the reason honor_detainer is disabled is not shown")
	}
	if !strings.Contains(p.body, `id="card-notify_release"`) || !strings.Contains(p.body, "Supply the missing facts") {
		t.Fatalf("GET case: no facts form on the undetermined notify_release card")
	}
	robbery := `[{"offense":"CA PC 211","jurisdiction":"us/ca","description":"robbery","level":"felony","date":"2018-04-02","categories":["serious_felony","violent_felony","robbery"]}]`
	p = b.post(casePath+"/facts", url.Values{"action": {"notify_release"}, "key": {"k1"}, "reason": {"a records check today"},
		"path": {"subject.convictions"}, "value": {robbery}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("POST facts = %d, want 303\n%s", p.status, p.body)
	}
	c, err := e.desk.Case(context.Background(), e.actors[liaison.RoleAuditor], e.caseID, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var outcome liaison.Outcome
	for _, s := range c.Standing {
		if s.Action == "notify_release" {
			outcome = s.Outcome
		}
	}
	if outcome != liaison.Permitted {
		t.Fatalf("notify_release after the conviction was supplied = %s, want permitted", outcome)
	}
	p = b.post(casePath+"/act", url.Values{"action": {"notify_release"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "no outbound channel is configured") {
		t.Errorf("POST act without a note (no channel) = %d, want 422 asking for the note", p.status)
	}
	p = b.post(casePath+"/act", url.Values{"action": {"notify_release"}, "offline_note": {"phoned the ERO duty officer"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("POST act = %d, want 303\n%s", p.status, p.body)
	}
	if p = b.get(casePath); !strings.Contains(p.body, "notify release: done offline by Test clerk (clerk)") || !strings.Contains(p.body, "phoned the ERO duty officer") {
		t.Errorf("GET case after carrying out notify_release: not in the history")
	}
	if p := b.post(casePath+"/act", url.Values{"action": {"honor_detainer"}}); p.status != http.StatusSeeOther {
		t.Fatalf("POST act (refusal) = %d", p.status)
	}
	counsel := e.browser(t)
	counsel.signIn(liaison.RoleCounsel)
	if p := counsel.get(casePath); !strings.Contains(p.body, "Counsel's override of the refusal") {
		t.Fatalf("GET case as counsel after a refusal: no override form\n%s", p.body)
	}
	p = counsel.post(casePath+"/override", url.Values{"action": {"honor_detainer"}, "reason": {""}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "written reason") {
		t.Errorf("POST override without a reason = %d, want 422 asking for a written reason", p.status)
	}
	p = counsel.post(casePath+"/override", url.Values{"action": {"honor_detainer"}, "reason": {"Judicial warrant signed by Judge Doe received by fax at 14:02"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("POST override = %d\n%s", p.status, p.body)
	}
	if p = counsel.get(casePath); !strings.Contains(p.body, "Override of the refusal to honor detainer by Test counsel") {
		t.Errorf("GET case after the override: not in the history")
	}
}

// A sign-in code opens one session, once, before it expires; following
// the link alone uses nothing.
func TestSignInCode(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	code, err := web.NewSignInCode(ctx, e.store, e.actors[liaison.RoleSupervisor], 10*time.Minute, e.clock.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	if p := b.get("/signin/code?c=" + url.QueryEscape(code)); p.status != http.StatusOK {
		t.Fatalf("GET /signin/code = %d", p.status)
	}
	if p := b.post("/signin/code", url.Values{"c": {code}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/queue" {
		t.Fatalf("POST /signin/code = %d %q, want 303 to /queue", p.status, p.header.Get("Location"))
	}
	if p := b.get("/queue"); p.status != http.StatusOK || !strings.Contains(p.body, "Test supervisor") {
		t.Errorf("GET /queue after the code = %d, want the supervisor signed in", p.status)
	}
	again := e.browser(t)
	if p := again.post("/signin/code", url.Values{"c": {code}}); p.status != http.StatusUnauthorized {
		t.Errorf("POST /signin/code a second time = %d, want 401", p.status)
	}
	late, err := web.NewSignInCode(ctx, e.store, e.actors[liaison.RoleClerk], 10*time.Minute, e.clock.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(11 * time.Minute)
	if p := e.browser(t).post("/signin/code", url.Values{"c": {late}}); p.status != http.StatusUnauthorized {
		t.Errorf("POST /signin/code after it expired = %d, want 401", p.status)
	}
}

// The queue puts the most urgent first and says, in words as well as in
// red, when a deadline is under 4 hours away or past.
func TestQueueMostUrgentFirst(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	q := b.get("/queue").body
	overdue := strings.Index(q, `<span class="clock urgent">⚠ overdue by`)
	soon := strings.Index(q, `<span class="clock urgent">⚠ 3h 00m left (under 4 hours)</span>`)
	later := strings.Index(q, `<span class="clock">1d 0h left</span>`)
	if overdue < 0 || soon < 0 || later < 0 || !(overdue < soon && soon < later) {
		t.Errorf("GET /queue: overdue at %d, under 4 hours at %d, a day left at %d; want all three, in that order", overdue, soon, later)
	}
	if !strings.Contains(q, "Wed 4 Mar 2026, 14:00 CST") || !strings.Contains(q, "Thu 5 Mar 2026, 09:00 PST") {
		t.Errorf("GET /queue: deadlines not in each agency's local time")
	}
}

// A duty that asks for a notice links to it in each language; the notice
// shows the person's name as text, and "record as given" marks the duty
// done with who gave it. Auditors, who do not open names, get none.
func TestNotice(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	ctx := context.Background()
	c, err := e.desk.Case(ctx, e.actors[liaison.RoleClerk], e.caseID, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var duty string
	for _, du := range c.Duties {
		if du.Notice == "ca-request-copy" {
			duty = du.ID
		}
	}
	if duty == "" {
		t.Fatalf("the case's duties %+v: none asks for the notice ca-request-copy (Cal. Gov. Code 7283.1(b))", c.Duties)
	}
	path := "/cases/" + e.caseID + "/notices/" + duty
	if p := b.get("/cases/" + e.caseID); !strings.Contains(p.body, `href="`+path+`?lang=es" lang="es">Español</a>`) {
		t.Errorf("case page: no link to the notice in Spanish")
	}
	p := b.get(path + "?lang=es")
	if p.status != http.StatusOK || !strings.Contains(p.body, `<article class="notice" lang="es"`) || !strings.Contains(p.body, "Aviso de una solicitud de las autoridades federales de inmigración") {
		t.Fatalf("GET %s?lang=es = %d, want the notice in Spanish", path, p.status)
	}
	if strings.Contains(p.body, `<script>alert("name")`) || !strings.Contains(p.body, `Ana &lt;script&gt;`) {
		t.Errorf("the notice does not show the person's name as text")
	}
	// The hold is forbidden in California (the Values Act), the rest not
	// yet decided: the copy says the agency will not hold the person and
	// has not decided the rest, not that it refuses the whole request.
	en := b.get(path + "?lang=en").body
	for _, want := range []string{"Los Angeles County Jail intends to comply with part of this request:",
		"<li>Keep you in custody after you would otherwise be released: Los Angeles County Jail will not do this.</li>",
		"Los Angeles County Jail has not yet decided.</li>"} {
		if !strings.Contains(en, want) {
			t.Errorf("GET %s?lang=en: the intent lacks %q (standing %+v)", path, want, c.Standing)
		}
	}
	if !strings.Contains(p.body, `<script src="/static/print.js" defer></script>`) || !strings.Contains(p.body, `data-print`) {
		t.Errorf("the notice page has no print button")
	}
	if css := b.get("/notice.css"); css.status != http.StatusOK || !strings.Contains(css.body, "@media print") {
		t.Errorf("GET /notice.css = %d, want the notices' print stylesheet", css.status)
	}
	auditor := e.browser(t)
	auditor.signIn(liaison.RoleAuditor)
	if p := auditor.get(path + "?lang=en"); p.status != http.StatusForbidden || strings.Contains(p.body, "Ruiz") {
		t.Errorf("GET notice as auditor = %d, want 403 without the name", p.status)
	}
	if p := b.post("/duties/"+duty+"/done", url.Values{"case": {e.caseID}, "given_by": {"Deputy L. Ortiz"}, "note": {"given in Spanish"}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/cases/"+e.caseID+"#duties" {
		t.Fatalf("record as given = %d %q", p.status, p.header.Get("Location"))
	}
	c, err = e.desk.Case(ctx, e.actors[liaison.RoleClerk], e.caseID, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, du := range c.Duties {
		if du.ID == duty {
			last := du.Changes[len(du.Changes)-1]
			if du.Status != liaison.DutyDone || last.GivenBy != "Deputy L. Ortiz" || last.GivenAt.IsZero() {
				t.Errorf("duty after record as given: %s, given by %q at %v; want done, by Deputy L. Ortiz, now", du.Status, last.GivenBy, last.GivenAt)
			}
		}
	}
}

// No page puts personal data in a URL: every link and form on the pages a
// clerk sees names cases, people and duties by id.
func TestNoPersonalDataInURLs(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	for _, path := range []string{"/queue", "/cases/" + e.caseID, "/duties", "/custody?person=" + e.person.ID} {
		body := b.get(path).body
		for _, attr := range []string{`href="`, `action="`, `src="`} {
			for rest := body; ; {
				i := strings.Index(rest, attr)
				if i < 0 {
					break
				}
				rest = rest[i+len(attr):]
				u := rest[:strings.IndexByte(rest, '"')]
				if strings.Contains(u, "B-1001") || strings.Contains(u, "Ruiz") || strings.Contains(u, "Ana") || strings.Contains(u, "1990") {
					t.Errorf("GET %s: URL %q holds personal data", path, u)
				}
			}
		}
	}
}

// The queue's filters are the desk's: by outcome and action.
func TestQueueFilters(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	all := b.get("/queue").body
	req := b.get("/queue?outcome=required").body
	und := b.get("/queue?outcome=undetermined&action=notify_release").body
	row := `<td><a href="/cases/` + e.caseID + `">` + e.caseID + `</a> <span class="status">`
	if !strings.Contains(all, row) || strings.Contains(req, row) || !strings.Contains(und, row) {
		t.Errorf("the LA case (notify_release undetermined, nothing required) in all: %v, required: %v, undetermined notify_release: %v; want yes, no, yes",
			strings.Contains(all, row), strings.Contains(req, row), strings.Contains(und, row))
	}
	if n := strings.Count(req, `</a> <span class="status">`); n != 1 {
		t.Errorf("queue?outcome=required: %d cases, want the Texas one", n)
	}
}

// A custody event recorded through its form is on the case, in the
// agency's local time.
func TestCustodyForm(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	p := b.post("/custody", url.Values{"person": {e.person.ID}, "case": {e.caseID}, "kind": {"release_scheduled"},
		"at": {"2026-03-04T08:30"}, "scheduled_release": {"2026-03-06T10:00"}, "note": {"court date <moved>"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/cases/"+e.caseID+"#custody" {
		t.Fatalf("POST /custody = %d %q\n%s", p.status, p.header.Get("Location"), p.body)
	}
	c := b.get("/cases/" + e.caseID).body
	if !strings.Contains(c, "Wed 4 Mar 2026, 08:30 PST</time>: release scheduled (release scheduled for Fri 6 Mar 2026, 10:00 PST)") || !strings.Contains(c, "court date &lt;moved&gt;") {
		t.Errorf("case page after the custody event: not in the timeline in Los Angeles time")
	}
	if p := b.post("/custody", url.Values{"person": {e.person.ID}, "kind": {"release_scheduled"}, "at": {"2026-03-04T08:30"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("POST /custody release_scheduled without the release = %d, want 422", p.status)
	}
	auditor := e.browser(t)
	auditor.signIn(liaison.RoleAuditor)
	if p := auditor.post("/custody", url.Values{"person": {e.person.ID}, "kind": {"released"}, "at": {"2026-03-04T08:30"}}); p.status != http.StatusForbidden {
		t.Errorf("POST /custody as auditor = %d, want 403", p.status)
	}
}

// An auditor downloads a record's receipt: its inclusion proof in the
// latest signed checkpoint.
func TestReceipt(t *testing.T) {
	e := newEnv(t)
	if _, err := (&ledger.Publisher{Store: e.store, Signer: e.signer}).Publish(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)
	b.signIn(liaison.RoleAuditor)
	p := b.get("/cases/" + e.caseID + "/receipts/request/" + e.caseID)
	if p.status != http.StatusOK || !strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("GET receipt = %d %q\n%s", p.status, p.header.Get("Content-Disposition"), p.body)
	}
	var rc ledger.Receipt
	if err := json.Unmarshal([]byte(p.body), &rc); err != nil {
		t.Fatal(err)
	}
	rec, err := e.store.Get(context.Background(), liaison.KindRequest, e.caseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Check(e.signer.Verifier(), ledger.RecordOf(rec)); err != nil {
		t.Errorf("the receipt does not check: %v", err)
	}
	clerk := e.browser(t)
	clerk.signIn(liaison.RoleClerk)
	if p := clerk.get("/cases/" + e.caseID + "/receipts/request/" + e.caseID); p.status != http.StatusForbidden {
		t.Errorf("GET receipt as clerk = %d, want 403", p.status)
	}
}

// The queue shows the newest cases first and pages back in time: a page
// that ends before a case's record does not show it.
func TestQueueOlderPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	la, err := e.store.Get(context.Background(), liaison.KindRequest, e.caseID)
	if err != nil {
		t.Fatal(err)
	}
	row := `<td><a href="/cases/` + e.caseID + `">` + e.caseID + `</a> <span class="status">`
	if q := b.get(fmt.Sprintf("/queue?before=%d", la.Index)).body; strings.Contains(q, row) {
		t.Errorf("GET /queue?before=%d shows the case recorded at leaf %d", la.Index, la.Index)
	}
	if q := b.get(fmt.Sprintf("/queue?before=%d", la.Index+1)).body; !strings.Contains(q, row) {
		t.Errorf("GET /queue?before=%d does not show the case recorded at leaf %d", la.Index+1, la.Index)
	}
}

// The session records verify with the rest of the log: `liaison log
// verify` recomputes their leaves and checks their columns.
func TestSessionRecordsVerify(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser(t)
	b.signIn(liaison.RoleClerk)
	e.clock.Add(20 * time.Minute)
	b.get("/queue") // renews the idle clock: a session_seen record
	b.post("/signout", nil)
	code, err := web.NewSignInCode(ctx, e.store, e.actors[liaison.RoleCounsel], time.Minute, e.clock.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.browser(t).post("/signin/code", url.Values{"c": {code}})
	for _, kind := range []string{liaison.KindSession, liaison.KindSessionSeen, liaison.KindSessionEnded, liaison.KindSignInCode, liaison.KindSignInCodeUsed} {
		if recs, err := e.store.List(ctx, liaison.Filter{Kind: kind}); err != nil || len(recs) == 0 {
			t.Errorf("List(%s) = %d records, %v; want some", kind, len(recs), err)
		}
	}
	if _, err := (&ledger.Publisher{Store: e.store, Signer: e.signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := ledger.Verify(ctx, e.store, e.signer.Verifier())
	if err != nil || !rep.OK() {
		t.Fatalf("Verify = %+v, %v; want a log that verifies", rep, err)
	}
}
