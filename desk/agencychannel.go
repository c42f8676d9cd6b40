package desk

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"sync"
	"time"

	"liaison"
)

// ChannelInput configures an agency's outbound channel: a webhook (URL and
// the HMAC secret its receiver checks signatures with) or email (SMTP
// settings, and a password when the server needs a login).
type ChannelInput struct {
	Kind string `json:"kind" liaison:"required,nonempty"` // "webhook" or "email"
	URL  string `json:"url"`
	// Secret is the webhook's signing secret, at least 16 characters.
	Secret string                `json:"secret"`
	SMTP   *liaison.SMTPSettings `json:"smtp"`
	// Password is the SMTP login's, with SMTP.Username.
	Password string `json:"password"`
}

// ChannelView is an agency's channel as anyone may see it: never its
// secret, only whether one is set and its fingerprint.
type ChannelView struct {
	ID                string                `json:"id"`
	Agency            string                `json:"agency"`
	Kind              string                `json:"kind"`
	URL               string                `json:"url,omitempty"`
	SMTP              *liaison.SMTPSettings `json:"smtp,omitempty"`
	SecretSet         bool                  `json:"secret_set"`
	SecretFingerprint string                `json:"secret_fingerprint,omitempty"`
	Actor             liaison.Actor         `json:"actor"`
	At                time.Time             `json:"at"`
}

func channelView(c *liaison.ChannelRecord) *ChannelView {
	return &ChannelView{ID: c.ID, Agency: c.Agency, Kind: c.Kind, URL: c.URL, SMTP: c.SMTP, SecretSet: c.SealedSecret != "",
		SecretFingerprint: c.SecretFingerprint, Actor: c.Actor, At: c.At}
}

// minSecret is the shortest webhook secret taken, as for the server-wide
// LIAISON_WEBHOOK_SECRET.
const minSecret = 16

// SetChannel configures the outbound channel of an agency (admins only):
// a new channel record, which stands from now on, also for the pending
// actions' next attempts. The secret is sealed with the desk's seal key.
func (d *Desk) SetChannel(ctx context.Context, by liaison.Actor, agency string, in ChannelInput) (*ChannelView, error) {
	if err := need(by, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	if err := inScope(by, agency, "id"); err != nil {
		return nil, err
	}
	if _, err := d.agency(ctx, agency); err != nil {
		return nil, missing(err, "agency", agency)
	}
	id, err := d.newID("chn")
	if err != nil {
		return nil, err
	}
	now := d.now().UTC()
	c := &liaison.ChannelRecord{ID: id, Agency: agency, Kind: in.Kind, Actor: by, At: now}
	var secret string
	switch in.Kind {
	case "webhook":
		u, err := url.Parse(in.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, liaison.Errorf(liaison.Invalid, "url", "give the webhook's URL, http:// or https://")
		}
		if len(in.Secret) < minSecret {
			return nil, liaison.Errorf(liaison.Invalid, "secret", "the webhook's secret must be at least %d characters", minSecret)
		}
		if in.SMTP != nil || in.Password != "" {
			return nil, liaison.Errorf(liaison.Invalid, "smtp", "a webhook channel takes url and secret, not smtp or password")
		}
		c.URL, secret = in.URL, in.Secret
	case "email":
		s := in.SMTP
		if s == nil {
			return nil, liaison.Errorf(liaison.Invalid, "smtp", "an email channel needs smtp: addr, from and to")
		}
		if _, _, err := net.SplitHostPort(s.Addr); err != nil {
			return nil, liaison.Errorf(liaison.Invalid, "smtp.addr", "give the SMTP server as host:port")
		}
		if !strings.Contains(s.From, "@") {
			return nil, liaison.Errorf(liaison.Invalid, "smtp.from", "give the sender's address")
		}
		if len(s.To) == 0 {
			return nil, liaison.Errorf(liaison.Invalid, "smtp.to", "give at least one recipient")
		}
		for _, to := range s.To {
			if !strings.Contains(to, "@") {
				return nil, liaison.Errorf(liaison.Invalid, "smtp.to", "%q is not an email address", to)
			}
		}
		if (s.Username == "") != (in.Password == "") {
			return nil, liaison.Errorf(liaison.Invalid, "password", "an SMTP login needs both smtp.username and password")
		}
		if in.URL != "" || in.Secret != "" {
			return nil, liaison.Errorf(liaison.Invalid, "url", "an email channel takes smtp and password, not url or secret")
		}
		sc := *s
		sc.To = append([]string(nil), s.To...)
		c.SMTP, secret = &sc, in.Password
	default:
		return nil, liaison.Errorf(liaison.Invalid, "kind", "a channel is a webhook or email, not %q", in.Kind)
	}
	if secret != "" {
		sealed, err := d.sealer.Seal(secret, channelContext(c))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(secret))
		c.SealedSecret, c.SecretFingerprint = sealed, "sha256:"+hex.EncodeToString(sum[:8])
	}
	rec, err := d.record(liaison.KindChannel, id, agency, "", "", "", now, c)
	if err != nil {
		return nil, err
	}
	if err := d.store.Append(ctx, rec); err != nil {
		return nil, err
	}
	d.log.InfoContext(ctx, "channel set", "agency", agency, "channel", id, "kind", c.Kind, "by", by.ID)
	return channelView(c), nil
}

// AgencyChannel returns the agency's own channel, without its secret: to
// admins, and to the agency's supervisors. NotFound when it has none (its
// actions go out through the server's channel, if there is one).
func (d *Desk) AgencyChannel(ctx context.Context, by liaison.Actor, agency string) (*ChannelView, error) {
	if err := need(by, liaison.RoleAdmin, liaison.RoleSupervisor); err != nil {
		return nil, err
	}
	if err := inScope(by, agency, "id"); err != nil {
		return nil, err
	}
	if _, err := d.agency(ctx, agency); err != nil {
		return nil, missing(err, "agency", agency)
	}
	c, err := d.latestChannel(ctx, agency)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, liaison.Errorf(liaison.NotFound, "id", "agency %s has no channel of its own: its actions go out through the server's, if one is configured", agency)
	}
	return channelView(c), nil
}

// channelContext binds a channel's sealed secret to its record.
func channelContext(c *liaison.ChannelRecord) string { return "channel/" + c.Agency + "/" + c.ID }

// channels is the latest channel record of each agency, read from the
// store a little at a time: each read takes only the channel records
// written since the last (by any node), by the index of their kind. (A
// list by kind and agency would walk the agency's every record.)
type channels struct {
	mu     sync.Mutex
	next   int64 // every channel record below it has been read
	latest map[string]*liaison.ChannelRecord
}

// latestChannel returns the agency's latest channel record, nil if none.
func (d *Desk) latestChannel(ctx context.Context, agency string) (*liaison.ChannelRecord, error) {
	c := &d.chans
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.latest == nil {
		c.latest = map[string]*liaison.ChannelRecord{}
	}
	var err error
	c.next, err = liaison.Each(ctx, d.store, liaison.Filter{Kind: liaison.KindChannel}, c.next, func(r liaison.ChannelRecord, _ int64) {
		c.latest[r.Agency] = &r
	})
	if err != nil {
		return nil, err
	}
	return c.latest[agency], nil
}

// channelName names the channel an agency's actions go out through now:
// its own channel record's id, or the server's channel's name; "" when
// there is none.
func (d *Desk) channelName(ctx context.Context, agency string) (string, error) {
	c, err := d.latestChannel(ctx, agency)
	if err != nil || c == nil {
		return d.channel, err
	}
	return c.ID, nil
}

// channelFor returns the channel an agency's actions go out through now,
// and its name (see channelName); a nil Channel when there is none.
func (d *Desk) channelFor(ctx context.Context, agency string) (Channel, string, error) {
	c, err := d.latestChannel(ctx, agency)
	if err != nil {
		return nil, "", err
	}
	if c == nil {
		if d.channel == "" {
			return nil, "", nil
		}
		return d.channels[d.channel], d.channel, nil
	}
	var secret string
	if c.SealedSecret != "" {
		if secret, err = d.sealer.Open(c.SealedSecret, channelContext(c)); err != nil {
			return nil, "", err
		}
	}
	switch c.Kind {
	case "webhook":
		return &Webhook{URL: c.URL, Secret: []byte(secret), Now: d.now}, c.ID, nil
	case "email":
		e := &Email{Addr: c.SMTP.Addr, From: c.SMTP.From, To: c.SMTP.To}
		if c.SMTP.Username != "" {
			host, _, _ := net.SplitHostPort(c.SMTP.Addr)
			e.Auth = smtp.PlainAuth("", c.SMTP.Username, secret, host)
		}
		return e, c.ID, nil
	}
	return nil, "", liaison.Errorf(liaison.Internal, "", "channel %s of agency %s is of unknown kind %q", c.ID, c.Agency, c.Kind)
}
