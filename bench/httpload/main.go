// Command httpload measures liaison over HTTP against OPA's own server, as
// an operator would run each: it builds `liaison serve` from the
// repository and `opa` from the OPA module the bench uses, starts them on
// 127.0.0.1, and sends the same generated requests (bench.Requests) from
// closed-loop clients at a few concurrency levels, over keep-alive
// HTTP/1.1 connections. The targets:
//
//   - opa: `opa run --server` with testdata/policy.rego, answering
//     POST /v1/data/liaison/bench/decision (stateless);
//   - decide: `liaison serve --packs testdata/packs` on SQLite, answering
//     POST /v1/decisions (stateless, with explanation);
//   - sqlite: the same server's durable intake, POST /v1/requests, each
//     request a new record with its decision in the log;
//   - pg1, pg3: durable intake on PostgreSQL with one node, and with three
//     nodes on one database, the clients spreading requests round-robin;
//   - empty, fixed (only when named): net/http's floor, an empty handler
//     and one that reads the body and answers fixed bytes as long as
//     liaison's decisions on average (bench/nethttpfloor), sent the decide
//     target's requests.
//
// Before the load, a sample of requests is decided by both liaison and OPA
// over HTTP and the answers compared (outcome and decisive rules); any
// difference stops the run. It prints a table per target and level and
// the ratios the issue asks for.
//
//	cd bench && go run ./httpload                # every target but the floors, 1/8/16/32/128 clients, 10 s each
//	go run ./httpload -targets opa,decide -c 32 -d 5s
//	go run ./httpload -targets opa,decide,sqlite -d 5s -rounds 3   # the goals read in each round, and their medians
//
// PostgreSQL runs when -pg (or LIAISON_BENCH_POSTGRES_DSN, or else
// LIAISON_TEST_POSTGRES_DSN) names a server, in schemas of its own that are
// dropped at the end.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "httpload:", err)
		os.Exit(1)
	}
}

// The targets, in the order they are reported.
const (
	targetOPA    = "opa"
	targetDecide = "decide"
	targetSQLite = "sqlite"
	targetPG1    = "pg1"
	targetPG3    = "pg3"
	// The floors: net/http with an empty handler, and with one that
	// reads the body and answers fixed bytes (bench/nethttpfloor), sent
	// the decide target's requests. Not in the default run.
	targetEmpty = "empty"
	targetFixed = "fixed"
)

var allTargets = []string{targetOPA, targetDecide, targetSQLite, targetPG1, targetPG3, targetEmpty, targetFixed}

// defaultTargets are those run when -targets is not given.
var defaultTargets = []string{targetOPA, targetDecide, targetSQLite, targetPG1, targetPG3}

// config is the command line.
type config struct {
	targets     []string
	levels      []int
	bound       bound
	seed        uint64
	requests    int // distinct generated requests, sent in turn
	check       int // requests compared between liaison and OPA
	liaisonBin  string
	opaBin      string
	packs       string
	policy      string
	opaLogLevel string
	pgDSN       string
	nodes       int // of the PostgreSQL cluster target
	rounds      int // times every level of every target is measured
	dir         string
	keep        bool
	benchDir    string // the bench module's folder
	environment []string
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("httpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		c       config
		targets = fs.String("targets", strings.Join(defaultTargets, ","), "targets, comma-separated: "+strings.Join(allTargets, ", "))
		levels  = fs.String("c", "1,8,16,32,128", "concurrency levels: clients sending at once")
	)
	fs.DurationVar(&c.bound.duration, "d", 10*time.Second, "how long each level of each target is measured")
	fs.DurationVar(&c.bound.warmup, "warmup", time.Second, "load before each measurement, not counted")
	fs.IntVar(&c.bound.count, "n", 0, "stop a level after this many requests (0: only -d bounds it)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the generated requests")
	fs.IntVar(&c.requests, "requests", 4096, "distinct generated requests, sent in turn")
	fs.IntVar(&c.check, "check", 500, "requests decided by both liaison and OPA before the load, whose answers must agree")
	fs.StringVar(&c.liaisonBin, "liaison", "", "a liaison binary to run (default: go build ./cmd/liaison from the repository)")
	fs.StringVar(&c.opaBin, "opa", "", "an opa binary to run (default: go build ./opaserver, OPA v1.22.4)")
	fs.StringVar(&c.packs, "packs", "", "liaison's packs (default: the bench module's testdata/packs)")
	fs.StringVar(&c.policy, "policy", "", "OPA's policy (default: the bench module's testdata/policy.rego)")
	fs.StringVar(&c.opaLogLevel, "opa-log-level", "error", "OPA's --log-level: error (no line per request), or info (OPA's default: two lines per request; liaison writes one)")
	fs.StringVar(&c.pgDSN, "pg", "", "PostgreSQL DSN (default: LIAISON_BENCH_POSTGRES_DSN, else LIAISON_TEST_POSTGRES_DSN)")
	fs.IntVar(&c.nodes, "nodes", 3, "liaison nodes of the pg3 target")
	fs.IntVar(&c.rounds, "rounds", 1, "measure every level of every target this many times, one round after another on the same servers, and give each round's reading of the goals and their medians")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "`DIR` for the binaries, databases, keys and server logs (a temporary folder in it)")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary folder (the servers' logs) at the end")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, t := range strings.Split(*targets, ",") {
		if !slices.Contains(allTargets, t) {
			return c, fmt.Errorf("-targets: unknown target %q; want %s", t, strings.Join(allTargets, ", "))
		}
		c.targets = append(c.targets, t)
	}
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return c, fmt.Errorf("-c %s: want positive numbers", *levels)
		}
		c.levels = append(c.levels, n)
	}
	if c.requests < 1 || c.check < 0 || c.nodes < 1 || c.rounds < 1 {
		return c, errors.New("-requests, -nodes and -rounds must be positive, -check not negative")
	}
	if c.pgDSN == "" {
		c.pgDSN = getenv("LIAISON_BENCH_POSTGRES_DSN")
	}
	if c.pgDSN == "" {
		c.pgDSN = getenv("LIAISON_TEST_POSTGRES_DSN")
	}
	c.environment = os.Environ()
	return c, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	reps, err := measure(ctx, c, stderr)
	if err != nil {
		return err
	}
	for i, rep := range reps {
		if len(reps) > 1 {
			fmt.Fprintf(stdout, "## Round %d of %d\n\n", i+1, len(reps))
		}
		rep.write(stdout)
		fmt.Fprintln(stdout)
	}
	if len(reps) > 1 {
		fmt.Fprintf(stdout, "## The %d rounds\n", len(reps))
		writeRounds(stdout, reps)
	}
	return nil
}

// measure starts every target, checks that liaison and OPA agree, and runs
// each level against each target in turn (level by level, so that a change
// in the machine's load over the run falls on every target alike), c.rounds
// times over: a report per round.
func measure(ctx context.Context, c config, stderr io.Writer) (_ []*report, err error) {
	if c.benchDir == "" {
		if c.benchDir, err = goList(ctx, ".", "-m", "-f", "{{.Dir}}"); err != nil {
			return nil, fmt.Errorf("find the bench module (run httpload inside it): %w", err)
		}
	}
	if c.packs == "" {
		c.packs = filepath.Join(c.benchDir, "testdata", "packs")
	}
	if c.policy == "" {
		c.policy = filepath.Join(c.benchDir, "testdata", "policy.rego")
	}
	if c.pgDSN == "" && (slices.Contains(c.targets, targetPG1) || slices.Contains(c.targets, targetPG3)) {
		fmt.Fprintln(stderr, "httpload: skipping pg1 and pg3: set -pg or LIAISON_BENCH_POSTGRES_DSN (or LIAISON_TEST_POSTGRES_DSN) to a PostgreSQL server's DSN, e.g. from ../.ci/start-postgres")
		c.targets = slices.DeleteFunc(c.targets, func(t string) bool { return t == targetPG1 || t == targetPG3 })
	}
	dir, err := os.MkdirTemp(c.dir, "httpload-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if c.keep {
			fmt.Fprintf(stderr, "httpload: binaries, databases and server logs kept in %s\n", dir)
			return
		}
		err = errors.Join(err, os.RemoveAll(dir))
	}()
	fx, err := newFixture(ctx, c, dir, stderr)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, fx.close()) }()
	targets, err := fx.start(ctx)
	if err != nil {
		return nil, err
	}
	if slices.Contains(c.targets, targetOPA) && slices.Contains(c.targets, targetDecide) {
		if err := fx.agree(ctx, c.check); err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "httpload: liaison and OPA gave the same outcome and decisive rules for %d requests over HTTP\n", min(c.check, len(fx.reqs)))
	}
	var reps []*report
	for round := range c.rounds {
		rep, err := measureRound(ctx, c, targets, min(c.check, len(fx.reqs)), round, stderr)
		if err != nil {
			return nil, err
		}
		reps = append(reps, rep)
	}
	return reps, nil
}

// measureRound runs every level against every target once.
func measureRound(ctx context.Context, c config, targets []target, checked, round int, stderr io.Writer) (*report, error) {
	prefix := ""
	if c.rounds > 1 {
		prefix = fmt.Sprintf("round %d: ", round+1)
	}
	rep := &report{config: c, checked: checked, started: time.Now()}
	for _, n := range c.levels {
		for _, t := range targets {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if !settle(ctx, targets, 30*time.Second) {
				fmt.Fprintf(stderr, "httpload: the servers were still busy after 30 s; measuring %s at %d clients anyway\n", t.key, n)
			}
			client0, servers0, machine0, start := selfCPU(), t.cpu(), machineCPU(), time.Now()
			serverSw0, clientSw0 := t.switches(), procSwitches("self")
			s, err := load(t.wl, n, c.bound)
			if err != nil {
				return nil, err
			}
			client, servers, machine := selfCPU()-client0, t.cpu()-servers0, machineCPU()-machine0
			r := row{target: t.key, clients: n, sample: s, serverCPU: servers, clientCPU: client,
				othersCPU:      float64(max(0, machine-servers-client)) / float64(time.Since(start)),
				serverSwitches: t.switches().minus(serverSw0), clientSwitches: procSwitches("self").minus(clientSw0)}
			rep.rows = append(rep.rows, r)
			fmt.Fprintf(stderr, "httpload: %s%-6s %3d clients: %8.0f requests/s, p50 %s, p99 %s, %d errors\n", prefix, t.key, n, s.perSecond(), ms(s.pct(0.5)), ms(s.pct(0.99)), s.errors)
			if s.firstErr != "" {
				fmt.Fprintf(stderr, "httpload: %s, %d clients: first error: %s\n", t.key, n, s.firstErr)
			}
		}
	}
	rep.finished = time.Now()
	return rep, nil
}

// settle waits until the servers of every target have gone idle (under 2%
// of a CPU between them over a quarter of a second), for at most limit,
// and says whether they did. A server may go on working after its level:
// each intake opens duties, and a node's duty check (every 30 s) reads
// the open ones, which after 13,000 intakes took 0.25–0.5 of a CPU for
// over 10 s; that would otherwise fall on the next level, of whichever
// target.
func settle(ctx context.Context, targets []target, limit time.Duration) bool {
	const every = 250 * time.Millisecond
	busy := func() time.Duration {
		var d time.Duration
		for _, t := range targets {
			d += t.cpu()
		}
		return d
	}
	end := time.Now().Add(limit)
	for before := busy(); time.Now().Before(end) && ctx.Err() == nil; {
		time.Sleep(every)
		now := busy()
		if now-before < every/50 {
			return true
		}
		before = now
	}
	return false
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}
