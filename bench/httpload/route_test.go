package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
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
)

// BenchmarkDecisionsRoute is POST /v1/decisions in process, wired as
// `liaison serve` wires it (SQLite store, the bench packs, a JSON access
// log to a file, a Prometheus registry, GOGC=400), over loopback HTTP from
// parallel keep-alive clients, with the requests httpload sends. It is
// there to profile where the route's time goes, which the separate
// processes of httpload hide:
//
//	go test -run XXX -bench DecisionsRoute -cpu 2 -cpuprofile cpu.prof ./httpload
//	go tool pprof -top -cum httpload.test cpu.prof
func BenchmarkDecisionsRoute(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	ctx := context.Background()
	dir := b.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "liaison.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
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
	defer logFile.Close()
	logger := slog.New(slog.NewJSONHandler(logFile, nil))
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
	hs := &http.Server{Handler: srv.Handler()}
	go hs.Serve(ln)
	defer hs.Close()
	tok, err := desk.NewTokens(st, time.Now, rand.Reader).Create(ctx, liaison.Actor{ID: "bench", Role: liaison.RoleAdmin},
		desk.TokenInput{Name: "clerk", Role: liaison.RoleClerk})
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for _, req := range bench.Requests(1, 4096) {
		body, err := json.Marshal(decideBody(req))
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	u := "http://" + ln.Addr().String() + "/v1/decisions"
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for pb.Next() {
			req, _ := http.NewRequest("POST", u, bytes.NewReader(bodies[next.Add(1)%int64(len(bodies))]))
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("POST /v1/decisions: %s", resp.Status)
				return
			}
		}
	})
}
