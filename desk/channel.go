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
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// Message is what goes out when an action is carried out. It names the
// request and the law, and of the facts about the person only what the
// decision lets the action disclose (liaison.Decision.Disclose) and the
// desk holds: nothing else.
type Message struct {
	ID        string          `json:"id"`
	Agency    string          `json:"agency"`
	Request   string          `json:"request"`
	Action    liaison.Action  `json:"action"`
	Outcome   liaison.Outcome `json:"outcome"`
	Citations []string        `json:"citations"`
	Override  bool            `json:"override"`
	At        time.Time       `json:"at"`
	// Disclose is what the decision lets the action tell: the items the
	// recipient may receive, whether or not the desk holds their values.
	Disclose []liaison.InfoItem `json:"disclose,omitempty"`
	// Release is the person's scheduled release, in the agency's local
	// time: only when the decision lets the release date be disclosed
	// and the desk knows it. Without release_time, only its date.
	Release string `json:"release,omitempty"`
}

// message builds what goes out for an action carried out under the
// decision dr: the law, and the facts dr lets it disclose.
func (d *Desk) message(ctx context.Context, agency *liaison.AgencyRecord, rr *liaison.RequestRecord, dr *liaison.DecisionRecord, id string, override bool, now time.Time) (Message, error) {
	m := Message{ID: id, Agency: rr.Agency, Request: rr.ID, Action: dr.Action, Outcome: dr.Decision.Outcome,
		Override: override, At: now, Disclose: dr.Decision.Disclose}
	for _, r := range dr.Decision.Decisive {
		m.Citations = append(m.Citations, r.Citation)
	}
	if !slices.Contains(m.Disclose, "release_date") {
		return m, nil
	}
	release, err := d.scheduledRelease(ctx, rr)
	if err != nil || release.IsZero() {
		return m, err
	}
	if zone := agencyZone(agency); zone != "" {
		loc, err := d.law.Location(zone)
		if err != nil {
			return m, fmt.Errorf("agency %s: %w", agency.ID, err)
		}
		release = release.In(loc)
	}
	if slices.Contains(m.Disclose, "release_time") {
		m.Release = release.Format(time.RFC3339)
	} else {
		m.Release = release.Format(time.DateOnly)
	}
	return m, nil
}

// scheduledRelease returns the person's latest scheduled release the desk
// knows: a release_scheduled custody event, or else the request's facts.
func (d *Desk) scheduledRelease(ctx context.Context, rr *liaison.RequestRecord) (time.Time, error) {
	var at time.Time
	if rr.Subject != nil && rr.Subject.Custody != nil {
		at = rr.Subject.Custody.ScheduledRelease
	}
	if rr.Person == "" {
		return at, nil
	}
	evs, err := list[liaison.CustodyEventRecord](ctx, d.store, liaison.Filter{Kind: liaison.KindCustodyEvent, Person: rr.Person})
	if err != nil {
		return time.Time{}, fmt.Errorf("custody of %s: %w", rr.Person, err)
	}
	for _, e := range evs {
		if e.Kind == "release_scheduled" && !e.ScheduledRelease.IsZero() {
			at = e.ScheduledRelease
		}
	}
	return at, nil
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
	if m.Release != "" {
		fmt.Fprintf(&b, "Scheduled release: %s\r\n", m.Release)
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
