package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"liaison/ledger"
)

// auditCmd is `liaison audit URL`: a log checked from outside, with its
// public key only (see ledger.Audit).
type auditCmd struct {
	getenv         func(string) string
	stdout, stderr io.Writer
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func (c *auditCmd) run(ctx context.Context, args []string) error {
	fl := flag.NewFlagSet("audit", flag.ContinueOnError)
	fl.SetOutput(c.stderr)
	key := fl.String("key", "", "the log's verifier `KEY` (text, or a file of it); without it, the key pinned in the state, or the one the log serves, trusted on first use")
	state := fl.String("state", "", "the state `FILE`: keys and the last checkpoint seen, per log (default: liaison/audit.json in the user's config directory)")
	var receipts, witnesses stringList
	fl.Var(&receipts, "receipt", "a receipt `FILE` to check (GET /v1/proofs/inclusion, `liaison log prove`); repeatable")
	fl.Var(&witnesses, "witness", "a witness's cosignature verifier `KEY` (text, or a file of it); repeatable")
	minCosigs := fl.Int("min-cosignatures", -1, "how many of the --witness keys must have cosigned the checkpoint (default: all of them)")
	if err := fl.Parse(args); err != nil {
		return exitError(2)
	}
	if fl.NArg() != 1 {
		fmt.Fprintln(c.stderr, "usage: liaison audit [--key KEY] [--state FILE] [--witness KEY ... [--min-cosignatures N]] [--receipt FILE ...] URL")
		return exitError(2)
	}
	cfg := ledger.AuditConfig{URL: fl.Arg(0), Out: c.stdout, MinCosignatures: *minCosigs}
	var err error
	if cfg.Key, err = textOrFile(*key); err != nil {
		return fmt.Errorf("audit: --key: %w", err)
	}
	for _, w := range witnesses {
		text, err := textOrFile(w)
		if err != nil {
			return fmt.Errorf("audit: --witness: %w", err)
		}
		v, err := ledger.NewCosignatureVerifier(text)
		if err != nil {
			return fmt.Errorf("audit: --witness: %w", err)
		}
		cfg.Witnesses = append(cfg.Witnesses, v)
	}
	if cfg.MinCosignatures < 0 {
		cfg.MinCosignatures = len(cfg.Witnesses)
	}
	if cfg.MinCosignatures > len(cfg.Witnesses) {
		return fmt.Errorf("audit: --min-cosignatures %d needs as many --witness keys, not %d", cfg.MinCosignatures, len(cfg.Witnesses))
	}
	for _, name := range receipts {
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("audit: --receipt: %w", err)
		}
		rc, err := ledger.ReadReceipt(data)
		if err != nil {
			return fmt.Errorf("audit: receipt %s: %w", name, err)
		}
		cfg.Receipts = append(cfg.Receipts, ledger.AuditReceipt{Name: name, Receipt: rc})
	}
	path := *state
	if path == "" {
		if path, err = c.defaultState(); err != nil {
			return err
		}
	}
	if cfg.State, err = ledger.ReadAuditState(path); err != nil {
		return err
	}
	if err := ledger.Audit(ctx, cfg); err != nil {
		fmt.Fprintf(c.stdout, "FAIL %v\n", err)
		return exitError(1)
	}
	if err := cfg.State.Write(path); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "all checks passed; state saved in %s\n", path)
	return nil
}

// defaultState is liaison/audit.json in the user's config directory
// ($XDG_CONFIG_HOME, else ~/.config).
func (c *auditCmd) defaultState() (string, error) {
	dir := c.getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := c.getenv("HOME")
		if home == "" {
			return "", errors.New("audit: no --state, and neither XDG_CONFIG_HOME nor HOME is set to keep it in")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "liaison", "audit.json"), nil
}

// textOrFile returns the contents of the file v names, or v itself when no
// such file exists.
func textOrFile(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	b, err := os.ReadFile(v)
	switch {
	case err == nil:
		return strings.TrimSpace(string(b)), nil
	case errors.Is(err, fs.ErrNotExist):
		return v, nil
	}
	return "", err
}
