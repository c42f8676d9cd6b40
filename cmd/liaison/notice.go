package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"liaison"
	"liaison/notice"
)

// noticeCmd is `liaison notice`: a notice to the person as a printable
// HTML page, or the list of notices and languages.
type noticeCmd struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

func (c *noticeCmd) run(args []string) error {
	fs := flag.NewFlagSet("notice", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	lang := fs.String("lang", "en", "language `CODE` (see --list)")
	list := fs.Bool("list", false, "list the notices and the languages")
	var d notice.Data
	fs.StringVar(&d.Person, "person", "", "the person's `NAME`")
	fs.StringVar(&d.Booking, "booking", "", "booking `NUMBER`")
	fs.StringVar(&d.Agency, "agency", "", "the agency's `NAME`")
	kind := fs.String("kind", "detainer", "the request's `KIND`")
	form := fs.String("form", "I-247A", "the request's `FORM`")
	issuer := fs.String("issuer", "ICE", "who sent the request: ICE, CBP or other_federal")
	intent := fs.String("intent", "undecided", "for a notice of intent: comply, decline or undecided")
	release := fs.String("release", "", "for a release notice: the release date and time, RFC 3339")
	zone := fs.String("tz", "UTC", "the agency's IANA time `ZONE`, for the times written")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	cat, err := notice.Bundled()
	if err != nil {
		return err
	}
	if *list {
		for _, n := range cat.Notices() {
			fmt.Fprintf(c.stdout, "%-22s %-6s %s\n", n.ID, n.Jurisdiction, n.Citation)
		}
		var langs []string
		for _, l := range cat.Languages() {
			langs = append(langs, l.Code+" ("+l.Name+")")
		}
		fmt.Fprintf(c.stdout, "languages: %s\n", strings.Join(langs, ", "))
		return nil
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(c.stderr, "usage: liaison notice [--lang CODE] [--person NAME] [--agency NAME] ... NOTICE-ID (or --list)")
		return exitError(2)
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return liaison.Errorf(liaison.Invalid, "tz", "time zone %q: %v", *zone, err)
	}
	d.Location = loc
	d.Request = notice.Request{Kind: liaison.RequestKind(*kind), Form: liaison.Form(*form), Issuer: liaison.Issuer(*issuer), Received: c.now()}
	d.Intent = notice.Intent(*intent)
	if *release != "" {
		if d.Release, err = time.Parse(time.RFC3339, *release); err != nil {
			return liaison.Errorf(liaison.Invalid, "release", "release %q: want RFC 3339, e.g. 2026-12-04T09:00:00-08:00", *release)
		}
	}
	return cat.RenderPage(c.stdout, fs.Arg(0), *lang, d)
}
