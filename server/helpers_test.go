package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/packs"
	"liaison/postgres"
	"liaison/server"
	"liaison/sqlite"
	"liaison/storetest"
)

// testNow is the test clock: the desk decides as of this instant.
var testNow = time.Date(2025, 3, 3, 17, 0, 0, 0, time.UTC)

// lawSet loads the bundled packs once for all tests.
var lawSet = sync.OnceValues(func() (*law.Set, error) { return law.Load(packs.FS()) })

// allRoles are every role a token may have.
var allRoles = func() []liaison.Role {
	var out []liaison.Role
	for _, r := range liaison.Role("").Enum() {
		out = append(out, liaison.Role(r))
	}
	return out
}()

// env is a real server over a real store (SQLite in t.TempDir(), unless
// made with newEnvOn), with one token per role. Every answer it gets is
// checked against openapi.json.
type env struct {
	t        *testing.T
	store    storetest.Store
	desk     *desk.Desk
	srv      *server.Server
	ts       *httptest.Server
	registry *prometheus.Registry
	tokens   map[liaison.Role]string
	tokenIDs map[liaison.Role]string
	logs     *lockedBuffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e, _ := newEnvFile(t)
	return e
}

// newEnvFile is newEnv, with the path of its SQLite database for a test
// that opens the file behind the server's back.
func newEnvFile(t *testing.T) (*env, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "liaison.db")
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return newEnvOn(t, store), path
}

// stores opens a new, empty store of each kind for a test that runs on
// both: SQLite always, PostgreSQL when LIAISON_TEST_POSTGRES_DSN is set
// (skipped with a message otherwise, failed with LIAISON_REQUIRE_ALL=1).
var stores = []struct {
	name string
	open func(t *testing.T) storetest.Store
}{
	{"sqlite", func(t *testing.T) storetest.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "liaison.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"postgres", func(t *testing.T) storetest.Store {
		s, err := postgres.Open(t.Context(), storetest.PostgresSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// newEnvOn is newEnv on the given store, which the test closes.
func newEnvOn(t *testing.T, store storetest.Store) *env {
	t.Helper()
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return testNow }
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: mustSealer(t), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	reg := prometheus.NewRegistry()
	srv := server.New(server.Config{Desk: d, Law: set, Log: store, Signer: testSigner(t),
		Registry: reg, Logger: slog.New(slog.NewJSONHandler(logs, nil)), Now: now})
	e := &env{t: t, store: store, desk: d, srv: srv, ts: httptest.NewServer(srv.Handler()), registry: reg,
		tokens: map[liaison.Role]string{}, tokenIDs: map[liaison.Role]string{}, logs: logs}
	t.Cleanup(e.ts.Close)
	for _, r := range allRoles {
		e.tokens[r], e.tokenIDs[r] = e.newToken("test "+string(r), r, "")
	}
	return e
}

// cliAdmin is an administrator of every agency, as `liaison token` is.
var cliAdmin = liaison.Actor{ID: "cli", Role: liaison.RoleAdmin}

// newToken makes a token through the desk, as `liaison token create`
// does, and returns it and its id.
func (e *env) newToken(name string, role liaison.Role, agency string) (string, string) {
	e.t.Helper()
	tok, err := e.desk.Tokens().Create(context.Background(), cliAdmin, desk.TokenInput{Name: name, Role: role, Agency: agency})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok.Token, tok.Record.ID
}

// testSigner returns a signer with a fresh key.
func testSigner(t *testing.T) *ledger.Signer {
	t.Helper()
	skey, _, err := ledger.GenerateKey(rand.Reader, "test.example/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// lockedBuffer collects the server's log lines from concurrent handlers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// call is one HTTP request as a test describes it.
type call struct {
	method, path string
	// token is sent as a bearer token when not empty; header, when not
	// empty, is sent as the Authorization header as is instead.
	token, header string
	// body, when not nil, is sent as application/json (a string or
	// []byte as is, anything else encoded); contentType overrides the
	// type ("-" sends none).
	body        any
	contentType string
	// valid says the request must be valid against openapi.json too.
	valid bool
	// headers are sent besides (Idempotency-Key).
	headers map[string]string
}

// response is an answer, read whole.
type response struct {
	status int
	header http.Header
	body   []byte
	// op is the openapi.json operation the answer was checked against
	// ("" when the path is not in the document).
	op string
}

// apiError is the JSON form of an error.
type apiError struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func (r response) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Kind == "" {
		t.Fatalf("answer %d %s is not a JSON error (%v)", r.status, r.body, err)
	}
	return e
}

// do sends c and checks the answer against openapi.json.
func (e *env) do(c call) response {
	e.t.Helper()
	var data []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(c.method, e.ts.URL+c.path, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case c.contentType == "-":
	case c.contentType != "":
		req.Header.Set("Content-Type", c.contentType)
	case c.body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	switch {
	case c.header != "":
		req.Header.Set("Authorization", c.header)
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := response{status: resp.StatusCode, header: resp.Header, body: body}
	out.op = e.checkDoc(c, req, data, out)
	return out
}

// as sends c with role's token.
func (e *env) as(role liaison.Role, c call) response {
	e.t.Helper()
	c.token = e.tokens[role]
	return e.do(c)
}

// must sends c as role, fails unless the status is want, and decodes the
// answer into out (when not nil). The request must be valid against the
// document.
func (e *env) must(want int, role liaison.Role, c call, out any) response {
	e.t.Helper()
	c.valid = true
	resp := e.as(role, c)
	if resp.status != want {
		e.t.Fatalf("%s %s as %s = %d %s, want %d", c.method, c.path, role, resp.status, resp.body, want)
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", c.method, c.path, resp.body, err)
		}
	}
	return resp
}

// treeSize returns the number of records stored (each has one leaf).
func (e *env) treeSize() int64 {
	e.t.Helper()
	n, err := e.store.TreeSize(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// The OpenAPI document, loaded and validated once.

type openAPI struct {
	doc    *openapi3.T
	router routers.Router
}

var loadOpenAPI = sync.OnceValues(func() (*openAPI, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(server.OpenAPI())
	if err != nil {
		return nil, fmt.Errorf("load openapi.json: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("validate openapi.json: %w", err)
	}
	// Match requests to any host the test server has.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route openapi.json: %w", err)
	}
	return &openAPI{doc: doc, router: router}, nil
})

// tilePrefix starts the log's tile paths, which openapi.json describes in
// words only (OpenAPI cannot template a path of several segments).
const tilePrefix = "/log/tile/"

// checkDoc checks the answer resp to req (whose body was data) against
// openapi.json, and the request itself when c.valid; it returns the
// operation's id.
func (e *env) checkDoc(c call, req *http.Request, data []byte, resp response) string {
	e.t.Helper()
	oa, err := loadOpenAPI()
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.status == http.StatusMethodNotAllowed {
		return "" // the answer to an operation the document does not have
	}
	route, params, err := oa.router.FindRoute(req)
	if err != nil {
		var re *routers.RouteError
		if strings.HasPrefix(req.URL.Path, tilePrefix) || (resp.status == http.StatusNotFound && errors.As(err, &re) && re.Reason == routers.ErrPathNotFound.Error()) {
			return ""
		}

		e.t.Errorf("%s %s (answered %d): not in openapi.json: %v", req.Method, req.URL.Path, resp.status, err)
		return ""
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	req.Body = io.NopCloser(bytes.NewReader(data))
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if c.valid {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			e.t.Errorf("%s %s: the request is not valid against openapi.json: %v", req.Method, req.URL.Path, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.status, Header: resp.header,
		Body: io.NopCloser(bytes.NewReader(resp.body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		e.t.Errorf("%s %s = %d: the answer is not valid against openapi.json: %v\n%.2000s", req.Method, req.URL.Path, resp.status, err, resp.body)
	}
	return route.Operation.OperationID
}

// docRejects reports whether openapi.json rejects the request c.
func (e *env) docRejects(c call) error {
	e.t.Helper()
	oa, err := loadOpenAPI()
	if err != nil {
		e.t.Fatal(err)
	}
	var data []byte
	switch b := c.body.(type) {
	case string:
		data = []byte(b)
	case []byte:
		data = b
	default:
		if data, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(c.method, c.path, bytes.NewReader(data))
	if c.contentType != "-" {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	route, params, err := oa.router.FindRoute(req)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}})
}

// Fixtures.

var (
	harris     = desk.AgencyInput{Name: "Harris County Sheriff's Office", Jurisdiction: "us/tx/harris-county", Type: "sheriff", NoLocalLaw: true}
	losAngeles = desk.AgencyInput{Name: "Los Angeles County Sheriff's Department", Jurisdiction: "us/ca/los-angeles-county", Type: "sheriff", NoLocalLaw: true}
)

// detainer is an I-247A detainer on an administrative warrant for a person
// eligible for release on bail: in Texas the agency must honor it, in
// California it must not.
func detainer(agency, person, key string) map[string]any {
	in := map[string]any{
		"agency": agency, "idempotency_key": key,
		"request": map[string]any{"kind": "detainer", "form": "I-247A", "issuer": "ICE",
			"probable_cause_basis": []string{"biometric_match"}, "warrant": map[string]any{"kind": "administrative", "form": "I-200"}},
		"actions": []string{"honor_detainer"},
		"subject": map[string]any{"custody": map[string]any{"status": "eligible_for_release", "release_reason": "bail"},
			"convictions": []map[string]any{{"offense": "TX PC 49.04", "jurisdiction": "us/tx", "level": "misdemeanor", "date": "2019-05-14", "categories": []string{"dui"}}}},
		"context": map[string]any{"purpose": "immigration_enforcement"},
	}
	if person != "" {
		in["person"] = person
	}
	return in
}

// decisionRequest is a decision request for POST /v1/decisions.
func decisionRequest() map[string]any {
	return map[string]any{
		"as_of": "2019-03-04T09:30:00-08:00", "jurisdiction": "us/ca/los-angeles-county",
		"agency": map[string]any{"type": "jail", "name": "County Jail", "no_local_law": true}, "action": "notify_release",
		"request": map[string]any{"kind": "detainer", "form": "I-247A", "issuer": "ICE", "info_requested": []string{"release_date"}},
		"subject": map[string]any{"custody": map[string]any{"status": "in_custody", "scheduled_release": "2019-03-06T08:00:00-08:00"},
			"convictions": []map[string]any{{"offense": "CA PC 211", "jurisdiction": "us/ca", "level": "felony", "date": "2012-05-14",
				"categories": []string{"serious_felony", "violent_felony", "robbery"}}}},
	}
}

func (e *env) createAgency(in desk.AgencyInput) liaison.AgencyRecord {
	e.t.Helper()
	var a liaison.AgencyRecord
	e.must(http.StatusCreated, liaison.RoleAdmin, call{method: "POST", path: "/v1/agencies", body: in}, &a)
	return a
}

// personName is the name every test person has; it must appear in no log.
const personName = "Jordan Quintero-Example"

func (e *env) createPerson(agency string) desk.Person {
	e.t.Helper()
	var p desk.Person
	e.must(http.StatusCreated, liaison.RoleClerk, call{method: "POST", path: "/v1/people",
		body: map[string]any{"agency": agency, "name": personName, "birth_date": "1990-01-02", "booking_numbers": []string{"B-1"}}}, &p)
	return p
}

func (e *env) intake(want int, in map[string]any) desk.IntakeResult {
	e.t.Helper()
	var res desk.IntakeResult
	e.must(want, liaison.RoleClerk, call{method: "POST", path: "/v1/requests", body: in}, &res)
	return res
}

// hashes decodes a proof's base64 hashes.
func hashes(t *testing.T, raw []json.RawMessage) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("proof hash %s: %v", r, err)
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
