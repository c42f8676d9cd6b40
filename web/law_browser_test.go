package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The law pages and the what-if page in Chromium, signed out: from the
// tree to an instrument to a rule; on the what-if page a fact, then the
// date, changes the answer, the timeline lists the dates where it
// changes, and compare shows two columns. No console errors, no serious
// accessibility violations, and the keyboard reaches everything.
func TestBrowserLaw(t *testing.T) {
	e := newEnv(t)
	tb := newTab(t, e)

	tb.open("/law")
	if h := tb.text("h1"); h != "The law" {
		t.Fatalf("GET /law: heading %q", h)
	}
	if tree := tb.text(`li[id="j-us/ma"]`); !strings.Contains(tree, "Boston") {
		t.Errorf("the tree under Massachusetts: %q, want Boston below it", tree)
	}
	tb.accessible("law tree")
	tb.screenshot("law-tree", "")
	tb.noErrors("law tree")

	tb.navigate(chromedp.Click(css(`a[href="/law/packs/us-ca-values-act"]`)))
	if h := tb.text("h1"); !strings.Contains(h, "California Values Act") {
		t.Fatalf("after the tree's link: heading %q, want the Values Act", h)
	}
	if v := tb.text("ol.versions"); !strings.Contains(v, "2018-01-01") {
		t.Errorf("the Values Act's versions: %q, want one in force from 2018-01-01", v)
	}
	tb.accessible("law pack")
	tb.noErrors("law pack")

	tb.navigate(chromedp.Click(css(`a[href="/law/rules/us-ca-values-act/hold-request"]`)))
	if c := tb.text(".rule .citation"); c != "Cal. Gov. Code 7284.6(a)(1)(B)" {
		t.Errorf("the rule's citation: %q", c)
	}
	if c := tb.text(".rule .condition"); !strings.Contains(c, "request › warrant › kind is not “judicial_criminal”") {
		t.Errorf("the rule's condition in words: %q", c)
	}
	if c := tb.text(".rule pre.cel"); !strings.Contains(c, `agency.type != "state_corrections"`) {
		t.Errorf("the rule's CEL: %q", c)
	}
	tb.accessible("law rule")
	tb.screenshot("law-rule", "")
	tb.noErrors("law rule")
	tb.open("/law/notices/ca-interview-consent?lang=es")
	tb.accessible("law notice")
	tb.noErrors("law notice")

	// What if: California, 2019, a detainer on an administrative warrant.
	tb.open("/law/whatif")
	tb.run(chromedp.SetValue(css("#f-jurisdiction"), "us/ca"), chromedp.SetValue(css("#f-date"), "2019-06-01"))
	tb.navigate(chromedp.Click(css("#decide")))
	badge := func() string { return tb.text("#answer-card .badge") }
	if got := badge(); got != "forbidden" {
		t.Fatalf("what-if, California 2019: %q, want forbidden", got)
	}
	// A fact changes the answer: a federal criminal warrant.
	tb.run(chromedp.SetValue(css("#f-request-warrant-kind"), "judicial_criminal"))
	tb.navigate(chromedp.Click(css("#decide")))
	if got := badge(); got == "forbidden" {
		t.Errorf("what-if on a judicial criminal warrant: %q, want another answer than forbidden", got)
	}
	// The date changes the answer: 2012, before the TRUST Act.
	tb.run(chromedp.SetValue(css("#f-request-warrant-kind"), "administrative"), chromedp.SetValue(css("#f-date"), "2012-06-01"))
	tb.navigate(chromedp.Click(css("#decide")))
	if got := badge(); got != "permitted" {
		t.Errorf("what-if, California 2012: %q, want permitted", got)
	}
	tb.navigate(chromedp.Click(css("#timeline")))
	if tl := tb.text("#timeline-answer"); !strings.Contains(tl, "2014-01-01") || !strings.Contains(tl, "2018-01-01") {
		t.Errorf("the timeline: %q, want changes on 2014-01-01 and 2018-01-01", tl)
	}
	tb.accessible("what-if timeline")
	tb.noErrors("what-if timeline")
	tb.run(chromedp.SetValue(css("#f-date"), "2019-06-01"), chromedp.SetValue(css("#compare"), "us/tx"))
	tb.navigate(chromedp.Click(css("#compare-button")))
	cols := get(tb, chromedp.Evaluate[int](`document.querySelectorAll('.columns .column article.decision').length`))
	if cols != 2 || !strings.Contains(tb.text("#compare-card-0"), "Texas") {
		t.Errorf("compare with Texas: %d columns, want 2, the second Texas", cols)
	}
	tb.accessible("what-if compare")
	tb.screenshot("whatif", "")
	tb.noErrors("what-if compare")

	// Every jurisdiction's name fits its list, the longest a county of
	// the map with no law of its own, prefilled by the map's link.
	tb.open("/law/whatif?jurisdiction=us/or/washington-county")
	cut := get(tb, chromedp.Evaluate[[]string](`(() => {
		const ctx = document.createElement('canvas').getContext('2d'), out = [];
		for (const sel of document.querySelectorAll('#f-jurisdiction, #compare')) {
			const st = getComputedStyle(sel);
			ctx.font = st.font;
			// The text's room: the box less its padding and the arrow's.
			const room = sel.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight) - 20;
			for (const o of sel.options) if (ctx.measureText(o.text).width > room) out.push(sel.id + ': ' + o.text);
		}
		return out;
	})()`))
	if len(cut) > 0 {
		t.Errorf("what-if: jurisdictions cut off in their lists: %q", cut)
	}

	// Keyboard only: the skip link, a pack from the tree, and the what-if
	// form sent with Enter on its button.
	tb.open("/law")
	tb.run(chromedp.KeyEvent(kb.Tab))
	if f := tb.focused(); !strings.Contains(f, "Skip to content") {
		t.Errorf("first Tab on /law focuses %q, want the skip link", f)
	}
	tb.run(chromedp.KeyEvent(kb.Enter))
	tb.tabTo("[href=/law/packs/us-ca-trust-act]", 40)
	tb.navigate(chromedp.KeyEvent(kb.Enter))
	if loc := tb.location(); !strings.HasSuffix(loc, "/law/packs/us-ca-trust-act") {
		t.Fatalf("Enter on the pack's link: at %s", loc)
	}
	tb.open("/law/whatif")
	tb.tabTo("BUTTON#decide", 60)
	tb.navigate(chromedp.KeyEvent(kb.Enter))
	if got := badge(); got == "" {
		t.Error("the what-if form sent from the keyboard: no answer")
	}
	tb.noErrors("keyboard")
}
