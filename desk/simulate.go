package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"liaison"
	"liaison/law"
)

// SimulateOptions choose the stored decisions a simulation replays.
type SimulateOptions struct {
	// From and To bound the decisions' as_of: From ≤ as_of < To. Zero
	// leaves that end open.
	From, To time.Time
	// Agency, when set, replays that agency's decisions only.
	Agency string
	// Workers decide in parallel (default GOMAXPROCS).
	Workers int
	// ExplainFirst, when set, explains only the first changes, in the
	// order they are listed: the others carry their outcomes and decisive
	// rules (pack and rule) only. Explaining is most of a replay's time
	// when many decisions change; a page that lists the first 500 asks
	// for those. (The plain replay explains every change.)
	ExplainFirst int
	// Plain reads every decision's records and decides each on its own,
	// as the simulation did before the replay rows (and as the tests'
	// oracle does), even from a store that keeps them.
	Plain bool
	// Progress, when set, is told how far the reading has come, after
	// each page: the log index reached in the current agency's records,
	// out of LogSize for each agency to read (a simulation reads each
	// affected agency's decisions in log order).
	Progress func(done, total int64)
	LogSize  int64
	// FillProgress, when set, is told how far the replay rows' fill (on
	// first use, and of the decisions logged since) has come: the leaf
	// index reached, out of the log's size.
	FillProgress func(done, total int64)

	// shortString, when set, is the length up to which the replay
	// strings are read at the start (default shortString): the tests
	// make every string long.
	shortString int
}

// A Simulation is what Simulate found: how the stored decisions of a
// period would have come out under proposed law.
type Simulation struct {
	// Agencies is how many agencies the proposal changes some law of (at
	// some level of their jurisdiction); Unaffected how many it does not,
	// whose decisions were not read: the proposal cannot change them.
	Agencies   int `json:"agencies"`
	Unaffected int `json:"unaffected"`
	// Decisions is how many stored decisions of the affected agencies, in
	// the period, were replayed.
	Decisions int `json:"decisions"`
	// Decided is how many of them were decided under the proposal: those
	// on whose day the law in force at their place differs between the
	// two sets (law.Set.LawAt). The others are answered alike by
	// construction, today's answer standing for both.
	Decided int `json:"decided"`
	// Inputs is how many distinct inputs (what the rules of the two sets
	// can read of a decision) were decided, each once: the other
	// decisions took their answers. Zero when the decisions were read
	// from the records (SimulateOptions.Plain, or a store without replay
	// rows), each decided on its own.
	Inputs int `json:"inputs"`
	// Changed is how many of them the proposal answers otherwise: in
	// outcome, or in the rules that decide it.
	Changed int `json:"changed"`
	// Counts tallies the decisions by action and outcome, from today's law
	// to the proposal's (unchanged ones too).
	Counts  []SimCount  `json:"counts"`
	Changes []SimChange `json:"changes"`
}

// OutcomeChanges is how many of the changes are in outcome; the others
// (Changed less these) keep their outcome and change only the rules that
// decide it.
func (s *Simulation) OutcomeChanges() int {
	n := 0
	for _, c := range s.Counts {
		if c.From != c.To {
			n += c.N
		}
	}
	return n
}

// RuleOnlyChanges is how many of the changes keep their outcome and change
// only the rules that decide it.
func (s *Simulation) RuleOnlyChanges() int { return s.Changed - s.OutcomeChanges() }

// A SimCount is how many decisions of an action went from one outcome to
// another.
type SimCount struct {
	Action liaison.Action  `json:"action"`
	From   liaison.Outcome `json:"from"`
	To     liaison.Outcome `json:"to"`
	N      int             `json:"n"`
}

// A SimChange is a stored decision the proposal answers otherwise.
type SimChange struct {
	Decision     string               `json:"decision"`
	Request      string               `json:"request"`
	Agency       string               `json:"agency"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	Action       liaison.Action       `json:"action"`
	AsOf         time.Time            `json:"as_of"`
	// From is the answer under today's law, To under the proposal
	// (explained, without the trace).
	From liaison.Decision `json:"from"`
	To   liaison.Decision `json:"to"`
}

// Simulate decides every stored decision of the period again, from its
// stored facts as they stood (the request's, with the facts records up to
// the decision's), under today's law (now) and under the proposal, and
// reports those answered otherwise. Only the agencies at whose
// jurisdiction some level's packs differ between the two sets are read:
// elsewhere both answer alike by construction. Comparing with today's law
// rather than the stored answer keeps the proposal's effect apart from
// changes of the law or the engine since the decision was made (`liaison
// packs check-upgrade` reports those).
func Simulate(ctx context.Context, store liaison.Store, now, proposal *law.Set, opt SimulateOptions) (*Simulation, error) {
	sim := &Simulation{Counts: []SimCount{}, Changes: []SimChange{}}
	agencies, err := list[liaison.AgencyRecord](ctx, store, liaison.Filter{Kind: liaison.KindAgency})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	var affected []*liaison.AgencyRecord
	for i := range agencies {
		a := &agencies[i]
		if opt.Agency != "" && a.ID != opt.Agency {
			continue
		}
		if now.Fingerprint(a.Jurisdiction) == proposal.Fingerprint(a.Jurisdiction) {
			sim.Unaffected++
			continue
		}
		affected = append(affected, a)
	}
	sim.Agencies = len(affected)
	if idx, ok := store.(replayStore); ok && !opt.Plain {
		if err := simulateRows(ctx, idx, now, proposal, opt, affected, sim); err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
		return sim, nil
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The store is read on this goroutine, a page of decisions at a time;
	// the workers decode and decide while the next page is read.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan []simJob, workers)
	results := make([]simResult, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			res := &results[w]
			res.counts = map[simKey]int{}
			for page := range jobs {
				for i := range page {
					if res.err != nil {
						continue // drain
					}
					n, err := replayJob(&page[i], opt, now, proposal, res)
					res.decisions += n
					if err != nil {
						res.err = err
						cancel()
					}
				}
			}
		})
	}
	var readErr error
	for k, a := range affected {
		if readErr = readAgency(ctx, store, a, jobs, func(index int64) {
			if opt.Progress != nil && opt.LogSize > 0 {
				opt.Progress(int64(k)*opt.LogSize+index+1, int64(len(affected))*opt.LogSize)
			}
		}); readErr != nil {
			readErr = fmt.Errorf("simulate: agency %s: %w", a.ID, readErr)
			break
		}
	}
	close(jobs)
	wg.Wait()
	for _, r := range results {
		if r.err != nil {
			return nil, fmt.Errorf("simulate: %w", r.err)
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	tally(sim, results)
	return sim, nil
}

// simDecision is the part of a stored decision a simulation reads (and a
// replay row takes: Request too, which decodeSimDecision skips).
type simDecision struct {
	ID       string         `json:"id"`
	Request  string         `json:"request"`
	Action   liaison.Action `json:"action"`
	AsOf     time.Time      `json:"as_of"`
	PackSet  string         `json:"pack_set"`
	Engine   string         `json:"engine"`
	Facts    string         `json:"facts"`
	Decision struct {
		Outcome  liaison.Outcome   `json:"outcome"`
		Decisive []liaison.RuleRef `json:"decisive"`
	} `json:"decision"`
}

// simJob is one request's decisions of one page to decide again: the
// records, undecoded, and the request's facts records in log order.
type simJob struct {
	agency    *liaison.AgencyRecord
	id        string
	request   []byte
	facts     []liaison.FactsRecord
	decisions [][]byte
}

type simResult struct {
	dec                *jsontext.Decoder // reused for each decision's body
	decisions, decided int
	counts             map[simKey]int
	// changes are pointers: a change holds two explained decisions, and
	// growing a slice of them copied each many times over (a tenth of a
	// replay's time when half the decisions change).
	changes []*SimChange
	err     error
}

// readAgency reads an agency's requests and facts, then its decisions a
// page at a time, and sends each page's decisions to jobs, one request's
// to a job. Nothing is decoded here but the (rare) facts records.
func readAgency(ctx context.Context, store liaison.Store, a *liaison.AgencyRecord, jobs chan<- []simJob, read func(index int64)) error {
	requests := map[string][]byte{}
	if err := eachRaw(ctx, store, liaison.Filter{Kind: liaison.KindRequest, Agency: a.ID}, func(recs []*liaison.StoredRecord) error {
		for _, r := range recs {
			requests[r.ID] = r.Body
		}
		return nil
	}); err != nil {
		return err
	}
	facts := map[string][]liaison.FactsRecord{}
	if err := eachRaw(ctx, store, liaison.Filter{Kind: liaison.KindFacts, Agency: a.ID}, func(recs []*liaison.StoredRecord) error {
		for _, r := range recs {
			var fr liaison.FactsRecord
			if err := json.Unmarshal(r.Body, &fr); err != nil {
				return fmt.Errorf("decode facts %s: %w", r.ID, err)
			}
			facts[fr.Request] = append(facts[fr.Request], fr)
		}
		return nil
	}); err != nil {
		return err
	}
	return eachRaw(ctx, store, liaison.Filter{Kind: liaison.KindDecision, Agency: a.ID}, func(recs []*liaison.StoredRecord) error {
		var page []simJob
		for _, r := range recs {
			if n := len(page); n > 0 && page[n-1].id == r.Parent {
				page[n-1].decisions = append(page[n-1].decisions, r.Body)
				continue
			}
			body, ok := requests[r.Parent]
			if !ok {
				return fmt.Errorf("decision %s: its request %s is not among the agency's", r.ID, r.Parent)
			}
			page = append(page, simJob{agency: a, id: r.Parent, request: body, facts: facts[r.Parent], decisions: [][]byte{r.Body}})
		}
		read(recs[len(recs)-1].Index)
		select {
		case jobs <- page:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// eachRaw hands fn every page of the records f selects, undecoded, in log
// order.
func eachRaw(ctx context.Context, store liaison.Store, f liaison.Filter, fn func([]*liaison.StoredRecord) error) error {
	const page = 1000
	f.Limit = page
	for {
		recs, err := store.List(ctx, f)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			if err := fn(recs); err != nil {
				return err
			}
			f.From = recs[len(recs)-1].Index + 1
		}
		if len(recs) < page {
			return nil
		}
	}
}

// tally adds up the workers' results.
func tally(sim *Simulation, results []simResult) {
	counts := map[simKey]int{}
	n := 0
	for _, r := range results {
		n += len(r.changes)
	}
	sim.Changes = slices.Grow(sim.Changes, n)
	for _, r := range results {
		sim.Decisions += r.decisions
		sim.Decided += r.decided
		for k, n := range r.counts {
			counts[k] += n
		}
		for _, c := range r.changes {
			sim.Changes = append(sim.Changes, *c)
		}
	}
	for k, n := range counts {
		sim.Counts = append(sim.Counts, SimCount{Action: k.action, From: k.from, To: k.to, N: n})
	}
	slices.SortFunc(sim.Counts, func(a, b SimCount) int {
		return strings.Compare(string(a.Action)+" "+string(a.From)+" "+string(a.To), string(b.Action)+" "+string(b.From)+" "+string(b.To))
	})
	byTime := func(a, b SimChange) int {
		if c := a.AsOf.Compare(b.AsOf); c != 0 {
			return c
		}
		return strings.Compare(a.Decision, b.Decision)
	}
	if !slices.IsSortedFunc(sim.Changes, byTime) { // the replay rows' are
		slices.SortFunc(sim.Changes, byTime)
	}
	sim.Changed = len(sim.Changes)
}

type simKey struct {
	action   liaison.Action
	from, to liaison.Outcome
}

// replayJob decides one request's decisions of the period under both
// sets, and returns how many it decided.
func replayJob(j *simJob, opt SimulateOptions, now, proposal *law.Set, res *simResult) (int, error) {
	var rr *liaison.RequestRecord
	n := 0
	if res.dec == nil {
		res.dec = jsontext.NewDecoder(bytes.NewReader(nil))
	}
	for _, body := range j.decisions {
		var d simDecision
		if err := decodeSimDecision(res.dec, body, &d); err != nil {
			return n, fmt.Errorf("decode a decision of request %s: %w", j.id, err)
		}
		if (!opt.From.IsZero() && d.AsOf.Before(opt.From)) || (!opt.To.IsZero() && !d.AsOf.Before(opt.To)) {
			continue
		}
		if rr == nil {
			rr = new(liaison.RequestRecord)
			if err := decodeRecord(j.request, rr); err != nil {
				return n, fmt.Errorf("decode request %s: %w", j.id, err)
			}
		}
		eff := rr
		if d.Facts != "" {
			e := *rr
			for i := range j.facts {
				if err := applyFacts(&e, &j.facts[i]); err != nil {
					return n, fmt.Errorf("request %s: facts %s: %w", j.id, j.facts[i].ID, err)
				}
				if j.facts[i].ID == d.Facts {
					break
				}
			}
			eff = &e
		}
		req := decisionRequest(j.agency, eff, d.Action, d.AsOf)
		if d.Engine == "" || d.Engine == "liaison-engine/1" {
			req.Agency.TimeZone = "UTC" // as decideAgain
		}
		// Today's answer is the stored one when it was made with today's
		// packs and engine (the engine is a function of both and the
		// facts: `log verify --redecide` checks it), else decided again.
		a := &liaison.Decision{Outcome: d.Decision.Outcome, Decisive: d.Decision.Decisive}
		stored := d.PackSet == now.Hash() && d.Engine == law.EngineVersion
		if !stored {
			var err error
			if a, err = now.Decide(req, law.Options{}); err != nil {
				return n, fmt.Errorf("decide %s: %w", d.ID, err)
			}
		}
		n++
		lawNow, err := now.LawAt(req)
		if err != nil {
			return n, fmt.Errorf("decision %s: %w", d.ID, err)
		}
		lawThen, err := proposal.LawAt(req)
		if err != nil {
			return n, fmt.Errorf("decision %s: %w", d.ID, err)
		}
		if lawNow == lawThen {
			res.counts[simKey{d.Action, a.Outcome, a.Outcome}]++
			continue
		}
		res.decided++
		b, err := proposal.Decide(req, law.Options{})
		if err != nil {
			return n, fmt.Errorf("decide %s under the proposal: %w", d.ID, err)
		}
		res.counts[simKey{d.Action, a.Outcome, b.Outcome}]++
		if law.SameAnswer(a, b) {
			continue
		}
		// Explained, for the ones that change: today's as stored, when it
		// was made with today's law (decoding it is cheaper than
		// explaining it again), else explained again.
		if stored {
			var dr liaison.DecisionRecord
			if err := decodeRecord(body, &dr); err != nil {
				return n, fmt.Errorf("decode decision %s: %w", d.ID, err)
			}
			a = &dr.Decision
		} else if a, err = now.Decide(req, law.Options{Explain: true}); err != nil {
			return n, err
		}
		if b, err = proposal.Decide(req, law.Options{Explain: true}); err != nil {
			return n, err
		}
		a.Normalize()
		a.Compact()
		b.Normalize()
		b.Compact()
		res.changes = append(res.changes, &SimChange{Decision: d.ID, Request: j.id, Agency: j.agency.ID, Jurisdiction: j.agency.Jurisdiction,
			Action: d.Action, AsOf: d.AsOf, From: *a, To: *b})
	}
	return n, nil
}

// decodeRecord decodes a stored record's body, which is canonical JSON
// the desk wrote, with encoding/json/v2's decoder: unlike encoding/json
// it does not scan the whole body once to validate it before decoding
// (about a third of the time of a request's decoding; see
// BenchmarkSimulate). Unknown members are ignored, as by encoding/json.
// A fact set of the replay index (canonical JSON the fill wrote) is
// decoded so too.
func decodeRecord(body []byte, v any) error {
	return jsonv2.Unmarshal(body, v, recordOptions)
}

// recordOptions decode an offence with encoding/json/v2 as
// Offense.UnmarshalJSON does with encoding/json (which it falls back on
// for each offence otherwise: a third of a fact set's decoding).
var recordOptions = jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, o *liaison.Offense) error {
	var v liaison.StoredOffense
	if err := jsonv2.UnmarshalDecode(dec, &v); err != nil {
		return err
	}
	off, err := v.Offense()
	if err != nil {
		return err
	}
	*o = off
	return nil
}))

// simulators may run a simulation: it lists cases of the period with
// their decisions' explanations.
var simulators = []liaison.Role{liaison.RoleCounsel, liaison.RoleSupervisor, liaison.RoleAuditor}

// Simulate is Simulate over the desk's store and law, for by: counsel,
// a supervisor or an auditor. An actor limited to an agency simulates
// that agency's decisions only.
func (d *Desk) Simulate(ctx context.Context, by liaison.Actor, proposal *law.Set, opt SimulateOptions) (*Simulation, error) {
	if err := need(by, simulators...); err != nil {
		return nil, err
	}
	if opt.Agency == "" {
		opt.Agency = by.Agency
	}
	if err := inScope(by, opt.Agency, "agency"); err != nil {
		return nil, err
	}
	return Simulate(ctx, d.store, d.law, proposal, opt)
}

// ShowSimulated logs, as reads by by, the changed decisions of a
// simulation that are about to be shown to by (a case's explanations are
// a read of it, as on the case page): one read record per request, naming
// its person, in one append.
func (d *Desk) ShowSimulated(ctx context.Context, by liaison.Actor, changes []SimChange) error {
	if err := need(by, simulators...); err != nil {
		return err
	}
	var recs []*liaison.StoredRecord
	seen := map[string]bool{}
	for _, c := range changes {
		if seen[c.Request] {
			continue
		}
		seen[c.Request] = true
		var rr liaison.RequestRecord
		if _, err := d.load(ctx, liaison.KindRequest, c.Request, &rr); err != nil {
			return fmt.Errorf("log the reads of a simulation: %w", err)
		}
		if err := inScope(by, rr.Agency, "agency"); err != nil {
			return err
		}
		if rr.Person == "" && rr.Subject == nil {
			continue // about no one (as logRead)
		}
		rec, err := d.readRecord(by, rr.Agency, rr.Person, rr.ID, rr.ID)
		if err != nil {
			return err
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil
	}
	return d.store.Append(ctx, recs...)
}
