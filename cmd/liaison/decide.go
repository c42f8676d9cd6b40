package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"liaison"
	"liaison/law"
)

// decideCmd is `liaison decide`.
type decideCmd struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// now bounds the dates a request may hold (see liaison.Decode).
	now func() time.Time
}

func (c *decideCmd) run(ctx context.Context, args []string) error {
	fset := flag.NewFlagSet("decide", flag.ContinueOnError)
	fset.SetOutput(c.stderr)
	asJSON := fset.Bool("json", false, "write the decision as JSON")
	jsonl := fset.Bool("jsonl", false, "read one request per line, write one decision per line")
	var pf packsFlags
	pf.register(fset)
	asOf := fset.String("as-of", "", "decide as of `DATE` (YYYY-MM-DD, or a time in RFC 3339) instead of the request's as_of")
	timeline := fset.Bool("timeline", false, "list every period over which the answer stays the same, from the dates the law changes and the dates the facts reach an age the law counts (a conviction no longer within 15 years)")
	if err := fset.Parse(args); err != nil {
		return exitError(2)
	}
	set, err := pf.load()
	if err != nil {
		return err
	}
	in := c.stdin
	if name := fset.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	if *jsonl {
		return c.lines(ctx, set, in, *asJSON)
	}
	data, err := io.ReadAll(io.LimitReader(in, liaison.MaxRequestBytes+1))
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if *asOf != "" {
		if data, err = withAsOf(data, *asOf); err != nil {
			return err
		}
	}
	req, err := liaison.DecodeRequestAt(data, c.now())
	if err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if err := set.CheckRequest(req); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if day, err := time.Parse(time.DateOnly, *asOf); err == nil {
		req.AsOf = localNoon(set, req, day)
	}
	if *timeline {
		spans, err := set.Timeline(req)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(c.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(spans)
		}
		writeTimeline(c.stdout, req, spans)
		return nil
	}
	d, err := set.Decide(req, law.Options{Explain: true})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	writeText(c.stdout, req, d)
	return nil
}

// lines answers one request per line, in order; a bad line gets an error
// object on its line and the run goes on.
func (c *decideCmd) lines(ctx context.Context, set *law.Set, in io.Reader, asJSON bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), liaison.MaxRequestBytes+1)
	out := bufio.NewWriter(c.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	for n := 1; sc.Scan(); n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		req, err := liaison.DecodeRequestAt(line, c.now())
		var d *liaison.Decision
		if err == nil {
			err = set.CheckRequest(req)
		}
		if err == nil {
			d, err = set.Decide(req, law.Options{Explain: true})
		}
		if err != nil {
			if err := enc.Encode(map[string]string{"error": fmt.Sprintf("line %d: %v", n, err)}); err != nil {
				return err
			}
			continue
		}
		if asJSON {
			if err := enc.Encode(d); err != nil {
				return err
			}
		} else {
			writeText(out, req, d)
			fmt.Fprintln(out)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read requests: %w", err)
	}
	return nil
}

// withAsOf returns the JSON request data with its as_of set to asOf.
func withAsOf(data []byte, asOf string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	v, err := json.Marshal(asOf)
	if err != nil {
		return nil, err
	}
	m["as_of"] = v
	return json.Marshal(m)
}

// localNoon returns noon of day in the agency's time zone (UTC without
// one): a date given alone means the agency's day, whatever the zone.
func localNoon(set *law.Set, req *liaison.Request, day time.Time) time.Time {
	loc := time.UTC
	if req.Agency != nil && req.Agency.TimeZone != "" {
		if l, err := set.Location(req.Agency.TimeZone); err == nil {
			loc = l
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, loc)
}

// writeTimeline prints the periods of a timeline, one a line.
func writeTimeline(w io.Writer, req *liaison.Request, spans []law.Span) {
	fmt.Fprintf(w, "%s in %s, by the dates the law changes and the dates its facts reach an age the law counts:\n\n", req.Action, req.Jurisdiction)
	for _, sp := range spans {
		from, to := sp.From, sp.To
		if from == "" {
			from = "…"
		}
		if to == "" {
			to = "…"
		}
		var why []string
		for _, r := range sp.Decision.Decisive {
			why = append(why, r.Citation+" ("+r.Pack+"/"+r.Rule+")")
		}
		if len(why) == 0 {
			why = append(why, "no rule decides")
		}
		fmt.Fprintf(w, "  %-10s to %-10s  %-12s %s\n", from, to, strings.ToUpper(string(sp.Decision.Outcome)), strings.Join(why, "; "))
	}
}

// loadPacks loads the bundled packs with the packs in dir laid over them
// (see packsFlags).
func loadPacks(dir string) (*law.Set, error) {
	return packsFlags{add: dir}.load()
}

// writeText prints a decision for a person at a desk.
func writeText(w io.Writer, req *liaison.Request, d *liaison.Decision) {
	asOf := req.AsOf
	if req.Agency != nil && req.Agency.TimeZone != "" {
		if loc, err := time.LoadLocation(req.Agency.TimeZone); err == nil {
			asOf = asOf.In(loc) // the agency's day, as the engine counts it
		}
	}
	fmt.Fprintf(w, "%s — %s in %s on %s\n\n", strings.ToUpper(string(d.Outcome)), req.Action, req.Jurisdiction, asOf.Format("2006-01-02"))
	fmt.Fprintf(w, "%s\n", d.Explanation)
	if len(d.Decisive) > 0 {
		fmt.Fprintf(w, "\nBecause of:\n")
		for _, r := range d.Decisive {
			fmt.Fprintf(w, "  %-8s %s — %s/%s (%s)\n", r.Effect, r.Citation, r.Pack, r.Rule, r.Jurisdiction)
		}
	}
	if len(d.Duties) > 0 {
		fmt.Fprintf(w, "\nDuties:\n")
		for _, du := range d.Duties {
			due := du.DueText
			if du.Due != nil {
				due = strings.TrimSpace(du.Due.Format("2006-01-02 15:04 MST") + " " + due)
			}
			fmt.Fprintf(w, "  - %s (%s)", du.Text, du.Citation)
			if due != "" {
				fmt.Fprintf(w, " — due %s", due)
			}
			fmt.Fprintln(w)
		}
	}
	if len(d.Disclose) > 0 {
		items := make([]string, len(d.Disclose))
		for i, it := range d.Disclose {
			items[i] = string(it)
		}
		fmt.Fprintf(w, "\nMay disclose: %s\n", strings.Join(items, ", "))
	}
	if len(d.MissingFacts) > 0 {
		fmt.Fprintf(w, "\nMissing facts: %s\n", strings.Join(d.MissingFacts, ", "))
	}
	if len(d.WouldChangeIf) > 0 {
		fmt.Fprintf(w, "\nWould change:\n")
		for _, ch := range d.WouldChangeIf {
			fmt.Fprintf(w, "  -> %s if %s (%s)\n", ch.Outcome, strings.Join(ch.Unmet, " and "), ch.Citation)
		}
	}
}
