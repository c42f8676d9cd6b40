package web_test

import (
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"liaison/oversight"
	"liaison/web"
)

// dayOrFiner finds a date with its day, or a time of day: the dashboard
// publishes months only.
var dayOrFiner = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}:[0-9]{2}:[0-9]{2}`)

// checkPublic fails t if p sets a cookie or shows anything personal about
// the env's case.
func checkPublic(t *testing.T, e *env, p page) {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", p.url, p.status, p.body)
	}
	if c := p.header.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("GET %s sets cookies %v: the dashboard is public", p.url, c)
	}
	for _, secret := range []string{"Ruiz", "Ana", "B-1001", "1990", e.person.ID, e.caseID, "per_", "req_", "duty_", "act_"} {
		if strings.Contains(p.body, secret) {
			t.Errorf("GET %s shows %q", p.url, secret)
		}
	}
	if m := dayOrFiner.FindString(p.body); m != "" {
		t.Errorf("GET %s shows %q: months only", p.url, m)
	}
}

func TestDashboardPublic(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t) // never signed in
	all := b.get("/dashboard")
	checkPublic(t, e, all)
	for _, want := range []string{"Requests received, by month and kind", "Decisions, by action and outcome", "&lt;10", `role="img"`, "<title id=\"chart-decisions-t\">",
		"Los Angeles County Jail", "/dashboard/all/requests-by-month.csv?from=2024-04&amp;to=2026-03"} {
		if !strings.Contains(all.body, want) {
			t.Errorf("GET /dashboard lacks %q", want)
		}
	}
	size, err := e.store.TreeSize(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := "the log's first " + strconv.FormatInt(size, 10) + " records"; !strings.Contains(all.body, want) {
		t.Errorf("GET /dashboard does not cite the tree head: lacks %q", want)
	}
	one := b.get("/dashboard/" + e.agency.ID)
	checkPublic(t, e, one)
	if !strings.Contains(one.body, "Figures: Los Angeles County Jail") {
		t.Errorf("GET /dashboard/%s: not the agency's page", e.agency.ID)
	}
	for _, scope := range []string{"all", e.agency.ID} {
		for _, id := range oversight.TableIDs {
			p := b.get("/dashboard/" + scope + "/" + id + ".csv?from=2025-01&to=2026-03")
			checkPublic(t, e, p)
			checkCSV(t, p, 10)
		}
	}
	for path, status := range map[string]int{
		"/dashboard/agy_nope":                    http.StatusNotFound,
		"/dashboard/all/nope.csv":                http.StatusNotFound,
		"/dashboard?from=2024-13":                http.StatusUnprocessableEntity,
		"/dashboard?from=2025-02&to=2025-01":     http.StatusUnprocessableEntity,
		"/dashboard/all/holds.csv?to=2025-01-01": http.StatusUnprocessableEntity,
	} {
		if p := b.get(path); p.status != status {
			t.Errorf("GET %s = %d, want %d", path, p.status, status)
		}
	}
}

// checkCSV parses p as CSV: a header (label, columns, "total"), rows of
// the same width, each count a number or "<k", and a "total" row last.
func checkCSV(t *testing.T, p page, k int) {
	t.Helper()
	if ct := p.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", p.url, ct)
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatalf("GET %s: not CSV: %v\n%s", p.url, err, p.body)
	}
	if len(rows) < 2 || rows[0][len(rows[0])-1] != "total" || rows[len(rows)-1][0] != "total" {
		t.Fatalf("GET %s: want a header ending in total and a total row last, got %q", p.url, rows)
	}
	hidden := "<" + strconv.Itoa(k)
	for _, r := range rows[1:] {
		for _, v := range r[1:] {
			if n, err := strconv.Atoi(v); v != hidden && (err != nil || n < 0 || (n > 0 && n < k)) {
				t.Errorf("GET %s: count %q is neither a number of at least %d nor %q", p.url, v, k, hidden)
			}
		}
	}
}

// TestDashboardK: the deployment's k is the one published.
func TestDashboardK(t *testing.T) {
	e := newEnv(t)
	for k, want := range map[int]string{
		1:  "month,detainer,notification_request,total\n2026-03,1,1,2\ntotal,1,1,2\n",
		2:  "month,detainer,notification_request,total\n2026-03,<2,<2,2\ntotal,<2,<2,2\n",
		10: "month,detainer,notification_request,total\n2026-03,<10,<10,<10\ntotal,<10,<10,<10\n",
	} {
		site := web.New(web.Config{Desk: e.desk, Store: e.store, API: http.NotFoundHandler(), Now: e.clock.Now, Figures: oversight.NewSummarizer(e.store), K: k})
		rec := httptest.NewRecorder()
		site.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/dashboard/all/requests-by-month.csv?from=2026-03&to=2026-03", nil))
		if got := rec.Body.String(); got != want {
			t.Errorf("k=%d: requests-by-month.csv = %q, want %q", k, got, want)
		}
	}
}

// TestDashboardLabels: the page shows the figures' codes in words (an
// action, a kind of request, an outcome), in its tables and its charts,
// and the CSV keeps the codes.
func TestDashboardLabels(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	all := b.get("/dashboard")
	for _, want := range []string{`<th scope="row">Hold past release (detainer)</th>`, `<th scope="col" class="num">Notification request</th>`,
		`<th scope="row">Detainer</th>`, `>Detainer</text>`} {
		if !strings.Contains(all.body, want) {
			t.Errorf("GET /dashboard lacks %q", want)
		}
	}
	for _, code := range []string{">honor_detainer<", ">notification_request<", ">detainer<", ">notification request<"} {
		if strings.Contains(all.body, code) {
			t.Errorf("GET /dashboard shows the code %q", code)
		}
	}
	p := b.get("/dashboard/all/decisions.csv?from=2024-04&to=2026-03")
	if !strings.Contains(p.body, "\nhonor_detainer,") || strings.Contains(p.body, "Hold past release") {
		t.Errorf("GET %s: want the codes, not the page's words:\n%s", p.url, p.body)
	}
}
