package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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

const contactsUsage = "usage: liaison contacts record|ask --db DSN [--keys DIR] [--role ROLE] [--agency ID] [FILE|-] | liaison contacts scan --db DSN [--keys DIR] --agency ID [--domains D,...] MBOX|DIR"

func (c *contactsCmd) run(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "record" && args[0] != "ask" && args[0] != "scan") {
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
	var pf packsFlags
	pf.register(fs)
	domains := fs.String("domains", strings.Join(desk.DefaultFederalDomains, ","), "scan: the federal immigration `DOMAINS`, comma-separated (subdomains match)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitError(2)
	}
	var data []byte
	if sub != "scan" {
		var err error
		if data, err = readInput(c.stdin, fs.Arg(0)); err != nil {
			return fmt.Errorf("contacts %s: %w", sub, err)
		}
	} else if fs.NArg() != 1 || *agency == "" {
		fmt.Fprintln(c.stderr, contactsUsage)
		return exitError(2)
	}
	set, err := pf.load()
	if err != nil {
		return err
	}
	d, closeStore, err := openDesk(ctx, c.getenv, *db, *keyDir, set, c.now)
	if err != nil {
		return err
	}
	defer closeStore()
	// The command line acts in the role it is given; the desk checks it
	// as it checks the API's callers.
	by := liaison.Actor{ID: "cli", Name: "command line", Role: liaison.Role(*role), Agency: *agency}
	var out any
	switch sub {
	case "scan":
		bar := newProgress(c.stderr, "scanning")
		rep, err := d.ScanMail(ctx, by, *agency, strings.Split(*domains, ","), mailSource(fs.Arg(0), bar.show))
		bar.end()
		if err != nil {
			return err
		}
		for _, m := range rep.Malformed {
			fmt.Fprintf(c.stderr, "skipped %s: %s\n", m.Position, m.Error)
		}
		fmt.Fprintf(c.stderr, "%d messages: %d with federal domains, %d new drafts, %d scanned before, %d malformed\n",
			rep.Messages, rep.Matched, rep.Created, rep.Existing, len(rep.Malformed))
		out = rep
	case "record":
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
	default:
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

// mailSource hands on the messages of an mbox file, or of each .eml file
// of a folder (in name order), each with its position.
// mailSource reads the messages of an mbox file, or of the .eml files of
// a folder, and tells progress how far it is after each: bytes of the
// file, or files of the folder, read of the total.
func mailSource(path string, progress func(done, total int64)) func(func(desk.Mail) error) error {
	return func(fn func(desk.Mail) error) error {
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if !info.IsDir() {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			cr := &countingReader{r: f}
			err = desk.ReadMbox(cr, func(m desk.Mail) error {
				progress(cr.n, info.Size())
				return fn(m)
			})
			progress(info.Size(), info.Size())
			return err
		}
		names, err := filepath.Glob(filepath.Join(path, "*.eml"))
		if err != nil {
			return err
		}
		for i, name := range names { // Glob sorts them
			raw, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			if err := fn(desk.Mail{Position: filepath.Base(name), Raw: raw}); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(names)))
		}
		return nil
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progress draws a one-line progress bar on a terminal, redrawn when the
// whole percent changes; on anything else (a file, a pipe, a test) it
// draws nothing, so logs are not filled with carriage returns.
type progress struct {
	w     io.Writer // nil: not a terminal
	label string
	last  int
}

func newProgress(w io.Writer, label string) *progress {
	p := &progress{label: label, last: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.w = w
		}
	}
	return p
}

func (p *progress) show(done, total int64) {
	if p.w == nil || total <= 0 {
		return
	}
	pct := int(min(done, total) * 100 / total)
	if pct == p.last {
		return
	}
	p.last = pct
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%%", p.label, strings.Repeat("#", fill), strings.Repeat(" ", width-fill), pct)
}

// end finishes the bar's line, if one was drawn.
func (p *progress) end() {
	if p.w != nil && p.last >= 0 {
		fmt.Fprintln(p.w)
	}
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
