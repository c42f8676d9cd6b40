package usmap_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/law"
	"liaison/law/usmap"
	"liaison/packs"
)

// The projection places points where the geometry has them: Colorado's
// corners (41° N, 109.05° W and 37° N, 102.04° W) are the first and a
// later point of its outline.
func TestProjectMatchesGeometry(t *testing.T) {
	var co usmap.State
	for _, s := range usmap.States() {
		if s.Code == "co" {
			co = s
		}
	}
	for _, c := range []struct{ lon, lat float64 }{{-109.05, 41}, {-102.04, 37}} {
		x, y := usmap.Project(c.lon, c.lat)
		found := false
		for _, pt := range strings.FieldsFunc(co.Path, func(r rune) bool { return r == 'M' || r == 'L' || r == 'Z' }) {
			var px, py float64
			if _, err := fmt.Sscanf(pt, "%g %g", &px, &py); err != nil {
				t.Fatal(err)
			}
			if math.Hypot(px-x, py-y) < 0.5 {
				found = true
			}
		}
		if !found {
			t.Errorf("Project(%g, %g) = %.1f, %.1f: not a corner of Colorado's outline %s", c.lon, c.lat, x, y, co.Path)
		}
	}
}

func TestStates(t *testing.T) {
	ss := usmap.States()
	if len(ss) != 51 {
		t.Errorf("States() has %d, want 50 states and DC", len(ss))
	}
	for _, s := range ss {
		if !strings.HasPrefix(s.Path, "M") || !strings.HasSuffix(s.Path, "Z") || s.LabelX <= 0 || s.LabelX >= usmap.Width || s.LabelY <= 0 || s.LabelY >= 610 {
			t.Errorf("state %s (%s): label at %g, %g, path %.40s…", s.Code, s.Name, s.LabelX, s.LabelY, s.Path)
		}
	}
}

// Every county and city the bundled pack tests name has a point on the map.
func TestEveryBundledPlaceIsDrawn(t *testing.T) {
	set, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()})
	if err != nil {
		t.Fatal(err)
	}
	places, err := set.MapPlaces()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range places {
		if strings.Count(string(j), "/") < 2 {
			continue
		}
		n++
		p, ok := usmap.PlaceOf(j)
		if !ok {
			t.Errorf("%s: no point on the map (add it to usmap's places)", j)
			continue
		}
		if x, y := usmap.Project(p.Lon, p.Lat); x < 0 || x > usmap.Width || y < 0 || y > 610 {
			t.Errorf("%s at %.1f, %.1f: off the map", j, x, y)
		}
	}
	if n < 20 {
		t.Errorf("MapPlaces: %d counties and cities, want the bundled ones (more than 20)", n)
	}
}

func cell(j liaison.Jurisdiction, a liaison.Action, o liaison.Outcome, cite string) law.MapCell {
	c := law.MapCell{Jurisdiction: j, Action: a, Outcome: o}
	if cite != "" {
		c.Decisive = []liaison.RuleRef{{Pack: "p", Rule: "r", Citation: cite}}
	}
	return c
}

func TestWrite(t *testing.T) {
	m := &law.LawMap{Case: "c", Title: "A <detainer> & more", AsOf: "2019-06-01", ChangeDates: []string{"2014-01-01", "2018-01-01"}, Cells: []law.MapCell{
		cell("us", "honor_detainer", liaison.Permitted, ""),
		cell("us/ca", "honor_detainer", liaison.Forbidden, "Cal. Gov. Code 7284.6(a)(1)(B)"),
		cell("us/ca", "notify_release", liaison.Required, ""),
		cell("us/tx", "honor_detainer", liaison.Required, "Tex. Code Crim. Proc. art. 2.251"),
		cell("us/ma", "honor_detainer", liaison.Conflict, "x"),
		cell("us/ca/los-angeles-county", "honor_detainer", liaison.Forbidden, "Cal. Gov. Code 7284.6(a)(1)(B)"),
		cell("us/tx/travis-county", "honor_detainer", liaison.Required, ""),
		cell("us/zz/nowhere", "honor_detainer", liaison.Undetermined, ""),
	}}
	var b bytes.Buffer
	href := func(j liaison.Jurisdiction) string { return "/d?j=" + string(j) + "&x=1" }
	if err := usmap.Write(&b, m, "honor_detainer", href); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
		t.Fatalf("Write: not well-formed XML: %v", err)
	}
	for _, want := range []string{
		`id="state-ca" data-outcome="forbidden"`,
		`aria-label="California: forbidden"`,
		`<title>California: forbidden (Cal. Gov. Code 7284.6(a)(1)(B))</title>`,
		`id="state-tx" data-outcome="required"`,
		`id="state-ma" data-outcome="conflict"`,
		`>MA</text>`, // a small state, labelled beside the map
		`id="place-ca-los-angeles-county" data-outcome="forbidden"`,
		`id="place-tx-travis-county" data-outcome="required"`,
		`Los Angeles County, CA: forbidden`,
		`Nowhere, ZZ (not drawn): undetermined`,
		`<title>Nevada: no law of its own encoded; federal law alone answers: permitted</title>`,
		`<a href="/d?j=us/ca&amp;x=1">`,
		`A &lt;detainer&gt; &amp; more`,
		`Answers change on: 2014-01-01, 2018-01-01`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("Write: no %s", want)
		}
	}
	for _, o := range []string{"required", "permitted", "forbidden", "conflict", "undetermined"} {
		if !strings.Contains(svg, ">"+o+"</text>") {
			t.Errorf("Write: the legend does not name %s", o)
		}
	}
	if strings.Contains(svg, `id="state-ca" data-outcome="required"`) {
		t.Error("Write drew notify_release's cell, not honor_detainer's")
	}
	// No links without href; no map for an action without cells.
	b.Reset()
	if err := usmap.Write(&b, m, "honor_detainer", nil); err != nil || strings.Contains(b.String(), "<a ") {
		t.Errorf("Write without href = %v, links: %v", err, strings.Contains(b.String(), "<a "))
	}
	if err := usmap.Write(&b, m, "allow_interview", nil); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Write for an action without cells = %v, want an Invalid error", err)
	}
}

func TestName(t *testing.T) {
	for j, want := range map[liaison.Jurisdiction]string{"us": "Federal", "us/ca": "California", "us/il/mchenry-county": "McHenry County", "us/zz/new-town": "New Town"} {
		if got := usmap.Name(j); got != want {
			t.Errorf("Name(%s) = %q, want %q", j, got, want)
		}
	}
}

// The bundled map: every state with packs and every bundled county and
// city is drawn with its own cell's outcome, and named with it in words.
func TestWriteBundled(t *testing.T) {
	set, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := law.LoadPresets(packs.Cases())
	if err != nil {
		t.Fatal(err)
	}
	places, err := set.MapPlaces()
	if err != nil {
		t.Fatal(err)
	}
	p, err := law.FindPreset(ps, "notify-serious-felony")
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Map(p, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), places...)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := usmap.Write(&b, m, "notify_release", nil); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
		t.Fatalf("Write: not well-formed XML: %v", err)
	}
	outcomes := map[liaison.Outcome]bool{}
	for _, c := range m.Cells {
		outcomes[c.Outcome] = true
		parts := strings.Split(string(c.Jurisdiction), "/")
		var want []string
		switch len(parts) {
		case 1:
			want = []string{"(federal alone: " + string(c.Outcome) + ")"}
		case 2:
			want = []string{fmt.Sprintf(`id="state-%s" data-outcome="%s"`, parts[1], c.Outcome), fmt.Sprintf(`aria-label="%s: %s"`, usmap.Name(c.Jurisdiction), c.Outcome)}
		default:
			want = []string{fmt.Sprintf(`id="place-%s" data-outcome="%s"`, strings.Join(parts[1:], "-"), c.Outcome),
				fmt.Sprintf(`%s, %s: %s</text>`, usmap.Name(c.Jurisdiction), strings.ToUpper(parts[1]), c.Outcome)}
		}
		for _, w := range want {
			if !strings.Contains(svg, w) {
				t.Errorf("%s: no %s", c.Jurisdiction, w)
			}
		}
	}
	if len(outcomes) < 2 {
		t.Errorf("the map of %s on 2020-06-01 has outcomes %v, want more than one (a test that could not tell them apart)", p.Name, outcomes)
	}
}

// TestPointsStandOut: every county and city drawn on the bundled map
// (on a day when Oregon's counties answer as Oregon does) is ringed, at
// least 1.5 px wide, by a colour that contrasts at least 3:1 (WCAG 2.1,
// 1.4.11, graphical objects) with the fill of the state it sits on.
func TestPointsStandOut(t *testing.T) {
	svg := bundledMap(t, "detainer-admin-warrant-bail-eligible", "honor_detainer", time.Date(2019, 12, 19, 0, 0, 0, 0, time.UTC))
	fills := map[string]string{}
	for _, m := range regexp.MustCompile(`id="state-([a-z]+)"[^>]* fill="(#[0-9a-f]{6})"`).FindAllStringSubmatch(svg, -1) {
		fills[m[1]] = m[2]
	}
	stroke := regexp.MustCompile(`<(?:circle|rect) [^>]*?(?:fill="([^"]+)" )?stroke="(#[0-9a-f]{6})" stroke-width="([0-9.]+)"`)
	drawn := 0
	for _, g := range regexp.MustCompile(`<g id="place-([a-z]+)-([a-z-]+)"[^>]*>(.*?)</g>`).FindAllStringSubmatch(svg, -1) {
		state, bg := g[1], fills[g[1]]
		if bg == "" {
			continue // on a state with no law of its own
		}
		drawn++
		// Each shape's stroke, outermost first: a halo (no fill) shows
		// the part of its width beyond the stroke drawn over it.
		shapes := stroke.FindAllStringSubmatch(g[3], -1)
		ok := false
		for i, s := range shapes {
			w, _ := strconv.ParseFloat(s[3], 64)
			if s[1] == "none" && i+1 < len(shapes) {
				inner, _ := strconv.ParseFloat(shapes[i+1][3], 64)
				w = (w - inner) / 2
			}
			if w >= 1.5 && contrast(s[2], bg) >= 3 {
				ok = true
			}
		}
		if !ok {
			t.Errorf("place %s-%s on %s (%s): no ring 1.5 px wide that contrasts 3:1 with the state: %s", state, g[2], state, bg, g[3])
		}
	}
	if drawn < 20 {
		t.Errorf("%d places drawn on states with law of their own, want the bundled ones (20 or more)", drawn)
	}
}

// contrast is the WCAG contrast ratio of two colours #rrggbb.
func contrast(a, b string) float64 {
	lum := func(c string) float64 {
		v, _ := strconv.ParseUint(c[1:], 16, 32)
		var l float64
		for i, k := range []float64{0.2126, 0.7152, 0.0722} {
			x := float64(v>>(16-8*i)&0xff) / 255
			if x <= 0.03928 {
				x /= 12.92
			} else {
				x = math.Pow((x+0.055)/1.055, 2.4)
			}
			l += k * x
		}
		return l
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestPointsDoNotCover: on the bundled map no county's or city's marker
// covers another's (Portland, Multnomah and Washington counties are a few
// pixels apart); one moved clear has a line to its place.
func TestPointsDoNotCover(t *testing.T) {
	svg := bundledMap(t, "detainer-admin-warrant-bail-eligible", "honor_detainer", time.Date(2019, 12, 19, 0, 0, 0, 0, time.UTC))
	type point struct {
		id   string
		x, y float64
	}
	var pts []point
	num := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	for _, g := range regexp.MustCompile(`<g id="place-([a-z-]+)"[^>]*>(.*?)</g>`).FindAllStringSubmatch(svg, -1) {
		if m := regexp.MustCompile(`<circle cx="([0-9.]+)" cy="([0-9.]+)" r="5.5"`).FindStringSubmatch(g[2]); m != nil {
			pts = append(pts, point{g[1], num(m[1]), num(m[2])})
		} else if m := regexp.MustCompile(`<rect x="([0-9.]+)" y="([0-9.]+)" width="10"`).FindStringSubmatch(g[2]); m != nil {
			pts = append(pts, point{g[1], num(m[1]) + 5, num(m[2]) + 5})
		} else {
			t.Fatalf("place %s: no marker in %s", g[1], g[2])
		}
	}
	if len(pts) < 20 {
		t.Fatalf("%d places drawn, want the bundled ones", len(pts))
	}
	for i, p := range pts {
		for _, q := range pts[i+1:] {
			if d := math.Hypot(p.x-q.x, p.y-q.y); d < 15 {
				t.Errorf("%s and %s: markers %.1f px apart, covering each other (want 15 or more)", p.id, q.id, d)
			}
		}
	}
	if !strings.Contains(svg, `<g id="place-or-portland"`) || !regexp.MustCompile(`<g id="place-or-[a-z-]+"[^>]*><title>[^<]*</title><line `).MatchString(svg) {
		t.Errorf("no Oregon place moved clear with a line to where it is")
	}
}

// bundledMap draws the bundled law's map of preset on day, for action.
func bundledMap(t *testing.T, preset string, action liaison.Action, day time.Time) string {
	t.Helper()
	set, err := law.LoadLayers(law.Layer{Name: "bundled", FS: packs.FS()})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := law.LoadPresets(packs.Cases())
	if err != nil {
		t.Fatal(err)
	}
	places, err := set.MapPlaces()
	if err != nil {
		t.Fatal(err)
	}
	p, err := law.FindPreset(ps, preset)
	if err != nil {
		t.Fatal(err)
	}
	m, err := set.Map(p, day, places...)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := usmap.Write(&b, m, action, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
