package web

import (
	"strings"
	"testing"
)

// TestNoPageUnderV1 keeps the web desk's pages out of /v1/, which `liaison
// serve` sends straight to the API (server.Front) without asking the web
// desk's mux.
func TestNoPageUnderV1(t *testing.T) {
	var s *Site // routes only names the handlers
	for _, rt := range s.routes() {
		_, path, _ := strings.Cut(rt.pattern, " ")
		if strings.HasPrefix(path, "/v1/") || path == "/v1" {
			t.Errorf("page %q is under /v1/, which serve routes to the API", rt.pattern)
		}
	}
}
