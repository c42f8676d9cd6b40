package desk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/history"
	"liaison/law"
	"liaison/packs"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

// historyDir, when set, keeps BenchmarkSimulateHistory's SQLite history
// in that folder and opens it again on the next run instead of generating
// it (2 minutes or more on 2 cores): its fill-s is then the fill of
// nothing.
var historyDir = flag.String("simhistory", "", "keep BenchmarkSimulateHistory's generated SQLite history in this folder, and reuse it")

// BenchmarkSimulateHistory replays a generated history (the demo's
// generator, 32,000 cases: about 100,000 decisions of three agencies, with
// their varied facts) on SQLite and PostgreSQL, under the prepared Boston
// proposal and under Texas's detainer duty made a permission, and reports
// the stored decisions of the affected agencies processed a second (the
// store already open, its replay rows filled: the first use's fill is
// reported as fill-s, its CPU time as fill-cpu-s), how many were decided under the proposal, the
// distinct inputs decided, and the changes; explaining every change (as
// liaison simulate does), the first 500 (as /law/simulate does), and the
// plain replay, from the records, for comparison. Each run's CPU samples
// carry the label run=<its name> (so do the goroutines it starts:
// go tool pprof -tagfocus).
func BenchmarkSimulateHistory(b *testing.B) {
	cases := 32000
	for _, kind := range []string{"sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			ctx := b.Context()
			var s liaison.Store
			var err error
			generate := true
			switch kind {
			case "sqlite":
				path := filepath.Join(b.TempDir(), "history.db")
				if *historyDir != "" {
					path = filepath.Join(*historyDir, fmt.Sprintf("history-%d.db", cases))
					_, err := os.Stat(path)
					if err != nil && !errors.Is(err, fs.ErrNotExist) {
						b.Fatal(err)
					}
					generate = err != nil
				}
				s, err = sqlite.Open(ctx, path)
			case "postgres":
				s, err = postgres.Open(ctx, storetest.PostgresSchema(b))
			}
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			set, err := law.Load(packs.FS())
			if err != nil {
				b.Fatal(err)
			}
			sealer, err := desk.NewSealer(bytes.Repeat([]byte{9}, 32), rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			if generate {
				t0 := time.Now()
				if _, err := history.Generate(ctx, history.Config{Store: s, Law: set, Sealer: sealer,
					Options: history.Options{Seed: 1, Now: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), Cases: cases}}); err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(os.Stderr, "%s: generated %d cases in %s\n", kind, cases, time.Since(t0))
			}
			t0, cpu0 := time.Now(), cpuTime()
			if err := desk.FillReplay(ctx, s.(interface {
				liaison.Store
				liaison.ReplayIndex
				TreeSize(ctx context.Context) (int64, error)
			})); err != nil {
				b.Fatal(err)
			}
			fill, fillCPU := time.Since(t0), cpuTime()-cpu0
			defer debug.SetGCPercent(debug.SetGCPercent(400))
			props := stateProposals(b)
			props["boston-without-2019"] = proposal(b)
			for _, run := range []struct {
				name string
				opt  desk.SimulateOptions
			}{
				{"boston-without-2019", desk.SimulateOptions{}},
				{"tx-sb4-permits", desk.SimulateOptions{}},
				{"boston-without-2019/explain=500", desk.SimulateOptions{ExplainFirst: 500}},
				{"tx-sb4-permits/explain=500", desk.SimulateOptions{ExplainFirst: 500}},
				{"boston-without-2019/plain", desk.SimulateOptions{Plain: true}},
				{"tx-sb4-permits/plain", desk.SimulateOptions{Plain: true}},
			} {
				name, _, _ := strings.Cut(run.name, "/")
				b.Run(run.name, func(b *testing.B) {
					var sim *desk.Simulation
					decisions := 0
					cpu0 := cpuTime()
					pprof.Do(ctx, pprof.Labels("run", kind+"/"+run.name), func(ctx context.Context) {
						for b.Loop() {
							if sim, err = desk.Simulate(ctx, s, set, props[name], run.opt); err != nil {
								b.Fatal(err)
							}
							decisions += sim.Decisions
						}
					})
					b.ReportMetric(float64(decisions)/b.Elapsed().Seconds(), "decisions/s")
					b.ReportMetric(float64(decisions)/(cpuTime()-cpu0).Seconds(), "decisions/cpu-s")
					b.ReportMetric(float64(sim.Decisions), "replayed")
					b.ReportMetric(float64(sim.Decided), "decided")
					b.ReportMetric(float64(sim.Inputs), "inputs")
					b.ReportMetric(float64(sim.Changed), "changed")
					b.ReportMetric(fill.Seconds(), "fill-s")
					b.ReportMetric(fillCPU.Seconds(), "fill-cpu-s")
				})
			}
		})
	}
}
