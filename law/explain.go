package law

import (
	"bytes"
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
	c.sc.unmet = grow(c.sc.unmet, len(c.evals))
	unmet := c.sc.unmet
	defer clear(unmet) // the pool must not keep the words alive
	helds := make([]bool, len(c.evals))
	d.Considered = slices.Grow(d.Considered, len(c.evals))
	for i, e := range c.evals {
		st := res.status[i]
		var why string
		switch st {
		case statusApplied:
			why = e.rule.whyHolds
			if e.aux {
				why = "holds (as an exception)"
			}
		case statusNotHeld:
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
		case statusUnknown:
			why = "depends on facts not given: " + strings.Join(e.missing, ", ")
		case statusDefeated:
			why = c.evals[res.by[i]].rule.defeatsWhy
		case statusVoid:
			why = c.evals[res.by[i]].rule.voidsWhy
		case statusNotEffective:
			why = "not effective: a permission cannot override a rule that forbids or requires the action"
			if b := res.by[i]; b >= 0 {
				why = c.evals[b].rule.overridesWhy
			}
		}
		helds[i] = e.held == yes
		con := liaison.Considered{RuleRef: e.rule.Ref(), Held: &helds[i], Status: st.status(), Why: why}
		if e.held == unknown {
			con.Held = nil
		}
		d.Considered = append(d.Considered, con)
	}
	if d.Outcome != liaison.Undetermined {
		if ch := c.changes(res, unmet); len(ch) > 0 {
			d.WouldChangeIf = ch
		}
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
	out := c.sc.changes[:0]
	defer func() { c.sc.changes = out[:0] }()
	c.sc.truth = grow(c.sc.truth, len(c.evals))
	held := c.sc.truth
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
		case statusNotHeld:
			j = i
			words = unmet[i]
		case statusDefeated:
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
	if len(out) == 0 {
		return nil
	}
	slices.SortStableFunc(out, func(a, b liaison.Change) int { return cmp.Compare(len(a.Unmet), len(b.Unmet)) })
	kept := slices.Clone(out[:min(len(out), maxChanges)])
	clear(out) // the pool must not keep the words alive
	return kept
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
	// Written in pooled space and copied out, so that the string is only as
	// long as the paragraph (often under 100 bytes, sometimes 900).
	b := bytes.NewBuffer(c.sc.paragraph[:0])
	defer func() { c.sc.paragraph = b.Bytes()[:0] }()
	var buf [64]byte
	name := func(i int) string { return c.evals[i].rule.name }
	switch d.Outcome {
	case liaison.Undetermined:
		b.WriteString("Undetermined: the answer to ")
		writeAction(b, req.Action)
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
			b.WriteString("Permitted: no rule in force in ")
			b.WriteString(string(req.Jurisdiction))
			b.WriteString(" on ")
			b.Write(req.AsOf.AppendFormat(buf[:0], "2006-01-02"))
			b.WriteString(" governs ")
			writeAction(b, req.Action)
			b.WriteString(", so the agency's own policy decides.")
			break
		}
		if o := d.Outcome; o[0] >= 'a' && o[0] <= 'z' {
			b.WriteByte(o[0] - 'a' + 'A')
		} else {
			b.WriteString(strings.ToUpper(string(o[:1])))
		}
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
		case statusVoid:
			b.WriteString(" ")
			b.WriteString(name(i))
			b.WriteString(" does not count: it is preempted by ")
			b.WriteString(c.evals[res.by[i]].rule.Citation)
			b.WriteString(".")
		case statusNotEffective:
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
		for k, u := range w.Unmet {
			if k > 0 {
				b.WriteString(" and ")
			}
			b.WriteString(u)
		}
		b.WriteString(" (")
		b.WriteString(w.Citation)
		b.WriteString(").")
	}
	return b.String()
}

// writeAction writes an action quoted (as strconv.Quote), in words: with
// spaces for underscores. (Quoting never writes an underscore of its own,
// so quoting and then replacing is replacing and then quoting.)
func writeAction(b *bytes.Buffer, action liaison.Action) {
	var buf [64]byte
	q := buf[:0]
	plain := true // printable ASCII that needs no escape
	for i := 0; i < len(action); i++ {
		if c := action[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		q = append(append(append(q, '"'), action...), '"')
	} else {
		q = strconv.AppendQuote(q, string(action))
	}
	for i, c := range q {
		if c == '_' {
			q[i] = ' '
		}
	}
	b.Write(q)
}
