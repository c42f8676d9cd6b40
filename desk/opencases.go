package desk

import (
	"context"
	"errors"
	"time"

	"liaison"
)

// A case is open until a record of kind case_closed closes it, and open
// again when a record of kind case_reopened reopens it (see
// liaison.OpenCaseIndex). The desk appends a close when a release or
// transfer ends the person's custody, and when an action carried out or
// refused settles the last of a request's actions; a reopening when a
// closed case gets work again: an action tried again that waits (pending,
// or for facts), facts added later that let a refused action go ahead,
// counsel's override of a refusal, or the person booked again after the
// release or transfer that closed it (see caseStatus). Each follows the
// record that changes the case, in an append of its own, and is keyed by
// its round (liaison.CaseKey): a case
// closed or reopened meanwhile by another caller makes it a conflict,
// which is ignored. A case the records say is closed but no case_closed
// record closes yet (a crash between the two appends) is closed when
// OpenCases meets it.

// closeRecord returns the record that closes rr's case in round, at now.
func (d *Desk) closeRecord(rr *liaison.RequestRecord, why string, round int, now time.Time) (*liaison.StoredRecord, error) {
	id, err := d.newID("ccl")
	if err != nil {
		return nil, err
	}
	key := liaison.CaseKey(rr.ID, round)
	cr := liaison.CaseClosedRecord{ID: id, Agency: rr.Agency, Request: rr.ID, Person: rr.Person, Why: why, At: now}
	if round > 0 {
		cr.Key = key
	}
	return d.record(liaison.KindCaseClosed, id, rr.Agency, rr.Person, rr.ID, key, now, cr)
}

// reopenRecord returns the record that reopens rr's case, closed in
// round-1, at now.
func (d *Desk) reopenRecord(rr *liaison.RequestRecord, why string, round int, now time.Time) (*liaison.StoredRecord, error) {
	id, err := d.newID("cro")
	if err != nil {
		return nil, err
	}
	key := liaison.CaseKey(rr.ID, round)
	return d.record(liaison.KindCaseReopened, id, rr.Agency, rr.Person, rr.ID, key, now,
		liaison.CaseReopenedRecord{ID: id, Agency: rr.Agency, Request: rr.ID, Key: key, Person: rr.Person, Why: why, At: now})
}

// caseRound returns the round of a request's case (how many times it was
// reopened) and whether it is closed in that round: one indexed read for a
// case never closed, three for one that was.
func (d *Desk) caseRound(ctx context.Context, request string) (round int, closed bool, err error) {
	closedIn := func(round int) (bool, error) {
		_, err := d.store.ByKey(ctx, liaison.KindCaseClosed, liaison.CaseKey(request, round))
		if liaison.KindOf(err) == liaison.NotFound {
			return false, nil
		}
		return err == nil, err
	}
	if closed, err = closedIn(0); err != nil || !closed {
		return 0, false, err
	}
	reopened, err := d.store.List(ctx, liaison.Filter{Kind: liaison.KindCaseReopened, Parent: request})
	if err != nil || len(reopened) == 0 {
		return 0, err == nil, err
	}
	round = len(reopened)
	closed, err = closedIn(round)
	return round, closed, err
}

// reopening returns the latest reopening of the request id's case, nil
// when it was never reopened (one read, by the request's index).
func (d *Desk) reopening(ctx context.Context, id string) (*liaison.CaseReopenedRecord, error) {
	ros, err := list[liaison.CaseReopenedRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindCaseReopened, Parent: id})
	if err != nil || len(ros) == 0 {
		return nil, err
	}
	return &ros[len(ros)-1], nil
}

// closeCases appends recs, each a case_closed record; those whose case is
// closed already are left out. A failure is logged, not returned: what
// closed the cases is recorded, and OpenCases closes them when it meets
// them.
func (d *Desk) closeCases(ctx context.Context, recs []*liaison.StoredRecord) {
	if len(recs) == 0 {
		return
	}
	err := d.store.Append(ctx, recs...)
	if liaison.KindOf(err) == liaison.Conflicting && len(recs) > 1 {
		// One was closed already: the others one by one.
		var errs []error
		for _, r := range recs {
			if err := d.store.Append(ctx, r); liaison.KindOf(err) != liaison.Conflicting {
				errs = append(errs, err)
			}
		}
		err = errors.Join(errs...)
	}
	if err != nil && liaison.KindOf(err) != liaison.Conflicting {
		d.log.WarnContext(ctx, "close cases: the queue will close them when it meets them", "err", err)
	}
}

// syncCase brings the open cases in line with what the records of the
// request id say: it closes a case they say is closed, and reopens one
// they say is open again. It reads the round before the case, and looks
// again after each change it makes, so that a change another caller made
// from records read before this one's (a close worked out before an
// action that reopens the case was recorded) is undone, not left
// standing. mayClose false says the caller's change cannot have closed the
// case (an action recorded pending): an open case is then left as it is
// without reading it. A failure is logged, not returned: what changed the
// case is recorded.
func (d *Desk) syncCase(ctx context.Context, id string, mayClose bool) {
	var err error
	for range 3 {
		var round int
		var closed bool
		if round, closed, err = d.caseRound(ctx, id); err != nil || !closed && !mayClose {
			break
		}
		mayClose = true // another caller's close may follow this one's reopening
		var rr liaison.RequestRecord
		var rec *liaison.StoredRecord
		if rec, err = d.load(ctx, liaison.KindRequest, id, &rr); err != nil {
			break
		}
		var parts *caseParts
		if parts, err = d.caseParts(ctx, &rr, rec.Index); err != nil {
			break
		}
		switch now := d.now().UTC(); {
		case parts.status == CaseClosed && !closed:
			rec, err = d.closeRecord(&rr, parts.closedBy, round, now)
		case parts.status == CaseOpen && closed:
			rec, err = d.reopenRecord(&rr, parts.openedBy, round+1, now)
		default:
			return
		}
		if err != nil {
			break
		}
		if err = d.store.Append(ctx, rec); err != nil && liaison.KindOf(err) != liaison.Conflicting {
			break
		}
		err = nil
	}
	if err != nil {
		d.log.WarnContext(ctx, "open cases: the case may be left out of the queue, or closed only when the queue meets it", "request", id, "err", err)
	}
}

// closeAllOf closes the cases of every request of person p recorded
// before e, a release or transfer, which ends them.
func (d *Desk) closeAllOf(ctx context.Context, e *liaison.CustodyEventRecord) {
	if e.Kind != "released" && e.Kind != "transferred" {
		return
	}
	reqs, err := list[liaison.RequestRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindRequest, Person: e.Person})
	var recs []*liaison.StoredRecord
	for i := range reqs {
		if err != nil {
			break
		}
		var round int
		var closed bool
		if round, closed, err = d.caseRound(ctx, reqs[i].ID); err != nil {
			break
		} else if closed {
			continue // closed already
		}
		var c *liaison.StoredRecord
		if c, err = d.closeRecord(&reqs[i], "the person was "+string(e.Kind)+" (custody event "+e.ID+")", round, d.now().UTC()); err == nil {
			recs = append(recs, c)
		}
	}
	if err != nil && liaison.KindOf(err) != liaison.NotFound {
		d.log.WarnContext(ctx, "close cases: the queue will close them when it meets them", "person", e.Person, "err", err)
		return
	}
	d.closeCases(ctx, recs)
}

// reopenAllOf opens again the cases of person p that a release or
// transfer closed when e books the person again, and that still ask for
// something not settled (see caseStatus): the request is looked at again
// on the new custody. A case every action of which is settled stays
// closed.
func (d *Desk) reopenAllOf(ctx context.Context, e *liaison.CustodyEventRecord) {
	if e.Kind != "booked" {
		return
	}
	reqs, err := list[liaison.RequestRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindRequest, Person: e.Person})
	if err != nil {
		d.log.WarnContext(ctx, "reopen cases: a case may be left out of the queue until its page is read", "person", e.Person, "err", err)
		return
	}
	for i := range reqs {
		d.syncCase(ctx, reqs[i].ID, false) // a case never closed costs one read
	}
}

// OpenCases returns the open cases f selects (its Status, Person and
// Booking aside), newest first, recorded before the leaf before (0: the
// end of the log), from the store's index of open cases, and the leaf the
// next, older, page ends at (0: none). ok is false for a store that keeps
// no such index. A page examines at most scanPages times limit of the
// index's rows: it may hold fewer than limit and still have an older one.
// A row whose case the records say is closed is left out, and closed in
// the index.
func (d *Desk) OpenCases(ctx context.Context, by liaison.Actor, f RequestFilter, before int64, limit int) (_ []CaseSummary, older int64, ok bool, _ error) {
	if err := need(by, staff...); err != nil {
		return nil, 0, false, err
	}
	agency, err := listAgency(by, f.Agency)
	if err != nil {
		return nil, 0, false, err
	}
	idx, ok := d.store.(liaison.OpenCaseIndex)
	if !ok {
		return nil, 0, false, nil
	}
	if limit <= 0 || limit > MaxLimit {
		return nil, 0, true, liaison.Errorf(liaison.Invalid, "limit", "limit %d is not between 1 and %d", limit, MaxLimit)
	}
	f.Agency, f.Status, f.Person, f.Booking = agency, "", "", ""
	out := []CaseSummary{}
	var closing []string
	defer func() {
		for _, id := range closing {
			d.syncCase(ctx, id, true)
		}
	}()
	for budget := scanPages * limit; budget > 0; {
		n := min(limit, budget)
		recs, err := idx.OpenCases(ctx, agency, before, n)
		if err != nil {
			return nil, 0, true, err
		}
		for _, r := range recs {
			budget--
			before = r.Index
			rr, err := decodeBody[liaison.RequestRecord](r)
			if err != nil {
				return nil, 0, true, err
			}
			s, err := d.summary(ctx, rr, r.Index, f)
			if err != nil {
				return nil, 0, true, err
			}
			if s != nil && s.Status == CaseClosed {
				closing = append(closing, rr.ID)
				continue
			}
			if s != nil {
				out = append(out, *s)
			}
			if len(out) == limit {
				return out, before, true, nil
			}
		}
		if len(recs) < n {
			return out, 0, true, nil // the index has no older ones
		}
	}
	return out, before, true, nil
}
