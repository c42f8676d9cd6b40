// Command liaison decides, records and proves how an agency answers
// federal immigration requests. See README.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
	// The IANA time zone database, so agencies' zones load on machines
	// without one (about 450 KB).
	_ "time/tzdata"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		var ex exitError
		if !errors.As(err, &ex) {
			fmt.Fprintln(os.Stderr, "liaison:", err)
		}
		os.Exit(exitCode(err))
	}
}

// signalContext ends on SIGINT or SIGTERM: serve then shuts down in order
// (see serveCmd.serve). A second signal kills the process as usual.
func signalContext() (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// exitError ends the program with a status and no further message (the
// command has already said what went wrong).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func exitCode(err error) int {
	var ex exitError
	if errors.As(err, &ex) {
		return int(ex)
	}
	return 1
}

const usage = `liaison decides whether an agency may act on a federal immigration request.

Usage:
  liaison demo [--addr HOST:PORT] [--cases N] [--seed N] [--db DSN]
                                                   run with years of generated history (a temporary SQLite database)
  liaison notice [--lang CODE] [--person NAME] [--agency NAME] ... NOTICE-ID   a notice to the person, printable HTML (--list)
  liaison serve [--db DSN] [--addr HOST:PORT] [--keys DIR] [--integrity-check quick|full|off] [--witness 'KEY URL' ... [--witness-quorum N]]
  liaison decide [--json] [--jsonl] [--packs DIR|--packs-only DIR] [--as-of DATE] [--timeline] [FILE|-]
  liaison packs test [-v] [DIR | --packs DIR]      DIR alone, or laid over the bundled packs
  liaison packs lint [DIR | --packs DIR]
  liaison packs diff [--jurisdiction J] [--action A] [--cases FILE] [--format text|json] A B
                                                   the law from A to B (bundled, DIR, @DATE, DIR@DATE):
                                                   rules added, removed, changed; cases answered otherwise
  liaison packs check-upgrade --db DSN [--packs DIR] [--json]
  liaison simulate --db DSN (--packs DIR|--packs-only DIR) [--from DATE] [--to DATE] [--agency ID] [--format text|json]
                                                   what proposed law would have changed in the stored decisions
  liaison map --case NAME [--as-of DATE] [--format csv|json|svg] [--list]
                                                   a standard case in every bundled jurisdiction, with the dates answers change
  liaison report --db DSN [--agency ID] [--from MONTH] [--to MONTH] [--format csv|json|html] [--k K] [--audience public|oversight] [--verify]
                                                   de-identified figures and the reports the law asks for
  liaison token create --db DSN --role ROLE [--name NAME] [--agency ID]
  liaison token list --db DSN [--agency ID]
  liaison token revoke --db DSN ID
  liaison admin agency create --db DSN [--keys DIR] --name NAME --jurisdiction J --type TYPE [--no-local-law] [--time-zone Z]
                                                   a new agency (admin agency list: every agency)
  liaison admin channel set --db DSN [--keys DIR] --agency ID (--webhook URL | --smtp HOST:PORT --from A --to A,...)
                                                   an agency's own channel (secret: LIAISON_CHANNEL_SECRET)
  liaison admin channel show --db DSN [--keys DIR] --agency ID
  liaison log checkpoint|verify --db DSN [--keys DIR | --key VKEY] [--redecide]   verify needs the public key only
  liaison log prove --db DSN (--kind K --id ID | --old N --new M)
  liaison contacts record|ask --db DSN [--keys DIR] [--role ROLE] [--agency ID] [FILE|-]
                                                   a contact outside the desk; an officer asking first
  liaison contacts scan --db DSN [--keys DIR] --agency ID [--domains D,...] MBOX|DIR
                                                   draft contacts from an e-mail export (.eml files in DIR)
  liaison audit [--key KEY] [--state FILE] [--witness KEY ...] [--receipt FILE ...] URL
                                                   check a server's public log from outside, with its key only
  liaison witness key|serve --dir DIR ...          a witness that cosigns logs' checkpoints (C2SP tlog-witness)
  liaison backup --db sqlite:PATH --to FILE        a consistent copy, while serving
  liaison keys create --keys DIR --origin ORIGIN   the keys of a new deployment, for every node

DSN: sqlite:PATH (default sqlite:liaison.db) or postgres://...

Without --packs or DIR, the bundled packs are used; --packs DIR lays DIR's
packs over them (a pack with a bundled pack's id replaces it), --packs-only
DIR uses DIR's alone.
`

// run is the whole program: main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError(2)
	}
	switch args[0] {
	case "decide":
		return (&decideCmd{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}).run(ctx, args[1:])
	case "packs":
		if len(args) < 2 {
			fmt.Fprint(stderr, usage)
			return exitError(2)
		}
		switch args[1] {
		case "test":
			return (&packsTestCmd{stdout: stdout, stderr: stderr}).run(args[2:])
		case "lint":
			return (&packsLintCmd{stdout: stdout, stderr: stderr}).run(args[2:])
		case "diff":
			return (&packsDiffCmd{stdout: stdout, stderr: stderr}).run(args[2:])
		case "check-upgrade":
			return (&packsUpgradeCmd{stdout: stdout, stderr: stderr}).run(ctx, args[2:])
		}
	case "map":
		return (&mapCmd{stdout: stdout, stderr: stderr, now: time.Now}).run(args[1:])
	case "simulate":
		return (&simulateCmd{stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "serve":
		return (&serveCmd{getenv: getenv, stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "demo":
		return (&demoCmd{getenv: getenv, stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "notice":
		return (&noticeCmd{stdout: stdout, stderr: stderr, now: time.Now}).run(args[1:])
	case "token":
		return (&tokenCmd{stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "admin":
		return (&adminCmd{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "log":
		return (&logCmd{getenv: getenv, stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "contacts":
		return (&contactsCmd{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}).run(ctx, args[1:])
	case "keys":
		return (&keysCmd{stdout: stdout, stderr: stderr}).run(args[1:])
	case "report":
		return (&reportCmd{getenv: getenv, stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "audit":
		return (&auditCmd{getenv: getenv, stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "witness":
		return (&witnessCmd{stdout: stdout, stderr: stderr, now: time.Now}).run(ctx, args[1:])
	case "backup":
		return (&backupCmd{stdout: stdout, stderr: stderr}).run(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "liaison: unknown command %q\n\n%s", args[0], usage)
	return exitError(2)
}
