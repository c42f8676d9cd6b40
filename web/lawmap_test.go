package web_test

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison/law"
	"liaison/packs"
)

// The map page, open to anyone: the states and points of the case on a
// day, the matrix, and the days some answer changes, which are the
// engine's (each cell's timeline).
func TestLawMapPage(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t) // not signed in
	p := b.get("/law/map?case=detainer-admin-warrant-bail-eligible&action=honor_detainer&date=2019-06-01")
	if p.status != http.StatusOK {
		t.Fatalf("GET /law/map = %d\n%s", p.status, p.body)
	}
	for _, want := range []string{
		`id="state-ca" data-outcome="forbidden"`, // the Values Act, 2018
		`id="state-tx" data-outcome="required"`,  // SB 4, 2017
		`id="place-ca-los-angeles-county" data-outcome="forbidden"`,
		`id="place-ma-boston"`,
		`<tr id="row-us/il/cook-county">`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("GET /law/map: no %s", want)
		}
	}
	// The change dates are those of every cell's timeline.
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := law.LoadPresets(packs.Cases())
	if err != nil {
		t.Fatal(err)
	}
	preset, err := law.FindPreset(ps, "detainer-admin-warrant-bail-eligible")
	if err != nil {
		t.Fatal(err)
	}
	places, err := set.MapPlaces()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, j := range append(set.Jurisdictions(), places...) {
		for _, a := range preset.Actions {
			spans, err := set.Timeline(set.MapRequest(preset, j, a, time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)))
			if err != nil {
				t.Fatal(err)
			}
			for _, sp := range spans[1:] {
				want[sp.From] = true
			}
		}
	}
	var got []string
	for _, m := range regexp.MustCompile(`<li><a href="/law/map\?[^"]*date=([0-9-]+)"`).FindAllStringSubmatch(p.body, -1) {
		got = append(got, m[1])
	}
	if len(got) != len(want) || !slices.IsSorted(got) {
		t.Errorf("change-date links %v, want the %d days of the cells' timelines, sorted", got, len(want))
	}
	for _, d := range got {
		if !want[d] {
			t.Errorf("change-date link %s: no cell's answer changes that day", d)
		}
	}
	if !slices.Contains(got, "2018-01-01") {
		t.Errorf("change dates %v: no 2018-01-01 (the Values Act)", got)
	}
	// Every cell links to its decision, which cites its rules.
	cell := regexp.MustCompile(`<tr id="row-us/ca/los-angeles-county">.*?href="([^"]+)"`).FindStringSubmatch(p.body)
	if cell == nil {
		t.Fatal("no link in Los Angeles County's row")
	}
	d := b.get(strings.ReplaceAll(cell[1], "&amp;", "&"))
	if d.status != http.StatusOK || !strings.Contains(d.body, `<span class="badge forbidden">forbidden</span>`) || !strings.Contains(d.body, `href="/law/rules/us-ca-values-act/`) || !strings.Contains(d.body, "7284.6") {
		t.Errorf("GET %s = %d; want Los Angeles County's hold forbidden, citing the Values Act with a link to its rule\n%s", cell[1], d.status, d.body)
	}
	// And the same case there over time: before the TRUST Act (2014),
	// permitted; the Values Act's span (from 2018) is the current one.
	tl := regexp.MustCompile(`(?s)<table class="timeline">.*?</table>`).FindString(d.body)
	if !strings.Contains(tl, `<td>before</td><td>2013-12-31</td><td><span class="badge permitted">`) ||
		!regexp.MustCompile(`<tr aria-current="date"><td><a href="[^"]+">2018-0[0-9-]+</a>`).MatchString(tl) {
		t.Errorf("Los Angeles County's timeline:\n%s", tl)
	}
	// The case changed in the form, its action not: the case's first.
	if p := b.get("/law/map?case=interview-in-custody&action=notify_release&date=2021-01-01"); p.status != http.StatusOK || !strings.Contains(p.body, `<option value="allow_interview" selected>`) {
		t.Errorf("GET /law/map for an action of another case = %d, want the case's own action, allow_interview", p.status)
	}
	// Bad input is the user's to fix.
	for path, status := range map[string]int{
		"/law/map?case=nope":                     http.StatusNotFound,
		"/law/map?date=2019-13-01":               http.StatusUnprocessableEntity,
		"/law/map?action=hold":                   http.StatusUnprocessableEntity,
		"/law/map/decision?j=us/xx&date=2019-01": http.StatusUnprocessableEntity,
	} {
		if got := b.get(path).status; got != status {
			t.Errorf("GET %s = %d, want %d", path, got, status)
		}
	}
}

// The slider without JavaScript: moved, and sent with the Show button, it
// goes to its change date; with the day field changed, the day wins.
func TestLawMapSliderWithoutScript(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	base := "/law/map?case=detainer-admin-warrant-bail-eligible&action=honor_detainer&"
	p := b.get(base + "date=2013-06-01")
	step := regexp.MustCompile(`<li><a href="[^"]*date=([0-9-]+)"`).FindAllStringSubmatch(p.body, -1)
	idx := slices.IndexFunc(step, func(m []string) bool { return m[1] == "2014-01-01" })
	at := regexp.MustCompile(`name="at" value="(\d+)"`).FindStringSubmatch(p.body)
	if idx < 0 || at == nil {
		t.Fatalf("the page for 2013-06-01 has no change date 2014-01-01 or no slider position\n%s", p.body)
	}
	if strings.Contains(p.body, `id="state-ca" data-outcome="forbidden"`) {
		t.Error("California forbids the hold on 2013-06-01, before the TRUST Act (2014)")
	}
	moved := url.Values{"date": {"2013-06-01"}, "was": {"2013-06-01"}, "at": {at[1]}, "step": {itoa(idx)}}
	r := b.get(base + moved.Encode())
	if loc := r.header.Get("Location"); r.status != http.StatusSeeOther || !strings.Contains(loc, "date=2014-01-01") {
		t.Fatalf("slider moved to 2014-01-01 = %d to %q, want 303 to the map of 2014-01-01", r.status, loc)
	}
	if p := b.get(r.header.Get("Location")); !strings.Contains(p.body, `id="state-ca" data-outcome="forbidden"`) {
		t.Error("on 2014-01-01, California's outline does not say forbidden")
	}
	typed := url.Values{"date": {"2019-06-01"}, "was": {"2013-06-01"}, "at": {at[1]}, "step": {itoa(idx)}}
	if r := b.get(base + typed.Encode()); r.status != http.StatusOK {
		t.Errorf("a new day typed in, the slider moved too = %d, want the typed day's page", r.status)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// /law/map.svg is the map alone, well-formed.
func TestLawMapSVG(t *testing.T) {
	e := newEnv(t)
	p := e.browser(t).get("/law/map.svg?case=interview-in-custody&date=2021-01-01")
	if p.status != http.StatusOK || p.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("GET /law/map.svg = %d %s", p.status, p.header.Get("Content-Type"))
	}
	if err := xml.Unmarshal([]byte(p.body), new(struct{})); err != nil {
		t.Errorf("GET /law/map.svg: not well-formed: %v", err)
	}
	if !strings.Contains(p.body, `id="state-ca" data-outcome="forbidden"`) {
		t.Error("GET /law/map.svg: California does not forbid the interview without consent (TRUTH Act)")
	}
}

// BenchmarkLawMapPage measures the map page: a case decided in every
// jurisdiction and place, each cell's timeline, the SVG.
func BenchmarkLawMapPage(b *testing.B) {
	benchGet(b, "/law/map?case=detainer-admin-warrant-bail-eligible&date=2019-06-01")
}

// benchGet times GET path, not signed in.
func benchGet(b *testing.B, path string) {
	br := newEnv(b).browser(b)
	for b.Loop() {
		if p := br.get(path); p.status != http.StatusOK {
			b.Fatalf("GET %s = %d", path, p.status)
		}
	}
}
