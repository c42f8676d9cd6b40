package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"liaison"
	"liaison/bench"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/server"
	"liaison/sqlite"
	"liaison/storetest"
	"liaison/web"
)

// BenchmarkDecisionsRoute is POST /v1/decisions in process, wired as
// `liaison serve` wires it (SQLite store, the bench packs, a JSON access
// log to a file in batches, a Prometheus registry, the web desk in front,
// the HTTP server's timeouts, GOGC=400), over loopback HTTP from
// parallel keep-alive clients, with the requests httpload sends. It is
// there to profile where the route's time goes, which the separate
// processes of httpload hide:
//
//	go test -run XXX -bench 'DecisionsRoute/clients=128' -cpu 2 -cpuprofile cpu.prof ./httpload
//	go tool pprof -top -cum httpload.test cpu.prof
//
// It runs at httpload's levels, 1, 8, 16, 32 and 128 clients.
func BenchmarkDecisionsRoute(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	rs := newRouteServer(b)
	var bodies [][]byte
	for _, req := range bench.Requests(1, 4096) {
		body, err := json.Marshal(decideBody(req))
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	for _, clients := range []int{1, 8, 16, 32, 128} {
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			var next atomic.Int64
			rs.run(b, clients, "/v1/decisions", http.StatusOK, func(buf []byte) []byte {
				return append(buf, bodies[next.Add(1)%int64(len(bodies))]...)
			})
		})
	}
}

// BenchmarkIntakeRoute is httpload's sqlite target in process: POST
// /v1/requests at a jail in us/ca/bayview, each with a new idempotency
// key, so each appends its records durably (see BenchmarkDecisionsRoute
// for the wiring and how to profile it). It runs 16 and 64 clients per
// CPU, as httpload's 32- and 128-client levels do on two, so that the
// store's writer commits groups of appends as it does under that load,
// and reports where the writer's time went (storetest.ReportWriter).
func BenchmarkIntakeRoute(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	rs := newRouteServer(b)
	agency, err := createAgency(context.Background(), rs.base, rs.admin)
	if err != nil {
		b.Fatal(err)
	}
	var tails [][]byte
	for _, req := range bench.Requests(1, 4096) {
		tail, err := intakeTail(req)
		if err != nil {
			b.Fatal(err)
		}
		tails = append(tails, tail)
	}
	head := []byte(`{"agency":"` + agency + `","idempotency_key":"route-`)
	var next atomic.Int64
	for _, perCPU := range []int{16, 64} {
		clients := perCPU * runtime.GOMAXPROCS(0)
		b.Run("clients="+strconv.Itoa(clients), func(b *testing.B) {
			before, sent := rs.store.Stats(), next.Load()
			rs.run(b, clients, "/v1/requests", http.StatusCreated, func(buf []byte) []byte {
				i := next.Add(1)
				buf = append(buf, head...)
				buf = strconv.AppendInt(buf, i, 10)
				return append(buf, tails[i%int64(len(tails))]...)
			})
			storetest.ReportWriter(b, before, rs.store.Stats(), int(next.Load()-sent))
		})
	}
}

// A routeServer is the server of the route benchmarks, wired as `liaison
// serve` wires it, with an admin's and a clerk's token.
type routeServer struct {
	base, admin, clerk string
	store              *sqlite.Store
}

func newRouteServer(b testing.TB) *routeServer {
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "liaison.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	set, err := law.Load(os.DirFS("../testdata/packs"))
	if err != nil {
		b.Fatal(err)
	}
	skey, _, err := ledger.GenerateKey(rand.Reader, "httpload.example/log")
	if err != nil {
		b.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := desk.NewSealer(make([]byte, 32), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	logs := server.NewLogBuffer(logFile, 0) // as serve writes its log: in batches
	b.Cleanup(func() {
		logs.Flush()
		logFile.Close()
	})
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	d, err := desk.New(desk.Config{Store: st, Law: set, Sealer: sealer, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := server.New(server.Config{Desk: d, Law: set, Log: st, Signer: signer, Registry: reg, Logger: logger})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	// As serve: the web desk in front of the API (but for /v1/), and its
	// timeouts.
	site := web.New(web.Config{Desk: d, Store: st, Log: st, Verifier: signer.Verifier(), API: srv.Handler(), Logger: logger, WhatIfLimit: srv.AllowWhatIf})
	hs := &http.Server{Handler: server.Front(srv.Handler(), site.Handler()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go hs.Serve(ln)
	b.Cleanup(func() { hs.Close() })
	tokens := desk.NewTokens(st, time.Now, rand.Reader)
	root := liaison.Actor{ID: "bench", Role: liaison.RoleAdmin}
	admin, err := tokens.Create(ctx, root, desk.TokenInput{Name: "admin", Role: liaison.RoleAdmin})
	if err != nil {
		b.Fatal(err)
	}
	clerk, err := tokens.Create(ctx, root, desk.TokenInput{Name: "clerk", Role: liaison.RoleClerk})
	if err != nil {
		b.Fatal(err)
	}
	return &routeServer{base: "http://" + ln.Addr().String(), admin: admin.Token, clerk: clerk.Token, store: st}
}

// run times b.N POSTs to path with the clerk's token from the given
// number of closed-loop keep-alive clients (the load's own, see conn), each
// body made by body, and fails on any other status than want.
func (rs *routeServer) run(b *testing.B, clients int, path string, want int, body func([]byte) []byte) {
	e, err := newEndpoint(rs.base+path, rs.clerk)
	if err != nil {
		b.Fatal(err)
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	cpu0 := selfCPU()
	b.ResetTimer()
	for range clients {
		wg.Go(func() {
			c := &conn{e: e}
			defer c.close()
			var buf, req []byte
			for left.Add(-1) >= 0 {
				buf = body(buf[:0])
				req = e.frame(req[:0], buf)
				if err := c.do(req, want); err != nil {
					b.Errorf("POST %s: %v", path, err)
					return
				}
			}
		})
	}
	wg.Wait()
	// The process's CPU (server and clients) per request: steadier than
	// the time per request on a shared machine.
	b.ReportMetric(float64((selfCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
