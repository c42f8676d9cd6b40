package desk

import (
	"context"
	"time"

	"liaison"
)

// Duty is a duty with its current status.
type Duty struct {
	liaison.DutyRecord
	// Status and Changed are the duty's latest status and when it changed.
	Changed time.Time `json:"changed"`
}

// Duties returns a page of an agency's duties (every agency's when agency
// is empty; the reader's own, for a reader limited to an agency) with
// their current status, oldest first, and the cursor of the next page;
// with status set, only those in it.
func (d *Desk) Duties(ctx context.Context, by liaison.Actor, agency string, status liaison.DutyStatus, p Page) ([]Duty, string, error) {
	if err := need(by, staff...); err != nil {
		return nil, "", err
	}
	if agency == "" {
		agency = by.Agency
	}
	if err := inScope(by, agency, "agency"); err != nil {
		return nil, "", err
	}
	from, _, err := p.bounds()
	if err != nil {
		return nil, "", err
	}
	// A change is logged after its duty, so the page's duties, all at or
	// after from, have none before it: a later page reads fewer changes.
	latest := map[string]liaison.DutyChangeRecord{}
	f := liaison.Filter{Kind: liaison.KindDutyChange, Agency: agency}
	if _, err := liaison.Each(ctx, d.store, f, from, func(c liaison.DutyChangeRecord, _ int64) {
		// In log order, the last one wins, but done is final: the scheduler
		// may mark a duty overdue just as a clerk completes it, and its
		// change land after.
		if prev, ok := latest[c.Duty]; !ok || prev.Status != liaison.DutyDone {
			latest[c.Duty] = c
		}
	}); err != nil {
		return nil, "", err
	}
	current := func(du *Duty) bool {
		du.Changed = du.At
		if c, ok := latest[du.ID]; ok {
			du.Status, du.Changed = c.Status, c.At
		}
		return status == "" || du.Status == status
	}
	return page(ctx, d.store, liaison.Filter{Kind: liaison.KindDuty, Agency: agency}, p, current)
}

// CompleteDuty records that the duty id was done, with a note.
func (d *Desk) CompleteDuty(ctx context.Context, by liaison.Actor, id, note string) (*liaison.DutyChangeRecord, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor); err != nil {
		return nil, err
	}
	var du liaison.DutyRecord
	if _, err := d.load(ctx, liaison.KindDuty, id, &du); err != nil {
		return nil, missing(err, "duty", id)
	}
	if err := inScope(by, du.Agency, "id"); err != nil {
		return nil, err
	}
	return d.changeDuty(ctx, du, liaison.DutyDone, note, by)
}

func (d *Desk) changeDuty(ctx context.Context, du liaison.DutyRecord, status liaison.DutyStatus, note string, by liaison.Actor) (*liaison.DutyChangeRecord, error) {
	id, err := d.newID("dch")
	if err != nil {
		return nil, err
	}
	now := d.now().UTC()
	c := &liaison.DutyChangeRecord{ID: id, Agency: du.Agency, Duty: du.ID, Status: status, Note: note, Actor: by, At: now}
	rec, err := d.record(liaison.KindDutyChange, id, du.Agency, "", du.ID, "", now, c)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, err
	}
	return c, nil
}

// scheduler is the actor the desk's own changes are recorded under.
var scheduler = liaison.Actor{ID: "scheduler", Role: liaison.RoleSupervisor}

// Tick marks open duties past their deadline overdue, and escalates those
// overdue for longer than EscalateAfter. Its state is the store's, so it
// carries on across restarts and sees duties other desks on the same store
// write; it reads only the duties and changes written since the last Tick
// (all of them in a new Desk's first). It returns the changes it made.
func (d *Desk) Tick(ctx context.Context) ([]liaison.DutyChangeRecord, error) {
	w := &d.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.read(ctx, d.store, d.escalateAfter); err != nil {
		return nil, err
	}
	now := d.now()
	// The duties go back in the queue as they are: Tick's changes reach
	// the watch as anyone's do, by the next read, in log order.
	due := w.due(now)
	defer w.requeue(due)
	var out []liaison.DutyChangeRecord
	for _, du := range due {
		var next liaison.DutyStatus
		switch {
		case du.Status == liaison.DutyOpen && now.After(*du.Due):
			next = liaison.DutyOverdue
		case du.Status == liaison.DutyOverdue && now.Sub(du.Changed) >= d.escalateAfter:
			next = liaison.DutyEscalated
		default:
			continue
		}
		c, err := d.changeDuty(ctx, du.DutyRecord, next, "deadline "+du.Due.UTC().Format(time.RFC3339)+" passed", scheduler)
		if err != nil {
			return out, err
		}
		d.log.WarnContext(ctx, "duty "+string(next), "duty", du.ID, "request", du.Request, "due", du.Due)
		out = append(out, *c)
	}
	return out, nil
}

// Run calls Tick every interval until ctx ends.
func (d *Desk) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := d.Tick(ctx); err != nil && ctx.Err() == nil {
			d.log.ErrorContext(ctx, "duty scheduler", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
