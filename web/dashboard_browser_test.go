package web_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"liaison/desk"
	"liaison/history"
)

// The public dashboard in Chromium, over a generated history of 300
// cases: no sign-in, no console error, no serious accessibility
// violation; a chart and a table per figure; and printable.
func TestBrowserDashboard(t *testing.T) {
	e := newEnvNamed(t, "Ana María Ruiz")
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := desk.NewSealer(make([]byte, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := history.Generate(t.Context(), history.Config{Store: e.store, Law: set, Sealer: sealer,
		Options: history.Options{Seed: 3, Now: e.clock.Now(), Cases: 300}}); err != nil {
		t.Fatal(err)
	}
	tb := newTab(t, e)
	// The last 24 months, as a visitor first sees them, for the README.
	tb.open("/dashboard")
	tb.noErrors("dashboard")
	tb.screenshot("dashboard", "")
	tb.open("/dashboard?from=2012-01&to=2026-03")
	if got := tb.text("h1"); got != "Figures: All agencies" {
		t.Fatalf("GET /dashboard: h1 %q", got)
	}
	charts := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('svg.chart[role=img] > title').length`))
	tables := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('section.figure table').length`))
	if charts < 6 || tables < 6 {
		t.Errorf("dashboard: %d charts with a title, %d tables; want one of each per figure", charts, tables)
	}
	tb.accessible("dashboard")
	tb.noErrors("dashboard, all months")
	tb.screenshot("dashboard-chart", "#h-transfers + p + figure")

	// An agency's page, reached by its link.
	tb.navigate(chromedp.Click(css(`nav.agencies a[href^="/dashboard/agy_"]`)))
	if got := tb.text("h1"); !strings.HasPrefix(got, "Figures: ") || got == "Figures: All agencies" {
		t.Errorf("after the agency's link: h1 %q", got)
	}
	tb.accessible("dashboard of an agency")
	tb.noErrors("dashboard of an agency")

	// Printed, every chart and table is still there.
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if shown := get(tb, chromedp.Evaluate[bool](`[...document.querySelectorAll('svg.chart, section.figure table')].every(e => e.checkVisibility())`)); !shown {
		t.Errorf("in print, a chart or table of the dashboard is hidden")
	}
}
