package server

import (
	"net/http"

	"liaison"
	"liaison/desk"
)

// intake stores a federal request and decides each action it asks for:
// 201 when it is new, 200 with the stored request when its idempotency
// key was seen before.
func (s *Server) intake(w http.ResponseWriter, r *http.Request, c caller) {
	var in desk.IntakeInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := c.inAgency(in.Agency, "agency"); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.desk.Intake(r.Context(), c.Actor, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		for _, d := range res.Decisions {
			s.countDecisions("intake", d.Decision.Outcome)
		}
	}
	w.Header().Set("Location", "/v1/requests/"+res.Request.ID)
	if b := res.JSON(); b != nil {
		s.writeEncoded(w, status, b)
		return
	}
	fixIntake(res)
	s.writeJSON(w, r, status, res)
}

func (s *Server) getRequest(w http.ResponseWriter, r *http.Request, c caller) {
	id := r.PathValue("id")
	if _, err := s.pathRecord(r.Context(), c, liaison.KindRequest, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.desk.Request(r.Context(), c.Actor, id)
	if err == nil && r.URL.Query().Get("trace") == "1" {
		err = s.desk.Trace(r.Context(), res)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fixIntake(res)
	s.writeJSON(w, r, http.StatusOK, res)
}

// fixIntake makes the lists of res, and of its decisions, encode as [] when empty.
func fixIntake(res *desk.IntakeResult) {
	res.Decisions = nonNil(res.Decisions)
	res.Duties = nonNil(res.Duties)
	for i := range res.Decisions {
		res.Decisions[i].Decision.Normalize() // stored before decisions were normalized
	}
}

// act carries out one action of a stored request, deciding it again now.
// A refusal is a result, not an error: 201 with the action's status.
func (s *Server) act(w http.ResponseWriter, r *http.Request, c caller) {
	var in desk.ActInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.bodyRef(r.Context(), c, liaison.KindRequest, in.Request, "request"); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.desk.Act(r.Context(), c.Actor, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.countDecisions("act", res.Decision.Decision.Outcome)
	res.Duties = nonNil(res.Duties)
	res.Deliveries = nonNil(res.Deliveries)
	s.writeJSON(w, r, http.StatusCreated, res)
}

func (s *Server) override(w http.ResponseWriter, r *http.Request, c caller) {
	var in desk.OverrideInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.bodyRef(r.Context(), c, liaison.KindRequest, in.Request, "request"); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.desk.Override(r.Context(), c.Actor, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, o)
}
