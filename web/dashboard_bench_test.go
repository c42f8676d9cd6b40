package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/oversight"
	"liaison/sqlite"
	"liaison/web"
)

// BenchmarkDashboard renders /dashboard over a store of many requests
// (LIAISON_BENCH_REQUESTS, default 20,000; the figure is
// 1,000,000), each with a decision, a third with an action, over three
// agencies and fifteen years. The records are appended straight into the
// store, 5,000 at a time, with their log leaves; the summary is folded
// once and kept, as a running server keeps it. Then:
//
//   - cold: a new Site and Summarizer each time, as a process that just
//     started: it reads the kept summary, folds what came after (nothing)
//     and renders the page;
//   - warm: the server's Summarizer, already loaded.
//
// Besides wall time per page it reports the process's CPU time per page
// (cpu-ms/op): on a machine shared with other work, wall time measures the
// neighbours as much as the page.
//
// LIAISON_BENCH_DB keeps the generated database at a path, to reuse.
func BenchmarkDashboard(b *testing.B) {
	n := 20_000
	if v := os.Getenv("LIAISON_BENCH_REQUESTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	path := os.Getenv("LIAISON_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.db")
	}
	ctx := context.Background()
	_, statErr := os.Stat(path)
	store, err := sqlite.Open(ctx, path, sqlite.WithSynchronous("NORMAL"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if statErr != nil {
		start := time.Now()
		generate(b, store, n)
		b.Logf("generated %d requests (%d records) in %v", n, size(b, store), time.Since(start).Round(time.Millisecond))
		start = time.Now()
		z := oversight.NewSummarizer(store)
		z.SaveEvery = 1
		if _, err := z.Figures(ctx, oversight.Scope{}, oversight.DefaultK); err != nil {
			b.Fatal(err)
		}
		b.Logf("folded them once and kept the summary in %v", time.Since(start).Round(time.Millisecond))
	}
	set, err := lawSet()
	if err != nil {
		b.Fatal(err)
	}
	sealer, err := desk.NewSealer(make([]byte, 32), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: sealer})
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC) }
	site := func(z *oversight.Summarizer) *web.Site {
		return web.New(web.Config{Desk: d, Store: store, API: http.NotFoundHandler(), Now: now, Figures: z})
	}
	render := func(b *testing.B, site *web.Site, path string) {
		rec := httptest.NewRecorder()
		site.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte("Requests received")) {
			b.Fatalf("GET %s = %d\n%.500s", path, rec.Code, rec.Body.String())
		}
	}
	for _, path := range []string{"/dashboard", "/dashboard?from=2012-01&to=2026-12"} {
		b.Run("cold"+path, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				render(b, site(oversight.NewSummarizer(store)), path)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
		b.Run("warm"+path, func(b *testing.B) {
			warm := site(oversight.NewSummarizer(store))
			render(b, warm, path)
			cpu := cpuTime()
			for b.Loop() {
				render(b, warm, path)
			}
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

func size(b *testing.B, s *sqlite.Store) int64 {
	n, err := s.TreeSize(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// generate appends n requests to s, with their decisions and actions.
func generate(b *testing.B, s *sqlite.Store, n int) {
	ctx := context.Background()
	rnd := mrand.New(mrand.NewPCG(1, 1))
	start := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	var batch []*liaison.StoredRecord
	add := func(kind, id string, at time.Time, v any) {
		body, err := ledger.MarshalCanonical(v)
		if err != nil {
			b.Fatal(err)
		}
		c, err := liaison.ColumnsOf(kind, body)
		if err != nil {
			b.Fatal(err)
		}
		var salt [32]byte
		for i := range salt {
			salt[i] = byte(rnd.Uint32())
		}
		r := &liaison.StoredRecord{Kind: kind, ID: id, Agency: c.Agency, Person: c.Person, Parent: c.Parent, Key: c.Key, Body: body, Salt: salt, At: at}
		if kind != liaison.KindRequest && kind != liaison.KindAgency {
			r.Person = "per_bench"
		}
		batch = append(batch, r)
	}
	flush := func() {
		if err := s.Append(ctx, batch...); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	agencies := []liaison.AgencyRecord{
		{ID: "agy_la", Name: "Los Angeles County Jail (bench)", Jurisdiction: "us/ca/los-angeles-county", Type: "county_jail"},
		{ID: "agy_tx", Name: "Travis County Sheriff (bench)", Jurisdiction: "us/tx/travis-county", Type: "sheriff"},
		{ID: "agy_bo", Name: "Boston Police Department (bench)", Jurisdiction: "us/ma/boston", Type: "police"},
	}
	for _, a := range agencies {
		add(liaison.KindAgency, a.ID, start, a)
	}
	kinds := []struct {
		kind   liaison.RequestKind
		forms  []liaison.Form
		action liaison.Action
	}{
		{"detainer", []liaison.Form{"I-247A", "I-247D", "I-247"}, "honor_detainer"},
		{"notification_request", []liaison.Form{"I-247N", "I-247A"}, "notify_release"},
		{"information_request", []liaison.Form{""}, "share_info"},
		{"interview_request", []liaison.Form{""}, "allow_interview"},
		{"transfer_request", []liaison.Form{"I-203"}, "transfer_custody"},
	}
	outcomes := []liaison.Outcome{"permitted", "forbidden", "required", "undetermined"}
	cats := []liaison.Category{"dui", "assault", "theft", "violent_felony", "drug_trafficking"}
	for i := range n {
		at := start.Add(time.Duration(rnd.Int64N(int64(span))))
		a := agencies[rnd.IntN(len(agencies))]
		k := kinds[rnd.IntN(len(kinds))]
		req, dec, act := fmt.Sprintf("req_%08d", i), fmt.Sprintf("dec_%08d", i), fmt.Sprintf("act_%08d", i)
		subject := &liaison.Subject{Convictions: []liaison.Offense{{Offense: "X", Categories: []liaison.Category{cats[rnd.IntN(len(cats))]}}}}
		add(liaison.KindRequest, req, at, liaison.RequestRecord{ID: req, Agency: a.ID, Person: "per_bench", IdempotencyKey: req,
			Request: liaison.FederalRequest{Kind: k.kind, Form: k.forms[rnd.IntN(len(k.forms))], ReceivedAt: at}, Subject: subject, RecordedAt: at})
		o := outcomes[rnd.IntN(len(outcomes))]
		add(liaison.KindDecision, dec, at, liaison.DecisionRecord{ID: dec, Agency: a.ID, Request: req, Action: k.action, Stage: liaison.StageIntake,
			AsOf: at, Decision: liaison.Decision{Outcome: o}})
		if i%3 == 0 {
			status := liaison.ActionDoneOffline
			if o == "forbidden" {
				status = liaison.ActionRefused
			}
			add(liaison.KindAction, act, at.Add(time.Hour), liaison.ActionRecord{ID: act, Agency: a.ID, Request: req, Decision: dec,
				Action: k.action, Status: status, Outcome: o, At: at.Add(time.Hour)})
		}
		if len(batch) >= 5000 {
			flush()
		}
	}
	flush()
}

// cpuTime is the process's CPU time, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
