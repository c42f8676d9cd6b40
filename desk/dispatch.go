package desk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"liaison"
)

// The dispatcher's defaults: 8 attempts, the first retry 30 seconds after
// the first failure and each wait twice the one before, so that the last
// attempt comes about 64 minutes after the first; a claim's lease of a
// minute.
const (
	DefaultMaxAttempts = 8
	DefaultBackoff     = 30 * time.Second
	DefaultLease       = time.Minute
	DefaultPoll        = time.Second
)

// deliveryFailed names the duty that a failed delivery opens, with the
// action: once per request, closed when staff record the action
// done_offline.
const deliveryFailed = "delivery_failed:"

// DispatcherConfig holds what a Dispatcher needs beyond its desk.
type DispatcherConfig struct {
	// Node names this dispatcher in its claims (a host name); default a
	// random one.
	Node string
	// MaxAttempts is how many attempts a message gets before its action
	// fails (default 8); Backoff the wait after the first failed attempt,
	// doubling after each (default 30s).
	MaxAttempts int
	Backoff     time.Duration
	// Lease is how long a claim on an attempt holds (default 1m): when no
	// result of the attempt is recorded by then, its node is taken to have
	// stopped and any node may claim the next attempt. An attempt is given
	// at most half of it.
	Lease time.Duration
	// Poll is how often Run looks for work when nothing wakes it (default
	// 1s); an action carried out on this node's desk wakes it at once.
	Poll time.Duration
	// Parallel is how many attempts a Tick makes at once (default 4): a
	// receiver that hangs holds up one of them, not every delivery.
	Parallel int
	// Now is the clock (default the desk's).
	Now func() time.Time
}

// Dispatcher delivers the actions the desk recorded pending (the outbox):
// it claims each attempt, so that exactly one node makes it, delivers the
// message through the agency's channel (or the server's), and records the
// attempt's result and, at the end, the action's outcome: delivered, or
// failed after MaxAttempts, which opens a duty for staff. Everything it
// goes by — which actions are pending, the attempts made, their claims'
// leases, when the next may be made — is in the records, so a dispatcher
// started anew (after a restart, or on another node) carries on where any
// left off. Every node may run one.
type Dispatcher struct {
	d   *Desk
	cfg DispatcherConfig

	mu sync.Mutex // one Tick at a time
	// nextAction and nextOutcome are where the next reads start (see
	// watch: a reader sees a prefix of the log).
	nextAction, nextOutcome int64
	// pending holds the pending actions not known to be settled, with
	// when each is next worth a look; the attempts of a Tick, made at
	// once, drop the settled ones under settledMu.
	pending   map[string]*outboxItem
	settledMu sync.Mutex
}

// drop forgets a settled action.
func (p *Dispatcher) drop(action string) {
	p.settledMu.Lock()
	delete(p.pending, action)
	p.settledMu.Unlock()
}

// outboxItem is a pending action and when the dispatcher looks at it next.
type outboxItem struct {
	action liaison.ActionRecord
	index  int64 // the action's leaf: attempts due together go in log order
	next   time.Time
}

// NewDispatcher returns a Dispatcher for the desk's outbox.
func NewDispatcher(d *Desk, cfg DispatcherConfig) (*Dispatcher, error) {
	if cfg.MaxAttempts == 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Lease == 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Poll == 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 4
	}
	if cfg.Now == nil {
		cfg.Now = d.now
	}
	if cfg.MaxAttempts < 1 || cfg.Backoff < 0 || cfg.Lease <= 0 || cfg.Poll <= 0 || cfg.Parallel < 1 {
		return nil, fmt.Errorf("dispatcher: MaxAttempts, Lease, Poll and Parallel must be positive, Backoff not negative")
	}
	if cfg.Node == "" {
		id, err := d.newID("node")
		if err != nil {
			return nil, err
		}
		cfg.Node = id
	}
	return &Dispatcher{d: d, cfg: cfg, pending: map[string]*outboxItem{}}, nil
}

// Run delivers until ctx is cancelled: a Tick every Poll, or at once when
// the desk records a pending action. It returns when ctx is done, after
// the attempt in flight, if any, is finished and recorded (within half the
// Lease).
func (p *Dispatcher) Run(ctx context.Context) {
	t := time.NewTicker(p.cfg.Poll)
	defer t.Stop()
	for {
		if _, err := p.Tick(ctx); err != nil && ctx.Err() == nil {
			p.d.log.ErrorContext(ctx, "dispatcher", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-p.d.outbox:
		}
	}
}

// Tick reads the actions and outcomes recorded since the last Tick, and
// makes every attempt due now: a pending action's first, or its next once
// the last failed and its wait is over, or once the last's claim lapsed
// with no result. It returns the attempts it made, in the order of when
// they were due (and of the actions in the log), and the errors of those it
// could not make or record; the next Tick carries on from the records.
func (p *Dispatcher) Tick(ctx context.Context) ([]liaison.DeliveryRecord, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.read(ctx); err != nil {
		return nil, err
	}
	now := p.cfg.Now()
	var due []*outboxItem
	for _, it := range p.pending {
		if !it.next.After(now) {
			due = append(due, it)
		}
	}
	slices.SortFunc(due, func(a, b *outboxItem) int {
		return cmp.Or(a.next.Compare(b.next), cmp.Compare(a.index, b.index))
	})
	// Up to Parallel attempts at once, each on its own action; the
	// results come back in the order of due.
	made := make([]*liaison.DeliveryRecord, len(due))
	errs := make([]error, len(due))
	sem := make(chan struct{}, p.cfg.Parallel)
	var wg sync.WaitGroup
	for i, it := range due {
		if ctx.Err() != nil {
			break // stopping: the rest wait for the next node or start
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			made[i], errs[i] = p.step(ctx, it)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("deliver action %s: %w", it.action.ID, errs[i])
			}
		})
	}
	wg.Wait()
	var out []liaison.DeliveryRecord
	for _, dl := range made {
		if dl != nil {
			out = append(out, *dl)
		}
	}
	return out, errors.Join(errs...)
}

// read takes the pending actions and the outcomes recorded since the last
// read.
func (p *Dispatcher) read(ctx context.Context) error {
	var err error
	p.nextAction, err = liaison.Each(ctx, p.d.store, liaison.Filter{Kind: liaison.KindAction}, p.nextAction, func(a liaison.ActionRecord, index int64) {
		if a.Status == liaison.ActionPending && a.Message != nil {
			p.pending[a.ID] = &outboxItem{action: a, index: index}
		}
	})
	if err != nil {
		return err
	}
	// An outcome read here before its action (both new) leaves the action
	// to be read next time as pending: step finds its outcome then.
	p.nextOutcome, err = liaison.Each(ctx, p.d.store, liaison.Filter{Kind: liaison.KindActionOutcome}, p.nextOutcome, func(o liaison.ActionOutcomeRecord, _ int64) {
		delete(p.pending, o.Action)
	})
	return err
}

// attempts is what the records say of a pending action's delivery.
type attempts struct {
	last    *liaison.DeliveryClaimRecord // the latest claim; nil if none
	results map[int]liaison.DeliveryRecord
	ok      *liaison.DeliveryRecord // a delivery that succeeded
}

func (p *Dispatcher) attemptsOf(ctx context.Context, action string) (*attempts, error) {
	out := &attempts{results: map[int]liaison.DeliveryRecord{}}
	_, err := liaison.Each(ctx, p.d.store, liaison.Filter{Kind: liaison.KindDeliveryClaim, Parent: action}, 0, func(c liaison.DeliveryClaimRecord, _ int64) {
		if out.last == nil || c.Attempt > out.last.Attempt {
			out.last = &c
		}
	})
	if err != nil {
		return nil, err
	}
	_, err = liaison.Each(ctx, p.d.store, liaison.Filter{Kind: liaison.KindDelivery, Parent: action}, 0, func(dl liaison.DeliveryRecord, _ int64) {
		out.results[dl.Attempt] = dl
		if dl.OK && out.ok == nil {
			out.ok = &dl
		}
	})
	return out, err
}

// step looks at one pending action due for a look, and makes its next
// attempt if one is due: it returns the attempt's record, or nil.
func (p *Dispatcher) step(ctx context.Context, it *outboxItem) (*liaison.DeliveryRecord, error) {
	ar := &it.action
	if _, err := p.d.store.ByKey(ctx, liaison.KindActionOutcome, ar.ID); err == nil {
		p.drop(ar.ID) // settled, by this node or another
		return nil, nil
	} else if liaison.KindOf(err) != liaison.NotFound {
		return nil, err
	}
	at, err := p.attemptsOf(ctx, ar.ID)
	if err != nil {
		return nil, err
	}
	now := p.cfg.Now()
	n := 0 // the attempts claimed so far
	if at.last != nil {
		n = at.last.Attempt
	}
	switch r, done := at.results[n]; {
	case at.ok != nil:
		// Delivered, but the outcome was not written with the result.
		return nil, p.settle(ctx, it, liaison.ActionDelivered, at.ok.Attempt, "", nil)
	case n > 0 && !done && now.Before(at.last.LeaseUntil):
		it.next = at.last.LeaseUntil // in flight on another node
		return nil, nil
	case n >= p.cfg.MaxAttempts:
		// The last attempt failed or its node stopped mid-send; its
		// outcome was not written.
		reason := fmt.Sprintf("attempt %d's node stopped before recording its result", n)
		if done {
			reason = r.Error
		}
		return nil, p.settle(ctx, it, liaison.ActionFailed, n, reason, nil)
	case done && r.RetryAt != nil && now.Before(*r.RetryAt):
		it.next = *r.RetryAt
		return nil, nil
	}
	return p.attempt(ctx, it, n+1)
}

// attempt claims attempt n of the action, and makes it if the claim wins.
func (p *Dispatcher) attempt(ctx context.Context, it *outboxItem, n int) (*liaison.DeliveryRecord, error) {
	ar := &it.action
	now := p.cfg.Now().UTC()
	id, err := p.d.newID("clm")
	if err != nil {
		return nil, err
	}
	c := liaison.DeliveryClaimRecord{ID: id, Agency: ar.Agency, Action: ar.ID, Attempt: n, Slot: ar.ID + "/" + strconv.Itoa(n),
		Node: p.cfg.Node, At: now, LeaseUntil: now.Add(p.cfg.Lease)}
	rec, err := p.d.record(liaison.KindDeliveryClaim, id, ar.Agency, "", ar.ID, c.Slot, now, c)
	if err != nil {
		return nil, err
	}
	if err := p.d.store.Append(ctx, rec); err != nil {
		var e *liaison.Error
		if errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key" {
			it.next = c.LeaseUntil // another node won the attempt: look again when its lease ends
			return nil, nil
		}
		return nil, err
	}
	ch, name, err := p.d.channelFor(ctx, ar.Agency)
	if err == nil && ch == nil {
		err = errors.New("no outbound channel is configured")
	}
	// An attempt begun is finished and recorded even when ctx ends (a
	// shutdown): cut short, it could reach the receiver and be recorded
	// failed, and be sent again.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.Lease/2)
	defer cancel()
	if err == nil {
		err = ch.Deliver(ctx, *ar.Message)
	}
	done := p.cfg.Now().UTC()
	did, err2 := p.d.newID("dlv")
	if err2 != nil {
		return nil, err2
	}
	dl := liaison.DeliveryRecord{ID: did, Agency: ar.Agency, Action: ar.ID, Channel: name, Attempt: n, OK: err == nil, At: done, Claim: id}
	if name == "" {
		dl.Channel = ar.Channel
	}
	if err != nil {
		dl.Error = err.Error()
		if n < p.cfg.MaxAttempts {
			retry := done.Add(p.cfg.Backoff << (n - 1))
			dl.RetryAt = &retry
		}
	}
	drec, err2 := p.d.record(liaison.KindDelivery, did, ar.Agency, "", ar.ID, "", done, dl)
	if err2 != nil {
		return nil, err2
	}
	switch {
	case dl.OK:
		err2 = p.settle(ctx, it, liaison.ActionDelivered, n, "", drec)
	case dl.RetryAt == nil:
		err2 = p.settle(ctx, it, liaison.ActionFailed, n, dl.Error, drec)
	default:
		it.next = *dl.RetryAt
		err2 = p.d.store.Append(ctx, drec)
	}
	if err2 != nil {
		return nil, err2
	}
	p.d.log.InfoContext(ctx, "delivery", "action", ar.ID, "attempt", n, "ok", dl.OK, "err", dl.Error, "node", p.cfg.Node)
	return &dl, nil
}

// settle records the action's outcome, with the attempt's result drec if
// not nil, in one append; a failure opens a duty for staff to carry the
// action out otherwise, unless one is open. An outcome recorded already
// (by another node) leaves drec recorded alone.
func (p *Dispatcher) settle(ctx context.Context, it *outboxItem, status liaison.ActionStatus, attempts int, reason string, drec *liaison.StoredRecord) error {
	ar := &it.action
	now := p.cfg.Now().UTC()
	id, err := p.d.newID("aoc")
	if err != nil {
		return err
	}
	o := liaison.ActionOutcomeRecord{ID: id, Agency: ar.Agency, Request: ar.Request, Action: ar.ID, Status: status, Attempts: attempts, Reason: reason, At: now}
	orec, err := p.d.record(liaison.KindActionOutcome, id, ar.Agency, "", ar.Request, ar.ID, now, o)
	if err != nil {
		return err
	}
	recs := []*liaison.StoredRecord{orec}
	if drec != nil {
		recs = append(recs, drec)
	}
	if status == liaison.ActionFailed {
		drecs, err := p.failedDuty(ctx, ar, attempts, now)
		if err != nil {
			return err
		}
		recs = append(recs, drecs...)
	}
	err = p.d.store.Append(ctx, recs...)
	var e *liaison.Error
	if errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key" && drec != nil {
		err = p.d.store.Append(ctx, drec) // settled by another node meanwhile
	}
	if err != nil && !(errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key") {
		return err
	}
	p.drop(ar.ID)
	if status == liaison.ActionFailed {
		p.d.log.WarnContext(ctx, "delivery failed", "action", ar.ID, "request", ar.Request, "attempts", attempts, "err", reason)
	}
	p.d.syncCase(ctx, ar.Request, true) // delivered or failed, the action is settled
	return nil
}

// failedDuty returns the records of a duty for staff to carry out the
// action otherwise, its delivery having failed: none when the request has
// such a duty open already.
func (p *Dispatcher) failedDuty(ctx context.Context, ar *liaison.ActionRecord, attempts int, now time.Time) ([]*liaison.StoredRecord, error) {
	var rr liaison.RequestRecord
	if _, err := p.d.load(ctx, liaison.KindRequest, ar.Request, &rr); err != nil {
		return nil, fmt.Errorf("action %s: %w", ar.ID, err)
	}
	cur, err := p.d.caseDuties(ctx, rr.ID, "")
	if err != nil {
		return nil, err
	}
	obligation := deliveryFailed + string(ar.Action)
	if slices.ContainsFunc(cur, func(c CaseDuty) bool { return c.Obligation == obligation && !closed(c.Status) }) {
		return nil, nil
	}
	due := now.Add(time.Hour)
	text := fmt.Sprintf("Delivery of %s (action %s) failed after %d attempts: carry it out by phone or in person and record it (the action again, with offline_note).",
		words(ar.Action), ar.ID, attempts)
	var citation string
	if ar.Message != nil {
		citation = strings.Join(ar.Message.Citations, "; ")
	}
	_, recs, err := p.d.newDuties(&rr, []liaison.DutyRecord{{Agency: rr.Agency, Request: rr.ID, Decision: ar.Decision, Text: text, Citation: citation,
		Due: &due, Status: liaison.DutyOpen, At: now, Obligation: obligation, Actions: []liaison.Action{ar.Action}}}, now)
	return recs, err
}
