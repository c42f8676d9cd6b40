package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestConn checks the load's HTTP/1.1 client against net/http's server:
// that it sends what the server reads (path, token, body), reads answers
// of a stated length and chunked ones whole (the next request on the same
// connection still works), reports a status other than the one wanted with
// the start of its body, and dials again after Connection: close.
func TestConn(t *testing.T) {
	var conns atomic.Int64
	long := strings.Repeat("x", 100_000) // more than net/http buffers: sent chunked
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request head", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/small":
			w.Write(body)
		case "/long":
			w.Write([]byte(long))
		case "/close":
			w.Header().Set("Connection", "close")
			w.Write(body)
		case "/refuse":
			http.Error(w, "refused: "+string(body), http.StatusConflict)
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	do := func(c *conn, body string, want int) error {
		t.Helper()
		return c.do(c.e.frame(nil, []byte(body)), want)
	}
	open := func(path, token string) *conn {
		t.Helper()
		e, err := newEndpoint(srv.URL+path, token)
		if err != nil {
			t.Fatal(err)
		}
		return &conn{e: e}
	}

	small, long2 := open("/small", "tok"), open("/long", "tok")
	for i := range 3 {
		if err := do(small, `{"n":1}`, 200); err != nil {
			t.Fatalf("POST /small, request %d: %v", i, err)
		}
		if err := do(long2, `{}`, 200); err != nil {
			t.Fatalf("POST /long, request %d: %v", i, err)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("3 requests on each of 2 connections opened %d connections, want 2 (kept alive)", n)
	}
	small.close()
	long2.close()

	refuse := open("/refuse", "tok")
	err := do(refuse, "this one", 200)
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "refused: this one") {
		t.Errorf("POST /refuse = %v, want 409 with the body", err)
	}
	if err := do(refuse, "then", 409); err != nil {
		t.Errorf("POST /refuse on the same connection, wanting 409: %v", err)
	}
	refuse.close()

	noToken := open("/small", "")
	if err := do(noToken, "{}", 200); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("POST /small without the token = %v, want 400", err)
	}
	noToken.close()

	before := conns.Load()
	closing := open("/close", "tok")
	for i := range 3 {
		if err := do(closing, "{}", 200); err != nil {
			t.Fatalf("POST /close, request %d: %v", i, err)
		}
	}
	closing.close()
	if n := conns.Load() - before; n != 3 {
		t.Errorf("3 requests answered with Connection: close opened %d connections, want 3", n)
	}
}

// TestReadAnswerMalformed checks that answers this client cannot delimit
// are errors, not successes.
func TestReadAnswerMalformed(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}",       // no length
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",                   // short body
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n",  // no last chunk
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n", // bad chunk size
		"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}",                    // bad status
		"SSH-2.0-OpenSSH_9.2\r\n",                                           // not HTTP
		"HTTP/1.1 200 OK\r\nContent-Length: nope\r\n\r\n{}",                 // bad length
		"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 2\r\n\r\n{}",   // bad header
	} {
		r := bufio.NewReader(strings.NewReader(answer))
		if status, _, _, err := readAnswer(r, 200); err == nil {
			t.Errorf("readAnswer(%q) = %d, nil; want an error", answer, status)
		}
	}
}
