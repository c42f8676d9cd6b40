package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// keysCmd is `liaison keys create`: the keys of a new deployment, made
// once and given to every node (see docs/operations.md). It prints the log's
// public key, which auditors check checkpoints with.
type keysCmd struct {
	stdout, stderr io.Writer
}

func (c *keysCmd) run(args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(c.stderr, "usage: liaison keys create --keys DIR --origin ORIGIN")
		return exitError(2)
	}
	fl := flag.NewFlagSet("keys create", flag.ContinueOnError)
	fl.SetOutput(c.stderr)
	dir := fl.String("keys", "liaison-keys", "make log.key and seal.key in `DIR`")
	origin := fl.String("origin", "liaison.local/log", "the log's origin line: its public name, part of the key")
	if err := fl.Parse(args[1:]); err != nil {
		return exitError(2)
	}
	for _, name := range []string{"log.key", "seal.key"} {
		if _, err := os.Stat(filepath.Join(*dir, name)); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("keys create: %s exists already (or cannot be checked: %v): keys are made once per deployment", filepath.Join(*dir, name), err)
		}
	}
	ks, err := loadKeys(func(string) string { return "" }, *dir, *origin, true, func(s string) { fmt.Fprintln(c.stderr, s) })
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, ks.signer.Verifier().Key())
	return nil
}
