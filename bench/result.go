package bench

import (
	"slices"
	"time"

	"liaison"
)

// A Result is what all three engines can say about a request: the outcome
// and the rules that decided it, as "pack/rule".
type Result struct {
	Outcome  liaison.Outcome
	Decisive []string
}

// Equal reports whether r and o have the same outcome and the same set of
// decisive rules.
func (r Result) Equal(o Result) bool {
	if r.Outcome != o.Outcome {
		return false
	}
	a, b := slices.Clone(r.Decisive), slices.Clone(o.Decisive)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// FromDecision returns the Result of one of liaison's decisions.
func FromDecision(d *liaison.Decision) Result {
	res := Result{Outcome: d.Outcome, Decisive: make([]string, 0, len(d.Decisive))}
	for _, r := range d.Decisive {
		res.Decisive = append(res.Decisive, r.Pack+"/"+r.Rule)
	}
	return res
}

// ymd returns the day of t in UTC as the integer yyyymmdd, the date form the
// Rego and Cedar policies compare: for whole calendar years,
// years_between(a, b) < n exactly when ymd(b)-ymd(a) < n*10000 (README).
func ymd(t time.Time) int64 {
	y, m, d := t.UTC().Date()
	return int64(y)*10000 + int64(m)*100 + int64(d)
}

// parts returns the optional objects of req that both peers' inputs read,
// each as an empty value when absent (as liaison's CEL reads them).
func parts(req *liaison.Request) (fr liaison.FederalRequest, warrant liaison.Warrant, sub liaison.Subject, consent liaison.Consent, cx liaison.Context) {
	if req.Request != nil {
		fr = *req.Request
	}
	if fr.Warrant != nil {
		warrant = *fr.Warrant
	}
	if req.Subject != nil {
		sub = *req.Subject
	}
	if sub.Consent != nil {
		consent = *sub.Consent
	}
	if req.Context != nil {
		cx = *req.Context
	}
	return fr, warrant, sub, consent, cx
}
