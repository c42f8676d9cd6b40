package server

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
)

// getRequest answers with the request read whole, as a case; the desk
// logs the read. With ?trace=1 each decision has its rules considered
// and pack versions.
func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	q, err := query(r, "trace")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var opt desk.CaseOptions
	switch q.Get("trace") {
	case "", "0":
	case "1":
		opt.Trace = true
	default:
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "trace", "%q is not 0 or 1", q.Get("trace")))
		return
	}
	c, err := s.desk.Case(r.Context(), a, r.PathValue("id"), opt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, c)
}

// requestList is the answer to GET /v1/requests.
type requestList struct {
	Requests []desk.CaseSummary `json:"requests"`
	Next     string             `json:"next,omitempty"`
}

// listRequests lists requests, filtered, a page at a time.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, q, err := pageQuery(r, "agency", "person", "booking", "status", "received_from", "received_to", "action", "outcome")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	f := desk.RequestFilter{Agency: q.Get("agency"), Person: q.Get("person"), Booking: q.Get("booking"),
		Status: desk.CaseState(q.Get("status")), Action: liaison.Action(q.Get("action")), Outcome: liaison.Outcome(q.Get("outcome"))}
	for _, c := range []struct {
		name string
		enum []string
	}{
		{"status", []string{string(desk.CaseOpen), string(desk.CaseClosed)}},
		{"action", liaison.Action("").Enum()},
		{"outcome", liaison.Outcome("").Enum()},
	} {
		if v := q.Get(c.name); v != "" && !slices.Contains(c.enum, v) {
			s.writeError(w, r, liaison.Errorf(liaison.Invalid, c.name, "unknown value %q (want one of %s)", v, strings.Join(c.enum, ", ")))
			return
		}
	}
	if f.ReceivedFrom, err = queryTime(q, "received_from"); err == nil {
		f.ReceivedTo, err = queryTime(q, "received_to")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	reqs, next, err := s.desk.Requests(r.Context(), a, f, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, requestList{Requests: reqs, Next: next})
}

// queryTime reads the query parameter name as an RFC 3339 time or a date
// (its midnight UTC); zero when it is not given.
func queryTime(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, liaison.Errorf(liaison.Invalid, name, "%q is not a time (2025-03-01T08:00:00-08:00) or a date (2025-03-01)", v)
}

// personList is the answer to GET /v1/people.
type personList struct {
	People []desk.Person `json:"people"`
	Next   string        `json:"next,omitempty"`
}

// listPeople lists people, or finds one by booking number; the desk logs
// a read of each person shown.
func (s *Server) listPeople(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, q, err := pageQuery(r, "agency", "booking")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	people, next, err := s.desk.People(r.Context(), a, q.Get("agency"), q.Get("booking"), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, personList{People: people, Next: next})
}

func (s *Server) getDecision(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	d, err := s.desk.DecisionRecord(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, d)
}

func (s *Server) getOverride(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	o, err := s.desk.OverrideRecord(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, o)
}
