package desk

import (
	"context"
	"errors"
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
	// Deliveries are the attempts to deliver the action's message made so
	// far: none when it was just recorded pending (the dispatcher makes
	// them).
	Deliveries []liaison.DeliveryRecord `json:"deliveries"`
	// Created is false when the idempotency key was seen before: the
	// stored action is returned as it stands now.
	Created bool `json:"created"`
}

// ActInput names the action of a stored request to carry out.
type ActInput struct {
	Request string         `json:"request" liaison:"required,nonempty"`
	Action  liaison.Action `json:"action" liaison:"required"`
	// OfflineNote says how staff carried the action out themselves (by
	// phone, in person): the action is then recorded done_offline and
	// nothing is sent. Required when no outbound channel is configured and
	// the law lets the action go ahead; given when a delivery failed, it
	// closes the duty that failure opened.
	OfflineNote string `json:"offline_note"`
	// IdempotencyKey, when given, makes the call safe to retry: the same
	// key (per request) with the same input returns the action first
	// recorded; with other input it is an error of kind Conflicting that
	// names the field that differs.
	IdempotencyKey string `json:"idempotency_key"`
}

// Act carries out one action of a stored request, deciding it again now:
// the law or the facts may have changed since intake. A forbidden or
// conflicting action is refused with the explanation (unless counsel has
// overridden the refusal, which is flagged); an undetermined one asks for
// the missing facts; a permitted or required one is recorded pending with
// its message, which the dispatcher delivers through the agency's channel
// (or the server's). Act sends nothing itself and waits for no channel:
// the action, its decision and its duty changes are one append, and a
// failed append leaves nothing to deliver. Everything is recorded,
// refusals included.
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
	var key string
	if in.IdempotencyKey != "" {
		key = rr.ID + "/" + in.IdempotencyKey
		if res, err := d.repeatedAct(ctx, key, &in); err == nil || liaison.KindOf(err) != liaison.NotFound {
			return res, err
		}
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
		Outcome: dr.Decision.Outcome, Actor: by, At: now, IdempotencyKey: in.IdempotencyKey}
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
		if ar.Reason == "" {
			ar.Reason = dr.Decision.Explanation
		}
		channel, err := d.channelName(ctx, rr.Agency)
		if err != nil {
			return nil, err
		}
		if note := strings.TrimSpace(in.OfflineNote); note != "" || channel == "" {
			if note == "" {
				return nil, liaison.Errorf(liaison.Invalid, "offline_note", "no outbound channel is configured: carry out %s by phone or in person and say how in offline_note", in.Action)
			}
			ar.Status, ar.OfflineNote = liaison.ActionDoneOffline, note
		} else {
			// The outbox: the action is recorded pending with its message,
			// and the dispatcher delivers it (see Dispatcher).
			msg, err := d.message(ctx, agency, &rr, dr, aid, ar.Override != "", now)
			if err != nil {
				return nil, err
			}
			ar.Status, ar.Channel, ar.Message = liaison.ActionPending, channel, &msg
		}
	}
	rec, err := d.record(liaison.KindAction, aid, rr.Agency, rr.Person, rr.ID, key, now, ar)
	if err != nil {
		return nil, err
	}
	recs = append(recs, rec)
	if carried(ar.Status) {
		duties, changes, drecs, err := d.actDuties(agency, &rr, dr, &ar, cur, now)
		if err != nil {
			return nil, err
		}
		res.Duties, res.DutyChanges = duties, changes
		recs = append(recs, drecs...)
	}
	if err := d.store.Append(ctx, recs...); err != nil {
		var e *liaison.Error
		if key != "" && errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key" {
			return d.repeatedAct(ctx, key, &in) // a concurrent call with the key won
		}
		return nil, err
	}
	res.Action, res.Created = ar, true
	if ar.Status == liaison.ActionPending {
		select {
		case d.outbox <- struct{}{}:
		default: // a wake-up is waiting already
		}
	}
	d.log.InfoContext(ctx, "act", "request", rr.ID, "action", in.Action, "outcome", dr.Decision.Outcome, "status", ar.Status, "override", ar.Override != "")
	// It may have settled the last of the request's actions, or, tried
	// again and waiting, reopened a closed case.
	d.syncCase(ctx, rr.ID, ar.Status != liaison.ActionPending && ar.Status != liaison.ActionNeedsFacts)
	return res, nil
}

// actDuties returns what carrying out dr's action does to the request's
// duties cur: the duties it brings that the request has not (for a hold,
// the duty to end it in time), and the changes to those it has: its
// "carry out" duty is done, and the clocks it starts (on_action, and
// hold_begins for a hold) start now.
func (d *Desk) actDuties(agency *liaison.AgencyRecord, rr *liaison.RequestRecord, dr *liaison.DecisionRecord, ar *liaison.ActionRecord, cur []CaseDuty, now time.Time) ([]liaison.DutyRecord, []liaison.DutyChangeRecord, []*liaison.StoredRecord, error) {
	aid := ar.ID
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
		case du.Obligation == deliveryFailed+string(dr.Action) && ar.Status == liaison.ActionDoneOffline:
			c = liaison.DutyChangeRecord{Status: liaison.DutyDone, Note: "carried out by staff (" + aid + "): " + ar.OfflineNote}
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
// is flagged on it with counsel's name and token; a case the refusal
// closed opens again until then (unless the person's custody ended).
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
	// The refusal no longer settles the action: a case it closed has work
	// again (see unsettled).
	d.syncCase(ctx, rr.ID, false)
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

// carried reports whether an action with status s was carried out, or is
// on its way: recorded pending (the dispatcher delivers it), delivered,
// sent before the outbox, or done by staff.
func carried(s liaison.ActionStatus) bool {
	switch s {
	case liaison.ActionPending, liaison.ActionDelivered, liaison.ActionCarriedOut, liaison.ActionDoneOffline:
		return true
	}
	return false
}

// repeatedAct answers an action sent again under a key already stored (key,
// the request's and the caller's): the same input gets the stored action
// as it stands now, with its decision and deliveries; other input is an
// error of kind Conflicting naming the first field that differs. NotFound
// when the key is new.
func (d *Desk) repeatedAct(ctx context.Context, key string, in *ActInput) (*ActResult, error) {
	rec, err := d.store.ByKey(ctx, liaison.KindAction, key)
	if err != nil {
		return nil, err
	}
	ar, err := decodeBody[liaison.ActionRecord](rec)
	if err != nil {
		return nil, err
	}
	if ar.Request+"/"+ar.IdempotencyKey != key || ar.ID != rec.ID {
		return nil, fmt.Errorf("action %s: its record is not the one its key %q names: run `liaison log verify`", rec.ID, key)
	}
	stored := ActInput{Request: ar.Request, Action: ar.Action, OfflineNote: ar.OfflineNote, IdempotencyKey: ar.IdempotencyKey}
	if ar.Status != liaison.ActionDoneOffline {
		stored.OfflineNote = in.OfflineNote // not recorded: it was not used
	}
	field, err := firstDifference(stored, *in)
	if err != nil {
		return nil, err
	}
	if field != "" {
		return nil, liaison.Errorf(liaison.Conflicting, field,
			"idempotency key %q was used for action %s, which differs from this one: send a new key for a new action", ar.IdempotencyKey, ar.ID)
	}
	res := &ActResult{Duties: []liaison.DutyRecord{}, DutyChanges: []liaison.DutyChangeRecord{}}
	if _, err := d.load(ctx, liaison.KindDecision, ar.Decision, &res.Decision); err != nil {
		return nil, fmt.Errorf("action %s: %w", ar.ID, err)
	}
	st, err := d.actionState(ctx, ar)
	if err != nil {
		return nil, err
	}
	res.Action, res.Deliveries = st.ActionRecord, st.Deliveries
	return res, nil
}
