package desk

import (
	"context"
	"slices"
	"time"

	"liaison"
	"liaison/law"
)

// AgencyInput creates an agency.
type AgencyInput struct {
	Name         string               `json:"name" liaison:"required,nonempty"`
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction" liaison:"required"`
	Type         liaison.AgencyType   `json:"type" liaison:"required"`
	// TimeZone is the IANA zone the agency keeps; empty for the one its
	// jurisdiction has (law.TimeZone), which a federal agency, or one in a
	// county split between two zones, must name.
	TimeZone string `json:"time_zone"`
	// NoLocalLaw says the levels of the jurisdiction with no pack have no
	// law of their own; without it such a jurisdiction is an error.
	NoLocalLaw bool `json:"no_local_law"`

	// Promptly is how long the agency allows for what the law says to do
	// "promptly" (a Go duration, e.g. "4h"); default liaison.DefaultPromptly.
	Promptly string `json:"promptly"`
}

// CreateAgency records a new agency. Admins only, and not one limited to
// an agency.
func (d *Desk) CreateAgency(ctx context.Context, by liaison.Actor, in AgencyInput) (*liaison.AgencyRecord, error) {
	if err := need(by, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	if by.Agency != "" {
		return nil, liaison.Errorf(liaison.Denied, "", "this token is limited to agency %s: it may not create agencies", by.Agency)
	}
	if dur, err := time.ParseDuration(in.Promptly); in.Promptly != "" && (err != nil || dur <= 0) {
		return nil, liaison.Errorf(liaison.Invalid, "promptly", "%q is not a positive duration such as 4h", in.Promptly)
	}
	if err := d.law.CheckJurisdiction(in.Jurisdiction, in.NoLocalLaw); err != nil {
		return nil, err
	}
	zone := in.TimeZone
	if zone == "" {
		if zone = law.TimeZone(in.Jurisdiction); zone == "" {
			return nil, liaison.Errorf(liaison.Invalid, "time_zone", "agencies at %s keep no one time zone: name the agency's (an IANA zone such as America/Chicago)", in.Jurisdiction)
		}
	} else if err := law.CheckTimeZone("time_zone", zone); err != nil {
		return nil, err
	}
	id, err := d.newID("agy")
	if err != nil {
		return nil, err
	}
	a := &liaison.AgencyRecord{ID: id, Name: in.Name, Jurisdiction: in.Jurisdiction, Type: in.Type,
		TimeZone: zone, NoLocalLaw: in.NoLocalLaw, CreatedAt: d.now().UTC(), Promptly: in.Promptly}
	rec, err := d.record(liaison.KindAgency, id, id, "", "", "", a.CreatedAt, a)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, err
	}
	return a, nil
}

// staff are the roles that work with the desk's records: every role but
// public.
var staff = []liaison.Role{liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel, liaison.RoleAuditor, liaison.RoleAdmin}

// Agency returns an agency, for a reader: its own, for a reader limited
// to an agency.
func (d *Desk) Agency(ctx context.Context, by liaison.Actor, id string) (*liaison.AgencyRecord, error) {
	if err := need(by, staff...); err != nil {
		return nil, err
	}
	a, err := d.agency(ctx, id)
	if err != nil {
		return nil, missing(err, "agency", id)
	}
	if err := inScope(by, a.ID, "id"); err != nil {
		return nil, err
	}
	return a, nil
}

// agency returns an agency.
func (d *Desk) agency(ctx context.Context, id string) (*liaison.AgencyRecord, error) {
	// Every intake reads its agency; a stored record never changes, so the
	// desk keeps those it has read.
	if a, ok := d.agencies.Load(id); ok {
		c := *a.(*liaison.AgencyRecord)
		return &c, nil
	}
	var a liaison.AgencyRecord
	if _, err := d.load(ctx, liaison.KindAgency, id, &a); err != nil {
		return nil, err
	}
	c := a
	d.agencies.Store(id, &c)
	return &a, nil
}

// Agencies returns a page of the agencies, oldest first, for a reader
// (only its own, for a reader limited to an agency), and the cursor of the
// next page.
func (d *Desk) Agencies(ctx context.Context, by liaison.Actor, p Page) ([]liaison.AgencyRecord, string, error) {
	if err := need(by, staff...); err != nil {
		return nil, "", err
	}
	return page[liaison.AgencyRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindAgency, Agency: by.Agency}, p, nil)
}

// PersonInput books a person into an agency's records.
type PersonInput struct {
	Agency         string   `json:"agency" liaison:"required,nonempty"`
	BookingNumbers []string `json:"booking_numbers"`
	Name           string   `json:"name" liaison:"required,nonempty"`
	BirthDate      string   `json:"birth_date" liaison:"date,when=past"`
}

// Person is a person's record as shown to staff, with personal data opened.
type Person struct {
	ID             string    `json:"id"`
	Agency         string    `json:"agency"`
	BookingNumbers []string  `json:"booking_numbers"`
	Name           string    `json:"name,omitempty"`
	BirthDate      string    `json:"birth_date,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	// Sealed is true when the reader's role does not open personal data.
	Sealed bool `json:"sealed"`
}

// CreatePerson records a person. Name and date of birth are sealed.
func (d *Desk) CreatePerson(ctx context.Context, by liaison.Actor, in PersonInput) (*Person, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	if err := inScope(by, in.Agency, "agency"); err != nil {
		return nil, err
	}
	if _, err := d.agency(ctx, in.Agency); err != nil {
		return nil, notFoundAs(err, "agency")
	}
	id, err := d.newID("per")
	if err != nil {
		return nil, err
	}
	p := &liaison.PersonRecord{ID: id, Agency: in.Agency, BookingNumbers: slices.Clone(in.BookingNumbers), CreatedAt: d.now().UTC()}
	if p.BookingNumbers == nil {
		p.BookingNumbers = []string{}
	}
	if p.NameSealed, err = d.sealer.Seal(in.Name, id+"/name"); err != nil {
		return nil, err
	}
	if p.BirthSealed, err = d.sealer.Seal(in.BirthDate, id+"/birth_date"); err != nil {
		return nil, err
	}
	rec, err := d.record(liaison.KindPerson, id, in.Agency, id, "", "", p.CreatedAt, p)
	if err != nil {
		return nil, err
	}
	bookings, err := d.bookings(ctx, p)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, append([]*liaison.StoredRecord{rec}, bookings...)...); err != nil {
		if liaison.KindOf(err) == liaison.Conflicting {
			return nil, liaison.Errorf(liaison.Conflicting, "booking_numbers", "a booking number was given to another person of this agency just now")
		}
		return nil, err
	}
	return &Person{ID: id, Agency: p.Agency, BookingNumbers: p.BookingNumbers, Name: in.Name, BirthDate: in.BirthDate, CreatedAt: p.CreatedAt}, nil
}

// Person returns a person's record and logs the read (who, when) in the
// same transaction as the read record. Auditors see it sealed.
func (d *Desk) Person(ctx context.Context, by liaison.Actor, id string) (*Person, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor, liaison.RoleCounsel, liaison.RoleAdmin, liaison.RoleAuditor); err != nil {
		return nil, err
	}
	var p liaison.PersonRecord
	if _, err := d.load(ctx, liaison.KindPerson, id, &p); err != nil {
		return nil, missing(err, "person", id)
	}
	if err := inScope(by, p.Agency, "id"); err != nil {
		return nil, err
	}
	rec, err := d.readRecord(by, p.Agency, p.ID, p.ID, "")
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, err
	}
	return d.personView(by, &p)
}

// personView returns p as by may see it: its name and date of birth
// opened, unless by's role does not open personal data.
func (d *Desk) personView(by liaison.Actor, p *liaison.PersonRecord) (*Person, error) {
	out := &Person{ID: p.ID, Agency: p.Agency, BookingNumbers: p.BookingNumbers, CreatedAt: p.CreatedAt, Sealed: !opens(by)}
	if !out.Sealed {
		var err error
		if out.Name, err = d.sealer.Open(p.NameSealed, p.ID+"/name"); err != nil {
			return nil, err
		}
		if out.BirthDate, err = d.sealer.Open(p.BirthSealed, p.ID+"/birth_date"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CustodyInput records a custody event.
type CustodyInput struct {
	Person           string                   `json:"person" liaison:"required,nonempty"`
	Kind             liaison.CustodyEventKind `json:"kind" liaison:"required"`
	At               time.Time                `json:"at" liaison:"required,when=event"`
	ScheduledRelease time.Time                `json:"scheduled_release" liaison:"when=release"`
	Note             string                   `json:"note"`
}

// RecordCustody records a custody event for a person.
func (d *Desk) RecordCustody(ctx context.Context, by liaison.Actor, in CustodyInput) (*liaison.CustodyEventRecord, error) {
	if err := need(by, liaison.RoleClerk, liaison.RoleSupervisor); err != nil {
		return nil, err
	}
	var p liaison.PersonRecord
	if _, err := d.load(ctx, liaison.KindPerson, in.Person, &p); err != nil {
		return nil, notFoundAs(err, "person")
	}
	if err := inScope(by, p.Agency, "person"); err != nil {
		return nil, err
	}
	if in.Kind == "release_scheduled" && in.ScheduledRelease.IsZero() {
		return nil, liaison.Errorf(liaison.Invalid, "scheduled_release", "a release_scheduled event needs scheduled_release")
	}
	id, err := d.newID("cus")
	if err != nil {
		return nil, err
	}
	e := &liaison.CustodyEventRecord{ID: id, Agency: p.Agency, Person: p.ID, Kind: in.Kind, At: in.At.UTC(),
		ScheduledRelease: in.ScheduledRelease, Note: in.Note, RecordedBy: by}
	rec, err := d.record(liaison.KindCustodyEvent, id, p.Agency, p.ID, p.ID, "", d.now(), e)
	if err != nil {
		return nil, err
	}
	ends, err := d.holdsEnded(ctx, e)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, append([]*liaison.StoredRecord{rec}, ends...)...); err != nil {
		return nil, err
	}
	d.closeAllOf(ctx, e)
	d.reopenAllOf(ctx, e)
	return e, nil
}
