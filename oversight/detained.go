package oversight

import (
	"time"

	"liaison"
	"liaison/law"
)

// FigDetainedFirstDay: distinct people in the agency's custody at 00:00
// on the first day of the month, in the agency's time zone, with an ICE
// detainer received before then (Tex. Gov. Code 511.0101(a)(1)(M)). The
// month is the agency's local month; row and column are empty.
const FigDetainedFirstDay = "detained_first_day"

// custody is an open custody span: a person booked and not yet released
// or transferred. An open fact, keyed by the person's record id.
type custody struct {
	Agency string    `json:"agency"`
	Booked time.Time `json:"booked"`
}

// The rule for FigDetainedFirstDay, from the custody events and requests:
//
//   - A person is in custody from a "booked" event until a "released" or
//     "transferred" event (at or after which they are not). A person with
//     no "booked" event is never counted: the desk does not know they
//     were held, whatever requests name them. A second booking while one
//     is open keeps the first.
//   - Their ICE detainer is the earliest received request of kind
//     detainer from ICE that names them, received since their last
//     custody ended (before the booking, or during it); a custody's end
//     forgets it. Two detainers count the person once.
//   - A closed span is counted when it closes, for each month start s
//     with booked <= s < ended and detainer < s. An open span is counted
//     when the figures are read (Summary.Detained), for each month start
//     up to the latest time the folded records name (Summary.Latest): it
//     is in Counts only once closed, so folds at any split agree.

// zone returns the location of agency's month starts: its recorded time
// zone, else its jurisdiction's, else UTC.
func (s *Summary) zone(agency string) *time.Location {
	a := s.Agencies[agency]
	name := a.TimeZone
	if name == "" {
		name = law.TimeZone(a.Jurisdiction)
	}
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}

// monthStarts calls fn with each local month start s, booked <= s,
// detainer < s, s < end (or s <= end when inclusive).
func monthStarts(loc *time.Location, booked, detainer, end time.Time, inclusive bool, fn func(time.Time)) {
	b := booked.In(loc)
	s := time.Date(b.Year(), b.Month(), 1, 0, 0, 0, 0, loc)
	if s.Before(booked) {
		s = s.AddDate(0, 1, 0)
	}
	for ; s.Before(end) || (inclusive && s.Equal(end)); s = s.AddDate(0, 1, 0) {
		if detainer.Before(s) {
			fn(s)
		}
	}
}

// noteTime moves Latest on to t.
func (s *Summary) noteTime(t time.Time) {
	if t.After(s.Latest) {
		s.Latest = t.UTC()
	}
}

// detainerFor folds an ICE detainer received at for person.
func (s *Summary) detainerFor(r liaison.RequestRecord, at time.Time) {
	s.noteTime(at)
	if r.Person == "" || r.Request.Kind != "detainer" || r.Request.Issuer != "ICE" {
		return
	}
	if d, ok := s.ICEDetainers[r.Person]; !ok || at.Before(d) {
		s.ICEDetainers[r.Person] = at.UTC()
	}
}

// custodyEvent folds e into the open custody spans.
func (s *Summary) custodyEvent(e liaison.CustodyEventRecord) {
	s.noteTime(e.At)
	switch e.Kind {
	case "booked":
		if _, ok := s.Custody[e.Person]; !ok {
			s.Custody[e.Person] = custody{Agency: e.Agency, Booked: e.At.UTC()}
		}
	case "released", "transferred":
		c, open := s.Custody[e.Person]
		d, held := s.ICEDetainers[e.Person]
		if open && held {
			monthStarts(s.zone(c.Agency), c.Booked, d, e.At, false, func(m time.Time) {
				s.Counts[Key{c.Agency, m.Format("2006-01"), FigDetainedFirstDay, "", ""}]++
			})
		}
		delete(s.Custody, e.Person)
		delete(s.ICEDetainers, e.Person)
	}
}

// Detained returns the counts of FigDetainedFirstDay: those of closed
// custody spans, in Counts, and those of spans still open, up to Latest.
func (s *Summary) Detained() map[Key]int64 {
	out := map[Key]int64{}
	for k, n := range s.Counts {
		if k.Figure == FigDetainedFirstDay {
			out[k] += n
		}
	}
	for p, c := range s.Custody {
		d, held := s.ICEDetainers[p]
		if !held {
			continue
		}
		monthStarts(s.zone(c.Agency), c.Booked, d, s.Latest, true, func(m time.Time) {
			out[Key{c.Agency, m.Format("2006-01"), FigDetainedFirstDay, "", ""}]++
		})
	}
	return out
}
