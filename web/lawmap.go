package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"liaison"
	"liaison/law"
	"liaison/law/usmap"
	"liaison/packs"
)

// mapQuery is what the map page is asked for: a standard case, one of
// its actions, a day.
type mapQuery struct {
	preset  *law.Preset
	presets []*law.Preset
	action  liaison.Action
	day     time.Time
}

// readMapQuery reads case, action and date from r's query, defaulting to
// the first case, its first action and today.
func (s *Site) readMapQuery(r *http.Request) (*mapQuery, error) {
	presets, err := law.LoadPresets(packs.Cases())
	if err != nil {
		return nil, err
	}
	if len(presets) == 0 {
		return nil, liaison.Errorf(liaison.NotFound, "case", "no standard cases are bundled")
	}
	q := r.URL.Query()
	p := presets[0]
	if name := q.Get("case"); name != "" {
		if p, err = law.FindPreset(presets, name); err != nil {
			return nil, err
		}
	}
	mq := &mapQuery{preset: p, presets: presets, action: p.Actions[0], day: s.cfg.Now().UTC()}
	// An action of another case (the form's case changed, its action
	// not) shows the case's first, as the form says.
	if a := liaison.Action(q.Get("action")); a != "" {
		if !slices.Contains(a.Enum(), string(a)) {
			return nil, liaison.Errorf(liaison.Invalid, "action", "%q is not an action", a)
		}
		if slices.Contains(p.Actions, a) {
			mq.action = a
		}
	}
	if d := q.Get("date"); d != "" {
		if mq.day, err = time.Parse(time.DateOnly, d); err != nil {
			return nil, liaison.Errorf(liaison.Invalid, "date", "%q is not a date written YYYY-MM-DD", d)
		}
	}
	mq.day = time.Date(mq.day.Year(), mq.day.Month(), mq.day.Day(), 0, 0, 0, 0, time.UTC)
	return mq, nil
}

// mapOf decides the case r's query asks for (readMapQuery) in every
// jurisdiction of the desk's law and every place its pack tests name.
func (s *Site) mapOf(r *http.Request) (*mapQuery, *law.LawMap, error) {
	mq, err := s.readMapQuery(r)
	if err != nil {
		return nil, nil, err
	}
	set := s.cfg.Desk.Law()
	places, err := set.MapPlaces()
	if err != nil {
		return nil, nil, err
	}
	m, err := set.Map(mq.preset, mq.day, places...)
	return mq, m, err
}

// MapLinks returns the link of each place's cell in the map of m for
// action: its decision, with its citations (GET /law/map/decision). The
// page's SVG and `liaison map --format svg` link the same.
func MapLinks(m *law.LawMap, action liaison.Action) func(liaison.Jurisdiction) string {
	return func(j liaison.Jurisdiction) string {
		return "/law/map/decision?" + url.Values{"case": {m.Case}, "action": {string(action)}, "date": {m.AsOf}, "j": {string(j)}}.Encode()
	}
}

// mapCell is a cell of the matrix.
type mapCell struct {
	Outcome liaison.Outcome
	Href    string
	Label   string
}

type mapRow struct {
	Jurisdiction liaison.Jurisdiction
	Name         string
	Cells        []mapCell
}

type changeLink struct {
	Date    string
	Href    string
	Current bool
}

type mapData struct {
	Presets []*law.Preset
	Preset  *law.Preset
	Action  liaison.Action
	Date    string
	SVG     template.HTML
	Rows    []mapRow
	Changes []changeLink
	// Step is the index of the last change date on or before Date (the
	// slider's position); -1 before the first.
	Step int
	Max  int // the slider's last step
}

// lawMap is the map of the law: a standard case decided everywhere on one
// day, as a US map and a matrix, with a slider over the days some answer
// changes. Public: the law is for anyone to read.
func (s *Site) lawMap(w http.ResponseWriter, r *http.Request, ss *session) {
	mq, m, err := s.mapOf(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	// The slider moved (step is not at, where the page put it) and the
	// date field did not (was is the day the page showed): go to the
	// slider's day. So the form works without JavaScript.
	q := r.URL.Query()
	if st, err := strconv.Atoi(q.Get("step")); err == nil && q.Get("was") == q.Get("date") && q.Get("at") != q.Get("step") && st >= 0 && st < len(m.ChangeDates) && m.ChangeDates[st] != m.AsOf {
		http.Redirect(w, r, mapHref(mq.preset.Name, mq.action, m.ChangeDates[st]), http.StatusSeeOther)
		return
	}
	var svg bytes.Buffer
	if err := usmap.Write(&svg, m, mq.action, MapLinks(m, mq.action)); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	d := mapData{Presets: mq.presets, Preset: mq.preset, Action: mq.action, Date: m.AsOf, SVG: template.HTML(svg.String()), Step: -1}
	for i, c := range m.ChangeDates {
		if c <= m.AsOf {
			d.Step = i
		}
		d.Changes = append(d.Changes, changeLink{Date: c, Href: mapHref(mq.preset.Name, mq.action, c)})
	}
	if d.Step >= 0 {
		d.Changes[d.Step].Current = true
	}
	d.Max = len(d.Changes) - 1
	rows := map[liaison.Jurisdiction]*mapRow{}
	var order []liaison.Jurisdiction
	for _, c := range m.Cells {
		row := rows[c.Jurisdiction]
		if row == nil {
			row = &mapRow{Jurisdiction: c.Jurisdiction, Name: usmap.Name(c.Jurisdiction)}
			rows[c.Jurisdiction] = row
			order = append(order, c.Jurisdiction)
		}
		row.Cells = append(row.Cells, mapCell{Outcome: c.Outcome, Href: MapLinks(m, c.Action)(c.Jurisdiction),
			Label: row.Name + ", " + string(c.Action) + ": " + string(c.Outcome)})
	}
	for _, j := range order {
		d.Rows = append(d.Rows, *rows[j])
	}
	s.render(w, r, http.StatusOK, "lawmap", view{Title: "Map of the law", Actor: actorOf(ss), Nav: "map", Data: d})
}

// lawMapSVG is the map alone, as `liaison map --format svg` writes it.
func (s *Site) lawMapSVG(w http.ResponseWriter, r *http.Request, ss *session) {
	mq, m, err := s.mapOf(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	var svg bytes.Buffer
	if err := usmap.Write(&svg, m, mq.action, MapLinks(m, mq.action)); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Write(svg.Bytes())
}

func mapHref(name string, action liaison.Action, date string) string {
	return "/law/map?" + url.Values{"case": {name}, "action": {string(action)}, "date": {date}}.Encode()
}

type mapDecisionData struct {
	Preset       *law.Preset
	Action       liaison.Action
	Date         string
	Jurisdiction liaison.Jurisdiction
	Name         string
	Decision     *liaison.Decision
	Back         string
	// WhatIf links to the what-if page prefilled with the same case,
	// place and day, to change a fact.
	WhatIf string
	// Timeline is the same case at the same place on every day its
	// answer changes, each span linked to the map of its first day.
	Timeline []mapSpan
}

type mapSpan struct {
	law.Span
	Href    string
	Current bool
}

// mapDecision is one cell of the map: the decision, explained, with its
// citations linked to the rules' pages.
func (s *Site) mapDecision(w http.ResponseWriter, r *http.Request, ss *session) {
	mq, err := s.readMapQuery(r)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	set := s.cfg.Desk.Law()
	j := liaison.Jurisdiction(r.URL.Query().Get("j"))
	if err := set.CheckJurisdiction(j, true); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	req := set.MapRequest(mq.preset, j, mq.action, mq.day)
	d, err := set.Decide(req, law.Options{Explain: true})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	spans, err := set.Timeline(req)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	form, err := s.whatIfValues(req)
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	date := mq.day.Format(time.DateOnly)
	data := mapDecisionData{Preset: mq.preset, Action: mq.action, Date: date, Jurisdiction: j, Name: usmap.Name(j), Decision: d,
		Back: mapHref(mq.preset.Name, mq.action, date), WhatIf: "/law/whatif?" + form.Encode()}
	for _, sp := range spans {
		ms := mapSpan{Span: sp, Current: (sp.From == "" || sp.From <= date) && (sp.To == "" || date <= sp.To)}
		if sp.From != "" {
			ms.Href = "/law/map/decision?" + url.Values{"case": {mq.preset.Name}, "action": {string(mq.action)}, "date": {sp.From}, "j": {string(j)}}.Encode()
		}
		data.Timeline = append(data.Timeline, ms)
	}
	s.render(w, r, http.StatusOK, "lawmap_decision", view{Title: "Decision on the map", Actor: actorOf(ss), Nav: "map", Data: data})
}
