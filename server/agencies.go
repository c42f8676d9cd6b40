package server

import (
	"net/http"

	"liaison"
	"liaison/desk"
)

func (s *Server) createAgency(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.AgencyInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ag, err := s.desk.CreateAgency(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/agencies/"+ag.ID)
	s.writeJSON(w, r, http.StatusCreated, ag)
}

// agencyList is the answer to GET /v1/agencies.
type agencyList struct {
	Agencies []liaison.AgencyRecord `json:"agencies"`
	Next     string                 `json:"next,omitempty"`
}

func (s *Server) listAgencies(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, _, err := pageQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	as, next, err := s.desk.Agencies(r.Context(), a, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, agencyList{Agencies: as, Next: next})
}

func (s *Server) getAgency(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	ag, err := s.desk.Agency(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ag)
}

// setChannel configures the agency's outbound channel: 200 with the channel
// as GET shows it, without its secret.
func (s *Server) setChannel(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.ChannelInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.desk.SetChannel(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, c)
}

func (s *Server) getChannel(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	c, err := s.desk.AgencyChannel(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, c)
}
