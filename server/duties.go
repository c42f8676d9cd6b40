package server

import (
	"net/http"
	"slices"
	"strings"

	"liaison"
	"liaison/desk"
)

// dutyStatuses are the values of ?status=.
var dutyStatuses = []string{string(liaison.DutyOpen), string(liaison.DutyDone), string(liaison.DutyOverdue), string(liaison.DutyEscalated),
	string(liaison.DutyWaiting), string(liaison.DutySuperseded)}

// dutyList is the answer to GET /v1/duties.
type dutyList struct {
	Duties []desk.Duty `json:"duties"`
	Next   string      `json:"next,omitempty"`
}

// listDuties lists duties, of one agency (a token limited to an agency
// sees its own) and with one status when asked, a page at a time.
func (s *Server) listDuties(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, q, err := pageQuery(r, "agency", "status")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := q.Get("status")
	if status != "" && !slices.Contains(dutyStatuses, status) {
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "status", "unknown value %q (want one of %s)", status, strings.Join(dutyStatuses, ", ")))
		return
	}
	duties, next, err := s.desk.Duties(r.Context(), a, q.Get("agency"), liaison.DutyStatus(status), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, dutyList{Duties: duties, Next: next})
}

func (s *Server) completeDuty(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.DoneInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.desk.CompleteDuty(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ch)
}
