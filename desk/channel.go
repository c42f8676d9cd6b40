package desk

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/smtp"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// Message is what goes out when an action is carried out (see
// liaison.Message).
type Message = liaison.Message

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

// A Channel delivers messages to the federal office, one attempt at a
// time: Deliver returns nil when the message was delivered. It does not
// retry: the dispatcher does, with backoff, across restarts. A receiver
// may get a message twice (a node stopped after sending and before
// recording it): each carries the action's id as its idempotency key.
type Channel interface {
	Deliver(ctx context.Context, m Message) error
}

// Webhook posts each message as JSON, signed with HMAC-SHA256 over
// "<timestamp>.<body>" in the header X-Liaison-Signature ("sha256=<hex>")
// with the timestamp (Unix seconds) in X-Liaison-Timestamp, and the
// message's id in Idempotency-Key. A 2xx answer is a delivery.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client
	// Now is the clock; tests inject it.
	Now func() time.Time
}

// Sign returns the signature header value for a body sent at ts.
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Deliver implements Channel.
func (w *Webhook) Deliver(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message: %w", err)
	}
	return w.post(ctx, m.ID, body)
}

func (w *Webhook) post(ctx context.Context, id string, body []byte) error {
	ts := w.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Liaison-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Liaison-Signature", Sign(w.Secret, ts, body))
	req.Header.Set("Idempotency-Key", id)
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

// Email sends each message as a plain-text email over SMTP, with the
// message's id in the header X-Liaison-Message.
type Email struct {
	Addr string // host:port
	From string
	To   []string
	Auth smtp.Auth // nil for none
}

// Deliver implements Channel.
func (e *Email) Deliver(ctx context.Context, m Message) error {
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
	if err := e.send(ctx, []byte(b.String())); err != nil {
		return fmt.Errorf("send email: %w", err)
	}
	return nil
}

// send is smtp.SendMail bounded by ctx: the connection is dialled with
// ctx, takes ctx's deadline, and is closed when ctx ends, so a server
// that stops answering holds a dispatcher no longer than its caller
// allows.
func (e *Email) send(ctx context.Context, msg []byte) error {
	host, _, err := net.SplitHostPort(e.Addr)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", e.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(dl); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	err = e.converse(conn, host, msg)
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		return fmt.Errorf("%w (%w)", ctxErr, err)
	}
	return err
}

// converse runs one SMTP session on conn as smtp.SendMail does: EHLO,
// STARTTLS when offered, AUTH when configured, then the message.
func (e *Email) converse(conn net.Conn, host string, msg []byte) error {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host}); err != nil {
			return err
		}
	}
	if e.Auth != nil {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server offers no AUTH, and a login is configured")
		}
		if err := c.Auth(e.Auth); err != nil {
			return err
		}
	}
	if err := c.Mail(e.From); err != nil {
		return err
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}
