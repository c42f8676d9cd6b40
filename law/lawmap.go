package law

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"liaison"
)

// A Preset is a named standard case to see the law through: a request
// without a place or a date, and the actions to decide it for. Presets
// are data files (see packs/cases).
type Preset struct {
	Name    string           `json:"name"`
	Title   string           `json:"title"`
	Actions []liaison.Action `json:"actions"`
	// Request has every field of a decision request but as_of,
	// jurisdiction and action, which each cell of a map sets.
	Request *liaison.Request `json:"request"`
}

// LoadPresets reads every NAME.json of fsys's root as the preset NAME.
func LoadPresets(fsys fs.FS) ([]*Preset, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	var out []*Preset
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		p, err := parsePreset(strings.TrimSuffix(path.Base(name), ".json"), data)
		if err != nil {
			return nil, fmt.Errorf("preset %s: %w", name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePreset(name string, data []byte) (*Preset, error) {
	var raw struct {
		Title   string                     `json:"title"`
		Actions []liaison.Action           `json:"actions"`
		Request map[string]json.RawMessage `json:"request"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if len(raw.Actions) == 0 {
		return nil, fmt.Errorf("no actions")
	}
	for _, k := range []string{"as_of", "jurisdiction", "action"} {
		if _, ok := raw.Request[k]; ok {
			return nil, fmt.Errorf("request: %s is set by each cell of a map; leave it out", k)
		}
	}
	// Validated as a whole request, with a place, a day and an action.
	raw.Request["as_of"], raw.Request["jurisdiction"] = json.RawMessage(`"2020-01-01"`), json.RawMessage(`"us"`)
	raw.Request["action"], _ = json.Marshal(raw.Actions[0])
	body, err := json.Marshal(raw.Request)
	if err != nil {
		return nil, err
	}
	req, err := liaison.DecodeRequest(body)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	for _, a := range raw.Actions {
		if !slices.Contains(liaison.Action("").Enum(), string(a)) {
			return nil, fmt.Errorf("actions: %q is not an action", a)
		}
	}
	return &Preset{Name: name, Title: raw.Title, Actions: raw.Actions, Request: req}, nil
}

// A MapCell is the answer in one jurisdiction for one action.
type MapCell struct {
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	Action       liaison.Action       `json:"action"`
	Outcome      liaison.Outcome      `json:"outcome"`
	Decisive     []liaison.RuleRef    `json:"decisive"`
}

// A LawMap is a preset decided in every jurisdiction that has packs, for
// each of its actions, on one day; and the days on which some cell's
// answer changes (a slider's steps).
type LawMap struct {
	Case        string    `json:"case"`
	Title       string    `json:"title"`
	AsOf        string    `json:"as_of"`
	Cells       []MapCell `json:"cells"`
	ChangeDates []string  `json:"change_dates"`
}

// Jurisdictions returns every jurisdiction a pack of the set belongs to,
// sorted.
func (s *Set) Jurisdictions() []liaison.Jurisdiction {
	out := make([]liaison.Jurisdiction, 0, len(s.byJur))
	for j := range s.byJur {
		out = append(out, j)
	}
	slices.Sort(out)
	return out
}

// Map decides the preset in every jurisdiction of the set (Jurisdictions)
// and in the places of extra (places with no pack of their own, such as
// the counties and cities the pack tests name), at noon of day in each one's time zone, for each of its actions; and
// finds, from each cell's timeline, every day on which some answer
// changes (see Timeline for what it does not see).
func (s *Set) Map(p *Preset, day time.Time, extra ...liaison.Jurisdiction) (*LawMap, error) {
	m := &LawMap{Case: p.Name, Title: p.Title, AsOf: day.Format(time.DateOnly), Cells: []MapCell{}, ChangeDates: []string{}}
	changes := map[string]bool{}
	js := append(s.Jurisdictions(), extra...)
	slices.Sort(js)
	for _, j := range slices.Compact(js) {
		for _, a := range p.Actions {
			req := s.mapRequest(p, j, a, day)
			d, err := s.Decide(req, Options{})
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", j, a, err)
			}
			m.Cells = append(m.Cells, MapCell{Jurisdiction: j, Action: a, Outcome: d.Outcome, Decisive: d.Decisive})
			spans, err := s.Timeline(req)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", j, a, err)
			}
			for _, sp := range spans {
				if sp.From != "" {
					changes[sp.From] = true
				}
			}
		}
	}
	for d := range changes {
		m.ChangeDates = append(m.ChangeDates, d)
	}
	slices.Sort(m.ChangeDates)
	return m, nil
}

// MapPlaces returns the places the pack tests of the set's layers name
// (see Layers) that the set can answer for, with or without law of their
// own: the bundled counties and cities, to map beside the jurisdictions
// with packs. A set not loaded in layers has none.
func (s *Set) MapPlaces() ([]liaison.Jurisdiction, error) {
	tests, err := s.Tests()
	if err != nil {
		return nil, fmt.Errorf("map places: %w", err)
	}
	var out []liaison.Jurisdiction
	for _, t := range tests {
		if j := t.DecisionRequest().Jurisdiction; s.CheckJurisdiction(j, true) == nil {
			out = append(out, j)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// FindPreset returns the preset of ps named name, or an error of kind
// NotFound that names them all.
func FindPreset(ps []*Preset, name string) (*Preset, error) {
	var names []string
	for _, p := range ps {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return nil, liaison.Errorf(liaison.NotFound, "case", "no standard case %q: one of %s", name, strings.Join(names, ", "))
}

// MapRequest is the request a map's cell decides: the preset's at j for
// action a, at noon of day in j's time zone.
func (s *Set) MapRequest(p *Preset, j liaison.Jurisdiction, a liaison.Action, day time.Time) *liaison.Request {
	return s.mapRequest(p, j, a, day)
}

// mapRequest is the preset's request at j for action a, at noon of day in
// j's time zone; a place without law of its own is answered by the
// levels above it.
func (s *Set) mapRequest(p *Preset, j liaison.Jurisdiction, a liaison.Action, day time.Time) *liaison.Request {
	r := *p.Request
	r.Jurisdiction, r.Action = j, a
	ag := liaison.Agency{NoLocalLaw: true}
	if r.Agency != nil {
		ag = *r.Agency
	}
	ag.TimeZone = TimeZone(j)
	loc := time.UTC
	if ag.TimeZone != "" {
		if l, err := s.Location(ag.TimeZone); err == nil {
			loc = l
		}
	}
	r.Agency = &ag
	r.AsOf = time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, loc)
	return &r
}
