package server

import (
	"net/http"
	"slices"
	"strings"

	"liaison"
	"liaison/desk"
)

// dutyStatuses are the values of ?status=.
var dutyStatuses = []string{string(liaison.DutyOpen), string(liaison.DutyDone), string(liaison.DutyOverdue), string(liaison.DutyEscalated)}

// dutyList is the answer to GET /v1/duties.
type dutyList struct {
	Duties []desk.Duty `json:"duties"`
}

// listDuties lists duties, of one agency (a token limited to an agency
// sees its own) and with one status when asked.
func (s *Server) listDuties(w http.ResponseWriter, r *http.Request, c caller) {
	q, err := query(r, "agency", "status")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	agency, status := q.Get("agency"), q.Get("status")
	if status != "" && !slices.Contains(dutyStatuses, status) {
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "status", "unknown value %q (want one of %s)", status, strings.Join(dutyStatuses, ", ")))
		return
	}
	if agency == "" {
		agency = c.Agency
	}
	if err := c.inAgency(agency, "agency"); err != nil {
		s.writeError(w, r, err)
		return
	}
	duties, err := s.desk.Duties(r.Context(), c.Actor, agency, liaison.DutyStatus(status))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, dutyList{Duties: nonNil(duties)})
}

// doneInput is the body of POST /v1/duties/{id}/done.
type doneInput struct {
	Note string `json:"note"`
}

func (s *Server) completeDuty(w http.ResponseWriter, r *http.Request, c caller) {
	id := r.PathValue("id")
	var in doneInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.pathRecord(r.Context(), c, liaison.KindDuty, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	ch, err := s.desk.CompleteDuty(r.Context(), c.Actor, desk.CompleteDutyInput{Duty: id, Note: in.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ch)
}
