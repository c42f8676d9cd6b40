package law

import (
	"errors"
	"strconv"

	"liaison"
)

// MaxCompare bounds the jurisdictions one what-if compares.
const MaxCompare = 8

// A WhatIf is a request decided to try the law: nothing is stored.
type WhatIf struct {
	Decision *liaison.Decision `json:"decision"`
	// Timeline, when asked for, is every period over which the answer
	// stays the same (see Set.Timeline).
	Timeline []Span `json:"timeline,omitempty"`
	// Compare is the same request decided in other jurisdictions.
	Compare []Comparison `json:"compare,omitempty"`
}

// A Comparison is a request decided in another jurisdiction.
type Comparison struct {
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	Decision     *liaison.Decision    `json:"decision"`
}

// WhatIf checks req (CheckRequest) and the places to compare, decides req
// with its explanation, and, as asked, its timeline and the same request
// in each place of compare. A place compared may have no law of its own:
// its state's and the federal law answer there, in the place's time zone
// when the request's agency names one. Errors are of kind Invalid for
// what the caller sent (field "compare[i]" for a place compared).
// Decisions are normalized (see liaison.Decision.Normalize).
func (s *Set) WhatIf(req *liaison.Request, timeline bool, compare []liaison.Jurisdiction) (*WhatIf, error) {
	if len(compare) > MaxCompare {
		return nil, liaison.Errorf(liaison.Invalid, "compare", "at most %d jurisdictions to compare, not %d", MaxCompare, len(compare))
	}
	if err := s.CheckRequest(req); err != nil {
		return nil, err
	}
	for i, j := range compare {
		if err := s.CheckJurisdiction(j, true); err != nil {
			msg := err.Error()
			if le := (*liaison.Error)(nil); errors.As(err, &le) {
				msg = le.Message
			}
			return nil, liaison.Errorf(liaison.Invalid, "compare["+strconv.Itoa(i)+"]", "%s", msg)
		}
	}
	d, err := s.Decide(req, Options{Explain: true})
	if err != nil {
		return nil, err
	}
	d.Normalize()
	out := &WhatIf{Decision: d}
	if timeline {
		if out.Timeline, err = s.Timeline(req); err != nil {
			return nil, err
		}
		for _, sp := range out.Timeline {
			sp.Decision.Normalize()
		}
	}
	for _, j := range compare {
		other := *req
		other.Jurisdiction = j
		if req.Agency != nil {
			ag := *req.Agency
			ag.NoLocalLaw = true
			if ag.TimeZone != "" {
				ag.TimeZone = TimeZone(j)
			}
			other.Agency = &ag
		}
		od, err := s.Decide(&other, Options{Explain: true})
		if err != nil {
			return nil, err
		}
		od.Normalize()
		out.Compare = append(out.Compare, Comparison{Jurisdiction: j, Decision: od})
	}
	return out, nil
}
