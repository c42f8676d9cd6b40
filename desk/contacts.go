package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/law"
)

// ContactInput is a contact with federal immigration officers that did not
// go through the desk, as someone reports it afterwards.
type ContactInput struct {
	Agency  string `json:"agency" liaison:"required,nonempty"`
	Officer string `json:"officer" liaison:"required,nonempty"`
	Person  string `json:"person"`
	// At is when the contact happened: it is decided under the law in
	// force then.
	At          time.Time              `json:"at" liaison:"required,when=event"`
	Channel     liaison.ContactChannel `json:"channel" liaison:"required"`
	Counterpart liaison.Counterpart    `json:"counterpart" liaison:"required"`
	Action      liaison.Action         `json:"action" liaison:"required"`
	Disclosed   []liaison.InfoItem     `json:"disclosed"`
	Purpose     liaison.Purpose        `json:"purpose"`
	Exigent     bool                   `json:"exigent_circumstances"`
	Source      liaison.ContactSource  `json:"source" liaison:"required"`
	// IdempotencyKey makes recording safe to retry (per agency).
	IdempotencyKey string `json:"idempotency_key"`
}

// AskInput is an officer's question "may I tell ICE this, now?", with only
// what an officer knows.
type AskInput struct {
	Agency      string                 `json:"agency" liaison:"required,nonempty"`
	Officer     string                 `json:"officer" liaison:"required,nonempty"`
	Person      string                 `json:"person"`
	Channel     liaison.ContactChannel `json:"channel" liaison:"required"`
	Counterpart liaison.Counterpart    `json:"counterpart" liaison:"required"`
	Action      liaison.Action         `json:"action" liaison:"required"`
	Disclosed   []liaison.InfoItem     `json:"disclosed"`
	Purpose     liaison.Purpose        `json:"purpose"`
	Exigent     bool                   `json:"exigent_circumstances"`
	// Keep stores the question and its answer as a record of good faith.
	Keep bool `json:"keep"`
}

// FindingInput is a reviewer's finding on a contact.
type FindingInput struct {
	Finding          liaison.Finding `json:"finding" liaison:"required"`
	Reason           string          `json:"reason" liaison:"required,nonempty"`
	OfficerStatement string          `json:"officer_statement"`
}

// ContactView is a contact with its findings, oldest first; Finding is
// the one in force (the last), nil before review.
type ContactView struct {
	Contact  liaison.ContactRecord          `json:"contact"`
	Findings []liaison.ContactFindingRecord `json:"findings"`
	Finding  *liaison.ContactFindingRecord  `json:"finding"`
}

// Answer is the answer to an officer's question: the decision in plain
// words, and the record kept when the officer asked to keep it.
type Answer struct {
	Answer  string                `json:"answer"`
	Contact liaison.ContactRecord `json:"contact"`
	Kept    bool                  `json:"kept"`
}

// contactRoles may record contacts and ask first; reviewRoles may review.
var (
	contactRoles = []liaison.Role{liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel}
	reviewRoles  = []liaison.Role{liaison.RoleSupervisor, liaison.RoleCounsel}
)

// RecordContact stores a contact that happened outside the desk, decided
// under the law in force for the agency when it happened. The same
// idempotency key sent again returns the stored contact (Created false)
// when the contact is the same, and is an error of kind Conflicting when
// it is not.
func (d *Desk) RecordContact(ctx context.Context, by liaison.Actor, in ContactInput) (*liaison.ContactRecord, bool, error) {
	if err := need(by, contactRoles...); err != nil {
		return nil, false, err
	}
	if in.Source == "asked_first" {
		return nil, false, liaison.Errorf(liaison.Invalid, "source", "a question asked first is recorded by asking (POST /v1/contacts/ask with keep)")
	}
	c, err := d.contact(ctx, by, in)
	if err != nil {
		return nil, false, err
	}
	return d.storeContact(ctx, by, c)
}

// storeContact stores c, or returns the contact stored under its key.
func (d *Desk) storeContact(ctx context.Context, by liaison.Actor, c *liaison.ContactRecord) (*liaison.ContactRecord, bool, error) {
	key := ""
	if c.IdempotencyKey != "" {
		key = c.Agency + "/" + c.IdempotencyKey
	}
	rec, err := d.record(liaison.KindContact, c.ID, c.Agency, c.Person, "", key, c.RecordedAt, c)
	if err != nil {
		return nil, false, err
	}
	err = d.store.Append(ctx, rec)
	var e *liaison.Error
	if errors.As(err, &e) && e.Kind == liaison.Conflicting && e.Field == "key" {
		prev, err := d.contactByKey(ctx, key)
		if err != nil {
			return nil, false, err
		}
		if !sameContact(prev, c) {
			return nil, false, liaison.Errorf(liaison.Conflicting, "idempotency_key", "another contact was recorded under this idempotency key")
		}
		if err := d.logContactRead(ctx, by, prev); err != nil {
			return nil, false, err
		}
		return prev, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("record contact: %w", err)
	}
	d.log.InfoContext(ctx, "contact", "contact", c.ID, "agency", c.Agency, "outcome", c.Decision.Outcome)
	return c, true, nil
}

// contactByKey reads the contact stored under key.
func (d *Desk) contactByKey(ctx context.Context, key string) (*liaison.ContactRecord, error) {
	rec, err := d.store.ByKey(ctx, liaison.KindContact, key)
	if err != nil {
		return nil, err
	}
	var c liaison.ContactRecord
	if _, err := d.load(ctx, liaison.KindContact, rec.ID, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// sameContact says whether a and b report the same contact.
func sameContact(a, b *liaison.ContactRecord) bool {
	return a.Agency == b.Agency && a.Officer == b.Officer && a.Person == b.Person && a.At.Equal(b.At) &&
		a.Channel == b.Channel && a.Counterpart == b.Counterpart && a.Action == b.Action &&
		slices.Equal(a.Disclosed, b.Disclosed) && a.Purpose == b.Purpose && a.Exigent == b.Exigent && a.Source == b.Source
}

// contact checks in and makes its record, decided as of in.At.
func (d *Desk) contact(ctx context.Context, by liaison.Actor, in ContactInput) (*liaison.ContactRecord, error) {
	if err := inScope(by, in.Agency, "agency"); err != nil {
		return nil, err
	}
	agency, err := d.agency(ctx, in.Agency)
	if err != nil {
		return nil, notFoundAs(err, "agency")
	}
	if in.Person != "" {
		var p liaison.PersonRecord
		if _, err := d.load(ctx, liaison.KindPerson, in.Person, &p); err != nil {
			return nil, notFoundAs(err, "person")
		}
		if p.Agency != in.Agency {
			return nil, liaison.Errorf(liaison.Invalid, "person", "the person is not in this agency's records")
		}
	}
	if in.Action == liaison.ShareInfo && len(in.Disclosed) == 0 {
		return nil, liaison.Errorf(liaison.Invalid, "disclosed", "name what was shared")
	}
	if err := d.StorePackSet(ctx); err != nil {
		return nil, err
	}
	dec, err := decideContact(d.law, agency, &in)
	if err != nil {
		return nil, fmt.Errorf("decide contact: %w", err)
	}
	id, err := d.newID("con")
	if err != nil {
		return nil, err
	}
	disclosed := slices.Clone(in.Disclosed)
	if disclosed == nil {
		disclosed = []liaison.InfoItem{}
	}
	federal, local := federalNote(&in, dec), localLaw(d.law, agency.Jurisdiction, dec.Packs)
	dec.Compact() // the trace is derived on read, from the pack set
	return &liaison.ContactRecord{ID: id, Agency: in.Agency, Officer: in.Officer, Person: in.Person, At: in.At.UTC(),
		Channel: in.Channel, Counterpart: in.Counterpart, Action: in.Action, Disclosed: disclosed, Purpose: in.Purpose,
		Exigent: in.Exigent, Source: in.Source, IdempotencyKey: in.IdempotencyKey, Decision: *dec, Federal: federal, LocalLaw: local,
		PackSet: d.law.Hash(), Engine: law.EngineVersion, RecordedBy: by, RecordedAt: d.now().UTC()}, nil
}

// contactRequest is the decision request a contact maps to: its action,
// as of when it happened, in the agency's jurisdiction and time zone.
func contactRequest(agency *liaison.AgencyRecord, in *ContactInput, purpose liaison.Purpose) *liaison.Request {
	fr := &liaison.FederalRequest{Kind: "none", Form: "none", Issuer: issuerOf(in.Counterpart), InfoRequested: in.Disclosed}
	return &liaison.Request{AsOf: in.At, Jurisdiction: agency.Jurisdiction,
		Agency: &liaison.Agency{Type: agency.Type, Name: agency.Name, TimeZone: agencyZone(agency), NoLocalLaw: agency.NoLocalLaw},
		Action: in.Action, Request: fr,
		Context: &liaison.Context{Purpose: purpose, ExigentCircumstances: in.Exigent}}
}

// issuerOf is the federal issuer a counterpart belongs to.
func issuerOf(c liaison.Counterpart) liaison.Issuer {
	switch c {
	case "ice_ero", "ice_hsi":
		return "ICE"
	case "cbp":
		return "CBP"
	}
	return "other_federal"
}

// decideContact decides a contact. Its purpose, when not given, is an
// emergency response in exigent circumstances, else civil immigration
// enforcement for ICE ERO (the office that enforces it);
// for another counterpart the contact is decided for each purpose the law
// may turn on, and when the outcomes differ the answer is undetermined,
// naming the purpose as the fact that would decide it.
func decideContact(set *law.Set, agency *liaison.AgencyRecord, in *ContactInput) (*liaison.Decision, error) {
	opt := law.Options{Explain: true}
	purpose := in.Purpose
	switch {
	case purpose != "":
	case in.Exigent:
		purpose = "emergency_response" // the officer answered an emergency
	case in.Counterpart == "ice_ero":
		purpose = "immigration_enforcement"
	}
	if purpose != "" {
		dec, err := set.Decide(contactRequest(agency, in, purpose), opt)
		if err != nil {
			return nil, err
		}
		dec.Normalize()
		return dec, nil
	}
	civil, err := set.Decide(contactRequest(agency, in, "immigration_enforcement"), opt)
	if err != nil {
		return nil, err
	}
	criminal, err := set.Decide(contactRequest(agency, in, "criminal_investigation"), opt)
	if err != nil {
		return nil, err
	}
	civil.Normalize()
	if civil.Outcome == criminal.Outcome {
		return civil, nil
	}
	dec := &liaison.Decision{Outcome: liaison.Undetermined, MissingFacts: []string{"context.purpose"},
		Explanation: fmt.Sprintf("The answer turns on why the information was shared, which is not known. If it was to enforce immigration law: %s %s If it was for a criminal investigation: %s %s",
			civil.Outcome, civil.Explanation, criminal.Outcome, criminal.Explanation),
		Levels: civil.Levels, Considered: civil.Considered}
	dec.Normalize()
	return dec, nil
}

// localLaw cites the versions of the packs of jurisdiction j among used,
// the pack versions a decision was made with.
func localLaw(set *law.Set, j liaison.Jurisdiction, used []liaison.PackVersion) []string {
	out := []string{}
	for _, p := range set.Packs() {
		if p.Jurisdiction != j {
			continue
		}
		for _, u := range used {
			if u.ID != p.ID {
				continue
			}
			for _, v := range p.Versions {
				if v.Version == u.Version {
					out = append(out, v.Citation)
				}
			}
		}
	}
	return out
}

// statusInfo is what 8 U.S.C. 1373 and 1644 reach.
var statusInfo = []liaison.InfoItem{"citizenship", "immigration_status"}

// federalPacks are the packs of 8 U.S.C. 1373 and 1644.
var federalPacks = []string{"us-8-usc-1373", "us-8-usc-1644"}

// federalNote says in plain words whether 8 U.S.C. 1373 and 1644 protected
// the contact, from the rules of their packs the decision considered.
func federalNote(in *ContactInput, dec *liaison.Decision) string {
	for _, c := range dec.Considered {
		if slices.Contains(federalPacks, c.Pack) && c.Status == liaison.StatusApplied {
			return "8 U.S.C. 1373 and 1644 apply: what is shared is citizenship or immigration status information, which no state or local rule may forbid an officer to exchange with federal immigration officers (" + c.Citation + ")."
		}
	}
	var other []string
	if in.Action == liaison.NotifyRelease {
		other = append(other, "a release date or time")
	}
	for _, i := range in.Disclosed {
		if in.Action == liaison.NotifyRelease && (i == "release_date" || i == "release_time") {
			continue // said above
		}
		if !slices.Contains(statusInfo, i) {
			other = append(other, strings.ReplaceAll(string(i), "_", " "))
		}
	}
	if in.Action != liaison.ShareInfo && in.Action != liaison.NotifyRelease {
		return fmt.Sprintf("8 U.S.C. 1373 and 1644 do not apply: they reach the exchange of citizenship or immigration status information, not %s.", strings.ReplaceAll(string(in.Action), "_", " "))
	}
	if len(other) == 0 {
		return "8 U.S.C. 1373 and 1644 reach citizenship and immigration status information, but do not apply here under the law in force (see the decision)."
	}
	return fmt.Sprintf("8 U.S.C. 1373 and 1644 do not protect it: they reach only citizenship and immigration status information, not %s.", strings.Join(other, ", "))
}

// Contact returns a contact with its findings. The read is logged.
func (d *Desk) Contact(ctx context.Context, by liaison.Actor, id string) (*ContactView, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel, liaison.RoleAuditor); err != nil {
		return nil, err
	}
	var c liaison.ContactRecord
	if _, err := d.load(ctx, liaison.KindContact, id, &c); err != nil {
		return nil, missing(err, "contact", id)
	}
	if err := inScope(by, c.Agency, "id"); err != nil {
		return nil, err
	}
	findings, err := list[liaison.ContactFindingRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindContactFinding, Parent: id})
	if err != nil {
		return nil, err
	}
	if err := d.logContactRead(ctx, by, &c); err != nil {
		return nil, err
	}
	v := &ContactView{Contact: c, Findings: findings}
	if len(findings) > 0 {
		v.Finding = &findings[len(findings)-1]
	}
	return v, nil
}

// logContactRead records that by read the contact c: it names an officer,
// and perhaps a person.
func (d *Desk) logContactRead(ctx context.Context, by liaison.Actor, c *liaison.ContactRecord) error {
	rec, err := d.readRecord(by, c.Agency, c.Person, c.ID, c.ID)
	if err != nil {
		return err
	}
	return d.store.Append(ctx, rec)
}

// Review records a finding on a contact; a later finding revises the one
// before it, which stays in the record. Nothing else follows from it.
func (d *Desk) Review(ctx context.Context, by liaison.Actor, id string, in FindingInput) (*liaison.ContactFindingRecord, error) {
	if err := need(by, reviewRoles...); err != nil {
		return nil, err
	}
	var c liaison.ContactRecord
	if _, err := d.load(ctx, liaison.KindContact, id, &c); err != nil {
		return nil, missing(err, "contact", id)
	}
	if err := inScope(by, c.Agency, "id"); err != nil {
		return nil, err
	}
	if c.Source == "asked_first" {
		return nil, liaison.Errorf(liaison.Invalid, "id", "a question asked first is not a contact to review")
	}
	prev, err := list[liaison.ContactFindingRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindContactFinding, Parent: id})
	if err != nil {
		return nil, err
	}
	fid, err := d.newID("cfd")
	if err != nil {
		return nil, err
	}
	now := d.now().UTC()
	f := &liaison.ContactFindingRecord{ID: fid, Agency: c.Agency, Contact: id, Finding: in.Finding, Reason: in.Reason,
		OfficerStatement: in.OfficerStatement, Actor: by, At: now}
	if len(prev) > 0 {
		f.Supersedes = prev[len(prev)-1].ID
	}
	rec, err := d.record(liaison.KindContactFinding, fid, c.Agency, "", id, "", now, f)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, fmt.Errorf("review contact %s: %w", id, err)
	}
	return f, nil
}

// Ask answers an officer's question "may I do this, now?" under the law in
// force now for the agency, in plain words with the citation. With Keep,
// the question and answer are stored as a contact of source asked_first.
func (d *Desk) Ask(ctx context.Context, by liaison.Actor, in AskInput) (*Answer, error) {
	if err := need(by, contactRoles...); err != nil {
		return nil, err
	}
	c, err := d.contact(ctx, by, ContactInput{Agency: in.Agency, Officer: in.Officer, Person: in.Person, At: d.now().UTC(),
		Channel: in.Channel, Counterpart: in.Counterpart, Action: in.Action, Disclosed: in.Disclosed, Purpose: in.Purpose,
		Exigent: in.Exigent, Source: "asked_first"})
	if err != nil {
		return nil, err
	}
	a := &Answer{Answer: plainAnswer(c), Contact: *c}
	if in.Keep {
		if _, _, err := d.storeContact(ctx, by, c); err != nil {
			return nil, err
		}
		a.Kept = true
	}
	return a, nil
}

// plainAnswer says a contact's decision in words an officer can act on.
func plainAnswer(c *liaison.ContactRecord) string {
	var b strings.Builder
	switch c.Decision.Outcome {
	case liaison.Forbidden:
		b.WriteString("No: the law in force forbids it.")
	case liaison.Permitted:
		b.WriteString("Yes: the law in force permits it.")
	case liaison.Required:
		b.WriteString("Yes: the law in force requires it.")
	case liaison.Conflict:
		b.WriteString("Do not act yet: binding rules disagree; ask counsel.")
	default:
		b.WriteString("Do not act yet: the answer depends on facts not given (" + strings.Join(c.Decision.MissingFacts, ", ") + ").")
	}
	for _, r := range c.Decision.Decisive {
		b.WriteString(" " + r.Citation + ".")
	}
	if len(c.Decision.Decisive) == 0 && len(c.LocalLaw) > 0 {
		b.WriteString(" Local law in force: " + strings.Join(c.LocalLaw, "; ") + ".")
	}
	b.WriteString(" " + c.Federal)
	return b.String()
}
