package desk

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/common/ast"

	"liaison"
	"liaison/law"
)

// The memoized simulation: it reads the replay rows (simulate_rows.go) a
// page at a time, not the records, and decides each distinct input once
// under each set, without explanation; only the decisions whose answer
// changes are explained, each from its own facts. An input is what the
// rules of the two sets can read (simulate_key.go): the place and action,
// the law in force on the day under each set (law.Set.LawAt, found once
// per time zone and day), the fact set pruned to the facts the conditions
// read (once per fact set and place), and of the times, those the rules
// read: a time read raw, the value of years_between (and the like)
// against as_of, or as_of's instant when compared with it otherwise. A
// row's work is then integer decoding, a day's law looked up, and for the
// rows whose law differs between the sets, its key built from numbers and
// one map probe.

// memoAgency is one agency's part of a memoized simulation.
type memoAgency struct {
	now, proposal *law.Set
	agency        *liaison.AgencyRecord
	reads         *reads
	strs          []string
	str           *replayStrings  // strs, and the long ones to read
	met           map[uint32]bool // long strings this reader has read
	need          []uint32
	rows          []replayRow // the page's, reused
	rowTimes      []rowTime
	facts         *factSets           // with every reader and explainer
	times         *timeSetter         // this reader's
	shared        *sharedInputs       // with the agency's other readers
	reduced       map[uint32]int      // fact set → its number once pruned
	uses          map[uint32]*timeUse // by path
	days          map[dayKey]lawPair
	last          struct {
		zone     uint32
		from, to int64 // the day's bounds, µs
		law      lawPair
	}
	locs               map[uint32]*time.Location
	groups             map[string]*group
	key                []byte
	nowPack, engine    uint32 // numbers of today's pack set and engine (none: past the strings)
	counts             map[[3]uint32]int
	outcomes           map[liaison.Outcome]uint32 // the proposal's outcomes past the strings
	changes            []changeJob
	decisions, decided int
}

type dayKey struct {
	zone uint32
	day  int64 // local midnight, µs
}

type lawPair struct{ now, then uint64 }

type timeUse struct {
	raw      bool
	calendar []string
	instant  bool
}

// sharedInputs is what the readers of one agency's pages share: the
// numbers of the pruned fact sets (so that their keys are alike) and the
// distinct inputs decided. Each reader looks here only when its own maps
// lack a fact set or an input.
type sharedInputs struct {
	mu      sync.Mutex
	pruned  map[string]int    // pruned fact set → its number
	reduced map[uint32]int    // fact set → its number once pruned
	groups  map[string]*group // by input key
}

// reduce returns the number of fact set facts once pruned (by prune,
// outside the lock, when no reader has pruned it).
func (s *sharedInputs) reduce(facts uint32, prune func() ([]byte, error)) (int, error) {
	s.mu.Lock()
	n, ok := s.reduced[facts]
	s.mu.Unlock()
	if ok {
		return n, nil
	}
	pruned, err := prune()
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok = s.pruned[string(pruned)]
	if !ok {
		n = len(s.pruned)
		s.pruned[string(pruned)] = n
	}
	s.reduced[facts] = n
	return n, nil
}

// group returns the input of key, deciding it with decide when no reader
// has: outside the lock, so that two readers may decide the same input at
// once (the engine is deterministic; the first kept).
func (s *sharedInputs) group(key string, decide func() (*group, error)) (*group, error) {
	s.mu.Lock()
	g := s.groups[key]
	s.mu.Unlock()
	if g != nil {
		return g, nil
	}
	g, err := decide()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if first := s.groups[key]; first != nil {
		return first, nil
	}
	s.groups[key] = g
	return g, nil
}

// readPages reads agency's pages and replays their rows in [from, to)
// with ms: one reader reads the pages, in order, and each memoAgency of
// ms replays those it takes, on its own goroutine (the page a unit: a
// page's rows decode from its start), so that the reading of the store,
// the decoding and keying of the rows use every core. seen is called
// with each page read.
func readPages(ctx context.Context, idx replayStore, agency string, from, to int64, ms []*memoAgency, seen func(*liaison.ReplayPage)) error {
	if len(ms) == 1 {
		return idx.ReplayPages(ctx, agency, from, to, func(p *liaison.ReplayPage) error {
			seen(p)
			return ms[0].page(ctx, p, from, to)
		})
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	pages := make(chan liaison.ReplayPage, 2*len(ms))
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Go(func() {
			for p := range pages {
				if err := m.page(ctx, &p, from, to); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	err := idx.ReplayPages(ctx, agency, from, to, func(p *liaison.ReplayPage) error {
		seen(p)
		select {
		case pages <- *p: // the store scans each page into a body of its own
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	})
	close(pages)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// page replays the rows of p in [from, to), once the strings they name
// are read.
func (m *memoAgency) page(ctx context.Context, p *liaison.ReplayPage, from, to int64) error {
	// The rows are decoded once, with the law of each one's day: the
	// strings they need are read, then they are replayed.
	rows, times := m.rows[:0], m.rowTimes[:0]
	pr := pageReader{b: p.Body, strs: len(m.strs)}
	for pr.next() {
		r := &pr.row
		if r.asOf < from || r.asOf >= to {
			continue
		}
		if m.str.long[r.zone] && !m.met[r.zone] { // a zone's name so long: read before its law
			if err := m.str.load(ctx, []uint32{r.zone}); err != nil {
				return err
			}
			m.met[r.zone] = true
		}
		rr := replayRow{pageRow: *r, nTimes: len(r.times)}
		rr.lp, rr.lawErr = m.lawAt(r.zone, r.asOf)
		rows, times = append(rows, rr), append(times, r.times...)
	}
	if pr.err != nil {
		return liaison.Errorf(liaison.Conflicting, "", "page %d of agency %s: %v", p.Page, p.Agency, pr.err)
	}
	k := 0
	for i := range rows {
		n := rows[i].nTimes
		rows[i].times, k = times[k:k+n:k+n], k+n
	}
	m.rows, m.rowTimes = rows[:0], times[:0] // grown, for the next page
	if err := m.loadStrings(ctx, rows); err != nil {
		return err
	}
	for i := range rows {
		if err := m.replay(&rows[i]); err != nil {
			return err
		}
	}
	return nil
}

// replayRow is a decoded row of the page being replayed (its times in
// memoAgency.rowTimes), with the law of its day under both sets.
type replayRow struct {
	pageRow
	nTimes int
	lp     lawPair
	lawErr error
}

// group is one distinct input: its answers under both sets.
type group struct {
	now, proposal *liaison.Decision
	decisive      string // the proposal's decisive rules as a row writes them
}

// simulateRows runs a simulation of the affected agencies from the replay
// rows of idx, filled first.
func simulateRows(ctx context.Context, idx replayStore, now, proposal *law.Set, opt SimulateOptions, affected []*liaison.AgencyRecord, sim *Simulation) error {
	// What each agency's rules read is found (their conditions parsed)
	// while the rows are filled and the strings read.
	agencyReads := make([]*reads, len(affected))
	var readsErr error
	readsDone := make(chan struct{})
	go func() {
		defer close(readsDone)
		parsed := map[string]ast.Expr{} // conditions, parsed once for every agency
		for i, a := range affected {
			if agencyReads[i], readsErr = readsOf(a.Jurisdiction, parsed, now, proposal); readsErr != nil {
				return
			}
		}
	}()
	defer func() { <-readsDone }()
	if err := fillReplayProgress(ctx, idx, opt.FillProgress); err != nil {
		return err
	}
	short := shortString
	if opt.shortString > 0 {
		short = opt.shortString
	}
	rs, err := readReplayStrings(ctx, idx, short)
	if err != nil {
		return err
	}
	strs := rs.list
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !opt.From.IsZero() {
		from = opt.From.UnixMicro()
	}
	if !opt.To.IsZero() {
		to = opt.To.UnixMicro()
	}
	none := uint32(len(strs))
	nowPack, engine := none, none
	for i, s := range strs {
		switch s {
		case now.Hash():
			nowPack = uint32(i)
		case law.EngineVersion:
			engine = uint32(i)
		}
	}
	counts := map[simKey]int{}
	res := &simResult{counts: counts}
	facts := newFactSets(strs)
	var jobs []changeJob
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for k, a := range affected {
		if k == 0 {
			if <-readsDone; readsErr != nil {
				return readsErr
			}
		}
		r := agencyReads[k]
		sh := &sharedInputs{pruned: map[string]int{}, reduced: map[uint32]int{}, groups: map[string]*group{}}
		ms := make([]*memoAgency, workers)
		for i := range ms {
			ms[i] = &memoAgency{now: now, proposal: proposal, agency: a, reads: r, strs: strs, facts: facts, times: newTimeSetter(strs), shared: sh, str: rs, met: map[uint32]bool{},
				reduced: map[uint32]int{}, uses: map[uint32]*timeUse{}, days: map[dayKey]lawPair{},
				locs: map[uint32]*time.Location{}, groups: map[string]*group{}, nowPack: nowPack, engine: engine,
				counts: map[[3]uint32]int{}, outcomes: map[liaison.Outcome]uint32{}}
			ms[i].last.to = math.MinInt64
		}
		err = readPages(ctx, idx, a.ID, from, to, ms, func(p *liaison.ReplayPage) {
			if opt.Progress != nil && opt.LogSize > 0 {
				opt.Progress(int64(k)*opt.LogSize+p.Last+1, int64(len(affected))*opt.LogSize)
			}
		})
		if err != nil {
			return fmt.Errorf("agency %s: %w", a.ID, err)
		}
		if opt.Progress != nil && opt.LogSize > 0 {
			opt.Progress(int64(k+1)*opt.LogSize, int64(len(affected))*opt.LogSize)
		}
		sim.Inputs += len(sh.groups)
		for _, m := range ms {
			res.decisions += m.decisions
			res.decided += m.decided
			for k, n := range m.counts {
				counts[simKey{liaison.Action(strs[k[0]]), m.outcome(k[1]), m.outcome(k[2])}] += n
			}
			jobs = append(jobs, m.changes...)
		}
	}
	// In the order the changes are listed (see tally), the first
	// ExplainFirst explained.
	slices.SortFunc(jobs, func(a, b changeJob) int {
		if c := cmp.Compare(a.asOf, b.asOf); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	n := len(jobs)
	if opt.ExplainFirst > 0 {
		n = min(n, opt.ExplainFirst)
	}
	changes, err := explain(ctx, now, proposal, facts, jobs[:n], workers)
	if err != nil {
		return err
	}
	for i := n; i < len(jobs); i++ {
		changes = append(changes, unexplained(&jobs[i]))
	}
	res.changes = changes
	tally(sim, []simResult{*res})
	return nil
}

// outcome is the outcome numbered n (a string, or one of the proposal's
// past them).
func (m *memoAgency) outcome(n uint32) liaison.Outcome {
	if int(n) < len(m.strs) {
		return liaison.Outcome(m.strs[n])
	}
	for o, k := range m.outcomes {
		if k == n {
			return o
		}
	}
	return ""
}

// outcomeNumber numbers an outcome as the rows do (one the strings lack
// past them).
func (m *memoAgency) outcomeNumber(o liaison.Outcome) uint32 {
	if n, ok := m.outcomes[o]; ok {
		return n
	}
	n := uint32(len(m.strs) + len(m.outcomes))
	for i := range m.strs {
		if !m.str.long[i] && m.strs[i] == string(o) { // a long one is another reader's to write
			n = uint32(i)
			break
		}
	}
	m.outcomes[o] = n
	return n
}

// lawAt returns the law in force under both sets at the agency's place on
// the day of asOf in zone: once per zone and day.
func (m *memoAgency) lawAt(zone uint32, asOf int64) (lawPair, error) {
	if m.last.zone == zone && asOf >= m.last.from && asOf < m.last.to {
		return m.last.law, nil
	}
	loc, err := m.location(zone)
	if err != nil {
		return lawPair{}, err
	}
	t := time.UnixMicro(asOf).In(loc)
	y, mo, d := t.Date()
	start, end := time.Date(y, mo, d, 0, 0, 0, 0, loc).UnixMicro(), time.Date(y, mo, d+1, 0, 0, 0, 0, loc).UnixMicro()
	k := dayKey{zone, start}
	lp, ok := m.days[k]
	if !ok {
		req := &liaison.Request{AsOf: time.UnixMicro(asOf).UTC(), Jurisdiction: m.agency.Jurisdiction, Agency: &liaison.Agency{TimeZone: m.strs[zone]}}
		if lp.now, err = m.now.LawAt(req); err != nil {
			return lawPair{}, err
		}
		if lp.then, err = m.proposal.LawAt(req); err != nil {
			return lawPair{}, err
		}
		m.days[k] = lp
	}
	m.last.zone, m.last.from, m.last.to, m.last.law = zone, start, end, lp
	return lp, nil
}

func (m *memoAgency) location(zone uint32) (*time.Location, error) {
	if loc, ok := m.locs[zone]; ok {
		return loc, nil
	}
	loc := time.UTC
	if name := m.strs[zone]; name != "" {
		var err error
		if loc, err = m.now.Location(name); err != nil {
			return nil, err
		}
	}
	m.locs[zone] = loc
	return loc, nil
}

// replay counts one row, and keeps it as a change when its answer does.
func (m *memoAgency) replay(rr *replayRow) error {
	m.decisions++
	row, lp := &rr.pageRow, rr.lp
	if rr.lawErr != nil {
		return fmt.Errorf("decision %s: %w", row.id, rr.lawErr)
	}
	stored := row.packSet == m.nowPack && row.engine == m.engine
	if lp.now == lp.then && stored {
		m.counts[[3]uint32{row.action, row.outcome, row.outcome}]++
		return nil
	}
	key, err := m.inputKey(row, lp, stored)
	if err != nil {
		return err
	}
	g := m.groups[string(key)]
	if g == nil {
		g, err = m.shared.group(string(key), func() (*group, error) {
			tmpl, err := m.facts.get(row.facts)
			if err != nil {
				return nil, fmt.Errorf("decision %s: %w", row.id, err)
			}
			full, err := m.times.request(tmpl, row.times, time.UnixMicro(row.asOf).UTC(), liaison.Action(m.strs[row.action]))
			if err != nil {
				return nil, fmt.Errorf("decision %s: %w", row.id, err)
			}
			g := new(group)
			if !stored {
				if g.now, err = m.now.Decide(full, law.Options{}); err != nil {
					return nil, fmt.Errorf("decide %s: %w", row.id, err)
				}
			}
			if lp.now != lp.then {
				if g.proposal, err = m.proposal.Decide(full, law.Options{}); err != nil {
					return nil, fmt.Errorf("decide %s under the proposal: %w", row.id, err)
				}
				g.decisive = decisiveString(g.proposal.Decisive)
			}
			return g, nil
		})
		if err != nil {
			return err
		}
		m.groups[string(key)] = g
	}
	from, fromDecisive := row.outcome, m.strs[row.decisive]
	if !stored {
		from = m.outcomeNumber(g.now.Outcome)
		if lp.now == lp.then {
			m.counts[[3]uint32{row.action, from, from}]++
			return nil
		}
		fromDecisive = decisiveString(g.now.Decisive)
	}
	m.decided++
	to := m.outcomeNumber(g.proposal.Outcome)
	m.counts[[3]uint32{row.action, from, to}]++
	// (By string: an outcome among the long strings, were one so long,
	// would have a number of its own past them too.)
	if (from == to || m.outcome(from) == m.outcome(to)) && fromDecisive == g.decisive {
		return nil
	}
	// A change: explained later, from its own facts, under both sets.
	m.changes = append(m.changes, changeJob{id: string(row.id), request: string(row.request), action: liaison.Action(m.strs[row.action]),
		asOf: row.asOf, facts: row.facts, times: slices.Clone(row.times), agency: m.agency,
		from: m.outcome(from), fromDecisive: fromDecisive, to: g.proposal})
	return nil
}

// changeJob is a changed decision to explain.
type changeJob struct {
	id, request  string
	action       liaison.Action
	asOf         int64
	facts        uint32
	times        []rowTime
	agency       *liaison.AgencyRecord
	from         liaison.Outcome
	fromDecisive string
	to           *liaison.Decision
}

// unexplained is a change past those explained: its outcomes and
// decisive rules (pack and rule) only.
func unexplained(j *changeJob) *SimChange {
	c := &SimChange{Decision: j.id, Request: j.request, Agency: j.agency.ID, Jurisdiction: j.agency.Jurisdiction,
		Action: j.action, AsOf: time.UnixMicro(j.asOf).UTC(),
		From: liaison.Decision{Outcome: j.from}, To: liaison.Decision{Outcome: j.to.Outcome}}
	for r := range strings.FieldsSeq(j.fromDecisive) {
		pack, rule, _ := strings.Cut(r, "/")
		c.From.Decisive = append(c.From.Decisive, liaison.RuleRef{Pack: pack, Rule: rule})
	}
	for _, r := range j.to.Decisive {
		c.To.Decisive = append(c.To.Decisive, liaison.RuleRef{Pack: r.Pack, Rule: r.Rule})
	}
	return c
}

// explain explains each change under both sets, on workers goroutines:
// what is left of a replay's time once the inputs are decided once is
// mostly this, a decision and two explanations for each change.
func explain(ctx context.Context, now, proposal *law.Set, facts *factSets, jobs []changeJob, workers int) ([]*SimChange, error) {
	out := make([]*SimChange, len(jobs))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (len(jobs) + workers - 1) / workers
	for w := range workers {
		wg.Go(func() {
			ts := newTimeSetter(facts.strs)
			for i := w * chunk; i < min(len(jobs), (w+1)*chunk); i++ {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				j := &jobs[i]
				tmpl, err := facts.get(j.facts)
				if err != nil {
					errs[w] = fmt.Errorf("decision %s: %w", j.id, err)
					return
				}
				req, err := ts.request(tmpl, j.times, time.UnixMicro(j.asOf).UTC(), j.action)
				if err != nil {
					errs[w] = fmt.Errorf("decision %s: %w", j.id, err)
					return
				}
				c, err := explainChange(now, proposal, j, req)
				if err != nil {
					errs[w] = err
					return
				}
				out[i] = c
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// explainChange explains a change, from its request full.
func explainChange(now, proposal *law.Set, j *changeJob, full *liaison.Request) (*SimChange, error) {
	x, err := now.Decide(full, law.Options{Explain: true})
	if err != nil {
		return nil, fmt.Errorf("decide %s: %w", j.id, err)
	}
	y, err := proposal.Decide(full, law.Options{Explain: true})
	if err != nil {
		return nil, fmt.Errorf("decide %s under the proposal: %w", j.id, err)
	}
	x.Normalize()
	x.Compact()
	y.Normalize()
	y.Compact()
	return &SimChange{Decision: j.id, Request: j.request, Agency: j.agency.ID, Jurisdiction: j.agency.Jurisdiction,
		Action: j.action, AsOf: full.AsOf, From: *x, To: *y}, nil
}

// decisiveString writes decisive rules as a replay row does: pack/rule,
// each followed by a space.
func decisiveString(rules []liaison.RuleRef) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString(r.Pack + "/" + r.Rule + " ")
	}
	return b.String()
}

// inputKey writes the key of a row's input into m.key.
func (m *memoAgency) inputKey(row *pageRow, lp lawPair, stored bool) ([]byte, error) {
	n, ok := m.reduced[row.facts]
	if !ok {
		var err error
		if n, err = m.shared.reduce(row.facts, func() ([]byte, error) { return m.reads.pruneJSON(m.strs[row.facts]) }); err != nil {
			return nil, fmt.Errorf("prune fact set %d: %w", row.facts, err)
		}
		m.reduced[row.facts] = n
	}
	k := append(m.key[:0], 'n')
	if stored {
		k[0] = 's'
	}
	k = binary.AppendUvarint(k, uint64(n))
	k = binary.AppendUvarint(k, uint64(row.action))
	k = binary.LittleEndian.AppendUint64(k, lp.now)
	k = binary.LittleEndian.AppendUint64(k, lp.then)
	instant := m.reads.bare
	var local time.Time
	for _, t := range row.times {
		u := m.uses[t.path]
		if u == nil {
			u = new(timeUse)
			u.raw, u.calendar, u.instant = m.reads.timeUse(m.strs[t.path])
			m.uses[t.path] = u
		}
		if u.raw {
			k = append(k, 'r')
			k = binary.AppendUvarint(k, uint64(t.path))
			k = binary.AppendVarint(k, t.sec)
			k = binary.AppendUvarint(k, uint64(t.nsec))
			k = binary.AppendVarint(k, int64(t.offset))
		}
		instant = instant || u.instant
		if len(u.calendar) > 0 {
			if local.IsZero() {
				loc, err := m.location(row.zone)
				if err != nil {
					return nil, err
				}
				local = time.UnixMicro(row.asOf).In(loc)
			}
			k = append(k, 'c')
			k = binary.AppendUvarint(k, uint64(t.path))
			at := t.time()
			for _, fn := range u.calendar {
				v, _ := law.Between(fn, at, local)
				k = binary.AppendVarint(k, v)
			}
		}
	}
	if instant {
		k = append(k, '@')
		k = binary.AppendVarint(k, row.asOf)
	}
	m.key = k
	return k, nil
}
