package usmap

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strings"

	"liaison"
	"liaison/law"
)

// Colours of the outcomes (ColorBrewer's PRGn, safe for the common kinds
// of colour blindness), and the colour of the text written on them. The
// outcome is also written in words on every state and in the key: the
// colour is never the only sign of it.
var colours = map[liaison.Outcome][2]string{
	liaison.Required:     {"#1b7837", "#ffffff"},
	liaison.Permitted:    {"#a6dba0", "#000000"},
	liaison.Forbidden:    {"#762a83", "#ffffff"},
	liaison.Conflict:     {"#e08214", "#000000"},
	liaison.Undetermined: {"#f7f7f7", "#000000"},
}

// noLaw is the fill of a state with no law of its own in the set.
const noLaw = "#dddddd"

// Outcomes lists the outcomes in the order the legend shows them.
var outcomes = []liaison.Outcome{liaison.Required, liaison.Permitted, liaison.Forbidden, liaison.Conflict, liaison.Undetermined}

// Width and the height of the map itself, in the SVG's units.
const (
	Width     = 975
	mapHeight = 610
	top       = 56 // the title above the map
)

// Write draws m's cells for action as a map: each state with a cell of
// its own filled by its outcome, with its code and the outcome written on
// it (or beside it, for a small state); every other place with a cell
// drawn as a point; below, a legend, a key listing every place with its
// outcome in words, and the days on which some answer changes. href, when
// not nil, gives each cell a link (to the decision it shows).
//
// The SVG is standalone (an XML declaration-free document with its own
// namespace) and the same inline in a page.
func Write(w io.Writer, m *law.LawMap, action liaison.Action, href func(liaison.Jurisdiction) string) error {
	byJur := map[liaison.Jurisdiction]law.MapCell{}
	for _, c := range m.Cells {
		if c.Action == action {
			byJur[c.Jurisdiction] = c
		}
	}
	if len(byJur) == 0 {
		return liaison.Errorf(liaison.Invalid, "action", "the map of %s has no cell for %s", m.Case, action)
	}
	link := func(j liaison.Jurisdiction) (open, end string) {
		if href == nil {
			return "", ""
		}
		return fmt.Sprintf(`<a href="%s">`, esc(href(j))), "</a>"
	}
	var points []liaison.Jurisdiction // cells below the level of a state
	for j := range byJur {
		if strings.Count(string(j), "/") >= 2 {
			points = append(points, j)
		}
	}
	slices.Sort(points)
	const keyCols, keyRow = 3, 17
	keyRows := (len(points) + keyCols - 1) / keyCols
	height := top + mapHeight + 44 + keyRows*keyRow + 40

	var b strings.Builder
	title := fmt.Sprintf("Map of the law: %s, on %s", words(action), m.AsOf)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" font-family="sans-serif" font-size="12" aria-labelledby="map-title map-desc" class="lawmap">`+"\n", Width, height, Width, height)
	fmt.Fprintf(&b, `<title id="map-title">%s</title>`+"\n", esc(title))
	fmt.Fprintf(&b, `<desc id="map-desc">%s. Each state with law of its own is coloured by its outcome, written on it; the counties and cities are points, listed with their outcomes below the map. Illustrative encodings, not legal advice.</desc>`+"\n", esc(m.Title))
	fmt.Fprintf(&b, `<text x="8" y="20" font-size="16" font-weight="bold">%s</text>`+"\n", esc(title))
	fmt.Fprintf(&b, `<text x="8" y="40">%s</text>`+"\n", esc(m.Title))

	// The states, then their labels above every outline.
	fmt.Fprintf(&b, `<g transform="translate(0 %d)">`+"\n", top)
	states := States()
	fed, hasFed := byJur["us"]
	for _, st := range states {
		j := liaison.Jurisdiction("us/" + st.Code)
		c, ok := byJur[j]
		if !ok {
			t := st.Name + ": no law of its own encoded"
			if hasFed {
				t += "; federal law alone answers: " + string(fed.Outcome)
			}
			fmt.Fprintf(&b, `<path d="%s" fill="%s" stroke="#ffffff" stroke-width="0.75"><title>%s</title></path>`+"\n", st.Path, noLaw, esc(t))
			continue
		}
		open, end := link(j)
		fmt.Fprintf(&b, `%s<path id="state-%s" data-outcome="%s" d="%s" fill="%s" stroke="#ffffff" stroke-width="0.75" aria-label="%s"><title>%s</title></path>%s`+"\n",
			open, st.Code, c.Outcome, st.Path, colours[c.Outcome][0], esc(st.Name+": "+string(c.Outcome)), esc(cellTitle(st.Name, c)), end)
	}
	// The counties and cities, as points: a circle for a county, a
	// square for a city, filled by the outcome; one that would cover
	// another is moved clear of it, with a line to where it is.
	at := spread(points)
	for _, j := range points {
		p, ok := places[j]
		if !ok {
			continue // listed in the key only
		}
		c := byJur[j]
		x, y := Project(p.Lon, p.Lat)
		mx, my := at[j][0], at[j][1]
		leader := ""
		if math.Hypot(mx-x, my-y) > 0.5 {
			leader = fmt.Sprintf(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#000000" stroke-width="1"/><circle cx="%.1f" cy="%.1f" r="1.5" fill="#000000"/>`, x, y, mx, my, x, y)
		}
		open, end := link(j)
		fmt.Fprintf(&b, `%s<g id="place-%s" data-outcome="%s" aria-label="%s"><title>%s</title>%s%s</g>%s`+"\n",
			open, pointID(j), c.Outcome, esc(p.Name+": "+string(c.Outcome)), esc(cellTitle(p.Name+" ("+string(j)+")", c)), leader, marker(j, mx, my, colours[c.Outcome][0]), end)
	}
	// The labels, above the points, with a halo of the state's colour.
	small := 0
	for _, st := range states {
		c, ok := byJur[liaison.Jurisdiction("us/"+st.Code)]
		if !ok {
			continue
		}
		if smallStates[st.Code] {
			// Beside the coast, with a line to the state.
			x, y := 930.0, 250+float64(small)*30
			small++
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333333" stroke-width="0.75"/>`, st.LabelX, st.LabelY, x-2, y-4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-weight="bold" aria-hidden="true" pointer-events="none">%s</text>`+"\n", x, y, esc(strings.ToUpper(st.Code)))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" aria-hidden="true" pointer-events="none">%s</text>`+"\n", x, y+11, esc(string(c.Outcome)))
			continue
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" fill="%s" stroke="%s" stroke-width="3" paint-order="stroke" aria-hidden="true" pointer-events="none">%s</text>`, st.LabelX, st.LabelY, colours[c.Outcome][1], colours[c.Outcome][0], esc(strings.ToUpper(st.Code)))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="10" fill="%s" stroke="%s" stroke-width="3" paint-order="stroke" aria-hidden="true" pointer-events="none">%s</text>`+"\n", st.LabelX, st.LabelY+12, colours[c.Outcome][1], colours[c.Outcome][0], esc(string(c.Outcome)))
	}
	b.WriteString("</g>\n")

	// The legend: each outcome's colour with its name; then the key.
	y := top + mapHeight + 18
	x := 8
	for _, o := range outcomes {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s" stroke="#333333"/><text x="%d" y="%d">%s</text>`+"\n", x, y-11, colours[o][0], x+19, y, o)
		x += 118
	}
	fedText := "grey: no state law encoded"
	if hasFed {
		fedText += " (federal alone: " + string(fed.Outcome) + ")"
	}
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="14" fill="%s" stroke="#333333"/><text x="%d" y="%d">%s</text>`+"\n", x, y-11, noLaw, x+19, y, esc(fedText))
	y += 22
	fmt.Fprintf(&b, `<text x="8" y="%d" font-weight="bold">Counties (circles) and cities (squares):</text>`+"\n", y)
	for i, j := range points {
		c := byJur[j]
		col, row := i/keyRows, i%keyRows
		kx, ky := 8+col*(Width/keyCols), y+12+row*keyRow
		where := ""
		if _, ok := places[j]; !ok {
			where = " (not drawn)"
		}
		open, end := link(j)
		fmt.Fprintf(&b, `%s%s<text x="%d" y="%d">%s</text>%s`+"\n", open, marker(j, float64(kx+5), float64(ky-4), colours[c.Outcome][0]), kx+14, ky,
			esc(fmt.Sprintf("%s, %s%s: %s", Name(j), strings.ToUpper(stateOf(j)), where, c.Outcome)), end)
	}
	y += 12 + keyRows*keyRow + 8
	fmt.Fprintf(&b, `<text x="8" y="%d" font-size="11">Answers change on: %s</text>`+"\n", y, esc(shortDates(m.ChangeDates)))
	fmt.Fprintf(&b, `<text x="8" y="%d" font-size="11">Illustrative encodings of the law with citations, not legal advice. Outlines: U.S. Census Bureau (public domain).</text>`+"\n", y+16)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// smallStates are labelled beside the map, with a line to them.
var smallStates = map[string]bool{"ma": true, "ri": true, "ct": true, "nj": true, "de": true, "md": true, "dc": true, "vt": true, "nh": true}

// marker is a county's circle or a city's square at x, y: filled by its
// outcome, outlined in black inside a white halo, so that it stands out
// from its state whatever either's colour (the black against the light
// fills, the white against the dark: each at least 3:1, WCAG's contrast
// for graphical objects, where a point's colour is its state's, as
// Oregon's counties on an Oregon that answers the same).
func marker(j liaison.Jurisdiction, x, y float64, fill string) string {
	const halo = `fill="none" stroke="#ffffff" stroke-width="5"`
	const line = `stroke="#000000" stroke-width="1.5"`
	if strings.HasSuffix(string(j), "-county") {
		return fmt.Sprintf(`<circle cx="%.1f" cy="%.1f" r="5.5" %s/><circle cx="%.1f" cy="%.1f" r="5.5" fill="%s" %s/>`, x, y, halo, x, y, fill, line)
	}
	return fmt.Sprintf(`<rect x="%.1f" y="%.1f" width="10" height="10" %s/><rect x="%.1f" y="%.1f" width="10" height="10" fill="%s" %s/>`, x-5, y-5, halo, x-5, y-5, fill, line)
}

// markerClear is how far apart two markers' centres must be not to
// cover each other: a marker with its halo is 15 px across.
const markerClear = 16

// spread returns where to draw each point that has a place: at its place,
// unless that would cover a marker placed before it (the cities', then
// the counties', each in points' order);
// then at the nearest spot clear of them all, on rings of growing radius
// around the place (Portland, Multnomah and Washington counties lie within
// a few pixels of each other).
func spread(points []liaison.Jurisdiction) map[liaison.Jurisdiction][2]float64 {
	out := map[liaison.Jurisdiction][2]float64{}
	var placed [][2]float64
	// Cities first: a city is a point, a county's place only its middle.
	points = slices.Clone(points)
	slices.SortStableFunc(points, func(a, b liaison.Jurisdiction) int {
		return cmpBool(strings.HasSuffix(string(a), "-county"), strings.HasSuffix(string(b), "-county"))
	})
	clear := func(x, y float64) bool {
		for _, q := range placed {
			if math.Hypot(x-q[0], y-q[1]) < markerClear {
				return false
			}
		}
		return true
	}
	for _, j := range points {
		p, ok := places[j]
		if !ok {
			continue
		}
		x0, y0 := Project(p.Lon, p.Lat)
		x, y := x0, y0
	search:
		for r := 2.0; !clear(x, y) && r < 200; r += 2 {
			for k := range 16 {
				// Down first, then alternately either side of it, up last:
				// the crowded places lie on northern borders (Portland,
				// the north of Chicago), and up would cross them.
				a := math.Pi/2 + float64((k+1)/2)*math.Pi/8*float64(1-2*(k%2))
				if cx, cy := x0+r*math.Cos(a), y0+r*math.Sin(a); clear(cx, cy) {
					x, y = cx, cy
					break search
				}
			}
		}
		out[j] = [2]float64{x, y}
		placed = append(placed, out[j])
	}
	return out
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// pointID is j as an id: "us/ca/los-angeles-county" → "ca-los-angeles-county".
func pointID(j liaison.Jurisdiction) string {
	return strings.ReplaceAll(strings.TrimPrefix(string(j), "us/"), "/", "-")
}

func stateOf(j liaison.Jurisdiction) string {
	parts := strings.Split(string(j), "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// cellTitle is what a cell's tooltip says: the place, the outcome, and
// the citations of the rules that decided it.
func cellTitle(name string, c law.MapCell) string {
	var cites []string
	for _, r := range c.Decisive {
		cites = append(cites, r.Citation)
	}
	if len(cites) == 0 {
		cites = []string{"no rule decides"}
	}
	return fmt.Sprintf("%s: %s (%s)", name, c.Outcome, strings.Join(cites, "; "))
}

func words(a liaison.Action) string { return strings.ReplaceAll(string(a), "_", " ") }

func esc(s string) string { return html.EscapeString(s) }

func shortDates(ds []string) string {
	if len(ds) > 12 {
		return strings.Join(ds[:6], ", ") + fmt.Sprintf(", … (%d more) …, ", len(ds)-12) + strings.Join(ds[len(ds)-6:], ", ")
	}
	return strings.Join(ds, ", ")
}
