package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"liaison"
	"liaison/desk"
	"liaison/history"
)

// Counsel runs the prepared Boston proposal over demo-like history (the
// demo's generator, fewer cases), sees the counts, the chart and the
// changed cases, and opens one of them.
func TestSimulateBrowser(t *testing.T) {
	e := newEnvNamed(t, "Ana María Ruiz")
	tb := newTab(t, e)
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{7}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := history.Generate(context.Background(), history.Config{Store: e.store, Law: set, Sealer: sealer,
		Options: history.Options{Seed: 12, Now: e.clock.Now(), Cases: 200}}); err != nil {
		t.Fatal(err)
	}

	tb.open("/signin")
	tb.run(chromedp.SendKeys(css("#token"), e.tokens[liaison.RoleCounsel]))
	tb.navigate(chromedp.Submit(css("#token")))
	tb.open("/law/simulate")
	tb.accessible("simulate form")
	tb.run(chromedp.SetValue(css("#sim-proposal"), bostonProposal))
	tb.navigate(chromedp.Submit(css("#sim-proposal")))
	if got := tb.text("#sim-summary"); !strings.Contains(got, "would change") || strings.Contains(got, " 0 would change") {
		t.Fatalf("simulation summary %q, want some decisions changed", got)
	}
	// The summary's count reconciles with the table: the rows marked
	// changed add up to the changes in outcome, the rest being changes in
	// the deciding rules only, which the summary names.
	m := regexp.MustCompile(`(\d+) would change(?: \((\d+) in outcome, (\d+) only in the rules that decide (?:it|them)\))?`).FindStringSubmatch(tb.text("#sim-summary"))
	if m == nil {
		t.Fatalf("simulation summary %q: no count of changes", tb.text("#sim-summary"))
	}
	inOutcome := m[1]
	if m[2] != "" {
		inOutcome = m[2]
		if a, b, n := atoi(t, m[2]), atoi(t, m[3]), atoi(t, m[1]); a+b != n {
			t.Errorf("summary %q: %d in outcome and %d in rules only, not %d", m[0], a, b, n)
		}
	}
	rows := get(tb, chromedp.Evaluate[int](`[...document.querySelectorAll('#sim-counts tr.urgent td:last-child')].reduce((n, td) => n + Number(td.textContent), 0)`))
	if strconv.Itoa(rows) != inOutcome {
		t.Errorf("the rows marked changed count %d decisions; the summary %q says %s in outcome", rows, m[0], inOutcome)
	}
	changed := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('#sim-changes > li').length`))
	if changed == 0 {
		t.Fatal("no changed case listed")
	}
	// Each change is Boston's: the only law the proposal changes.
	if n := get(tb, chromedp.Evaluate[int](`[...document.querySelectorAll('#sim-changes .cite')].filter(e => !e.textContent.startsWith('us/ma/boston')).length`)); n != 0 {
		t.Errorf("%d changed cases outside Boston", n)
	}
	if n := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('#sim-chart rect').length`)); n == 0 {
		t.Error("the chart has no bars")
	}
	tb.accessible("simulation")
	tb.screenshot("simulate", "#sim-overview")
	tb.noErrors("simulation")

	href := get(tb, chromedp.Evaluate[string](`document.querySelector('#sim-changes a').getAttribute('href')`))
	tb.navigate(chromedp.Click(css("#sim-changes a")))
	if loc := tb.location(); !strings.HasSuffix(loc, href) || !strings.HasPrefix(href, "/cases/req_") {
		t.Errorf("the changed case's link led to %s, want %s", loc, href)
	}
	if h := tb.text("h1"); h == "" || strings.Contains(h, "Forbidden") || strings.Contains(h, "Not Found") {
		t.Errorf("the case page's heading is %q", h)
	}
	tb.noErrors("case")
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
