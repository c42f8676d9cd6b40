package law

import (
	"cmp"
	"fmt"
	"slices"
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
	for i, e := range c.evals {
		st := res.status[i]
		var why string
		switch st {
		case liaison.StatusApplied:
			why = "holds: " + says(e.rule)
			if e.aux {
				why = "holds (as an exception)"
			}
		case liaison.StatusNotHeld:
			u, err := s.unmet(e.rule, act, absent)
			if err != nil {
				return err
			}
			unmet[i] = u
			why = "does not hold: not " + strings.Join(u, "; not ")
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
		held := e.held == yes
		con := liaison.Considered{RuleRef: e.rule.Ref(), Held: &held, Status: st, Why: why}
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
		flip := slices.Clone(held)
		switch res.status[i] {
		case liaison.StatusNotHeld:
			flip[i] = true
			words = unmet[i]
		case liaison.StatusDefeated:
			x := c.evals[res.by[i]].rule
			flip[res.by[i]] = false
			words = []string{"it is not the case that " + says(x)}
		default:
			continue
		}
		got := c.outcome(flip)
		if got == res.outcome {
			continue
		}
		out = append(out, liaison.Change{Outcome: got, Rule: e.rule.Key(), Citation: e.rule.Citation, Unmet: words})
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
	action := strings.ReplaceAll(string(req.Action), "_", " ")
	name := func(i int) string {
		r := c.evals[i].rule
		return fmt.Sprintf("%s (%s)", r.Citation, r.version.pack.Title)
	}
	switch d.Outcome {
	case liaison.Undetermined:
		fmt.Fprintf(&b, "Undetermined: the answer to %q depends on facts not given: %s. Supply them and decide again.", action, strings.Join(d.MissingFacts, ", "))
	case liaison.Conflict:
		var sides []string
		for _, i := range res.decisive {
			sides = append(sides, fmt.Sprintf("%s %s it", name(i), verb(c.evals[i].rule.Effect)))
		}
		fmt.Fprintf(&b, "Conflict: %s, and no rule resolves the disagreement; counsel must decide.", strings.Join(sides, "; "))
	default:
		if len(res.decisive) == 0 {
			fmt.Fprintf(&b, "Permitted: no rule in force in %s on %s governs %q, so the agency's own policy decides.", req.Jurisdiction, req.AsOf.Format("2006-01-02"), action)
			break
		}
		var parts []string
		for _, i := range res.decisive {
			r := c.evals[i].rule
			if len(r.conds) == 0 {
				parts = append(parts, fmt.Sprintf("%s %s it", name(i), verb(r.Effect)))
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %s it (%s)", name(i), verb(r.Effect), says(r)))
		}
		word := strings.ToUpper(string(d.Outcome[:1])) + string(d.Outcome[1:])
		fmt.Fprintf(&b, "%s: %s.", word, strings.Join(parts, "; "))
	}
	for i, st := range res.status {
		switch st {
		case liaison.StatusVoid:
			fmt.Fprintf(&b, " %s does not count: it is preempted by %s.", name(i), c.evals[res.by[i]].rule.Citation)
		case liaison.StatusNotEffective:
			fmt.Fprintf(&b, " %s would permit it but is not effective against a rule that %s it.", name(i), verb(c.evals[max(res.by[i], 0)].rule.Effect))
		}
	}
	if l := d.Limits.MaxHoldHours; l != nil {
		fmt.Fprintf(&b, " A hold may last at most %g hours", *l)
		if len(d.Limits.HoldHoursExclude) > 0 {
			fmt.Fprintf(&b, ", not counting %s", strings.Join(d.Limits.HoldHoursExclude, " or "))
		}
		b.WriteString(".")
	}
	for _, du := range d.Duties {
		fmt.Fprintf(&b, " Duty: %s (%s)", strings.TrimSuffix(du.Text, "."), du.Citation)
		if du.DueText != "" {
			fmt.Fprintf(&b, ", %s", du.DueText)
		}
		b.WriteString(".")
	}
	if len(d.WouldChangeIf) > 0 {
		w := d.WouldChangeIf[0]
		fmt.Fprintf(&b, " It would be %s if %s (%s).", w.Outcome, strings.Join(w.Unmet, " and "), w.Citation)
	}
	return b.String()
}
