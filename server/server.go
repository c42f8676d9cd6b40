// Package server is liaison's HTTP API: JSON over the stdlib ServeMux for
// agencies, people, custody events, federal requests, decisions, actions,
// duties, overrides, tokens and log proofs; the public log (C2SP
// tlog-tiles) under /log/; the OpenAPI 3.1 document at /openapi.json;
// /healthz and /metrics.
//
// Every route is in routes.go, with the roles that may call it. A caller
// proves its role with an API token (see desk.Tokens) sent as
// "Authorization: Bearer lsn_…"; the desk checks the role again, and the
// token's agency scope, on every call. Errors
// are JSON, {"error": {"kind", "message", "field"}}, with the HTTP status
// fixed by the kind (see statusOf).
package server

import (
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
)

// Config holds what a Server needs. Desk, Law and Log are required.
type Config struct {
	// Desk carries out the workflow, and checks every caller's role and
	// agency scope; it holds the API tokens.
	Desk *desk.Desk
	// Law answers POST /v1/decisions, which stores nothing.
	Law *law.Set
	// Log is the log of the Desk's store: its tree, leaves and checkpoints, for the
	// public /log/ and the proofs.
	Log ledger.PublishStore
	// Signer signs checkpoints on POST /v1/log/checkpoint; its key is the
	// one /log/key serves and proofs are checked against. Without it the
	// log routes answer 503.
	Signer *ledger.Signer
	// Checkpoints, when set, is what GET /log/checkpoint serves instead of
	// Log's latest checkpoint: a ledger.Cosigner serves it with the
	// witnesses' cosignatures.
	Checkpoints ledger.CheckpointReader
	// Registry receives the server's metrics and is what /metrics serves.
	// Nil: a registry of the server's own (never the global default).
	Registry *prometheus.Registry
	// Logger receives one line per request (method, route, status,
	// duration, actor: never a token, a body or a path) and the details of
	// internal errors. Nil discards them.
	Logger *slog.Logger
	// Now defaults to the clock; tests inject it.
	Now func() time.Time
	// TokenCacheTTL is how long the server trusts a token it has looked
	// up (default TokenCacheTTL): how long a token revoked through another
	// server, of which this one was not told (see TokenRevoked), keeps
	// working here.
	TokenCacheTTL time.Duration
	// WhatIfRate is how many POST /v1/whatif a second one client address
	// may send, on average (default 2), and WhatIfBurst how many at once
	// (default 20). The route needs no token, so this is what bounds it.
	WhatIfRate  float64
	WhatIfBurst int
}

// Server serves the API. Make one with New.
type Server struct {
	desk     *desk.Desk
	law      *law.Set
	log      ledger.PublishStore
	signer   *ledger.Signer
	pub      *ledger.Publisher
	logTiles http.Handler
	registry *prometheus.Registry
	metrics  *metrics
	// routeMetrics are metrics' children by route and status, found once.
	routeMetrics     childCache[routeKey, *routeMetrics]
	decisionCounters childCache[decisionKey, prometheus.Counter]
	logger           *slog.Logger
	now              func() time.Time
	handler          http.Handler
	table            []route
	tokens           tokenCache
	// whatIfLimit is the per-address token bucket of POST /v1/whatif.
	whatIfLimit *limiter
	// answers are buffers for writeJSON to encode answers into, and
	// bodies for decode to read request bodies into, reused.
	answers, bodies sync.Pool
}

// New returns a Server. It panics when a required field of cfg is missing,
// or when cfg.Registry already holds the server's metrics: both are wiring
// bugs, found the first time the program starts.
func New(cfg Config) *Server {
	if cfg.Desk == nil || cfg.Law == nil || cfg.Log == nil {
		panic("server.New: Desk, Law and Log are required")
	}
	s := &Server{desk: cfg.Desk, law: cfg.Law, log: cfg.Log, signer: cfg.Signer,
		registry: cfg.Registry, logger: cfg.Logger, now: cfg.Now}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.tokens.ttl = cfg.TokenCacheTTL
	if s.tokens.ttl == 0 {
		s.tokens.ttl = TokenCacheTTL
	}
	if s.signer != nil {
		s.pub = &ledger.Publisher{Store: s.log, Signer: s.signer, Logger: s.logger}
		var cps ledger.CheckpointReader = s.log
		if cfg.Checkpoints != nil {
			cps = cfg.Checkpoints
		}
		s.logTiles = http.StripPrefix("/log", ledger.NewHandler(s.log, cps, s.signer.Verifier(), s.logger))
	}
	s.metrics = newMetrics(s.registry)
	rate, burst := cfg.WhatIfRate, cfg.WhatIfBurst
	if rate <= 0 {
		rate = 2
	}
	if burst <= 0 {
		burst = 20
	}
	s.whatIfLimit = newLimiter(rate, burst, s.now)

	mux := http.NewServeMux()
	s.table = s.routes()
	for _, rt := range s.table {
		mux.Handle(rt.pattern, s.guard(rt))
	}
	// Anything else is a JSON 405 (a known path, another method) or 404,
	// not the mux's text ones: the catch-all pattern hides the mux's 405.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, &statusError{http.StatusMethodNotAllowed,
				liaison.Errorf(liaison.Invalid, "", "%s %s: the method is not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))})
			return
		}
		s.writeError(w, r, liaison.Errorf(liaison.NotFound, "", "no route %s %s; see /openapi.json", r.Method, r.URL.Path))
	})
	s.handler = s.observe(mux)
	return s
}

// allowed returns the methods mux serves r's path with, sorted; none when
// it serves the path with none (but the catch-all). GET brings HEAD, as
// ServeMux does.
func allowed(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodPatch, http.MethodPost, http.MethodPut} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			out = append(out, m)
		}
	}
	return out
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Route describes one route of the API.
type Route struct {
	// Pattern is the ServeMux pattern: "POST /v1/requests".
	Pattern string
	// Roles may call the route. Nil: anyone, without a token.
	Roles []liaison.Role
}

// Routes lists the API's routes, as routes.go declares them.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.table))
	for i, rt := range s.table {
		out[i] = Route{Pattern: rt.pattern, Roles: rt.roles}
	}
	return out
}

// observe logs each request and counts it in the metrics, by the route
// pattern the mux matched (never the path, which holds ids).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.now()
		sw := &statusWriter{ResponseWriter: w, start: start, bodies: &s.bodies}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := s.now().Sub(start)
		route := r.Pattern // set by the mux on r
		if route == "" || route == "/" {
			route = "unmatched"
		}
		rm := s.routeMetricsOf(route, sw.status)
		rm.requests.Inc()
		rm.duration.Observe(d.Seconds())
		// The access line goes to the logger's handler directly:
		// Logger.LogAttrs would first walk the stack for the caller's
		// program counter (runtime.Callers, a quarter of the line's cost
		// on POST /v1/decisions), which only a handler with AddSource
		// reads, and which here would name this line, not a caller.
		if h := s.logger.Handler(); h.Enabled(r.Context(), slog.LevelInfo) {
			rec := slog.NewRecord(time.Now(), slog.LevelInfo, "http", 0)
			rec.AddAttrs(slog.String("method", r.Method), slog.String("route", route), slog.Int("status", sw.status),
				slog.Duration("duration", d), slog.String("actor", sw.actor))
			_ = h.Handle(r.Context(), rec)
		}
	})
}

// statusWriter is the writer observe hands on: it remembers the status a
// handler wrote, and carries what the access log needs from inside a
// handler and what reading the request needs. It travels with the writer
// rather than in the request's context, which would cost a copy of the
// request each time (see bench/README.md, "Over HTTP").
type statusWriter struct {
	http.ResponseWriter
	status int
	// start is when the request came in, on the server's clock.
	start time.Time
	// actor is the caller's token's id, once guard has found it.
	actor string
	// bodies are the server's buffers for request bodies (see decode).
	bodies *sync.Pool
}

// requestState returns the statusWriter observe wrapped w in, or nil.
func requestState(w http.ResponseWriter) *statusWriter {
	for {
		switch x := w.(type) {
		case *statusWriter:
			return x
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return nil
		}
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// metrics are the server's Prometheus collectors.
type metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	decisions *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "liaison_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "code"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_decisions_total",
			Help: "Decisions made through the API, by stage (decide: POST /v1/decisions, stored nowhere; intake; act) and outcome.",
		}, []string{"stage", "outcome"}),
	}
	reg.MustRegister(m.requests, m.duration, m.decisions)
	return m
}

// countDecisions counts the decisions of one stage.
func (s *Server) countDecisions(stage string, outcomes ...liaison.Outcome) {
	for _, o := range outcomes {
		s.decisionCounter(stage, o).Inc()
	}
}

// metricsHandler serves the registry in the Prometheus text format.
func (s *Server) metricsHandler() handlerFunc {
	h := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
	return func(w http.ResponseWriter, r *http.Request, _ liaison.Actor) { h.ServeHTTP(w, r) }
}
