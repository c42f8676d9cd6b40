package main

import (
	"bufio"
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

// packsDiffCmd is `liaison packs diff A B`: what changed in the law from A
// to B, rule by rule, and which cases it answers otherwise.
type packsDiffCmd struct {
	stdout, stderr io.Writer
}

func (c *packsDiffCmd) run(args []string) error {
	fset := flag.NewFlagSet("packs diff", flag.ContinueOnError)
	fset.SetOutput(c.stderr)
	jur := fset.String("jurisdiction", "", "compare only the law that applies at `J` (its levels), and the cases there (cases of the levels above moved to J)")
	action := fset.String("action", "", "compare only the cases of `ACTION`")
	casesFile := fset.String("cases", "", "compare the answers to the requests of `FILE` (JSON lines, as examples/requests.jsonl) instead of the pack tests")
	only := fset.Bool("only", false, "read a side's folder alone, not laid over the bundled packs")
	format := fset.String("format", "text", "`text` or json")
	fset.Usage = func() {
		fmt.Fprint(c.stderr, `usage: liaison packs diff [flags] A B

A and B are each a set of packs, read across all their versions, or on one day:
  bundled             the packs of this binary
  DIR                 the packs of DIR laid over the bundled ones (--only: DIR alone)
  @2016-06-01         the bundled packs as in force on that day
  DIR@2021-01-01      DIR's packs laid over the bundled ones, on that day
A side without a day is read on the other side's day, if it has one.

`)
		fset.PrintDefaults()
	}
	if err := fset.Parse(args); err != nil {
		return exitError(2)
	}
	if fset.NArg() != 2 || (*format != "text" && *format != "json") {
		fset.Usage()
		return exitError(2)
	}
	a, la, err := diffSide(fset.Arg(0), *only)
	if err != nil {
		return err
	}
	b, lb, err := diffSide(fset.Arg(1), *only)
	if err != nil {
		return err
	}
	if a.At.IsZero() {
		a.At = b.At
	}
	if b.At.IsZero() {
		b.At = a.At
	}
	var cases []law.Case
	if *casesFile != "" {
		cases, err = readCases(*casesFile)
	} else {
		cases, err = law.TestCases(append(la, lb...))
	}
	if err != nil {
		return err
	}
	cmp, err := law.Compare(a, b, cases, liaison.Jurisdiction(*jur), liaison.Action(*action))
	if err != nil {
		return err
	}
	cmp.A, cmp.B = fset.Arg(0), fset.Arg(1)
	rep := (*diffReport)(cmp)
	if *format == "json" {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.writeText(c.stdout)
	return nil
}

// diffReport is what `packs diff` found, written as text.
type diffReport law.Diff

func (r *diffReport) writeText(w io.Writer) {
	where := ""
	if r.Jurisdiction != "" {
		where = " for " + string(r.Jurisdiction)
	}
	fmt.Fprintf(w, "Law from %s to %s%s: %d pack versions and %d rules differ\n", r.A, r.B, where, len(r.Versions), len(r.Rules))
	for _, v := range r.Versions {
		switch v.Change {
		case "added":
			fmt.Fprintf(w, "  + %s (%s): %s\n", v.Pack, v.Jurisdiction, v.B)
		case "removed":
			fmt.Fprintf(w, "  - %s (%s): %s\n", v.Pack, v.Jurisdiction, v.A)
		default:
			fmt.Fprintf(w, "  ~ %s (%s): %s → %s\n", v.Pack, v.Jurisdiction, v.A, v.B)
		}
	}
	if len(r.Versions) > 0 {
		fmt.Fprintln(w)
	}
	for _, ch := range r.Rules {
		switch ch.Change {
		case "added":
			fmt.Fprintf(w, "  + %s (%s): %s %s when %s — %s\n", ch.Rule, ch.Jurisdiction, ch.B.Effect, actionList(ch.B.Actions), ch.B.Says, ch.B.Citation)
		case "removed":
			fmt.Fprintf(w, "  - %s (%s): %s %s when %s — %s\n", ch.Rule, ch.Jurisdiction, ch.A.Effect, actionList(ch.A.Actions), ch.A.Says, ch.A.Citation)
		default:
			fmt.Fprintf(w, "  ~ %s (%s): %s changed (version %s → %s)\n", ch.Rule, ch.Jurisdiction, strings.Join(ch.Fields, ", "), ch.A.Version, ch.B.Version)
			for _, f := range ch.Fields {
				x, y := orNone(fieldText(ch.A, f)), orNone(fieldText(ch.B, f))
				fmt.Fprintf(w, "      %s: %s\n      %s→ %s\n", f, x, strings.Repeat(" ", len(f)), y)
			}
		}
	}
	fmt.Fprintf(w, "\nAnswers: %d of %d cases differ\n", len(r.Answers), r.Cases)
	for _, a := range r.Answers {
		same := ""
		if a.OutcomeA == a.OutcomeB {
			same = ", the same outcome by other rules"
		}
		fmt.Fprintf(w, "  %s — %s at %s: %s (%s) → %s (%s)%s\n      A: %s\n      B: %s\n", a.Case, a.Action, a.Jurisdiction,
			strings.ToUpper(string(a.OutcomeA)), a.AsOfA, strings.ToUpper(string(a.OutcomeB)), a.AsOfB, same, listOr(a.DecisiveA), listOr(a.DecisiveB))
	}
}

func actionList(as []liaison.Action) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func listOr(s []string) string {
	if len(s) == 0 {
		return "no rule decides"
	}
	return strings.Join(s, "; ")
}

func fieldText(t *law.RuleText, field string) string {
	switch field {
	case "condition":
		return listOr(t.Condition)
	case "wording":
		return t.Says
	case "effect":
		return string(t.Effect)
	case "actions":
		return actionList(t.Actions)
	case "exceptions":
		return strings.Join(t.Exceptions, ", ")
	case "preempts":
		return fmt.Sprint(t.Preempts)
	case "citation":
		return t.Citation
	case "duties":
		return strings.Join(t.Duties, "; ")
	case "limits":
		return t.Limits
	}
	return ""
}

// diffSide reads a side of `packs diff` (see its usage), with the layers
// it was loaded from.
func diffSide(spec string, only bool) (law.Side, []law.Layer, error) {
	dir, day, hasDay := strings.Cut(spec, "@")
	var sd law.Side
	if hasDay {
		t, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return sd, nil, fmt.Errorf("side %q: the day after @ must be written YYYY-MM-DD", spec)
		}
		sd.At = t
	}
	var pf packsFlags
	switch {
	case dir == "" || dir == "bundled":
	case only:
		pf.only = dir
	default:
		pf.add = dir
	}
	ls, err := pf.layers()
	if err != nil {
		return sd, nil, fmt.Errorf("side %q: %w", spec, err)
	}
	if sd.Set, err = law.LoadLayers(ls...); err != nil {
		return sd, nil, fmt.Errorf("side %q: load packs:\n%w", spec, err)
	}
	return sd, ls, nil
}

// readCases reads the requests of a JSON lines file as cases named
// "FILE:LINE".
func readCases(name string) ([]law.Case, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []law.Case
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), liaison.MaxRequestBytes+1)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		req, err := liaison.DecodeRequest(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		out = append(out, law.Case{Name: fmt.Sprintf("%s:%d", name, n), Request: req})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
