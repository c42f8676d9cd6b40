package desk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// Message is what goes out when an action is carried out. It names the
// request and the law; it carries no personal data.
type Message struct {
	ID        string          `json:"id"`
	Agency    string          `json:"agency"`
	Request   string          `json:"request"`
	Action    liaison.Action  `json:"action"`
	Outcome   liaison.Outcome `json:"outcome"`
	Citations []string        `json:"citations"`
	Override  bool            `json:"override"`
	At        time.Time       `json:"at"`
}

// Attempt is one try at delivering a message.
type Attempt struct {
	At  time.Time
	Err error // nil when delivered
}

// A Channel delivers messages to the federal office. Send retries as the
// channel sees fit and returns every attempt; the message was delivered if
// the last attempt has no error.
type Channel interface {
	Send(ctx context.Context, m Message) []Attempt
}

// Webhook posts each message as JSON, signed with HMAC-SHA256 over
// "<timestamp>.<body>" in the header X-Liaison-Signature ("sha256=<hex>")
// with the timestamp (Unix seconds) in X-Liaison-Timestamp. A 2xx answer
// is a delivery; anything else is retried with exponential backoff.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	// MaxAttempts (default 5) and Backoff (default 500ms, doubling).
	MaxAttempts int
	Backoff     time.Duration
	// Now and Sleep are the clock; tests inject them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Sign returns the signature header value for a body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Send implements Channel.
func (w *Webhook) Send(ctx context.Context, m Message) []Attempt {
	body, err := json.Marshal(m)
	if err != nil {
		return []Attempt{{At: w.now(), Err: fmt.Errorf("encode message: %w", err)}}
	}
	max := w.MaxAttempts
	if max <= 0 {
		max = 5
	}
	backoff := w.Backoff
	if backoff <= 0 {
		backoff = 500 * time.Millisecond
	}
	var attempts []Attempt
	for i := 0; i < max; i++ {
		if i > 0 {
			if err := w.sleep(ctx, backoff<<(i-1)); err != nil {
				attempts = append(attempts, Attempt{At: w.now(), Err: err})
				break
			}
		}
		err := w.post(ctx, body)
		attempts = append(attempts, Attempt{At: w.now(), Err: err})
		if err == nil {
			break
		}
	}
	return attempts
}

func (w *Webhook) post(ctx context.Context, body []byte) error {
	ts := w.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Liaison-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Liaison-Signature", Sign(w.Secret, ts, body))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

func (w *Webhook) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Webhook) sleep(ctx context.Context, d time.Duration) error {
	if w.Sleep != nil {
		return w.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Email sends each message as a plain-text email over SMTP, once.
type Email struct {
	Addr string // host:port
	From string
	To   []string
	Auth smtp.Auth // nil for none
	Now  func() time.Time
}

// Send implements Channel.
func (e *Email) Send(ctx context.Context, m Message) []Attempt {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: [liaison] %s %s (request %s)\r\n", e.From, strings.Join(e.To, ", "), m.Action, m.Outcome, m.Request)
	fmt.Fprintf(&b, "Content-Type: text/plain; charset=utf-8\r\nX-Liaison-Message: %s\r\n\r\n", m.ID)
	fmt.Fprintf(&b, "Agency %s carries out %s for request %s.\r\nOutcome: %s\r\n", m.Agency, m.Action, m.Request, m.Outcome)
	for _, c := range m.Citations {
		fmt.Fprintf(&b, "Authority: %s\r\n", c)
	}
	if m.Override {
		b.WriteString("This action was carried out under an override by agency counsel.\r\n")
	}
	err := ctx.Err()
	if err == nil {
		err = smtp.SendMail(e.Addr, e.Auth, e.From, e.To, []byte(b.String()))
	}
	if err != nil {
		err = fmt.Errorf("send email: %w", err)
	}
	return []Attempt{{At: now(), Err: err}}
}
