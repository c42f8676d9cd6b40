package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
)

// A report is a run's measurements (one round's, with -rounds).
type report struct {
	config            config
	checked           int // requests liaison and OPA agreed on
	started, finished time.Time
	rows              []row
}

// A row is one target at one concurrency level.
type row struct {
	target  string
	clients int
	sample
	// serverCPU is the CPU time the target's servers used over the level
	// (warm-up included), clientCPU the load generator's.
	serverCPU, clientCPU time.Duration
	// othersCPU is how many CPUs the rest of the machine kept busy over
	// the level, on average (other processes, PostgreSQL's included).
	othersCPU float64
	// serverSwitches and clientSwitches are the context switches of the
	// servers' threads and of the load generator's over the level.
	serverSwitches, clientSwitches switches
}

// cpuPerRequest is the servers' CPU time per answered request.
func (r row) cpuPerRequest() time.Duration {
	if r.answered == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.answered)
}

// find returns the row of target at clients, if it was measured.
func (rep *report) find(target string, clients int) (row, bool) {
	for _, r := range rep.rows {
		if r.target == target && r.clients == clients {
			return r, true
		}
	}
	return row{}, false
}

var targetNames = map[string]string{
	targetOPA:    "OPA server (`opa run --server`), POST /v1/data/…",
	targetDecide: "liaison serve, POST /v1/decisions (stateless)",
	targetSQLite: "liaison serve on SQLite, POST /v1/requests (durable)",
	targetPG1:    "liaison serve on PostgreSQL, 1 node, POST /v1/requests",
	targetPG3:    "liaison serve on PostgreSQL, %d nodes, POST /v1/requests",
	targetEmpty:  "net/http, an empty handler (the floor)",
	targetFixed:  "net/http, reads the body, answers fixed bytes (the floor)",
}

func (rep *report) name(target string) string {
	if target == targetPG3 {
		return fmt.Sprintf(targetNames[target], rep.config.nodes)
	}
	return targetNames[target]
}

// write prints the measurements and the ratios as Markdown tables.
func (rep *report) write(w io.Writer) {
	c := rep.config
	fmt.Fprintf(w, "httpload: %s to %s UTC, %d CPUs, %s; %d generated requests (seed %d) in turn; each level %s after %s of warm-up",
		rep.started.UTC().Format("2006-01-02 15:04"), rep.finished.UTC().Format("15:04"), runtime.NumCPU(), runtime.Version(),
		c.requests, c.seed, c.bound.duration, c.bound.warmup)
	if c.bound.count > 0 {
		fmt.Fprintf(w, " or %d requests", c.bound.count)
	}
	fmt.Fprintf(w, "; liaison and OPA agreed on %d requests over HTTP.\n\n", rep.checked)
	fmt.Fprintln(w, "| target | clients | requests/s | p50 | p99 | max | errors | server CPU per request | client CPU per request | other processes' CPUs |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, t := range allTargets {
		for _, n := range c.levels {
			r, ok := rep.find(t, n)
			if !ok {
				continue
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %d | %s | %s | %.2f |\n", rep.name(t), n, thousands(r.perSecond()),
				ms(r.pct(0.5)), ms(r.pct(0.99)), ms(r.pct(1)), r.errors, us(r.cpuPerRequest()), us(perRequest(r.clientCPU, r.answered)), r.othersCPU)
		}
	}
	fmt.Fprintln(w)
	rep.writeSwitches(w)
	var head []string
	var ratios []func(n int) string
	if ratio := rep.ratio(targetDecide, targetOPA); ratio != nil {
		head = append(head, "stateless: liaison ÷ OPA (goal ≥ 3×)", "p99 liaison / OPA", "server CPU per request, OPA ÷ liaison")
		ratios = append(ratios, ratio, rep.p99(targetDecide, targetOPA), rep.cpuRatio(targetOPA, targetDecide))
	}
	if ratio := rep.ratio(targetSQLite, targetOPA); ratio != nil {
		head = append(head, "durable SQLite ÷ OPA stateless (goal ≥ 1×)")
		ratios = append(ratios, ratio)
	}
	if ratio := rep.ratio(targetPG1, targetOPA); ratio != nil {
		head = append(head, "durable PostgreSQL 1 node ÷ OPA")
		ratios = append(ratios, ratio)
	}
	if ratio := rep.ratio(targetPG3, targetPG1); ratio != nil {
		head = append(head, fmt.Sprintf("PostgreSQL %d nodes ÷ 1 node", c.nodes))
		ratios = append(ratios, ratio)
	}
	if len(head) == 0 {
		return
	}
	fmt.Fprintf(w, "| clients | %s |\n|---:|%s\n", strings.Join(head, " | "), strings.Repeat("---:|", len(head)))
	for _, n := range c.levels {
		cells := make([]string, len(ratios))
		for i, f := range ratios {
			cells[i] = f(n)
		}
		fmt.Fprintf(w, "| %d | %s |\n", n, strings.Join(cells, " | "))
	}
	rep.writeBest(w)
}

// writeSwitches prints the context switches per answered request of each
// target's servers and of the load generator: voluntary ones are waits
// (the network, futexes), involuntary ones the kernel sharing the CPUs
// out among more threads than there are.
func (rep *report) writeSwitches(w io.Writer) {
	fmt.Fprintln(w, "| target | clients | server switches per request, voluntary | involuntary | client switches per request, voluntary | involuntary |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	per := func(n int64, r row) string {
		if r.answered == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f", float64(n)/float64(r.answered))
	}
	for _, t := range allTargets {
		for _, n := range rep.config.levels {
			r, ok := rep.find(t, n)
			if !ok {
				continue
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s |\n", rep.name(t), n,
				per(r.serverSwitches.voluntary, r), per(r.serverSwitches.involuntary, r),
				per(r.clientSwitches.voluntary, r), per(r.clientSwitches.involuntary, r))
		}
	}
	fmt.Fprintln(w)
}

// best returns the level of target with the most requests a second whose
// p99 is at most p99 (any p99 when p99 is 0), and whether there is one.
func (rep *report) best(target string, p99 time.Duration) (row, bool) {
	var out row
	found := false
	for _, n := range rep.config.levels {
		r, ok := rep.find(target, n)
		if !ok || r.requests == 0 || (p99 > 0 && r.pct(0.99) > p99) {
			continue
		}
		if !found || r.perSecond() > out.perSecond() {
			out, found = r, true
		}
	}
	return out, found
}

// goals are a round's readings of the two goals against OPA's
// best level (its most requests a second): stateless, liaison's best
// throughput at a p99 no worse than OPA's there ("≥ 3× at equal or better
// p99"); durable, the SQLite target's best throughput at any p99 (peak
// against peak, "≥ 1× OPA's stateless throughput").
type goals struct {
	opa                row
	stateless, durable row
	hasOPA             bool
	hasStateless       bool
	hasDurable         bool
}

func (rep *report) goals() goals {
	var g goals
	if g.opa, g.hasOPA = rep.best(targetOPA, 0); !g.hasOPA {
		return g
	}
	g.stateless, g.hasStateless = rep.best(targetDecide, g.opa.pct(0.99))
	g.durable, g.hasDurable = rep.best(targetSQLite, 0)
	return g
}

// ratio is r's throughput over OPA's best.
func (g goals) ratio(r row) float64 { return r.perSecond() / g.opa.perSecond() }

// writeBest prints the goals' readings (see goals).
func (rep *report) writeBest(w io.Writer) {
	g := rep.goals()
	if !g.hasOPA {
		return
	}
	opa := g.opa
	fmt.Fprintf(w, "\nOPA's best level: %d clients, %s requests/s at a p99 of %s. ", opa.clients, thousands(opa.perSecond()), ms(opa.pct(0.99)))
	switch _, ran := rep.find(targetDecide, rep.config.levels[0]); {
	case !ran:
		fmt.Fprintln(w)
	case !g.hasStateless:
		fmt.Fprintln(w, "liaison reached no p99 as good at any level.")
	default:
		ours := g.stateless
		fmt.Fprintf(w, "liaison's best at a p99 no worse: %d clients, %s requests/s at a p99 of %s: **%.2f×** (goal ≥ 3×).\n",
			ours.clients, thousands(ours.perSecond()), ms(ours.pct(0.99)), g.ratio(ours))
	}
	if g.hasDurable {
		d := g.durable
		fmt.Fprintf(w, "Durable SQLite's best level: %d clients, %s requests/s at a p99 of %s: **%.2f×** OPA's best, peak against peak (goal ≥ 1×).\n",
			d.clients, thousands(d.perSecond()), ms(d.pct(0.99)), g.ratio(d))
	}
}

// writeRounds prints, after the rounds' own tables, each round's reading
// of the goals and their medians: one round's ratio moves with what else
// the machine did in its minutes.
func writeRounds(w io.Writer, reps []*report) {
	fmt.Fprintf(w, "\n| round | time (UTC) | OPA's best, requests/s (clients) | stateless, liaison's best at a p99 no worse ÷ OPA's best | durable SQLite's best ÷ OPA's best |\n|---:|---|---:|---:|---:|\n")
	var stateless, durable []float64
	cell := func(ok bool, r row, g goals, all *[]float64) string {
		if !ok {
			return "–"
		}
		*all = append(*all, g.ratio(r))
		return fmt.Sprintf("%.2f× (%s at %d)", g.ratio(r), thousands(r.perSecond()), r.clients)
	}
	for i, rep := range reps {
		g := rep.goals()
		if !g.hasOPA {
			continue
		}
		fmt.Fprintf(w, "| %d | %s–%s | %s (%d) | %s | %s |\n", i+1, rep.started.UTC().Format("15:04:05"), rep.finished.UTC().Format("15:04:05"),
			thousands(g.opa.perSecond()), g.opa.clients, cell(g.hasStateless, g.stateless, g, &stateless), cell(g.hasDurable, g.durable, g, &durable))
	}
	if len(stateless) > 0 {
		fmt.Fprintf(w, "\nStateless over %d rounds: median **%.2f×**, from %.2f× to %.2f× (goal ≥ 3×).", len(stateless), median(stateless), slices.Min(stateless), slices.Max(stateless))
	}
	if len(durable) > 0 {
		fmt.Fprintf(w, "\nDurable SQLite over %d rounds: median **%.2f×**, from %.2f× to %.2f× (goal ≥ 1×).", len(durable), median(durable), slices.Min(durable), slices.Max(durable))
	}
	fmt.Fprintln(w)
}

// median returns the median of xs (the mean of the middle two when they
// are even in number).
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// ratio returns a function giving a's throughput over b's at a level, or
// nil when either was not measured.
func (rep *report) ratio(a, b string) func(int) string {
	if _, ok := rep.find(a, rep.config.levels[0]); !ok {
		return nil
	}
	if _, ok := rep.find(b, rep.config.levels[0]); !ok {
		return nil
	}
	return func(n int) string {
		ra, _ := rep.find(a, n)
		rb, _ := rep.find(b, n)
		if rb.perSecond() == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", ra.perSecond()/rb.perSecond())
	}
}

// cpuRatio returns a function giving a's server CPU per request over b's
// at a level: less sensitive than throughput to what else the machine
// runs.
func (rep *report) cpuRatio(a, b string) func(int) string {
	return func(n int) string {
		ra, _ := rep.find(a, n)
		rb, _ := rep.find(b, n)
		if rb.cpuPerRequest() == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", float64(ra.cpuPerRequest())/float64(rb.cpuPerRequest()))
	}
}

// p99 returns a function giving a's and b's p99 at a level.
func (rep *report) p99(a, b string) func(int) string {
	return func(n int) string {
		ra, _ := rep.find(a, n)
		rb, _ := rep.find(b, n)
		return ms(ra.pct(0.99)) + " / " + ms(rb.pct(0.99))
	}
}

func perRequest(d time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return d / time.Duration(n)
}

func us(d time.Duration) string {
	return fmt.Sprintf("%d µs", d.Microseconds())
}

// thousands formats x rounded, with commas between thousands.
func thousands(x float64) string {
	s := fmt.Sprintf("%.0f", x)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
