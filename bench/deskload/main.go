// Command deskload measures durable intake over HTTP: it starts a real
// liaison server (the API, the desk, the bundled packs and a store, wired
// as `liaison serve` wires them) on 127.0.0.1, creates an agency and a
// clerk's token through it, then POSTs federal requests to /v1/requests,
// each deciding one or two actions, from 1, 8, 32 and 128 clients at once
// for a fixed time each, and prints requests and decisions per second and
// the latency percentiles. A request counts when it is answered 201, that
// is when its request, decisions and duties are committed.
//
//	go run ./deskload                      # SQLite, then PostgreSQL if a DSN is set
//	go run ./deskload -db sqlite -c 128 -d 20s -cpuprofile cpu.prof
//
// PostgreSQL runs when LIAISON_BENCH_POSTGRES_DSN (or else
// LIAISON_TEST_POSTGRES_DSN) names a server, in a schema of its own that
// is dropped at the end; start one with ../.ci/start-postgres. The SQLite
// file goes in a temporary folder under -dir. All traffic is on loopback.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/packs"
	"liaison/postgres"
	"liaison/server"
	"liaison/sqlite"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "deskload:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	dbs         []string
	levels      []int
	duration    time.Duration
	warmup      time.Duration
	dir         string
	synchronous string
	twoActions  int // one request in twoActions asks for two actions
	cpuprofile  string
	pgDSN       string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("deskload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		c      config
		dbs    = fs.String("db", "sqlite,postgres", "stores to load, comma-separated: sqlite, postgres")
		levels = fs.String("c", "1,8,32,128", "concurrency levels: clients sending at once")
	)
	fs.DurationVar(&c.duration, "d", 10*time.Second, "how long each level is measured")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "load before each level's measurement, not counted")
	fs.StringVar(&c.dir, "dir", os.TempDir(), "`DIR` for the SQLite database (a temporary folder in it, removed at the end)")
	fs.StringVar(&c.synchronous, "sync", "FULL", "SQLite synchronous mode: FULL (the default of liaison) or NORMAL")
	fs.IntVar(&c.twoActions, "two", 2, "one request in `N` asks for two actions, the others for one")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured load (client and server) to `FILE`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.dbs = strings.Split(*dbs, ",")
	for _, l := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return fmt.Errorf("-c %s: want positive numbers", *levels)
		}
		c.levels = append(c.levels, n)
	}
	if getenv("GOGC") == "" {
		// As `liaison serve` runs (cmd/liaison/serve.go, serveGCPercent).
		debug.SetGCPercent(400)
	}
	c.pgDSN = getenv("LIAISON_BENCH_POSTGRES_DSN")
	if c.pgDSN == "" {
		c.pgDSN = getenv("LIAISON_TEST_POSTGRES_DSN")
	}
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(stdout, "| store | clients | requests/s | decisions/s | p50 | p99 | max | errors | CPU |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, db := range c.dbs {
		if db == "postgres" && c.pgDSN == "" {
			fmt.Fprintln(stderr, "deskload: skipping PostgreSQL: set LIAISON_BENCH_POSTGRES_DSN (or LIAISON_TEST_POSTGRES_DSN) to a server's DSN, e.g. from ../.ci/start-postgres")
			continue
		}
		if err := loadStore(ctx, c, db, stdout); err != nil {
			return fmt.Errorf("%s: %w", db, err)
		}
	}
	return nil
}

// store is what the server needs of a database.
type store interface {
	liaison.Store
	ledger.PublishStore
}

// openStore opens an empty store of the kind db names, and returns it with
// the function that removes it.
func openStore(ctx context.Context, c config, db string) (store, func() error, error) {
	switch db {
	case "sqlite":
		dir, err := os.MkdirTemp(c.dir, "deskload-")
		if err != nil {
			return nil, nil, err
		}
		s, err := sqlite.Open(ctx, filepath.Join(dir, "liaison.db"), sqlite.WithSynchronous(c.synchronous))
		if err != nil {
			return nil, nil, errors.Join(err, os.RemoveAll(dir))
		}
		return s, func() error { return errors.Join(s.Close(), os.RemoveAll(dir)) }, nil
	case "postgres":
		schema := "liaison_bench_" + randomHex(8)
		if err := pgExec(ctx, c.pgDSN, "CREATE SCHEMA "+schema); err != nil {
			return nil, nil, err
		}
		drop := func() error { return pgExec(context.Background(), c.pgDSN, "DROP SCHEMA "+schema+" CASCADE") }
		dsn, err := withSearchPath(c.pgDSN, schema)
		if err != nil {
			return nil, nil, errors.Join(err, drop())
		}
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, nil, errors.Join(err, drop())
		}
		return s, func() error { return errors.Join(s.Close(), drop()) }, nil
	}
	return nil, nil, fmt.Errorf("unknown store %q: want sqlite or postgres", db)
}

// loadStore runs every level against a new server on a new store.
func loadStore(ctx context.Context, c config, db string, stdout io.Writer) (err error) {
	st, remove, err := openStore(ctx, c, db)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, remove()) }()
	base, stop, err := serve(ctx, st)
	if err != nil {
		return err
	}
	defer stop()
	clerk, agency, err := setUp(ctx, st, base)
	if err != nil {
		return err
	}
	label := db
	if db == "sqlite" {
		label += " (synchronous=" + c.synchronous + ")"
	}
	for _, n := range c.levels {
		r := level(base, clerk, agency, n, c)
		fmt.Fprintf(stdout, "| %s | %d | %.0f | %.0f | %s | %s | %s | %d | %.0f%% |\n", label, n,
			float64(r.requests)/c.duration.Seconds(), float64(r.decisions)/c.duration.Seconds(),
			ms(r.pct(0.50)), ms(r.pct(0.99)), ms(r.pct(1)), r.errors, 100*r.cpu)
		if r.firstErr != "" {
			fmt.Fprintf(os.Stderr, "deskload: %s, %d clients: first error: %s\n", db, n, r.firstErr)
		}
	}
	return nil
}

// serve starts the server on 127.0.0.1 with the bundled packs, fresh keys
// and st, and returns its base URL and the function that stops it.
func serve(ctx context.Context, st store) (string, func(), error) {
	set, err := law.Load(packs.FS())
	if err != nil {
		return "", nil, err
	}
	skey, _, err := ledger.GenerateKey(rand.Reader, "deskload.example/log")
	if err != nil {
		return "", nil, err
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		return "", nil, err
	}
	sealKey := make([]byte, 32)
	if _, err := rand.Read(sealKey); err != nil {
		return "", nil, err
	}
	sealer, err := desk.NewSealer(sealKey, rand.Reader)
	if err != nil {
		return "", nil, err
	}
	// As `liaison serve`: JSON logs, one line per request (here discarded
	// after formatting, as a server's stderr would take them).
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	d, err := desk.New(desk.Config{Store: st, Law: set, Sealer: sealer, Logger: logger})
	if err != nil {
		return "", nil, err
	}
	srv := server.New(server.Config{Desk: d, Law: set, Log: st, Signer: signer, Logger: logger})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	stop := func() {
		shutdown, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		hs.Shutdown(shutdown)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// setUp creates an admin token and a clerk's token in the store, as
// `liaison token create` does, and an agency through the API.
func setUp(ctx context.Context, st store, base string) (clerk, agency string, err error) {
	tokens := desk.NewTokens(st, time.Now, rand.Reader)
	root := liaison.Actor{ID: "deskload", Role: liaison.RoleAdmin}
	adm, err := tokens.Create(ctx, root, desk.TokenInput{Name: "deskload admin", Role: liaison.RoleAdmin})
	if err != nil {
		return "", "", err
	}
	c, err := tokens.Create(ctx, root, desk.TokenInput{Name: "deskload clerk", Role: liaison.RoleClerk})
	if err != nil {
		return "", "", err
	}
	admin, clerk := adm.Token, c.Token
	body, _ := json.Marshal(map[string]any{"name": "Bench County Jail", "jurisdiction": "us/ca/bench-county", "type": "jail", "no_local_law": true})
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/agencies", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var a liaison.AgencyRecord
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusCreated {
		return "", "", fmt.Errorf("create agency: %s, %v", resp.Status, err)
	}
	return clerk, a.ID, nil
}

// The intake bodies, split around the idempotency key: a notification
// request for a release date (one action), or the same also asking to
// share information (two).
const (
	bodyHead = `{"agency":"%s","idempotency_key":"`
	bodyOne  = `","request":{"kind":"notification_request","form":"I-247A","issuer":"ICE","info_requested":["release_date"]},` +
		`"actions":["notify_release"],"subject":{"convictions":[]}}`
	bodyTwo = `","request":{"kind":"notification_request","form":"I-247A","issuer":"ICE","info_requested":["release_date"]},` +
		`"actions":["notify_release","share_info"],"subject":{"convictions":[]}}`
)

// result is one level's measurement.
type result struct {
	requests, decisions, errors int
	latencies                   []time.Duration // sorted
	firstErr                    string
	// cpu is the CPU time the process (server, store and clients) used
	// during the measured time, over that time: 2 is two CPUs' worth.
	cpu float64
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pct returns the q-quantile of the latencies (q = 1: the maximum).
func (r result) pct(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(q*float64(len(r.latencies))))]
}

// level runs n clients for the warm-up and the measured time. Requests
// sent during the measured time count; each client sends its next as soon
// as it has the answer to its last.
func level(base, clerk, agency string, n int, c config) result {
	tr := &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	head := []byte(fmt.Sprintf(bodyHead, agency))
	run := randomHex(4)
	start := time.Now()
	measure, end := start.Add(c.warmup), start.Add(c.warmup+c.duration)
	var (
		mu  sync.Mutex
		all result
		wg  sync.WaitGroup
	)
	cpu := make(chan float64, 1)
	go func() {
		time.Sleep(time.Until(measure))
		before := cpuTime()
		time.Sleep(time.Until(end))
		cpu <- float64(cpuTime()-before) / float64(c.duration)
	}()
	for w := range n {
		wg.Go(func() {
			var r result
			buf := make([]byte, 0, 512)
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				two := c.twoActions > 0 && (w+i)%c.twoActions == 0
				buf = append(buf[:0], head...)
				buf = append(buf, run...)
				buf = append(buf, '-')
				buf = strconv.AppendInt(buf, int64(w), 10)
				buf = append(buf, '-')
				buf = strconv.AppendInt(buf, int64(i), 10)
				if two {
					buf = append(buf, bodyTwo...)
				} else {
					buf = append(buf, bodyOne...)
				}
				err := post(client, base+"/v1/requests", clerk, buf)
				lat := time.Since(t0)
				if t0.Before(measure) {
					continue
				}
				if err != nil {
					r.errors++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
					continue
				}
				r.requests++
				r.decisions++
				if two {
					r.decisions++
				}
				r.latencies = append(r.latencies, lat)
			}
			mu.Lock()
			all.requests += r.requests
			all.decisions += r.decisions
			all.errors += r.errors
			all.latencies = append(all.latencies, r.latencies...)
			if all.firstErr == "" {
				all.firstErr = r.firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all.latencies)
	all.cpu = <-cpu
	return all
}

// post sends one intake and reads the answer, which must be 201 Created.
func post(client *http.Client, u, token string, body []byte) error {
	req, err := http.NewRequest("POST", u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, msg)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// pgExec runs one statement on a connection of its own.
func pgExec(ctx context.Context, dsn, query string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, query)
	return err
}

// withSearchPath puts search_path=schema in a postgres:// DSN.
func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("the PostgreSQL DSN must be a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
