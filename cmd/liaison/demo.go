package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/history"
	"liaison/web"
)

// demoCmd is `liaison demo`: the server on a new SQLite database (a
// temporary one unless --db names one), with the bundled packs and years
// of generated history at three agencies, and a one-time sign-in link and
// a token for every role.
type demoCmd struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	ready          func(addr string)
	now            func() time.Time // today, for the history (nil: the clock)
}

// signInTTL is how long the demo's sign-in links last.
const signInTTL = 30 * time.Minute

func (c *demoCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f serveFlags
	f.register(fs, "")
	seed := fs.Uint64("seed", 1, "seed of the generated history: the same seed makes the same history")
	cases := fs.Int("cases", 1500, "people with a federal request in the generated history, 2012 to today")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if *cases < 1 {
		fmt.Fprintln(c.stderr, "liaison demo: --cases must be at least 1")
		return exitError(2)
	}
	if f.db == "" {
		// A new database for each start, removed when the demo stops.
		dir, err := os.MkdirTemp("", "liaison-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		f.db = "sqlite:" + filepath.Join(dir, "demo.db")
		// Removed when the demo stops, it needs no sync to disk at each
		// commit (synchronous=FULL): the history's appends waited on
		// those more than on anything else.
		f.synchronous = "NORMAL"
		if f.keyDir == "liaison-keys" {
			f.keyDir = filepath.Join(dir, "keys")
		}
	} else if f.keyDir == "liaison-keys" {
		f.keyDir = "liaison-demo-keys"
	}
	s := &serveCmd{getenv: c.getenv, stdout: c.stdout, stderr: c.stderr, ready: c.ready}
	return s.serve(ctx, f, func(ctx context.Context, n *node) error { return c.seed(ctx, n, f, *seed, *cases) })
}

// seed makes the demo history in an empty database, and prints a
// one-time sign-in link and a token per role.
func (c *demoCmd) seed(ctx context.Context, n *node, f serveFlags, seed uint64, cases int) error {
	admin := liaison.Actor{ID: "demo", Role: liaison.RoleAdmin}
	have, _, err := n.desk.Agencies(ctx, admin, desk.Page{Limit: 1})
	if err != nil {
		return err
	}
	try := "/v1/duties?status=open"
	if len(have) == 0 {
		now := time.Now
		if c.now != nil {
			now = c.now
		}
		start := time.Now()
		res, err := history.Generate(ctx, history.Config{Store: n.store, Law: n.desk.Law(), Sealer: n.keys.sealer,
			Options: history.Options{Seed: seed, Now: now(), Cases: cases}})
		if err != nil {
			return err
		}
		var names []string
		for _, a := range res.Agencies {
			names = append(names, a.Name)
		}
		open := 0
		for _, cs := range res.Plan.Cases {
			if cs.Open {
				if open == 0 { // a case of today's, found by its booking number
					try = fmt.Sprintf("/v1/requests?agency=%s&booking=%s", res.Agencies[cs.Place].ID, cs.Booking)
				}
				open++
			}
		}
		fmt.Fprintf(c.stdout, "demo history (seed %d): %d people with federal requests and %d without, %s to %s, at %s; %d open today; made through the desk in %.1fs\n",
			seed, len(res.Plan.Cases), len(res.Plan.Plain), history.Start.Format(time.DateOnly), now().Format(time.DateOnly),
			strings.Join(names, ", "), open, time.Since(start).Seconds())
		fmt.Fprintf(c.stdout, "  (at the share of jail bookings that carry a detainer in the data, %d such people stand for about %d bookings)\n",
			len(res.Plan.Cases), res.Plan.Bookings)
	}
	base := "http://" + f.addr
	if strings.HasSuffix(f.addr, ":0") {
		base = "" // the port is known once it listens: the links are paths on it
	}
	fmt.Fprintf(c.stdout, "sign in: a one-time link per role (valid %s, one session each; or sign in with a token at %s/signin):\n", signInTTL, base)
	var tokens []string
	for _, role := range liaison.Role("").Enum() {
		tok, err := n.desk.Tokens().Create(ctx, admin, desk.TokenInput{Name: "demo " + role, Role: liaison.Role(role)})
		if err != nil {
			return err
		}
		actor := liaison.Actor{ID: tok.Record.ID, Name: tok.Record.Name, Role: tok.Record.Role, Agency: tok.Record.Agency}
		code, err := web.NewSignInCode(ctx, n.store, actor, signInTTL, nil, nil)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "  %-10s %s/signin/code?c=%s\n", role, base, code)
		tokens = append(tokens, fmt.Sprintf("  %-10s %s\n", role, tok.Token))
	}
	fmt.Fprintf(c.stdout, "API tokens (new each start; use as Authorization: Bearer TOKEN):\n%s", strings.Join(tokens, ""))
	fmt.Fprintf(c.stdout, "try: curl -s -H 'Authorization: Bearer <clerk token>' '%s%s'\n", base, try)
	return nil
}
