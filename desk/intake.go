package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"liaison"
	"liaison/law"
)

// IntakeInput is a federal request as an agency received it.
type IntakeInput struct {
	Agency string `json:"agency" liaison:"required,nonempty"`
	Person string `json:"person"`
	// IdempotencyKey makes intake safe to retry: the same key (per agency)
	// sent twice is one request.
	IdempotencyKey string                 `json:"idempotency_key" liaison:"required,nonempty"`
	Request        liaison.FederalRequest `json:"request" liaison:"required"`
	// Actions are what the request asks the agency to do.
	Actions    []liaison.Action    `json:"actions" liaison:"required"`
	Subject    *liaison.Subject    `json:"subject"`
	Agreements []liaison.Agreement `json:"agreements"`
	Context    *liaison.Context    `json:"context"`
}

// IntakeResult is a stored request with the decision on each action it
// asks for, and the duties those decisions bring.
type IntakeResult struct {
	Request   liaison.RequestRecord    `json:"request"`
	Decisions []liaison.DecisionRecord `json:"decisions"`
	Duties    []liaison.DutyRecord     `json:"duties"`
	// Created is false when the idempotency key was seen before: the
	// stored request is returned as it was.
	Created bool `json:"created"`

	encoded []byte // see JSON
}

// JSON returns the result's JSON, made of the stored records' bodies as
// they are, or nil when the result was not made by this intake. Bodies
// are canonical JSON (RFC 8785) and the members here are in order, so it
// is the result's canonical JSON too, with no encoding left to do: an
// intake's answer holds its decisions, about 3 KB each (compact).
func (r *IntakeResult) JSON() []byte { return r.encoded }

// encode sets r's JSON from the bodies of its records.
func (r *IntakeResult) encode(request *liaison.StoredRecord, decisions, duties []*liaison.StoredRecord) {
	n := len(request.Body) + 64
	for _, l := range [][]*liaison.StoredRecord{decisions, duties} {
		for _, rec := range l {
			n += len(rec.Body) + 1
		}
	}
	b := make([]byte, 0, n)
	b = strconv.AppendBool(append(b, `{"created":`...), r.Created)
	for _, part := range []struct {
		name string
		recs []*liaison.StoredRecord
	}{{"decisions", decisions}, {"duties", duties}} {
		b = append(b, `,"`+part.name+`":[`...)
		for i, rec := range part.recs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, rec.Body...)
		}
		b = append(b, ']')
	}
	b = append(append(append(b, `,"request":`...), request.Body...), '}')
	r.encoded = b
}

// Intake validates and stores a federal request and decides, as of now,
// every action it asks for, all in one write.
func (d *Desk) Intake(ctx context.Context, by liaison.Actor, in IntakeInput) (*IntakeResult, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor); err != nil {
		return nil, err
	}
	if err := inScope(by, in.Agency, "agency"); err != nil {
		return nil, err
	}
	if len(in.Actions) == 0 {
		return nil, liaison.Errorf(liaison.Invalid, "actions", "name at least one action the request asks for")
	}
	for i, a := range in.Actions {
		if slices.Index(in.Actions, a) != i {
			return nil, liaison.Errorf(liaison.Invalid, fmt.Sprintf("actions[%d]", i), "%s is listed twice", a)
		}
	}
	agency, err := d.agency(ctx, in.Agency)
	if err != nil {
		return nil, notFoundAs(err, "agency")
	}
	// The idempotency key is unique among stored requests: a request sent
	// again fails to append with a conflict on it, and gets the stored
	// one's result (below: see repeated). Looking it up first would cost
	// every intake a read to save a repeat its decisions; only keys stored
	// lately are (see recentKeys).
	key := in.Agency + "/" + in.IdempotencyKey
	if d.recent.has(key) {
		if prev, err := d.repeated(ctx, by, key, &in); err == nil {
			return prev, nil
		} else if liaison.KindOf(err) != liaison.NotFound {
			return nil, err
		}
	}
	if in.Person != "" {
		var p liaison.PersonRecord
		if _, err := d.load(ctx, liaison.KindPerson, in.Person, &p); err != nil {
			return nil, notFoundAs(err, "person")
		}
		if p.Agency != in.Agency {
			return nil, liaison.Errorf(liaison.Invalid, "person", "the person is not in this agency's records")
		}
	}
	if err := d.StorePackSet(ctx); err != nil {
		return nil, err
	}
	now := d.now().UTC()
	id, err := d.newID("req")
	if err != nil {
		return nil, err
	}
	rr := liaison.RequestRecord{ID: id, Agency: in.Agency, Person: in.Person, IdempotencyKey: in.IdempotencyKey,
		Request: in.Request, Actions: in.Actions, Subject: in.Subject, Agreements: in.Agreements, Context: in.Context,
		ReceivedBy: by, RecordedAt: now}
	res := &IntakeResult{Request: rr, Created: true}
	rec, err := d.record(liaison.KindRequest, id, in.Agency, in.Person, "", key, now, rr)
	if err != nil {
		return nil, err
	}
	recs := []*liaison.StoredRecord{rec}
	var decRecs []*liaison.StoredRecord
	res.Decisions = []liaison.DecisionRecord{}
	for _, a := range in.Actions {
		dr, drec, err := d.decide(agency, &rr, a, liaison.StageIntake, now, func(*liaison.DecisionRecord) {})
		if err != nil {
			return nil, err
		}
		res.Decisions = append(res.Decisions, *dr)
		decRecs = append(decRecs, drec)
	}
	var dutyRecs []*liaison.StoredRecord
	res.Duties, dutyRecs, err = d.newDuties(&rr, planDuties(agency, res.Decisions, nil, now), now)
	if err != nil {
		return nil, err
	}
	recs = append(append(recs, decRecs...), dutyRecs...)
	if err := d.store.Append(ctx, recs...); err != nil {
		var e *liaison.Error
		if errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key" {
			d.recent.add(key)
			return d.repeated(ctx, by, key, &in) // sent before, or a concurrent intake of it won
		}
		return nil, err
	}
	d.recent.add(key)
	d.log.InfoContext(ctx, "intake", "request", id, "agency", in.Agency, "actions", len(in.Actions))
	res.encode(rec, decRecs, dutyRecs)
	return res, nil
}

// Request returns a stored request with its decisions and duties, for a
// reader. A request about a person (a person's id or facts about them) is
// a read of that person's record, and is logged as one in the same write.
// Auditors get it without the facts about the person (see redacted). The
// API answers with the whole case instead (Case).
func (d *Desk) Request(ctx context.Context, by liaison.Actor, id string) (*IntakeResult, error) {
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	res, err := d.requestResult(ctx, id)
	if err != nil {
		return nil, missing(err, "request", id)
	}
	if err := inScope(by, res.Request.Agency, "id"); err != nil {
		return nil, err
	}
	if err := d.logRead(ctx, by, &res.Request); err != nil {
		return nil, err
	}
	res.Request, _ = redacted(by, res.Request)
	return res, nil
}

// requestResult returns a stored request with its decisions and duties.
// It checks and logs nothing: Request and repeated, which show it to
// someone, check who may read it and log the read.
func (d *Desk) requestResult(ctx context.Context, id string) (*IntakeResult, error) {
	res := &IntakeResult{}
	if _, err := d.load(ctx, liaison.KindRequest, id, &res.Request); err != nil {
		return nil, err
	}
	var err error
	if res.Decisions, err = list[liaison.DecisionRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDecision, Parent: id}); err != nil {
		return nil, err
	}
	if res.Duties, err = list[liaison.DutyRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindDuty, Parent: id}); err != nil {
		return nil, err
	}
	for i := range res.Decisions {
		res.Decisions[i].Decision.Normalize() // stored before decisions were normalized
	}
	return res, nil
}

// decisionRequest builds the engine's request from a stored request.
func decisionRequest(agency *liaison.AgencyRecord, rr *liaison.RequestRecord, action liaison.Action, asOf time.Time) *liaison.Request {
	fr := rr.Request
	return &liaison.Request{AsOf: asOf, Jurisdiction: agency.Jurisdiction,
		Agency: &liaison.Agency{Type: agency.Type, Name: agency.Name, TimeZone: agencyZone(agency), NoLocalLaw: agency.NoLocalLaw}, Action: action,
		Request: &fr, Subject: rr.Subject, Agreements: rr.Agreements, Context: rr.Context}
}

// agencyZone is the time zone an agency keeps: its own, or for one
// recorded before agencies had one, its jurisdiction's ("" for UTC).
func agencyZone(a *liaison.AgencyRecord) string {
	if a.TimeZone != "" {
		return a.TimeZone
	}
	return law.TimeZone(a.Jurisdiction)
}

// decide decides one action of a request (with rr's facts, which may be
// its effective facts) and encodes the decision record, which set may
// complete first.
func (d *Desk) decide(agency *liaison.AgencyRecord, rr *liaison.RequestRecord, action liaison.Action, stage liaison.Stage, now time.Time, set func(*liaison.DecisionRecord)) (*liaison.DecisionRecord, *liaison.StoredRecord, error) {
	dec, err := d.law.Decide(decisionRequest(agency, rr, action, now), law.Options{Explain: true})
	if err != nil {
		return nil, nil, fmt.Errorf("decide %s for request %s: %w", action, rr.ID, err)
	}
	id, err := d.newID("dec")
	if err != nil {
		return nil, nil, err
	}
	dec.Normalize() // stored as it is answered
	dec.Compact()   // the trace is derived on read, from the pack set (see Trace)
	dr := &liaison.DecisionRecord{ID: id, Agency: rr.Agency, Request: rr.ID, Action: action, Stage: stage, AsOf: now, Decision: *dec,
		PackSet: d.law.Hash(), Engine: law.EngineVersion}
	set(dr)
	rec, err := d.record(liaison.KindDecision, id, rr.Agency, rr.Person, rr.ID, "", now, dr)
	if err != nil {
		return nil, nil, err
	}
	return dr, rec, nil
}
