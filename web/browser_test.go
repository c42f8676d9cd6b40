package web_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"liaison"
)

// updateScreenshots rewrites docs/screenshots/ from the browser tests.
var updateScreenshots = flag.Bool("update-screenshots", false, "write the browser tests' screenshots to docs/screenshots/")

// chromium returns the path of Debian's Chromium, or skips the test
// (fails it when LIAISON_REQUIRE_ALL=1).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("LIAISON_REQUIRE_ALL") == "1" {
		t.Fatal("LIAISON_REQUIRE_ALL=1 but chromium is not installed: apt-get install chromium")
	}
	t.Skip("chromium is not installed (apt-get install chromium): browser tests skipped")
	return ""
}

// tab is a Chromium tab on the test server that collects what the page
// reports as errors: console errors, uncaught exceptions, and the
// browser's own (a script or style the CSP refused, a missing file).
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	mu   sync.Mutex
	errs []string
	axe  string
	// expected are errors a step causes on purpose (a form refused with
	// 422 is logged by Chromium as a resource that failed to load).
	expected []string
	start    time.Time
}

func newTab(t *testing.T, e *env) *tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	axe, err := os.ReadFile(filepath.Join("testdata", "vendor", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	tb := &tab{t: t, ctx: ctx, base: e.ts.URL, axe: string(axe), start: time.Now()}
	if err := chromedp.Do(ctx); err != nil { // start the browser and open the tab
		t.Fatal(err)
	}
	err = chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value))
				}
				tb.errs = append(tb.errs, "console: "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			tb.errs = append(tb.errs, "exception: "+ev.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				tb.errs = append(tb.errs, fmt.Sprintf("browser: %s (%s)", ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) run(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

// get runs one action that returns a value.
func get[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, a)
	if err != nil {
		tb.t.Fatal(err)
	}
	return v
}

type css = chromedp.CSS

// open navigates to path and waits for its heading.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.run(chromedp.Navigate(tb.base+path), chromedp.WaitVisible(css("h1")))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return get(tb, chromedp.Text(css(sel)))
}

func (tb *tab) location() string {
	tb.t.Helper()
	return get(tb, chromedp.Location())
}

// noErrors fails the test on any error the pages reported so far.
func (tb *tab) noErrors(where string) {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errs {
		if !slices.ContainsFunc(tb.expected, func(x string) bool { return strings.Contains(e, x) }) {
			tb.t.Errorf("%s: %s", where, e)
		}
	}
	tb.errs, tb.expected = nil, nil
	tb.t.Logf("%s: done at %v", where, time.Since(tb.start).Round(time.Millisecond))
}

// axeViolation is one of axe-core's findings.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// accessible runs axe-core on the page (WCAG 2.1 A and AA) and fails on
// any serious or critical violation.
func (tb *tab) accessible(name string) {
	tb.t.Helper()
	tb.run(chromedp.Evaluate[chromedp.Void](tb.axe))
	out := get(tb, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
			.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))`,
		func(p *runtime.EvaluateParams) { p.AwaitPromise = new(true) }))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		tb.t.Fatalf("axe on %s: %v", name, err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			tb.t.Errorf("axe on %s: %s %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
		} else {
			tb.t.Logf("axe on %s (%s, not failing): %s: %s at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
		}
	}
}

// screenshot saves the page (sel empty) or the element sel as
// docs/screenshots/name.png, with -update-screenshots.
func (tb *tab) screenshot(name, sel string) {
	tb.t.Helper()
	if !*updateScreenshots {
		return
	}
	var buf []byte
	if sel == "" {
		buf = get(tb, chromedp.FullScreenshot(100))
	} else {
		tb.run(chromedp.ScrollIntoView(css(sel)))
		buf = get(tb, chromedp.Screenshot(css(sel)))
	}
	if err := os.WriteFile(filepath.Join("..", "docs", "screenshots", name+".png"), buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// navigate runs steps that load a new page (a click, a form sent) and
// waits until the new page has replaced the one before.
func (tb *tab) navigate(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	tb.run(chromedp.Evaluate[chromedp.Void](`window.__before = true`))
	// A form's submit() may unload the page before its call returns:
	// Chromium then says the target navigated, which is what was asked.
	if err := chromedp.Do(tb.ctx, steps...); err != nil && !strings.Contains(err.Error(), "Inspected target navigated or closed") {
		tb.t.Fatal(err)
	}
	// Ask until the new page answers; while the old one unloads, the
	// question may fail.
	for start := time.Now(); time.Since(start) < 20*time.Second; time.Sleep(50 * time.Millisecond) {
		if done, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`!window.__before && document.readyState === 'complete'`)); err == nil && done {
			return
		}
	}
	tb.t.Fatal("the page did not change within 20s")
}

// focused describes the element that has the keyboard's focus.
func (tb *tab) focused() string {
	tb.t.Helper()
	return get(tb, chromedp.Evaluate[string](`(e => e.tagName + (e.id ? '#' + e.id : '') + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '') + (e.textContent ? ' ' + e.textContent.trim().slice(0, 40) : ''))(document.activeElement)`))
}

// tabTo presses Tab until the focused element's description contains
// want, at most limit times, and fails if it never does.
func (tb *tab) tabTo(want string, limit int) {
	tb.t.Helper()
	for range limit {
		tb.run(chromedp.KeyEvent(kb.Tab))
		if strings.Contains(tb.focused(), want) {
			return
		}
	}
	tb.t.Fatalf("Tab %d times: never reached %q (now at %q)", limit, want, tb.focused())
}

// The staff desk in Chromium, as a clerk and counsel use it: every page
// free of console errors and of serious accessibility violations.
func TestBrowser(t *testing.T) {
	// A plain name: the screenshots go in the README. Markup in names is
	// TestMarkupIsText's.
	const name = "Ana María Ruiz"
	e := newEnvNamed(t, name)
	tb := newTab(t, e)

	// Sign in with the token.
	tb.open("/signin")
	tb.accessible("sign-in")
	tb.screenshot("signin", "")
	tb.run(chromedp.SendKeys(css("#token"), e.tokens[liaison.RoleClerk]))
	tb.navigate(chromedp.Submit(css("#token")))
	if got := tb.text("h1"); got != "Queue" {
		t.Fatalf("after sign-in the page is %q, want the queue", got)
	}
	tb.accessible("queue")
	tb.screenshot("queue", "")
	tb.noErrors("queue")

	// Find a case by booking number: the number goes in a form, and the
	// case's URL holds its id only.
	tb.run(chromedp.SetValue(css("#search-agency"), e.agency.ID), chromedp.SendKeys(css("#booking"), "B-1001"))
	tb.navigate(chromedp.Submit(css("#booking")))
	if loc := tb.location(); !strings.HasSuffix(loc, "/cases/"+e.caseID) || strings.Contains(loc, "B-1001") {
		t.Errorf("found by booking number: at %s, want /cases/%s", loc, e.caseID)
	}
	if got := tb.text(".name"); got != name {
		t.Errorf("person's name shown as %q, want %q", got, name)
	}

	// A forbidden action: its button disabled, with the reason.
	disabled := get(tb, chromedp.Evaluate[bool](`document.querySelector('#card-honor_detainer .actions button.primary').disabled`))
	if why := tb.text("#why-honor_detainer"); !disabled || !strings.Contains(why, "forbidden") || !strings.Contains(why, "7284.6") {
		t.Errorf("honor_detainer: button disabled %v, reason %q; want disabled, citing Cal. Gov. Code 7284.6", disabled, why)
	}
	tb.accessible("case")
	tb.screenshot("case", "")
	tb.screenshot("decision-card", "#card-honor_detainer")
	tb.noErrors("case")

	// Supply the missing fact: the outcome changes.
	if got := tb.text("#card-notify_release .badge"); got != "undetermined" {
		t.Fatalf("notify_release before facts: %q, want undetermined", got)
	}
	tb.screenshot("decision-card-undetermined", "#card-notify_release")
	robbery := `[{"offense":"CA PC 211","jurisdiction":"us/ca","description":"robbery","level":"felony","date":"2018-04-02","categories":["serious_felony","violent_felony","robbery"]}]`
	tb.run(chromedp.SendKeys(css("#fact-notify_release-0"), robbery),
		chromedp.SendKeys(css("#reason-notify_release"), "records check of 4 March"))
	tb.navigate(chromedp.Submit(css("#reason-notify_release")))
	if got := tb.text("#card-notify_release .badge"); got != "permitted" {
		t.Errorf("notify_release after the conviction was supplied: %q, want permitted", got)
	}

	// Carry out the permitted action: it is in the history.
	tb.run(chromedp.SendKeys(css("#note-notify_release"), "phoned the ERO duty officer"))
	tb.navigate(chromedp.Submit(css("#note-notify_release")))
	if h := tb.text(".history"); !strings.Contains(h, "notify release: done offline by Test clerk (clerk)") || !strings.Contains(h, "phoned the ERO duty officer") {
		t.Errorf("history after carrying out notify_release: %q", h)
	}
	// Record the refusal of the forbidden hold, for counsel to review.
	tb.navigate(chromedp.Click(css(`#card-honor_detainer .actions form button`)))
	if h := tb.text(".history"); !strings.Contains(h, "honor detainer: refused by Test clerk") {
		t.Errorf("history after the refusal: %q", h)
	}
	tb.noErrors("case after actions")

	// Print a notice in Spanish: the copy of the request the TRUTH Act
	// asks for (Cal. Gov. Code 7283.1(b)); in print, only the notice.
	tb.navigate(chromedp.Click(css(`section[aria-labelledby=duties] a[lang=es]`)))
	if h := tb.text("article.notice[lang=es] h1"); h != "Aviso de una solicitud de las autoridades federales de inmigración" {
		t.Errorf("notice in Spanish: title %q", h)
	}
	if p := tb.text("article.notice .notice-person"); p != name {
		t.Errorf("notice: person %q, want %q", p, name)
	}
	tb.accessible("notice")
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	shown := get(tb, chromedp.Evaluate[string](`['header.top', 'body > footer', '#print', 'form[action$="/done"]', 'article.notice', 'article.notice .notice-law'].map(s => document.querySelector(s).checkVisibility() ? 'shown' : 'hidden').join(' ')`))
	if shown != "hidden hidden hidden hidden shown shown" {
		t.Errorf("in print, header, footer, print button, form, notice, its legal basis: %s; want only the notice shown", shown)
	}
	tb.screenshot("notice-es", "")
	if _, err := chromedp.Call(tb.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	tb.run(chromedp.Clear(css("#given_by")), chromedp.SendKeys(css("#given_by"), "Deputy L. Ortiz"))
	tb.navigate(chromedp.Click(css(`form button.primary`)))
	if h := tb.text(".history"); !strings.Contains(h, "Duty done: Give the person a copy of the request") {
		t.Errorf("history after the notice was recorded as given: %q", h)
	}
	tb.noErrors("notice")

	// The other pages.
	tb.open("/duties")
	tb.accessible("duties")
	tb.open("/custody")
	tb.accessible("custody")
	tb.open("/law/rules/us-ca-values-act/hold-request")
	tb.accessible("rule")
	tb.noErrors("duties, custody, rule")

	// Keyboard only: from the queue to a case, and to its first form.
	tb.open("/queue")
	tb.run(chromedp.KeyEvent(kb.Tab))
	if f := tb.focused(); !strings.Contains(f, "Skip to content") {
		t.Errorf("first Tab on the queue focuses %q, want the skip link", f)
	}
	tb.run(chromedp.KeyEvent(kb.Enter))
	tb.tabTo("[href=/cases/"+e.caseID+"]", 40)
	tb.navigate(chromedp.KeyEvent(kb.Enter))
	if loc := tb.location(); !strings.HasSuffix(loc, "/cases/"+e.caseID) {
		t.Fatalf("Enter on the case link: at %s", loc)
	}
	tb.tabTo("Record a custody event", 20)
	tb.tabTo("INPUT#done-", 60)
	tb.noErrors("keyboard")

	// Sign out; counsel signs in and overrides the refusal, which is
	// refused without a written reason.
	tb.navigate(chromedp.Click(css(".signout button")))
	tb.run(chromedp.SendKeys(css("#token"), e.tokens[liaison.RoleCounsel]))
	tb.navigate(chromedp.Submit(css("#token")))
	tb.open("/cases/" + e.caseID)
	tb.expected = append(tb.expected, "status of 422 (Unprocessable Entity) ("+e.ts.URL+"/cases/"+e.caseID+"/override)")
	tb.navigate(chromedp.Click(css("#card-honor_detainer .override button")))
	if a := tb.text(".alert"); !strings.Contains(a, "written reason") {
		t.Errorf("override without a reason: alert %q, want it to ask for a written reason", a)
	}
	tb.run(chromedp.SendKeys(css("#override-honor_detainer"), "Judicial warrant signed by Judge Doe received by fax at 14:02"))
	tb.navigate(chromedp.Click(css("#card-honor_detainer .override button")))
	if h := tb.text(".history"); !strings.Contains(h, "Override of the refusal to honor detainer by Test counsel") {
		t.Errorf("history after the override: %q", h)
	}
	if b := tb.text("#card-honor_detainer h3"); !strings.Contains(b, "overridden by counsel") {
		t.Errorf("honor_detainer card after the override: %q", b)
	}
	tb.accessible("case as counsel")
	tb.noErrors("override")
}
