package law

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cel.dev/cel-go/interpreter"

	"liaison"
)

// maxChanges bounds would_change_if to the nearest few rules.
const maxChanges = 5

// explain fills in the considered rules with why, would_change_if, and
// the explanation paragraph.
func (s *Set) explain(d *liaison.Decision, c *combiner, res result, act interpreter.Activation, absent uint64, req *liaison.Request) error {
	unmet := make([][]string, len(c.evals))
	helds := make([]bool, len(c.evals))
	d.Considered = slices.Grow(d.Considered, len(c.evals))
	for i, e := range c.evals {
		st := res.status[i]
		var why string
		switch st {
		case liaison.StatusApplied:
			why = e.rule.whyHolds
			if e.aux {
				why = "holds (as an exception)"
			}
		case liaison.StatusNotHeld:
			u, err := s.unmet(e.rule, act, absent)
			if err != nil {
				return err
			}
			unmet[i] = u
			if len(e.rule.conds) == 1 {
				why = e.rule.whyNot1
			} else {
				why = "does not hold: not " + strings.Join(u, "; not ")
			}
		case liaison.StatusUnknown:
			why = "depends on facts not given: " + strings.Join(e.missing, ", ")
		case liaison.StatusDefeated:
			x := c.evals[res.by[i]].rule
			why = fmt.Sprintf("defeated by its exception %s (%s): %s", x.ID, x.Citation, says(x))
		case liaison.StatusVoid:
			p := c.evals[res.by[i]].rule
			why = fmt.Sprintf("void: preempted by %s (%s, %s level)", p.Key(), p.Citation, levelName(p.version.pack.Jurisdiction))
		case liaison.StatusNotEffective:
			why = "not effective: a permission cannot override a rule that forbids or requires the action"
			if b := res.by[i]; b >= 0 {
				p := c.evals[b].rule
				why = fmt.Sprintf("not effective: %s (%s) %s the action, and a permission cannot override it", p.Key(), p.Citation, verb(p.Effect))
			}
		}
		helds[i] = e.held == yes
		con := liaison.Considered{RuleRef: e.rule.Ref(), Held: &helds[i], Status: st, Why: why}
		if e.held == unknown {
			con.Held = nil
		}
		d.Considered = append(d.Considered, con)
	}
	if d.Outcome != liaison.Undetermined {
		d.WouldChangeIf = append(d.WouldChangeIf, c.changes(res, unmet)...)
	}
	d.Explanation = paragraph(d, c, res, req)
	return nil
}

// unmet returns, in words, the conditions of r that do not hold.
func (s *Set) unmet(r *Rule, act interpreter.Activation, absent uint64) ([]string, error) {
	if len(r.conds) <= 1 {
		// A rule that does not hold with one condition fails on it.
		return r.unmet1, nil
	}
	var out []string
	for _, cd := range r.conds {
		t, _, err := s.holds(cd.prg, r.unknownMask, act, absent)
		if err != nil {
			return nil, fmt.Errorf("%s: rule %s: %w", r.version.pack.file, r.ID, err)
		}
		if t == no {
			out = append(out, condSays(r, cd))
		}
	}
	if len(out) == 0 {
		out = append(out, says(r))
	}
	return out, nil
}

// changes lists the rules that would change the outcome if their unmet
// conditions were met (or, for a defeated rule, its exceptions did not
// hold), nearest first.
func (c *combiner) changes(res result, unmet [][]string) []liaison.Change {
	var out []liaison.Change
	held := make([]bool, len(c.evals))
	for i, e := range c.evals {
		held[i] = e.held == yes
	}
	for i, e := range c.evals {
		if e.rule.Effect == liaison.Oblige || e.aux {
			continue
		}
		var words []string
		var j int
		switch res.status[i] {
		case liaison.StatusNotHeld:
			j = i
			words = unmet[i]
		case liaison.StatusDefeated:
			j = res.by[i]
			words = c.evals[j].rule.notCase
		default:
			continue
		}
		held[j] = !held[j]
		got := c.outcome(held)
		held[j] = !held[j]
		if got == res.outcome {
			continue
		}
		out = append(out, liaison.Change{Outcome: got, Rule: e.rule.key, Citation: e.rule.Citation, Unmet: words})
	}
	slices.SortStableFunc(out, func(a, b liaison.Change) int { return cmp.Compare(len(a.Unmet), len(b.Unmet)) })
	if len(out) > maxChanges {
		out = out[:maxChanges]
	}
	return out
}

// says returns what a rule's condition means, in words where the pack
// gives them (computed once at load).
func says(r *Rule) string { return r.says }

func condSays(_ *Rule, cd *condition) string { return cd.words }

// describe computes the words of a rule and its conditions.
func describe(r *Rule) {
	for _, cd := range r.conds {
		switch {
		case cd.Says != "":
			cd.words = cd.Says
		case len(r.conds) == 1 && r.Says != "":
			cd.words = r.Says
		default:
			cd.words = strings.Join(strings.Fields(cd.CEL), " ")
		}
	}
	switch {
	case r.Says != "":
		r.says = r.Says
	case len(r.conds) == 0:
		r.says = "always"
	default:
		parts := make([]string, len(r.conds))
		for i, cd := range r.conds {
			parts[i] = cd.words
		}
		r.says = strings.Join(parts, " and ")
	}
	r.whyHolds = "holds: " + r.says
	r.notCase = []string{"it is not the case that " + r.says}
	if len(r.conds) == 1 {
		r.unmet1 = []string{r.conds[0].words}
		r.whyNot1 = "does not hold: not " + r.conds[0].words
	} else if len(r.conds) == 0 {
		r.unmet1 = []string{r.says}
	}
}

func verb(e liaison.Effect) string {
	switch e {
	case liaison.Require:
		return "requires"
	case liaison.Forbid:
		return "forbids"
	case liaison.Permit:
		return "permits"
	}
	return "attaches duties to"
}

// paragraph writes the plain-language explanation.
func paragraph(d *liaison.Decision, c *combiner, res result, req *liaison.Request) string {
	var b strings.Builder
	b.Grow(512)
	action := strings.ReplaceAll(string(req.Action), "_", " ")
	name := func(i int) string { return c.evals[i].rule.name }
	switch d.Outcome {
	case liaison.Undetermined:
		b.WriteString("Undetermined: the answer to ")
		b.WriteString(strconv.Quote(action))
		b.WriteString(" depends on facts not given: ")
		b.WriteString(strings.Join(d.MissingFacts, ", "))
		b.WriteString(". Supply them and decide again.")
	case liaison.Conflict:
		b.WriteString("Conflict: ")
		for k, i := range res.decisive {
			if k > 0 {
				b.WriteString("; ")
			}
			b.WriteString(name(i))
			b.WriteString(" ")
			b.WriteString(verb(c.evals[i].rule.Effect))
			b.WriteString(" it")
		}
		b.WriteString(", and no rule resolves the disagreement; counsel must decide.")
	default:
		if len(res.decisive) == 0 {
			fmt.Fprintf(&b, "Permitted: no rule in force in %s on %s governs %q, so the agency's own policy decides.", req.Jurisdiction, req.AsOf.Format("2006-01-02"), action)
			break
		}
		b.WriteString(strings.ToUpper(string(d.Outcome[:1])))
		b.WriteString(string(d.Outcome[1:]))
		b.WriteString(": ")
		for k, i := range res.decisive {
			r := c.evals[i].rule
			if k > 0 {
				b.WriteString("; ")
			}
			b.WriteString(name(i))
			b.WriteString(" ")
			b.WriteString(verb(r.Effect))
			b.WriteString(" it")
			if len(r.conds) > 0 {
				b.WriteString(" (")
				b.WriteString(says(r))
				b.WriteString(")")
			}
		}
		b.WriteString(".")
	}
	for i, st := range res.status {
		switch st {
		case liaison.StatusVoid:
			b.WriteString(" ")
			b.WriteString(name(i))
			b.WriteString(" does not count: it is preempted by ")
			b.WriteString(c.evals[res.by[i]].rule.Citation)
			b.WriteString(".")
		case liaison.StatusNotEffective:
			b.WriteString(" ")
			b.WriteString(name(i))
			b.WriteString(" would permit it but is not effective against a rule that ")
			b.WriteString(verb(c.evals[max(res.by[i], 0)].rule.Effect))
			b.WriteString(" it.")
		}
	}
	if l := d.Limits.MaxHoldHours; l != nil {
		b.WriteString(" A hold may last at most ")
		b.WriteString(strconv.FormatFloat(*l, 'g', -1, 64))
		b.WriteString(" hours")
		if len(d.Limits.HoldHoursExclude) > 0 {
			b.WriteString(", not counting ")
			b.WriteString(strings.Join(d.Limits.HoldHoursExclude, " or "))
		}
		b.WriteString(".")
	}
	for _, du := range d.Duties {
		b.WriteString(" Duty: ")
		b.WriteString(strings.TrimSuffix(du.Text, "."))
		b.WriteString(" (")
		b.WriteString(du.Citation)
		b.WriteString(")")
		if du.DueText != "" {
			b.WriteString(", ")
			b.WriteString(du.DueText)
		}
		b.WriteString(".")
	}
	if len(d.WouldChangeIf) > 0 {
		w := d.WouldChangeIf[0]
		b.WriteString(" It would be ")
		b.WriteString(string(w.Outcome))
		b.WriteString(" if ")
		b.WriteString(strings.Join(w.Unmet, " and "))
		b.WriteString(" (")
		b.WriteString(w.Citation)
		b.WriteString(").")
	}
	return b.String()
}
