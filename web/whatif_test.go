package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

// fullWhatIf is the what-if form with every fact it asks for given, three
// rows of convictions of which the second is left blank, and the request
// the engine must see for it.
func fullWhatIf() (url.Values, *liaison.Request) {
	form := url.Values{
		"jurisdiction": {"us/ca"}, "date": {"2019-06-01"}, "time": {"09:30"}, "agency.type": {"jail"},
		"action": {"notify_release"}, "request.kind": {"notification_request"}, "request.form": {"I-247A"}, "request.issuer": {"ICE"},
		"request.warrant.kind": {"administrative"}, "request.judicial_probable_cause_determination": {"true"},
		"request.federal_felony_warrant": {"true"}, "request.info_requested": {"release_date", "address"},
		"context.purpose":     {"criminal_investigation"},
		"request.received_at": {"2019-05-31T08:15"}, "request.probable_cause_basis": {"biometric_match", "statements"},
		"request.hold_hours_requested": {"48"}, "request.access": {"nonpublic_area"}, "request.judicial_subpoena": {"true"},
		"request.warrant.form": {"I-200"}, "request.warrant.issuer": {"ICE Los Angeles"}, "request.warrant.charge": {"8 USC 1227"},
		"subject.custody.status": {"in_custody"}, "subject.custody.release_reason": {"sentence_served"}, "convictions": {"known"},
		"conviction.rows":           {"3"},
		"conviction.0.offense":      {"CA PC 211"},
		"conviction.0.jurisdiction": {"us/ca"},
		"conviction.0.level":        {"felony"},
		"conviction.0.categories":   {"serious_felony", "robbery"},
		"conviction.0.date":         {"2008-06-15"},
		"conviction.0.sentence":     {"state_prison"},
		"conviction.1.offense":      {""}, "conviction.1.jurisdiction": {""}, "conviction.1.level": {""}, "conviction.1.date": {""}, "conviction.1.sentence": {""},
		"conviction.2.offense":            {"CA PC 459"},
		"conviction.2.jurisdiction":       {"us/ca"},
		"conviction.2.level":              {"wobbler_misdemeanor"},
		"conviction.2.categories":         {"burglary"},
		"conviction.2.date":               {"2017-02-01"},
		"conviction.2.sentence":           {"county_jail"},
		"charge.rows":                     {"1"},
		"charge.0.offense":                {"CA PC 273.5"},
		"charge.0.jurisdiction":           {"us/ca"},
		"charge.0.level":                  {"felony"},
		"charge.0.categories":             {"domestic_violence"},
		"charge.0.date":                   {"2019-05-30"},
		"charge.0.probable_cause_finding": {"true"}, "charge.0.held_to_answer": {"true"},
		"subject.age": {"34"}, "subject.role": {"inmate"},
		"subject.custody.scheduled_release": {"2019-06-03T10:00"}, "subject.custody.hold_started_at": {"2019-06-01T08:00"},
		"subject.flags": {"gang_database"}, "subject.public_info": {"release_date"},
		"subject.consent.interview": {"written"}, "subject.consent.form_provided": {"true"},
		"subject.removal_order_signed_by_judge": {"true"},
		"agreement.rows":                        {"1"}, "agreement.0.kind": {"287g"}, "agreement.0.model": {"jail_enforcement"},
		"agreement.0.active": {"true"}, "agreement.0.primary_purpose_immigration": {"true"},
		"agreement.0.duties_primarily_non_immigration": {"true"}, "agreement.0.attorney_general_approved": {"true"},
		"agreement.0.termination_approved": {"true"},
		"context.location":                 {"jail"}, "context.detected_during_unrelated_activity": {"true"},
		"context.school_resource_officer": {"true"}, "context.attending_court": {"true"}, "context.exigent_circumstances": {"true"},
	}
	pdt := time.FixedZone("PDT", -7*3600)
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02T15:04", s, pdt)
		if err != nil {
			panic(err)
		}
		return t
	}
	day := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	req := &liaison.Request{
		AsOf: at("2019-06-01T09:30"), Jurisdiction: "us/ca", Action: "notify_release",
		Agency: &liaison.Agency{Type: "jail", TimeZone: "America/Los_Angeles", NoLocalLaw: true},
		Request: &liaison.FederalRequest{Kind: "notification_request", Form: "I-247A", Issuer: "ICE", ReceivedAt: at("2019-05-31T08:15"),
			ProbableCauseBasis: []liaison.PCBasis{"biometric_match", "statements"}, InfoRequested: []liaison.InfoItem{"release_date", "address"},
			HoldHoursRequested: 48, Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200", Issuer: "ICE Los Angeles", Charge: "8 USC 1227"},
			JudicialPCFinding: true, FederalFelonyWarr: true, Access: "nonpublic_area", JudicialSubpoena: true},
		Subject: &liaison.Subject{Age: 34, Role: "inmate",
			Custody: &liaison.Custody{Status: "in_custody", ReleaseReason: "sentence_served", ScheduledRelease: at("2019-06-03T10:00"), HoldStartedAt: at("2019-06-01T08:00")},
			Convictions: []liaison.Offense{
				{Offense: "CA PC 211", Jurisdiction: "us/ca", Level: "felony", Date: day("2008-06-15"), Sentence: "state_prison", Categories: []liaison.Category{"serious_felony", "robbery"}},
				{Offense: "CA PC 459", Jurisdiction: "us/ca", Level: "wobbler_misdemeanor", Date: day("2017-02-01"), Sentence: "county_jail", Categories: []liaison.Category{"burglary"}},
			},
			PendingCharges: []liaison.Offense{{Offense: "CA PC 273.5", Jurisdiction: "us/ca", Level: "felony", Date: day("2019-05-30"),
				Categories: []liaison.Category{"domestic_violence"}, ProbableCauseFinding: true, HeldToAnswer: true}},
			Flags: []liaison.Flag{"gang_database"}, Consent: &liaison.Consent{Interview: "written", FormProvided: true},
			PublicInfo: []liaison.InfoItem{"release_date"}, RemovalOrderSignedByJudge: true},
		Agreements: []liaison.Agreement{{Kind: "287g", Model: "jail_enforcement", Active: true, PrimaryPurposeImmigration: true,
			DutiesPrimarilyNonImmigration: true, AttorneyGeneralApproved: true, TerminationApproved: true}},
		Context: &liaison.Context{Purpose: "criminal_investigation", Location: "jail", DetectedDuringUnrelatedActivity: true,
			SchoolResourceOfficer: true, AttendingCourt: true, ExigentCircumstances: true},
	}
	return form, req
}

// whatIfNotAsked are the request's facts the form does not ask for: the
// page sets as_of and the agency's time zone from the place and the day,
// and no_local_law always; an agency's name and an offence's description
// are free text no rule reads; a pending charge has no sentence, and a
// conviction no probable cause or holding to answer.
var whatIfNotAsked = []string{"as_of", "agency.name", "agency.time_zone", "agency.no_local_law",
	"subject.convictions.description", "subject.convictions.probable_cause_finding", "subject.convictions.held_to_answer",
	"subject.pending_charges.description", "subject.pending_charges.sentence"}

// unset lists the leaves of the request vocabulary (by JSON path, a list's
// items by the list's) that v leaves at their zero value.
func unset(v reflect.Value, path string, out []string) []string {
	switch {
	case v.Type() == reflect.TypeFor[time.Time]():
		if v.Interface().(time.Time).IsZero() {
			out = append(out, path)
		}
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return unset(reflect.New(v.Type().Elem()).Elem(), path, out)
		}
		return unset(v.Elem(), path, out)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		// A field is set if some item sets it.
		var each [][]string
		for i := range v.Len() {
			each = append(each, unset(v.Index(i), path, nil))
		}
		if v.Len() == 0 {
			return unset(reflect.New(v.Type().Elem()).Elem(), path, out)
		}
		for _, p := range each[0] {
			if !slices.ContainsFunc(each[1:], func(e []string) bool { return !slices.Contains(e, p) }) {
				out = append(out, p)
			}
		}
	case v.Kind() == reflect.Struct:
		for i := range v.NumField() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			p := name
			if path != "" {
				p = path + "." + name
			}
			out = unset(v.Field(i), p, out)
		}
	case v.IsZero():
		out = append(out, path)
	}
	return out
}

var (
	requestJSON = regexp.MustCompile(`(?s)<pre><code>(.*?)</code></pre>`)
	formInput   = regexp.MustCompile(`<input (?:type="(\w+(?:-local)?)" )?(?:step="any" min="0" )?(?:id="[^"]*" )?name="([^"]+)" value="([^"]*)"( checked)?`)
	formSelect  = regexp.MustCompile(`(?s)<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>`)
	selected    = regexp.MustCompile(`<option value="([^"]*)" selected>`)
)

// engineRequest is the request the what-if page says the engine decided,
// as JSON in a canonical form.
func engineRequest(t *testing.T, p page) string {
	t.Helper()
	m := requestJSON.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("POST /law/whatif = %d, no request shown\n%s", p.status, p.body)
	}
	var req liaison.Request
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &req); err != nil {
		t.Fatalf("the request shown: %v\n%s", err, m[1])
	}
	return canonical(t, &req)
}

func canonical(t *testing.T, req *liaison.Request) string {
	t.Helper()
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// formOf reads the what-if form of a page as a browser would send it:
// each field with its value, each box checked, each option selected; the
// buttons are left out.
func formOf(body string) url.Values {
	form := url.Values{}
	start := strings.Index(body, `<form method="post" action="/law/whatif"`)
	end := strings.Index(body[start:], "</form>")
	body = body[start : start+end]
	for _, m := range formInput.FindAllStringSubmatch(body, -1) {
		if m[1] == "checkbox" && m[4] == "" {
			continue
		}
		form.Add(m[2], html.UnescapeString(m[3]))
	}
	for _, m := range formSelect.FindAllStringSubmatch(body, -1) {
		for _, o := range selected.FindAllStringSubmatch(m[2], -1) {
			form.Add(m[1], html.UnescapeString(o[1]))
		}
	}
	return form
}

// Every fact the form asks for reaches the engine as sent: a request
// with every fact of the vocabulary but those the page sets itself,
// several convictions (a blank row between them ignored), a charge and an
// agreement. The answer's form keeps every value, and that form sent
// again, as a browser would, asks the same.
func TestWhatIfEveryFact(t *testing.T) {
	form, want := fullWhatIf()
	if missing := unset(reflect.ValueOf(want).Elem(), "", nil); len(slices.DeleteFunc(missing, func(p string) bool { return slices.Contains(whatIfNotAsked, p) })) > 0 {
		t.Fatalf("the test's request leaves facts of the vocabulary unset: %v; add them to the form and here, or to whatIfNotAsked", missing)
	}
	e := newEnv(t)
	b := e.browser(t)
	form.Set("do", "decide")
	p := b.post("/law/whatif", form)
	if got, w := engineRequest(t, p), canonical(t, want); got != w {
		t.Errorf("the engine saw\n%s\nwant\n%s", got, w)
	}
	again := formOf(p.body)
	for name, vals := range form {
		if name == "do" || slices.Equal(vals, []string{""}) {
			continue
		}
		if !slices.Equal(again[name], vals) {
			t.Errorf("the answer's form has %s = %q, want %q as sent", name, again[name], vals)
		}
	}
	again.Set("do", "decide")
	if got, w := engineRequest(t, b.post("/law/whatif", again)), canonical(t, want); got != w {
		t.Errorf("the answer's form sent again: the engine saw\n%s\nwant\n%s", got, w)
	}
	// The same case as a link prefills the form alike.
	if got, w := engineRequest(t, b.post("/law/whatif", withDo(formOf(b.get("/law/whatif?"+form.Encode()).body)))), canonical(t, want); got != w {
		t.Errorf("the form prefilled by a link: the engine saw\n%s\nwant\n%s", got, w)
	}
}

func withDo(f url.Values) url.Values {
	f.Set("do", "decide")
	return f
}

// Every fact the bundled packs read has a field in the form: a list (the
// convictions) its rows, anything else a field by its path.
func TestWhatIfFormCoversThePacks(t *testing.T) {
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	body := e.browser(t).get("/law/whatif").body
	lists := map[string]string{"subject.convictions": "conviction.0.", "subject.pending_charges": "charge.0.", "agreements": "agreement.0."}
	seen := map[string]bool{}
	var roots []string
	for i := range reflect.TypeFor[liaison.Request]().NumField() {
		name, _, _ := strings.Cut(reflect.TypeFor[liaison.Request]().Field(i).Tag.Get("json"), ",")
		roots = append(roots, name)
	}
	for _, r := range set.Rules() {
		for _, f := range r.Facts() {
			root, _, _ := strings.Cut(f, ".")
			if seen[f] || !slices.Contains(roots, root) {
				continue // a variable of a comprehension: c.level is an item's, in the rows
			}
			seen[f] = true
			name := f
			switch {
			case lists[f] != "":
				name = lists[f] + "kind"
				if f != "agreements" {
					name = lists[f] + "offense"
				}
			case f == "as_of":
				name = "date"
			}
			if !strings.Contains(body, `name="`+name+`"`) {
				t.Errorf("the packs read %s (rule %s), the form has no field %s", f, r.ID, name)
			}
		}
	}
	if len(seen) < 25 {
		t.Errorf("the bundled packs read %d facts, want the twenty-odd they do: %v", len(seen), seen)
	}
}

// Without JavaScript, "Add another conviction" shows the form again with
// one more row, every value kept; rows left blank are no convictions; a
// bad value in a row is said with the row's number.
func TestWhatIfAddRow(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	f := whatIfForm()
	f.Set("conviction.0.offense", "CA PC 211")
	f.Set("conviction.0.level", "felony")
	f.Set("conviction.0.date", "2008-06-15")
	f.Set("do", "add:conviction")
	p := b.post("/law/whatif", f)
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="conviction.1.offense"`) || strings.Contains(p.body, `name="conviction.2.offense"`) ||
		strings.Contains(p.body, `id="answer-card"`) {
		t.Fatalf("add another conviction = %d, want the form with two rows and no answer\n%s", p.status, p.body)
	}
	again := formOf(p.body)
	if again.Get("conviction.0.offense") != "CA PC 211" || again.Get("conviction.0.level") != "felony" || again.Get("conviction.0.date") != "2008-06-15" ||
		again.Get("conviction.rows") != "2" || again.Get("request.warrant.kind") != "administrative" {
		t.Errorf("after adding a row, the form is %v, want the values sent and 2 rows", again)
	}
	again.Set("conviction.1.level", "misdemeanor")
	again.Set("conviction.1.date", "2018-01-02")
	again.Set("do", "add:conviction")
	again = formOf(b.post("/law/whatif", again).body)
	if again.Get("conviction.rows") != "3" || again.Get("conviction.1.level") != "misdemeanor" {
		t.Fatalf("a third row: %v", again)
	}
	// Row 3 is left blank: two convictions.
	again.Set("do", "decide")
	req := engineRequest(t, b.post("/law/whatif", again))
	var got liaison.Request
	if err := json.Unmarshal([]byte(req), &got); err != nil {
		t.Fatal(err)
	}
	if n := len(got.Subject.Convictions); n != 2 || got.Subject.Convictions[1].Level != "misdemeanor" || got.Subject.Convictions[1].Offense != "unspecified" {
		t.Errorf("convictions the engine saw: %+v, want two, the second a misdemeanor of an unspecified offence", got.Subject.Convictions)
	}
	for _, bad := range []struct {
		field, value, say string
	}{
		{"conviction.1.date", "2018-13-02", "conviction 2, date (of conviction)"},
		{"subject.age", "old", "Age"},
		{"request.received_at", "yesterday", "Received"},
		{"agreement.0.active", "true", "agreement 1, kind"},
		{"time", "noon", "HH:MM"},
	} {
		f := formOf(b.post("/law/whatif", again).body)
		f.Set(bad.field, bad.value)
		f.Set("do", "decide")
		p := b.post("/law/whatif", f)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, bad.say) || !strings.Contains(p.body, `role="alert"`) {
			t.Errorf("what-if with %s=%q = %d, want 422 saying %q", bad.field, bad.value, p.status, bad.say)
		}
	}
	if p := b.post("/law/whatif", url.Values{"do": {"add:person"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("add a row to no list = %d, want 422", p.status)
	}
}

// A decision of the map links to the what-if page prefilled with the same
// case, place and day: sent as it is, the engine sees the map's request
// and answers alike, for every standard case.
func TestMapDecisionToWhatIf(t *testing.T) {
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	presets, err := law.LoadPresets(packs.Cases())
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	b := e.browser(t)
	link := regexp.MustCompile(`<a href="([^"]+)" id="whatif-link">`)
	day := time.Date(2019, 12, 19, 0, 0, 0, 0, time.UTC)
	for _, p := range presets {
		for _, j := range []liaison.Jurisdiction{"us/ca/los-angeles-county", "us/tx", "us/ma/boston"} {
			a := p.Actions[len(p.Actions)-1]
			d := b.get("/law/map/decision?" + url.Values{"case": {p.Name}, "action": {string(a)}, "date": {"2019-12-19"}, "j": {string(j)}}.Encode())
			m := link.FindStringSubmatch(d.body)
			mo := regexp.MustCompile(`id="outcome-h">Outcome: <span class="badge (\w+)">`).FindStringSubmatch(d.body)
			if d.status != http.StatusOK || m == nil || mo == nil {
				t.Fatalf("%s at %s: GET the map's decision = %d, no link to the what-if page\n%s", p.Name, j, d.status, d.body)
			}
			w := b.get(html.UnescapeString(m[1]))
			ans := b.post("/law/whatif", withDo(formOf(w.body)))
			// The what-if page always says the levels with no pack have
			// no law of their own (the map's places all do); no rule
			// reads it.
			mr := set.MapRequest(p, j, a, day)
			mr.Agency.NoLocalLaw = true
			if got, want := engineRequest(t, ans), canonical(t, mr); got != want {
				t.Errorf("%s at %s: the prefilled what-if decided\n%s\nthe map\n%s", p.Name, j, got, want)
			}
			if got := outcome(t, ans); got != mo[1] {
				t.Errorf("%s at %s: the prefilled what-if answers %s, the map %s", p.Name, j, got, mo[1])
			}
		}
	}
}

// The page's timeline shows the day a conviction ages out of the law's
// "within the last 15 years" (Cal. Gov. Code 7282.5(a)(3)): a robbery
// felony of 2008-06-15 lets California tell of a release until
// 2023-06-14.
func TestWhatIfTimelineAging(t *testing.T) {
	e := newEnv(t)
	f := whatIfForm()
	f.Set("action", "notify_release")
	f.Set("request.kind", "notification_request")
	f.Set("request.info_requested", "release_date")
	f.Set("subject.custody.status", "in_custody")
	f.Set("conviction.0.offense", "CA PC 211")
	f.Set("conviction.0.level", "felony")
	f.Set("conviction.0.categories", "robbery")
	f.Set("conviction.0.date", "2008-06-15")
	f.Set("do", "timeline")
	p := e.browser(t).post("/law/whatif", f)
	if !strings.Contains(p.body, `<time datetime="2023-06-14">2023-06-14</time></td><td><span class="badge permitted">`) ||
		!strings.Contains(p.body, `<tr><td><time datetime="2023-06-15">2023-06-15</time></td><td>(no end)</td><td><span class="badge forbidden">`) {
		t.Errorf("the timeline of a felony of 2008-06-15: want permitted to 2023-06-14, forbidden from 2023-06-15\n%s", p.body)
	}
}
