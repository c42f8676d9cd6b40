package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"liaison"
	"liaison/desk"
	"liaison/examples/proposals"
	"liaison/ledger"
	"liaison/oversight"
	"liaison/server"
	"liaison/sqlite"
	"liaison/web"
)

// serveCmd is `liaison serve`.
type serveCmd struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	// ready, when set, receives the address once the server listens (tests).
	ready func(addr string)
	// logTick, when set, is when the log is flushed instead of every
	// server.LogFlushInterval (tests).
	logTick <-chan time.Time
}

// serveFlags are the flags serve and demo share.
type serveFlags struct {
	db, addr, keyDir, origin, packs string
	packsOnly                       string
	checkpointEvery, tick           time.Duration
	integrityCheck                  string
	integrityBudget                 time.Duration
	drain                           time.Duration
	secureCookies                   bool
	proposals                       string // a folder of proposals for the simulate page
	// delivery configures the dispatcher (see desk.DispatcherConfig).
	delivery                     desk.DispatcherConfig
	escalateAfter, tokenCacheTTL time.Duration
	witness                      witnessFlags
	// synchronous, when set, is SQLite's synchronous mode (not a flag:
	// the demo's temporary database, removed when it stops, needs no
	// FULL; see sqlite.WithSynchronous).
	synchronous string
	// dashboardK is the public dashboard's threshold (0: from
	// LIAISON_DASHBOARD_K, else oversight.DefaultK).
	dashboardK int
}

func (f *serveFlags) register(fs *flag.FlagSet, db string) {
	fs.StringVar(&f.db, "db", db, "database: sqlite:`PATH` or postgres://...")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	fs.StringVar(&f.keyDir, "keys", "liaison-keys", "`DIR` of log.key and seal.key (or set LIAISON_LOG_KEY, LIAISON_SEAL_KEY)")
	fs.StringVar(&f.origin, "origin", "liaison.local/log", "the log's origin line, for a new log key")
	fs.StringVar(&f.packs, "packs", "", "lay the packs in `DIR` over the bundled ones: a pack with a bundled pack's id replaces it, the others are added")
	fs.StringVar(&f.packsOnly, "packs-only", "", "use the packs in `DIR` alone, without the bundled ones")
	fs.DurationVar(&f.checkpointEvery, "checkpoint-every", time.Minute, "sign a checkpoint this often")
	fs.DurationVar(&f.tick, "duty-tick", 30*time.Second, "check duty deadlines this often")
	fs.StringVar(&f.integrityCheck, "integrity-check", "quick", "SQLite: check the database file at start: `quick` (PRAGMA quick_check), full (integrity_check) or off")
	fs.DurationVar(&f.drain, "drain-timeout", 30*time.Second, "on SIGINT or SIGTERM, wait this long for requests in flight before closing their connections")
	fs.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the web desk's session cookie Secure on plain HTTP too (behind a proxy that ends TLS)")
	fs.StringVar(&f.proposals, "proposals", "", "offer each folder of packs in `DIR` as a proposal on the web desk's simulate page, besides the bundled examples")
	fs.DurationVar(&f.escalateAfter, "escalate-after", time.Hour, "escalate a duty overdue for this long")
	fs.DurationVar(&f.tokenCacheTTL, "token-cache-ttl", server.TokenCacheTTL, "trust a token looked up for this long: how long one revoked elsewhere, unheard of (see docs/operations.md), keeps working here")
	fs.DurationVar(&f.integrityBudget, "integrity-budget", 10*time.Second, "SQLite: stop the start's integrity check after this long (0: let it finish)")
	fs.IntVar(&f.dashboardK, "dashboard-k", 0, "the public dashboard shows counts below `K` as \"<K\" (default: LIAISON_DASHBOARD_K, else 10)")
	fs.IntVar(&f.delivery.MaxAttempts, "delivery-attempts", desk.DefaultMaxAttempts, "attempts to deliver an action's message before it fails and a duty for staff opens")
	fs.DurationVar(&f.delivery.Backoff, "delivery-backoff", desk.DefaultBackoff, "wait this long after a message's first failed attempt, twice as long after each next")
	f.witness.register(fs)
	fs.DurationVar(&f.delivery.Poll, "delivery-poll", desk.DefaultPoll, "look for messages to deliver this often (this node's own actions wake it at once)")
}

func (c *serveCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f serveFlags
	f.register(fs, "sqlite:liaison.db")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	return c.serve(ctx, f, nil)
}

// serveGCPercent is the garbage collector's GOGC while serving, unless the
// environment sets GOGC. The live heap is small and most of what a request
// allocates is garbage once it is answered: at Go's default of 100 the
// collector took about 12% of the CPU under load (see docs/operations.md).
const serveGCPercent = 400

// The HTTP server's timeouts. A request's body and its answer are small
// (a few KB; the largest, a case with its history, is well under a MB), so
// a client that takes longer than these is stuck or hostile.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 2 * time.Minute
)

// serve runs the server until ctx ends, then shuts down in order: it stops
// accepting, lets the requests in flight finish (up to f.drain), stops the
// duty scheduler and the checkpoint publisher and waits for them, and
// closes the store. seed, if set, runs once the server's parts exist,
// before it serves (the demo's data).
func (c *serveCmd) serve(ctx context.Context, f serveFlags, seed func(context.Context, *node) error) (err error) {
	if c.getenv("GOGC") == "" {
		// Restored on return, for the tests that serve in process.
		defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent))
	}
	// Listen first: a port in use stops the start before it makes keys, a
	// database or tokens.
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close() // Serve closes it too; a second Close does no harm
	// The log (a line a request) is written to stderr in batches; the
	// last is written after the store is closed (see server.LogBuffer).
	logs := server.NewLogBuffer(c.stderr, 0)
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	defer c.flushLogs(ctx, logs)()
	say := func(s string) { fmt.Fprintln(logs, s); logs.Flush() }
	n, err := newNode(ctx, c.getenv, f, logger, say)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := n.store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}()
	var props []proposals.Proposal
	if f.proposals != "" {
		if props, err = proposals.Dir(f.proposals); err != nil {
			return err
		}
	}
	if seed != nil {
		if err := seed(ctx, n); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	k, err := dashboardK(f.dashboardK, c.getenv)
	if err != nil {
		return err
	}
	site := web.New(web.Config{Desk: n.desk, Store: n.store, Log: n.store, Verifier: n.keys.signer.Verifier(), API: n.server.Handler(), SecureCookies: f.secureCookies, Logger: logger, WhatIfLimit: n.server.AllowWhatIf, Proposals: props,
		Figures: oversight.NewSummarizer(n.store), K: k})
	srv := &http.Server{Handler: server.Front(n.server.Handler(), site.Handler()),
		ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readTimeout, WriteTimeout: writeTimeout, IdleTimeout: idleTimeout,
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}

	// Every node delivers the outbox; claims keep each attempt to one.
	dcfg := f.delivery
	if host, err := os.Hostname(); err == nil {
		dcfg.Node = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	dispatcher, err := desk.NewDispatcher(n.desk, dcfg)
	if err != nil {
		return err
	}

	// The workers outlive ctx: they stop after the requests in flight,
	// which may still need them.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var workers sync.WaitGroup
	n.cluster.start(work, &workers, n, f)
	workers.Go(func() { dispatcher.Run(work) })
	defer func() {
		stopWork()
		workers.Wait()
	}()

	srv.RegisterOnShutdown(func() {
		// Shutdown runs this once the listener is closed.
		logger.Info("shutting down: stopped accepting, draining requests in flight", "timeout", f.drain.String())
	})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(c.stdout, "liaison listening on http://%s (log origin %q)\n", ln.Addr(), n.keys.signer.Origin())
	if c.ready != nil {
		c.ready(ln.Addr().String())
	}
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.drain)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		logger.Warn("shutting down: requests still in flight after the drain timeout; closing their connections", "err", err)
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// flushLogs flushes logs every server.LogFlushInterval (or on c.logTick)
// and returns the function that stops it, once logs is flushed for the
// last time.
func (c *serveCmd) flushLogs(ctx context.Context, logs *server.LogBuffer) (stop func()) {
	tick := c.logTick
	var ticker *time.Ticker
	if tick == nil {
		ticker = time.NewTicker(server.LogFlushInterval)
		tick = ticker.C
	}
	flush, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		logs.Run(flush, tick)
	}()
	return func() {
		cancel()
		<-done
		if ticker != nil {
			ticker.Stop()
		}
	}
}

// node is one liaison server's parts, wired.
type node struct {
	store  dataStore
	keys   *keys
	desk   *desk.Desk
	server *server.Server
	// cluster runs the background work (see cluster.go).
	cluster *cluster
	// cosigner, when witnesses are configured, submits the checkpoints.
	cosigner *ledger.Cosigner
}

func newNode(ctx context.Context, getenv func(string) string, f serveFlags, logger *slog.Logger, say func(string)) (*node, error) {
	set, err := packsFlags{add: f.packs, only: f.packsOnly}.load()
	if err != nil {
		return nil, err
	}
	opts := []sqlite.Option{sqlite.WithIntegrityCheck(f.integrityCheck, f.integrityBudget)}
	if f.synchronous != "" {
		opts = append(opts, sqlite.WithSynchronous(f.synchronous))
	}
	store, err := openStore(ctx, f.db, opts...)
	if err != nil {
		return nil, err
	}
	ks, err := storeKeys(ctx, store, getenv, f, say)
	if err != nil {
		store.Close()
		return nil, err
	}
	reportHealth(ctx, store, logger, say)
	channels, channel, err := channelsFromEnv(getenv)
	if err != nil {
		store.Close()
		return nil, err
	}
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: ks.sealer, Channels: channels, Channel: channel, Logger: logger,
		EscalateAfter: f.escalateAfter})
	if err == nil {
		err = d.StorePackSet(ctx) // decisions name it; see docs/design.md
	}
	if err != nil {
		store.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if c := newStoreCollector(store); c != nil {
		reg.MustRegister(c)
	}
	cl := newCluster(store, logger)
	reg.MustRegister(cl)
	cos, err := f.witness.cosigner(getenv, store, ks.signer.Verifier(), logger)
	if err != nil {
		store.Close()
		return nil, err
	}
	cfg := server.Config{Desk: d, Law: set, Log: store, Signer: ks.signer, Registry: reg, Logger: logger,
		TokenCacheTTL: f.tokenCacheTTL}
	if cos != nil {
		cfg.Checkpoints = cos
	}
	srv := server.New(cfg)
	return &node{store: store, keys: ks, desk: d, server: srv, cluster: cl, cosigner: cos}, nil
}

// storeKeys loads the node's keys for store. Keys are made only for a
// database without signed checkpoints (a new one): for one with them, a new
// log key could not continue its log and a new seal key could not open its
// sealed data. A log key other than the one that signed the latest
// checkpoint is refused, naming the key expected.
func storeKeys(ctx context.Context, store ledger.CheckpointStore, getenv func(string) string, f serveFlags, say func(string)) (*keys, error) {
	_, err := store.LatestCheckpoint(ctx)
	if err != nil && liaison.KindOf(err) != liaison.NotFound {
		return nil, fmt.Errorf("log key check: latest checkpoint: %w", err)
	}
	signedBefore := err == nil
	ks, err := loadKeys(getenv, f.keyDir, f.origin, !signedBefore, say)
	if err != nil {
		if signedBefore {
			return nil, fmt.Errorf("this database has signed checkpoints, so no new keys are made for it: %w", err)
		}
		return nil, err
	}
	if !signedBefore {
		return ks, nil
	}
	if err := signedBy(ctx, store, ks.signer.Verifier()); err != nil {
		return nil, err
	}
	return ks, nil
}

// reportHealth says what the store's checks at start found. A damaged
// store still serves reads, answers 503 on /readyz and refuses writes: the
// operator hears of it here first.
func reportHealth(ctx context.Context, store dataStore, logger *slog.Logger, say func(string)) {
	if s, ok := store.(*sqlite.Store); ok {
		logger.InfoContext(ctx, "store check", "result", s.IntegrityCheck())
	}
	hr, ok := store.(liaison.HealthReporter)
	if !ok {
		return
	}
	if err := hr.Health(ctx); err != nil {
		logger.ErrorContext(ctx, "store damaged: refusing writes", "err", err)
		say("liaison: " + err.Error())
	}
}

// channelsFromEnv configures the outbound channel: a signed webhook
// (LIAISON_WEBHOOK_URL, LIAISON_WEBHOOK_SECRET) or email
// (LIAISON_SMTP_ADDR, LIAISON_SMTP_FROM, LIAISON_SMTP_TO, comma-separated).
func channelsFromEnv(getenv func(string) string) (map[string]desk.Channel, string, error) {
	switch {
	case getenv("LIAISON_WEBHOOK_URL") != "":
		secret := getenv("LIAISON_WEBHOOK_SECRET")
		if utf8.RuneCountInString(secret) < 16 {
			return nil, "", errors.New("LIAISON_WEBHOOK_SECRET must be at least 16 characters")
		}
		return map[string]desk.Channel{"webhook": &desk.Webhook{URL: getenv("LIAISON_WEBHOOK_URL"), Secret: []byte(secret)}}, "webhook", nil
	case getenv("LIAISON_SMTP_ADDR") != "":
		to := strings.Split(getenv("LIAISON_SMTP_TO"), ",")
		if getenv("LIAISON_SMTP_FROM") == "" || to[0] == "" {
			return nil, "", errors.New("LIAISON_SMTP_ADDR needs LIAISON_SMTP_FROM and LIAISON_SMTP_TO")
		}
		return map[string]desk.Channel{"email": &desk.Email{Addr: getenv("LIAISON_SMTP_ADDR"), From: getenv("LIAISON_SMTP_FROM"), To: to}}, "email", nil
	}
	return nil, "", nil
}
