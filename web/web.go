// Package web is the staff desk in a browser: server-rendered pages
// (html/template, assets embedded, no JavaScript) for the jail clerk, the
// supervisor, county counsel and the auditor, over the same desk as the
// API. Every page calls the desk with the signed-in actor, so the desk's
// role and agency checks are the pages' too; nothing here decides who may
// do what.
//
// Sign-in takes an API token (or a one-time sign-in code, see
// NewSignInCode) and opens a session kept in the store (see session.go):
// an HttpOnly, SameSite=Strict cookie holds its secret, the store its
// hash. Forms are protected from cross-site posts by the standard
// library's http.CrossOriginProtection, and every page is sent with a
// Content-Security-Policy that allows no inline script or style, and
// Cache-Control: no-store.
package web

import (
	"crypto/rand"
	"embed"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/examples/proposals"
	"liaison/ledger"
	"liaison/oversight"
)

//go:embed templates/*.html templates/parts/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config holds what a Site needs. Desk, Store and API are required.
type Config struct {
	// Desk answers every page, checking the signed-in actor's role and
	// agency on every call.
	Desk *desk.Desk
	// Store keeps the sessions and sign-in codes: the desk's store, so
	// that the servers sharing a database share them.
	Store liaison.Store
	// Log and Verifier make the receipts (inclusion proofs) auditors
	// download per record; nil leaves receipts out.
	Log      ledger.PublishStore
	Verifier *ledger.Verifier
	// API serves every path the pages do not (/v1/, /log/, /healthz...).
	API http.Handler
	// SecureCookies marks the session cookie Secure even on requests that
	// came in over plain HTTP (behind a proxy that ends TLS). A request
	// over TLS always gets a Secure cookie.
	SecureCookies bool
	// SessionTTL is how long a session lasts at most (default 12h);
	// IdleTTL how long it lasts unused (default 1h).
	SessionTTL, IdleTTL time.Duration
	// Figures answers the public dashboard (nil: no dashboard); K is its
	// threshold of disclosure control (0: oversight.DefaultK).
	Figures *oversight.Summarizer
	K       int
	// Now and Rand default to the clock and crypto/rand; tests inject them.
	Now  func() time.Time
	Rand io.Reader
	// Proposals are offered on the simulate page besides the bundled ones
	// (examples/proposals): folders of packs laid over the desk's law.
	Proposals []proposals.Proposal
	// Logger receives the details of internal errors (never a token, a
	// session secret or personal data). Nil discards them.
	Logger *slog.Logger
	// WhatIfLimit takes a token of the what-if rate limit of the client
	// that sent r, or says how long until it has one: the API's
	// (server.Server.AllowWhatIf), so that the page and POST /v1/whatif
	// share one budget per client. Nil leaves the what-if page unlimited.
	WhatIfLimit func(r *http.Request) (ok bool, wait time.Duration)
}

// Site serves the pages. Make one with New.
type Site struct {
	cfg     Config
	pages   *pages
	handler http.Handler
	// packTests are the law's pack tests by the rules they exercise,
	// run the first time a rule page asks (law.go).
	packTests packTests
	// sims are the simulate page's proposals, loaded once (simulate.go).
	sims proposalSets
}

// New returns a Site. It panics when a required field of cfg is missing or
// a template does not parse: both are bugs found the first time the
// program starts.
func New(cfg Config) *Site {
	if cfg.Desk == nil || cfg.Store == nil || cfg.API == nil {
		panic("web.New: Desk, Store and API are required")
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.IdleTTL == 0 {
		cfg.IdleTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Site{cfg: cfg, pages: mustParse()}
	s.handler = s.mux()
	return s
}

// Handler returns the site's handler: the pages, and cfg.API for the rest.
func (s *Site) Handler() http.Handler { return s.handler }

// mux routes the pages (see routes.go) through the security headers and
// the cross-origin check, and everything else to the API, untouched.
func (s *Site) mux() http.Handler {
	pages := http.NewServeMux()
	for _, rt := range s.routes() {
		pages.Handle(rt.pattern, s.guard(rt))
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	pages.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, nil, http.StatusForbidden, "This form was sent from another site, so it was refused. Open the page on this site and send it again.")
	}))
	protected := headers(cop.Handler(pages))

	top := http.NewServeMux()
	for _, rt := range s.routes() {
		top.Handle(rt.pattern, protected)
	}
	top.Handle("GET /static/", protected)
	top.Handle("/", s.cfg.API)
	return top
}

// contentSecurityPolicy allows the site's own files only: no inline
// script or style, no frames, forms posted to the site only. The one
// script is static/print.js, the notice page's print button (and
// static/lawmap.js, the map's slider; the page works without it).
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// headers sets the security headers of every page and asset. Pages hold
// personal data: none may be kept by the browser or a proxy.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
