package desk

import "sync"

// recentKeys remembers the idempotency keys of the last recentCap
// requests this desk stored. Intake appends a request without looking its
// key up first (the append finds a repeat), but a repeat then makes the
// group of appends it was committed with fail once and be written again
// (see sqlstore); clients that retry after a timeout send repeats in
// bursts, so a key seen lately is looked up first.
type recentKeys struct {
	mu   sync.Mutex
	set  map[string]struct{}
	ring []string
	next int
}

const recentCap = 4096

func (r *recentKeys) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.set[key]
	return ok
}

func (r *recentKeys) add(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.set == nil {
		r.set, r.ring = make(map[string]struct{}, recentCap), make([]string, recentCap)
	}
	if _, ok := r.set[key]; ok {
		return
	}
	delete(r.set, r.ring[r.next])
	r.ring[r.next] = key
	r.set[key] = struct{}{}
	r.next = (r.next + 1) % recentCap
}
