package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"liaison"
)

// FactsInput adds or corrects facts about a stored request, learned after
// intake: who (the caller), why (Reason), and the facts, in the intake's
// form. A member given replaces the stored one: objects member by member,
// lists and other values whole ("subject.convictions": [] says there are
// none). Remove clears members, by path ("subject.flags",
// "subject.consent.form_provided"): a cleared fact is absent again (a
// false flag, an empty list; for subject.convictions and subject.age,
// unknown).
type FactsInput struct {
	// IdempotencyKey makes the call safe to retry: the same key (per
	// request) sent twice is one record.
	IdempotencyKey string                  `json:"idempotency_key" liaison:"required,nonempty"`
	Reason         string                  `json:"reason" liaison:"required,nonempty"`
	Request        *liaison.FederalRequest `json:"request"`
	Subject        *liaison.Subject        `json:"subject"`
	Agreements     []liaison.Agreement     `json:"agreements"`
	Context        *liaison.Context        `json:"context"`
	Remove         []string                `json:"remove"`
}

// FactsResult is a facts record with what it changed: the request's
// actions decided again (each superseding the decision before it), the
// duties those decisions brought that the request had not, and the changes
// to the duties they no longer bring (superseded).
type FactsResult struct {
	Facts       liaison.FactsRecord        `json:"facts"`
	Decisions   []liaison.DecisionRecord   `json:"decisions"`
	Duties      []liaison.DutyRecord       `json:"duties"`
	DutyChanges []liaison.DutyChangeRecord `json:"duty_changes"`
	// Created is false when the idempotency key was seen before: the
	// stored facts record is returned with the decisions it brought.
	Created bool `json:"created"`
}

// minFactsReason is how many letters or digits the written reason for
// facts added later must carry at least (counted as for overrides).
const minFactsReason = 10

// Facts adds facts to a stored request, decides every action it asks for
// again with its effective facts, and brings its duties in line with the
// new decisions, all in one write.
func (d *Desk) Facts(ctx context.Context, by liaison.Actor, request string, in FactsInput) (*FactsResult, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel); err != nil {
		return nil, err
	}
	var rr liaison.RequestRecord
	if _, err := d.load(ctx, liaison.KindRequest, request, &rr); err != nil {
		return nil, missing(err, "request", request)
	}
	if err := inScope(by, rr.Agency, "id"); err != nil {
		return nil, err
	}
	if n := reasonChars(in.Reason); n < minFactsReason {
		return nil, liaison.Errorf(liaison.Invalid, "reason", "say why the facts are added or corrected, in at least %d letters or digits (this has %d)", minFactsReason, n)
	}
	if in.Request == nil && in.Subject == nil && in.Agreements == nil && in.Context == nil && len(in.Remove) == 0 {
		return nil, liaison.Errorf(liaison.Invalid, "", "give facts to add or correct (request, subject, agreements, context) or paths to remove")
	}
	for i, p := range in.Remove {
		if !factPath(p) {
			return nil, liaison.Errorf(liaison.Invalid, fmt.Sprintf("remove[%d]", i), "%q is not the path of a fact (e.g. subject.flags)", p)
		}
	}
	key := rr.ID + "/" + in.IdempotencyKey
	if res, err := d.repeatedFacts(ctx, by, &rr, key, &in); err == nil || liaison.KindOf(err) != liaison.NotFound {
		return res, err
	}
	agency, err := d.agency(ctx, rr.Agency)
	if err != nil {
		return nil, err
	}
	if err := d.StorePackSet(ctx); err != nil {
		return nil, err
	}
	now := d.now().UTC()
	id, err := d.newID("fct")
	if err != nil {
		return nil, err
	}
	fr := liaison.FactsRecord{ID: id, Agency: rr.Agency, Request: rr.ID, IdempotencyKey: in.IdempotencyKey,
		Reason: in.Reason, FederalRequest: in.Request, Subject: in.Subject, Agreements: in.Agreements,
		Context: in.Context, Remove: in.Remove, RecordedBy: by, RecordedAt: now}
	frec, err := d.record(liaison.KindFacts, id, rr.Agency, rr.Person, rr.ID, key, now, fr)
	if err != nil {
		return nil, err
	}
	eff, _, err := d.effective(ctx, &rr, "")
	if err != nil {
		return nil, err
	}
	if err := applyFacts(eff, &fr); err != nil {
		return nil, err
	}
	res := &FactsResult{Facts: fr, Decisions: []liaison.DecisionRecord{}, Created: true}
	recs := []*liaison.StoredRecord{frec}
	latest, err := d.latestDecisions(ctx, rr.ID)
	if err != nil {
		return nil, err
	}
	for _, a := range rr.Actions {
		dr, drec, err := d.decide(agency, eff, a, liaison.StageFacts, now, func(dr *liaison.DecisionRecord) {
			dr.Facts, dr.Supersedes = id, latest[a]
		})
		if err != nil {
			return nil, err
		}
		res.Decisions = append(res.Decisions, *dr)
		recs = append(recs, drec)
	}
	duties, changes, drecs, err := d.followDuties(ctx, agency, &rr, res.Decisions, id, by, now)
	if err != nil {
		return nil, err
	}
	res.Duties, res.DutyChanges = duties, changes
	if err := d.store.Append(ctx, append(recs, drecs...)...); err != nil {
		var e *liaison.Error
		if errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key" {
			return d.repeatedFacts(ctx, by, &rr, key, &in) // a concurrent call with the key won
		}
		return nil, err
	}
	d.log.InfoContext(ctx, "facts", "request", rr.ID, "facts", id, "decisions", len(res.Decisions))
	// The new decisions may let a refused action go ahead (the case
	// reopens), or refuse again one they had let go (it closes).
	d.syncCase(ctx, rr.ID, true)
	return res, nil
}

// repeatedFacts answers facts sent again under a key already stored (key,
// the request's and the caller's): the same facts get the stored record
// and its decisions, which is a read of the request's facts and is logged;
// other facts are an error of kind Conflicting naming the first field that
// differs (see firstDifference). NotFound when the key is new.
func (d *Desk) repeatedFacts(ctx context.Context, by liaison.Actor, rr *liaison.RequestRecord, key string, in *FactsInput) (*FactsResult, error) {
	rec, err := d.store.ByKey(ctx, liaison.KindFacts, key)
	if err != nil {
		return nil, err
	}
	var fr liaison.FactsRecord
	if err := json.Unmarshal(rec.Body, &fr); err != nil {
		return nil, fmt.Errorf("decode facts %s: %w", rec.ID, err)
	}
	if fr.Request+"/"+fr.IdempotencyKey != key || fr.ID != rec.ID {
		return nil, fmt.Errorf("facts %s: its record is not the one its key %q names: run `liaison log verify`", rec.ID, key)
	}
	stored := FactsInput{IdempotencyKey: fr.IdempotencyKey, Reason: fr.Reason, Request: fr.FederalRequest, Subject: fr.Subject,
		Agreements: fr.Agreements, Context: fr.Context, Remove: fr.Remove}
	field, err := firstDifference(stored, *in)
	if err != nil {
		return nil, err
	}
	if field != "" {
		return nil, liaison.Errorf(liaison.Conflicting, field,
			"idempotency key %q was used for facts %s, which differ from these here: send a new key for new facts", fr.IdempotencyKey, fr.ID)
	}
	res := &FactsResult{Facts: fr, Duties: []liaison.DutyRecord{}, DutyChanges: []liaison.DutyChangeRecord{}}
	if res.Decisions, err = list[liaison.DecisionRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDecision, Parent: rr.ID}); err != nil {
		return nil, err
	}
	res.Decisions = slices.DeleteFunc(res.Decisions, func(dr liaison.DecisionRecord) bool { return dr.Facts != fr.ID || dr.Stage != liaison.StageFacts })
	if err := d.logRead(ctx, by, rr); err != nil {
		return nil, err
	}
	return res, nil
}

// latestDecisions returns the id of the latest decision on each action of
// a request.
func (d *Desk) latestDecisions(ctx context.Context, request string) (map[liaison.Action]string, error) {
	out := map[liaison.Action]string{}
	_, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindDecision, Parent: request}, 0,
		func(dr liaison.DecisionRecord, _ int64) { out[dr.Action] = dr.ID })
	return out, err
}

// followDuties brings a request's duties in line with its new decisions:
// the duties they bring that the request has not are made (their clocks
// started if their trigger happened already), and the open ones they no
// longer bring are superseded. A hold's time limit stays: the hold
// happened; so does the duty a failed delivery opened.
func (d *Desk) followDuties(ctx context.Context, agency *liaison.AgencyRecord, rr *liaison.RequestRecord, decisions []liaison.DecisionRecord, facts string, by liaison.Actor, now time.Time) ([]liaison.DutyRecord, []liaison.DutyChangeRecord, []*liaison.StoredRecord, error) {
	done := map[liaison.Action]bool{}
	if _, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindAction, Parent: rr.ID}, 0, func(a liaison.ActionRecord, _ int64) {
		done[a.Action] = done[a.Action] || carried(a.Status)
	}); err != nil {
		return nil, nil, nil, err
	}
	started := func(t liaison.DutyTrigger, actions []liaison.Action) bool {
		return t == liaison.OnAction && slices.ContainsFunc(actions, func(a liaison.Action) bool { return done[a] }) ||
			t == liaison.HoldBegins && done[liaison.HonorDetainer]
	}
	cur, err := d.caseDuties(ctx, rr.ID, "")
	if err != nil {
		return nil, nil, nil, err
	}
	all := planDuties(agency, decisions, started, now)
	plan := slices.DeleteFunc(slices.Clone(all), func(du liaison.DutyRecord) bool {
		a, carry := strings.CutPrefix(du.Obligation, carryOut)
		return carry && done[liaison.Action(a)] || slices.ContainsFunc(cur, func(c CaseDuty) bool {
			return c.Obligation == du.Obligation && c.Status != liaison.DutySuperseded
		})
	})
	duties, recs, err := d.newDuties(rr, plan, now)
	if err != nil {
		return nil, nil, nil, err
	}
	changes := []liaison.DutyChangeRecord{}
	for _, du := range cur {
		brought := slices.ContainsFunc(all, func(p liaison.DutyRecord) bool { return p.Obligation == du.Obligation })
		// A hold's limit and a failed delivery's duty stay: the hold and
		// the action happened.
		if closed(du.Status) || brought || du.Obligation == endHold || strings.HasPrefix(du.Obligation, deliveryFailed) || du.Obligation == "" {
			continue
		}
		ch, rec, err := d.dutyChange(&du.DutyRecord, liaison.DutyChangeRecord{Status: liaison.DutySuperseded, Actor: by,
			Note: "facts " + facts + " changed the decisions: they no longer bring this duty"}, now)
		if err != nil {
			return nil, nil, nil, err
		}
		changes = append(changes, *ch)
		recs = append(recs, rec)
	}
	return duties, changes, recs, nil
}

// effective returns the request's effective facts: rr with every facts
// record of the request applied in log order, up to and including the
// one upTo (all, when upTo is empty), and the id of the last applied.
func (d *Desk) effective(ctx context.Context, rr *liaison.RequestRecord, upTo string) (*liaison.RequestRecord, string, error) {
	return effectiveFacts(ctx, d.store, rr, upTo)
}

// effectiveFacts is Desk.effective over a store.
func effectiveFacts(ctx context.Context, store liaison.Store, rr *liaison.RequestRecord, upTo string) (*liaison.RequestRecord, string, error) {
	eff := *rr
	var last string
	var failed error
	_, err := liaison.Each(ctx, store, liaison.Filter{Kind: liaison.KindFacts, Parent: rr.ID}, 0, func(fr liaison.FactsRecord, _ int64) {
		if failed != nil || (upTo != "" && last == upTo) {
			return
		}
		failed, last = applyFacts(&eff, &fr), fr.ID
	})
	if err == nil {
		err = failed
	}
	if err != nil {
		return nil, "", fmt.Errorf("effective facts of request %s: %w", rr.ID, err)
	}
	if upTo != "" && last != upTo {
		return nil, "", fmt.Errorf("effective facts of request %s: no facts record %s", rr.ID, upTo)
	}
	return &eff, last, nil
}

// facts are the parts of a request that facts records change, as JSON.
type facts struct {
	Request    *liaison.FederalRequest `json:"request,omitempty"`
	Subject    *liaison.Subject        `json:"subject,omitempty"`
	Agreements []liaison.Agreement     `json:"agreements,omitempty"`
	Context    *liaison.Context        `json:"context,omitempty"`
}

// applyFacts changes rr's facts by fr (see FactsInput).
func applyFacts(rr *liaison.RequestRecord, fr *liaison.FactsRecord) error {
	var doc, patch map[string]any
	fed := rr.Request
	if err := roundTrip(facts{&fed, rr.Subject, rr.Agreements, rr.Context}, &doc); err != nil {
		return err
	}
	for _, p := range fr.Remove {
		remove(doc, strings.Split(p, "."))
	}
	if err := roundTrip(facts{fr.FederalRequest, fr.Subject, fr.Agreements, fr.Context}, &patch); err != nil {
		return err
	}
	merge(doc, patch)
	var out facts
	if err := roundTrip(doc, &out); err != nil {
		return err
	}
	rr.Request, rr.Subject, rr.Agreements, rr.Context = liaison.FederalRequest{}, out.Subject, out.Agreements, out.Context
	if out.Request != nil {
		rr.Request = *out.Request
	}
	return nil
}

// roundTrip encodes v as JSON and decodes it into out.
func roundTrip(v, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("apply facts: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("apply facts: %w", err)
	}
	return nil
}

// merge copies patch into doc: objects member by member, anything else whole.
func merge(doc, patch map[string]any) {
	for k, v := range patch {
		sub, ok := v.(map[string]any)
		if cur, isObj := doc[k].(map[string]any); ok && isObj {
			merge(cur, sub)
			continue
		}
		doc[k] = v
	}
}

// remove deletes the member at path from doc.
func remove(doc map[string]any, path []string) {
	for len(path) > 1 {
		sub, ok := doc[path[0]].(map[string]any)
		if !ok {
			return
		}
		doc, path = sub, path[1:]
	}
	delete(doc, path[0])
}

// factPath reports whether p names a member of the facts ("subject.flags").
func factPath(p string) bool {
	t := reflect.TypeFor[facts]()
	for _, name := range strings.Split(p, ".") {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return false
		}
		f, ok := fieldByJSON(t, name)
		if !ok {
			return false
		}
		t = f.Type
	}
	return true
}

// fieldByJSON returns the field of struct type t whose JSON name is name.
func fieldByJSON(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name && name != "" && name != "-" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
