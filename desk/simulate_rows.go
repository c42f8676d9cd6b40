package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"iter"
	"reflect"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/ledger"
)

// The replay rows (liaison.ReplayIndex) are what a simulation reads of
// each stored decision, derived here from the records: the decision's
// action, as_of, outcome and decisive rules, and its request's facts as
// they stood when it was made (the request's, with the facts records up to
// the decision's), split into a fact set without times, stored once for
// the many decisions that share it, and the times, kept on the row. They
// are filled on first use and after (FillReplay, from where the last fill
// stopped), and `log verify` derives them again (CheckReplay).

// replayStore is a store that keeps replay rows.
type replayStore interface {
	liaison.Store
	liaison.ReplayIndex
	TreeSize(ctx context.Context) (int64, error)
}

// FillReplay derives the replay rows of the decisions logged since the
// last fill, up to the log's size, and adds them to idx.
func FillReplay(ctx context.Context, idx replayStore) error {
	for attempt := 0; ; attempt++ {
		err := fillReplay(ctx, idx)
		if liaison.KindOf(err) != liaison.Conflicting || attempt == 2 {
			return err
		}
		// Another fill moved the head first: go on from where it stopped.
	}
}

func fillReplay(ctx context.Context, idx replayStore) error {
	from, err := idx.ReplaySize(ctx)
	if err != nil {
		return fmt.Errorf("fill replay rows: %w", err)
	}
	size, err := idx.TreeSize(ctx)
	if err != nil {
		return fmt.Errorf("fill replay rows: %w", err)
	}
	if from >= size {
		return nil
	}
	d := newDeriver(idx)
	at := from
	err = d.each(ctx, from, size, func(facts []liaison.ReplayFacts, rows []liaison.ReplayRow, next int64) error {
		if err := idx.AddReplay(ctx, at, next, facts, rows); err != nil {
			return err
		}
		at = next
		return nil
	})
	if err != nil {
		return fmt.Errorf("fill replay rows: %w", err)
	}
	return nil
}

// CheckReplay derives the replay rows of the decisions up to idx's size
// again and yields a problem of kind derived for each stored row or fact
// set that is not what the records give: edited, added or deleted around
// the log.
func CheckReplay(ctx context.Context, store liaison.Store, idx liaison.ReplayIndex) iter.Seq2[ledger.Problem, error] {
	return func(yield func(ledger.Problem, error) bool) {
		size, err := idx.ReplaySize(ctx)
		if err != nil {
			yield(ledger.Problem{}, fmt.Errorf("check replay rows: %w", err))
			return
		}
		stored := map[int64]liaison.ReplayRow{}
		if err := idx.ReplayRows(ctx, "", 0, 1<<62, func(r *liaison.ReplayRow) error {
			stored[r.Index] = *r
			return nil
		}); err != nil {
			yield(ledger.Problem{}, fmt.Errorf("check replay rows: %w", err))
			return
		}
		sets, err := idx.ReplayFactSets(ctx)
		if err != nil {
			yield(ledger.Problem{}, fmt.Errorf("check replay rows: %w", err))
			return
		}
		storedSets := map[string]bool{}
		var probs []ledger.Problem
		for _, f := range sets {
			if factsKey(f.Body) != f.Key {
				probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: -1,
					Message: fmt.Sprintf("replay rows: the fact set %s is not what its key says: it was edited around the log", f.Key)})
				continue
			}
			storedSets[f.Key] = true
		}
		d := newDeriver(store)
		err = d.each(ctx, 0, size, func(_ []liaison.ReplayFacts, rows []liaison.ReplayRow, _ int64) error {
			for _, want := range rows {
				name := liaison.KindDecision + "/" + want.ID
				got, ok := stored[want.Index]
				delete(stored, want.Index)
				switch {
				case !ok:
					probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: want.Index, Record: name,
						Message: fmt.Sprintf("replay rows: decision %s (leaf %d) has no row: it was deleted around the log", want.ID, want.Index)})
				case got != want:
					probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: want.Index, Record: name,
						Message: fmt.Sprintf("replay rows: the row of decision %s (leaf %d) is not what its records give: it was edited around the log", want.ID, want.Index)})
				case !storedSets[want.Facts]:
					probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: want.Index, Record: name,
						Message: fmt.Sprintf("replay rows: the fact set %s of decision %s (leaf %d) is missing or edited", want.Facts, want.ID, want.Index)})
				}
			}
			return nil
		})
		if err != nil {
			yield(ledger.Problem{}, fmt.Errorf("check replay rows: %w", err))
			return
		}
		for index, r := range stored {
			probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: index, Record: liaison.KindDecision + "/" + r.ID,
				Message: fmt.Sprintf("replay rows: a row at leaf %d names decision %s, which no decision record there is: it was added around the log", index, r.ID)})
		}
		for _, p := range probs {
			if !yield(p, nil) {
				return
			}
		}
	}
}

// deriver derives replay rows from the records, keeping the agencies and
// requests it has read.
type deriver struct {
	store    liaison.Store
	agencies map[string]*liaison.AgencyRecord
	requests map[string]*liaison.RequestRecord
	seen     map[string]bool // fact sets already handed on
	// split keeps the last split of facts: a request's decisions share
	// their facts (one per action), made one after another.
	split struct {
		from       string // request, facts record, engine
		body       []byte
		key, times string
	}
}

func newDeriver(store liaison.Store) *deriver {
	return &deriver{store: store, agencies: map[string]*liaison.AgencyRecord{}, requests: map[string]*liaison.RequestRecord{}, seen: map[string]bool{}}
}

// each derives the rows of the decisions at leaves [from, size), a page at
// a time, and hands fn each page's rows, the fact sets first met in it,
// and the leaf index up to which the page derives (size after the last).
func (d *deriver) each(ctx context.Context, from, size int64, fn func([]liaison.ReplayFacts, []liaison.ReplayRow, int64) error) error {
	f := liaison.Filter{Kind: liaison.KindDecision, From: from, Limit: 1000}
	for {
		recs, err := d.store.List(ctx, f)
		if err != nil {
			return err
		}
		var rows []liaison.ReplayRow
		var sets []liaison.ReplayFacts
		last := false
		for _, r := range recs {
			if r.Index >= size {
				last = true
				break
			}
			row, set, err := d.row(ctx, r)
			if err != nil {
				return err
			}
			if !d.seen[row.Facts] {
				d.seen[row.Facts] = true
				sets = append(sets, liaison.ReplayFacts{Key: row.Facts, Body: set})
			}
			rows = append(rows, row)
		}
		if last || len(recs) < f.Limit {
			return fn(sets, rows, size)
		}
		next := recs[len(recs)-1].Index + 1
		if err := fn(sets, rows, next); err != nil {
			return err
		}
		f.From = next
	}
}

// row derives one decision's row, and its fact set's body.
func (d *deriver) row(ctx context.Context, rec *liaison.StoredRecord) (liaison.ReplayRow, []byte, error) {
	var dr liaison.DecisionRecord
	if err := decodeRecord(rec.Body, &dr); err != nil {
		return liaison.ReplayRow{}, nil, fmt.Errorf("decode decision %s: %w", rec.ID, err)
	}
	a, ok := d.agencies[rec.Agency]
	if !ok {
		a = new(liaison.AgencyRecord)
		if _, err := getRecord(ctx, d.store, liaison.KindAgency, rec.Agency, a); err != nil {
			return liaison.ReplayRow{}, nil, fmt.Errorf("decision %s: %w", rec.ID, err)
		}
		d.agencies[rec.Agency] = a
	}
	rr, ok := d.requests[dr.Request]
	if !ok {
		rr = new(liaison.RequestRecord)
		if _, err := getRecord(ctx, d.store, liaison.KindRequest, dr.Request, rr); err != nil {
			return liaison.ReplayRow{}, nil, fmt.Errorf("decision %s: %w", rec.ID, err)
		}
		d.requests[dr.Request] = rr
	}
	from := dr.Request + " " + dr.Facts + " " + replayRequest(a, rr, &dr).Agency.TimeZone
	if d.split.from != from {
		eff := rr
		if dr.Facts != "" {
			var err error
			if eff, _, err = effectiveFacts(ctx, d.store, rr, dr.Facts); err != nil {
				return liaison.ReplayRow{}, nil, fmt.Errorf("decision %s: %w", rec.ID, err)
			}
		}
		body, times, err := splitFacts(replayRequest(a, eff, &dr))
		if err != nil {
			return liaison.ReplayRow{}, nil, fmt.Errorf("decision %s: %w", rec.ID, err)
		}
		d.split.from, d.split.body, d.split.key, d.split.times = from, body, factsKey(body), times
	}
	body, times := d.split.body, d.split.times
	return liaison.ReplayRow{Index: rec.Index, ID: dr.ID, Agency: rec.Agency, Request: dr.Request, Action: dr.Action, AsOf: dr.AsOf.UnixMicro(),
		Facts: d.split.key, Times: times, Outcome: dr.Decision.Outcome, Decisive: decisiveString(dr.Decision.Decisive), PackSet: dr.PackSet, Engine: dr.Engine}, body, nil
}

// replayRequest is the request a stored decision was decided from (as
// Simulate's plain path makes it), without as_of and action.
func replayRequest(a *liaison.AgencyRecord, eff *liaison.RequestRecord, dr *liaison.DecisionRecord) *liaison.Request {
	req := decisionRequest(a, eff, "", time.Time{})
	if dr.Engine == "" || dr.Engine == "liaison-engine/1" {
		req.Agency.TimeZone = "UTC" // as decideAgain
	}
	return req
}

// factsKey is a fact set's key: the hexadecimal SHA-256 of its body.
func factsKey(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// splitFacts returns req's canonical JSON with every time it holds
// removed, and the times, each as path=RFC 3339 time followed by a
// semicolon, in the order of the fields.
func splitFacts(req *liaison.Request) ([]byte, string, error) {
	// A copy, through JSON, so that req's facts (shared with its record)
	// are left as they are.
	canon, err := ledger.MarshalCanonical(req)
	if err != nil {
		return nil, "", fmt.Errorf("encode facts: %w", err)
	}
	var cp liaison.Request
	if err := decodeRecord(canon, &cp); err != nil {
		return nil, "", fmt.Errorf("decode facts: %w", err)
	}
	var times strings.Builder
	zeroTimes(reflect.ValueOf(&cp).Elem(), "", &times)
	body, err := ledger.MarshalCanonical(&cp)
	if err != nil {
		return nil, "", fmt.Errorf("encode facts: %w", err)
	}
	return body, times.String(), nil
}

var timeType = reflect.TypeFor[time.Time]()

// zeroTimes sets every non-zero time under v to zero, writing its path
// (JSON names, list indexes) and value to out.
func zeroTimes(v reflect.Value, path string, out *strings.Builder) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			zeroTimes(v.Elem(), path, out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			zeroTimes(v.Index(i), path+"."+strconv.Itoa(i), out)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if !t.IsZero() {
				out.WriteString(strings.TrimPrefix(path, ".") + "=" + t.Format(time.RFC3339Nano) + ";")
				v.Set(reflect.Zero(timeType))
			}
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if name := jsonName(f); name != "-" {
				zeroTimes(v.Field(i), path+"."+name, out)
			}
		}
	}
}

// setTime sets the time at path (as zeroTimes writes it) under v.
func setTime(v reflect.Value, path string, t time.Time) error {
	for _, seg := range strings.Split(path, ".") {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return fmt.Errorf("no %s in the fact set", path)
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Slice:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= v.Len() {
				return fmt.Errorf("no %s in the fact set", path)
			}
			v = v.Index(i)
		case reflect.Struct:
			found := false
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() && jsonName(f) == seg {
					v, found = v.Field(i), true
					break
				}
			}
			if !found {
				return fmt.Errorf("no %s in the fact set", path)
			}
		default:
			return fmt.Errorf("no %s in the fact set", path)
		}
	}
	if v.Type() != timeType {
		return fmt.Errorf("%s is not a time", path)
	}
	v.Set(reflect.ValueOf(t))
	return nil
}

// jsonName is the name of a field in JSON ("-" for none).
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		name = f.Name
	}
	return name
}
