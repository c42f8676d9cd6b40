package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/oversight"
	"liaison/packs"
	"liaison/server"
	"liaison/sqlite"
	"liaison/web"
)

// lawSet loads the bundled packs once for all tests.
var lawSet = sync.OnceValues(func() (*law.Set, error) { return law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()}) })

// testClock is a clock the tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// env is the API and the pages over a real store (SQLite in
// t.TempDir()), a desk without an outbound channel (actions are done
// offline, with a note), one token per role, and one case: a
// notification request to the Los Angeles County jail about a person
// booked as B-1001, asking to hold them (forbidden, Cal. Gov. Code
// 7284.6), to be told of their release (undetermined: their
// convictions are not known) and to interview them.
type env struct {
	store  *sqlite.Store
	desk   *desk.Desk
	site   *web.Site
	ts     *httptest.Server
	clock  *testClock
	tokens map[liaison.Role]string
	actors map[liaison.Role]liaison.Actor
	agency *liaison.AgencyRecord
	signer *ledger.Signer
	person *desk.Person
	caseID string
}

// personName is the person's name: markup, which every page must show
// as text.
const personName = `Ana <script>alert("name")</script><b>Ruiz</b>`

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvNamed(t, personName)
}

// newEnvNamed is newEnv with the person named name.
func newEnvNamed(t testing.TB, name string) *env {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "web.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	clock := &testClock{t: time.Date(2026, 3, 4, 17, 0, 0, 0, time.UTC)}
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{7}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: sealer, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	skey, _, err := ledger.GenerateKey(rand.Reader, "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	api := server.New(server.Config{Desk: d, Law: set, Log: store, Signer: signer, Now: clock.Now})
	site := web.New(web.Config{Desk: d, Store: store, Log: store, Verifier: signer.Verifier(), API: api.Handler(), Now: clock.Now, WhatIfLimit: api.AllowWhatIf, Figures: oversight.NewSummarizer(store)})
	e := &env{store: store, desk: d, site: site, signer: signer, ts: httptest.NewServer(site.Handler()), clock: clock,
		tokens: map[liaison.Role]string{}, actors: map[liaison.Role]liaison.Actor{}}
	t.Cleanup(e.ts.Close)
	admin := liaison.Actor{ID: "cli", Role: liaison.RoleAdmin}
	for _, r := range liaison.Role("").Enum() {
		tok, err := d.Tokens().Create(ctx, admin, desk.TokenInput{Name: "Test " + r, Role: liaison.Role(r)})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[liaison.Role(r)] = tok.Token
		e.actors[liaison.Role(r)] = liaison.Actor{ID: tok.Record.ID, Name: tok.Record.Name, Role: tok.Record.Role}
	}
	if e.agency, err = d.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Los Angeles County Jail", Jurisdiction: "us/ca/los-angeles-county", Type: "jail", NoLocalLaw: true}); err != nil {
		t.Fatal(err)
	}
	clerk := e.actors[liaison.RoleClerk]
	if e.person, err = d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: e.agency.ID, Name: name, BirthDate: "1990-05-06", BookingNumbers: []string{"B-1001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: e.person.ID, Kind: "booked", At: clock.Now().Add(-48 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	res, err := d.Intake(ctx, clerk, desk.IntakeInput{Agency: e.agency.ID, Person: e.person.ID, IdempotencyKey: "ice-1",
		Request: liaison.FederalRequest{Kind: "notification_request", Form: "I-247A", Issuer: "ICE", ReceivedAt: clock.Now().Add(-time.Hour),
			ProbableCauseBasis: []liaison.PCBasis{"biometric_match"}, InfoRequested: []liaison.InfoItem{"release_date"},
			Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
		Actions: []liaison.Action{"honor_detainer", "notify_release", "allow_interview"},
		Subject: &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.caseID = res.Request.ID
	e.holdCase(t)
	return e
}

// holdCase adds a Texas case whose hold began 45 hours ago: its duty to
// end the hold within 48 hours is due in 3, under the queue's 4.
func (e *env) holdCase(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	admin, clerk := liaison.Actor{ID: "cli", Role: liaison.RoleAdmin}, e.actors[liaison.RoleClerk]
	a, err := e.desk.CreateAgency(ctx, admin, desk.AgencyInput{Name: "Harris County Jail", Jurisdiction: "us/tx/harris-county", Type: "jail", NoLocalLaw: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.desk.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, Name: "Jon Roe", BookingNumbers: []string{"H-2001"}})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(-45 * time.Hour)
	defer e.clock.Add(45 * time.Hour)
	res, err := e.desk.Intake(ctx, clerk, desk.IntakeInput{Agency: a.ID, Person: p.ID, IdempotencyKey: "ice-2",
		Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE",
			ProbableCauseBasis: []liaison.PCBasis{"biometric_match"}, Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
		Actions: []liaison.Action{"honor_detainer", "notify_release"},
		Subject: &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release"}, Convictions: []liaison.Offense{}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.desk.Act(ctx, clerk, desk.ActInput{Request: res.Request.ID, Action: "honor_detainer", OfflineNote: "hold placed at booking"}); err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so that tests see them.
type browser struct {
	t      testing.TB
	e      *env
	c      *http.Client
	origin string
}

func (e *env) browser(t testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, e: e, origin: e.ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer, read whole.
type page struct {
	status int
	header http.Header
	body   string
	url    string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), url: req.URL.String()}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.ts.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as a page of the site would: same origin.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// signIn signs in with the token of role.
func (b *browser) signIn(role liaison.Role) {
	b.t.Helper()
	p := b.post("/signin", url.Values{"token": {b.e.tokens[role]}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/queue" {
		b.t.Fatalf("POST /signin as %s = %d %s, want 303 to /queue\n%s", role, p.status, p.header.Get("Location"), p.body)
	}
}
