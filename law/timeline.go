package law

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"liaison"
)

// A Span is a period over which the answer to a request stays the same:
// the same outcome, for the same decisive rules.
type Span struct {
	// From is the first day of the span (YYYY-MM-DD), empty for the first
	// span, which reaches back before every pack; To is its last day,
	// empty for the last span, which has no end.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Decision is the answer over the span, as decided on its first day
	// (on To for the first span): outcome, decisive rules, duties, limits,
	// missing facts and pack versions, without the trace.
	Decision *liaison.Decision `json:"decision"`
}

// ChangeDates returns, sorted, every day on which the law of some level of
// jurisdiction j changes: a pack version comes into force (for a court
// ruling, its decision date) or one ends (the day after its last). Only
// on these days can the answer to a request at j change because of the
// packs: a rule reads the law in force on the decision's day.
func (s *Set) ChangeDates(j liaison.Jurisdiction) []time.Time {
	var days []int64
	for _, jur := range levels(j) {
		for _, pk := range s.byJur[jur] {
			for _, v := range pk.Versions {
				days = append(days, v.fromDay)
				if v.toDay != 0 {
					days = append(days, dayAfter(v.toDay))
				}
			}
		}
	}
	return dayTimes(days)
}

// Timeline decides req on every day its answer can change, keeping req's
// time of day in the agency's time zone, and returns the spans over which
// the answer (outcome and decisive rules) stays the same, in order of
// time. The days are those the law changes (ChangeDates of its
// jurisdiction), those on which a date among the facts reaches an age the
// law's conditions compare with (a conviction no longer "within 15
// years": clockDates), and the day before the first.
//
// What it does not see: a condition that compares a difference of two
// instants with something other than a constant duration
// (as_of - subject.custody.hold_started_at > x), or days_between with
// something other than a constant, more than 400 days from a fact's date;
// the span then shows the answer on its first day.
func (s *Set) Timeline(req *liaison.Request) ([]Span, error) {
	lreq, err := s.local(req)
	if err != nil {
		return nil, err
	}
	t := lreq.AsOf
	dates := s.ChangeDates(req.Jurisdiction)
	if more := s.clockDates(req, t.Location()); len(more) > 0 {
		dates = append(dates, more...)
		slices.SortFunc(dates, time.Time.Compare)
		dates = slices.CompactFunc(dates, time.Time.Equal)
	}
	if len(dates) == 0 {
		d, err := s.Decide(req, Options{})
		if err != nil {
			return nil, err
		}
		return []Span{{Decision: d}}, nil
	}
	at := func(d time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	}
	var spans []Span
	r := *req
	for i := -1; i < len(dates); i++ {
		var day time.Time
		if i < 0 {
			day = dates[0].AddDate(0, 0, -1)
		} else {
			day = dates[i]
		}
		r.AsOf = at(day)
		d, err := s.Decide(&r, Options{})
		if err != nil {
			return nil, fmt.Errorf("decide as of %s: %w", day.Format(time.DateOnly), err)
		}
		if n := len(spans); n > 0 && SameAnswer(spans[n-1].Decision, d) {
			continue
		}
		if n := len(spans); n > 0 {
			spans[n-1].To = day.AddDate(0, 0, -1).Format(time.DateOnly)
		}
		from := ""
		if i >= 0 {
			from = day.Format(time.DateOnly)
		}
		spans = append(spans, Span{From: from, Decision: d})
	}
	return spans, nil
}

// SameAnswer reports whether two decisions give the same outcome for the
// same decisive rules (by pack and rule: a new version of a rule that
// answers alike is the same answer).
func SameAnswer(a, b *liaison.Decision) bool {
	return a.Outcome == b.Outcome && slices.EqualFunc(a.Decisive, b.Decisive, func(x, y liaison.RuleRef) bool {
		return x.Pack == y.Pack && x.Rule == y.Rule
	})
}

func dayTime(d int64, loc *time.Location) time.Time {
	return time.Date(int(d/10000), time.Month(d/100%100), int(d%100), 0, 0, 0, 0, loc)
}

func dayAfter(d int64) int64 {
	return ymdOf(dayTime(d, time.UTC).AddDate(0, 0, 1))
}

// Fingerprint names the law of every level of jurisdiction j, across all
// dates: each pack's id and file hash. Two sets with the same fingerprint
// for j answer every request at j alike.
func (s *Set) Fingerprint(j liaison.Jurisdiction) string {
	var b strings.Builder
	for _, jur := range levels(j) {
		for _, pk := range s.byJur[jur] {
			b.WriteString(pk.ID)
			b.WriteByte(' ')
			if len(pk.Versions) > 0 {
				b.WriteString(pk.Versions[0].sha256)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// LawAt names the law that answers req: a 64-bit hash over each pack in
// force on its day (in the agency's time zone) at each level of its
// jurisdiction, with the content of its version. Two sets (today's and a
// proposal) with the same LawAt for a request answer it alike, whatever
// else differs between them, so a simulation need not decide it under
// both. (Two different laws share a hash with a chance of 2^-64.)
func (s *Set) LawAt(req *liaison.Request) (uint64, error) {
	t := req.AsOf
	if req.Agency != nil && req.Agency.TimeZone != "" {
		loc, err := s.Location(req.Agency.TimeZone)
		if err != nil {
			return 0, err
		}
		t = t.In(loc)
	}
	day := ymdOf(t)
	h := uint64(fnvOffset)
	for _, jur := range levels(req.Jurisdiction) {
		for _, pk := range s.byJur[jur] {
			if v := pk.atDay(day); v != nil {
				h = (h ^ v.content) * fnvPrime
			}
		}
		h = (h ^ 0xff) * fnvPrime // a level's end
	}
	return h, nil
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

// versionContent hashes a pack's id and what its version says: its lists
// and its rules, every field a pack file gives them.
func versionContent(id string, v *Version) uint64 {
	data, err := json.Marshal(struct {
		ID    string
		Lists map[string]*List
		Rules []*Rule
	}{id, v.Lists, v.Rules})
	if err != nil {
		panic(fmt.Sprintf("law: encode version %s: %v", v.Version, err)) // plain data: cannot fail
	}
	sum := sha256.Sum256(data)
	return binary.BigEndian.Uint64(sum[:8])
}

// dayTimes sorts days, drops repeats and returns each as midnight UTC.
func dayTimes(days []int64) []time.Time {
	slices.Sort(days)
	days = slices.Compact(days)
	out := make([]time.Time, len(days))
	for i, d := range days {
		out[i] = dayTime(d, time.UTC)
	}
	return out
}
