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

// health is the answer to GET /healthz.
type health struct {
	Status string `json:"status"`
}

// healthz answers 200 when the store answers, 503 when it does not.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	if _, err := s.log.TreeSize(r.Context()); err != nil {
		s.logger.WarnContext(r.Context(), "health check: store", "err", err)
		s.writeError(w, r, liaison.Errorf(liaison.Unavailable, "", "the store does not answer"))
		return
	}
	s.writeJSON(w, r, http.StatusOK, health{Status: "ok"})
}
