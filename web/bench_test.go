package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
)

// benchCases is how many cases BenchmarkPages stores in one agency.
const benchCases = 100_000

// BenchmarkPages times the pages a clerk opens most, over an agency with
// benchCases open cases (the env's case, copied under new ids with its
// person, booking number and decisions, written straight to the store as
// desk's BenchmarkCases does): the queue, a case, and the search by
// booking number. Each reports its p95 server time (the handler's, no
// network) and the page's weight in bytes.
func BenchmarkPages(b *testing.B) {
	e := newEnvNamed(b, "Bench Person")
	ctx := context.Background()
	auditor := e.actors[liaison.RoleAuditor]
	seed, err := e.desk.Case(ctx, auditor, e.caseID, desk.CaseOptions{})
	if err != nil {
		b.Fatal(err)
	}
	now := e.clock.Now()
	rec := func(kind, id, person, parent, key string, body any) *liaison.StoredRecord {
		canon, err := ledger.MarshalCanonical(body)
		if err != nil {
			b.Fatal(err)
		}
		salt, err := ledger.NewSalt(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		return &liaison.StoredRecord{Kind: kind, ID: id, Agency: e.agency.ID, Person: person, Parent: parent, Key: key, Body: canon, Salt: salt, At: now}
	}
	// The copies' names are sealed as the desk seals them (helpers_test.go's
	// key), so that a clerk's case page opens them.
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{7}, 32), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	var batch []*liaison.StoredRecord
	for i := range benchCases {
		pid, bid, rid := fmt.Sprintf("per_b%d", i), fmt.Sprintf("bkg_b%d", i), fmt.Sprintf("req_b%d", i)
		n := fmt.Sprintf("BK-%d", i)
		rr := seed.Request
		rr.ID, rr.Person, rr.IdempotencyKey = rid, pid, "k"+n
		name, err := sealer.Seal("Bench Person", pid+"/name")
		if err != nil {
			b.Fatal(err)
		}
		birth, err := sealer.Seal("", pid+"/birth_date")
		if err != nil {
			b.Fatal(err)
		}
		batch = append(batch,
			rec(liaison.KindPerson, pid, pid, "", "", liaison.PersonRecord{ID: pid, Agency: e.agency.ID, BookingNumbers: []string{n}, NameSealed: name, BirthSealed: birth, CreatedAt: now}),
			rec(liaison.KindBooking, bid, pid, pid, e.agency.ID+"/"+n, liaison.BookingRecord{ID: bid, Agency: e.agency.ID, Number: n, Person: pid, At: now}),
			rec(liaison.KindRequest, rid, pid, "", e.agency.ID+"/"+rr.IdempotencyKey, rr))
		for j, d := range seed.Decisions {
			dr := d.DecisionRecord
			dr.ID, dr.Request = fmt.Sprintf("dec_b%d_%d", i, j), rid
			batch = append(batch, rec(liaison.KindDecision, dr.ID, pid, rid, "", dr))
		}
		if len(batch) >= 3000 || i == benchCases-1 {
			if err := e.store.Append(ctx, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	b.Logf("stored %d cases in %v", benchCases, time.Since(start).Round(time.Second))

	br := e.browser(b)
	br.signIn(liaison.RoleClerk)
	u, _ := url.Parse(e.ts.URL)
	cookies := br.c.Jar.Cookies(u)
	serve := func(method, path string, form url.Values) *httptest.ResponseRecorder {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req := httptest.NewRequest(method, path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		for _, c := range cookies {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		e.site.Handler().ServeHTTP(w, req)
		return w
	}
	mid := fmt.Sprintf("req_b%d", benchCases/2)
	for _, bc := range []struct {
		name, method, path string
		form               url.Values
		status             int
	}{
		{"queue", http.MethodGet, "/queue?agency=" + e.agency.ID, nil, http.StatusOK},
		{"queue, every agency", http.MethodGet, "/queue", nil, http.StatusOK},
		{"case", http.MethodGet, "/cases/" + mid, nil, http.StatusOK},
		{"search by booking number", http.MethodPost, "/queue/search", url.Values{"agency": {e.agency.ID}, "booking": {fmt.Sprintf("BK-%d", benchCases/2)}}, http.StatusSeeOther},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			size := 0
			for b.Loop() {
				t0 := time.Now()
				w := serve(bc.method, bc.path, bc.form)
				times = append(times, time.Since(t0))
				if w.Code != bc.status {
					b.Fatalf("%s %s = %d, want %d\n%s", bc.method, bc.path, w.Code, bc.status, w.Body.String())
				}
				size = w.Body.Len()
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(size), "page-bytes")
		})
	}
}
