package law

import (
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"
	"unsafe"

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
	d := &newDecision().Decision
	used := d.Packs
	bounds := sc.bounds[:0]
	for li, jur := range levels {
		bounds = append(bounds, len(evals))
		for _, pk := range s.byJur[jur] {
			v := pk.atDay(day)
			if v == nil {
				continue
			}
			used = append(used, liaison.PackVersion{ID: pk.ID, Version: v.Version, SHA256: v.sha256})
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
	bounds = append(bounds, len(evals))
	sc.bounds = bounds
	// Exceptions are evaluated even when they do not govern the action.
	exc := sc.exc[:0]
	idx := sc.idx[:0]
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
	sc.evals, sc.exc, sc.idx = evals[:0], exc[:0], idx[:0] // grown, for the next decision

	c := combiner{evals: evals, exc: exc, levels: len(levels), bounds: bounds, sc: sc}
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
	p := unsafe.Pointer(req)
	for i, u := range s.unknowns {
		if u.absent(p) {
			m |= 1 << i
		}
	}
	return m
}

// activation presents a request to CEL. Each variable is read once per
// decision, when a condition first needs it.
type activation struct {
	vars []variable
	req  *liaison.Request
	vals []any  // by variable
	read uint64 // bit i: vals[i] is variable i of req (newBaseEnv declares at most 64)
}

// activation returns a new activation of req.
func (s *Set) activation(req *liaison.Request) *activation {
	a := new(activation)
	a.reset(s.vars, req)
	return a
}

// reset makes a present req.
func (a *activation) reset(vars []variable, req *liaison.Request) {
	a.vars, a.req, a.read = vars, req, 0
	if len(a.vals) < len(vars) {
		a.vals = make([]any, len(vars))
	}
}

func (a *activation) ResolveName(name string) (any, bool) {
	for i := range a.vars {
		v := &a.vars[i]
		if v.name == name {
			if a.read&(1<<i) == 0 {
				a.vals[i] = v.read(unsafe.Add(unsafe.Pointer(a.req), v.offset))
				a.read |= 1 << i
			}
			return a.vals[i], true
		}
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }

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
	evals  []eval
	exc    [][]int // exc[i]: the evals that are exceptions to evals[i]
	levels int
	// The evals that govern the action come first, by level: those of
	// level l are evals[bounds[l]:bounds[l+1]]. (Exceptions evaluated only
	// as such follow them.)
	bounds []int

	scratch result // for outcome
	active  []int8
	sc      *scratch
}

// decision is a Decision allocated together with room for the pack
// versions it usually names, one allocation instead of two.
type decision struct {
	liaison.Decision
	packs [4]liaison.PackVersion
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

// scratch is per-decision working space, pooled in the Set.
type scratch struct {
	act     activation
	bounds  []int
	evals   []eval
	exc     [][]int
	idx     []int
	held    []bool
	status  []ruleStatus
	by      []int
	active  []int8
	dec     []int
	s2      []ruleStatus
	b2      []int
	a2      []int8
	d2      []int
	unmet   [][]string
	changes []liaison.Change
	para    []byte
	req     []int // for run: the rules of one level by effect
	per     []int
	forb    []int
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
	if c.scratch.status == nil {
		n := len(c.evals)
		c.sc.s2, c.sc.b2, c.sc.a2 = grow(c.sc.s2, n), grow(c.sc.b2, n), grow(c.sc.a2, n)
		c.scratch = result{status: c.sc.s2, by: c.sc.b2, decisive: c.sc.d2[:0]}
		c.active = c.sc.a2
	}
	c.scratch.decisive = c.scratch.decisive[:0]
	clear(c.active)
	c.run(held, &c.scratch, c.active)
	c.sc.d2 = c.scratch.decisive[:0]
	return c.scratch.outcome
}

// combine applies the semantics to one truth assignment.
func (c *combiner) combine(held []bool) result {
	n := len(c.evals)
	c.sc.status, c.sc.by, c.sc.active = grow(c.sc.status, n), grow(c.sc.by, n), grow(c.sc.active, n)
	res := result{status: c.sc.status, by: c.sc.by, decisive: c.sc.dec[:0]}
	c.run(held, &res, c.sc.active)
	c.sc.dec = res.decisive[:0]
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
		for _, j := range c.exc[i] {
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
	req, per, forb := c.sc.req[:0], c.sc.per[:0], c.sc.forb[:0]
	for level := 0; level < c.levels; level++ {
		req, per, forb = req[:0], per[:0], forb[:0]
		lo, hi := c.bounds[level], c.bounds[level+1]
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
	c.sc.req, c.sc.per, c.sc.forb = req[:0], per[:0], forb[:0]
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

// duties gathers the duties and limits of the rules that count toward the
// outcome, and of duty rules that hold.
func (s *Set) duties(d *liaison.Decision, c *combiner, res result, act interpreter.Activation, absent uint64, asOf time.Time) error {
	for i, e := range c.evals {
		r := e.rule
		if e.aux || res.status[i] != statusApplied {
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
			duty := liaison.Duty{Text: ds.Text, Citation: ds.Citation, DueText: ds.DueText, Rule: r.Ref(), Before: ds.Before}
			if duty.Citation == "" {
				duty.Citation = r.Citation
			}
			if ds.Trigger != liaison.OnReceipt {
				duty.Trigger = ds.Trigger
			}
			switch {
			case ds.Due != "" && (ds.Trigger != liaison.OnReceipt || ds.Due == liaison.Promptly):
				duty.Within = ds.Due // due once the trigger happens, or on the agency's setting: the desk knows when
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
