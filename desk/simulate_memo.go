package desk

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/common/ast"

	"liaison"
	"liaison/law"
)

// The memoized simulation: it reads the replay rows (simulate_rows.go),
// not the records, and decides each distinct input once under each set,
// without explanation; only the decisions whose answer changes are
// explained, each from its own facts. An input is what the rules of the
// two sets can read (simulate_key.go): the place and action, the law in
// force on the day under each set (law.Set.LawAt), the fact set pruned to
// the facts the conditions read, and of the times, those the rules read:
// a time read raw, the value of years_between (and the like) against
// as_of, or as_of's instant when compared with it otherwise.

// memoAgency is one agency's part of a memoized simulation.
type memoAgency struct {
	now, proposal *law.Set
	reads         *reads
	sets          map[string]*factSet // by key
	reduced       map[string]int      // pruned fact set → its number
	groups        map[string]*group
	key           []byte
	nowHash       string
	changes       []changeJob
}

// factSet is a fact set of the replay rows, decoded once.
type factSet struct {
	body    []byte
	tmpl    *liaison.Request
	loc     *time.Location
	reduced int // its number once pruned, or -1
}

// group is one distinct input: its answers under both sets.
type group struct {
	now, proposal *liaison.Decision
	decisive      string // the proposal's decisive rules as a row writes them
}

// simulateRows runs a simulation of the affected agencies from the replay
// rows of idx, filled first.
func simulateRows(ctx context.Context, idx replayStore, now, proposal *law.Set, opt SimulateOptions, affected []*liaison.AgencyRecord, sim *Simulation) error {
	if err := FillReplay(ctx, idx); err != nil {
		return err
	}
	stored, err := idx.ReplayFactSets(ctx)
	if err != nil {
		return err
	}
	sets := make(map[string]*factSet, len(stored))
	for _, f := range stored {
		// The row's key is the body's hash: a fact set edited around the
		// log is refused here, and named by `log verify`.
		if factsKey(f.Body) != f.Key {
			return liaison.Errorf(liaison.Conflicting, "", "the replay fact set %s is not what its key says: it was edited around the log (run `liaison log verify`)", f.Key)
		}
		sets[f.Key] = &factSet{body: f.Body, reduced: -1}
	}
	from, to := int64(math.MinInt64), int64(math.MaxInt64)
	if !opt.From.IsZero() {
		from = opt.From.UnixMicro()
	}
	if !opt.To.IsZero() {
		to = opt.To.UnixMicro()
	}
	counts := map[simKey]int{}
	res := &simResult{counts: counts}
	var jobs []changeJob
	parsed := map[string]ast.Expr{} // conditions, parsed once for every agency
	for k, a := range affected {
		r, err := readsOf(a.Jurisdiction, parsed, now, proposal)
		if err != nil {
			return err
		}
		m := &memoAgency{now: now, proposal: proposal, reads: r, sets: sets, reduced: map[string]int{}, groups: map[string]*group{}, nowHash: now.Hash()}
		for _, f := range sets {
			f.reduced = -1 // pruned again under this place's reads
		}
		n := 0
		err = idx.ReplayRows(ctx, a.ID, from, to, func(row *liaison.ReplayRow) error {
			n++
			if opt.Progress != nil && opt.LogSize > 0 && n%10000 == 0 {
				opt.Progress(int64(k)*opt.LogSize+row.Index+1, int64(len(affected))*opt.LogSize)
			}
			return m.replay(row, a, res)
		})
		if err != nil {
			return fmt.Errorf("agency %s: %w", a.ID, err)
		}
		if opt.Progress != nil && opt.LogSize > 0 {
			opt.Progress(int64(k+1)*opt.LogSize, int64(len(affected))*opt.LogSize)
		}
		sim.Inputs += len(m.groups)
		jobs = append(jobs, m.changes...)
	}
	// In the order the changes are listed (see tally), the first
	// ExplainFirst explained.
	slices.SortFunc(jobs, func(a, b changeJob) int {
		if c := cmp.Compare(a.row.AsOf, b.row.AsOf); c != 0 {
			return c
		}
		return strings.Compare(a.row.ID, b.row.ID)
	})
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := len(jobs)
	if opt.ExplainFirst > 0 {
		n = min(n, opt.ExplainFirst)
	}
	changes, err := explain(ctx, now, proposal, jobs[:n], workers)
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

// replay counts one row, and keeps it as a change when its answer does.
func (m *memoAgency) replay(row *liaison.ReplayRow, a *liaison.AgencyRecord, res *simResult) error {
	res.decisions++
	f := m.sets[row.Facts]
	if f == nil {
		return fmt.Errorf("decision %s: its fact set %s is not kept (run `liaison log verify`)", row.ID, row.Facts)
	}
	if f.tmpl == nil {
		f.tmpl = new(liaison.Request)
		if err := decodeRecord(f.body, f.tmpl); err != nil {
			return fmt.Errorf("decode fact set %s: %w", row.Facts, err)
		}
		f.loc = time.UTC
		if f.tmpl.Agency != nil && f.tmpl.Agency.TimeZone != "" {
			loc, err := m.now.Location(f.tmpl.Agency.TimeZone)
			if err != nil {
				return fmt.Errorf("fact set %s: %w", row.Facts, err)
			}
			f.loc = loc
		}
	}
	asOf := time.UnixMicro(row.AsOf).UTC()
	req := *f.tmpl
	req.AsOf, req.Action = asOf, row.Action
	lawNow, err := m.now.LawAt(&req)
	if err != nil {
		return fmt.Errorf("decision %s: %w", row.ID, err)
	}
	lawThen, err := m.proposal.LawAt(&req)
	if err != nil {
		return fmt.Errorf("decision %s: %w", row.ID, err)
	}
	stored := row.PackSet == m.nowHash && row.Engine == law.EngineVersion
	if lawNow == lawThen && stored {
		res.counts[simKey{row.Action, row.Outcome, row.Outcome}]++
		return nil
	}
	key, err := m.inputKey(f, row, asOf, lawNow, lawThen, stored)
	if err != nil {
		return err
	}
	g := m.groups[string(key)]
	if g == nil {
		full, err := fullRequest(f, row, asOf)
		if err != nil {
			return err
		}
		g = new(group)
		if !stored {
			if g.now, err = m.now.Decide(full, law.Options{}); err != nil {
				return fmt.Errorf("decide %s: %w", row.ID, err)
			}
		}
		if lawNow != lawThen {
			if g.proposal, err = m.proposal.Decide(full, law.Options{}); err != nil {
				return fmt.Errorf("decide %s under the proposal: %w", row.ID, err)
			}
			g.decisive = decisiveString(g.proposal.Decisive)
		}
		m.groups[string(key)] = g
	}
	from, fromDecisive := row.Outcome, row.Decisive
	if !stored {
		from = g.now.Outcome
		if lawNow == lawThen {
			res.counts[simKey{row.Action, from, from}]++
			return nil
		}
		fromDecisive = decisiveString(g.now.Decisive)
	}
	res.decided++
	res.counts[simKey{row.Action, from, g.proposal.Outcome}]++
	if from == g.proposal.Outcome && fromDecisive == g.decisive {
		return nil
	}
	// A change: explained later, from its own facts, under both sets.
	m.changes = append(m.changes, changeJob{row: *row, facts: f, agency: a, from: from, fromDecisive: fromDecisive, to: g.proposal})
	return nil
}

// changeJob is a changed decision to explain.
type changeJob struct {
	row          liaison.ReplayRow
	facts        *factSet
	agency       *liaison.AgencyRecord
	from         liaison.Outcome
	fromDecisive string
	to           *liaison.Decision
}

// unexplained is a change past those explained: its outcomes and
// decisive rules (pack and rule) only.
func unexplained(j *changeJob) *SimChange {
	c := &SimChange{Decision: j.row.ID, Request: j.row.Request, Agency: j.agency.ID, Jurisdiction: j.agency.Jurisdiction,
		Action: j.row.Action, AsOf: time.UnixMicro(j.row.AsOf).UTC(),
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
func explain(ctx context.Context, now, proposal *law.Set, jobs []changeJob, workers int) ([]*SimChange, error) {
	out := make([]*SimChange, len(jobs))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (len(jobs) + workers - 1) / workers
	for w := range workers {
		wg.Go(func() {
			// A request's decisions are listed together, and share
			// their facts: the last request made is kept.
			var last struct {
				facts *factSet
				times string
				req   *liaison.Request
			}
			for i := w * chunk; i < min(len(jobs), (w+1)*chunk); i++ {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				j := &jobs[i]
				if last.facts != j.facts || last.times != j.row.Times {
					req, err := fullRequest(j.facts, &j.row, time.Time{})
					if err != nil {
						errs[w] = err
						return
					}
					last.facts, last.times, last.req = j.facts, j.row.Times, req
				}
				c, err := explainChange(now, proposal, j, *last.req)
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

// explainChange explains a change, from req, its request with another's
// as_of and action (the engine does not change a request it decides).
func explainChange(now, proposal *law.Set, j *changeJob, req liaison.Request) (*SimChange, error) {
	row := &j.row
	asOf := time.UnixMicro(row.AsOf).UTC()
	req.AsOf, req.Action = asOf, row.Action
	full := &req
	x, err := now.Decide(full, law.Options{Explain: true})
	if err != nil {
		return nil, fmt.Errorf("decide %s: %w", row.ID, err)
	}
	y, err := proposal.Decide(full, law.Options{Explain: true})
	if err != nil {
		return nil, fmt.Errorf("decide %s under the proposal: %w", row.ID, err)
	}
	x.Normalize()
	x.Compact()
	y.Normalize()
	y.Compact()
	return &SimChange{Decision: row.ID, Request: row.Request, Agency: j.agency.ID, Jurisdiction: j.agency.Jurisdiction,
		Action: row.Action, AsOf: asOf, From: *x, To: *y}, nil
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

// fullRequest is a row's decision request, whole: its fact set with its
// times.
func fullRequest(f *factSet, row *liaison.ReplayRow, asOf time.Time) (*liaison.Request, error) {
	req := new(liaison.Request)
	if err := decodeRecord(f.body, req); err != nil {
		return nil, fmt.Errorf("decode fact set %s: %w", row.Facts, err)
	}
	v := reflect.ValueOf(req).Elem()
	for t := range strings.SplitSeq(row.Times, ";") {
		if t == "" {
			continue
		}
		path, val, _ := strings.Cut(t, "=")
		at, err := time.Parse(time.RFC3339Nano, val)
		if err != nil {
			return nil, fmt.Errorf("decision %s: time %s: %w", row.ID, path, err)
		}
		if err := setTime(v, path, at); err != nil {
			return nil, fmt.Errorf("decision %s: %w", row.ID, err)
		}
	}
	req.AsOf, req.Action = asOf, row.Action
	return req, nil
}

// inputKey writes the key of a row's input into m.key.
func (m *memoAgency) inputKey(f *factSet, row *liaison.ReplayRow, asOf time.Time, lawNow, lawThen uint64, stored bool) ([]byte, error) {
	if f.reduced < 0 {
		var doc any
		if err := json.Unmarshal(f.body, &doc); err != nil {
			return nil, fmt.Errorf("decode fact set %s: %w", row.Facts, err)
		}
		pruned, err := json.Marshal(m.reads.prune(doc, ""))
		if err != nil {
			return nil, fmt.Errorf("encode fact set %s: %w", row.Facts, err)
		}
		n, ok := m.reduced[string(pruned)]
		if !ok {
			n = len(m.reduced)
			m.reduced[string(pruned)] = n
		}
		f.reduced = n
	}
	k := m.key[:0]
	if stored {
		k = append(k, 's')
	}
	k = strconv.AppendInt(k, int64(f.reduced), 10)
	k = append(k, ' ')
	k = append(k, row.Action...)
	k = append(k, ' ')
	k = strconv.AppendUint(k, lawNow, 16)
	k = append(k, ' ')
	k = strconv.AppendUint(k, lawThen, 16)
	instant := m.reads.bare
	local := asOf.In(f.loc)
	for t := range strings.SplitSeq(row.Times, ";") {
		if t == "" {
			continue
		}
		path, val, _ := strings.Cut(t, "=")
		raw, calendar, inst := m.reads.timeUse(path)
		if raw {
			k = append(k, ' ')
			k = append(k, t...)
		}
		instant = instant || inst
		if len(calendar) > 0 {
			at, err := time.Parse(time.RFC3339Nano, val)
			if err != nil {
				return nil, fmt.Errorf("decision %s: time %s: %w", row.ID, path, err)
			}
			k = append(k, ' ')
			k = append(k, path...)
			for _, fn := range calendar {
				v, _ := law.Between(fn, at, local)
				k = append(k, ' ')
				k = strconv.AppendInt(k, v, 10)
			}
		}
	}
	if instant {
		k = append(k, " @"...)
		k = strconv.AppendInt(k, row.AsOf, 10)
	}
	m.key = k
	return k, nil
}
