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

func TestWebhookSignsAndRetries(t *testing.T) {
	secret := []byte("s3cret")
	var mu sync.Mutex
	var calls int
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
		mu.Unlock()
		if n < 3 {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	var slept []time.Duration
	w := &Webhook{URL: srv.URL, Secret: secret, Backoff: time.Second,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	attempts := w.Send(context.Background(), testMsg)
	if len(attempts) != 3 || attempts[0].Err == nil || attempts[1].Err == nil || attempts[2].Err != nil {
		t.Fatalf("Send attempts = %+v, want two failures then a delivery", attempts)
	}
	if len(slept) != 2 || slept[0] != time.Second || slept[1] != 2*time.Second {
		t.Errorf("backoff = %v, want [1s 2s]", slept)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	w := &Webhook{URL: srv.URL, Secret: []byte("k"), MaxAttempts: 4,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	attempts := w.Send(context.Background(), testMsg)
	if len(attempts) != 4 || attempts[3].Err == nil || !strings.Contains(attempts[3].Err.Error(), "500") {
		t.Errorf("Send = %+v, want 4 failed attempts naming the status", attempts)
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
	attempts := e.Send(context.Background(), m)
	if len(attempts) != 1 || attempts[0].Err != nil {
		t.Fatalf("Send = %+v, want one delivery", attempts)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.mail) != 1 || !strings.Contains(sink.mail[0], "Subject: [liaison] notify_release permitted (request req_1)") ||
		!strings.Contains(sink.mail[0], "Authority: 8 U.S.C. 1373") || !strings.Contains(sink.mail[0], "Scheduled release: 2020-01-03T08:00:00-08:00") {
		t.Errorf("mail = %q", sink.mail)
	}
}

func TestEmailFails(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	attempts := (&Email{Addr: addr, From: "a@b.example", To: []string{"c@d.example"}}).Send(context.Background(), testMsg)
	if len(attempts) != 1 || attempts[0].Err == nil {
		t.Errorf("Send to a closed port = %+v, want a failed attempt", attempts)
	}
	var ne *net.OpError
	if !errors.As(attempts[0].Err, &ne) {
		t.Errorf("error %v does not wrap the network error", attempts[0].Err)
	}
}
