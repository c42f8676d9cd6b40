package server

import (
	"net/http"

	"liaison"
	"liaison/desk"
)

// intake stores a federal request and decides each action it asks for:
// 201 when it is new; 200 with the stored request when the same request
// was sent before with its idempotency key (a read, which the desk logs);
// 409 when a different one was.
func (s *Server) intake(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.IntakeInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.desk.Intake(r.Context(), a, in)
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
	s.writeJSON(w, r, status, res)
}

// act carries out one action of a stored request, deciding it again now.
// A refusal is a result, not an error: 201 with the action's status. A
// permitted action is recorded pending and answered at once, 201: the
// dispatcher delivers it after (see desk.Dispatcher). With an idempotency
// key (idempotency_key, or the Idempotency-Key header) sent before: 200
// with the action as it stands now; 409 when the input differs.
func (s *Server) act(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.ActInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		if in.IdempotencyKey != "" && in.IdempotencyKey != k {
			s.writeError(w, r, liaison.Errorf(liaison.Invalid, "idempotency_key", "the body's idempotency_key and the Idempotency-Key header differ: send one"))
			return
		}
		in.IdempotencyKey = k
	}
	res, err := s.desk.Act(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		s.countDecisions("act", res.Decision.Decision.Outcome)
	}
	s.writeJSON(w, r, status, res)
}

func (s *Server) override(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.OverrideInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.desk.Override(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, o)
}

// addFacts adds facts learned after intake to a request, which decides its
// actions again: 201 when new; 200 with the stored record when the same
// facts were sent before with their key; 409 when different ones were.
func (s *Server) addFacts(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.FactsInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.desk.Facts(r.Context(), a, r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		for _, d := range res.Decisions {
			s.countDecisions("facts", d.Decision.Outcome)
		}
	}
	s.writeJSON(w, r, status, res)
}
