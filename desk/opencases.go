package desk

import (
	"context"
	"errors"
	"time"

	"liaison"
)

// A case is open until a record of kind case_closed closes it (see
// liaison.OpenCaseIndex): the desk appends one when a release or transfer
// ends the person's custody, and when an action carried out or refused
// settles the last of a request's actions. It follows the record that
// closes the case, in an append of its own: a case closed meanwhile (two
// clerks, or the queue) makes it a conflict, which is ignored. A case the
// records say is closed but no case_closed record closes yet (a delivery
// settled by the dispatcher, a crash between the two appends) is closed
// when OpenCases meets it.

// closeRecord returns the record that closes rr's case, at now.
func (d *Desk) closeRecord(rr *liaison.RequestRecord, why string, now time.Time) (*liaison.StoredRecord, error) {
	id, err := d.newID("ccl")
	if err != nil {
		return nil, err
	}
	return d.record(liaison.KindCaseClosed, id, rr.Agency, rr.Person, rr.ID, rr.ID, now,
		liaison.CaseClosedRecord{ID: id, Agency: rr.Agency, Request: rr.ID, Person: rr.Person, Why: why, At: now})
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

// closeIfDone closes the case of the request id when its records say it
// is closed (see caseParts).
func (d *Desk) closeIfDone(ctx context.Context, id string) {
	var rr liaison.RequestRecord
	rec, err := d.load(ctx, liaison.KindRequest, id, &rr)
	if err == nil {
		var parts *caseParts
		if parts, err = d.caseParts(ctx, &rr, rec.Index); err == nil && parts.status == CaseClosed {
			var c *liaison.StoredRecord
			if c, err = d.closeRecord(&rr, parts.closedBy, d.now().UTC()); err == nil {
				d.closeCases(ctx, []*liaison.StoredRecord{c})
			}
		}
	}
	if err != nil {
		d.log.WarnContext(ctx, "close case: the queue will close it when it meets it", "request", id, "err", err)
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
		if _, err = d.store.ByKey(ctx, liaison.KindCaseClosed, reqs[i].ID); err == nil {
			continue // closed already
		} else if liaison.KindOf(err) != liaison.NotFound {
			break
		}
		var c *liaison.StoredRecord
		if c, err = d.closeRecord(&reqs[i], "the person was "+string(e.Kind)+" (custody event "+e.ID+")", d.now().UTC()); err == nil {
			recs = append(recs, c)
		}
	}
	if err != nil && liaison.KindOf(err) != liaison.NotFound {
		d.log.WarnContext(ctx, "close cases: the queue will close them when it meets them", "person", e.Person, "err", err)
		return
	}
	d.closeCases(ctx, recs)
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
	var closing []*liaison.StoredRecord
	defer func() { d.closeCases(ctx, closing) }()
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
				c, err := d.closeRecord(rr, s.ClosedBy, d.now().UTC())
				if err != nil {
					return nil, 0, true, err
				}
				closing = append(closing, c)
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
