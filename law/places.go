package law

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
)

// The places the engine knows by name: the states with bundled packs,
// their names for explanations, and the time zone an agency there keeps
// unless it says otherwise. This table is the one place that maps
// jurisdictions to time zones (docs/packs.md, "Time zones").
//
// Counties are matched by their segment with or without "-county"
// ("us/tx/el-paso", "us/tx/el-paso-county"). A county whose zone is ""
// lies in two zones: its agencies must name theirs.
var places = map[liaison.Jurisdiction]place{
	"us":    {name: "federal"}, // several zones: an agency must name its own
	"us/ca": {name: "California", zone: "America/Los_Angeles"},
	"us/fl": {name: "Florida", zone: "America/New_York", counties: map[string]string{
		// The western panhandle, west of the Apalachicola River, keeps
		// Central time (15 U.S.C. 261, 49 C.F.R. 71.5). Gulf County is
		// split along the Intracoastal Waterway.
		"escambia": "America/Chicago", "santa-rosa": "America/Chicago", "okaloosa": "America/Chicago",
		"walton": "America/Chicago", "holmes": "America/Chicago", "washington": "America/Chicago",
		"bay": "America/Chicago", "jackson": "America/Chicago", "calhoun": "America/Chicago",
		"gulf": "",
	}},
	"us/il": {name: "Illinois", zone: "America/Chicago"},
	"us/ma": {name: "Massachusetts", zone: "America/New_York"},
	"us/nj": {name: "New Jersey", zone: "America/New_York"},
	"us/ny": {name: "New York", zone: "America/New_York"},
	// Most of Malheur County keeps Mountain time (49 C.F.R. 71.8).
	"us/or": {name: "Oregon", zone: "America/Los_Angeles", counties: map[string]string{"malheur": "America/Denver"}},
	// El Paso and Hudspeth counties keep Mountain time (49 C.F.R. 71.8).
	"us/tx": {name: "Texas", zone: "America/Chicago", counties: map[string]string{
		"el-paso": "America/Denver", "hudspeth": "America/Denver"}},
	"us/wa": {name: "Washington", zone: "America/Los_Angeles"},
}

// states are the segments below us that name a state, the District of
// Columbia or a territory (USPS codes, lowercase).
var states = []string{
	"al", "ak", "az", "ar", "ca", "co", "ct", "de", "dc", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky",
	"la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj", "nm", "ny", "nc", "nd", "oh",
	"ok", "or", "pa", "ri", "sc", "sd", "tn", "tx", "ut", "vt", "va", "wa", "wv", "wi", "wy",
	"as", "gu", "mp", "pr", "vi",
}

type place struct {
	name     string
	zone     string
	counties map[string]string // county segment (without "-county") → zone
}

// TimeZone returns the IANA time zone an agency at j keeps by default, or
// "" when the engine does not know it (federal agencies, states with no
// bundled law, counties in two zones): such an agency must name its zone.
func TimeZone(j liaison.Jurisdiction) string {
	lv := levels(j)
	if len(lv) < 2 {
		return ""
	}
	p, ok := places[lv[1]]
	if !ok {
		return ""
	}
	if len(lv) > 2 {
		county := strings.TrimSuffix(string(lv[2])[len(lv[1])+1:], "-county")
		if z, ok := p.counties[county]; ok {
			return z
		}
	}
	return p.zone
}

// placeName returns a level's name for explanations: "federal",
// "California", or the last segment in words ("Harris County").
func placeName(j liaison.Jurisdiction) string {
	if p, ok := places[j]; ok {
		return p.name
	}
	s := string(j)
	s = s[strings.LastIndexByte(s, '/')+1:]
	words := strings.Split(s, "-")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// Location returns the time.Location named by an IANA zone, loaded once
// per Set; an unknown name (or "") is an error of kind Invalid.
func (s *Set) Location(name string) (*time.Location, error) {
	if l, ok := s.zones.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, liaison.Errorf(liaison.Invalid, "agency.time_zone", "unknown time zone %q: name an IANA zone such as America/Chicago", name)
	}
	s.zones.Store(name, l)
	return l, nil
}

// CheckTimeZone reports an error of kind Invalid, for field, unless name is
// an IANA time zone.
func CheckTimeZone(field, name string) error {
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		return liaison.Errorf(liaison.Invalid, field, "unknown time zone %q: name an IANA zone such as America/Chicago", name)
	}
	return nil
}

// CheckJurisdiction reports an error of kind Invalid (field jurisdiction)
// when a level of j has no pack in the set — a path such as "us/txx/harris"
// is more likely a typing error than a place with no law of its own —
// naming the unknown segment and the nearest known paths at that level.
// noLocalLaw says the caller knows: the levels without packs have no law
// of their own, and the law above them is all there is.
func (s *Set) CheckJurisdiction(j liaison.Jurisdiction, noLocalLaw bool) error {
	if j == "" || strings.HasPrefix(string(j), "/") || strings.HasSuffix(string(j), "/") || strings.Contains(string(j), "//") {
		return liaison.Errorf(liaison.Invalid, "jurisdiction", "%q is not a jurisdiction path such as us/ca/los-angeles-county", j)
	}
	lv := levels(j)
	if lv[0] != "us" {
		return liaison.Errorf(liaison.Invalid, "jurisdiction", "%s: jurisdictions start at us", j)
	}
	for i, l := range lv[1:] {
		i++ // the top level, us, is the root: federal law, or none in a set without it
		seg := string(l)[len(lv[i-1])+1:]
		// A state that does not exist is an error whatever the caller says.
		state := i == 1 && lv[0] == "us" && !slices.Contains(states, seg)
		if len(s.byJur[l]) > 0 || (noLocalLaw && !state) {
			continue
		}
		msg := fmt.Sprintf("%s: no pack for %q at %s", j, seg, lv[i-1])
		if state {
			msg = fmt.Sprintf("%s: %q is neither a state nor a territory of the United States", j, seg)
		}
		if near := s.nearest(lv[i-1], seg); len(near) > 0 {
			msg += "; nearest known: " + strings.Join(near, ", ")
		}
		return liaison.Errorf(liaison.Invalid, "jurisdiction", `%s; if %s has no law of its own, say "no_local_law": true`, msg, l)
	}
	return nil
}

// nearest returns the known paths just below parent whose last segment is
// closest to seg by edit distance (at most three, and only those within
// half the segment's length), nearest first.
func (s *Set) nearest(parent liaison.Jurisdiction, seg string) []string {
	type cand struct {
		path string
		dist int
	}
	var cs []cand
	prefix := string(parent) + "/"
	for j := range s.byJur {
		rest, ok := strings.CutPrefix(string(j), prefix)
		if !ok || strings.Contains(rest, "/") {
			continue
		}
		if d := editDistance(seg, rest); d <= max(2, len(seg)/2) {
			cs = append(cs, cand{string(j), d})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.dist != b.dist {
			return a.dist - b.dist
		}
		return strings.Compare(a.path, b.path)
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].path)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// levelsSentence says which levels of a decision had law in force:
// "Federal and Texas law applied; no pack for Harris County." The few
// sentences a set's decisions need are made once: they cost more than
// the rest of an explanation.
func (s *Set) levelsSentence(j liaison.Jurisdiction, hadLaw uint64, ls []liaison.JurisdictionLevel) string {
	key := levelsKey{j, hadLaw}
	if v, ok := s.sentences.Load(key); ok {
		return v.(string)
	}
	v := levelsSentence(ls)
	if s.nSentences.Add(1) <= maxSentences {
		s.sentences.Store(key, v)
	}
	return v
}

// maxSentences bounds the sentences a Set keeps: requests may name any
// place whose levels have no law of their own (no_local_law).
const maxSentences = 4096

type levelsKey struct {
	jur    liaison.Jurisdiction
	hadLaw uint64
}

func levelsSentence(ls []liaison.JurisdictionLevel) string {
	var with, without []string
	for _, l := range ls {
		if l.Law {
			with = append(with, placeName(l.Jurisdiction))
		} else {
			without = append(without, placeName(l.Jurisdiction))
		}
	}
	var b strings.Builder
	if len(with) == 0 {
		b.WriteString("No law in force at any level")
	} else {
		b.WriteString(andList(with))
		b.WriteString(" law applied")
	}
	if len(without) > 0 {
		b.WriteString("; no pack for ")
		b.WriteString(andList(without))
	}
	b.WriteString(".")
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

func andList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// local returns req with its instants in the agency's time zone, so that
// the calendar day of as_of, the dates rules compare and business hours
// are the agency's (8 C.F.R. 287.7(d) counts weekends and holidays on the
// local calendar). Without a zone, req is returned as it is: each instant
// is read in its own offset. req itself is not changed.
func (s *Set) local(req *liaison.Request) (*liaison.Request, error) {
	if req.Agency == nil || req.Agency.TimeZone == "" {
		return req, nil
	}
	loc, err := s.Location(req.Agency.TimeZone)
	if err != nil {
		return nil, err
	}
	r := *req
	r.AsOf = r.AsOf.In(loc)
	if r.Subject != nil && r.Subject.Custody != nil {
		subj, cust := *r.Subject, *r.Subject.Custody
		cust.HoldStartedAt = cust.HoldStartedAt.In(loc)
		cust.ScheduledRelease = cust.ScheduledRelease.In(loc)
		subj.Custody = &cust
		r.Subject = &subj
	}
	return &r, nil
}

// CheckRequest reports what Decide would answer for a place that does not
// exist: a jurisdiction with a level that has no pack, unless the request's
// agency says it has no law of its own (CheckJurisdiction), or an unknown
// time zone. Callers facing users (the API, `liaison decide`) check first;
// the desk checks an agency's jurisdiction once, when it is created.
func (s *Set) CheckRequest(req *liaison.Request) error {
	noLocalLaw := req.Agency != nil && req.Agency.NoLocalLaw
	if err := s.CheckJurisdiction(req.Jurisdiction, noLocalLaw); err != nil {
		return err
	}
	if req.Agency != nil && req.Agency.TimeZone != "" {
		_, err := s.Location(req.Agency.TimeZone)
		return err
	}
	return nil
}
