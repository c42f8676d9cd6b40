package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The map of the law and the comparison of law in Chromium, as the public
// uses them (no sign-in): the map draws the states and the cities, the
// slider and the change-date links move it, every cell links to its
// decision with citations, and the comparison lists a known changed rule.
func TestBrowserLawMap(t *testing.T) {
	e := newEnv(t)
	tb := newTab(t, e)
	outcome := func(sel string) string {
		t.Helper()
		return get(tb, chromedp.Evaluate[string](`document.querySelector('`+sel+`').dataset.outcome`))
	}

	tb.open("/law/map?case=detainer-admin-warrant-bail-eligible&action=honor_detainer&date=2013-06-01")
	states := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('figure svg path').length`))
	points := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('figure svg g[id^="place-"]').length`))
	if states < 51 || points < 30 {
		t.Errorf("map: %d state outlines and %d city and county points, want 51 and the bundled places", states, points)
	}
	if o := outcome("#state-ca"); o != "permitted" {
		t.Errorf("California's hold on 2013-06-01: %q, want permitted (before the TRUST Act)", o)
	}
	tb.accessible("map")
	tb.noErrors("map")

	// The slider, with its script: moved to 2014-01-01, the page follows.
	tb.navigate(chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('map-step');
		s.value = s.dataset.dates.split(' ').indexOf('2014-01-01');
		s.dispatchEvent(new Event('input'));
		s.dispatchEvent(new Event('change'));
	})()`))
	if loc := tb.location(); !strings.Contains(loc, "date=2014-01-01") {
		t.Errorf("after the slider moved to 2014-01-01: at %s", loc)
	}
	if o := outcome("#state-ca"); o != "forbidden" {
		t.Errorf("California's hold on 2014-01-01 (by the slider): %q, want forbidden (the TRUST Act)", o)
	}
	// A change-date link: Texas under SB 4.
	tb.navigate(chromedp.Click(css(`nav.changes a[href$="date=2019-12-19"]`)))
	if o := outcome("#state-tx"); o != "required" {
		t.Errorf("Texas's hold on 2019-12-19 (by its change-date link): %q, want required (SB 4)", o)
	}
	tb.screenshot("lawmap", "figure.lawmap-figure")
	// In print: the map and the matrix, not the form.
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown := get(tb, chromedp.Evaluate[string](`['form.mapform', 'nav.changes', 'figure.lawmap-figure svg', 'table.matrix'].map(s => document.querySelector(s).checkVisibility() ? 'shown' : 'hidden').join(' ')`))
	if shown != "hidden hidden shown shown" {
		t.Errorf("in print, form, change dates, map, matrix: %s; want the map and the matrix only", shown)
	}
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	tb.noErrors("map, moved")

	// By keyboard: past the form, the first state with law is a link.
	tb.tabTo("[href=/law/map/decision?", 40)
	if f := tb.focused(); !strings.Contains(f, "us%2Fca") {
		t.Errorf("the first link on the map by Tab: %q, want California's", f)
	}
	// A state on the map links to its decision, which cites its rules.
	tb.navigate(chromedp.Click(css(`#state-ca`)))
	if h := tb.text("h1"); !strings.HasPrefix(h, "California: honor detainer on 2019-12-19") {
		t.Errorf("California's link: page %q", h)
	}
	if b := tb.text("#outcome-h .badge"); b != "forbidden" {
		t.Errorf("California's decision: %q, want forbidden", b)
	}
	cite := get(tb, chromedp.Evaluate[string](`[...document.querySelectorAll('ul.decisive a')].map(a => a.getAttribute('href') + ' ' + a.textContent).join('; ')`))
	if !strings.Contains(cite, "/law/rules/us-ca-values-act/") || !strings.Contains(cite, "7284.6") {
		t.Errorf("California's decision cites %q, want the Values Act (Cal. Gov. Code 7284.6) with a link to its rule", cite)
	}
	tb.accessible("map decision")
	tb.noErrors("map decision")

	// A cell of the matrix: Los Angeles County's release notification.
	tb.navigate(chromedp.Click(css(`.lede a`))) // back to the map
	tb.navigate(chromedp.Click(css(`a.badge[aria-label^="Los Angeles County, notify_release"]`)))
	if h := tb.text("h1"); !strings.HasPrefix(h, "Los Angeles County: notify release on 2019-12-19") {
		t.Errorf("the matrix's Los Angeles County cell: page %q", h)
	}
	tb.noErrors("matrix cell")

	// From the decision to the what-if page, prefilled with the same case,
	// place and day: decided as it is, the same answer; a conviction
	// added (a serious felony of 2015), another.
	want := tb.text("#outcome-h .badge")
	tb.navigate(chromedp.Click(css("#whatif-link")))
	prefilled := get(tb, chromedp.Evaluate[string](`['f-jurisdiction', 'f-date', 'f-action', 'f-convictions'].map(id => document.getElementById(id).value).join(' ')`))
	if prefilled != "us/ca/los-angeles-county 2019-12-19 notify_release known" {
		t.Errorf("the what-if page from the decision: jurisdiction, date, action, history = %q", prefilled)
	}
	tb.navigate(chromedp.Click(css("#decide")))
	if got := tb.text("#answer-card .badge"); got != want || want == "" {
		t.Errorf("the prefilled what-if answers %q, the map %q", got, want)
	}
	tb.run(chromedp.SetValue(css("#f-conviction-0-level"), "felony"), chromedp.SetValue(css("#f-conviction-0-date"), "2015-03-01"),
		chromedp.SetValue(css("#f-conviction-0-offense"), "CA PC 211"))
	tb.navigate(chromedp.Click(css("#decide")))
	if got := tb.text("#answer-card .badge"); got == want {
		t.Errorf("the what-if with a felony robbery conviction of 2015 answers %q, as without it", got)
	}
	tb.accessible("what-if from the map")
	tb.noErrors("what-if from the map")

	// The comparison of law: an example, and a known changed rule.
	tb.open("/law/diff")
	tb.accessible("diff form")
	tb.navigate(chromedp.Click(css(`a[href*="los-angeles-county"]`)))
	if r := tb.text(`[id="rule-us-ca-trust-act/a1-serious-or-violent-felony"] h3`); !strings.Contains(r, "changed") {
		t.Errorf("diff, Los Angeles County 2016 to 2019: the TRUST Act's (a)(1) rule: %q, want changed", r)
	}
	if s := tb.text("#summary-h"); !strings.Contains(s, "16 rules differ") {
		t.Errorf("diff summary: %q", s)
	}
	tb.accessible("diff")
	tb.open("/law/diff?a=2019-06-01&b=2020-06-01&j=us/ma/boston&action=notify_release")
	tb.screenshot("lawdiff", "")
	tb.noErrors("diff")
}
