package server

import (
	"net/http"

	"liaison"
	"liaison/desk"
)

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.PersonInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.desk.CreatePerson(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/people/"+p.ID)
	s.writeJSON(w, r, http.StatusCreated, p)
}

// getPerson answers with a person's record; the desk logs the read.
func (s *Server) getPerson(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, err := s.desk.Person(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, p)
}

func (s *Server) recordCustody(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.CustodyInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.desk.RecordCustody(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, e)
}
