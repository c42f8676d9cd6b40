package desk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// bookingKey is the Key of a booking record: booking numbers are unique
// within an agency.
func bookingKey(agency, number string) string { return agency + "/" + number }

// bookings returns the booking records that index the new person p by
// each of its booking numbers. A number already another person's in the
// agency is an error of kind Conflicting naming it.
func (d *Desk) bookings(ctx context.Context, p *liaison.PersonRecord) ([]*liaison.StoredRecord, error) {
	var out []*liaison.StoredRecord
	for i, n := range p.BookingNumbers {
		field := fmt.Sprintf("booking_numbers[%d]", i)
		if strings.TrimSpace(n) == "" {
			return nil, liaison.Errorf(liaison.Invalid, field, "a booking number may not be empty")
		}
		if slices.Index(p.BookingNumbers, n) != i {
			return nil, liaison.Errorf(liaison.Invalid, field, "%s is listed twice", n)
		}
		if other, err := d.byBooking(ctx, p.Agency, n); err == nil {
			return nil, liaison.Errorf(liaison.Conflicting, field, "booking number %s is person %s's in this agency", n, other.ID)
		} else if liaison.KindOf(err) != liaison.NotFound {
			return nil, err
		}
		id, err := d.newID("bkg")
		if err != nil {
			return nil, err
		}
		rec, err := d.record(liaison.KindBooking, id, p.Agency, p.ID, p.ID, bookingKey(p.Agency, n), p.CreatedAt,
			liaison.BookingRecord{ID: id, Agency: p.Agency, Number: n, Person: p.ID, At: p.CreatedAt})
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}

// byBooking returns the person of agency with the booking number n: one
// read of the (kind, key) index and one of the person, each checked
// against what the log commits to. None is an error of kind NotFound.
func (d *Desk) byBooking(ctx context.Context, agency, n string) (*liaison.PersonRecord, error) {
	rec, err := d.store.ByKey(ctx, liaison.KindBooking, bookingKey(agency, n))
	if err != nil {
		return nil, err
	}
	b, err := decodeBody[liaison.BookingRecord](rec)
	if err != nil {
		return nil, err
	}
	var p liaison.PersonRecord
	if _, err := d.load(ctx, liaison.KindPerson, b.Person, &p); err != nil {
		return nil, fmt.Errorf("booking %s: %w", b.ID, err)
	}
	// The key column is an index; the bodies are what the log commits to.
	if b.Agency != agency || b.Number != n || p.Agency != agency || !slices.Contains(p.BookingNumbers, n) {
		return nil, fmt.Errorf("booking %s: its record is not the one its key %q names: run `liaison log verify`", b.ID, rec.Key)
	}
	return &p, nil
}

// listAgency returns the agency a list is limited to: the one asked for,
// or the reader's own.
func listAgency(by liaison.Actor, agency string) (string, error) {
	if agency == "" {
		agency = by.Agency
	}
	return agency, inScope(by, agency, "agency")
}

// People returns a page of an agency's people (every agency's when
// agency is empty; the reader's own, for a reader limited to an agency),
// oldest first, or with booking set the one person with that booking
// number, who needs an agency named. Names and dates of birth are opened
// as Person does, and each person shown is logged as a read, in one
// write.
func (d *Desk) People(ctx context.Context, by liaison.Actor, agency, booking string, p Page) ([]Person, string, error) {
	if err := need(by, staff...); err != nil {
		return nil, "", err
	}
	agency, err := listAgency(by, agency)
	if err != nil {
		return nil, "", err
	}
	var recs []liaison.PersonRecord
	var next string
	if booking != "" {
		if agency == "" {
			return nil, "", liaison.Errorf(liaison.Invalid, "agency", "booking numbers are an agency's: name the agency")
		}
		if _, _, err := p.bounds(); err != nil {
			return nil, "", err
		}
		pr, err := d.byBooking(ctx, agency, booking)
		if err != nil && liaison.KindOf(err) != liaison.NotFound {
			return nil, "", err
		}
		if pr != nil {
			recs = append(recs, *pr)
		}
	} else if recs, next, err = page[liaison.PersonRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindPerson, Agency: agency}, p, nil); err != nil {
		return nil, "", err
	}
	out := make([]Person, 0, len(recs))
	reads := make([]*liaison.StoredRecord, 0, len(recs))
	for i := range recs {
		pv, err := d.personView(by, &recs[i])
		if err != nil {
			return nil, "", err
		}
		rec, err := d.readRecord(by, recs[i].Agency, recs[i].ID, recs[i].ID, "")
		if err != nil {
			return nil, "", err
		}
		out, reads = append(out, *pv), append(reads, rec)
	}
	if len(reads) > 0 {
		if err := d.store.Append(ctx, reads...); err != nil {
			return nil, "", err
		}
	}
	return out, next, nil
}

// RequestFilter selects requests for Requests. Empty fields match anything.
type RequestFilter struct {
	Agency string
	Person string
	// Booking is a booking number of the agency's (it needs an agency).
	Booking string
	Status  CaseState
	// ReceivedFrom and ReceivedTo bound when the request was received
	// (its received_at, or when it was recorded if it has none): at or
	// after From, before To.
	ReceivedFrom, ReceivedTo time.Time
	// Action is an action the request asks for; Outcome is the outcome
	// of the current decision on it (on any of its actions, without one).
	Action  liaison.Action
	Outcome liaison.Outcome
}

// CaseSummary is a request's line in a list. It carries no facts about
// the person, and listing it is not logged as a read.
type CaseSummary struct {
	ID         string              `json:"id"`
	Agency     string              `json:"agency"`
	Person     string              `json:"person,omitempty"`
	Kind       liaison.RequestKind `json:"kind,omitempty"`
	Form       liaison.Form        `json:"form,omitempty"`
	Issuer     liaison.Issuer      `json:"issuer,omitempty"`
	ReceivedAt time.Time           `json:"received_at"`
	RecordedAt time.Time           `json:"recorded_at"`
	Status     CaseState           `json:"status"`
	ClosedBy   string              `json:"closed_by,omitempty"`
	// Reopened says why an open case that was closed before has work
	// again (its latest reopening's reason).
	Reopened string        `json:"reopened,omitempty"`
	Standing []ActionState `json:"standing"`
}

// scanPages bounds the requests one page of Requests examines, in pages:
// a page whose filters match few requests stops after examining
// scanPages×limit of them and answers what it found, perhaps nothing,
// with the cursor to go on from.
const scanPages = 10

// Requests returns a page of the requests f selects, oldest first, and
// the cursor of the next page. The store's indexes find an agency's, a
// person's, or (through the booking number's key) a booking's requests;
// the other filters are checked on each, reading its decisions, actions
// and custody events. A page examines at most scanPages times its limit:
// it may hold fewer than its limit and still have a next.
func (d *Desk) Requests(ctx context.Context, by liaison.Actor, f RequestFilter, p Page) ([]CaseSummary, string, error) {
	if err := need(by, staff...); err != nil {
		return nil, "", err
	}
	agency, err := listAgency(by, f.Agency)
	if err != nil {
		return nil, "", err
	}
	from, limit, err := p.bounds()
	if err != nil {
		return nil, "", err
	}
	sf := liaison.Filter{Kind: liaison.KindRequest, Agency: agency, Person: f.Person, Limit: limit}
	if f.Booking != "" {
		if agency == "" {
			return nil, "", liaison.Errorf(liaison.Invalid, "agency", "booking numbers are an agency's: name the agency")
		}
		pr, err := d.byBooking(ctx, agency, f.Booking)
		if liaison.KindOf(err) == liaison.NotFound {
			return []CaseSummary{}, "", nil
		} else if err != nil {
			return nil, "", err
		}
		if f.Person != "" && f.Person != pr.ID {
			return []CaseSummary{}, "", nil
		}
		sf.Person = pr.ID
	}
	out := []CaseSummary{}
	budget := scanPages * limit
	for {
		sf.From = from
		recs, err := d.store.List(ctx, sf)
		if err != nil {
			return nil, "", err
		}
		for i, r := range recs {
			budget--
			from = r.Index + 1
			rr, err := decodeBody[liaison.RequestRecord](r)
			if err != nil {
				return nil, "", err
			}
			s, err := d.summary(ctx, rr, r.Index, f)
			if err != nil {
				return nil, "", err
			}
			if s != nil {
				out = append(out, *s)
			}
			if len(out) == limit || budget == 0 {
				if i == len(recs)-1 && len(recs) < limit {
					return out, "", nil // the store has no more
				}
				return out, strconv.FormatInt(from, 10), nil
			}
		}
		if len(recs) < limit {
			return out, "", nil
		}
	}
}

// summary returns the line of rr (whose leaf is index) when it passes f,
// else nil.
func (d *Desk) summary(ctx context.Context, rr *liaison.RequestRecord, index int64, f RequestFilter) (*CaseSummary, error) {
	// The columns the store found it by are an index; the body is what
	// the log commits to.
	if (f.Agency != "" && rr.Agency != f.Agency) || (f.Person != "" && rr.Person != f.Person) {
		return nil, nil
	}
	if f.Action != "" && !slices.Contains(rr.Actions, f.Action) {
		return nil, nil
	}
	received := rr.Request.ReceivedAt
	if received.IsZero() {
		received = rr.RecordedAt
	}
	if (!f.ReceivedFrom.IsZero() && received.Before(f.ReceivedFrom)) || (!f.ReceivedTo.IsZero() && !received.Before(f.ReceivedTo)) {
		return nil, nil
	}
	parts, err := d.caseParts(ctx, rr, index)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && parts.status != f.Status {
		return nil, nil
	}
	if f.Outcome != "" && !slices.ContainsFunc(parts.standing, func(s ActionState) bool {
		return s.Outcome == f.Outcome && (f.Action == "" || s.Action == f.Action)
	}) {
		return nil, nil
	}
	s := &CaseSummary{ID: rr.ID, Agency: rr.Agency, Person: rr.Person, Kind: rr.Request.Kind, Form: rr.Request.Form,
		Issuer: rr.Request.Issuer, ReceivedAt: received, RecordedAt: rr.RecordedAt, Status: parts.status,
		ClosedBy: parts.closedBy, Standing: parts.standing}
	if s.Status == CaseOpen {
		ro, err := d.reopening(ctx, rr.ID)
		if err != nil {
			return nil, err
		}
		if ro != nil {
			s.Reopened = ro.Why
		}
	}
	return s, nil
}
