package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
)

// queueLimit is how many open cases a page of the queue shows.
const queueLimit = 25

// urgentWithin is when a deadline turns red: under 4 hours left.
const urgentWithin = 4 * time.Hour

// clock is a deadline as the queue shows it: in the agency's local time,
// with the time left in words, urgent under urgentWithin.
type clock struct {
	Due     time.Time
	Loc     *time.Location
	Left    string
	Urgent  bool
	Overdue bool
}

func newClock(due, now time.Time, loc *time.Location) clock {
	left := due.Sub(now)
	c := clock{Due: due, Loc: loc, Urgent: left < urgentWithin, Overdue: left < 0}
	switch {
	case left < 0:
		c.Left = "overdue by " + span(-left)
	case left < urgentWithin:
		c.Left = span(left) + " left (under 4 hours)"
	default:
		c.Left = span(left) + " left"
	}
	return c
}

// span says d in days, hours and minutes.
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, h)
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}

// queueRow is one open case.
type queueRow struct {
	desk.CaseSummary
	Loc *time.Location
	// Next is the case's soonest open duty with a deadline, if any.
	Next *clock
}

// dutyRow is one due duty.
type dutyRow struct {
	desk.Duty
	Clock clock
}

type queueData struct {
	Agencies []liaison.AgencyRecord
	Agency   string
	Status   string
	Outcome  string
	Action   string
	Outcomes []string
	Actions  []string
	Statuses []string
	Duties   []dutyRow
	Cases    []queueRow
	// Older is where the next page of older cases ends (a leaf index).
	Older   string
	Booking string
}

// zones finds each agency's location, once per page.
type zones struct {
	d   *desk.Desk
	by  liaison.Actor
	loc map[string]*time.Location
}

func (z *zones) of(ctx context.Context, agency string) *time.Location {
	if l, ok := z.loc[agency]; ok {
		return l
	}
	loc := time.UTC
	if a, err := z.d.Agency(ctx, z.by, agency); err == nil {
		name := a.TimeZone
		if name == "" {
			name = law.TimeZone(a.Jurisdiction)
		}
		if l, err := time.LoadLocation(name); err == nil && name != "" {
			loc = l
		}
	}
	if z.loc == nil {
		z.loc = map[string]*time.Location{}
	}
	z.loc[agency] = loc
	return loc
}

// dueDuties returns the agency's open, overdue and escalated duties that
// have a deadline, soonest first (at most dueLimit).
func (s *Site) dueDuties(ctx context.Context, a liaison.Actor, agency string, z *zones) ([]dutyRow, error) {
	now := s.cfg.Now()
	ds, err := s.cfg.Desk.DueDuties(ctx, a, agency, dueLimit)
	if err != nil {
		return nil, err
	}
	out := make([]dutyRow, 0, len(ds))
	for _, du := range ds {
		out = append(out, dutyRow{Duty: du, Clock: newClock(*du.Due, now, z.of(ctx, du.Agency))})
	}
	return out, nil
}

// dueLimit is how many due duties the queue shows.
const dueLimit = 200

// queue is the signed-in agency's open cases and due duties, most urgent
// first.
func (s *Site) queue(w http.ResponseWriter, r *http.Request, ss *session) {
	s.showQueue(w, r, ss, http.StatusOK, "")
}

func (s *Site) showQueue(w http.ResponseWriter, r *http.Request, ss *session, status int, errMsg string) {
	ctx := r.Context()
	a := ss.actor
	q := r.URL.Query()
	data := queueData{Agency: q.Get("agency"), Status: q.Get("status"), Outcome: q.Get("outcome"), Action: q.Get("action"),
		Outcomes: liaison.Outcome("").Enum(), Actions: actionNames(), Statuses: []string{"open", "closed", "all"}}
	if a.Agency != "" {
		data.Agency = a.Agency
	}
	if data.Status == "" {
		data.Status = string(desk.CaseOpen)
	}
	agencies, _, err := s.cfg.Desk.Agencies(ctx, a, desk.Page{Limit: desk.MaxLimit})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	data.Agencies = agencies
	z := &zones{d: s.cfg.Desk, by: a}
	if data.Duties, err = s.dueDuties(ctx, a, data.Agency, z); err != nil {
		s.fail(w, r, ss, err)
		return
	}
	f := desk.RequestFilter{Agency: data.Agency, Action: liaison.Action(data.Action), Outcome: liaison.Outcome(data.Outcome)}
	if data.Status != "all" {
		f.Status = desk.CaseState(data.Status)
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	// Open cases come from the store's index of them; the others, and a
	// store without one, from looking back through the requests.
	var cases []desk.CaseSummary
	var older int64
	ok := false
	if f.Status == desk.CaseOpen {
		cases, older, ok, err = s.cfg.Desk.OpenCases(ctx, a, f, before, queueLimit)
	}
	if !ok && err == nil {
		cases, older, err = s.recentCases(ctx, a, f, before)
	}
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if older > 0 {
		data.Older = strconv.FormatInt(older, 10)
	}
	soonest := map[string]*clock{}
	for i := range data.Duties {
		if c := soonest[data.Duties[i].Request]; c == nil {
			soonest[data.Duties[i].Request] = &data.Duties[i].Clock
		}
	}
	for _, c := range cases {
		data.Cases = append(data.Cases, queueRow{CaseSummary: c, Loc: z.of(ctx, c.Agency), Next: soonest[c.ID]})
	}
	// Most urgent first: cases with a deadline by it, then the oldest.
	slices.SortStableFunc(data.Cases, func(x, y queueRow) int {
		switch {
		case x.Next != nil && y.Next != nil:
			return x.Next.Due.Compare(y.Next.Due)
		case x.Next != nil:
			return -1
		case y.Next != nil:
			return 1
		}
		return 0
	})
	s.render(w, r, status, "queue", view{Title: "Queue", Actor: actorOf(ss), Nav: "queue", Error: errMsg, Data: data})
}

// treeSizer is a store that says how many leaves its log has; both
// stores do.
type treeSizer interface {
	TreeSize(ctx context.Context) (int64, error)
}

// The queue looks back from the end of the log in windows of leaves, the
// first queueWindow long, each twice the one before, until it has found
// queueLimit cases or asked the desk queueCalls times (the desk examines
// at most ten times a page's limit per call).
const (
	queueWindow = 200
	queueCalls  = 2
	queuePage   = 50
)

// recentCases returns the cases f selects, newest first, recorded before
// the leaf before (0: the end of the log), and the leaf the next, older,
// page ends at (0: none). The desk lists requests oldest first: looking
// back from the end finds the recent ones without examining every request
// an agency ever had. (Open cases, the queue's default, come from the
// desk's OpenCases instead, a lookup in the store's index.)
func (s *Site) recentCases(ctx context.Context, a liaison.Actor, f desk.RequestFilter, before int64) ([]desk.CaseSummary, int64, error) {
	ts, ok := s.cfg.Store.(treeSizer)
	if !ok {
		cs, _, err := s.cfg.Desk.Requests(ctx, a, f, desk.Page{Limit: queueLimit})
		return cs, 0, err
	}
	end := before
	if end <= 0 {
		size, err := ts.TreeSize(ctx)
		if err != nil {
			return nil, 0, err
		}
		end = size
	}
	var out []desk.CaseSummary
	seen := map[string]bool{}
	calls := 0
	for w := int64(queueWindow); end > 0 && len(out) < queueLimit && calls < queueCalls; w *= 2 {
		start := max(0, end-w)
		var window []desk.CaseSummary
		cursor := strconv.FormatInt(start, 10)
		for cursor != "" && calls < queueCalls {
			cs, next, err := s.cfg.Desk.Requests(ctx, a, f, desk.Page{Cursor: cursor, Limit: queuePage})
			calls++
			if err != nil {
				return nil, 0, err
			}
			for _, c := range cs {
				if seen[c.ID] {
					continue
				}
				// A call's last page may run past the window's end, into
				// cases a newer page shows.
				rec, err := s.cfg.Store.Get(ctx, liaison.KindRequest, c.ID)
				if err != nil {
					return nil, 0, err
				}
				if rec.Index < end {
					seen[c.ID] = true
					window = append(window, c)
				}
			}
			if n, err := strconv.ParseInt(next, 10, 64); err != nil || n >= end {
				cursor = ""
			} else {
				cursor = next
			}
		}
		if cursor != "" {
			// The budget ran out inside the window: the next page starts
			// where this one stopped.
			start, _ = strconv.ParseInt(cursor, 10, 64)
		}
		slices.Reverse(window)
		out = append(out, window...)
		end = start
	}
	return out, end, nil
}

// actionNames lists the actions a request may ask for.
func actionNames() []string {
	return []string{"honor_detainer", "notify_release", "transfer_custody", "share_info", "allow_interview", "grant_access",
		"inquire_status", "arrest_civil", "arrest_criminal_immigration", "assist_operation"}
}

// search finds a case by booking number. The number is personal data: it
// comes in a POST's body, and the answer is a redirect to the case's id,
// so it is in no URL, no history and no log line.
func (s *Site) search(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx := r.Context()
	n := strings.TrimSpace(r.PostFormValue("booking"))
	agency := r.PostFormValue("agency")
	if ss.actor.Agency != "" {
		agency = ss.actor.Agency
	}
	if n == "" {
		s.showQueue(w, r, ss, http.StatusUnprocessableEntity, "Type a booking number to search for.")
		return
	}
	if agency == "" {
		s.showQueue(w, r, ss, http.StatusUnprocessableEntity, "Booking numbers are an agency's: choose the agency first.")
		return
	}
	cases, _, err := s.cfg.Desk.Requests(ctx, ss.actor, desk.RequestFilter{Agency: agency, Booking: n}, desk.Page{Limit: desk.MaxLimit})
	if err != nil {
		s.fail(w, r, ss, err)
		return
	}
	if len(cases) == 0 {
		s.showQueue(w, r, ss, http.StatusNotFound, "No case has that booking number in this agency.")
		return
	}
	// The latest request about the person: the one the desk works on.
	http.Redirect(w, r, "/cases/"+cases[len(cases)-1].ID, http.StatusSeeOther)
}
