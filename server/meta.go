package server

import (
	_ "embed"
	"net/http"

	"liaison"
)

//go:embed openapi.json
var openAPIDoc []byte

// OpenAPI returns the API's OpenAPI 3.1 document, as /openapi.json serves it.
func OpenAPI() []byte { return append([]byte(nil), openAPIDoc...) }

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openAPIDoc)
}

// ready is the answer to GET /readyz.
type ready struct {
	Status string `json:"status"`
}

// readyz answers 200 when the store may take writes, and 503 with the
// store's own message when it does not answer or has found itself damaged
// (see liaison.HealthReporter), in which case it refuses every write too.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	var err error
	if hr, ok := s.log.(liaison.HealthReporter); ok {
		err = hr.Health(r.Context())
	} else {
		_, err = s.log.TreeSize(r.Context())
	}
	if err != nil {
		s.logger.WarnContext(r.Context(), "readiness check: store", "err", err)
		if liaison.KindOf(err) != liaison.Unavailable {
			err = liaison.Errorf(liaison.Unavailable, "", "the store does not answer")
		}
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ready{Status: "ready"})
}

// health is the answer to GET /healthz.
type health struct {
	Status string `json:"status"`
}

// healthz answers 200 while the process serves: liveness only. Whether
// the store answers is /readyz's question, so that a database outage
// takes a node out of rotation instead of having it restarted.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	s.writeJSON(w, r, http.StatusOK, health{Status: "ok"})
}
