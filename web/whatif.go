package web

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/law"
)

// The what-if page (/law/whatif): a form for the facts, answered by the
// engine as POST /v1/whatif answers (law.Set.WhatIf), with the same body
// limit and the same per-client rate limit (Config.WhatIfLimit). Nothing
// is stored and nothing of the facts is logged; the facts travel in the
// POST body, never in a URL, and the answer page is not cached.

// whatIfField is a field of the form as the page shows it: a fact
// (whatIfFact) with its name in the form and its value.
type whatIfField struct {
	Name, Label, Hint string
	// Kind is the fact's (whatIfFact.Kind), or "time".
	Kind    string
	Options []whatIfOption
	Value   string
	Checked bool
	// Empty labels the empty choice of a select.
	Empty string
}

type whatIfOption struct {
	Value, Label string
	Selected     bool
}

// ID is the field's element id.
func (f whatIfField) ID() string {
	return "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(f.Name)
}

// given reports whether the field has a value.
func (f whatIfField) given() bool {
	return f.Value != "" || f.Checked || slices.ContainsFunc(f.Options, func(o whatIfOption) bool { return o.Selected })
}

// whatIfGroup is a fieldset of the form: fields, or rows of a list's
// items, each a fieldset of its own, and a button that adds a row.
type whatIfGroup struct {
	Legend, ID string
	// More groups are folded (details), Open when a field is given.
	More, Open bool
	Fields     []whatIfField
	Rows       []whatIfRow
	// A list: Item names its rows ("conviction"), Count how many.
	Item  string
	Count int
}

type whatIfRow struct {
	Legend, ID string
	Fields     []whatIfField
}

// enum returns the values of a vocabulary type's Enum as options.
func enum[T interface{ Enum() []string }]() []whatIfOption {
	var zero T
	var out []whatIfOption
	for _, v := range zero.Enum() {
		out = append(out, whatIfOption{Value: v, Label: strings.ReplaceAll(v, "_", " ")})
	}
	return out
}

// whatIfForm lays out the form (whatIfSections), its jurisdictions those
// of the law, filled in from form.
func (s *Site) whatIfForm(form url.Values) []whatIfGroup {
	field := func(f whatIfFact, name string) whatIfField {
		fd := whatIfField{Name: name, Label: f.Label, Hint: f.Hint, Kind: f.Kind, Options: slices.Clone(f.Options), Empty: "(not given)"}
		switch name {
		case "jurisdiction":
			fd.Options = s.places(form.Get("jurisdiction"))
		case "convictions":
			fd.Empty = "not known (no record check)"
		}
		vals := form[name]
		switch fd.Kind {
		case "check":
			fd.Checked = len(vals) > 0 && vals[0] == "true"
		case "select", "multi":
			for oi := range fd.Options {
				fd.Options[oi].Selected = slices.Contains(vals, fd.Options[oi].Value)
			}
		default:
			if len(vals) > 0 {
				fd.Value = vals[0]
			}
		}
		return fd
	}
	var groups []whatIfGroup
	for _, sec := range whatIfSections() {
		g := whatIfGroup{Legend: sec.Legend, More: sec.More, ID: "s-" + strings.ToLower(strings.ReplaceAll(sec.Legend, " ", "-"))}
		if sec.List == "" {
			for _, f := range sec.Facts {
				fd := field(f, f.Path)
				g.Open = g.Open || fd.given()
				g.Fields = append(g.Fields, fd)
			}
		} else {
			g.Item, g.Count = sec.Item, rowsOf(form, sec.Item)
			for row := range g.Count {
				prefix := sec.Item + "." + strconv.Itoa(row)
				r := whatIfRow{Legend: strings.ToUpper(sec.Item[:1]) + sec.Item[1:] + " " + strconv.Itoa(row+1), ID: "row-" + sec.Item + "-" + strconv.Itoa(row)}
				for _, f := range sec.Facts {
					fd := field(f, prefix+"."+f.Path)
					g.Open = g.Open || fd.given()
					r.Fields = append(r.Fields, fd)
				}
				g.Rows = append(g.Rows, r)
			}
			// A row just added opens its group.
			g.Open = g.Open || form.Get(sec.Item+".rows") != "" && g.Count > 1
		}
		groups = append(groups, g)
	}
	return groups
}

// places are the jurisdictions to choose from: those with law of their
// own, and also, when it is not one of them, the place given (a county
// with no pack of its own, in a link that prefills the form).
func (s *Site) places(given string) []whatIfOption {
	var out []whatIfOption
	for _, j := range s.cfg.Desk.Law().Jurisdictions() {
		out = append(out, whatIfOption{Value: string(j), Label: placeLabel(j)})
	}
	if given != "" && !slices.ContainsFunc(out, func(o whatIfOption) bool { return o.Value == given }) {
		out = append(out, whatIfOption{Value: given, Label: placeLabel(liaison.Jurisdiction(given))})
	}
	return out
}

// placeLabel names j in the lists of jurisdictions: federal law and a
// state with its path ("California (us/ca)"), a county or city with its
// state, as the map's key does ("Washington County, OR"): the path of
// one ("us/or/washington-county") made its name too long for the list.
func placeLabel(j liaison.Jurisdiction) string {
	parts := strings.Split(string(j), "/")
	if len(parts) < 3 {
		return law.PlaceName(j) + " (" + string(j) + ")"
	}
	return law.PlaceName(j) + ", " + strings.ToUpper(parts[1])
}

// whatIfDefaults is the case the empty page starts from: a detainer on an
// administrative warrant for a person eligible for release, with no
// convictions, today.
func (s *Site) whatIfDefaults() url.Values {
	return url.Values{
		"jurisdiction": {"us/ca"}, "date": {s.cfg.Now().UTC().Format(time.DateOnly)}, "agency.type": {"jail"},
		"action": {"honor_detainer"}, "request.kind": {"detainer"}, "request.form": {"I-247A"}, "request.issuer": {"ICE"},
		"request.warrant.kind": {"administrative"}, "subject.custody.status": {"eligible_for_release"}, "convictions": {"known"},
	}
}

type whatIfData struct {
	Groups  []whatIfGroup
	Places  []whatIfOption
	Compare string
	// Answer is the engine's, nil before the form is sent or when it was
	// refused; Asked says what was asked: "decide", "timeline" or
	// "compare".
	Answer *law.WhatIf
	Asked  string
	// Request is the request the engine decided, as JSON.
	Request string
	// Cards are the answer's decisions: the jurisdiction's, then those
	// of the places compared.
	Cards []whatIfCard
}

// whatIfCard is a decision as the page shows it.
type whatIfCard struct {
	ID, Place string
	Decision  *liaison.Decision
}

// whatIfPage shows the form, filled in from the query (a link may
// prefill it: then the query is the whole case, with today's date if it
// gives none) or else with the defaults. It answers nothing: answers are
// POSTs.
func (s *Site) whatIfPage(w http.ResponseWriter, r *http.Request, ss *session) {
	form := r.URL.Query()
	if len(form) == 0 {
		form = s.whatIfDefaults()
	} else if form.Get("date") == "" {
		form.Set("date", s.cfg.Now().UTC().Format(time.DateOnly))
	}
	s.renderWhatIf(w, r, ss, http.StatusOK, form, nil, "")
}

// whatIf answers the form: the decision, and as asked its timeline or
// the same facts in another jurisdiction; or, for a button that adds a
// row to a list ("add:conviction"), the form again with one more row.
func (s *Site) whatIf(w http.ResponseWriter, r *http.Request, ss *session) {
	if s.cfg.WhatIfLimit != nil {
		if ok, wait := s.cfg.WhatIfLimit(r); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.renderWhatIf(w, r, ss, http.StatusTooManyRequests, s.whatIfDefaults(), nil,
				"Too many questions from your address: try again in "+(time.Duration(secs)*time.Second).String()+".")
			return
		}
	}
	r.Body = http.MaxBytesReader(w, r.Body, liaison.MaxRequestBytes)
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
		s.errorPage(w, r, ss, status, "The form could not be read.")
		return
	}
	form := r.PostForm
	asked := form.Get("do")
	if item, ok := strings.CutPrefix(asked, "add:"); ok {
		if !slices.ContainsFunc(whatIfSections(), func(sec whatIfSection) bool { return sec.Item == item && item != "" }) {
			s.renderWhatIf(w, r, ss, http.StatusUnprocessableEntity, form, nil, "There is no list of "+item+" to add to.")
			return
		}
		n := rowsOf(form, item)
		if n >= maxWhatIfRows {
			s.renderWhatIf(w, r, ss, http.StatusUnprocessableEntity, form, nil, "At most "+strconv.Itoa(maxWhatIfRows)+" rows of each list.")
			return
		}
		form.Set(item+".rows", strconv.Itoa(n+1))
		s.renderWhatIf(w, r, ss, http.StatusOK, form, nil, "")
		return
	}
	req, err := s.whatIfRequest(form)
	if err != nil {
		s.renderWhatIf(w, r, ss, statusOf(err), form, nil, message(err))
		return
	}
	var compare []liaison.Jurisdiction
	if asked == "compare" {
		compare = []liaison.Jurisdiction{liaison.Jurisdiction(form.Get("compare"))}
	}
	ans, err := s.cfg.Desk.Law().WhatIf(req, asked == "timeline", compare)
	if err != nil {
		if liaison.KindOf(err) == liaison.Internal {
			s.fail(w, r, ss, err)
			return
		}
		s.renderWhatIf(w, r, ss, statusOf(err), form, nil, message(err))
		return
	}
	s.renderWhatIf(w, r, ss, http.StatusOK, form, &whatIfAnswer{req, ans, asked}, "")
}

// whatIfAnswer is what the engine was asked and answered.
type whatIfAnswer struct {
	req   *liaison.Request
	ans   *law.WhatIf
	asked string
}

// renderWhatIf writes the page: the form filled in from form, and the
// answer, or the message of what went wrong.
func (s *Site) renderWhatIf(w http.ResponseWriter, r *http.Request, ss *session, status int, form url.Values, a *whatIfAnswer, msg string) {
	data := whatIfData{Groups: s.whatIfForm(form), Compare: form.Get("compare")}
	if a != nil {
		data.Answer, data.Asked = a.ans, a.asked
		// The request as the engine read it, to take to `liaison decide`
		// or POST /v1/decisions.
		raw, err := json.MarshalIndent(a.req, "", "  ")
		if err != nil {
			s.fail(w, r, ss, err)
			return
		}
		data.Request = string(raw)
		j := liaison.Jurisdiction(form.Get("jurisdiction"))
		data.Cards = append(data.Cards, whatIfCard{ID: "answer-card", Place: law.PlaceName(j) + " (" + string(j) + ")", Decision: a.ans.Decision})
		for i, c := range a.ans.Compare {
			data.Cards = append(data.Cards, whatIfCard{ID: "compare-card-" + strconv.Itoa(i), Place: law.PlaceName(c.Jurisdiction) + " (" + string(c.Jurisdiction) + ")", Decision: c.Decision})
		}
	}
	data.Places = s.places(data.Compare)
	for i := range data.Places {
		data.Places[i].Selected = data.Places[i].Value == data.Compare
	}
	s.render(w, r, status, "whatif", view{Title: "What if", Actor: actorOf(ss), Nav: "whatif", Error: msg, Data: data})
}
