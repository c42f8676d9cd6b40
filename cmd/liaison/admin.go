package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/oversight"
)

// tokenCmd is `liaison token create|list|revoke`.
type tokenCmd struct {
	stdout, stderr io.Writer
}

func (c *tokenCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "list" && args[0] != "revoke") {
		fmt.Fprintln(c.stderr, "usage: liaison token create --db DSN --role ROLE [--name NAME] [--agency ID] | liaison token list --db DSN [--agency ID] | liaison token revoke --db DSN ID")
		return exitError(2)
	}
	fs := flag.NewFlagSet("token "+args[0], flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	role := fs.String("role", "", "the token's role: "+strings.Join(liaison.Role("").Enum(), ", "))
	name := fs.String("name", "", "who or what holds the token")
	agency := fs.String("agency", "", "limit the token to one agency's records (list: list only that agency's tokens)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitError(2)
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	// The command line is an administrator of every agency, or of the one
	// --agency names; the desk checks it as it checks the API's callers.
	cli := liaison.Actor{ID: "cli", Role: liaison.RoleAdmin, Agency: *agency}
	tokens := desk.NewTokens(store, time.Now, rand.Reader)
	if args[0] == "list" {
		return c.list(ctx, tokens, cli)
	}
	if args[0] == "revoke" {
		if fs.NArg() != 1 {
			return fmt.Errorf("token revoke: name the token id (tok_...)")
		}
		rv, err := tokens.Revoke(ctx, cli, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "revoked %s\n", rv.Token)
		return nil
	}
	if !slices.Contains(liaison.Role("").Enum(), *role) {
		return fmt.Errorf("token create: --role must be one of %s", strings.Join(liaison.Role("").Enum(), ", "))
	}
	if *name == "" {
		*name = *role
	}
	tok, err := tokens.Create(ctx, cli, desk.TokenInput{Name: *name, Role: liaison.Role(*role), Agency: *agency})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "token %s for %q, role %s (shown once; stored only as a hash)\n", tok.Record.ID, tok.Record.Name, tok.Record.Role)
	fmt.Fprintln(c.stdout, tok.Token)
	return nil
}

// list writes every token by may see, one line each, a page at a time.
func (c *tokenCmd) list(ctx context.Context, tokens *desk.Tokens, by liaison.Actor) error {
	p := desk.Page{Limit: desk.MaxLimit}
	for {
		list, next, err := tokens.List(ctx, by, p)
		if err != nil {
			return err
		}
		for _, t := range list {
			state := "active"
			if t.RevokedAt != nil {
				state = "revoked " + t.RevokedAt.Format(time.RFC3339)
			}
			agency := t.Agency
			if agency == "" {
				agency = "-"
			}
			fmt.Fprintf(c.stdout, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Role, agency, t.CreatedAt.Format(time.RFC3339), state, t.Name)
		}
		if next == "" {
			return nil
		}
		p.Cursor = next
	}
}

// logCmd is `liaison log checkpoint|prove|verify`.
type logCmd struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

func (c *logCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprintln(c.stderr, "usage: liaison log checkpoint|prove|verify --db DSN [--keys DIR]")
		return exitError(2)
	}
	sub := args[0]
	fs := flag.NewFlagSet("log "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	keyDir := fs.String("keys", "liaison-keys", "`DIR` of log.key (or set LIAISON_LOG_KEY); the seal key is not needed")
	vkey := fs.String("key", "", "verify, prove: the log's public key (`KEY` text as GET /log/key serves it, or a file of it), instead of log.key")
	kind := fs.String("kind", "", "prove: the record's kind")
	id := fs.String("id", "", "prove: the record's id")
	oldSize := fs.Int64("old", 0, "prove: with --new, a consistency proof from this tree size")
	newSize := fs.Int64("new", 0, "prove: ... to this one")
	asJSON := fs.Bool("json", false, "verify: write the report as JSON")
	redecide := fs.Bool("redecide", false, "verify: also decide every stored decision again with its stored pack set, and list those that differ")
	if err := fs.Parse(args[1:]); err != nil {
		return exitError(2)
	}
	// Checking the log needs its public key only; signing a checkpoint,
	// the log's secret key. Neither needs the seal key.
	var verifier *ledger.Verifier
	var signer *ledger.Signer
	var err error
	if sub == "checkpoint" {
		if *vkey != "" {
			return fmt.Errorf("log checkpoint: --key is a public key and cannot sign: give --keys")
		}
		signer, err = loadSigner(c.getenv, *keyDir)
	} else {
		verifier, err = logVerifier(c.getenv, *keyDir, *vkey)
	}
	if err != nil {
		return fmt.Errorf("log %s: %w", sub, err)
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	switch sub {
	case "checkpoint":
		pub := &ledger.Publisher{Store: store, Signer: signer}
		cp, err := pub.Publish(ctx)
		if err != nil {
			return err
		}
		signed, err := store.LatestCheckpoint(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stderr, "checkpoint of %d leaves\n", cp.Size)
		_, err = c.stdout.Write(signed)
		return err
	case "verify":
		// The dashboard's kept summary is derived from the records too:
		// folded again as the log is read for its own check, it must be
		// what they give.
		summary, err := oversight.NewCheck(ctx, store)
		if err != nil {
			return err
		}
		// And the cases' closes and reopenings, which the queue follows.
		rep, err := ledger.Verify(ctx, store, verifier, summary, desk.NewCaseCheck(store))
		if err != nil {
			return err
		}
		// So are the replay rows of simulations (desk.CheckReplay).
		if idx, ok := store.(liaison.ReplayIndex); ok {
			for p, err := range desk.CheckReplay(ctx, store, idx) {
				if err != nil {
					// Records that do not derive (a request deleted
					// around the log) are named above.
					p = ledger.Problem{Kind: ledger.Derived, Index: -1, Message: err.Error()}
				}
				rep.Problems = append(rep.Problems, p)
			}
		}
		if *asJSON {
			enc := json.NewEncoder(c.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
		} else {
			for _, p := range rep.Problems {
				fmt.Fprintf(c.stdout, "%s: %s\n", p.Kind, p.Message)
			}
			if rep.Omitted > 0 {
				fmt.Fprintf(c.stdout, "... and %d more problems\n", rep.Omitted)
			}
			if rep.V1Leaves > 0 {
				fmt.Fprintf(c.stdout, "%d leaves written before migration 0004 commit to their bodies only\n", rep.V1Leaves)
			}
			fmt.Fprintf(c.stdout, "%d leaves, %d records, %d checkpoints: %d problems\n", rep.Leaves, rep.Records, rep.Checkpoints, len(rep.Problems)+rep.Omitted)
		}
		if !rep.OK() {
			return exitError(1)
		}
		if *redecide {
			rd, err := desk.Redecide(ctx, store, nil)
			if err != nil {
				return err
			}
			return writeRedecide(c.stdout, rd, *asJSON, "with their stored pack sets")
		}
		return nil
	case "prove":
		return c.prove(ctx, store, verifier, *kind, *id, *oldSize, *newSize)
	}
	fmt.Fprintf(c.stderr, "liaison log: unknown command %q\n", sub)
	return exitError(2)
}

func (c *logCmd) prove(ctx context.Context, store dataStore, verifier *ledger.Verifier, kind, id string, oldSize, newSize int64) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if newSize > 0 {
		p, err := ledger.ProveConsistency(ctx, store, oldSize, newSize)
		if err != nil {
			return err
		}
		return enc.Encode(map[string]any{"old": oldSize, "new": newSize, "proof": p})
	}
	if kind == "" || id == "" {
		return fmt.Errorf("log prove: give --kind and --id (inclusion), or --old and --new (consistency)")
	}
	rec, err := store.Get(ctx, kind, id)
	if err != nil {
		return err
	}
	signed, err := store.LatestCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("no checkpoint yet: run `liaison log checkpoint` first: %w", err)
	}
	receipt, err := ledger.NewReceipt(ctx, store, verifier, signed, ledger.RecordOf(rec), rec.Index)
	if err != nil {
		return err
	}
	// The API's answer to GET /v1/proofs/inclusion, byte for byte.
	data, err := ledger.MarshalCanonical(receipt)
	if err != nil {
		return err
	}
	_, err = c.stdout.Write(append(data, '\n'))
	return err
}
