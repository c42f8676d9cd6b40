package desk

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
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
	changes := map[string][]liaison.DutyChangeRecord{}
	f := liaison.Filter{Kind: liaison.KindDutyChange, Agency: agency}
	if _, err := liaison.Each(ctx, d.store, f, from, func(c liaison.DutyChangeRecord, _ int64) {
		changes[c.Duty] = append(changes[c.Duty], c)
	}); err != nil {
		return nil, "", err
	}
	current := func(du *Duty) bool {
		du.Changed = du.At
		for _, c := range changes[du.ID] {
			applyChange(du, &c)
		}
		return status == "" || du.Status == status
	}
	return page(ctx, d.store, liaison.Filter{Kind: liaison.KindDuty, Agency: agency}, p, current)
}

// DoneInput records that a duty was done: a note, and for a notice, who
// gave it and when. For a duty that asks for a notice (or with GivenBy
// given), an absent GivenBy is the caller's name and an absent GivenAt the
// desk's clock at the call; a GivenAt after it is an error of kind Invalid.
type DoneInput struct {
	Note    string    `json:"note"`
	GivenBy string    `json:"given_by"`
	GivenAt time.Time `json:"given_at"`
}

// CompleteDuty records that the duty id was done. A duty done already, or
// superseded, is an error of kind Conflicting.
func (d *Desk) CompleteDuty(ctx context.Context, by liaison.Actor, id string, in DoneInput) (*liaison.DutyChangeRecord, error) {
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
	now := d.now().UTC()
	if in.GivenAt.After(now) {
		return nil, liaison.Errorf(liaison.Invalid, "given_at", "%s is in the future", in.GivenAt.Format(time.RFC3339))
	}
	if du.Notice != "" || in.GivenBy != "" {
		if in.GivenBy == "" {
			in.GivenBy = by.Name
		}
		if in.GivenAt.IsZero() {
			in.GivenAt = now // a notice recorded as given is given when staff say so
		}
	}
	cur := Duty{DutyRecord: du, Changed: du.At}
	if _, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindDutyChange, Parent: du.ID}, 0,
		func(c liaison.DutyChangeRecord, _ int64) { applyChange(&cur, &c) }); err != nil {
		return nil, err
	}
	if closed(cur.Status) {
		return nil, liaison.Errorf(liaison.Conflicting, "id", "duty %s is %s already (%s)", du.ID, cur.Status, cur.Changed.Format(time.RFC3339))
	}
	// The read above answers a second click; the key answers two clerks,
	// or two servers, completing the duty at once.
	c, err := d.changeDuty(ctx, du, liaison.DutyChangeRecord{Status: liaison.DutyDone, Note: in.Note, Actor: by,
		GivenBy: in.GivenBy, GivenAt: in.GivenAt.UTC()})
	if liaison.KindOf(err) == liaison.Conflicting {
		return nil, liaison.Errorf(liaison.Conflicting, "id", "duty %s is done already", du.ID)
	}
	return c, err
}

// changeKey is the store Key of a change of the duty id to status, for the
// changes a duty goes through at most once: overdue, escalated, and its
// close. A second writer of the same change (another server's scheduler, a
// clerk's second request racing the first) gets a Conflicting error from
// Append instead of writing it twice. A duty closes once, whoever closes
// it and how (done by staff, done by the action or release that meets it,
// superseded by new facts), so every close has the one key <id>/closed.
func changeKey(id string, status liaison.DutyStatus) string {
	if closed(status) {
		return id + "/closed"
	}
	return id + "/" + string(status)
}

// changeDuty stores a change of du made now, keyed (see changeKey).
func (d *Desk) changeDuty(ctx context.Context, du liaison.DutyRecord, c liaison.DutyChangeRecord) (*liaison.DutyChangeRecord, error) {
	c.Key = changeKey(du.ID, c.Status)
	out, rec, err := d.dutyChange(&du, c, d.now().UTC())
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, err
	}
	return out, nil
}

// scheduler is the actor the desk's own changes are recorded under.
var scheduler = liaison.Actor{ID: "scheduler", Role: liaison.RoleSupervisor}

// Tick marks open duties past their deadline overdue, and escalates those
// overdue for longer than EscalateAfter. Its state is the store's, so it
// carries on across restarts and sees duties other desks on the same store
// write; it reads only the duties and changes written since the last Tick
// (all of them in a new Desk's first). It returns the changes it made.
//
// Each change is keyed (see changeKey): when several servers share a
// store, a change another one made first is skipped, not made twice. Only
// one server should tick at a time (see liaison.Leader); the key makes a
// handover, or two that both believe they lead, harmless.
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
	var changes []tickChange
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
		c, rec, err := d.dutyChange(&du.DutyRecord, liaison.DutyChangeRecord{Status: next, Key: changeKey(du.ID, next),
			Note: "deadline " + du.Due.UTC().Format(time.RFC3339) + " passed", Actor: scheduler}, now.UTC())
		if err != nil {
			return nil, err
		}
		changes = append(changes, tickChange{c, rec, du.Request, du.Due})
	}
	var out []liaison.DutyChangeRecord
	for group := range slices.Chunk(changes, tickGroup) {
		made, err := d.appendTickChanges(ctx, group)
		for _, tc := range made {
			d.log.WarnContext(ctx, "duty "+string(tc.change.Status), "duty", tc.change.Duty, "request", tc.request, "due", tc.due)
			out = append(out, *tc.change)
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// tickGroup is how many of Tick's changes are appended at once: one
// commit (one fsync) for a group, where a change each took one of its own
// (13,000 duties overdue at once took over 10 s of a CPU).
const tickGroup = 128

// A tickChange is a change Tick makes, with its record, and the duty's
// request and due time (for the log line).
type tickChange struct {
	change  *liaison.DutyChangeRecord
	rec     *liaison.StoredRecord
	request string
	due     *time.Time
}

// appendTickChanges appends a group of Tick's changes at once, and returns
// those made. Each change is keyed: when another desk on the store has
// made one of them first, the group's append is refused as a whole, and
// its changes are appended one by one, each one another desk made
// skipped (the next read brings it).
func (d *Desk) appendTickChanges(ctx context.Context, group []tickChange) ([]tickChange, error) {
	recs := make([]*liaison.StoredRecord, len(group))
	for i, tc := range group {
		recs[i] = tc.rec
	}
	switch err := d.store.Append(ctx, recs...); {
	case err == nil:
		return group, nil
	case liaison.KindOf(err) != liaison.Conflicting:
		return nil, err
	case len(group) == 1:
		return nil, nil
	}
	var made []tickChange
	for _, tc := range group {
		err := d.store.Append(ctx, tc.rec)
		if liaison.KindOf(err) == liaison.Conflicting {
			continue
		}
		if err != nil {
			return made, err
		}
		made = append(made, tc)
	}
	return made, nil
}

// The obligations the desk makes itself, beside the duties of rules.
const (
	carryOut = "carry_out:" // and the action: the law requires it
	endHold  = "end_hold"   // a hold's time limit
)

// obligation names a rule's duty once per request: the same rule's duty
// brought by several actions (or by decisions made again) is one duty.
// Its text is part of the name, so a rule with two duties has two, and a
// new version's reworded duty is a new one.
func obligation(du liaison.Duty) string {
	h := sha256.Sum256([]byte(du.Text))
	return fmt.Sprintf("%s/%s#%x", du.Rule.Pack, du.Rule.Rule, h[:6])
}

// planDuties returns the duties decisions bring, one per obligation, with
// the actions that brought each, not yet stored: without id, with the
// status and due time their trigger gives at now. started says whether a
// trigger has happened already (nil: none has, as at intake).
func planDuties(agency *liaison.AgencyRecord, decisions []liaison.DecisionRecord, started func(liaison.DutyTrigger, []liaison.Action) bool, now time.Time) []liaison.DutyRecord {
	var out []liaison.DutyRecord
	add := func(dr *liaison.DecisionRecord, du liaison.DutyRecord) {
		if i := slices.IndexFunc(out, func(o liaison.DutyRecord) bool { return o.Obligation == du.Obligation }); i >= 0 {
			if !slices.Contains(out[i].Actions, dr.Action) {
				out[i].Actions = append(out[i].Actions, dr.Action)
			}
			return
		}
		du.Agency, du.Request, du.Decision, du.Actions, du.At = dr.Agency, dr.Request, dr.ID, []liaison.Action{dr.Action}, now
		du.Status = liaison.DutyOpen
		switch du.Trigger {
		case liaison.OnAction, liaison.HoldBegins:
			if started == nil || !started(du.Trigger, du.Actions) {
				du.Status, du.Due = liaison.DutyWaiting, nil
			} else if du.Within != "" {
				du.Due = dueAfter(agency, du.Within, now)
			}
		case liaison.BeforeAction:
			if du.DueText == "" {
				du.DueText = "before " + words(du.Before) + " is carried out"
			}
		case liaison.NoTrigger:
			if du.DueText == "" {
				du.DueText = "no due time: a record-keeping duty"
			}
		default:
			if du.Due == nil && du.Within != "" {
				du.Due = dueAfter(agency, du.Within, now)
			}
		}
		out = append(out, du)
	}
	for i := range decisions {
		dr := &decisions[i]
		for _, du := range dr.Decision.Duties {
			add(dr, liaison.DutyRecord{Text: du.Text, Citation: du.Citation, Due: du.Due, DueText: du.DueText,
				Obligation: obligation(du), Trigger: du.Trigger, Before: du.Before, Within: du.Within, Notice: du.Notice})
		}
		if dr.Decision.Outcome == liaison.Required {
			var cites []string
			for _, r := range dr.Decision.Decisive {
				cites = append(cites, r.Citation)
			}
			add(dr, liaison.DutyRecord{Text: fmt.Sprintf("Carry out %s: the law requires it", words(dr.Action)),
				Citation: strings.Join(cites, "; "), DueText: "as the request asks", Obligation: carryOut + string(dr.Action)})
		}
	}
	return out
}

// words writes an action as words: "allow interview".
func words(a liaison.Action) string { return strings.ReplaceAll(string(a), "_", " ") }

// dueAfter returns when a duty is due that is due within (a duration, or
// "promptly": the agency's setting) of start.
func dueAfter(agency *liaison.AgencyRecord, within string, start time.Time) *time.Time {
	dur := liaison.DefaultPromptly
	if within != liaison.Promptly {
		dur, _ = time.ParseDuration(within) // checked when the pack was loaded
	} else if agency != nil && agency.Promptly != "" {
		dur, _ = time.ParseDuration(agency.Promptly) // checked when the agency was created
	}
	due := start.Add(dur).UTC()
	return &due
}

// newDuties gives planned duties their ids and records.
func (d *Desk) newDuties(rr *liaison.RequestRecord, plan []liaison.DutyRecord, now time.Time) ([]liaison.DutyRecord, []*liaison.StoredRecord, error) {
	out := []liaison.DutyRecord{}
	var recs []*liaison.StoredRecord
	for _, du := range plan {
		id, err := d.newID("duty")
		if err != nil {
			return nil, nil, err
		}
		du.ID = id
		rec, err := d.record(liaison.KindDuty, id, rr.Agency, rr.Person, rr.ID, "", now, du)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, du)
		recs = append(recs, rec)
	}
	return out, recs, nil
}

// applyChange brings du to the change c: done is final (the scheduler may
// mark a duty overdue just as a clerk completes it, and its change land
// after), and a change that starts the clock sets the due time.
func applyChange(du *Duty, c *liaison.DutyChangeRecord) {
	if du.Status == liaison.DutyDone {
		return
	}
	du.Status, du.Changed = c.Status, c.At
	if c.Due != nil {
		due := *c.Due
		du.Due = &due
	}
}

// closed reports whether a duty is finished with.
func closed(s liaison.DutyStatus) bool { return s == liaison.DutyDone || s == liaison.DutySuperseded }

// dutyChange encodes a change of du, not yet stored.
func (d *Desk) dutyChange(du *liaison.DutyRecord, c liaison.DutyChangeRecord, now time.Time) (*liaison.DutyChangeRecord, *liaison.StoredRecord, error) {
	if closed(c.Status) {
		c.Key = changeKey(du.ID, c.Status)
	}
	id, err := d.newID("dch")
	if err != nil {
		return nil, nil, err
	}
	c.ID, c.Agency, c.Duty, c.At = id, du.Agency, du.ID, now
	rec, err := d.record(liaison.KindDutyChange, id, du.Agency, "", du.ID, c.Key, now, c)
	if err != nil {
		return nil, nil, err
	}
	return &c, rec, nil
}

// holdsEnded returns the changes that close the duties to end a hold on
// the person of e, when e releases or transfers the person: the hold has
// ended.
func (d *Desk) holdsEnded(ctx context.Context, e *liaison.CustodyEventRecord) ([]*liaison.StoredRecord, error) {
	if e.Kind != "released" && e.Kind != "transferred" {
		return nil, nil
	}
	cur, err := d.caseDuties(ctx, "", e.Person)
	if err != nil {
		return nil, err
	}
	var recs []*liaison.StoredRecord
	for _, du := range cur {
		if du.Obligation != endHold || closed(du.Status) {
			continue
		}
		_, rec, err := d.dutyChange(&du.DutyRecord, liaison.DutyChangeRecord{Status: liaison.DutyDone, Actor: e.RecordedBy,
			Note: fmt.Sprintf("the person was %s at %s (%s)", e.Kind, e.At.Format(time.RFC3339), e.ID)}, d.now().UTC())
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// DueDuties returns the duties of an agency (every agency's when agency is
// empty; the reader's own, for a reader limited to an agency) that have a
// deadline and are open, overdue or escalated, soonest due first, at most
// limit of them. They come from what Tick watches, brought up to date
// first: a read of the duties and changes written since the last (all of
// them, the first time), not of an agency's every duty.
func (d *Desk) DueDuties(ctx context.Context, by liaison.Actor, agency string, limit int) ([]Duty, error) {
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	agency, err := listAgency(by, agency)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxLimit {
		return nil, liaison.Errorf(liaison.Invalid, "limit", "limit %d is not between 1 and %d", limit, MaxLimit)
	}
	w := &d.watch
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.read(ctx, d.store, d.escalateAfter); err != nil {
		return nil, err
	}
	var out []Duty
	for _, wd := range w.live {
		if agency == "" || wd.Agency == agency {
			out = append(out, wd.Duty)
		}
	}
	for _, ed := range w.escalated {
		if agency == "" || ed.Agency == agency {
			out = append(out, ed)
		}
	}
	slices.SortFunc(out, func(x, y Duty) int {
		if c := x.Due.Compare(*y.Due); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out[:min(len(out), limit)], nil
}
