package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"liaison"
	"liaison/desk"
)

// contactsCmd is `liaison contacts record|ask`: a contact that happened
// outside the desk recorded, or an officer's question answered, from a
// JSON body as POST /v1/contacts and /v1/contacts/ask take it.
type contactsCmd struct {
	getenv         func(string) string
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
}

const contactsUsage = "usage: liaison contacts record|ask --db DSN [--keys DIR] [--role ROLE] [--agency ID] [FILE|-]"

func (c *contactsCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "record" && args[0] != "ask") {
		fmt.Fprintln(c.stderr, contactsUsage)
		return exitError(2)
	}
	sub := args[0]
	fs := flag.NewFlagSet("contacts "+sub, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	db := fs.String("db", "sqlite:liaison.db", "database: sqlite:`PATH` or postgres://...")
	keyDir := fs.String("keys", "liaison-keys", "`DIR` of log.key and seal.key (or set LIAISON_LOG_KEY, LIAISON_SEAL_KEY)")
	role := fs.String("role", "supervisor", "the role to act as: clerk, supervisor or counsel")
	agency := fs.String("agency", "", "act only within this agency")
	dir := fs.String("packs", "", "packs from `DIR` instead of the bundled ones")
	if err := fs.Parse(args[1:]); err != nil {
		return exitError(2)
	}
	data, err := readInput(c.stdin, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("contacts %s: %w", sub, err)
	}
	set, err := loadPacks(*dir)
	if err != nil {
		return err
	}
	ks, err := loadKeys(c.getenv, *keyDir, "", false, func(string) {})
	if err != nil {
		return err
	}
	store, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: ks.sealer, Now: c.now})
	if err != nil {
		return err
	}
	// The command line acts in the role it is given; the desk checks it
	// as it checks the API's callers.
	by := liaison.Actor{ID: "cli", Name: "command line", Role: liaison.Role(*role), Agency: *agency}
	var out any
	if sub == "record" {
		var in desk.ContactInput
		if err := liaison.Decode(data, &in, c.now()); err != nil {
			return err
		}
		ct, created, err := d.RecordContact(ctx, by, in)
		if err != nil {
			return err
		}
		if !created {
			fmt.Fprintf(c.stderr, "contact %s was recorded before under this idempotency key\n", ct.ID)
		}
		out = ct
	} else {
		var in desk.AskInput
		if err := liaison.Decode(data, &in, c.now()); err != nil {
			return err
		}
		ans, err := d.Ask(ctx, by, in)
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stderr, ans.Answer)
		out = ans
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// readInput reads the file named, or in for "" and "-", up to one byte
// more than a body may hold (liaison.Decode then refuses it).
func readInput(in io.Reader, name string) ([]byte, error) {
	if name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	return io.ReadAll(io.LimitReader(in, liaison.MaxRequestBytes+1))
}
