package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
)

// agency creates an agency or lists the agencies, as an administrator of
// every agency (or, listing, of the one --agency names): what `POST
// /v1/agencies` and `GET /v1/agencies` do, for setting a deployment up
// from the machine that holds its keys.
func (c *adminCmd) agency(ctx context.Context, sub string, args []string) error {
	fs := flag.NewFlagSet("admin agency "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	keyDir := fs.String("keys", "liaison-keys", "`DIR` of seal.key (or set LIAISON_SEAL_KEY), which the desk opens the store with")
	var pf packsFlags
	pf.register(fs)
	name := fs.String("name", "", "create: the agency's name")
	jurisdiction := fs.String("jurisdiction", "", "create: where it is, a path such as us/ca/los-angeles-county")
	typ := fs.String("type", "", "create: its type: "+strings.Join(liaison.AgencyType("").Enum(), ", "))
	zone := fs.String("time-zone", "", "create: the IANA time zone it keeps (default: its jurisdiction's)")
	noLocal := fs.Bool("no-local-law", false, "create: the levels of its jurisdiction without a pack have no law of their own")
	promptly := fs.String("promptly", "", "create: how long it allows for what the law says to do promptly (default 24h)")
	agency := fs.String("agency", "", "list: only this agency")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(c.stderr, "admin agency %s: unexpected %q\n%s\n", sub, fs.Arg(0), adminUsage)
		return exitError(2)
	}
	// The jurisdiction is checked against the law the servers run with:
	// give the same --packs.
	d, cli, closeStore, err := c.openDesk(ctx, *db, *keyDir, pf, *agency)
	if err != nil {
		return err
	}
	defer closeStore()
	if sub == "list" {
		p := desk.Page{Limit: desk.MaxLimit}
		for {
			list, next, err := d.Agencies(ctx, cli, p)
			if err != nil {
				return err
			}
			for _, a := range list {
				fmt.Fprintf(c.stdout, "%s\t%s\t%s\t%s\t%s\n", a.ID, a.Type, a.Jurisdiction, a.TimeZone, a.Name)
			}
			if next == "" {
				return nil
			}
			p.Cursor = next
		}
	}
	if *agency != "" {
		return fmt.Errorf("admin agency create: --agency is for list; a new agency gets its id when it is made")
	}
	// The flags go through the API's decoder, so that a missing or wrong
	// value is the same error, naming the same field, as over HTTP.
	// A flag not given (or given empty) is a member left out.
	members := map[string]any{"no_local_law": *noLocal}
	for k, v := range map[string]string{"name": *name, "jurisdiction": *jurisdiction, "type": *typ, "time_zone": *zone, "promptly": *promptly} {
		if v != "" {
			members[k] = v
		}
	}
	body, err := json.Marshal(members)
	if err != nil {
		return err
	}
	var in desk.AgencyInput
	if err := liaison.Decode(body, &in, time.Now()); err != nil {
		return fmt.Errorf("admin agency create: %w", flagError(err))
	}
	a, err := d.CreateAgency(ctx, cli, in)
	if err != nil {
		return fmt.Errorf("admin agency create: %w", flagError(err))
	}
	fmt.Fprintf(c.stderr, "agency %s: %s, %s at %s (%s)\n", a.ID, a.Name, a.Type, a.Jurisdiction, a.TimeZone)
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(a)
}

// flagError names the command line's flag where err names a field of the
// API's body (time_zone is --time-zone).
func flagError(err error) error {
	var e *liaison.Error
	if errors.As(err, &e) && e.Field != "" {
		// The API's advice names its body's member; here it is a flag.
		msg := strings.ReplaceAll(e.Message, `say "no_local_law": true`, "give --no-local-law")
		return fmt.Errorf("--%s: %s", strings.ReplaceAll(e.Field, "_", "-"), msg)
	}
	return err
}
