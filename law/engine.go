package law

import (
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strings"
	"time"

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
// force at req.AsOf. It returns an error only when a condition fails to
// evaluate (a pack bug), never for an answer it cannot give: that is the
// outcome undetermined.
func (s *Set) Decide(req *liaison.Request, opt Options) (*liaison.Decision, error) {
	act := s.activation(req)
	absent := s.absent(req)
	levels := levels(req.Jurisdiction)
	day := ymdOf(req.AsOf)

	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = new(scratch)
	}
	defer s.scratch.Put(sc)
	evals := sc.evals[:0]
	defer func() { sc.evals = evals[:0] }()
	used := make([]liaison.PackVersion, 0, 4)
	for li, jur := range levels {
		for _, pk := range s.byJur[jur] {
			v := pk.atDay(day)
			if v == nil {
				continue
			}
			used = append(used, liaison.PackVersion{ID: pk.ID, Version: v.Version, SHA256: v.sha256})
			for _, r := range v.byAction[req.Action] {
				if err := s.evalInto(&evals, r, li, false, act, absent); err != nil {
					return nil, err
				}
			}
		}
	}
	// Exceptions are evaluated even when they do not govern the action.
	exc := sc.exc[:0]
	idx := sc.idx[:0]
	defer func() { sc.exc, sc.idx = exc[:0], idx[:0] }()
	for i := 0; i < len(evals); i++ {
		r := evals[i].rule
		if len(r.excepts) == 0 && len(r.crossExcepts) == 0 {
			exc = append(exc, nil)
			continue
		}
		xs := r.excepts
		for _, key := range r.crossExcepts {
			if x := s.lookup(r.version.pack.Jurisdiction, key, &req.AsOf); x != nil {
				xs = append(slices.Clip(xs), x)
			}
		}
		start := len(idx)
		for _, x := range xs {
			j := slices.IndexFunc(evals, func(e eval) bool { return e.rule == x })
			if j < 0 {
				if err := s.evalInto(&evals, x, evals[i].level, true, act, absent); err != nil {
					return nil, err
				}
				j = len(evals) - 1
			}
			idx = append(idx, j)
		}
		exc = append(exc, idx[start:len(idx):len(idx)])
	}

	c := combiner{evals: evals, exc: exc, levels: len(levels), sc: sc}
	d := &liaison.Decision{
		Decisive:      []liaison.RuleRef{},
		Considered:    []liaison.Considered{},
		Duties:        []liaison.Duty{},
		WouldChangeIf: []liaison.Change{},
		MissingFacts:  []string{},
		Packs:         used,
	}
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
		if err := s.explain(d, &c, res, act, absent, req); err != nil {
			return nil, err
		}
	}
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

// absent returns the bits of the unknown-when-absent facts req lacks.
func (s *Set) absent(req *liaison.Request) uint64 {
	var m uint64
	rv := reflect.ValueOf(req).Elem()
	for i, u := range s.unknowns {
		f, err := rv.FieldByIndexErr(u.index)
		if err != nil || f.IsZero() {
			m |= 1 << i
		}
	}
	return m
}

// activation presents a request to CEL. An absent top-level object reads
// as an empty one; CEL's native types already read absent nested objects
// as empty.
type activation struct {
	vars []variable
	req  reflect.Value
}

func (s *Set) activation(req *liaison.Request) *activation {
	return &activation{vars: s.vars, req: reflect.ValueOf(req).Elem()}
}

func (a *activation) ResolveName(name string) (any, bool) {
	for i := range a.vars {
		v := &a.vars[i]
		if v.name == name {
			f := a.req.Field(v.index)
			if v.zero != nil && f.IsNil() {
				return v.zero, true
			}
			return f.Interface(), true
		}
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

// result is the outcome of one assignment of truth to the rules.
type result struct {
	outcome  liaison.Outcome
	status   []liaison.Status
	by       []int // for defeated, void and not effective rules: the rule that did it
	decisive []int
}

// combiner applies the decision semantics (docs/semantics.md) to rules
// evaluated for one request.
type combiner struct {
	evals  []eval
	exc    [][]int // exc[i]: the evals that are exceptions to evals[i]
	levels int

	scratch result // for outcome
	active  []int8
	sc      *scratch
}

// scratch is per-decision working space, pooled in the Set.
type scratch struct {
	evals  []eval
	exc    [][]int
	idx    []int
	held   []bool
	status []liaison.Status
	by     []int
	active []int8
	dec    []int
	s2     []liaison.Status
	b2     []int
	a2     []int8
	d2     []int
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n, n+8)
	}
	s = s[:n]
	clear(s)
	return s
}

// decide combines the rules; rules that depend on missing facts are tried
// both ways, and the outcome is undetermined only if that changes it.
func (c *combiner) decide() (result, []string) {
	c.sc.held = grow(c.sc.held, len(c.evals))
	held := c.sc.held
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
		base.status[i] = liaison.StatusUnknown
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
	if c.scratch.status == nil {
		n := len(c.evals)
		c.sc.s2, c.sc.b2, c.sc.a2 = grow(c.sc.s2, n), grow(c.sc.b2, n), grow(c.sc.a2, n)
		c.scratch = result{status: c.sc.s2, by: c.sc.b2, decisive: c.sc.d2[:0]}
		c.active = c.sc.a2
	}
	c.scratch.decisive = c.scratch.decisive[:0]
	clear(c.active)
	c.run(held, &c.scratch, c.active)
	return c.scratch.outcome
}

// combine applies the semantics to one truth assignment.
func (c *combiner) combine(held []bool) result {
	n := len(c.evals)
	c.sc.status, c.sc.by, c.sc.active = grow(c.sc.status, n), grow(c.sc.by, n), grow(c.sc.active, n)
	res := result{status: c.sc.status, by: c.sc.by, decisive: c.sc.dec[:0]}
	c.run(held, &res, c.sc.active)
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
			res.status[i] = liaison.StatusNotHeld
			return false
		}
		for _, j := range c.exc[i] {
			if isActive(j) {
				res.status[i] = liaison.StatusDefeated
				res.by[i] = j
				return false
			}
		}
		active[i] = 1
		res.status[i] = liaison.StatusApplied
		return true
	}
	for i := range c.evals {
		isActive(i)
	}

	state := liaison.Effect("") // "" is silence
	var preemptors []int
	for level := 0; level < c.levels; level++ {
		var req, per, forb []int
		for i, e := range c.evals {
			if e.level != level || e.aux || active[i] < 0 || e.rule.Effect == liaison.Oblige {
				continue
			}
			if p := voidedBy(c.evals, preemptors, e.rule.Effect); p >= 0 {
				res.status[i], res.by[i] = liaison.StatusVoid, p
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
		for i, e := range c.evals {
			if e.level == level && !e.aux && res.status[i] == liaison.StatusApplied && e.rule.Preempts {
				preemptors = append(preemptors, i)
			}
		}
	}
	switch state {
	case "":
		res.outcome = liaison.Permitted
	case "conflict":
		res.outcome = liaison.Conflict
	default:
		res.outcome = state.Outcome()
	}
	for i, e := range c.evals {
		if e.aux || res.status[i] != liaison.StatusApplied || e.rule.Effect == liaison.Oblige {
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
		res.status[i], res.by[i] = liaison.StatusNotEffective, by
	}
}

// first returns an applied rule of the given effect, or -1.
func (c *combiner) first(res result, eff liaison.Effect) int {
	for i, e := range c.evals {
		if res.status[i] == liaison.StatusApplied && e.rule.Effect == eff {
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

// duties gathers the duties and limits of the rules that count toward the
// outcome, and of duty rules that hold.
func (s *Set) duties(d *liaison.Decision, c *combiner, res result, act interpreter.Activation, absent uint64, asOf time.Time) error {
	for i, e := range c.evals {
		r := e.rule
		if e.aux || res.status[i] != liaison.StatusApplied {
			continue
		}
		if r.Effect == liaison.Oblige {
			outs := r.DutyOutcomes
			if len(outs) == 0 {
				outs = []liaison.Outcome{liaison.Required, liaison.Permitted}
			}
			if !slices.Contains(outs, res.outcome) {
				continue
			}
		} else if !agrees(r.Effect, res.outcome) {
			continue
		}
		for _, ds := range r.Duties {
			duty := liaison.Duty{Text: ds.Text, Citation: ds.Citation, DueText: ds.DueText, Rule: r.Ref()}
			if duty.Citation == "" {
				duty.Citation = r.Citation
			}
			switch {
			case ds.Due != "":
				due := asOf.Add(ds.due)
				duty.Due = &due
			case ds.dueProg != nil:
				if r.unknownMask&absent == 0 {
					out, _, err := ds.dueProg.fast.Eval(act)
					if err != nil {
						return fmt.Errorf("%s: rule %s: due_expr: %w", r.version.pack.file, r.ID, err)
					}
					if t, ok := out.Value().(time.Time); ok && !t.IsZero() {
						duty.Due = &t
					}
				}
			}
			d.Duties = append(d.Duties, duty)
		}
		if l := r.Limits; l != nil && l.MaxHoldHours != nil {
			if d.Limits.MaxHoldHours == nil || *l.MaxHoldHours < *d.Limits.MaxHoldHours {
				h := *l.MaxHoldHours
				d.Limits.MaxHoldHours = &h
				d.Limits.HoldHoursExclude = slices.Clone(l.HoldHoursExclude)
				d.Limits.Citation = r.Citation
			}
		}
	}
	return nil
}

// agrees reports whether a rule of the given effect counts for the outcome.
func agrees(e liaison.Effect, o liaison.Outcome) bool {
	switch o {
	case liaison.Required, liaison.Permitted:
		return e == liaison.Require || e == liaison.Permit
	case liaison.Forbidden:
		return e == liaison.Forbid
	case liaison.Conflict:
		return e == liaison.Require || e == liaison.Forbid
	}
	return false
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
