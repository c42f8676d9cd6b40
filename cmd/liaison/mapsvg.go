package main

import (
	"fmt"
	"html"
	"io"
	"slices"
	"strings"

	"liaison"
	"liaison/law"
)

// stateTiles places each state (and DC) on a grid roughly as on a map of
// the United States: a tile-grid cartogram, equal squares, not to scale.
var stateTiles = map[string][2]int{ // state: {column, row}
	"ak": {0, 0}, "me": {11, 0},
	"vt": {10, 1}, "nh": {11, 1},
	"wa": {1, 2}, "id": {2, 2}, "mt": {3, 2}, "nd": {4, 2}, "mn": {5, 2}, "il": {6, 2}, "wi": {7, 2}, "mi": {8, 2}, "ny": {9, 2}, "ri": {10, 2}, "ma": {11, 2},
	"or": {1, 3}, "nv": {2, 3}, "wy": {3, 3}, "sd": {4, 3}, "ia": {5, 3}, "in": {6, 3}, "oh": {7, 3}, "pa": {8, 3}, "nj": {9, 3}, "ct": {10, 3},
	"ca": {1, 4}, "ut": {2, 4}, "co": {3, 4}, "ne": {4, 4}, "mo": {5, 4}, "ky": {6, 4}, "wv": {7, 4}, "va": {8, 4}, "md": {9, 4}, "de": {10, 4},
	"az": {2, 5}, "nm": {3, 5}, "ks": {4, 5}, "ar": {5, 5}, "tn": {6, 5}, "nc": {7, 5}, "sc": {8, 5}, "dc": {9, 5},
	"ok": {4, 6}, "la": {5, 6}, "ms": {6, 6}, "al": {7, 6}, "ga": {8, 6},
	"hi": {0, 7}, "tx": {4, 7}, "fl": {9, 7},
}

var outcomeColor = map[liaison.Outcome]string{
	liaison.Required:     "#1b7837",
	liaison.Permitted:    "#a6dba0",
	liaison.Forbidden:    "#c2a5cf",
	liaison.Undetermined: "#f0f0f0",
}

// writeMapSVG draws the map's first action as a tile grid of the states,
// each tile coloured by its state's outcome and listing the bundled
// counties and cities of the state with theirs. States without packs of
// their own are answered by federal law; they are drawn in grey outline.
func writeMapSVG(w io.Writer, m *law.LawMap) error {
	if len(m.Cells) == 0 {
		return fmt.Errorf("map: no cells to draw")
	}
	action := m.Cells[0].Action
	byJur := map[liaison.Jurisdiction]law.MapCell{}
	for _, c := range m.Cells {
		if c.Action == action {
			byJur[c.Jurisdiction] = c
		}
	}
	const tile, gap = 96, 4
	var b strings.Builder
	width, height := 12*(tile+gap)+20, 8*(tile+gap)+90
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="10">`+"\n", width, height)
	fmt.Fprintf(&b, `<title>%s — %s on %s (tile grid of the states, not to scale)</title>`+"\n", html.EscapeString(m.Title), action, m.AsOf)
	fmt.Fprintf(&b, `<text x="10" y="18" font-size="14">%s on %s: %s</text>`+"\n", action, m.AsOf, html.EscapeString(m.Title))
	fmt.Fprintf(&b, `<text x="10" y="34">Each square is a state (a tile grid, not to scale); below its name, the bundled counties and cities. Illustrative encodings, not legal advice.</text>`+"\n")
	states := slices.Sorted(func(yield func(string) bool) {
		for s := range stateTiles {
			if !yield(s) {
				return
			}
		}
	})
	for _, st := range states {
		pos := stateTiles[st]
		x, y := 10+pos[0]*(tile+gap), 50+pos[1]*(tile+gap)
		j := liaison.Jurisdiction("us/" + st)
		c, ok := byJur[j]
		fill, stroke := "#ffffff", "#bbbbbb"
		label := strings.ToUpper(st)
		if ok {
			fill, stroke = outcomeColor[c.Outcome], "#555555"
			label += " " + string(c.Outcome)
		}
		fmt.Fprintf(&b, `<g><title>%s</title><rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="%s"/>`, html.EscapeString(cellTitle(j, c, ok)), x, y, tile, tile, fill, stroke)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-weight="bold">%s</text>`, x+4, y+13, html.EscapeString(label))
		line := 0
		for _, jj := range slices.Sorted(func(yield func(liaison.Jurisdiction) bool) {
			for k := range byJur {
				if strings.HasPrefix(string(k), string(j)+"/") && !yield(k) {
					return
				}
			}
		}) {
			lc := byJur[jj]
			name := string(jj)[len(j)+1:]
			if len(name) > 14 {
				name = name[:13] + "…"
			}
			fmt.Fprintf(&b, `<g><title>%s</title><rect x="%d" y="%d" width="8" height="8" fill="%s" stroke="#555555"/><text x="%d" y="%d">%s</text></g>`,
				html.EscapeString(cellTitle(jj, lc, true)), x+4, y+20+line*11, outcomeColor[lc.Outcome], x+15, y+28+line*11, html.EscapeString(name))
			line++
		}
		b.WriteString("</g>\n")
	}
	lx, ly := 10, 50+8*(tile+gap)+10
	for i, o := range []liaison.Outcome{liaison.Required, liaison.Permitted, liaison.Forbidden, liaison.Undetermined} {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s" stroke="#555555"/><text x="%d" y="%d">%s</text>`+"\n", lx+i*110, ly, outcomeColor[o], lx+i*110+14, ly+9, o)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d">white: no pack of the state's own (federal law answers there). Answers change on: %s</text>`+"\n", lx, ly+26, html.EscapeString(shortDates(m.ChangeDates)))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func cellTitle(j liaison.Jurisdiction, c law.MapCell, ok bool) string {
	if !ok {
		return string(j) + ": no pack of its own"
	}
	var cites []string
	for _, r := range c.Decisive {
		cites = append(cites, r.Citation)
	}
	if len(cites) == 0 {
		cites = []string{"no rule decides"}
	}
	return fmt.Sprintf("%s: %s — %s", j, c.Outcome, strings.Join(cites, "; "))
}

func shortDates(ds []string) string {
	if len(ds) > 12 {
		return strings.Join(ds[:6], ", ") + fmt.Sprintf(", … (%d dates) …, ", len(ds)-12) + strings.Join(ds[len(ds)-6:], ", ")
	}
	return strings.Join(ds, ", ")
}
