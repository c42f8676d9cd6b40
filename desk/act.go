package desk

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"liaison"
	"liaison/law"
)

// ActResult is what became of one attempt to carry out an action.
type ActResult struct {
	Action     liaison.ActionRecord     `json:"action"`
	Decision   liaison.DecisionRecord   `json:"decision"`
	Duties     []liaison.DutyRecord     `json:"duties"`
	Deliveries []liaison.DeliveryRecord `json:"deliveries"`
}

// ActInput names the action of a stored request to carry out.
type ActInput struct {
	Request string         `json:"request" liaison:"required,nonempty"`
	Action  liaison.Action `json:"action" liaison:"required"`
}

// Act carries out one action of a stored request, deciding it again now:
// the law or the facts may have changed since intake. A forbidden or
// conflicting action is refused with the explanation (unless counsel has
// overridden the refusal, which is flagged); an undetermined one asks for
// the missing facts; a permitted or required one goes out through the
// channel. Everything is recorded, refusals included.
func (d *Desk) Act(ctx context.Context, by liaison.Actor, in ActInput) (*ActResult, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel); err != nil {
		return nil, err
	}
	var rr liaison.RequestRecord
	if _, err := d.load(ctx, liaison.KindRequest, in.Request, &rr); err != nil {
		return nil, notFoundAs(err, "request")
	}
	if err := inScope(by, rr.Agency, "request"); err != nil {
		return nil, err
	}
	if !slices.Contains(rr.Actions, in.Action) {
		return nil, liaison.Errorf(liaison.Invalid, "action", "request %s does not ask for %s", rr.ID, in.Action)
	}
	agency, err := d.agency(ctx, rr.Agency)
	if err != nil {
		return nil, err
	}
	if err := d.StorePackSet(ctx); err != nil {
		return nil, err
	}
	now := d.now().UTC()
	dr, drec, err := d.decide(agency, &rr, in.Action, liaison.StageAct, now)
	if err != nil {
		return nil, err
	}
	aid, err := d.newID("act")
	if err != nil {
		return nil, err
	}
	ar := liaison.ActionRecord{ID: aid, Agency: rr.Agency, Request: rr.ID, Decision: dr.ID, Action: in.Action,
		Outcome: dr.Decision.Outcome, Actor: by, At: now}
	res := &ActResult{Decision: *dr, Duties: []liaison.DutyRecord{}, Deliveries: []liaison.DeliveryRecord{}}
	recs := []*liaison.StoredRecord{drec}

	send := false
	switch dr.Decision.Outcome {
	case liaison.Permitted, liaison.Required:
		send = true
	case liaison.Undetermined:
		ar.Status = liaison.ActionNeedsFacts
		ar.Reason = "the answer depends on facts not given: " + strings.Join(dr.Decision.MissingFacts, ", ")
	default:
		ov, ok, err := d.override(ctx, rr.ID, in.Action)
		if err != nil {
			return nil, err
		}
		if !ok {
			ar.Status = liaison.ActionRefused
			ar.Reason = dr.Decision.Explanation
			break
		}
		send = true
		ar.Override = ov.ID
		ar.Reason = fmt.Sprintf("OVERRIDDEN by %s (%s): %s", ov.Actor.ID, ov.ID, ov.Reason)
	}
	if send {
		ar.Status = liaison.ActionCarriedOut
		if ar.Reason == "" {
			ar.Reason = dr.Decision.Explanation
		}
		if d.channel != "" {
			ar.Channel = d.channel
			msg := Message{ID: aid, Agency: rr.Agency, Request: rr.ID, Action: in.Action, Outcome: dr.Decision.Outcome,
				Override: ar.Override != "", At: now}
			for _, r := range dr.Decision.Decisive {
				msg.Citations = append(msg.Citations, r.Citation)
			}
			attempts := d.channels[d.channel].Send(ctx, msg)
			ok := false
			for i, at := range attempts {
				id, err := d.newID("dlv")
				if err != nil {
					return nil, err
				}
				dl := liaison.DeliveryRecord{ID: id, Agency: rr.Agency, Action: aid, Channel: d.channel, Attempt: i + 1, OK: at.Err == nil, At: at.At.UTC()}
				if at.Err != nil {
					dl.Error = at.Err.Error()
				}
				ok = ok || dl.OK
				rec, err := d.record(liaison.KindDelivery, id, rr.Agency, "", aid, "", now, dl)
				if err != nil {
					return nil, err
				}
				res.Deliveries = append(res.Deliveries, dl)
				recs = append(recs, rec)
			}
			if !ok {
				ar.Status = liaison.ActionFailed
				ar.Reason = fmt.Sprintf("permitted, but delivery through %s failed after %d attempts", d.channel, len(attempts))
			}
		}
	}
	rec, err := d.record(liaison.KindAction, aid, rr.Agency, rr.Person, rr.ID, "", now, ar)
	if err != nil {
		return nil, err
	}
	recs = append(recs, rec)
	if ar.Status == liaison.ActionCarriedOut {
		duties, drecs, err := d.actDuties(ctx, &rr, dr, now)
		if err != nil {
			return nil, err
		}
		res.Duties = duties
		recs = append(recs, drecs...)
	}
	if err := d.store.Append(ctx, recs...); err != nil {
		return nil, err
	}
	res.Action = ar
	d.log.InfoContext(ctx, "act", "request", rr.ID, "action", in.Action, "outcome", dr.Decision.Outcome, "status", ar.Status, "override", ar.Override != "")
	return res, nil
}

// actDuties returns the duties an action carried out brings that intake
// did not already record, and, for a hold, the duty to end it in time.
func (d *Desk) actDuties(ctx context.Context, rr *liaison.RequestRecord, dr *liaison.DecisionRecord, now time.Time) ([]liaison.DutyRecord, []*liaison.StoredRecord, error) {
	have, err := list[liaison.DutyRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDuty, Parent: rr.ID})
	if err != nil {
		return nil, nil, err
	}
	fresh := *dr
	fresh.Decision.Duties = slices.DeleteFunc(slices.Clone(dr.Decision.Duties), func(du liaison.Duty) bool {
		return slices.ContainsFunc(have, func(h liaison.DutyRecord) bool { return h.Text == du.Text && h.Citation == du.Citation })
	})
	fresh.Decision.Outcome = liaison.Permitted // the "carry out" task is done by this very act
	duties, recs, err := d.duties(rr, &fresh, now)
	if err != nil {
		return nil, nil, err
	}
	if l := dr.Decision.Limits; dr.Action == liaison.HonorDetainer && l.MaxHoldHours != nil {
		due := now.Add(time.Duration(*l.MaxHoldHours * float64(time.Hour)))
		text := fmt.Sprintf("End the hold within %g hours", *l.MaxHoldHours)
		if len(l.HoldHoursExclude) > 0 {
			due = law.AddBusinessHours(now, *l.MaxHoldHours)
			text += " (not counting " + strings.Join(l.HoldHoursExclude, " or ") + ")"
		}
		more, mrecs, err := d.duties(rr, &liaison.DecisionRecord{ID: dr.ID, Decision: liaison.Decision{
			Duties: []liaison.Duty{{Text: text + ": release the person or have federal officers take custody.", Citation: l.Citation, Due: &due}}}}, now)
		if err != nil {
			return nil, nil, err
		}
		duties, recs = append(duties, more...), append(recs, mrecs...)
	}
	return duties, recs, nil
}

// OverrideInput is counsel's written decision to carry out a refused action.
type OverrideInput struct {
	Request string         `json:"request" liaison:"required,nonempty"`
	Action  liaison.Action `json:"action" liaison:"required"`
	Reason  string         `json:"reason" liaison:"required,nonempty"`
}

// minReason is how many letters or digits a written reason for an
// override must carry at least: counted in characters, not bytes, and not
// counting spaces, punctuation, symbols (emoji) or invisible characters
// (zero-width spaces), so that twenty of those are not a reason.
const minReason = 20

// reasonChars counts the letters and digits in s.
func reasonChars(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// Override records counsel's override of a refusal. It takes effect when
// the action is next carried out, and is flagged on it.
func (d *Desk) Override(ctx context.Context, by liaison.Actor, in OverrideInput) (*liaison.OverrideRecord, error) {
	if err := need(by, liaison.RoleCounsel); err != nil {
		return nil, err
	}
	if n := reasonChars(in.Reason); n < minReason {
		return nil, liaison.Errorf(liaison.Invalid, "reason", "an override needs a written reason of at least %d letters or digits (this one has %d)", minReason, n)
	}
	var rr liaison.RequestRecord
	if _, err := d.load(ctx, liaison.KindRequest, in.Request, &rr); err != nil {
		return nil, notFoundAs(err, "request")
	}
	if err := inScope(by, rr.Agency, "request"); err != nil {
		return nil, err
	}
	if !slices.Contains(rr.Actions, in.Action) {
		return nil, liaison.Errorf(liaison.Invalid, "action", "request %s does not ask for %s", rr.ID, in.Action)
	}
	id, err := d.newID("ovr")
	if err != nil {
		return nil, err
	}
	now := d.now().UTC()
	o := &liaison.OverrideRecord{ID: id, Agency: rr.Agency, Request: rr.ID, Action: in.Action, Reason: in.Reason, Actor: by, At: now}
	rec, err := d.record(liaison.KindOverride, id, rr.Agency, rr.Person, rr.ID, "", now, o)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, err
	}
	d.log.WarnContext(ctx, "override", "request", rr.ID, "action", in.Action, "by", by.ID, "override", id)
	return o, nil
}

// override returns the latest override of (request, action), if any.
func (d *Desk) override(ctx context.Context, request string, action liaison.Action) (liaison.OverrideRecord, bool, error) {
	ovs, err := list[liaison.OverrideRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindOverride, Parent: request})
	if err != nil {
		return liaison.OverrideRecord{}, false, err
	}
	for i := len(ovs) - 1; i >= 0; i-- {
		if ovs[i].Action == action {
			return ovs[i], true, nil
		}
	}
	return liaison.OverrideRecord{}, false, nil
}
