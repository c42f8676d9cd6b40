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
	Action   liaison.ActionRecord   `json:"action"`
	Decision liaison.DecisionRecord `json:"decision"`
	Duties   []liaison.DutyRecord   `json:"duties"`
	// DutyChanges are the changes the action made to the request's duties:
	// its "carry out" duty done, the clocks it started.
	DutyChanges []liaison.DutyChangeRecord `json:"duty_changes"`
	Deliveries  []liaison.DeliveryRecord   `json:"deliveries"`
}

// ActInput names the action of a stored request to carry out.
type ActInput struct {
	Request string         `json:"request" liaison:"required,nonempty"`
	Action  liaison.Action `json:"action" liaison:"required"`
	// OfflineNote says how staff carried the action out themselves (by
	// phone, in person). Required when no outbound channel is configured
	// and the law lets the action go ahead: the action is then recorded
	// done_offline, never carried_out with nothing sent.
	OfflineNote string `json:"offline_note"`
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
	eff, factsID, err := d.effective(ctx, &rr, "")
	if err != nil {
		return nil, err
	}
	dr, drec, err := d.decide(agency, eff, in.Action, liaison.StageAct, now, func(dr *liaison.DecisionRecord) { dr.Facts = factsID })
	if err != nil {
		return nil, err
	}
	cur, err := d.caseDuties(ctx, rr.ID, "")
	if err != nil {
		return nil, err
	}
	aid, err := d.newID("act")
	if err != nil {
		return nil, err
	}
	ar := liaison.ActionRecord{ID: aid, Agency: rr.Agency, Request: rr.ID, Decision: dr.ID, Action: in.Action,
		Outcome: dr.Decision.Outcome, Actor: by, At: now}
	res := &ActResult{Decision: *dr, Duties: []liaison.DutyRecord{}, DutyChanges: []liaison.DutyChangeRecord{}, Deliveries: []liaison.DeliveryRecord{}}
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
		ar.Reason = fmt.Sprintf("OVERRIDDEN by %s (token %s, override %s): %s", holder(ov.Actor), ov.Actor.ID, ov.ID, ov.Reason)
	}
	if send {
		if du, ok := blocking(cur, in.Action); ok {
			return nil, liaison.Errorf(liaison.Conflicting, "action", "duty %s must be recorded done before %s is carried out: %s (%s)",
				du.ID, words(in.Action), du.Text, du.Citation)
		}
		ar.Status = liaison.ActionCarriedOut
		if ar.Reason == "" {
			ar.Reason = dr.Decision.Explanation
		}
		if d.channel == "" {
			note := strings.TrimSpace(in.OfflineNote)
			if note == "" {
				return nil, liaison.Errorf(liaison.Invalid, "offline_note", "no outbound channel is configured: carry out %s by phone or in person and say how in offline_note", in.Action)
			}
			ar.Status, ar.OfflineNote = liaison.ActionDoneOffline, note
		} else {
			ar.Channel = d.channel
			msg, err := d.message(ctx, agency, &rr, dr, aid, ar.Override != "", now)
			if err != nil {
				return nil, err
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
	if ar.Status == liaison.ActionCarriedOut || ar.Status == liaison.ActionDoneOffline {
		duties, changes, drecs, err := d.actDuties(agency, &rr, dr, aid, cur, now)
		if err != nil {
			return nil, err
		}
		res.Duties, res.DutyChanges = duties, changes
		recs = append(recs, drecs...)
	}
	if err := d.store.Append(ctx, recs...); err != nil {
		return nil, err
	}
	res.Action = ar
	d.log.InfoContext(ctx, "act", "request", rr.ID, "action", in.Action, "outcome", dr.Decision.Outcome, "status", ar.Status, "override", ar.Override != "")
	return res, nil
}

// actDuties returns what carrying out dr's action does to the request's
// duties cur: the duties it brings that the request has not (for a hold,
// the duty to end it in time), and the changes to those it has: its
// "carry out" duty is done, and the clocks it starts (on_action, and
// hold_begins for a hold) start now.
func (d *Desk) actDuties(agency *liaison.AgencyRecord, rr *liaison.RequestRecord, dr *liaison.DecisionRecord, aid string, cur []CaseDuty, now time.Time) ([]liaison.DutyRecord, []liaison.DutyChangeRecord, []*liaison.StoredRecord, error) {
	starts := func(t liaison.DutyTrigger, actions []liaison.Action) bool {
		return t == liaison.OnAction && slices.Contains(actions, dr.Action) || t == liaison.HoldBegins && dr.Action == liaison.HonorDetainer
	}
	have := func(obligation string) bool {
		return slices.ContainsFunc(cur, func(c CaseDuty) bool { return c.Obligation == obligation && c.Status != liaison.DutySuperseded })
	}
	plan := slices.DeleteFunc(planDuties(agency, []liaison.DecisionRecord{*dr}, starts, now), func(du liaison.DutyRecord) bool {
		return have(du.Obligation) || du.Obligation == carryOut+string(dr.Action) // done by this very act
	})
	if l := dr.Decision.Limits; dr.Action == liaison.HonorDetainer && l.MaxHoldHours != nil && !have(endHold) {
		due := now.Add(time.Duration(*l.MaxHoldHours * float64(time.Hour)))
		text := fmt.Sprintf("End the hold within %g hours", *l.MaxHoldHours)
		if len(l.HoldHoursExclude) > 0 {
			// Weekends and holidays are the agency's, on its local calendar.
			local := now
			if zone := agencyZone(agency); zone != "" {
				loc, err := d.law.Location(zone)
				if err != nil {
					return nil, nil, nil, fmt.Errorf("agency %s: %w", agency.ID, err)
				}
				local = now.In(loc)
			}
			due = law.AddBusinessHours(local, *l.MaxHoldHours)
			text += " (not counting " + strings.Join(l.HoldHoursExclude, " or ") + ")"
		}
		plan = append(plan, liaison.DutyRecord{Agency: rr.Agency, Request: rr.ID, Decision: dr.ID, Text: text + ": release the person or have federal officers take custody.",
			Citation: l.Citation, Due: &due, Status: liaison.DutyOpen, At: now, Obligation: endHold, Actions: []liaison.Action{dr.Action},
			Trigger: liaison.HoldBegins})
	}
	duties, recs, err := d.newDuties(rr, plan, now)
	if err != nil {
		return nil, nil, nil, err
	}
	changes := []liaison.DutyChangeRecord{}
	for _, du := range cur {
		var c liaison.DutyChangeRecord
		switch {
		case closed(du.Status):
			continue
		case du.Obligation == carryOut+string(dr.Action):
			c = liaison.DutyChangeRecord{Status: liaison.DutyDone, Note: "carried out (" + aid + ")"}
		case du.Status == liaison.DutyWaiting && starts(du.Trigger, du.Actions):
			c = liaison.DutyChangeRecord{Status: liaison.DutyOpen, Note: words(dr.Action) + " carried out (" + aid + "): the duty's clock starts"}
			if du.Within != "" {
				c.Due = dueAfter(agency, du.Within, now)
			}
		default:
			continue
		}
		c.Actor = scheduler
		ch, rec, err := d.dutyChange(&du.DutyRecord, c, now)
		if err != nil {
			return nil, nil, nil, err
		}
		changes = append(changes, *ch)
		recs = append(recs, rec)
	}
	return duties, changes, recs, nil
}

// blocking returns the open duty of cur that must be done before action
// is carried out, if any: the law makes it a precondition.
func blocking(cur []CaseDuty, action liaison.Action) (CaseDuty, bool) {
	for _, du := range cur {
		if du.Trigger == liaison.BeforeAction && du.Before == action && !closed(du.Status) {
			return du, true
		}
	}
	return CaseDuty{}, false
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

// Override records counsel's override of a refusal: the action's last
// attempt must have been refused (Conflicting otherwise: there is nothing
// to override). It takes effect when the action is next carried out, and
// is flagged on it with counsel's name and token.
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
	// Only a refusal can be overridden: the last attempt to carry out the
	// action must have been refused.
	acts, err := list[liaison.ActionRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindAction, Parent: rr.ID})
	if err != nil {
		return nil, err
	}
	var last *liaison.ActionRecord
	for i := range acts {
		if acts[i].Action == in.Action {
			last = &acts[i]
		}
	}
	if last == nil {
		return nil, liaison.Errorf(liaison.Conflicting, "action", "%s of request %s was never tried: only a refused action can be overridden", in.Action, rr.ID)
	}
	if last.Status != liaison.ActionRefused {
		return nil, liaison.Errorf(liaison.Conflicting, "action", "%s of request %s was last %s, not refused: only a refused action can be overridden", in.Action, rr.ID, last.Status)
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
	d.log.WarnContext(ctx, "override", "request", rr.ID, "action", in.Action, "by", by.ID, "name", by.Name, "override", id)
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

// holder names an actor for a reason a person reads: the token holder's
// name, or the token's id for a token made before tokens carried names.
func holder(a liaison.Actor) string {
	if a.Name != "" {
		return a.Name
	}
	return a.ID
}
