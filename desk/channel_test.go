package desk

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
)

var testMsg = Message{ID: "act_1", Agency: "agy_1", Request: "req_1", Action: liaison.NotifyRelease,
	Outcome: liaison.Permitted, Citations: []string{"8 U.S.C. 1373"}, At: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}

func TestWebhookSignsOneAttempt(t *testing.T) {
	secret := []byte("s3cret")
	var mu sync.Mutex
	var calls int
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts, _ := strconv.ParseInt(r.Header.Get("X-Liaison-Timestamp"), 10, 64)
		if got, want := r.Header.Get("X-Liaison-Signature"), Sign(secret, ts, body); got != want {
			t.Errorf("signature = %q, want %q", got, want)
		}
		if strings.Contains(string(body), "name") {
			t.Errorf("webhook body carries personal data: %s", body)
		}
		mu.Lock()
		calls++
		n := calls
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		if n < 2 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: secret}
	// One attempt per call: retries are the dispatcher's.
	if err := w.Deliver(context.Background(), testMsg); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Deliver to a receiver answering 503 = %v, want an error naming the status", err)
	}
	if err := w.Deliver(context.Background(), testMsg); err != nil {
		t.Fatalf("Deliver = %v, want nil", err)
	}
	if calls != 2 || keys[0] != testMsg.ID || keys[1] != testMsg.ID {
		t.Errorf("posts = %d with Idempotency-Key %q, want 2 with the message's id %q", calls, keys, testMsg.ID)
	}
}

// smtpSink is a minimal SMTP server on loopback that keeps what it receives.
type smtpSink struct {
	ln   net.Listener
	mu   sync.Mutex
	mail []string
}

func newSMTPSink(t *testing.T) *smtpSink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s
}

func (s *smtpSink) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *smtpSink) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 sink ready")
	var data strings.Builder
	inData := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if inData {
			if line == ".\r\n" {
				inData = false
				s.mu.Lock()
				s.mail = append(s.mail, data.String())
				s.mu.Unlock()
				say("250 queued")
				continue
			}
			data.WriteString(line)
			continue
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 sink")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), strings.HasPrefix(cmd, "RSET"), strings.HasPrefix(cmd, "NOOP"):
			say("250 ok")
		case cmd == "DATA":
			inData = true
			say("354 go on")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown")
		}
	}
}

func TestEmail(t *testing.T) {
	sink := newSMTPSink(t)
	e := &Email{Addr: sink.ln.Addr().String(), From: "desk@agency.example", To: []string{"ero@federal.example"}}
	m := testMsg
	m.Disclose, m.Release = []liaison.InfoItem{"release_date", "release_time"}, "2020-01-03T08:00:00-08:00"
	if err := e.Deliver(context.Background(), m); err != nil {
		t.Fatalf("Deliver = %v, want nil", err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.mail) != 1 || !strings.Contains(sink.mail[0], "Subject: [liaison] notify_release permitted (request req_1)") ||
		!strings.Contains(sink.mail[0], "Authority: 8 U.S.C. 1373") || !strings.Contains(sink.mail[0], "X-Liaison-Message: act_1") || !strings.Contains(sink.mail[0], "Scheduled release: 2020-01-03T08:00:00-08:00") {
		t.Errorf("mail = %q", sink.mail)
	}
}

func TestEmailFails(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	err := (&Email{Addr: addr, From: "a@b.example", To: []string{"c@d.example"}}).Deliver(context.Background(), testMsg)
	var ne *net.OpError
	if !errors.As(err, &ne) {
		t.Errorf("Deliver to a closed port = %v, want an error wrapping the network error", err)
	}
}

// TestEmailHonoursContext: a server that accepts the connection and never
// answers holds Deliver only until its context ends.
func TestEmailHonoursContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c // says nothing: no 220 greeting
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&Email{Addr: ln.Addr().String(), From: "a@b.example", To: []string{"c@d.example"}}).Deliver(ctx, testMsg)
	}()
	c := <-accepted
	defer c.Close()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Deliver to a silent server, context canceled = %v, want context.Canceled", err)
	}
}
