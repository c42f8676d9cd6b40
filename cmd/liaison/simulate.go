package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/sqlite"
)

// simulateCmd is `liaison simulate`: every stored decision of a period
// decided again under proposed law, and the ones it would change listed.
type simulateCmd struct {
	stdout, stderr io.Writer
}

func (c *simulateCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	var pf packsFlags
	pf.register(fs)
	from := fs.String("from", "", "replay decisions made on or after `DATE` (YYYY-MM-DD, UTC)")
	to := fs.String("to", "", "replay decisions made before `DATE` (YYYY-MM-DD, UTC)")
	agency := fs.String("agency", "", "replay the decisions of agency `ID` only")
	workers := fs.Int("workers", 0, "decide on `N` goroutines (default: one per CPU)")
	explainN := fs.Int("explain", 0, "explain only the first `N` changes, in the order listed (the others with their outcomes and deciding rules only, which is faster when many change); 0 explains them all")
	format := fs.String("format", "text", "`text` or json")
	check := fs.String("integrity-check", "replay", "SQLite: check at start the tables a simulation writes, the replay rows (`replay`: PRAGMA quick_check of each), or the whole file (quick, full), or nothing (off)")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if pf.add == "" && pf.only == "" {
		fmt.Fprintln(c.stderr, "simulate: give the proposed packs with --packs DIR (laid over the bundled ones) or --packs-only DIR")
		return exitError(2)
	}
	if *explainN < 0 {
		fmt.Fprintln(c.stderr, "simulate: --explain is a number of changes, 0 for all")
		return exitError(2)
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintln(c.stderr, "simulate: --format is text or json")
		return exitError(2)
	}
	opt := desk.SimulateOptions{Agency: *agency, Workers: *workers, ExplainFirst: *explainN}
	for _, d := range []struct {
		flag string
		to   *time.Time
	}{{*from, &opt.From}, {*to, &opt.To}} {
		if d.flag == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, d.flag)
		if err != nil {
			return fmt.Errorf("simulate: %q is not a date written YYYY-MM-DD", d.flag)
		}
		*d.to = t
	}
	// Today's packs and the proposal's are compiled at once, on two cores.
	var now *law.Set
	var nowErr error
	loaded := make(chan struct{})
	go func() {
		defer close(loaded)
		now, nowErr = loadPacks("")
	}()
	proposal, err := pf.load()
	if <-loaded; nowErr != nil {
		return nowErr
	}
	if err != nil {
		return err
	}
	// A simulation writes nothing but the replay rows: checking those
	// tables, not the whole file, keeps opening a large store quick (an
	// 800 MB file's quick_check was most of the time to open it).
	checkOpt := sqlite.WithIntegrityCheckOf("replay_head", "replay_pages", "replay_strings")
	if *check != "replay" {
		checkOpt = sqlite.WithIntegrityCheck(*check, 10*time.Second) // as other commands open it
	}
	store, err := openStore(ctx, *db, checkOpt)
	if err != nil {
		return err
	}
	defer store.Close()
	// Most of what a replay allocates is garbage at once, as in serve.
	defer debug.SetGCPercent(debug.SetGCPercent(serveGCPercent))
	// The replay rows are filled first (all of them on first use, then
	// the decisions logged since), with a bar of their own.
	fill, bar := newProgress(c.stderr, "filling replay rows"), newProgress(c.stderr, "replaying")
	opt.FillProgress = fill.show
	filled := false
	opt.Progress = func(done, total int64) {
		if !filled {
			fill.end()
			filled = true
		}
		bar.show(done, total)
	}
	if opt.LogSize, err = store.TreeSize(ctx); err != nil {
		return err
	}
	start := time.Now()
	sim, err := desk.Simulate(ctx, store, now, proposal, opt)
	if !filled {
		fill.end()
	}
	bar.end()
	if err != nil {
		return err
	}
	took := time.Since(start)
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sim)
	}
	writeSimulation(c.stdout, sim, took)
	return nil
}

func writeSimulation(w io.Writer, sim *desk.Simulation, took time.Duration) {
	fmt.Fprintf(w, "%d decisions of %d agencies replayed under today's law and the proposal (%d agencies' law is the same under both)\n",
		sim.Decisions, sim.Agencies, sim.Unaffected)
	fmt.Fprintf(w, "%d had other law in force on their day under the proposal and were decided under it; %d would change", sim.Decided, sim.Changed)
	if r := sim.RuleOnlyChanges(); r > 0 {
		fmt.Fprintf(w, " (%d in outcome, %d only in the rules that decide them)", sim.OutcomeChanges(), r)
	}
	fmt.Fprintln(w, ".")
	if sim.Inputs > 0 {
		fmt.Fprintf(w, "(%d distinct inputs decided, each once, from the store's replay rows.)\n", sim.Inputs)
	}
	fmt.Fprintln(w)
	if len(sim.Counts) > 0 {
		fmt.Fprintf(w, "  %-28s %-14s %-14s %8s\n", "action", "today", "proposal", "decisions")
		for _, c := range sim.Counts {
			mark := ""
			if c.From != c.To {
				mark = "  ←"
			}
			fmt.Fprintf(w, "  %-28s %-14s %-14s %8d%s\n", c.Action, c.From, c.To, c.N, mark)
		}
		fmt.Fprintln(w)
	}
	for _, ch := range sim.Changes {
		fmt.Fprintf(w, "decision %s (request %s, %s at %s, %s): %s → %s\n", ch.Decision, ch.Request, ch.Action, ch.Jurisdiction,
			ch.AsOf.Format(time.RFC3339), ch.From.Outcome, ch.To.Outcome)
		if ch.From.Explanation == "" && ch.To.Explanation == "" { // past --explain's first N
			fmt.Fprintf(w, "  today:    %s\n  proposal: %s\n", rules(ch.From.Decisive), rules(ch.To.Decisive))
			continue
		}
		fmt.Fprintf(w, "  today:    %s\n  proposal: %s\n", oneLine(ch.From.Explanation), oneLine(ch.To.Explanation))
	}
	if sim.Decisions > 0 && took > 0 {
		fmt.Fprintf(w, "(%.0f decisions a second)\n", float64(sim.Decisions)/took.Seconds())
	}
}

// rules names a decision's deciding rules, pack/rule, for a change listed
// without its explanation.
func rules(refs []liaison.RuleRef) string {
	if len(refs) == 0 {
		return "(no rule decides it)"
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.Pack + "/" + r.Rule
	}
	return "decided by " + strings.Join(names, ", ")
}
