package law

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
)

// Severity grades a lint finding.
type Severity string

// The severities of lint findings; errors make `packs lint` fail.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// A Finding is one problem lint found.
type Finding struct {
	Severity Severity
	File     string
	Rule     string
	Msg      string
}

func (f Finding) String() string {
	if f.Rule != "" {
		return fmt.Sprintf("%s: %s: rule %s: %s", f.File, f.Severity, f.Rule, f.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", f.File, f.Severity, f.Msg)
}

// Lint checks the loaded packs for what loading cannot: rules without a
// citation, a permit and a forbid of one level that can both hold with
// no exception link between them (tests serve as witnesses, besides rules
// that always hold), rules that can never apply, and packs without a
// notice, versions of one instrument with days between them that no
// version covers, and rules that hold in none of the tests. Type errors,
// unknown facts and overlapping versions are load errors and are reported
// by Load.
func (s *Set) Lint(tests []*Test) []Finding {
	var out []Finding
	for _, pk := range s.packs {
		if pk.Notice == "" {
			out = append(out, Finding{SeverityWarning, pk.file, "", "no notice: say what the encoding is (bundled packs: an illustrative encoding with citations, not legal advice)"})
		}
		if pk.Source == "" {
			out = append(out, Finding{SeverityWarning, pk.file, "", "no source URL"})
		}
		for _, v := range pk.Versions {
			for _, r := range v.Rules {
				if r.Citation == "" {
					out = append(out, Finding{SeverityError, pk.file, r.ID, "no citation"})
				}
				for _, x := range r.excepts {
					if len(x.conds) == 0 {
						out = append(out, Finding{SeverityError, pk.file, r.ID, fmt.Sprintf("unreachable: its exception %s always holds", x.ID)})
					}
				}
				for _, cd := range r.conds {
					if cd.CEL == "false" {
						out = append(out, Finding{SeverityError, pk.file, r.ID, "unreachable: a condition is the constant false"})
					}
				}
			}
		}
	}
	out = append(out, s.gaps()...)
	out = append(out, s.idle(tests)...)
	return append(out, s.overlaps(tests)...)
}

// gaps finds days between two versions of one instrument when neither is
// in force: an amendment whose effective_from does not follow the day its
// predecessor's effective_to ends. A repeal and a later re-enactment are a
// real gap, but rare enough that lint asks for it to be looked at.
func (s *Set) gaps() []Finding {
	var out []Finding
	for _, pk := range s.packs {
		vs := slices.Clone(pk.Versions)
		slices.SortFunc(vs, func(a, b *Version) int { return a.EffectiveFrom.Compare(b.EffectiveFrom.Time) })
		for i := 1; i < len(vs); i++ {
			prev, next := vs[i-1], vs[i]
			if prev.EffectiveTo == nil {
				continue // an overlap, which Load refuses
			}
			if dayAfter := prev.EffectiveTo.AddDate(0, 0, 1); next.EffectiveFrom.After(dayAfter) {
				out = append(out, Finding{SeverityWarning, pk.file, "", fmt.Sprintf(
					"no version in force from %s to %s, between version %q and version %q: if the instrument was in force then, end %q the day before %q begins",
					dayAfter.Format(time.DateOnly), next.EffectiveFrom.AddDate(0, 0, -1).Format(time.DateOnly), prev.Version, next.Version, prev.Version, next.Version)})
			}
		}
	}
	return out
}

// idle finds rules that hold in none of the tests. Whether a CEL condition
// can ever hold is not decidable in general; the tests are the witnesses
// (as for overlaps), so a rule no test shows holding is one whose
// conditions may contradict each other or its version's dates, or one
// that simply wants a test. Without tests, nothing is reported.
func (s *Set) idle(tests []*Test) []Finding {
	if len(tests) == 0 {
		return nil
	}
	results := make([]TestResult, 0, len(tests))
	for _, t := range tests {
		results = append(results, s.Run(t))
	}
	held := Exercised(results)
	var out []Finding
	for _, r := range s.Rules() {
		if !held[r.Key()] {
			out = append(out, Finding{SeverityWarning, r.version.pack.file, r.ID, fmt.Sprintf(
				"holds in none of the %d pack tests (version %s): it may never apply; add a test where it holds", len(tests), r.version.Version)})
		}
	}
	return out
}

// overlaps finds a permit and a forbid of the same jurisdiction, for the
// same action and time, that can both hold with no exception link.
func (s *Set) overlaps(tests []*Test) []Finding {
	var out []Finding
	for _, packs := range s.byJur {
		var rules []*Rule
		for _, pk := range packs {
			for _, v := range pk.Versions {
				rules = append(rules, v.Rules...)
			}
		}
		for _, p := range rules {
			if p.Effect != liaison.Permit {
				continue
			}
			for _, f := range rules {
				if f.Effect != liaison.Forbid || linked(p, f) || !sameTime(p.version, f.version) {
					continue
				}
				for _, a := range p.Actions {
					if !slices.Contains(f.Actions, a) {
						continue
					}
					if w, ok := s.witness(p, f, a, tests); ok {
						out = append(out, Finding{SeverityError, p.version.pack.file, p.ID, fmt.Sprintf(
							"permits %s where %s (%s) forbids it, and both hold %s, with no exception link: name one as an exception of the other, or narrow a condition",
							a, f.Key(), f.version.pack.file, w)})
						break
					}
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Finding) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// linked reports whether one rule is an exception of the other.
func linked(a, b *Rule) bool {
	return slices.Contains(a.excepts, b) || slices.Contains(b.excepts, a) ||
		slices.Contains(a.Exceptions, b.Key()) || slices.Contains(b.Exceptions, a.Key())
}

func sameTime(a, b *Version) bool {
	end := func(v *Version) time.Time {
		if v.EffectiveTo == nil {
			return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return v.EffectiveTo.Time
	}
	return !a.EffectiveFrom.After(end(b)) && !b.EffectiveFrom.After(end(a))
}

// witness looks for a request on which both rules hold: always, when
// neither has a condition; else one of the tests, moved to the action,
// the jurisdiction and a date both versions cover.
func (s *Set) witness(p, f *Rule, a liaison.Action, tests []*Test) (string, bool) {
	if len(p.conds) == 0 && len(f.conds) == 0 {
		return "always", true
	}
	from := p.version.EffectiveFrom.Time
	if f.version.EffectiveFrom.After(from) {
		from = f.version.EffectiveFrom.Time
	}
	for _, t := range tests {
		req := *t.req
		req.Action = a
		req.Jurisdiction = p.version.pack.Jurisdiction
		if p.version.pack.At(req.AsOf) != p.version || f.version.pack.At(req.AsOf) != f.version {
			req.AsOf = from
		}
		act := s.activation(&req)
		absent := s.absent(&req)
		hp, _, err1 := s.holds(p.all, p.unknownMask, act, absent)
		hf, _, err2 := s.holds(f.all, f.unknownMask, act, absent)
		if err1 == nil && err2 == nil && hp == yes && hf == yes {
			return fmt.Sprintf("for the facts of test %s", t.ID), true
		}
	}
	return "", false
}
