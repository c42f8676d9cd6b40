package desk

import (
	"context"
	"fmt"
	"sync"
)

// A simulation's strings of the replay index. Reading every string at
// its start (the fact sets of every agency, most of them other agencies'
// when one is affected) was a serial part of each simulation (about 5 ms
// of BenchmarkSimulateHistory's Boston replay, 2,983 strings of 1.9 MB):
// the short ones are read at the start, and each long one (a fact set)
// when a page that names it is read, by the reader that takes the page,
// once for all of them.

// shortString is the length up to which a string is read at the start:
// actions, outcomes, decisive rules, pack sets, engines, time zones and
// paths are shorter; fact sets mostly longer. (Either way is right: a
// long string is read when a page names it.)
const shortString = 200

// replayStrings are the strings a simulation has read. list[n] is string
// n once loaded: at the start for a short one; for a long one, once a
// call of load on the same goroutine has returned (which reads it, or
// finds it read by another goroutine: after that goroutine wrote it).
type replayStrings struct {
	idx  replayStore
	list []string
	long []bool // read at the start: list[n] was left out
	mu   sync.Mutex
	read map[uint32]bool // the long ones read since
}

func readReplayStrings(ctx context.Context, idx replayStore, short int) (*replayStrings, error) {
	list, long, err := idx.ReplayShortStrings(ctx, short)
	if err != nil {
		return nil, err
	}
	s := &replayStrings{idx: idx, list: list, long: make([]bool, len(list)), read: map[uint32]bool{}}
	for _, n := range long {
		s.long[n] = true
	}
	return s, nil
}

// load reads the long strings of ids that no goroutine has read yet.
func (s *replayStrings) load(ctx context.Context, ids []uint32) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var want []int64
	for _, n := range ids {
		if s.long[n] && !s.read[n] {
			want = append(want, int64(n))
			s.read[n] = true
		}
	}
	if len(want) == 0 {
		return nil
	}
	vals, err := s.idx.ReplayStringsOf(ctx, want)
	if err != nil {
		return fmt.Errorf("read %d replay strings: %w", len(want), err)
	}
	for i, n := range want {
		s.list[n] = vals[i]
	}
	return nil
}

// loadStrings reads the long strings that rows name and that m has not
// met yet.
func (m *memoAgency) loadStrings(ctx context.Context, rows []replayRow) error {
	long := m.str.long
	ids := m.need[:0]
	add := func(n uint32) {
		if long[n] && !m.met[n] {
			m.met[n] = true
			ids = append(ids, n)
		}
	}
	for i := range rows {
		r := &rows[i]
		for _, n := range [...]uint32{r.action, r.outcome, r.packSet, r.engine, r.zone} {
			add(n)
		}
		// A row counted from its stored outcome (see replay) needs no
		// more; when that cannot be told, it is read all the same.
		if !long[r.packSet] && !long[r.engine] && r.packSet == m.nowPack && r.engine == m.engine && r.lawErr == nil && r.lp.now == r.lp.then {
			continue
		}
		add(r.decisive)
		add(r.facts)
		for _, t := range r.times {
			add(t.path)
		}
	}
	m.need = ids
	if len(ids) == 0 {
		return nil
	}
	return m.str.load(ctx, ids)
}
