package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/law"
)

// The what-if form's facts: every fact of a decision request that the
// bundled packs read, and the rest of the vocabulary but for what the page
// sets itself (the agency's time zone, from the place; no_local_law) and
// free text no rule reads (an agency's name, an offence's description).
// The form and the request are made from this one table both ways:
// whatIfRequest reads a sent form into a request, whatIfValues writes a
// request into a form (a link that prefills it).
//
// A fact is named in the form by its path in the request's JSON
// ("request.warrant.kind"); a fact of an item of a list (a conviction) by
// the item's name, its row and its path in the item ("conviction.0.level").
// Each list has as many rows as "conviction.rows" says (at least one, at
// most maxWhatIfRows); a button adds one; a row left blank is no item.

// whatIfFact is a fact the form asks for.
type whatIfFact struct {
	// Path is the fact's place in the request's JSON, or in an item's.
	Path, Label, Hint string
	// Kind is "select" (one of Options), "multi" (several), "check" (yes
	// or no), "date" (YYYY-MM-DD), "datetime" (a local date and time in
	// the place's time zone), "number" or "text".
	Kind    string
	Options []whatIfOption
}

// whatIfSection is a fieldset of the form: facts, or a list of items.
type whatIfSection struct {
	Legend string
	// More sections are folded away unless one of their facts is given.
	More  bool
	Facts []whatIfFact
	// A list: List is its path in the request ("subject.convictions"),
	// Item the name of its rows in the form and in words ("conviction").
	List, Item string
}

// maxWhatIfRows bounds the rows of a list.
const maxWhatIfRows = 30

func check(path, label string) whatIfFact { return whatIfFact{Path: path, Label: label, Kind: "check"} }

func pick[T interface{ Enum() []string }](path, label string) whatIfFact {
	return whatIfFact{Path: path, Label: label, Kind: "select", Options: enum[T]()}
}

func several[T interface{ Enum() []string }](path, label string) whatIfFact {
	return whatIfFact{Path: path, Label: label, Kind: "multi", Hint: "Hold Ctrl or Shift to choose several", Options: enum[T]()}
}

// offenseFacts are the facts of a conviction or a charge; what is the
// date's meaning.
func offenseFacts(what string) []whatIfFact {
	return []whatIfFact{
		{Path: "offense", Label: "Offence code", Hint: "As the law's lists name it, e.g. CA PC 211", Kind: "text"},
		{Path: "jurisdiction", Label: "Where", Hint: "A jurisdiction, e.g. us/ca", Kind: "text"},
		pick[liaison.Level]("level", "Level"),
		{Path: "date", Label: "Date (" + what + ")", Kind: "date"},
		several[liaison.Category]("categories", "Categories"),
	}
}

// whatIfSections lays out the form. Its first section is completed by
// whatIfForm with the places and the date.
func whatIfSections() []whatIfSection {
	return []whatIfSection{
		{Legend: "Where and when", Facts: []whatIfFact{
			{Path: "jurisdiction", Label: "Jurisdiction", Kind: "select"},
			{Path: "date", Label: "Date", Hint: "The law in force on this day answers", Kind: "date"},
			{Path: "time", Label: "Time of day", Hint: "In the place's time zone; noon if not given", Kind: "time"},
			pick[liaison.AgencyType]("agency.type", "Agency"),
		}},
		{Legend: "What is asked", Facts: []whatIfFact{
			pick[liaison.Action]("action", "Action asked of the agency"),
			pick[liaison.RequestKind]("request.kind", "Kind of request"),
			pick[liaison.Form]("request.form", "Form"),
			pick[liaison.Issuer]("request.issuer", "Sent by"),
			pick[liaison.WarrantKind]("request.warrant.kind", "Warrant"),
			check("request.judicial_probable_cause_determination", "A judge found probable cause"),
			check("request.federal_felony_warrant", "A federal criminal (felony) warrant comes with it"),
			several[liaison.InfoItem]("request.info_requested", "Information asked for"),
			pick[liaison.Purpose]("context.purpose", "Stated purpose"),
		}},
		{Legend: "More about the request", More: true, Facts: []whatIfFact{
			{Path: "request.received_at", Label: "Received", Kind: "datetime"},
			several[liaison.PCBasis]("request.probable_cause_basis", "Probable cause ticked on the form"),
			{Path: "request.hold_hours_requested", Label: "Hours of hold asked for", Kind: "number"},
			pick[liaison.AccessKind]("request.access", "Access asked for"),
			check("request.judicial_subpoena", "A judicial subpoena comes with it"),
			{Path: "request.warrant.form", Label: "Warrant's form", Hint: "e.g. I-200", Kind: "text"},
			{Path: "request.warrant.issuer", Label: "Warrant issued by", Kind: "text"},
			{Path: "request.warrant.charge", Label: "Warrant's charge", Kind: "text"},
		}},
		{Legend: "The person", Facts: []whatIfFact{
			pick[liaison.CustodyStatus]("subject.custody.status", "Custody"),
			pick[liaison.ReleaseReason]("subject.custody.release_reason", "Reason for release"),
			{Path: "convictions", Label: "Criminal history", Kind: "select",
				Hint:    "Not known leaves the answer open where it depends on convictions; a conviction listed below makes it known",
				Options: []whatIfOption{{Value: "known", Label: "known: the convictions below (none if none)"}}},
		}},
		{Legend: "Convictions", List: "subject.convictions", Item: "conviction", Facts: slices.Insert(offenseFacts("of conviction"), 4,
			pick[liaison.Sentence]("sentence", "Sentence"))},
		{Legend: "Pending charges", List: "subject.pending_charges", Item: "charge", Facts: append(offenseFacts("of arrest"),
			check("probable_cause_finding", "A magistrate found probable cause"),
			check("held_to_answer", "Held to answer"))},
		{Legend: "More about the person", More: true, Facts: []whatIfFact{
			{Path: "subject.age", Label: "Age", Kind: "number"},
			pick[liaison.SubjectRole]("subject.role", "Role"),
			{Path: "subject.custody.scheduled_release", Label: "Scheduled release", Kind: "datetime"},
			{Path: "subject.custody.hold_started_at", Label: "Hold began", Kind: "datetime"},
			several[liaison.Flag]("subject.flags", "Flags"),
			several[liaison.InfoItem]("subject.public_info", "Already public"),
			pick[liaison.ConsentKind]("subject.consent.interview", "Consent to an interview"),
			check("subject.consent.form_provided", "The consent form was given"),
			check("subject.removal_order_signed_by_judge", "A final order of removal signed by a judge"),
		}},
		{Legend: "Agreements with the federal government", More: true, List: "agreements", Item: "agreement", Facts: []whatIfFact{
			pick[liaison.AgreementKind]("kind", "Kind"),
			pick[liaison.Model287g]("model", "287(g) model"),
			check("active", "Active"),
			check("primary_purpose_immigration", "Its primary purpose is immigration enforcement"),
			check("duties_primarily_non_immigration", "The duties are mostly not immigration enforcement"),
			check("attorney_general_approved", "Approved by the state Attorney General"),
			check("termination_approved", "Its end approved by the State Board"),
		}},
		{Legend: "Where and how it happens", More: true, Facts: []whatIfFact{
			pick[liaison.Location]("context.location", "Where"),
			check("context.detected_during_unrelated_activity", "Found during unrelated police work"),
			check("context.school_resource_officer", "The officer acts as a school resource officer"),
			check("context.attending_court", "The person is going to, at or coming from court"),
			check("context.exigent_circumstances", "Federal officers need help in an emergency"),
		}},
	}
}

// whatIfSpecial are the form's fields that are not facts of the request
// at their path: the place and the day make as_of and the agency's time
// zone; "convictions" says whether the criminal history is known.
var whatIfSpecial = []string{"jurisdiction", "date", "time", "convictions"}

// rowsOf is how many rows the form shows of item: as many as it says, or
// as many as its fields fill, at least one, at most maxWhatIfRows.
func rowsOf(form url.Values, item string) int {
	n, _ := strconv.Atoi(form.Get(item + ".rows"))
	prefix := item + "."
	for k := range form {
		if i, _, ok := strings.Cut(strings.TrimPrefix(k, prefix), "."); ok && strings.HasPrefix(k, prefix) {
			if r, err := strconv.Atoi(i); err == nil && r >= n && r < maxWhatIfRows {
				n = r + 1
			}
		}
	}
	return min(max(n, 1), maxWhatIfRows)
}

// whatIfLocation is the time zone of the place j: its name ("" for UTC)
// and location.
func (s *Site) whatIfLocation(j liaison.Jurisdiction) (string, *time.Location, error) {
	zone := law.TimeZone(j)
	if zone == "" {
		return "", time.UTC, nil
	}
	loc, err := s.cfg.Desk.Law().Location(zone)
	return zone, loc, err
}

// whatIfRequest makes the decision request the form describes, through
// the decoder the API uses (liaison.DecodeRequestAt), so that it is
// checked alike. The decision is made on the day and at the time of day
// chosen (noon if none), in the jurisdiction's time zone.
func (s *Site) whatIfRequest(form url.Values) (*liaison.Request, error) {
	one := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	j := liaison.Jurisdiction(one("jurisdiction"))
	day, err := time.Parse(time.DateOnly, one("date"))
	if err != nil {
		return nil, liaison.Errorf(liaison.Invalid, "date", "the date %q is not a day written YYYY-MM-DD", one("date"))
	}
	clock := time.Date(0, 1, 1, 12, 0, 0, 0, time.UTC)
	if v := one("time"); v != "" {
		if clock, err = time.Parse("15:04", v); err != nil {
			return nil, liaison.Errorf(liaison.Invalid, "time", "the time of day %q is not written HH:MM", v)
		}
	}
	zone, loc, err := s.whatIfLocation(j)
	if err != nil {
		return nil, err
	}
	doc := map[string]any{}
	rows := map[string][]int{} // by list, the row of each item
	putPath(doc, "jurisdiction", j)
	putPath(doc, "as_of", time.Date(day.Year(), day.Month(), day.Day(), clock.Hour(), clock.Minute(), 0, 0, loc).Format(time.RFC3339))
	putPath(doc, "agency.no_local_law", true)
	if zone != "" {
		putPath(doc, "agency.time_zone", zone)
	}
	for _, sec := range whatIfSections() {
		if sec.List == "" {
			for _, f := range sec.Facts {
				if slices.Contains(whatIfSpecial, f.Path) {
					continue
				}
				v, err := f.read(form[f.Path], loc)
				if err != nil {
					return nil, liaison.Errorf(liaison.Invalid, f.Path, "%s: %s", f.Label, err)
				}
				if v != nil {
					putPath(doc, f.Path, v)
				}
			}
			continue
		}
		items := []any{}
		rows[sec.List] = nil
		for row := range rowsOf(form, sec.Item) {
			item := map[string]any{}
			for _, f := range sec.Facts {
				name := sec.Item + "." + strconv.Itoa(row) + "." + f.Path
				v, err := f.read(form[name], loc)
				if err != nil {
					return nil, liaison.Errorf(liaison.Invalid, name, "%s %d, %s: %s", sec.Item, row+1, strings.ToLower(f.Label), err)
				}
				if v != nil {
					item[f.Path] = v
				}
			}
			if len(item) == 0 {
				continue // a blank row
			}
			if _, ok := item["offense"]; !ok && sec.Item != "agreement" {
				item["offense"] = "unspecified"
			}
			items = append(items, item)
			rows[sec.List] = append(rows[sec.List], row)
		}
		if len(items) > 0 || (sec.Item == "conviction" && one("convictions") == "known") {
			putPath(doc, sec.List, items)
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	req, err := liaison.DecodeRequestAt(raw, s.cfg.Now())
	if err != nil {
		return nil, whatIfProblem(err, rows)
	}
	return req, nil
}

// read returns the JSON value of the fact sent as vals, nil when it is
// not given.
func (f whatIfFact) read(vals []string, loc *time.Location) (any, error) {
	v := ""
	if len(vals) > 0 {
		v = strings.TrimSpace(vals[0])
	}
	switch f.Kind {
	case "multi":
		var out []string
		for _, x := range vals {
			if x = strings.TrimSpace(x); x != "" && !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	case "check":
		if v == "true" {
			return true, nil
		}
		return nil, nil
	}
	if v == "" {
		return nil, nil
	}
	switch f.Kind {
	case "number":
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return json.Number(v), nil
	case "datetime":
		t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date and time written YYYY-MM-DDTHH:MM", v)
		}
		return t.Format(time.RFC3339), nil
	}
	return v, nil
}

// whatIfItemPath finds the list and row in a decoder's field path
// ("subject.convictions[1].date").
var whatIfItemPath = regexp.MustCompile(`^([a-z_.]+)\[(\d+)\]\.?(.*)$`)

// whatIfProblem says a decoder's error about the form in the form's
// words: "conviction 2, date (subject.convictions[0].date): …"; rows
// gives, by list, the row of each item (rows left blank are no items).
func whatIfProblem(err error, rows map[string][]int) error {
	var e *liaison.Error
	if !errors.As(err, &e) || e.Field == "" {
		return err
	}
	label := ""
	m := whatIfItemPath.FindStringSubmatch(e.Field)
	for _, sec := range whatIfSections() {
		for _, f := range sec.Facts {
			switch {
			case sec.List == "" && (f.Path == e.Field || strings.HasPrefix(e.Field, f.Path+"[")):
				label = f.Label
			case m != nil && sec.List == m[1] && (f.Path == m[3] || strings.HasPrefix(m[3], f.Path+"[")):
				label = sec.Item + ", " + strings.ToLower(f.Label)
				if i, _ := strconv.Atoi(m[2]); i < len(rows[sec.List]) {
					label = sec.Item + " " + strconv.Itoa(rows[sec.List][i]+1) + ", " + strings.ToLower(f.Label)
				}
			}
		}
	}
	if label == "" {
		return err
	}
	return &liaison.Error{Kind: e.Kind, Field: e.Field, Message: label + " (" + e.Field + "): " + e.Message, Err: e.Err}
}

// whatIfValues is the form that describes req: the inverse of
// whatIfRequest, for a link that prefills the page with a case.
func (s *Site) whatIfValues(req *liaison.Request) (url.Values, error) {
	_, loc, err := s.whatIfLocation(req.Jurisdiction)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	at := req.AsOf.In(loc)
	form := url.Values{"jurisdiction": {string(req.Jurisdiction)}, "date": {at.Format(time.DateOnly)}, "time": {at.Format("15:04")}}
	if req.Subject != nil && req.Subject.Convictions != nil {
		form.Set("convictions", "known")
	}
	for _, sec := range whatIfSections() {
		if sec.List == "" {
			for _, f := range sec.Facts {
				if !slices.Contains(whatIfSpecial, f.Path) {
					f.write(form, f.Path, getPath(doc, f.Path), loc)
				}
			}
			continue
		}
		items, _ := getPath(doc, sec.List).([]any)
		for row, it := range items {
			item, _ := it.(map[string]any)
			for _, f := range sec.Facts {
				f.write(form, sec.Item+"."+strconv.Itoa(row)+"."+f.Path, item[f.Path], loc)
			}
		}
		form.Set(sec.Item+".rows", strconv.Itoa(max(len(items), 1)))
	}
	return form, nil
}

// write sets the form's field name to the JSON value v of the fact.
func (f whatIfFact) write(form url.Values, name string, v any, loc *time.Location) {
	switch v := v.(type) {
	case string:
		if f.Kind == "datetime" {
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				v = t.In(loc).Format("2006-01-02T15:04")
			}
		}
		form.Set(name, v)
	case bool:
		if v {
			form.Set(name, "true")
		}
	case float64:
		form.Set(name, strconv.FormatFloat(v, 'f', -1, 64))
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				form.Add(name, s)
			}
		}
	}
}

// getPath returns the value at the dotted path p of doc, nil if none.
func getPath(doc map[string]any, p string) any {
	var v any = doc
	for _, k := range strings.Split(p, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
