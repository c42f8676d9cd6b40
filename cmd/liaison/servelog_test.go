package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeLogFlushedOnStop: serve writes its log in batches; on a clean
// stop every access line reaches stderr, though no flush tick came.
func TestServeLogFlushedOnStop(t *testing.T) {
	dir := t.TempDir()
	var stderr syncBuffer
	ready := make(chan string, 1)
	never := make(chan time.Time) // no tick: only the stop flushes
	c := &serveCmd{getenv: func(string) string { return "" }, stdout: &bytes.Buffer{}, stderr: &stderr,
		ready: func(a string) { ready <- a }, logTick: never}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- c.run(ctx, []string{"--addr", "127.0.0.1:0", "--db", "sqlite:" + filepath.Join(dir, "liaison.db"), "--keys", filepath.Join(dir, "keys")})
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	const n = 25
	for range n {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if got := strings.Count(stderr.String(), `"route":"GET /healthz"`); got != 0 {
		t.Errorf("stderr has %d access lines before a tick or the stop, want 0 (they wait in the buffer)", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	out := stderr.String()
	if got := strings.Count(out, `"route":"GET /healthz"`); got != n {
		t.Errorf("stderr after a clean stop has %d access lines for GET /healthz, want %d:\n%s", got, n, out)
	}
	if !strings.Contains(out, "stopped accepting") {
		t.Errorf("stderr after a clean stop lacks the shutdown line:\n%s", out)
	}
}
