// Package usmap draws a map of the law (law.LawMap) as a map of the
// United States in SVG: each state with law of its own coloured and
// labelled by its outcome for one action, the bundled counties and cities
// as marked points with theirs, and a legend in words. The geometry is
// public-domain Census data, simplified and embedded (see SOURCE.md).
package usmap

import (
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	"liaison"
)

//go:embed states.tsv
var statesTSV string

// A State is one state's outline, in the 975 × 610 coordinates of the map.
type State struct {
	Code   string // USPS code, lowercase: the jurisdiction's segment below us
	Name   string
	LabelX float64
	LabelY float64
	Path   string // SVG path data
}

// States returns the states and the District of Columbia, in order of
// code. It parses the embedded file on every call; callers that draw
// often keep the result.
func States() []State {
	var out []State
	for line := range strings.Lines(statesTSV) {
		f := strings.Split(strings.TrimRight(line, "\n"), "\t")
		if len(f) != 4 {
			panic(fmt.Sprintf("usmap: states.tsv: a line with %d fields", len(f))) // the file is embedded
		}
		xy := strings.Fields(f[2])
		x, err1 := strconv.ParseFloat(xy[0], 64)
		y, err2 := strconv.ParseFloat(xy[1], 64)
		if err1 != nil || err2 != nil {
			panic("usmap: states.tsv: bad label point " + f[2])
		}
		out = append(out, State{Code: f[0], Name: f[1], LabelX: x, LabelY: y, Path: f[3]})
	}
	return out
}

// Project returns where a point of the lower 48 states (longitude and
// latitude in degrees) falls on the map: the Albers equal-area conic
// projection the geometry was drawn in (SOURCE.md).
func Project(lon, lat float64) (x, y float64) {
	const k, tx, ty = 1300, 487.5, 305
	cx, cy := albers(-0.6, 38.7)
	px, py := albers(lon+96, lat)
	return tx + k*(px-cx), ty - k*(py-cy)
}

// albers is the Albers equal-area conic projection with standard
// parallels 29.5° and 45.5°, on the unit sphere (d3's conicEqualAreaRaw).
func albers(lon, lat float64) (float64, float64) {
	const rad = math.Pi / 180
	sy0 := math.Sin(29.5 * rad)
	n := (sy0 + math.Sin(45.5*rad)) / 2
	c := 1 + sy0*(2*n-sy0)
	r0 := math.Sqrt(c) / n
	r := math.Sqrt(c-2*n*math.Sin(lat*rad)) / n
	l := lon * rad * n
	return r * math.Sin(l), r0 - r*math.Cos(l)
}

// A Place is a county or city drawn as a point.
type Place struct {
	Name     string
	Lon, Lat float64
}

// places are the bundled counties and cities: the county seat or city
// hall, or for a county whose seat is a city of its own on the map, a
// point inside the county away from it.
var places = map[liaison.Jurisdiction]Place{
	"us/ca/fresno-county":      {"Fresno County", -119.79, 36.74},
	"us/ca/huntington-beach":   {"Huntington Beach", -118.00, 33.66},
	"us/ca/los-angeles-county": {"Los Angeles County", -118.24, 34.05},
	"us/ca/orange-county":      {"Orange County", -117.87, 33.75},
	"us/ca/san-francisco":      {"San Francisco", -122.42, 37.77},
	"us/fl/alachua-county":     {"Alachua County", -82.32, 29.65},
	"us/fl/broward-county":     {"Broward County", -80.14, 26.12},
	"us/fl/miami":              {"Miami", -80.19, 25.76},
	"us/fl/miami-dade-county":  {"Miami-Dade County", -80.55, 25.55},
	"us/fl/monroe-county":      {"Monroe County", -81.78, 24.56},
	"us/fl/orange-county":      {"Orange County", -81.38, 28.54},
	"us/il/aurora":             {"Aurora", -88.32, 41.76},
	"us/il/chicago":            {"Chicago", -87.63, 41.88},
	"us/il/cook-county":        {"Cook County", -87.85, 41.80},
	"us/il/kane-county":        {"Kane County", -88.43, 41.94},
	"us/il/mchenry-county":     {"McHenry County", -88.45, 42.31},
	"us/il/waukegan":           {"Waukegan", -87.84, 42.36},
	"us/ma/boston":             {"Boston", -71.06, 42.36},
	"us/nj/essex-county":       {"Essex County", -74.17, 40.74},
	"us/nj/hudson-county":      {"Hudson County", -74.08, 40.73},
	"us/nj/monmouth-county":    {"Monmouth County", -74.27, 40.26},
	"us/nj/ocean-county":       {"Ocean County", -74.20, 39.95},
	"us/ny/new-york-city":      {"New York City", -73.94, 40.71},
	"us/ny/suffolk-county":     {"Suffolk County", -72.66, 40.92},
	"us/or/jackson-county":     {"Jackson County", -122.87, 42.33},
	"us/or/lane-county":        {"Lane County", -123.09, 44.05},
	"us/or/marion-county":      {"Marion County", -123.04, 44.94},
	"us/or/multnomah-county":   {"Multnomah County", -122.30, 45.55},
	"us/or/portland":           {"Portland", -122.68, 45.52},
	"us/or/washington-county":  {"Washington County", -122.99, 45.52},
	"us/tx/austin":             {"Austin", -97.74, 30.27},
	"us/tx/dallas":             {"Dallas", -96.80, 32.78},
	"us/tx/dallas-county":      {"Dallas County", -96.60, 32.70},
	"us/tx/harris-county":      {"Harris County", -95.55, 29.95},
	"us/tx/houston":            {"Houston", -95.37, 29.76},
	"us/tx/san-antonio":        {"San Antonio", -98.49, 29.42},
	"us/tx/travis-county":      {"Travis County", -97.85, 30.40},
	"us/wa/seattle":            {"Seattle", -122.33, 47.61},
	"us/wa/spokane":            {"Spokane", -117.43, 47.66},
	"us/wa/spokane-county":     {"Spokane County", -117.25, 47.80},
	"us/wa/yakima-county":      {"Yakima County", -120.51, 46.60},
}

// PlaceOf returns where j is drawn, and whether the map knows it.
func PlaceOf(j liaison.Jurisdiction) (Place, bool) {
	p, ok := places[j]
	return p, ok
}

// Name returns j's name for the map: a place's own, a state's, or the
// last segment of its path in words ("us/zz/new-town": "New Town").
func Name(j liaison.Jurisdiction) string {
	if p, ok := places[j]; ok {
		return p.Name
	}
	seg := string(j)[strings.LastIndex(string(j), "/")+1:]
	if j == "us" {
		return "Federal"
	}
	if strings.Count(string(j), "/") == 1 {
		for _, s := range States() {
			if s.Code == seg {
				return s.Name
			}
		}
	}
	words := strings.Split(seg, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
