package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"liaison"
	"liaison/examples/proposals"
	"liaison/law"
	"liaison/law/usmap"
)

// diffExample is a comparison the empty form offers.
type diffExample struct {
	Text string
	Href string
}

type diffData struct {
	A, B          string
	Jurisdiction  string
	Action        string
	Jurisdictions []liaison.Jurisdiction
	Names         map[liaison.Jurisdiction]string
	Actions       []string
	Examples      []diffExample
	// Proposal names the proposal laid over the law of side B (none: the
	// same law on both sides); Proposals are those offered.
	Proposal  string
	Proposals []string
	// Comparison is nil until both days are given.
	Comparison *law.Diff
}

// lawDiff compares the law in force on two days (the desk's packs, as
// `liaison packs diff @A @B`): pack versions and rules added, removed and
// changed, and the pack tests whose answers differ. With proposal, side
// B is the desk's law with that proposal laid over it (`packs diff @A
// PROPOSAL@B`). Public, like every page of the law: the public is offered
// the bundled proposals (examples/proposals), staff also the server's own
// (serve --proposals), which may be drafts (see publicProposals).
func (s *Site) lawDiff(w http.ResponseWriter, r *http.Request, ss *session) {
	set := s.cfg.Desk.Law()
	q := r.URL.Query()
	d := diffData{A: q.Get("a"), B: q.Get("b"), Jurisdiction: q.Get("j"), Action: q.Get("action"), Proposal: q.Get("proposal"),
		Names: map[liaison.Jurisdiction]string{}, Actions: liaison.Action("").Enum()}
	offered := s.proposals()
	if ss == nil {
		offered = publicProposals(s.cfg.Proposals)
	}
	for _, p := range offered {
		d.Proposals = append(d.Proposals, p.Name)
	}
	places, err := set.MapPlaces()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	d.Jurisdictions = slices.Compact(slices.Sorted(slices.Values(append(set.Jurisdictions(), places...))))
	for _, j := range d.Jurisdictions {
		d.Names[j] = usmap.Name(j)
	}
	for _, ex := range []struct{ text, a, b, j, action string }{
		{"Los Angeles County, holds: 2016 against 2019", "2016-06-01", "2019-06-01", "us/ca/los-angeles-county", "honor_detainer"},
		{"Boston: before and after the 2019 amendment of its Trust Act", "2019-06-01", "2020-06-01", "us/ma/boston", ""},
		{"Texas: before and after SB 4", "2017-06-01", "2018-06-01", "us/tx", ""},
	} {
		d.Examples = append(d.Examples, diffExample{Text: ex.text, Href: "/law/diff?" + url.Values{"a": {ex.a}, "b": {ex.b}, "j": {ex.j}, "action": {ex.action}}.Encode()})
	}
	for _, p := range d.Proposals {
		d.Examples = append(d.Examples, diffExample{Text: "The law of 2021-01-01, and with the proposal " + p,
			Href: "/law/diff?" + url.Values{"a": {"2021-01-01"}, "b": {"2021-01-01"}, "proposal": {p}}.Encode()})
	}
	if d.A == "" && d.B == "" {
		s.render(w, r, http.StatusOK, "diff", view{Title: "Compare the law", Actor: actorOf(ss), Nav: "diff", Data: d})
		return
	}
	var a, b law.Side
	a.Set, b.Set = set, set
	for _, side := range []struct {
		field, v string
		at       *time.Time
	}{{"a", d.A, &a.At}, {"b", d.B, &b.At}} {
		if *side.at, err = time.Parse(time.DateOnly, side.v); err != nil {
			s.failDiff(w, r, ss, d, liaison.Errorf(liaison.Invalid, side.field, "give both days, written YYYY-MM-DD (not %q)", side.v))
			return
		}
	}
	j, action := liaison.Jurisdiction(d.Jurisdiction), liaison.Action(d.Action)
	if j != "" && !slices.Contains(d.Jurisdictions, j) {
		s.failDiff(w, r, ss, d, liaison.Errorf(liaison.Invalid, "j", "no bundled jurisdiction %q", j))
		return
	}
	if action != "" && !slices.Contains(d.Actions, d.Action) {
		s.failDiff(w, r, ss, d, liaison.Errorf(liaison.Invalid, "action", "%q is not an action", action))
		return
	}
	if d.Proposal != "" {
		if !slices.Contains(d.Proposals, d.Proposal) {
			s.failDiff(w, r, ss, d, liaison.Errorf(liaison.Invalid, "proposal", "no proposal named %q", d.Proposal))
			return
		}
		if b.Set, err = s.proposalSet(d.Proposal); err != nil {
			s.fail(w, r, ss, err)
			return
		}
	}
	// The pack tests of side B's layers: the desk's, and the proposal's.
	tests, err := b.Set.Tests()
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if d.Comparison, err = law.Compare(a, b, law.Cases(tests), j, action); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	d.Comparison.A, d.Comparison.B = "@"+d.A, d.Proposal+"@"+d.B
	s.render(w, r, http.StatusOK, "diff", view{Title: "Compare the law", Actor: actorOf(ss), Nav: "diff", Data: d})
}

// publicProposals are the proposals a visitor who is not signed in is
// offered: the bundled ones, but not one that a proposal configured on
// the server (staff-only, perhaps a draft) replaces under its name, for
// proposalSet would answer with the configured one.
func publicProposals(configured []proposals.Proposal) []proposals.Proposal {
	return slices.DeleteFunc(proposals.All(), func(p proposals.Proposal) bool {
		return slices.ContainsFunc(configured, func(c proposals.Proposal) bool { return c.Name == p.Name })
	})
}

// failDiff shows the form again with the error of err.
func (s *Site) failDiff(w http.ResponseWriter, r *http.Request, ss *session, d diffData, err error) {
	s.render(w, r, statusOf(err), "diff", view{Title: "Compare the law", Actor: actorOf(ss), Nav: "diff", Error: message(err), Data: d})
}
