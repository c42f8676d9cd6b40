package desk

import (
	"context"
	"encoding/json"
	"fmt"

	"liaison"
	"liaison/law"
)

// StorePackSet appends the desk's pack set to the log, once: the decisions
// it makes name it by its hash, and can be made again from it after the
// bundled packs change. A set already stored (by an earlier run, or by a
// concurrent call) is not stored again. A server calls it when it starts;
// the first intake or action calls it otherwise.
func (d *Desk) StorePackSet(ctx context.Context) error {
	if d.setStored.Load() {
		return nil
	}
	h := d.law.Hash()
	if _, err := d.store.Get(ctx, liaison.KindPackSet, h); err == nil {
		d.setStored.Store(true)
		return nil
	} else if liaison.KindOf(err) != liaison.NotFound {
		return fmt.Errorf("look up pack set %s: %w", h, err)
	}
	rec, err := d.record(liaison.KindPackSet, h, "", "", "", h, d.now(), liaison.PackSetRecord{ID: h, Files: d.law.Files()})
	if err != nil {
		return err
	}
	if err := d.store.Append(ctx, rec); err != nil && liaison.KindOf(err) != liaison.Conflicting {
		return fmt.Errorf("store pack set %s: %w", h, err)
	}
	d.setStored.Store(true)
	return nil
}

// packSet returns the stored pack set with the hash, loaded.
func (d *Desk) packSet(ctx context.Context, hash string) (*law.Set, error) {
	if s, ok := d.sets.Load(hash); ok {
		return s.(*law.Set), nil
	}
	s, err := LoadPackSet(ctx, d.store, hash)
	if err != nil {
		return nil, err
	}
	d.sets.Store(hash, s)
	return s, nil
}

// LoadPackSet reads the pack set with the hash from the store and loads
// it, as the bundled packs are loaded. Its files must hash to its id.
func LoadPackSet(ctx context.Context, store liaison.Store, hash string) (*law.Set, error) {
	rec, err := store.Get(ctx, liaison.KindPackSet, hash)
	if err != nil {
		return nil, fmt.Errorf("read pack set %s: %w", hash, err)
	}
	var ps liaison.PackSetRecord
	if err := json.Unmarshal(rec.Body, &ps); err != nil {
		return nil, fmt.Errorf("decode pack set %s: %w", hash, err)
	}
	if got := law.HashFiles(ps.Files); got != hash || ps.ID != hash {
		return nil, liaison.Errorf(liaison.Internal, "", "pack set %s: its files hash to %s", hash, got)
	}
	s, err := law.LoadFiles(ps.Files)
	if err != nil {
		return nil, fmt.Errorf("load pack set %s: %w", hash, err)
	}
	return s, nil
}

// decideAgain decides a stored decision again from its stored facts (the
// request, its agency, the action and the instant) with set.
func decideAgain(set *law.Set, agency *liaison.AgencyRecord, rr *liaison.RequestRecord, dr *liaison.DecisionRecord) (*liaison.Decision, error) {
	req := decisionRequest(agency, rr, dr.Action, dr.AsOf)
	if dr.Engine == "" || dr.Engine == "liaison-engine/1" {
		// Engine 1 counted every date and business hour in UTC (the
		// desk's as_of is UTC): decide as it did.
		req.Agency.TimeZone = "UTC"
	}
	dec, err := set.Decide(req, law.Options{Explain: true})
	if err != nil {
		return nil, fmt.Errorf("decide %s again: %w", dr.ID, err)
	}
	dec.Normalize()
	return dec, nil
}

// Trace fills in, for each decision of res, every rule considered and the
// pack versions used: what a decision's record leaves out, derived by
// deciding it again from its stored facts with its stored pack set. A
// decision that comes out otherwise than stored is an error of kind
// Internal: the record and its law disagree (`liaison log verify
// --redecide` lists every such decision). Decisions stored before pack
// sets were keep the trace they were stored with.
func (d *Desk) Trace(ctx context.Context, res *IntakeResult) error {
	drs := make([]*liaison.DecisionRecord, len(res.Decisions))
	for i := range res.Decisions {
		drs[i] = &res.Decisions[i]
	}
	return d.trace(ctx, &res.Request, drs)
}

// trace traces the decisions drs of the request rr, as Trace does.
func (d *Desk) trace(ctx context.Context, rr *liaison.RequestRecord, drs []*liaison.DecisionRecord) error {
	var agency *liaison.AgencyRecord
	for _, dr := range drs {
		if dr.PackSet == "" {
			continue
		}
		set, err := d.packSet(ctx, dr.PackSet)
		if err != nil {
			return err
		}
		if agency == nil {
			if agency, err = d.agency(ctx, rr.Agency); err != nil {
				return err
			}
		}
		facts := rr
		if dr.Facts != "" {
			if facts, _, err = d.effective(ctx, rr, dr.Facts); err != nil {
				return err
			}
		}
		dec, err := decideAgain(set, agency, facts, dr)
		if err != nil {
			return err
		}
		if why := differ(&dr.Decision, dec); len(why) > 0 {
			return liaison.Errorf(liaison.Internal, "", "decision %s, decided again with its pack set, differs from its record: %s",
				dr.ID, why[0])
		}
		dr.Decision.Considered, dr.Decision.Packs = dec.Considered, dec.Packs
	}
	return nil
}
