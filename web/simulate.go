package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/examples/proposals"
	"liaison/law"
)

// simulateTimeout bounds a simulation run from the page. It runs while the
// page waits: the demo's history (about 10,000 decisions) takes well under
// a second; a longer period of a large store is `liaison simulate`'s.
const simulateTimeout = 30 * time.Second

// simulateListed is how many changed cases the page lists; the counts
// hold all of them.
const simulateListed = 500

// proposalSets are the proposals' pack sets, each laid over the desk's law
// and loaded the first time it is asked for.
type proposalSets struct {
	mu   sync.Mutex
	sets map[string]*law.Set
}

// proposals are the proposals the page offers: the bundled ones, then
// those configured on the server (Config.Proposals; a configured one with
// a bundled one's name replaces it).
func (s *Site) proposals() []proposals.Proposal {
	out := proposals.All()
	for _, p := range s.cfg.Proposals {
		if i := slices.IndexFunc(out, func(b proposals.Proposal) bool { return b.Name == p.Name }); i >= 0 {
			out[i] = p
			continue
		}
		out = append(out, p)
	}
	return out
}

// proposalSet returns the desk's law with the proposal named laid over it.
func (s *Site) proposalSet(name string) (*law.Set, error) {
	all := s.proposals()
	i := slices.IndexFunc(all, func(p proposals.Proposal) bool { return p.Name == name })
	if i < 0 {
		return nil, liaison.Errorf(liaison.Invalid, "proposal", "no proposal named %q", name)
	}
	p := all[i]
	s.sims.mu.Lock()
	defer s.sims.mu.Unlock()
	if set := s.sims.sets[name]; set != nil {
		return set, nil
	}
	set, err := law.LoadLayers(append(baseLayers(s.cfg.Desk.Law()), law.Layer{Name: "proposal " + p.Name, FS: p.FS})...)
	if err != nil {
		return nil, fmt.Errorf("load proposal %s: %w", p.Name, err)
	}
	if s.sims.sets == nil {
		s.sims.sets = map[string]*law.Set{}
	}
	s.sims.sets[name] = set
	return set, nil
}

// baseLayers are the layers of set, for a proposal to be laid over: its
// own, or for a set loaded from one folder or from stored files, its files
// as one layer.
func baseLayers(set *law.Set) []law.Layer {
	if ls := set.Layers(); len(ls) > 0 {
		return slices.Clone(ls)
	}
	return []law.Layer{{Name: "today", Files: set.Files()}}
}

type simulateData struct {
	Proposals []string
	Agencies  []liaison.AgencyRecord
	// The form: what was asked.
	Proposal, From, To, Agency string
	// Limited is true when the actor's token is limited to an agency.
	Limited bool
	// Sim is the run's result, nil before one.
	Sim     *desk.Simulation
	Took    string
	Rows    []simRow
	Chart   *simChart
	Changes []desk.SimChange
	// More is how many changed cases are not listed.
	More int
}

// simRow is a line of the counts table.
type simRow struct {
	desk.SimCount
	Changed bool
}

// simulate runs a proposal over the stored decisions of a period and
// shows what it would change: counts by action and outcome (a table and a
// bar chart) and the changed cases with both explanations. It runs when
// the form is sent (GET: it changes nothing), while the page waits, within
// simulateTimeout.
func (s *Site) simulate(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx := r.Context()
	a := ss.actor
	q := r.URL.Query()
	data := simulateData{Proposal: q.Get("proposal"), From: q.Get("from"), To: q.Get("to"), Agency: q.Get("agency"), Limited: a.Agency != ""}
	for _, p := range s.proposals() {
		data.Proposals = append(data.Proposals, p.Name)
	}
	if a.Agency != "" {
		data.Agency = a.Agency
	}
	agencies, _, err := s.cfg.Desk.Agencies(ctx, a, desk.Page{Limit: desk.MaxLimit})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	data.Agencies = agencies
	v := view{Title: "Simulate a proposal", Actor: actorOf(ss), Nav: "simulate", Data: &data}
	if data.Proposal == "" {
		s.render(w, r, http.StatusOK, "simulate", v)
		return
	}
	if err := s.runSimulation(ctx, a, &data); err != nil {
		if liaison.KindOf(err) == liaison.Internal {
			s.cfg.Logger.ErrorContext(ctx, "web", "route", r.Pattern, "err", err)
		}
		v.Error = message(err)
		s.render(w, r, statusOf(err), "simulate", v)
		return
	}
	s.render(w, r, http.StatusOK, "simulate", v)
}

// runSimulation runs the simulation the form asks for into data.
func (s *Site) runSimulation(ctx context.Context, a liaison.Actor, data *simulateData) error {
	opt := desk.SimulateOptions{Agency: data.Agency, ExplainFirst: simulateListed}
	for _, d := range []struct {
		name, v string
		to      *time.Time
	}{{"from", data.From, &opt.From}, {"to", data.To, &opt.To}} {
		if d.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.v)
		if err != nil {
			return liaison.Errorf(liaison.Invalid, d.name, "%q is not a date written YYYY-MM-DD", d.v)
		}
		*d.to = t
	}
	if !opt.From.IsZero() && !opt.To.IsZero() && !opt.From.Before(opt.To) {
		return liaison.Errorf(liaison.Invalid, "to", "the period ends (%s) before it begins (%s)", data.To, data.From)
	}
	set, err := s.proposalSet(data.Proposal)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, simulateTimeout)
	defer cancel()
	start := time.Now()
	sim, err := s.cfg.Desk.Simulate(ctx, a, set, opt)
	if errors.Is(err, context.DeadlineExceeded) {
		return liaison.Errorf(liaison.Invalid, "from", "the simulation took longer than %s: choose a shorter period or one agency, or run `liaison simulate` on the server", simulateTimeout)
	}
	if err != nil {
		return err
	}
	data.Sim = sim
	data.Took = time.Since(start).Round(time.Millisecond).String()
	for _, c := range sim.Counts {
		data.Rows = append(data.Rows, simRow{SimCount: c, Changed: c.From != c.To})
	}
	data.Chart = chartOf(sim.Counts)
	data.Changes = sim.Changes
	if len(data.Changes) > simulateListed {
		data.More = len(data.Changes) - simulateListed
		data.Changes = data.Changes[:simulateListed]
	}
	// The cases listed are shown with their explanations: reads, logged.
	return s.cfg.Desk.ShowSimulated(ctx, a, data.Changes)
}
