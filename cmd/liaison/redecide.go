package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"liaison/desk"
	"liaison/law"
)

// packsUpgradeCmd is `liaison packs check-upgrade`: every stored decision
// decided again with the packs of this binary (or of --packs DIR), and
// the ones that would come out otherwise listed, with why.
type packsUpgradeCmd struct {
	stdout, stderr io.Writer
}

func (c *packsUpgradeCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("packs check-upgrade", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	var pf packsFlags
	pf.register(fs)
	asJSON := fs.Bool("json", false, "write the report as JSON")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	set, err := pf.load()
	if err != nil {
		return err
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := desk.Redecide(ctx, store, set)
	if err != nil {
		return err
	}
	return writeRedecide(c.stdout, rep, *asJSON, fmt.Sprintf("with pack set %.12s… and engine %s", set.Hash(), law.EngineVersion))
}

// writeRedecide prints what Redecide found: each decision that comes out
// otherwise, with why and both answers. It returns exit status 1 when
// there is one.
func writeRedecide(w io.Writer, rep *desk.RedecideReport, asJSON bool, with string) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, d := range rep.Differences {
			fmt.Fprintf(w, "decision %s (request %s, %s, as of %s) differs:\n", d.Decision, d.Request, d.Action, d.AsOf.Format("2006-01-02T15:04:05Z07:00"))
			for _, why := range d.Why {
				fmt.Fprintf(w, "  %s\n", why)
			}
			fmt.Fprintf(w, "  stored: %s\n  now:    %s\n", oneLine(d.Stored.Explanation), oneLine(d.Now.Explanation))
		}
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "skipped %s\n", s)
		}
		fmt.Fprintf(w, "%d decisions decided again %s: %d differ, %d skipped\n", rep.Decisions, with, len(rep.Differences), len(rep.Skipped))
	}
	if len(rep.Differences) > 0 {
		return exitError(1)
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
