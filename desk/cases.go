package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"liaison"
)

// A Case is a request read whole: the request and its person, every
// decision made on it (the current one of each action marked), every
// attempt to carry out an action with its deliveries, counsel's overrides
// with who made them, its duties with their changes, the person's custody
// events, and every read of it, this one included.
type Case struct {
	Request liaison.RequestRecord `json:"request"`
	// Sealed is true when the reader's role does not open personal data
	// (auditors): the request's subject facts and the warrant's charge
	// are left out, and so are the person's name and date of birth, and
	// the staff's free-text notes on custody events and duties.
	Sealed bool      `json:"sealed"`
	Status CaseState `json:"status"`
	// ClosedBy says why a closed case is closed (see CaseState).
	ClosedBy string `json:"closed_by,omitempty"`
	// CustodyEnded is true when the person was released or transferred
	// after the request (and not booked again since): the case is closed
	// whatever its actions, and an override does not open it again.
	CustodyEnded bool `json:"custody_ended,omitempty"`
	// Reopened is the latest reopening of an open case that was closed
	// before: when and why it has work again.
	Reopened *liaison.CaseReopenedRecord `json:"reopened,omitempty"`
	// Closings and Reopenings are every close and reopening of the case,
	// in log order: its rounds (see liaison.CaseKey).
	Closings   []liaison.CaseClosedRecord   `json:"closings"`
	Reopenings []liaison.CaseReopenedRecord `json:"reopenings"`
	// Standing is where each action the request asks for stands.
	Standing  []ActionState  `json:"standing"`
	Person    *Person        `json:"person,omitempty"`
	Decisions []CaseDecision `json:"decisions"`
	Actions   []CaseAction   `json:"actions"`
	Overrides []CaseOverride `json:"overrides"`
	Duties    []CaseDuty     `json:"duties"`
	// Facts are the facts learned after intake, in log order: the
	// request's effective facts are its own with each applied (see
	// FactsInput). Sealed, they leave out the facts about the person, the
	// warrant's charge and the written reason, as the request does.
	Facts   []liaison.FactsRecord        `json:"facts"`
	Custody []liaison.CustodyEventRecord `json:"custody_events"`
	Reads   []CaseRead                   `json:"reads"`
}

// CaseState says whether a case still needs the desk.
type CaseState string

// The states of a case. A case is closed when its person was released or
// transferred after the request was recorded (a custody event logged
// after it), or when every action it asks for is settled: its latest
// attempt was delivered (or carried out, before the outbox), refused,
// done otherwise than through the channel, or failed (which opened a duty
// for staff) — anything but pending or needs_facts. Otherwise it is open.
const (
	CaseOpen   CaseState = "open"
	CaseClosed CaseState = "closed"
)

// ActionState is where one action of a request stands.
type ActionState struct {
	Action liaison.Action `json:"action"`
	// Decision and Outcome are the current decision on the action.
	Decision string          `json:"decision"`
	Outcome  liaison.Outcome `json:"outcome"`
	// Status is that of the latest attempt to carry it out; empty when
	// none was made.
	Status liaison.ActionStatus `json:"status,omitempty"`
	// Override is counsel's override of the refusal that is the latest
	// attempt, made after it: the action may go ahead, and the case is
	// open again.
	Override string `json:"override,omitempty"`
}

// CaseDecision is a decision of a case.
type CaseDecision struct {
	liaison.DecisionRecord
	// Current is true for the decision that stands for its action (see
	// markCurrent); the others are kept, as made.
	Current bool `json:"current"`
}

// CaseAction is an attempt to carry out an action, with its deliveries.
// Its Status is where it stands now: a pending action's outcome, once
// the dispatcher has recorded one, is its status (delivered or failed).
type CaseAction struct {
	liaison.ActionRecord
	Deliveries []liaison.DeliveryRecord `json:"deliveries"`
	// Settled is the outcome that settled a pending action; nil while
	// it is pending.
	Settled *liaison.ActionOutcomeRecord `json:"settled,omitempty"`
}

// CaseOverride is an override with the name of the token that made it.
type CaseOverride struct {
	liaison.OverrideRecord
	// ActorName is the name of the token the override was made with
	// ("county counsel, J. Doe"); empty when the actor is not a token.
	ActorName string `json:"actor_name"`
}

// CaseDuty is a duty with its current status and every change of it.
type CaseDuty struct {
	Duty
	Changes []liaison.DutyChangeRecord `json:"changes"`
}

// CaseRead is a read of a case, with the name of the reader's token.
type CaseRead struct {
	liaison.ReadRecord
	ActorName string `json:"actor_name"`
}

// CaseOptions asks for more than a case's records.
type CaseOptions struct {
	// Trace derives each decision's rules considered and pack versions
	// (see Trace).
	Trace bool
}

// Case returns the request id read whole, for a reader, and logs the read
// (see Request). Auditors see it sealed.
func (d *Desk) Case(ctx context.Context, by liaison.Actor, id string, opt CaseOptions) (*Case, error) {
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	var rr liaison.RequestRecord
	rec, err := d.load(ctx, liaison.KindRequest, id, &rr)
	if err != nil {
		return nil, missing(err, "request", id)
	}
	if err := inScope(by, rr.Agency, "id"); err != nil {
		return nil, err
	}
	if err := d.logRead(ctx, by, &rr); err != nil {
		return nil, err
	}
	c := &Case{Request: rr}
	parts, err := d.caseParts(ctx, &rr, rec.Index)
	if err != nil {
		return nil, err
	}
	c.Decisions, c.Status, c.ClosedBy, c.Standing = parts.decisions, parts.status, parts.closedBy, parts.standing
	c.CustodyEnded = parts.custodyEnded
	if c.Status == CaseOpen {
		// An open case out of the queue (its reopening lost to a crash
		// between two appends, a record the desk did not write) goes back
		// when its page is read: one read of the index's round-0 close for
		// a case never closed.
		d.syncCase(ctx, rr.ID, false)
	}
	if opt.Trace {
		drs := make([]*liaison.DecisionRecord, len(c.Decisions))
		for i := range c.Decisions {
			drs[i] = &c.Decisions[i].DecisionRecord
		}
		if err := d.trace(ctx, &rr, drs); err != nil {
			return nil, err
		}
	}
	c.Custody = parts.custody
	names := tokenNames{}
	if c.Actions, err = d.caseActions(ctx, parts.actions); err != nil {
		return nil, err
	}
	if c.Overrides, err = d.caseOverrides(ctx, id, names); err != nil {
		return nil, err
	}
	if c.Duties, err = d.caseDuties(ctx, id, ""); err != nil {
		return nil, err
	}
	if c.Facts, err = list[liaison.FactsRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindFacts, Parent: id}); err != nil {
		return nil, err
	}
	if c.Closings, err = list[liaison.CaseClosedRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindCaseClosed, Parent: id}); err != nil {
		return nil, err
	}
	if c.Reopenings, err = list[liaison.CaseReopenedRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindCaseReopened, Parent: id}); err != nil {
		return nil, err
	}
	if n := len(c.Reopenings); c.Status == CaseOpen && n > 0 {
		c.Reopened = &c.Reopenings[n-1]
	}
	reads, err := list[liaison.ReadRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindRead, Parent: id})
	if err != nil {
		return nil, err
	}
	c.Reads = make([]CaseRead, len(reads))
	for i, r := range reads {
		c.Reads[i] = CaseRead{ReadRecord: r}
		if c.Reads[i].ActorName, err = names.of(ctx, d.store, r.Actor.ID); err != nil {
			return nil, err
		}
	}
	if rr.Person != "" {
		var p liaison.PersonRecord
		if _, err := d.load(ctx, liaison.KindPerson, rr.Person, &p); err != nil {
			return nil, fmt.Errorf("case %s: %w", id, err)
		}
		if c.Person, err = d.personView(by, &p); err != nil {
			return nil, err
		}
	}
	c.Request, c.Sealed = redacted(by, rr)
	if c.Sealed {
		for i := range c.Custody {
			c.Custody[i].Note = ""
		}
		for i := range c.Duties {
			for j := range c.Duties[i].Changes {
				c.Duties[i].Changes[j].Note = ""
			}
		}
		for i := range c.Actions {
			// A scheduled release is a fact about the person.
			if m := c.Actions[i].Message; m != nil && m.Release != "" {
				mc := *m
				mc.Release = ""
				c.Actions[i].Message = &mc
			}
		}
		for i := range c.Facts {
			// As the request: no facts about the person, no charge, and
			// no free text.
			f := &c.Facts[i]
			f.Subject, f.Reason = nil, ""
			if f.FederalRequest != nil && f.FederalRequest.Warrant != nil && f.FederalRequest.Warrant.Charge != "" {
				fr, w := *f.FederalRequest, *f.FederalRequest.Warrant
				w.Charge, fr.Warrant = "", &w
				f.FederalRequest = &fr
			}
		}
	}
	return c, nil
}

// opens reports whether by's role opens personal data: every role that
// reads the desk's records but the auditor's.
func opens(by liaison.Actor) bool { return by.Role != liaison.RoleAuditor }

// redacted returns rr as by may see it, and whether anything was left
// out: for a reader who does not open personal data, the facts about the
// person (convictions, charges, flags, custody, consent, age) and the
// charge of the warrant. Every way a request leaves the desk goes through
// here.
func redacted(by liaison.Actor, rr liaison.RequestRecord) (liaison.RequestRecord, bool) {
	if opens(by) {
		return rr, false
	}
	rr.Subject = nil
	if w := rr.Request.Warrant; w != nil && w.Charge != "" {
		c := *w
		c.Charge = ""
		rr.Request.Warrant = &c
	}
	return rr, true
}

// caseParts is what both a case and its line in a list are made of.
type caseParts struct {
	decisions []CaseDecision
	actions   []liaison.ActionRecord
	custody   []liaison.CustodyEventRecord
	standing  []ActionState
	status    CaseState
	closedBy  string
	// openedBy says why an open case is open (its first action that is
	// not settled).
	openedBy string
	// custodyEnded: the person was released or transferred after the
	// request, and not booked again since.
	custodyEnded bool
}

// caseParts reads a request's decisions and actions and its person's
// custody events (three reads, each by an index; a fourth, of the
// overrides, when an action's latest attempt was refused) and works out
// where the case stands (caseStatus). index is the request's leaf.
func (d *Desk) caseParts(ctx context.Context, rr *liaison.RequestRecord, index int64) (*caseParts, error) {
	out := &caseParts{decisions: []CaseDecision{}, actions: []liaison.ActionRecord{}, custody: []liaison.CustodyEventRecord{}}
	_, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindDecision, Parent: rr.ID}, 0, func(dr liaison.DecisionRecord, _ int64) {
		dr.Decision.Normalize() // stored before decisions were normalized
		out.decisions = append(out.decisions, CaseDecision{DecisionRecord: dr})
	})
	if err != nil {
		return nil, err
	}
	markCurrent(out.decisions)
	leaf := map[string]int64{} // of each action
	if _, err = liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindAction, Parent: rr.ID}, 0, func(ar liaison.ActionRecord, i int64) {
		out.actions = append(out.actions, ar)
		leaf[ar.ID] = i
	}); err != nil {
		return nil, err
	}
	if err := d.settle(ctx, rr.ID, out.actions); err != nil {
		return nil, err
	}
	var cust custodyAfter
	if rr.Person != "" {
		_, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindCustodyEvent, Person: rr.Person}, 0, func(e liaison.CustodyEventRecord, i int64) {
			out.custody = append(out.custody, e)
			if i > index {
				cust.add(&e)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	lasts := make([]*liaison.ActionRecord, len(rr.Actions))
	refused := false
	for k, a := range rr.Actions {
		st := ActionState{Action: a}
		for _, dr := range out.decisions {
			if dr.Action == a && dr.Current {
				st.Decision, st.Outcome = dr.ID, dr.Decision.Outcome
			}
		}
		for i, ar := range out.actions {
			if ar.Action == a {
				st.Status, lasts[k] = ar.Status, &out.actions[i]
			}
		}
		refused = refused || st.Status == liaison.ActionRefused
		out.standing = append(out.standing, st)
	}
	if refused {
		// Counsel's override of a refusal, made after it, lets the action
		// go ahead: the refusal no longer settles it.
		if _, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindOverride, Parent: rr.ID}, 0, func(o liaison.OverrideRecord, i int64) {
			for k := range out.standing {
				if st := &out.standing[k]; st.Action == o.Action && st.Status == liaison.ActionRefused && i > leaf[lasts[k].ID] {
					st.Override = o.ID
				}
			}
		}); err != nil {
			return nil, err
		}
	}
	out.status, out.closedBy, out.openedBy = caseStatus(out.standing, lasts, cust)
	out.custodyEnded = cust.gone != nil
	return out, nil
}

// markCurrent marks the decision that stands for each action: the last
// made for it, in log order. (A decision superseded by a later one made
// on new facts is, by that, not the last.)
func markCurrent(ds []CaseDecision) {
	last := map[liaison.Action]int{}
	for i := range ds {
		ds[i].Current = false
		last[ds[i].Action] = i
	}
	for _, i := range last {
		ds[i].Current = true
	}
}

// settle sets the status of each pending action of the request to its
// outcome, when the dispatcher has recorded one (one read, by the
// request's index).
func (d *Desk) settle(ctx context.Context, request string, actions []liaison.ActionRecord) error {
	if !slices.ContainsFunc(actions, func(a liaison.ActionRecord) bool { return a.Status == liaison.ActionPending }) {
		return nil
	}
	outcomes, err := d.outcomes(ctx, request)
	if err != nil {
		return err
	}
	for i := range actions {
		if o, ok := outcomes[actions[i].ID]; ok && actions[i].Status == liaison.ActionPending {
			actions[i].Status = o.Status
		}
	}
	return nil
}

// outcomes returns the outcomes of the request's actions, by action id.
func (d *Desk) outcomes(ctx context.Context, request string) (map[string]liaison.ActionOutcomeRecord, error) {
	out := map[string]liaison.ActionOutcomeRecord{}
	_, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindActionOutcome, Parent: request}, 0,
		func(o liaison.ActionOutcomeRecord, _ int64) {
			if _, ok := out[o.Action]; !ok { // the key makes one per action
				out[o.Action] = o
			}
		})
	return out, err
}

// caseActions returns the attempts with their deliveries and outcomes.
// The outcomes are read first: an outcome is appended with or after the
// deliveries it follows, and a reader sees a prefix of the log, so every
// outcome read has its deliveries in the reads after it (read the other
// way round, an action delivered in between would show its outcome
// without its delivery).
func (d *Desk) caseActions(ctx context.Context, actions []liaison.ActionRecord) ([]CaseAction, error) {
	var outcomes map[string]liaison.ActionOutcomeRecord
	if i := slices.IndexFunc(actions, func(a liaison.ActionRecord) bool { return a.Message != nil }); i >= 0 {
		var err error
		if outcomes, err = d.outcomes(ctx, actions[i].Request); err != nil {
			return nil, err
		}
	}
	out := make([]CaseAction, len(actions))
	for i, a := range actions {
		dls, err := list[liaison.DeliveryRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDelivery, Parent: a.ID})
		if err != nil {
			return nil, err
		}
		out[i] = CaseAction{ActionRecord: a, Deliveries: dls}
		if a.Message == nil {
			continue // never pending
		}
		if o, ok := outcomes[a.ID]; ok {
			out[i].Settled, out[i].Status = &o, o.Status
		}
	}
	return out, nil
}

// actionState returns the action ar as it stands now, with its deliveries
// and outcome.
func (d *Desk) actionState(ctx context.Context, ar *liaison.ActionRecord) (*CaseAction, error) {
	out, err := d.caseActions(ctx, []liaison.ActionRecord{*ar})
	if err != nil {
		return nil, err
	}
	return &out[0], nil
}

// caseOverrides returns the overrides of the request id.
func (d *Desk) caseOverrides(ctx context.Context, id string, names tokenNames) ([]CaseOverride, error) {
	ovs, err := list[liaison.OverrideRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindOverride, Parent: id})
	if err != nil {
		return nil, err
	}
	out := make([]CaseOverride, len(ovs))
	for i, o := range ovs {
		out[i] = CaseOverride{OverrideRecord: o}
		if out[i].ActorName, err = names.of(ctx, d.store, o.Actor.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// caseDuties returns the duties of the request id (of the person's
// requests, with id empty and person set) with their changes and current
// status.
func (d *Desk) caseDuties(ctx context.Context, id, person string) ([]CaseDuty, error) {
	duties, err := list[liaison.DutyRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDuty, Parent: id, Person: person})
	if err != nil {
		return nil, err
	}
	out := make([]CaseDuty, len(duties))
	for i, du := range duties {
		changes, err := list[liaison.DutyChangeRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDutyChange, Parent: du.ID})
		if err != nil {
			return nil, err
		}
		out[i] = CaseDuty{Duty: Duty{DutyRecord: du, Changed: du.At}, Changes: changes}
		for _, c := range changes {
			applyChange(&out[i].Duty, &c) // as in Duties
		}
	}
	return out, nil
}

// tokenNames are the names of the tokens a call has looked up, by id.
type tokenNames map[string]string

// of returns the name of the token id, "" when id is not a token's (the
// scheduler, the command line).
func (n tokenNames) of(ctx context.Context, store liaison.Store, id string) (string, error) {
	if name, ok := n[id]; ok {
		return name, nil
	}
	var tr liaison.TokenRecord
	if _, err := getRecord(ctx, store, liaison.KindToken, id, &tr); err != nil && liaison.KindOf(err) != liaison.NotFound {
		return "", err
	}
	n[id] = tr.Name
	return tr.Name, nil
}

// DecisionRecord returns the decision id, for a reader, marked current
// when it stands for its action. A decision holds no facts about the
// person and its read is not logged.
func (d *Desk) DecisionRecord(ctx context.Context, by liaison.Actor, id string) (*CaseDecision, error) {
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	var dr liaison.DecisionRecord
	if _, err := d.load(ctx, liaison.KindDecision, id, &dr); err != nil {
		return nil, missing(err, "decision", id)
	}
	if err := inScope(by, dr.Agency, "id"); err != nil {
		return nil, err
	}
	var all []CaseDecision
	_, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindDecision, Parent: dr.Request}, 0, func(o liaison.DecisionRecord, _ int64) {
		all = append(all, CaseDecision{DecisionRecord: o})
	})
	if err != nil {
		return nil, err
	}
	markCurrent(all)
	i := slices.IndexFunc(all, func(o CaseDecision) bool { return o.ID == id })
	if i < 0 {
		return nil, fmt.Errorf("decision %s is not among its request %s's: run `liaison log verify`", id, dr.Request)
	}
	dr.Decision.Normalize()
	return &CaseDecision{DecisionRecord: dr, Current: all[i].Current}, nil
}

// OverrideRecord returns the override id, for a reader, with the name of
// the token that made it.
func (d *Desk) OverrideRecord(ctx context.Context, by liaison.Actor, id string) (*CaseOverride, error) {
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	var o liaison.OverrideRecord
	if _, err := d.load(ctx, liaison.KindOverride, id, &o); err != nil {
		return nil, missing(err, "override", id)
	}
	if err := inScope(by, o.Agency, "id"); err != nil {
		return nil, err
	}
	name, err := tokenNames{}.of(ctx, d.store, o.Actor.ID)
	if err != nil {
		return nil, err
	}
	return &CaseOverride{OverrideRecord: o, ActorName: name}, nil
}

// decodeBody decodes a stored record's body as a T.
func decodeBody[T any](r *liaison.StoredRecord) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(r.Body, v); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", r.Kind, r.ID, err)
	}
	return v, nil
}
