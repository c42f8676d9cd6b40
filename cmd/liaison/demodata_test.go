package main

import (
	"context"
	"fmt"
	"time"

	"liaison"
	"liaison/desk"
)

// demoData adds a small fixed set of demo records: three agencies, each
// with a person and a detainer with a notification request (the tests of
// log verify --redecide and packs check-upgrade read it).
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
