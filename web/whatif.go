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

// whatIfField is a fact the form asks for, named by its path in the
// request ("request.warrant.kind"), or a field of the form itself
// ("convictions", "conviction.level").
type whatIfField struct {
	Name, Label, Hint string
	// Kind is "select" (one of Options), "multi" (several), "check" (yes
	// or no), "date" or "text".
	Kind    string
	Options []whatIfOption
	Value   string
	Checked bool
}

type whatIfOption struct {
	Value, Label string
	Selected     bool
}

// ID is the field's element id.
func (f whatIfField) ID() string {
	return "f-" + strings.NewReplacer(".", "-", "_", "-").Replace(f.Name)
}

type whatIfGroup struct {
	Legend string
	Fields []whatIfField
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

// whatIfForm lays out the form, its choices taken from the request
// vocabulary's types (their Enum methods) and the law's jurisdictions,
// filled in from form.
func (s *Site) whatIfForm(form url.Values) []whatIfGroup {
	places := s.places(form.Get("jurisdiction"))
	offense := func(prefix, what string) []whatIfField {
		return []whatIfField{
			{Name: prefix + ".offense", Label: "Its offence code", Hint: "As the law's lists name it, e.g. CA PC 211; optional", Kind: "text"},
			{Name: prefix + ".level", Label: "Its level", Kind: "select", Options: enum[liaison.Level]()},
			{Name: prefix + ".categories", Label: "Its categories", Hint: "Hold Ctrl or Shift to choose several", Kind: "multi", Options: enum[liaison.Category]()},
			{Name: prefix + ".date", Label: "Its date (" + what + ")", Kind: "date"},
		}
	}
	groups := []whatIfGroup{
		{"Where and when", []whatIfField{
			{Name: "jurisdiction", Label: "Jurisdiction", Kind: "select", Options: places},
			{Name: "date", Label: "Date", Hint: "The law in force on this day answers", Kind: "date"},
			{Name: "agency.type", Label: "Agency", Kind: "select", Options: enum[liaison.AgencyType]()},
		}},
		{"What is asked", []whatIfField{
			{Name: "action", Label: "Action asked of the agency", Kind: "select", Options: enum[liaison.Action]()},
			{Name: "request.kind", Label: "Kind of request", Kind: "select", Options: enum[liaison.RequestKind]()},
			{Name: "request.form", Label: "Form", Kind: "select", Options: enum[liaison.Form]()},
			{Name: "request.issuer", Label: "Sent by", Kind: "select", Options: enum[liaison.Issuer]()},
			{Name: "request.warrant.kind", Label: "Warrant", Kind: "select", Options: enum[liaison.WarrantKind]()},
			{Name: "request.judicial_probable_cause_determination", Label: "A judge found probable cause", Kind: "check"},
			{Name: "request.info_requested", Label: "Information asked for", Hint: "Hold Ctrl or Shift to choose several", Kind: "multi", Options: enum[liaison.InfoItem]()},
			{Name: "context.purpose", Label: "Stated purpose", Kind: "select", Options: enum[liaison.Purpose]()},
		}},
		{"The person", []whatIfField{
			{Name: "subject.custody.status", Label: "Custody", Kind: "select", Options: enum[liaison.CustodyStatus]()},
			{Name: "subject.custody.release_reason", Label: "Reason for release", Kind: "select", Options: enum[liaison.ReleaseReason]()},
			{Name: "convictions", Label: "Convictions", Hint: "Unknown leaves the answer open where it depends on them", Kind: "select",
				Options: []whatIfOption{{Value: "none", Label: "none"}, {Value: "one", Label: "one, described below"}}},
		}},
		{"The conviction", offense("conviction", "of conviction")},
		{"A pending charge", append(offense("charge", "of arrest"),
			whatIfField{Name: "charge.probable_cause_finding", Label: "A magistrate found probable cause", Kind: "check"})},
	}
	for gi := range groups {
		for fi := range groups[gi].Fields {
			f := &groups[gi].Fields[fi]
			vals := form[f.Name]
			switch f.Kind {
			case "check":
				f.Checked = len(vals) > 0 && vals[0] == "true"
			case "select", "multi":
				for oi := range f.Options {
					f.Options[oi].Selected = slices.Contains(vals, f.Options[oi].Value)
				}
			default:
				if len(vals) > 0 {
					f.Value = vals[0]
				}
			}
		}
	}
	return groups
}

// places are the jurisdictions to choose from: those with law of their
// own, and also, when it is not one of them, the place given (a county
// with no pack of its own, in a link that prefills the form).
func (s *Site) places(given string) []whatIfOption {
	var out []whatIfOption
	for _, j := range s.cfg.Desk.Law().Jurisdictions() {
		out = append(out, whatIfOption{Value: string(j), Label: law.PlaceName(j) + " (" + string(j) + ")"})
	}
	if given != "" && !slices.ContainsFunc(out, func(o whatIfOption) bool { return o.Value == given }) {
		out = append(out, whatIfOption{Value: given, Label: law.PlaceName(liaison.Jurisdiction(given)) + " (" + given + ")"})
	}
	return out
}

// whatIfDefaults is the case the empty page starts from: a detainer on an
// administrative warrant for a person eligible for release, with no
// convictions, today.
func (s *Site) whatIfDefaults() url.Values {
	return url.Values{
		"jurisdiction": {"us/ca"}, "date": {s.cfg.Now().UTC().Format(time.DateOnly)}, "agency.type": {"jail"},
		"action": {"honor_detainer"}, "request.kind": {"detainer"}, "request.form": {"I-247A"}, "request.issuer": {"ICE"},
		"request.warrant.kind": {"administrative"}, "subject.custody.status": {"eligible_for_release"}, "convictions": {"none"},
	}
}

// whatIfRequest makes the decision request the form describes, through
// the decoder the API uses (liaison.DecodeRequestAt), so that it is
// checked alike. The decision is made at noon of the day chosen, in the
// jurisdiction's time zone.
func (s *Site) whatIfRequest(form url.Values) (*liaison.Request, error) {
	one := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	j := liaison.Jurisdiction(one("jurisdiction"))
	day, err := time.Parse(time.DateOnly, one("date"))
	if err != nil {
		return nil, liaison.Errorf(liaison.Invalid, "date", "the date %q is not a day written YYYY-MM-DD", one("date"))
	}
	loc := time.UTC
	zone := law.TimeZone(j)
	if zone != "" {
		if loc, err = s.cfg.Desk.Law().Location(zone); err != nil {
			return nil, err
		}
	}
	doc := map[string]any{}
	set := func(path string, v any) { putPath(doc, path, v) }
	set("jurisdiction", j)
	set("as_of", time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, loc).Format(time.RFC3339))
	set("agency.no_local_law", true)
	if zone != "" {
		set("agency.time_zone", zone)
	}
	for _, name := range []string{"agency.type", "action", "request.kind", "request.form", "request.issuer", "request.warrant.kind",
		"context.purpose", "subject.custody.status", "subject.custody.release_reason"} {
		if v := one(name); v != "" {
			set(name, v)
		}
	}
	if form.Get("request.judicial_probable_cause_determination") == "true" {
		set("request.judicial_probable_cause_determination", true)
	}
	if items := form["request.info_requested"]; len(items) > 0 {
		set("request.info_requested", items)
	}
	offense := func(prefix string) map[string]any {
		o := map[string]any{"offense": "unspecified"}
		if v := one(prefix + ".offense"); v != "" {
			o["offense"] = v
		}
		if v := one(prefix + ".level"); v != "" {
			o["level"] = v
		}
		if v := form[prefix+".categories"]; len(v) > 0 {
			o["categories"] = v
		}
		if v := one(prefix + ".date"); v != "" {
			o["date"] = v
		}
		return o
	}
	switch one("convictions") {
	case "none":
		set("subject.convictions", []any{})
	case "one":
		set("subject.convictions", []any{offense("conviction")})
	}
	if one("charge.offense") != "" || one("charge.level") != "" || len(form["charge.categories"]) > 0 {
		c := offense("charge")
		if form.Get("charge.probable_cause_finding") == "true" {
			c["probable_cause_finding"] = true
		}
		set("subject.pending_charges", []any{c})
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return liaison.DecodeRequestAt(raw, s.cfg.Now())
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
// prefill it) over the defaults. It answers nothing: answers are POSTs.
func (s *Site) whatIfPage(w http.ResponseWriter, r *http.Request, ss *session) {
	form := s.whatIfDefaults()
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	s.renderWhatIf(w, r, ss, http.StatusOK, form, nil, "", "")
}

// whatIf answers the form: the decision, and as asked its timeline or
// the same facts in another jurisdiction.
func (s *Site) whatIf(w http.ResponseWriter, r *http.Request, ss *session) {
	if s.cfg.WhatIfLimit != nil {
		if ok, wait := s.cfg.WhatIfLimit(r); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			s.renderWhatIf(w, r, ss, http.StatusTooManyRequests, s.whatIfDefaults(), nil, "",
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
	req, err := s.whatIfRequest(form)
	if err != nil {
		s.renderWhatIf(w, r, ss, statusOf(err), form, nil, "", message(err))
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
		s.renderWhatIf(w, r, ss, statusOf(err), form, nil, "", message(err))
		return
	}
	s.renderWhatIf(w, r, ss, http.StatusOK, form, ans, asked, "")
}

// renderWhatIf writes the page: the form filled in from form, and the
// answer, or the message of what went wrong.
func (s *Site) renderWhatIf(w http.ResponseWriter, r *http.Request, ss *session, status int, form url.Values, ans *law.WhatIf, asked, msg string) {
	data := whatIfData{Groups: s.whatIfForm(form), Compare: form.Get("compare"), Answer: ans, Asked: asked}
	if ans != nil {
		j := liaison.Jurisdiction(form.Get("jurisdiction"))
		data.Cards = append(data.Cards, whatIfCard{ID: "answer-card", Place: law.PlaceName(j) + " (" + string(j) + ")", Decision: ans.Decision})
		for i, c := range ans.Compare {
			data.Cards = append(data.Cards, whatIfCard{ID: "compare-card-" + strconv.Itoa(i), Place: law.PlaceName(c.Jurisdiction) + " (" + string(c.Jurisdiction) + ")", Decision: c.Decision})
		}
	}
	data.Places = s.places(data.Compare)
	for i := range data.Places {
		data.Places[i].Selected = data.Places[i].Value == data.Compare
	}
	s.render(w, r, status, "whatif", view{Title: "What if", Actor: actorOf(ss), Nav: "whatif", Error: msg, Data: data})
}
