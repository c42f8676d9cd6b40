package law

import (
	"fmt"
	"math/bits"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"liaison"
)

// Options tune one decision.
type Options struct {
	// Explain fills in Considered, WouldChangeIf and Explanation. Without
	// it the decision carries the outcome, decisive rules, duties, limits,
	// missing facts and pack versions only.
	Explain bool
}

// maxUnknownRules bounds the rules whose conditions depend on missing
// facts that the engine enumerates; beyond it the outcome is undetermined.
const maxUnknownRules = 10

// tri is a three-valued truth: a condition holds, fails, or depends on
// facts that are missing.
type tri uint8

const (
	no tri = iota
	yes
	unknown
)

// eval is one rule evaluated against one request.
type eval struct {
	rule    *Rule
	level   int
	aux     bool // evaluated only as an exception; it does not govern the action
	held    tri
	missing []string
}

// Decide answers req with the packs of every level of req.Jurisdiction in
// force at req.AsOf, counting dates and business hours in the agency's
// time zone. It returns an error only when a condition fails to evaluate
// (a pack bug) or the time zone is unknown (Invalid), never for an answer
// it cannot give: that is the outcome undetermined.
func (s *Set) Decide(req *liaison.Request, opt Options) (*liaison.Decision, error) {
	req, err := s.local(req)
	if err != nil {
		return nil, err
	}
	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	sc.act.reset(s.vars, req)
	d, err := s.decide(sc, req, opt)
	sc.act.reset(nil, nil)
	s.scratch.Put(sc)
	return d, err
}

// decide is Decide with its working space.
func (s *Set) decide(sc *scratch, req *liaison.Request, opt Options) (*liaison.Decision, error) {
	act := &sc.act
	absent := s.absent(req)
	levels := levels(req.Jurisdiction)
	day := ymdOf(req.AsOf)
	evals := sc.evals[:0]
	ai, anyRules := s.actions[req.Action]
	dd := newDecision()
	d := &dd.Decision
	used := d.Packs
	levelStart := sc.levelStart[:0]
	var hadLaw uint64 // bit li: a pack of level li is in force
	for li, jur := range levels {
		levelStart = append(levelStart, len(evals))
		for _, pk := range s.byJur[jur] {
			v := pk.atDay(day)
			if v == nil {
				continue
			}
			hadLaw |= 1 << li
			used = append(used, liaison.PackVersion{ID: pk.ID, Version: v.Version, SHA256: v.sha256, Layer: pk.layer})
			if !anyRules || ai >= len(v.byAction) {
				continue
			}
			for _, r := range v.byAction[ai] {
				if err := s.evalInto(&evals, r, li, false, act, absent); err != nil {
					return nil, err
				}
			}
		}
	}
	levelStart = append(levelStart, len(evals))
	sc.levelStart = levelStart
	// Exceptions are evaluated even when they do not govern the action.
	exceptions := sc.exceptions[:0]
	exceptionIdx := sc.exceptionIdx[:0]
	for i := 0; i < len(evals); i++ {
		r := evals[i].rule
		if len(r.excepts) == 0 && len(r.crossExcepts) == 0 {
			exceptions = append(exceptions, nil)
			continue
		}
		xs := r.excepts
		for _, key := range r.crossExcepts {
			if x := s.lookup(r.version.pack.Jurisdiction, key, &req.AsOf); x != nil {
				xs = append(slices.Clip(xs), x)
			}
		}
		start := len(exceptionIdx)
		for _, x := range xs {
			j := slices.IndexFunc(evals, func(e eval) bool { return e.rule == x })
			if j < 0 {
				if err := s.evalInto(&evals, x, evals[i].level, true, act, absent); err != nil {
					return nil, err
				}
				j = len(evals) - 1
			}
			exceptionIdx = append(exceptionIdx, j)
		}
		exceptions = append(exceptions, exceptionIdx[start:len(exceptionIdx):len(exceptionIdx)])
	}
	sc.evals, sc.exceptions, sc.exceptionIdx = evals[:0], exceptions[:0], exceptionIdx[:0] // grown, for the next decision

	c := combiner{evals: evals, exceptions: exceptions, levels: len(levels), levelStart: levelStart, sc: sc}
	d.Packs = used
	res, missing := c.decide()
	d.Outcome = res.outcome
	d.MissingFacts = append(d.MissingFacts, missing...)
	for _, i := range res.decisive {
		d.Decisive = append(d.Decisive, evals[i].rule.Ref())
	}
	if res.outcome != liaison.Undetermined {
		if err := s.duties(d, &c, res, act, absent, req.AsOf); err != nil {
			return nil, err
		}
	}
	if opt.Explain {
		if len(levels) <= len(dd.levels) {
			d.Levels = dd.levels[:len(levels)]
		} else {
			d.Levels = make([]liaison.JurisdictionLevel, len(levels))
		}
		for li, jur := range levels {
			d.Levels[li] = liaison.JurisdictionLevel{Jurisdiction: jur, Law: hadLaw&(1<<li) != 0}
		}
		c.levelsSentence = s.levelsSentence(req.Jurisdiction, hadLaw, d.Levels)
		if err := s.explain(d, &c, res, act, absent, req); err != nil {
			return nil, err
		}
	}
	d.Disclose = disclose(dd.disclose[:0], req, d.Outcome)
	return d, nil
}

func (s *Set) evalInto(evals *[]eval, r *Rule, level int, aux bool, act interpreter.Activation, absent uint64) error {
	held, missing, err := s.holds(r.all, r.unknownMask, act, absent)
	if err != nil {
		return fmt.Errorf("%s: rule %s: %w", r.version.pack.file, r.ID, err)
	}
	*evals = append(*evals, eval{rule: r, level: level, aux: aux, held: held, missing: missing})
	return nil
}

// holds evaluates a condition. A nil program always holds.
func (s *Set) holds(p *program, mask uint64, act interpreter.Activation, absent uint64) (tri, []string, error) {
	if p == nil {
		return yes, nil, nil
	}
	var out ref.Val
	var err error
	var missing []string
	if m := mask & absent; m == 0 {
		out, _, err = p.fast.Eval(act)
	} else {
		var pats []*cel.AttributePatternType
		for ; m != 0; m &= m - 1 {
			u := s.unknowns[bits.TrailingZeros64(m)]
			pats = append(pats, u.pattern)
			missing = append(missing, u.path)
		}
		var pact interpreter.PartialActivation
		pact, err = cel.PartialVars(act, pats...)
		if err == nil {
			out, _, err = p.partial.Eval(pact)
		}
	}
	if err != nil {
		return no, nil, fmt.Errorf("evaluate %q: %w", p.src, err)
	}
	switch v := out.(type) {
	case types.Bool:
		if v {
			return yes, nil, nil
		}
		return no, nil, nil
	case *types.Unknown:
		return unknown, missing, nil
	}
	return no, nil, fmt.Errorf("evaluate %q: got %v, want a bool", p.src, out)
}

// decision is a Decision allocated together with room for the pack
// versions, levels and disclosures it usually names, one allocation
// instead of four.
type decision struct {
	liaison.Decision
	packs    [4]liaison.PackVersion
	levels   [4]liaison.JurisdictionLevel
	disclose [4]liaison.InfoItem
}

// newDecision returns an empty decision (every list empty, not nil).
func newDecision() *decision {
	d := &decision{Decision: liaison.Decision{
		Decisive:      []liaison.RuleRef{},
		Considered:    []liaison.Considered{},
		Duties:        []liaison.Duty{},
		WouldChangeIf: []liaison.Change{},
		MissingFacts:  []string{},
	}}
	d.Packs = d.packs[:0]
	return d
}

// scratch is per-decision working space, pooled in the Set. The slices
// are kept between decisions only for their capacity; each decision
// truncates or clears what it uses.
type scratch struct {
	act activation // the request as CEL reads it

	// Gathering (decide): the rules evaluated, the index in evals where
	// each level's rules start (and one past the last), and for each
	// eval the indexes of its exceptions (slices of exceptionIdx).
	evals        []eval
	levelStart   []int
	exceptions   [][]int
	exceptionIdx []int

	// Combining (combiner): truth is one assignment of truth to the evals;
	// the base result (the facts as given) keeps its status, the rule
	// that defeated, voided or overrode each eval, which evals are
	// active, and the decisive ones; trial* are the same for the other
	// assignments tried when facts are missing, which need only the
	// outcome.
	truth                      []bool
	baseStatus                 []ruleStatus
	baseBy                     []int
	baseActive                 []int8
	baseDecisive               []int
	trialStatus                []ruleStatus
	trialBy                    []int
	trialActive                []int8
	trialDecisive              []int
	requires, permits, forbids []int // combiner.run: one level's active rules by effect

	// Explaining: each eval's unmet conditions, in words; the changes
	// that would alter the outcome; the paragraph being written.
	unmet     [][]string
	changes   []liaison.Change
	paragraph []byte
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+8)
	}
	s = s[:n]
	clear(s)
	return s
}
