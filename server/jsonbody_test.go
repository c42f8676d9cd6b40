package server

import (
	"errors"
	"net/http"
	"testing"
)

// TestJSONBody: the usual Content-Type, exactly application/json, passes
// without parsing; any other is parsed, and passes only as JSON.
func TestJSONBody(t *testing.T) {
	for ct, ok := range map[string]bool{
		"application/json":                  true,
		"application/json; charset=utf-8":   true,
		"Application/JSON":                  true,
		"application/json ; charset=UTF-8":  true,
		"":                                  false,
		"text/plain":                        false,
		"application/jsonx":                 false,
		"application/json; charset":         false, // malformed parameter
		"application/x-www-form-urlencoded": false,
	} {
		err := jsonBody(ct)
		var se *statusError
		if ok && err != nil || !ok && (!errors.As(err, &se) || se.status != http.StatusUnsupportedMediaType) {
			t.Errorf("jsonBody(%q) = %v, want ok %v (else 415)", ct, err, ok)
		}
	}
}
