package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestFront checks that Front sends the API's versioned paths to the API
// and everything else to the site.
func TestFront(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(name)) })
	}
	h := Front(named("api"), named("site"))
	for path, want := range map[string]string{
		"/v1/decisions":      "api",
		"/v1/requests/req_1": "api",
		"/v1":                "site",
		"/":                  "site",
		"/queue":             "site",
		"/healthz":           "site", // the site hands it on to the API
		"/log/checkpoint":    "site",
		"/v10/x":             "site",
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if got := w.Body.String(); got != want {
			t.Errorf("Front: GET %s went to %s, want %s", path, got, want)
		}
	}
}
