package server

import (
	"net/http"

	"liaison"
	"liaison/law"
)

// decide is `liaison decide` over HTTP: it answers a decision request with
// the law in force at its as_of, and stores nothing.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var req liaison.Request
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.law.CheckRequest(&req); err != nil {
		s.writeError(w, r, err)
		return
	}
	d, err := s.law.Decide(&req, law.Options{Explain: true})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.countDecisions("decide", d.Outcome)
	d.Normalize() // empty lists as [], as the OpenAPI document promises
	s.writeJSON(w, r, http.StatusOK, d)
}
