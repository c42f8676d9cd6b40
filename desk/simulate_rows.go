package desk

import (
	"context"
	"fmt"
	"iter"
	"math"
	"reflect"
	"slices"
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
// the decision's), split into a fact set without times, stored once as a
// string of the index for the many decisions that share it, and the
// times, kept on the row. Rows are kept a page at a time
// (simulate_pages.go). They are filled on first use and after
// (FillReplay, from where the last fill stopped), and `log verify`
// derives them again (CheckReplay).

// replayStore is a store that keeps replay rows.
type replayStore interface {
	liaison.Store
	liaison.ReplayIndex
	TreeSize(ctx context.Context) (int64, error)
}

// FillReplay derives the replay rows of the decisions logged since the
// last fill, up to the log's size, and adds them to idx.
func FillReplay(ctx context.Context, idx replayStore) error {
	return fillReplayProgress(ctx, idx, nil)
}

// fillReplayProgress is FillReplay telling progress, when set, how far
// it has come: the leaf index reached, out of the log's size.
func fillReplayProgress(ctx context.Context, idx replayStore, progress func(done, total int64)) error {
	for attempt := 0; ; attempt++ {
		err := fillReplay(ctx, idx, progress)
		if liaison.KindOf(err) != liaison.Conflicting || attempt == 2 {
			return err
		}
		// Another fill moved the head first: go on from where it stopped.
	}
}

func fillReplay(ctx context.Context, idx replayStore, progress func(done, total int64)) error {
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
	strs, err := idx.ReplayStrings(ctx)
	if err != nil {
		return fmt.Errorf("fill replay rows: %w", err)
	}
	tails, err := idx.ReplayTails(ctx)
	if err != nil {
		return fmt.Errorf("fill replay rows: %w", err)
	}
	d := newDeriver(idx, strs)
	for i := range tails {
		if err := d.resume(&tails[i]); err != nil {
			return fmt.Errorf("fill replay rows: %w", err)
		}
	}
	at := from
	err = d.each(ctx, from, size, func(next int64) error {
		if progress != nil {
			progress(next, size)
		}
		// A commit every fillBatch rows: each one empties the page
		// cache of SQLite's readers (the database changed), which the
		// next read of records fills again.
		if d.pending < fillBatch && next < size {
			return nil
		}
		first := int64(len(d.strs.list) - len(d.strs.added()))
		if err := idx.AddReplay(ctx, at, next, first, d.strs.added(), d.dirtyPages()); err != nil {
			return err
		}
		d.strs.commit()
		at = next
		return nil
	})
	if err != nil {
		return fmt.Errorf("fill replay rows: %w", err)
	}
	return nil
}

// CheckReplay derives the replay rows of the decisions up to idx's size
// again and yields a problem of kind derived for each stored string that
// is not what the records give, and for each page that holds a row not
// what they give, or lacks one (edited, added or deleted around the log),
// naming its first such row. Rows and strings a fill adds while it runs
// (past the size read first) are left out.
func CheckReplay(ctx context.Context, store liaison.Store, idx liaison.ReplayIndex) iter.Seq2[ledger.Problem, error] {
	return func(yield func(ledger.Problem, error) bool) {
		probs, err := checkReplay(ctx, store, idx)
		if err != nil {
			yield(ledger.Problem{}, fmt.Errorf("check replay rows: %w", err))
			return
		}
		for _, p := range probs {
			if !yield(p, nil) {
				return
			}
		}
	}
}

func checkReplay(ctx context.Context, store liaison.Store, idx liaison.ReplayIndex) ([]ledger.Problem, error) {
	size, err := idx.ReplaySize(ctx)
	if err != nil {
		return nil, err
	}
	d := newDeriver(store, nil)
	if err := d.each(ctx, 0, size, func(int64) error { return nil }); err != nil {
		return nil, err
	}
	want := map[pageKey]*liaison.ReplayPage{}
	for _, a := range d.pages {
		for i := range a.done {
			want[pageKey{a.done[i].Agency, a.done[i].Page}] = &a.done[i]
		}
		if a.cur.Rows > 0 {
			want[pageKey{a.cur.Agency, a.cur.Page}] = &a.cur
		}
	}
	stored, err := idx.ReplayStrings(ctx)
	var probs []ledger.Problem
	if liaison.KindOf(err) == liaison.Conflicting { // one missing: named below
		probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: -1, Message: "replay rows: " + err.Error()})
		stored, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	var pages []liaison.ReplayPage
	if err := idx.ReplayPages(ctx, "", math.MinInt64, math.MaxInt64, func(p *liaison.ReplayPage) error {
		pages = append(pages, *p)
		return nil
	}); err != nil {
		return nil, err
	}
	// A fill that ran meanwhile added strings and rows past size.
	now, err := idx.ReplaySize(ctx)
	if err != nil {
		return nil, err
	}
	moved := now != size
	derived := d.strs.list
	for i := range max(len(stored), len(derived)) {
		var msg string
		switch {
		case i >= len(derived):
			if !moved {
				msg = "was added around the log"
			}
		case i >= len(stored):
			if len(stored) > 0 || len(probs) == 0 {
				msg = "is missing: it was deleted around the log"
			}
		case stored[i] != derived[i]:
			msg = "is not what the records give: it was edited around the log"
		}
		if msg != "" {
			probs = append(probs, ledger.Problem{Kind: ledger.Derived, Index: -1, Message: fmt.Sprintf("replay rows: string %d %s", i, msg)})
		}
	}
	for i := range pages {
		p := &pages[i]
		k := pageKey{p.Agency, p.Page}
		w := want[k]
		delete(want, k)
		got, ok := decodePage(p, len(stored))
		if !ok {
			if !moved {
				probs = append(probs, pageProblem(p, "it does not decode: it was edited around the log"))
			}
			continue
		}
		if !consistent(p, got) {
			probs = append(probs, pageProblem(p, "its leaves, times or count are not its rows': it was edited around the log"))
			continue
		}
		for len(got) > 0 && got[len(got)-1].index >= size {
			got = got[:len(got)-1] // filled meanwhile
		}
		var exp []pageRow
		if w != nil {
			exp, _ = decodePage(w, len(derived))
		}
		why := "it was edited around the log"
		if w == nil {
			why = "it was added around the log"
		}
		if w == nil && len(got) == 0 {
			continue // a page filled meanwhile
		}
		if pr, ok := rowProblem(p, got, exp, why); ok {
			probs = append(probs, pr)
		}
	}
	for _, w := range want {
		exp, _ := decodePage(w, len(derived))
		if pr, ok := rowProblem(w, nil, exp, "it was deleted around the log"); ok {
			probs = append(probs, pr)
		}
	}
	return probs, nil
}

type pageKey struct {
	agency string
	page   int64
}

// decodePage decodes every row of p, whose rows may name nstrs strings.
func decodePage(p *liaison.ReplayPage, nstrs int) ([]pageRow, bool) {
	r := &pageReader{b: p.Body, strs: nstrs}
	var out []pageRow
	for r.next() {
		row := r.row
		row.times = nil
		if len(r.row.times) > 0 {
			row.times = slices.Clone(r.row.times)
		}
		out = append(out, row)
	}
	return out, r.err == nil
}

// consistent: p's leaves, times and count are its rows'.
func consistent(p *liaison.ReplayPage, rows []pageRow) bool {
	if len(rows) == 0 || p.Rows != len(rows) || p.First != rows[0].index || p.Last != rows[len(rows)-1].index {
		return false
	}
	from, to := rows[0].asOf, rows[0].asOf
	for _, r := range rows {
		from, to = min(from, r.asOf), max(to, r.asOf)
	}
	return p.From == from && p.To == to
}

// rowProblem names the first row of got that is not want's, or of want
// that got lacks.
func rowProblem(p *liaison.ReplayPage, got, want []pageRow, why string) (ledger.Problem, bool) {
	for i := range max(len(got), len(want)) {
		var r *pageRow
		switch {
		case i >= len(want):
			r = &got[i]
		case i >= len(got):
			r = &want[i]
		case !reflect.DeepEqual(got[i], want[i]):
			r = &got[i]
		default:
			continue
		}
		return ledger.Problem{Kind: ledger.Derived, Index: r.index, Record: liaison.KindDecision + "/" + string(r.id),
			Message: fmt.Sprintf("replay rows: page %d of agency %s: the row of decision %s (leaf %d) is not what its records give: %s", p.Page, p.Agency, r.id, r.index, why)}, true
	}
	return ledger.Problem{}, false
}

func pageProblem(p *liaison.ReplayPage, why string) ledger.Problem {
	return ledger.Problem{Kind: ledger.Derived, Index: -1,
		Message: fmt.Sprintf("replay rows: page %d of agency %s (leaves %d to %d): %s", p.Page, p.Agency, p.First, p.Last, why)}
}

// fillBatch is about how many rows a fill adds in one transaction.
const fillBatch = 16 * pageRows

// strTable numbers the strings of the replay rows: those the index holds
// and those added since (added, until commit).
type strTable struct {
	ids  map[string]uint32
	list []string
	kept int
}

func newStrTable(strs []string) *strTable {
	t := &strTable{ids: make(map[string]uint32, len(strs)), list: strs, kept: len(strs)}
	for i, s := range strs {
		t.ids[s] = uint32(i)
	}
	return t
}

func (t *strTable) id(s string) uint32 {
	if n, ok := t.ids[s]; ok {
		return n
	}
	n := uint32(len(t.list))
	t.ids[s] = n
	t.list = append(t.list, s)
	return n
}

func (t *strTable) added() []string { return t.list[t.kept:] }
func (t *strTable) commit()         { t.kept = len(t.list) }

// agencyPages is an agency's page being filled, and the full ones not
// yet handed on.
type agencyPages struct {
	cur   liaison.ReplayPage
	prev  pageRow // the last row of cur
	done  []liaison.ReplayPage
	dirty bool
}

// deriver derives replay rows from the records into pages, keeping the
// agencies and requests it has read.
type deriver struct {
	store    liaison.Store
	strs     *strTable
	agencies map[string]*liaison.AgencyRecord
	requests map[string]*liaison.RequestRecord
	pages    map[string]*agencyPages
	pending  int // rows added since dirtyPages
	// split keeps the last split of facts: a request's decisions share
	// their facts (one per action), made one after another.
	split struct {
		from  string // request, facts record, zone
		body  string
		zone  string
		times []factTime
	}
}

func newDeriver(store liaison.Store, strs []string) *deriver {
	return &deriver{store: store, strs: newStrTable(strs), agencies: map[string]*liaison.AgencyRecord{},
		requests: map[string]*liaison.RequestRecord{}, pages: map[string]*agencyPages{}}
}

// resume goes on filling an agency's last page (a new one after it when
// it is full).
func (d *deriver) resume(tail *liaison.ReplayPage) error {
	rows, ok := decodePage(tail, len(d.strs.list))
	if !ok || !consistent(tail, rows) {
		return liaison.Errorf(liaison.Conflicting, "", "page %d of agency %s does not decode: it was edited around the log (run `liaison log verify`)", tail.Page, tail.Agency)
	}
	a := &agencyPages{cur: *tail}
	last := rows[len(rows)-1]
	a.prev.index, a.prev.asOf = last.index, last.asOf
	if tail.Rows >= pageRows {
		a.cur, a.prev = liaison.ReplayPage{Agency: tail.Agency, Page: tail.Page + 1}, pageRow{}
	}
	d.pages[tail.Agency] = a
	return nil
}

// add appends a row to its agency's pages.
func (d *deriver) add(agency string, r *pageRow) {
	a := d.pages[agency]
	if a == nil {
		a = &agencyPages{cur: liaison.ReplayPage{Agency: agency}}
		d.pages[agency] = a
	}
	if a.cur.Rows == pageRows {
		a.done = append(a.done, a.cur)
		a.cur, a.prev = liaison.ReplayPage{Agency: agency, Page: a.cur.Page + 1}, pageRow{}
	}
	p := &a.cur
	if p.Rows == 0 {
		p.First, p.From, p.To = r.index, r.asOf, r.asOf
	}
	p.Body = appendRow(p.Body, &a.prev, r)
	p.Last, p.From, p.To = r.index, min(p.From, r.asOf), max(p.To, r.asOf)
	p.Rows++
	d.pending++
	a.prev.index, a.prev.asOf = r.index, r.asOf
	a.dirty = true
}

// dirtyPages returns the pages written to since the last call.
func (d *deriver) dirtyPages() []liaison.ReplayPage {
	var out []liaison.ReplayPage
	for _, a := range d.pages {
		out = append(out, a.done...)
		if a.dirty {
			out = append(out, a.cur)
		}
		a.done, a.dirty = nil, false
	}
	d.pending = 0
	return out
}

// each derives the rows of the decisions at leaves [from, size), a page
// of records at a time, and calls fn after each with the leaf index up
// to which the rows are derived (size after the last). Requests are read
// alongside, in log order (a request comes before its decisions); one
// made before from is read on its own.
func (d *deriver) each(ctx context.Context, from, size int64, fn func(next int64) error) error {
	const limit = 1000
	f := liaison.Filter{Kind: liaison.KindDecision, From: from, Limit: limit}
	reqs := liaison.Filter{Kind: liaison.KindRequest, From: from, Limit: limit}
	for {
		recs, err := d.store.List(ctx, f)
		if err != nil {
			return err
		}
		if n := len(recs); n > 0 {
			for reqs.From <= min(recs[n-1].Index, size-1) {
				page, err := d.store.List(ctx, reqs)
				if err != nil {
					return err
				}
				for _, r := range page {
					rr := new(liaison.RequestRecord)
					if err := decodeRecord(r.Body, rr); err != nil {
						return fmt.Errorf("decode request %s: %w", r.ID, err)
					}
					d.requests[r.ID] = rr
				}
				if len(page) < limit {
					reqs.From = size
					break
				}
				reqs.From = page[len(page)-1].Index + 1
			}
		}
		last := false
		for _, r := range recs {
			if r.Index >= size {
				last = true
				break
			}
			if err := d.row(ctx, r); err != nil {
				return err
			}
		}
		if last || len(recs) < f.Limit {
			return fn(size)
		}
		next := recs[len(recs)-1].Index + 1
		if err := fn(next); err != nil {
			return err
		}
		f.From = next
	}
}

// row derives one decision's row and adds it to its agency's page.
func (d *deriver) row(ctx context.Context, rec *liaison.StoredRecord) error {
	var dr simDecision
	if err := decodeRecord(rec.Body, &dr); err != nil {
		return fmt.Errorf("decode decision %s: %w", rec.ID, err)
	}
	a, ok := d.agencies[rec.Agency]
	if !ok {
		a = new(liaison.AgencyRecord)
		if _, err := getRecord(ctx, d.store, liaison.KindAgency, rec.Agency, a); err != nil {
			return fmt.Errorf("decision %s: %w", rec.ID, err)
		}
		d.agencies[rec.Agency] = a
	}
	rr, ok := d.requests[dr.Request]
	if !ok {
		rr = new(liaison.RequestRecord)
		if _, err := getRecord(ctx, d.store, liaison.KindRequest, dr.Request, rr); err != nil {
			return fmt.Errorf("decision %s: %w", rec.ID, err)
		}
		d.requests[dr.Request] = rr
	}
	zone := "" // as replayRequest
	if dr.Engine != "" && dr.Engine != "liaison-engine/1" {
		zone = agencyZone(a)
	}
	from := dr.Request + " " + dr.Facts + " " + zone
	if d.split.from != from {
		eff := rr
		if dr.Facts != "" {
			var err error
			if eff, _, err = effectiveFacts(ctx, d.store, rr, dr.Facts); err != nil {
				return fmt.Errorf("decision %s: %w", rec.ID, err)
			}
		}
		req := replayRequest(a, eff, zone)
		body, times, err := splitFacts(req)
		if err != nil {
			return fmt.Errorf("decision %s: %w", rec.ID, err)
		}
		d.split.from, d.split.body, d.split.zone, d.split.times = from, string(body), req.Agency.TimeZone, times
	}
	r := pageRow{index: rec.Index, asOf: dr.AsOf.UnixMicro(), id: []byte(dr.ID), request: []byte(dr.Request)}
	r.action, r.outcome = d.strs.id(string(dr.Action)), d.strs.id(string(dr.Decision.Outcome))
	r.decisive, r.packSet, r.engine = d.strs.id(decisiveString(dr.Decision.Decisive)), d.strs.id(dr.PackSet), d.strs.id(dr.Engine)
	r.facts, r.zone = d.strs.id(d.split.body), d.strs.id(d.split.zone)
	r.times = make([]rowTime, len(d.split.times))
	for i, t := range d.split.times {
		r.times[i] = newRowTime(d.strs.id(t.path), t.at)
	}
	d.add(rec.Agency, &r)
	return nil
}

// replayRequest is the request a stored decision was decided from (as
// Simulate's plain path makes it), without as_of and action, in zone
// ("" for UTC: a decision of the first engine, as decideAgain).
func replayRequest(a *liaison.AgencyRecord, eff *liaison.RequestRecord, zone string) *liaison.Request {
	req := decisionRequest(a, eff, "", time.Time{})
	if zone == "" {
		req.Agency.TimeZone = "UTC"
	}
	return req
}

// A factTime is a time of a fact set: its path (JSON names, list
// indexes) and value.
type factTime struct {
	path string
	at   time.Time
}

// splitFacts returns req's canonical JSON with every time it holds
// removed, and the times, in the order of the fields. req's times are
// zeroed for the encoding, and set again after.
func splitFacts(req *liaison.Request) ([]byte, []factTime, error) {
	var times []factTime
	var at []reflect.Value
	zeroTimes(reflect.ValueOf(req).Elem(), "", &times, &at)
	body, err := ledger.MarshalCanonical(req)
	for i, v := range at {
		v.Set(reflect.ValueOf(times[i].at))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("encode facts: %w", err)
	}
	return body, times, nil
}

var timeType = reflect.TypeFor[time.Time]()

// zeroTimes sets every non-zero time under v to zero, adding its path
// and value to times and where it is to at.
func zeroTimes(v reflect.Value, path string, times *[]factTime, at *[]reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			zeroTimes(v.Elem(), path, times, at)
		}
	case reflect.Slice:
		for i := range v.Len() {
			zeroTimes(v.Index(i), path+"."+strconv.Itoa(i), times, at)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			t := v.Interface().(time.Time)
			if !t.IsZero() {
				*times = append(*times, factTime{strings.TrimPrefix(path, "."), t})
				*at = append(*at, v)
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
				zeroTimes(v.Field(i), path+"."+name, times, at)
			}
		}
	}
}

// jsonName is the name of a field in JSON ("-" for none).
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "" {
		name = f.Name
	}
	return name
}
