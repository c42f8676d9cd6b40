package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"liaison"
)

// TestAccessLine checks that the access line observe hands to the logger's
// handler is the line Logger.LogAttrs would write with the same
// attributes, byte for byte but for the time.
func TestAccessLine(t *testing.T) {
	e := newEnv(t)
	e.as(liaison.RoleClerk, call{method: "GET", path: "/v1/duties"})
	var got string
	for line := range strings.Lines(e.logs.String()) {
		if strings.Contains(line, `"route":"GET /v1/duties"`) {
			got = line
		}
	}
	if got == "" {
		t.Fatalf("no access line for GET /v1/duties in:\n%s", e.logs.String())
	}
	var want bytes.Buffer
	slog.New(slog.NewJSONHandler(&want, nil)).LogAttrs(context.Background(), slog.LevelInfo, "http",
		slog.String("method", "GET"), slog.String("route", "GET /v1/duties"), slog.Int("status", 200),
		slog.Duration("duration", time.Duration(0)), // the test's clock stands still
		slog.String("actor", e.tokenIDs[liaison.RoleClerk]))
	stamp := regexp.MustCompile(`"time":"[^"]*"`)
	if g, w := stamp.ReplaceAllString(got, `"time":"T"`), stamp.ReplaceAllString(want.String(), `"time":"T"`); g != w {
		t.Errorf("access line:\n%s\nwant (as Logger.LogAttrs writes it):\n%s", g, w)
	}
}
