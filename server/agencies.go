package server

import (
	"net/http"

	"liaison"
	"liaison/desk"
)

func (s *Server) createAgency(w http.ResponseWriter, r *http.Request, c caller) {
	var in desk.AgencyInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.desk.CreateAgency(r.Context(), c.Actor, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/agencies/"+a.ID)
	s.writeJSON(w, r, http.StatusCreated, a)
}

// agencyList is the answer to GET /v1/agencies.
type agencyList struct {
	Agencies []liaison.AgencyRecord `json:"agencies"`
}

func (s *Server) listAgencies(w http.ResponseWriter, r *http.Request, c caller) {
	if _, err := query(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	as, err := s.desk.Agencies(r.Context(), c.Actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, agencyList{Agencies: nonNil(as)})
}

func (s *Server) getAgency(w http.ResponseWriter, r *http.Request, c caller) {
	if _, err := s.pathRecord(r.Context(), caller{}, liaison.KindAgency, r.PathValue("id")); err != nil {
		s.writeError(w, r, err) // every token may read every agency
		return
	}
	a, err := s.desk.Agency(r.Context(), c.Actor, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, a)
}

// nonNil returns s, or an empty slice for nil, so that lists encode as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
