package law

import (
	"slices"
	"strings"

	"liaison"
)

// ruleStatus is a liaison.Status as a small number, cheap to compare and to
// store in the combiner's loops.
type ruleStatus uint8

const (
	statusNone ruleStatus = iota
	statusApplied
	statusNotHeld
	statusUnknown
	statusDefeated
	statusVoid
	statusNotEffective
)

func (st ruleStatus) status() liaison.Status {
	switch st {
	case statusApplied:
		return liaison.StatusApplied
	case statusNotHeld:
		return liaison.StatusNotHeld
	case statusUnknown:
		return liaison.StatusUnknown
	case statusDefeated:
		return liaison.StatusDefeated
	case statusVoid:
		return liaison.StatusVoid
	case statusNotEffective:
		return liaison.StatusNotEffective
	}
	return ""
}

// result is the outcome of one assignment of truth to the rules.
type result struct {
	outcome  liaison.Outcome
	status   []ruleStatus
	by       []int // for defeated, void and not effective rules: the rule that did it
	decisive []int
}

// combiner applies the decision semantics (docs/semantics.md) to rules
// evaluated for one request.
type combiner struct {
	evals      []eval
	exceptions [][]int // exceptions[i]: the evals that are exceptions to evals[i]
	levels     int
	// The evals that govern the action come first, by level: those of
	// level l are evals[levelStart[l]:levelStart[l+1]]. (Exceptions
	// evaluated only as such follow them.)
	levelStart []int

	trial       result // outcome's result, in sc.trial*
	trialActive []int8
	sc          *scratch
}

// decide combines the rules; rules that depend on missing facts are tried
// both ways, and the outcome is undetermined only if that changes it.
func (c *combiner) decide() (result, []string) {
	c.sc.truth = grow(c.sc.truth, len(c.evals))
	held := c.sc.truth
	var unk []int
	for i, e := range c.evals {
		held[i] = e.held == yes
		if e.held == unknown {
			unk = append(unk, i)
		}
	}
	base := c.combine(held)
	if len(unk) == 0 {
		return base, nil
	}
	for _, i := range unk {
		base.status[i] = statusUnknown
	}
	if len(unk) > maxUnknownRules {
		return result{outcome: liaison.Undetermined, status: base.status, by: base.by}, c.missing(unk)
	}
	outcomes := make([]liaison.Outcome, 1<<len(unk))
	for a := range outcomes {
		for j, i := range unk {
			held[i] = a&(1<<j) != 0
		}
		outcomes[a] = c.outcome(held)
	}
	var matter []int
	for j, i := range unk {
		for a := range outcomes {
			if outcomes[a] != outcomes[a^(1<<j)] {
				matter = append(matter, i)
				break
			}
		}
	}
	if len(matter) == 0 {
		return base, nil
	}
	return result{outcome: liaison.Undetermined, status: base.status, by: base.by}, c.missing(matter)
}

func (c *combiner) missing(idx []int) []string {
	var out []string
	for _, i := range idx {
		for _, m := range c.evals[i].missing {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	slices.Sort(out)
	return out
}

// outcome returns only the outcome of one truth assignment, reusing the
// combiner's scratch space.
func (c *combiner) outcome(held []bool) liaison.Outcome {
	if c.trial.status == nil {
		n := len(c.evals)
		c.sc.trialStatus, c.sc.trialBy, c.sc.trialActive = grow(c.sc.trialStatus, n), grow(c.sc.trialBy, n), grow(c.sc.trialActive, n)
		c.trial = result{status: c.sc.trialStatus, by: c.sc.trialBy, decisive: c.sc.trialDecisive[:0]}
		c.trialActive = c.sc.trialActive
	}
	c.trial.decisive = c.trial.decisive[:0]
	clear(c.trialActive)
	c.run(held, &c.trial, c.trialActive)
	c.sc.trialDecisive = c.trial.decisive[:0]
	return c.trial.outcome
}

// combine applies the semantics to one truth assignment.
func (c *combiner) combine(held []bool) result {
	n := len(c.evals)
	c.sc.baseStatus, c.sc.baseBy, c.sc.baseActive = grow(c.sc.baseStatus, n), grow(c.sc.baseBy, n), grow(c.sc.baseActive, n)
	res := result{status: c.sc.baseStatus, by: c.sc.baseBy, decisive: c.sc.baseDecisive[:0]}
	c.run(held, &res, c.sc.baseActive)
	c.sc.baseDecisive = res.decisive[:0]
	return res
}

// run fills res for one truth assignment; active is zeroed scratch space.
func (c *combiner) run(held []bool, res *result, active []int8) {
	for i := range res.by {
		res.by[i] = -1
	}
	// Within an instrument: a rule is defeated when an exception to it is active.
	// active[i]: 0 not yet known, 1 active, -1 not.
	var isActive func(i int) bool
	isActive = func(i int) bool {
		if active[i] != 0 {
			return active[i] > 0
		}
		active[i] = -1
		if !held[i] {
			res.status[i] = statusNotHeld
			return false
		}
		for _, j := range c.exceptions[i] {
			if isActive(j) {
				res.status[i] = statusDefeated
				res.by[i] = j
				return false
			}
		}
		active[i] = 1
		res.status[i] = statusApplied
		return true
	}
	for i := range c.evals {
		isActive(i)
	}

	state := liaison.Effect("") // "" is silence
	var preemptors []int
	req, per, forb := c.sc.requires[:0], c.sc.permits[:0], c.sc.forbids[:0]
	for level := 0; level < c.levels; level++ {
		req, per, forb = req[:0], per[:0], forb[:0]
		lo, hi := c.levelStart[level], c.levelStart[level+1]
		for i := lo; i < hi; i++ {
			e := &c.evals[i]
			if active[i] < 0 || e.rule.Effect == liaison.Oblige {
				continue
			}
			if p := voidedBy(c.evals, preemptors, e.rule.Effect); p >= 0 {
				res.status[i], res.by[i] = statusVoid, p
				continue
			}
			switch e.rule.Effect {
			case liaison.Require:
				req = append(req, i)
			case liaison.Permit:
				per = append(per, i)
			case liaison.Forbid:
				forb = append(forb, i)
			}
		}
		var here liaison.Effect
		switch {
		case len(req) > 0 && len(forb) > 0:
			here = "conflict"
		case len(forb) > 0:
			here = liaison.Forbid
			c.markNotEffective(*res, per, forb[0]) // a forbid of the same level stands
		case len(req) > 0:
			here = liaison.Require
		case len(per) > 0:
			here = liaison.Permit
		}
		switch state {
		case "", liaison.Permit:
			if here != "" {
				state = here
			}
		case liaison.Forbid:
			switch here {
			case liaison.Permit:
				c.markNotEffective(*res, per, c.first(*res, liaison.Forbid))
			case liaison.Require, "conflict":
				state = "conflict"
			}
		case liaison.Require:
			switch here {
			case liaison.Permit:
				// A lower permission neither adds to nor excuses an upper duty.
			case liaison.Forbid, "conflict":
				state = "conflict"
			}
		}
		for i := lo; i < hi; i++ {
			if res.status[i] == statusApplied && c.evals[i].rule.Preempts {
				preemptors = append(preemptors, i)
			}
		}
	}
	c.sc.requires, c.sc.permits, c.sc.forbids = req[:0], per[:0], forb[:0]
	switch state {
	case "":
		res.outcome = liaison.Permitted
	case "conflict":
		res.outcome = liaison.Conflict
	default:
		res.outcome = state.Outcome()
	}
	for i, e := range c.evals {
		if e.aux || res.status[i] != statusApplied || e.rule.Effect == liaison.Oblige {
			continue
		}
		switch {
		case res.outcome == liaison.Conflict && e.rule.Effect != liaison.Permit,
			res.outcome != liaison.Conflict && e.rule.Effect.Outcome() == res.outcome:
			res.decisive = append(res.decisive, i)
		}
	}
}

func (c *combiner) markNotEffective(res result, idx []int, by int) {
	for _, i := range idx {
		res.status[i], res.by[i] = statusNotEffective, by
	}
}

// first returns an applied rule of the given effect, or -1.
func (c *combiner) first(res result, eff liaison.Effect) int {
	for i, e := range c.evals {
		if res.status[i] == statusApplied && e.rule.Effect == eff {
			return i
		}
	}
	return -1
}

// voidedBy returns the preempting upper rule contrary to effect, or -1.
func voidedBy(evals []eval, preemptors []int, effect liaison.Effect) int {
	for _, p := range preemptors {
		pe := evals[p].rule.Effect
		if (pe == liaison.Forbid) != (effect == liaison.Forbid) {
			return p
		}
	}
	return -1
}

// levels returns the prefixes of a jurisdiction, top first: us/ma/boston
// gives us, us/ma, us/ma/boston.
func levels(j liaison.Jurisdiction) []liaison.Jurisdiction {
	s := string(j)
	out := make([]liaison.Jurisdiction, 0, 4)
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			out = append(out, liaison.Jurisdiction(s[:i]))
		}
	}
	return append(out, j)
}

func levelName(j liaison.Jurisdiction) string {
	switch strings.Count(string(j), "/") {
	case 0:
		return "federal"
	case 1:
		return "state"
	case 2:
		return "local"
	}
	return "agency"
}
