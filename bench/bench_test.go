package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"liaison"
	"liaison/law"
)

var (
	seed  = flag.Uint64("seed", 1, "seed of the requests TestDifferential generates")
	nDiff = flag.Int("requests", 10_000, "number of requests TestDifferential compares")
	nBulk = flag.Int("bulk", 1_000_000, "number of requests BenchmarkBulkReplay decides per iteration")
)

// nShown is how many mismatches TestDifferential prints in full.
const nShown = 5

// benchRequests is the size of the pre-generated slice the per-decision
// benchmarks cycle through: large enough to mix every action and level,
// small enough to stay in cache as it would for a server's hot path.
const benchRequests = 4096

// engines are the three encodings of the benchmark policy, loaded.
type engines struct {
	set   *law.Set
	opa   *OPA
	cedar *Cedar
}

func load(tb testing.TB) engines {
	tb.Helper()
	set, err := law.Load(os.DirFS("testdata/packs"))
	if err != nil {
		tb.Fatalf("law.Load(testdata/packs): %v", err)
	}
	rego, err := os.ReadFile("testdata/policy.rego")
	if err != nil {
		tb.Fatal(err)
	}
	opa, err := NewOPA(context.Background(), string(rego))
	if err != nil {
		tb.Fatal(err)
	}
	src, err := os.ReadFile("testdata/policy.cedar")
	if err != nil {
		tb.Fatal(err)
	}
	ced, err := NewCedar(src, Jurisdictions)
	if err != nil {
		tb.Fatal(err)
	}
	return engines{set: set, opa: opa, cedar: ced}
}

// TestDifferential checks that the three encodings of the benchmark policy
// give the same outcome and the same decisive rules on generated requests,
// and that the requests exercise every outcome and every rule.
func TestDifferential(t *testing.T) {
	e := load(t)
	ctx := context.Background()
	reqs := Requests(*seed, *nDiff)

	type mismatch struct {
		i                    int
		ours, explained, opa Result
		cedar                Result
	}
	var bad []mismatch
	outcomes := map[liaison.Outcome]int{}
	decisive := map[string]int{}
	for i, req := range reqs {
		d, err := e.set.Decide(req, law.Options{})
		if err != nil {
			t.Fatalf("Decide(request %d): %v", i, err)
		}
		dx, err := e.set.Decide(req, law.Options{Explain: true})
		if err != nil {
			t.Fatalf("Decide(request %d, explain): %v", i, err)
		}
		got := FromDecision(d)
		o, err := e.opa.Decide(ctx, req)
		if err != nil {
			t.Fatalf("OPA.Decide(request %d): %v", i, err)
		}
		c, err := e.cedar.Decide(req)
		if err != nil {
			t.Fatalf("Cedar.Decide(request %d): %v", i, err)
		}
		gx := FromDecision(dx)
		if !got.Equal(gx) || !got.Equal(o) || !got.Equal(c) {
			bad = append(bad, mismatch{i: i, ours: got, explained: gx, opa: o, cedar: c})
		}
		outcomes[got.Outcome]++
		for _, r := range got.Decisive {
			decisive[r]++
		}
	}
	t.Logf("%d requests (seed %d): outcomes %v", len(reqs), *seed, outcomes)

	for k, m := range bad[:min(len(bad), nShown)] {
		js, _ := json.Marshal(reqs[m.i])
		t.Errorf("mismatch %d of %d, request %d:\n  liaison:          %v\n  liaison explain:  %v\n  OPA:              %v\n  Cedar:            %v\n  request: %s",
			k+1, len(bad), m.i, m.ours, m.explained, m.opa, m.cedar, js)
	}
	if len(bad) > 0 {
		t.Fatalf("%d of %d requests gave different results", len(bad), len(reqs))
	}

	// A differential test over a space that never reaches a rule proves
	// nothing about it.
	for _, o := range []liaison.Outcome{liaison.Permitted, liaison.Forbidden, liaison.Required, liaison.Conflict} {
		if outcomes[o] < len(reqs)/1000 {
			t.Errorf("outcome %s in %d of %d requests, want at least 0.1%%", o, outcomes[o], len(reqs))
		}
	}
	if n := outcomes[liaison.Undetermined]; n > 0 {
		t.Errorf("%d requests undetermined; the generator must supply every fact", n)
	}
	for _, pk := range e.set.Packs() {
		for _, v := range pk.Versions {
			for _, r := range v.Rules {
				if r.Effect == liaison.Oblige {
					continue
				}
				if key := pk.ID + "/" + r.ID; decisive[key] == 0 {
					t.Errorf("rule %s (version %s) was never decisive in %d requests", key, v.Version, len(reqs))
				}
			}
		}
	}
}

// TestCases runs the hand-checked cases in testdata/packs/*.test.yaml
// through all three engines: the packs through liaison's own test runner,
// and the same requests through OPA and Cedar against the expected outcome
// and decisive rules.
func TestCases(t *testing.T) {
	e := load(t)
	tests, err := law.LoadTests(os.DirFS("testdata/packs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) == 0 {
		t.Fatal("no tests in testdata/packs")
	}
	for _, tc := range tests {
		t.Run(tc.ID, func(t *testing.T) {
			if res := e.set.Run(tc); len(res.Failed) > 0 {
				t.Errorf("liaison: %s", strings.Join(res.Failed, "; "))
			}
			req := tc.DecisionRequest()
			o, err := e.opa.Decide(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			c, err := e.cedar.Decide(req)
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range []struct {
				name string
				res  Result
			}{{"OPA", o}, {"Cedar", c}} {
				if got.res.Outcome != tc.Expect.Outcome {
					t.Errorf("%s.Decide() = %v, want outcome %s", got.name, got.res, tc.Expect.Outcome)
				}
				for _, want := range tc.Expect.Decisive {
					if !slices.Contains(got.res.Decisive, want) {
						t.Errorf("%s.Decide() = %v, want %s decisive", got.name, got.res, want)
					}
				}
			}
		})
	}
}

func (r Result) String() string {
	d := slices.Clone(r.Decisive)
	slices.Sort(d)
	return fmt.Sprintf("%s [%s]", r.Outcome, strings.Join(d, " "))
}

// The per-decision benchmarks cycle through the same pre-generated
// requests. OPA's and Cedar's numbers include converting the request into
// their input (as ours includes reading the Go struct); see README.

func BenchmarkLiaison(b *testing.B) {
	e := load(b)
	reqs := Requests(2, benchRequests)
	for _, explain := range []bool{true, false} {
		name := "explain=off"
		if explain {
			name = "explain=on"
		}
		b.Run(name, func(b *testing.B) {
			opt := law.Options{Explain: explain}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := e.set.Decide(reqs[i%len(reqs)], opt); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkOPA(b *testing.B) {
	e := load(b)
	ctx := context.Background()
	reqs := Requests(2, benchRequests)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := e.opa.Decide(ctx, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkCedar(b *testing.B) {
	e := load(b)
	reqs := Requests(2, benchRequests)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := e.cedar.Decide(reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBulkReplay decides -bulk distinct generated requests (one
// iteration), explanation off, with one worker per GOMAXPROCS taking
// chunks of them, and reports decisions per second. The requests are held
// packed (no pointers) and each worker unpacks one at a time into its own
// buffer, as a replay reading a log would; unpacking (about 50 ns, no
// allocation) is counted.
func BenchmarkBulkReplay(b *testing.B) {
	e := load(b)
	reqs := packedRequests(3, *nBulk)
	workers := runtime.GOMAXPROCS(0)
	const chunk = 256
	runtime.GC()
	b.ReportAllocs()
	for b.Loop() {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				var buf buffer
				for {
					lo := int(next.Add(chunk)) - chunk
					if lo >= len(reqs) {
						return
					}
					for i := lo; i < min(lo+chunk, len(reqs)); i++ {
						if _, err := e.set.Decide(reqs[i].build(&buf), law.Options{}); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
		}
		wg.Wait()
	}
	n := float64(b.N) * float64(len(reqs))
	b.ReportMetric(n/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/decision")
	b.ReportMetric(float64(workers), "workers")
}

// BenchmarkUnpack measures what BenchmarkBulkReplay spends unpacking a
// request, so that it can be told apart from deciding.
func BenchmarkUnpack(b *testing.B) {
	reqs := packedRequests(3, benchRequests)
	var buf buffer
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		reqs[i%len(reqs)].build(&buf)
		i++
	}
}
