package law

import (
	"fmt"
	"slices"
	"time"

	"cel.dev/cel-go/interpreter"

	"liaison"
)

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
			duty := liaison.Duty{Text: ds.Text, Citation: ds.Citation, DueText: ds.DueText, Rule: r.Ref(), Before: ds.Before, Notice: ds.Notice}
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
