package desk

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"liaison"
)

// ContactFigures are an agency's recorded contacts counted by month (of
// when they happened, in UTC), channel, counterpart, what was disclosed
// (a contact counts once for each item), outcome of the decision and the
// finding in force ("unreviewed" before review). They name no officer,
// person or contact. Questions asked first are counted apart.
type ContactFigures struct {
	Agency      string         `json:"agency"`
	Contacts    int            `json:"contacts"`
	Questions   int            `json:"questions"`
	ByMonth     map[string]int `json:"by_month"`
	ByChannel   map[string]int `json:"by_channel"`
	ByCounter   map[string]int `json:"by_counterpart"`
	ByDisclosed map[string]int `json:"by_disclosure"`
	ByOutcome   map[string]int `json:"by_outcome"`
	ByFinding   map[string]int `json:"by_finding"`
}

// Figures counts the contacts of agency (the token's, when it is limited).
func (d *Desk) Figures(ctx context.Context, by liaison.Actor, agency string) (*ContactFigures, error) {
	if err := need(by, liaison.RoleSupervisor, liaison.RoleCounsel, liaison.RoleAuditor, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	agency, err := d.contactAgency(ctx, by, agency)
	if err != nil {
		return nil, err
	}
	finding := map[string]liaison.Finding{}
	if _, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindContactFinding, Agency: agency}, 0,
		func(f liaison.ContactFindingRecord, _ int64) { finding[f.Contact] = f.Finding }); err != nil {
		return nil, fmt.Errorf("contact figures: %w", err)
	}
	f := &ContactFigures{Agency: agency, ByMonth: map[string]int{}, ByChannel: map[string]int{}, ByCounter: map[string]int{},
		ByDisclosed: map[string]int{}, ByOutcome: map[string]int{}, ByFinding: map[string]int{}}
	if _, err := liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindContact, Agency: agency}, 0,
		func(c liaison.ContactRecord, _ int64) {
			if c.Source == "asked_first" {
				f.Questions++
				return
			}
			f.Contacts++
			f.ByMonth[c.At.UTC().Format("2006-01")]++
			f.ByChannel[string(c.Channel)]++
			f.ByCounter[string(c.Counterpart)]++
			for _, i := range c.Disclosed {
				f.ByDisclosed[string(i)]++
			}
			f.ByOutcome[string(c.Decision.Outcome)]++
			fd := string(finding[c.ID])
			if fd == "" {
				fd = "unreviewed"
			}
			f.ByFinding[fd]++
		}); err != nil {
		return nil, fmt.Errorf("contact figures: %w", err)
	}
	return f, nil
}

// contactAgency is the agency a call about contacts names: agency, or
// the one by's token is limited to; it must exist and be in by's scope.
func (d *Desk) contactAgency(ctx context.Context, by liaison.Actor, agency string) (string, error) {
	if agency == "" {
		agency = by.Agency
	}
	if agency == "" {
		return "", liaison.Errorf(liaison.Invalid, "agency", "name the agency")
	}
	if err := inScope(by, agency, "agency"); err != nil {
		return "", err
	}
	if _, err := d.agency(ctx, agency); err != nil {
		return "", notFoundAs(err, "agency")
	}
	return agency, nil
}

// Drafts lists an agency's contact drafts from e-mail scans, in the order
// they were stored, a page at a time, for review.
func (d *Desk) Drafts(ctx context.Context, by liaison.Actor, agency string, p Page) ([]liaison.ContactDraftRecord, string, error) {
	if err := need(by, liaison.RoleSupervisor, liaison.RoleCounsel, liaison.RoleAuditor); err != nil {
		return nil, "", err
	}
	agency, err := d.contactAgency(ctx, by, agency)
	if err != nil {
		return nil, "", err
	}
	return page[liaison.ContactDraftRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindContactDraft, Agency: agency}, p, nil)
}

// WriteCSV writes the figures as CSV: dimension, value, contacts; a row
// per value, dimensions in the order of the JSON, values sorted.
func (f *ContactFigures) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	rows := [][]string{{"dimension", "value", "contacts"}, {"all", "", strconv.Itoa(f.Contacts)}, {"questions", "", strconv.Itoa(f.Questions)}}
	for _, dim := range []struct {
		name string
		m    map[string]int
	}{{"month", f.ByMonth}, {"channel", f.ByChannel}, {"counterpart", f.ByCounter}, {"disclosure", f.ByDisclosed},
		{"outcome", f.ByOutcome}, {"finding", f.ByFinding}} {
		for _, k := range slices.Sorted(maps.Keys(dim.m)) {
			rows = append(rows, []string{dim.name, k, strconv.Itoa(dim.m[k])})
		}
	}
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write figures: %w", err)
	}
	return nil
}
