package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"liaison"
	"liaison/ledger"
)

// logRead records that by read the request rr, when it is about a person
// (it names one, or carries facts about one). Every way a request's facts
// leave the desk goes through here.
func (d *Desk) logRead(ctx context.Context, by liaison.Actor, rr *liaison.RequestRecord) error {
	if rr.Person == "" && rr.Subject == nil {
		return nil
	}
	rec, err := d.readRecord(by, rr.Agency, rr.Person, rr.ID, rr.ID)
	if err != nil {
		return err
	}
	return d.store.Append(ctx, rec)
}

// readRecord returns the record of a read by by, now, of the person's
// record (request empty) or of a request; parent is the record read.
func (d *Desk) readRecord(by liaison.Actor, agency, person, parent, request string) (*liaison.StoredRecord, error) {
	rid, err := d.newID("read")
	if err != nil {
		return nil, err
	}
	now := d.now().UTC()
	return d.record(liaison.KindRead, rid, agency, person, parent, "", now,
		liaison.ReadRecord{ID: rid, Agency: agency, Person: person, Request: request, Actor: by, At: now})
}

// repeated answers an intake whose idempotency key (key, the agency's and
// the request's) is stored already. The same request sent again gets the
// stored one, which is a read of it: by must be allowed to read it, and
// the read is logged, as Request does. A different request under the same
// key is an error of kind Conflicting naming the first field that differs,
// and shows nothing of the stored one.
func (d *Desk) repeated(ctx context.Context, by liaison.Actor, key string, in *IntakeInput) (*IntakeResult, error) {
	rec, err := d.store.ByKey(ctx, liaison.KindRequest, key)
	if err != nil {
		return nil, err
	}
	var rr liaison.RequestRecord
	if err := json.Unmarshal(rec.Body, &rr); err != nil {
		return nil, fmt.Errorf("decode request %s: %w", rec.ID, err)
	}
	// The key column is an index; the body is what the log commits to.
	if rr.Agency+"/"+rr.IdempotencyKey != key || rr.ID != rec.ID {
		return nil, fmt.Errorf("request %s: its record is not the one its key %q names: run `liaison log verify`", rec.ID, key)
	}
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	if err := inScope(by, rr.Agency, "agency"); err != nil {
		return nil, err
	}
	stored := IntakeInput{Agency: rr.Agency, Person: rr.Person, IdempotencyKey: rr.IdempotencyKey, Request: rr.Request,
		Actions: rr.Actions, Subject: rr.Subject, Agreements: rr.Agreements, Context: rr.Context}
	field, err := firstDifference(stored, *in)
	if err != nil {
		return nil, err
	}
	if field != "" {
		return nil, liaison.Errorf(liaison.Conflicting, field,
			"idempotency key %q was used for request %s, which differs from this one here: send a new key for a new request", rr.IdempotencyKey, rr.ID)
	}
	res, err := d.requestResult(ctx, rr.ID)
	if err != nil {
		return nil, err
	}
	if err := d.logRead(ctx, by, &res.Request); err != nil {
		return nil, err
	}
	return res, nil
}

// firstDifference compares a and b as canonical JSON and returns the path
// of the first member where they differ ("subject.convictions[0].level"),
// members in sorted order, or "" when they are the same. A member that is
// null, [] or {} is the same as one left out.
func firstDifference(a, b any) (string, error) {
	var va, vb any
	for _, p := range []struct {
		v   any
		out *any
	}{{a, &va}, {b, &vb}} {
		canon, err := ledger.MarshalCanonical(p.v)
		if err != nil {
			return "", fmt.Errorf("compare requests: %w", err)
		}
		if err := json.Unmarshal(canon, p.out); err != nil {
			return "", fmt.Errorf("compare requests: %w", err)
		}
	}
	return difference("", va, vb), nil
}

// difference returns the path below path of the first place a and b, as
// decoded from JSON, differ; "" when they do not.
func difference(path string, a, b any) string {
	if empty(a) && empty(b) {
		return ""
	}
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok {
			return orTop(path)
		}
		keys := slices.Sorted(maps.Keys(a))
		for k := range b {
			if _, ok := a[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			sub := k
			if path != "" {
				sub = path + "." + k
			}
			if p := difference(sub, a[k], b[k]); p != "" {
				return p
			}
		}
		return ""
	case []any:
		b, ok := b.([]any)
		if !ok {
			return orTop(path)
		}
		for i := range max(len(a), len(b)) {
			sub := path + "[" + strconv.Itoa(i) + "]"
			if i >= len(a) || i >= len(b) {
				return sub
			}
			if p := difference(sub, a[i], b[i]); p != "" {
				return p
			}
		}
		return ""
	default:
		switch b.(type) {
		case map[string]any, []any:
			return orTop(path) // and not comparable with ==
		}
		if a != b {
			return orTop(path)
		}
		return ""
	}
}

// empty reports whether v, decoded from JSON, is null, [] or {}.
func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

// orTop names the top of a document, which has no path of its own.
func orTop(path string) string {
	if path == "" {
		return "(body)"
	}
	return path
}

// Record returns the stored record (kind, id) for an operator who asks for
// its proof of inclusion in the log: auditors and admins, within their
// agency. It is not a read of the record's facts, which a proof does not
// show, and is not logged.
func (d *Desk) Record(ctx context.Context, by liaison.Actor, kind, id string) (*liaison.StoredRecord, error) {
	if err := need(by, liaison.RoleAuditor, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	rec, err := d.store.Get(ctx, kind, id)
	if err != nil {
		return nil, missing(err, kind, id)
	}
	if err := inScope(by, rec.Agency, "id"); err != nil {
		return nil, err
	}
	return rec, nil
}
