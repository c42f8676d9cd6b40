package main

import (
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/law"
	"liaison/packs"
)

// mapCmd is `liaison map`: a standard case decided in every jurisdiction
// with packs, on one day, with the days some answer changes.
type mapCmd struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

func (c *mapCmd) run(args []string) error {
	fs := flag.NewFlagSet("map", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var pf packsFlags
	pf.register(fs)
	asOf := fs.String("as-of", "", "decide on `DATE` (YYYY-MM-DD; default today)")
	name := fs.String("case", "", "the standard case `NAME` (see --list)")
	list := fs.Bool("list", false, "list the standard cases")
	format := fs.String("format", "csv", "`csv`, json or svg (a US map of one action, as the page /law/map draws it)")
	action := fs.String("action", "", "the `ACTION` an SVG shows (default: the case's first)")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	presets, err := law.LoadPresets(packs.Cases())
	if err != nil {
		return err
	}
	if *list || *name == "" {
		w := c.stdout
		if !*list {
			w = c.stderr
			fmt.Fprintln(w, "map: give --case NAME, one of:")
		}
		for _, p := range presets {
			fmt.Fprintf(w, "  %-40s %s\n", p.Name, p.Title)
		}
		if !*list {
			return exitError(2)
		}
		return nil
	}
	preset, err := law.FindPreset(presets, *name)
	if err != nil {
		return fmt.Errorf("map: %w (liaison map --list says what each is)", err)
	}
	act := preset.Actions[0]
	if *action != "" {
		if act = liaison.Action(*action); !slices.Contains(preset.Actions, act) {
			return fmt.Errorf("map: the case %s is mapped for %s, not %q", preset.Name, actionList(preset.Actions), *action)
		}
	}
	day := c.now().UTC()
	if *asOf != "" {
		if day, err = time.Parse(time.DateOnly, *asOf); err != nil {
			return fmt.Errorf("map: --as-of %q is not a date written YYYY-MM-DD", *asOf)
		}
	}
	set, err := pf.load()
	if err != nil {
		return err
	}
	// The places the pack tests name, with or without law of their own:
	// the bundled counties and cities.
	places, err := set.MapPlaces()
	if err != nil {
		return err
	}
	m, err := set.Map(preset, day, places...)
	if err != nil {
		return err
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	case "csv":
		return writeMapCSV(c.stdout, m)
	case "svg":
		return writeMapSVG(c.stdout, m, act)
	}
	fmt.Fprintf(c.stderr, "map: --format is csv, json or svg, not %q\n", *format)
	return exitError(2)
}

// writeMapCSV writes one line per cell, then none: the change dates are
// in the JSON (a CSV is one table).
func writeMapCSV(w io.Writer, m *law.LawMap) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"jurisdiction", "action", "outcome", "decisive", "citations", "as_of", "case"}); err != nil {
		return err
	}
	for _, c := range m.Cells {
		var rules, cites []string
		for _, r := range c.Decisive {
			rules = append(rules, r.Pack+"/"+r.Rule)
			cites = append(cites, r.Citation)
		}
		if err := cw.Write([]string{string(c.Jurisdiction), string(c.Action), string(c.Outcome), strings.Join(rules, "; "), strings.Join(cites, "; "), m.AsOf, m.Case}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
