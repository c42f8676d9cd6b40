package history

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
)

// Config is what Generate needs: the store and the desk's parts.
type Config struct {
	Store  liaison.Store
	Law    *law.Set
	Sealer *desk.Sealer
	Options
	// Workers run cases at once (default 128): each has a desk of its own,
	// with its own clock, and the store commits their appends together.
	Workers int
}

// Result says what Generate made.
type Result struct {
	Agencies []liaison.AgencyRecord
	Plan     *Planned
	// Actions counts the actions staff took, by status.
	Actions map[liaison.ActionStatus]int
	// Duties counts the duties recorded done.
	DutiesDone int
}

// clock is one worker's time, which it sets before each desk call.
type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.t.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.t.Add(int64(d)) }

// Generate plans a history and makes it through the desk, back-dated: the
// agencies, then every case in order of booking, each with the clock at
// the time of each step. The store must hold no demo agencies yet.
func Generate(ctx context.Context, cfg Config) (*Result, error) {
	shape, err := LoadShape()
	if err != nil {
		return nil, err
	}
	cfg.defaults()
	if cfg.Workers == 0 {
		cfg.Workers = 128
	}
	plan := Plan(shape, cfg.Options)
	res := &Result{Plan: plan, Actions: map[liaison.ActionStatus]int{}}
	newDesk := func(c *clock) (*desk.Desk, error) {
		return desk.New(desk.Config{Store: cfg.Store, Law: cfg.Law, Sealer: cfg.Sealer, Now: c.now})
	}
	var c0 clock
	c0.set(Start.Add(-24 * time.Hour))
	d0, err := newDesk(&c0)
	if err != nil {
		return nil, err
	}
	if err := d0.StorePackSet(ctx); err != nil {
		return nil, err
	}
	admin := liaison.Actor{ID: "demo-admin", Name: "Demo administrator", Role: liaison.RoleAdmin}
	for _, p := range Places {
		a, err := d0.CreateAgency(ctx, admin, desk.AgencyInput{Name: p.Name, Jurisdiction: p.Jurisdiction, Type: p.Type, NoLocalLaw: p.NoLocalLaw})
		if err != nil {
			return nil, fmt.Errorf("agency %s: %w", p.Name, err)
		}
		res.Agencies = append(res.Agencies, *a)
	}
	all := append(append([]Case{}, plan.Plain...), plan.Cases...)
	var next atomic.Int64
	shared := &global{}
	var mu sync.Mutex
	errs := make([]error, cfg.Workers)
	var wg sync.WaitGroup
	for w := range cfg.Workers {
		wg.Go(func() {
			var c clock
			store := newRecent(cfg.Store, shared)
			d, err := desk.New(desk.Config{Store: store, Law: cfg.Law, Sealer: cfg.Sealer, Now: c.now})
			if err != nil {
				errs[w] = err
				return
			}
			run := &runner{d: d, c: &c, agencies: res.Agencies, actions: map[liaison.ActionStatus]int{}}
			for {
				i := int(next.Add(1)) - 1
				if i >= len(all) || ctx.Err() != nil {
					break
				}
				store.forget()
				if err := run.one(ctx, &all[i]); err != nil {
					errs[w] = fmt.Errorf("case %s: %w", all[i].Booking, err)
					return
				}
			}
			mu.Lock()
			for k, v := range run.actions {
				res.Actions[k] += v
			}
			res.DutiesDone += run.done
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := errors.Join(append(errs, ctx.Err())...); err != nil {
		return nil, err
	}
	return res, nil
}

// runner makes cases through one desk.
type runner struct {
	d        *desk.Desk
	c        *clock
	agencies []liaison.AgencyRecord
	actions  map[liaison.ActionStatus]int
	done     int
}

// one makes a case: booking, requests, decisions, what staff do, and the
// end of custody, each at its time.
func (r *runner) one(ctx context.Context, c *Case) error {
	ag := r.agencies[c.Place]
	clerk := liaison.Actor{ID: "demo-clerk-" + Places[c.Place].Prefix, Name: "Demo clerk", Role: liaison.RoleClerk, Agency: ag.ID}
	r.c.set(c.Booked)
	p, err := r.d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: ag.ID, BookingNumbers: []string{c.Booking}, Name: c.Name, BirthDate: c.BirthDate})
	if err != nil {
		return err
	}
	if _, err := r.d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "booked", At: c.Booked}); err != nil {
		return err
	}
	if len(c.Requests) == 0 {
		r.c.set(c.Release)
		_, err := r.d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "released", At: c.Release, Note: string(c.ReleaseReason)})
		return err
	}
	subject := &liaison.Subject{Role: "inmate", Custody: &liaison.Custody{Status: "in_custody"},
		PendingCharges: []liaison.Offense{c.Charge}, Convictions: c.Prior}
	if subject.Convictions == nil {
		subject.Convictions = []liaison.Offense{}
	}
	type open struct {
		id      string
		actions []liaison.Action
		outcome map[liaison.Action]liaison.Outcome
		duties  map[string]liaison.DutyRecord
	}
	var reqs []*open
	for i, rq := range c.Requests {
		r.c.set(rq.Received)
		s := *subject
		if rq.Request.Kind == "interview_request" && c.Consents {
			s.Consent = &liaison.Consent{Interview: "written", FormProvided: true}
		}
		in, err := r.d.Intake(ctx, clerk, desk.IntakeInput{Agency: ag.ID, Person: p.ID, IdempotencyKey: fmt.Sprintf("%s-%d", c.Booking, i),
			Request: rq.Request, Actions: rq.Actions, Subject: &s})
		if err != nil {
			return err
		}
		o := &open{id: in.Request.ID, actions: rq.Actions, outcome: map[liaison.Action]liaison.Outcome{}, duties: map[string]liaison.DutyRecord{}}
		for _, dr := range in.Decisions {
			o.outcome[dr.Action] = dr.Decision.Outcome
		}
		for _, du := range in.Duties {
			o.duties[du.ID] = du
		}
		reqs = append(reqs, o)
		// Notices due on receipt are given within hours, records kept.
		r.c.add(time.Duration(30+len(in.Duties)*7) * time.Minute)
		if !c.Open {
			if err := r.complete(ctx, clerk, o.duties, func(du liaison.DutyRecord) bool {
				return du.Status == liaison.DutyOpen && du.Trigger != liaison.NoTrigger
			}); err != nil {
				return err
			}
		}
	}
	if c.Open {
		// Today's case: the release is scheduled; the rest waits for the clerk.
		r.c.set(c.Requests[len(c.Requests)-1].Received.Add(20 * time.Minute))
		if _, err := r.d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "release_scheduled", At: r.c.now(), ScheduledRelease: c.Release}); err != nil {
			return err
		}
		return r.foundLater(ctx, clerk, c, reqs[0].id, reqs[0].outcome, reqs[0].duties)
	}
	if err := r.foundLater(ctx, clerk, c, reqs[0].id, reqs[0].outcome, reqs[0].duties); err != nil {
		return err
	}
	// The interview, if the law lets it go ahead and the person agreed.
	for _, o := range reqs[1:] {
		r.c.add(time.Hour)
		if allowed(o.outcome["allow_interview"]) && c.Consents || c.TryRefused {
			res, err := r.actResult(ctx, clerk, o.id, "allow_interview", "interview held in the jail's interview room")
			if err != nil {
				return err
			}
			for _, du := range res.Duties {
				o.duties[du.ID] = du
			}
		}
	}
	det := reqs[0]
	// The day before the release: scheduled, and ICE told where the law allows.
	sched := c.Release.Add(-time.Duration(2+c.Release.Minute()%20) * time.Hour)
	if sched.Before(r.c.now()) {
		sched = r.c.now().Add(time.Minute)
	}
	r.c.set(sched)
	if _, err := r.d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: p.ID, Kind: "release_scheduled", At: sched, ScheduledRelease: c.Release}); err != nil {
		return err
	}
	told := false
	if allowed(det.outcome["notify_release"]) && c.Outcome != "withdrawn" || c.TryRefused {
		r.c.add(10 * time.Minute)
		res, err := r.actResult(ctx, clerk, det.id, "notify_release", "release date telephoned to the ICE field office")
		if err != nil {
			return err
		}
		told = res != nil && res.Action.Status == liaison.ActionDoneOffline
		for _, du := range res.Duties {
			det.duties[du.ID] = du
		}
		r.c.add(40 * time.Minute)
		if err := r.complete(ctx, clerk, det.duties, func(du liaison.DutyRecord) bool { return du.Trigger == liaison.OnAction }); err != nil {
			return err
		}
	}
	// The release: a hold where the law allows it and ICE comes, a
	// transfer at the door, or the person goes home.
	r.c.set(c.Release)
	held := false
	if _, asks := det.outcome["honor_detainer"]; asks && c.Outcome == "to_ice" && (allowed(det.outcome["honor_detainer"]) || c.TryRefused) {
		res, err := r.actResult(ctx, clerk, det.id, "honor_detainer", "held past release for ICE")
		if err != nil {
			return err
		}
		held = res != nil && res.Action.Status == liaison.ActionDoneOffline
		for _, du := range res.Duties {
			det.duties[du.ID] = du
		}
		if held {
			r.c.add(15 * time.Minute)
			if err := r.complete(ctx, clerk, det.duties, func(du liaison.DutyRecord) bool { return du.Trigger == liaison.HoldBegins }); err != nil {
				return err
			}
		}
	}
	end := desk.CustodyInput{Person: p.ID, Kind: "released", At: c.Release, Note: string(c.ReleaseReason)}
	switch {
	case held:
		end = desk.CustodyInput{Person: p.ID, Kind: "transferred", At: c.Release.Add(time.Duration(c.HoldHours * float64(time.Hour))), Note: "to ICE, on the detainer"}
	case c.Outcome == "to_ice" && told:
		end = desk.CustodyInput{Person: p.ID, Kind: "transferred", At: c.Release, Note: "to ICE officers at release"}
	case c.Outcome == "other_custody":
		end = desk.CustodyInput{Person: p.ID, Kind: "transferred", At: c.Release, Note: "to the state prison system"}
	}
	r.c.set(end.At)
	if _, err := r.d.RecordCustody(ctx, clerk, end); err != nil {
		return err
	}
	// What is left to do is done by the next day; record-keeping duties
	// (trigger none) stay open, with no due time, as the desk keeps them.
	r.c.add(4 * time.Hour)
	for _, o := range reqs {
		if err := r.complete(ctx, clerk, o.duties, func(du liaison.DutyRecord) bool {
			return du.Status == liaison.DutyOpen && du.Trigger != liaison.NoTrigger
		}); err != nil {
			return err
		}
	}
	return nil
}

// foundLater refuses every action of the request req, when the law
// forbids them all (outcome), which closes its case, and then adds the
// conviction c.FoundLater, found by a records check: the actions are
// decided again, outcome with them (and duties with the duties they
// bring), and one the conviction lets go ahead opens the case again (a
// case_reopened record). Nothing for a case with no such conviction, or
// one with an action not forbidden.
func (r *runner) foundLater(ctx context.Context, clerk liaison.Actor, c *Case, req string, outcome map[liaison.Action]liaison.Outcome, duties map[string]liaison.DutyRecord) error {
	if c.FoundLater == nil {
		return nil
	}
	for _, o := range outcome {
		if o != liaison.Forbidden {
			return nil
		}
	}
	for _, a := range sortedKeys(outcome) {
		r.c.add(10 * time.Minute)
		if _, err := r.actResult(ctx, clerk, req, a, ""); err != nil {
			return err
		}
	}
	r.c.add(20 * time.Minute)
	res, err := r.d.Facts(ctx, clerk, req, desk.FactsInput{IdempotencyKey: "records-check",
		Reason:  "a records check found a conviction the booking did not show",
		Subject: &liaison.Subject{Convictions: append(slices.Clone(c.Prior), *c.FoundLater)}})
	if err != nil {
		return fmt.Errorf("facts: %w", err)
	}
	for _, dr := range res.Decisions {
		outcome[dr.Action] = dr.Decision.Outcome
	}
	for _, du := range res.Duties {
		duties[du.ID] = du
	}
	return nil
}

func allowed(o liaison.Outcome) bool { return o == liaison.Permitted || o == liaison.Required }

// actResult carries out an action, or records its refusal; a duty that
// must be done first (a consent form) is an answer, not a failure.
func (r *runner) actResult(ctx context.Context, by liaison.Actor, req string, a liaison.Action, note string) (*desk.ActResult, error) {
	res, err := r.d.Act(ctx, by, desk.ActInput{Request: req, Action: a, OfflineNote: note})
	if liaison.KindOf(err) == liaison.Conflicting {
		return &desk.ActResult{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("act %s: %w", a, err)
	}
	r.actions[res.Action.Status]++
	return res, nil
}

// complete records done the duties of a request that which selects, in id order.
func (r *runner) complete(ctx context.Context, by liaison.Actor, duties map[string]liaison.DutyRecord, which func(liaison.DutyRecord) bool) error {
	for _, id := range sortedKeys(duties) {
		du := duties[id]
		if du.Status == liaison.DutyDone || du.Status == liaison.DutySuperseded || !which(du) {
			continue
		}
		in := desk.DoneInput{Note: "done"}
		if du.Notice != "" {
			in = desk.DoneInput{Note: "notice given in person, signed copy filed", GivenBy: by.Name}
		}
		if _, err := r.d.CompleteDuty(ctx, by, id, in); err != nil && liaison.KindOf(err) != liaison.Conflicting {
			return fmt.Errorf("duty %s: %w", id, err)
		}
		du.Status = liaison.DutyDone
		duties[id] = du
		r.done++
		r.c.add(2 * time.Minute)
	}
	return nil
}
