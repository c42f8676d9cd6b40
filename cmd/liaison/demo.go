package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"liaison"
	"liaison/desk"
)

// demoCmd is `liaison demo`: the server on an SQLite file in the working
// directory, with the bundled packs, a few agencies and requests, and a
// token for every role.
type demoCmd struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	ready          func(addr string)
}

func (c *demoCmd) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	var f serveFlags
	f.register(fs, "sqlite:liaison-demo.db")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	if f.keyDir == "liaison-keys" {
		f.keyDir = "liaison-demo-keys"
	}
	s := &serveCmd{getenv: c.getenv, stdout: c.stdout, stderr: c.stderr, ready: c.ready}
	return s.serve(ctx, f, func(ctx context.Context, n *node) error { return c.seed(ctx, n, f.addr) })
}

// seed adds the demo agencies and requests to an empty database, and
// prints a token per role.
func (c *demoCmd) seed(ctx context.Context, n *node, addr string) error {
	admin := liaison.Actor{ID: "demo", Role: liaison.RoleAdmin}
	clerk := liaison.Actor{ID: "demo", Role: liaison.RoleClerk}
	have, _, err := n.desk.Agencies(ctx, admin, desk.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(have) == 0 {
		if err := demoData(ctx, n.desk, admin, clerk); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "demo data: 3 agencies (California, Massachusetts, Texas), each with a person and a detainer with a notification request")
	}
	fmt.Fprintf(c.stdout, "tokens (new each start; use as Authorization: Bearer TOKEN):\n")
	for _, role := range liaison.Role("").Enum() {
		tok, err := n.desk.Tokens().Create(ctx, admin, desk.TokenInput{Name: "demo " + role, Role: liaison.Role(role)})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "  %-10s %s\n", role, tok.Token)
	}
	fmt.Fprintf(c.stdout, "try: curl -s -H 'Authorization: Bearer <clerk token>' http://%s/v1/duties\n", addr)
	return nil
}

func demoData(ctx context.Context, d *desk.Desk, admin, clerk liaison.Actor) error {
	type place struct {
		name       string
		jur        liaison.Jurisdiction
		typ        liaison.AgencyType
		noLocalLaw bool // no county pack: the county has no law of its own here
	}
	places := []place{
		{"Los Angeles County Jail (demo)", "us/ca/los-angeles-county", "jail", true},
		{"Boston Police Department (demo)", "us/ma/boston", "police", false},
		{"Travis County Sheriff (demo)", "us/tx/travis-county", "sheriff", true},
	}
	felony := []liaison.Offense{{Offense: "PC 211", Level: "felony", Date: time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC),
		Categories: []liaison.Category{"serious_felony", "violent_felony", "robbery"}}}
	for i, p := range places {
		a, err := d.CreateAgency(ctx, admin, desk.AgencyInput{Name: p.name, Jurisdiction: p.jur, Type: p.typ, NoLocalLaw: p.noLocalLaw})
		if err != nil {
			return err
		}
		per, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, BookingNumbers: []string{fmt.Sprintf("B-%04d", 1000+i)},
			Name: fmt.Sprintf("Demo Person %d", i+1), BirthDate: "1990-01-01"})
		if err != nil {
			return err
		}
		if _, err := d.RecordCustody(ctx, clerk, desk.CustodyInput{Person: per.ID, Kind: "booked", At: time.Now().Add(-48 * time.Hour)}); err != nil {
			return err
		}
		subject := &liaison.Subject{Custody: &liaison.Custody{Status: "eligible_for_release", ReleaseReason: "bail"}, Convictions: []liaison.Offense{}}
		if i == 0 {
			subject.Convictions = felony
		}
		_, err = d.Intake(ctx, clerk, desk.IntakeInput{Agency: a.ID, Person: per.ID, IdempotencyKey: fmt.Sprintf("demo-%d", i),
			Request: liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE", ProbableCauseBasis: []liaison.PCBasis{"biometric_match"},
				InfoRequested: []liaison.InfoItem{"release_date"}, Warrant: &liaison.Warrant{Kind: "administrative", Form: "I-200"}},
			Actions: []liaison.Action{"honor_detainer", "notify_release"}, Subject: subject})
		if err != nil {
			return err
		}
	}
	return nil
}
