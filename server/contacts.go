package server

import (
	"bytes"
	"net/http"

	"liaison"
	"liaison/desk"
)

// recordContact records a contact that happened outside the desk: 201
// when new, 200 with the stored one when its idempotency key was used for
// the same contact before, 409 when for another.
func (s *Server) recordContact(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.ContactInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, created, err := s.desk.RecordContact(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.countDecisions("contact", c.Decision.Outcome)
	}
	w.Header().Set("Location", "/v1/contacts/"+c.ID)
	s.writeJSON(w, r, status, c)
}

// getContact answers a contact with its findings; the read is logged.
func (s *Server) getContact(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	v, err := s.desk.Contact(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, v)
}

// reviewContact records a finding on a contact, revising any before it.
func (s *Server) reviewContact(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.FindingInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.desk.Review(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, f)
}

// askFirst answers an officer's question before they act.
func (s *Server) askFirst(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.AskInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ans, err := s.desk.Ask(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ans)
}

// contactFigures answers an agency's contact figures, de-identified, as
// JSON or with ?format=csv as CSV.
func (s *Server) contactFigures(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	q, err := query(r, "agency", "format")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "format", "unknown value %q (want json or csv)", format))
		return
	}
	f, err := s.desk.Figures(r.Context(), a, q.Get("agency"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "csv" {
		s.writeJSON(w, r, http.StatusOK, f)
		return
	}
	var b bytes.Buffer
	if err := f.WriteCSV(&b); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// draftList is the answer to GET /v1/contacts/drafts.
type draftList struct {
	Drafts []liaison.ContactDraftRecord `json:"drafts"`
	Next   string                       `json:"next,omitempty"`
}

// listDrafts lists an agency's contact drafts from e-mail scans.
func (s *Server) listDrafts(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, q, err := pageQuery(r, "agency")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	drafts, next, err := s.desk.Drafts(r.Context(), a, q.Get("agency"), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, draftList{Drafts: drafts, Next: next})
}
