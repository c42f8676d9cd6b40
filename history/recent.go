package history

import (
	"context"
	"sync"

	"liaison"
)

// recent is a liaison.Store that keeps the records a worker appended for
// the case at hand, so that the desk's reads of what it has just written
// (the person, the request, its duties and their changes) cost no query:
// the desk reads them again at every step of a case, and the store's
// queries were a third of the generator's time.
//
// Records never change once appended, so a kept record is the stored one.
// Lists are answered from the kept records only when they select by a
// person or a parent the worker made in this case: while the generator
// runs it is the store's only writer, and a case's records are all made
// by one worker, so no record elsewhere can name them. forget drops the
// records between cases.
type recent struct {
	liaison.Store
	global *global
	mu     sync.Mutex
	byID   map[[2]string]*liaison.StoredRecord
	byKey  map[[2]string]*liaison.StoredRecord
	ids    map[string]bool // every kept record's id
	all    []*liaison.StoredRecord
}

// global keeps, for every worker, the records each desk reads once and
// that never change: the agencies and the pack set (all the packs' text:
// read by 128 desks, it was a sixth of the generator's time).
type global struct {
	mu   sync.Mutex
	recs map[[2]string]*liaison.StoredRecord
}

func newRecent(s liaison.Store, g *global) *recent {
	return &recent{Store: s, global: g, byID: map[[2]string]*liaison.StoredRecord{}, byKey: map[[2]string]*liaison.StoredRecord{}, ids: map[string]bool{}}
}

func (r *recent) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	if err := r.Store.Append(ctx, recs...); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range recs {
		r.byID[[2]string{rec.Kind, rec.ID}] = rec
		r.ids[rec.ID] = true
		r.all = append(r.all, rec)
		if rec.Key != "" {
			r.byKey[[2]string{rec.Kind, rec.Key}] = rec
		}
	}
	return nil
}

func (r *recent) Get(ctx context.Context, kind, id string) (*liaison.StoredRecord, error) {
	if kind == liaison.KindPackSet || kind == liaison.KindAgency {
		return r.global.get(ctx, r.Store, kind, id)
	}
	r.mu.Lock()
	rec, ok := r.byID[[2]string{kind, id}]
	r.mu.Unlock()
	if ok {
		c := *rec
		return &c, nil
	}
	return r.Store.Get(ctx, kind, id)
}

func (r *recent) ByKey(ctx context.Context, kind, key string) (*liaison.StoredRecord, error) {
	r.mu.Lock()
	rec, ok := r.byKey[[2]string{kind, key}]
	r.mu.Unlock()
	if ok {
		c := *rec
		return &c, nil
	}
	return r.Store.ByKey(ctx, kind, key)
}

func (r *recent) List(ctx context.Context, f liaison.Filter) ([]*liaison.StoredRecord, error) {
	r.mu.Lock()
	local := f.Person != "" && r.ids[f.Person] || f.Parent != "" && r.ids[f.Parent]
	var out []*liaison.StoredRecord
	if local {
		limit := f.Limit
		if limit == 0 {
			limit = 1000
		}
		for _, rec := range r.all { // in the order appended: log order
			if (f.Kind == "" || rec.Kind == f.Kind) && (f.Agency == "" || rec.Agency == f.Agency) && (f.Person == "" || rec.Person == f.Person) &&
				(f.Parent == "" || rec.Parent == f.Parent) && rec.Index >= f.From && len(out) < limit {
				c := *rec
				out = append(out, &c)
			}
		}
	}
	r.mu.Unlock()
	if local {
		return out, nil
	}
	return r.Store.List(ctx, f)
}

// forget drops the kept records.
func (r *recent) forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.byID)
	clear(r.byKey)
	clear(r.ids)
	r.all = r.all[:0]
}

func (g *global) get(ctx context.Context, s liaison.Store, kind, id string) (*liaison.StoredRecord, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if rec, ok := g.recs[[2]string{kind, id}]; ok {
		c := *rec
		return &c, nil
	}
	rec, err := s.Get(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	if g.recs == nil {
		g.recs = map[[2]string]*liaison.StoredRecord{}
	}
	g.recs[[2]string{kind, id}] = rec
	c := *rec
	return &c, nil
}
