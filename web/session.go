package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
)

// A session's cookie. Over TLS (or with Config.SecureCookies) the cookie
// is Secure and takes the __Host- prefix, which browsers accept only from
// a secure origin, for path /, without a Domain: no other host or path can
// set it.
const (
	cookieName       = "liaison_session"
	secureCookieName = "__Host-liaison_session"
)

// secretLen is the length of a session secret or sign-in code: 32 random
// bytes in unpadded base64url, after its prefix.
var secretLen = base64.RawURLEncoding.EncodedLen(32)

// codePrefix starts every sign-in code.
const codePrefix = "lsc_"

// session is a signed-in session, as its record says.
type session struct {
	id    string
	actor liaison.Actor
}

// pageFunc serves one page for a session (nil on open pages, or when no
// one is signed in).
type pageFunc func(w http.ResponseWriter, r *http.Request, ss *session)

// guard finds the request's session and checks its role against the
// route's before the page reads anything else. Without a session a staff
// page sends the browser to sign in; a role the route does not admit
// (the public's, an auditor at a clerk's form) gets a 403 page.
func (s *Site) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := s.session(r)
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if rt.roles == nil {
			rt.h(w, r, ss)
			return
		}
		if ss == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			s.errorPage(w, r, nil, http.StatusUnauthorized, "You are not signed in, or your session ended. Sign in again.")
			return
		}
		if !slices.Contains(rt.roles, ss.actor.Role) {
			s.errorPage(w, r, ss, http.StatusForbidden, fmt.Sprintf("The role %s may not open this page.", ss.actor.Role))
			return
		}
		rt.h(w, r, ss)
	})
}

// secure reports whether the session cookie is sent Secure for r.
func (s *Site) secure(r *http.Request) bool { return s.cfg.SecureCookies || r.TLS != nil }

func (s *Site) cookieName(r *http.Request) string {
	if s.secure(r) {
		return secureCookieName
	}
	return cookieName
}

// newSecret returns prefix and 32 random bytes of rand, base64url, and the
// hex SHA-256 of the whole.
func newSecret(rand io.Reader, prefix string) (string, string, error) {
	var b [32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", "", fmt.Errorf("new secret: %w", err)
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashOf(secret), nil
}

func hashOf(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// record encodes body as a stored record with a fresh salt.
func record(rand io.Reader, kind, id, agency, parent, key string, at time.Time, body any) (*liaison.StoredRecord, error) {
	canon, err := ledger.MarshalCanonical(body)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", kind, id, err)
	}
	salt, err := ledger.NewSalt(rand)
	if err != nil {
		return nil, err
	}
	return &liaison.StoredRecord{Kind: kind, ID: id, Agency: agency, Parent: parent, Key: key, Body: canon, Salt: salt, At: at.UTC()}, nil
}

// newSession makes the records of a new session for a, with the session's
// secret (for the cookie). More records (a code's use) may be appended
// with it in one write.
func (s *Site) newSession(a liaison.Actor) (string, *liaison.SessionRecord, *liaison.StoredRecord, error) {
	now := s.cfg.Now().UTC()
	secret, hash, err := newSecret(s.cfg.Rand, "")
	if err != nil {
		return "", nil, nil, err
	}
	id, err := liaison.NewID(s.cfg.Rand, now, "ses")
	if err != nil {
		return "", nil, nil, err
	}
	sr := &liaison.SessionRecord{ID: id, Agency: a.Agency, Hash: hash, Actor: a, CreatedAt: now,
		Expires: now.Add(s.cfg.SessionTTL), IdleSeconds: int64(s.cfg.IdleTTL / time.Second)}
	rec, err := record(s.cfg.Rand, liaison.KindSession, id, a.Agency, "", hash, now, sr)
	return secret, sr, rec, err
}

// setCookie gives the browser the session's secret: HttpOnly (no script
// reads it), SameSite=Strict (no other site's page sends it), Secure over
// TLS, for the session's whole life at most.
func (s *Site) setCookie(w http.ResponseWriter, r *http.Request, secret string, sr *liaison.SessionRecord) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: secret, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: int(s.cfg.SessionTTL / time.Second)})
}

func (s *Site) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(r), Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: -1})
}

// session returns the request's session, nil when it has none that is
// live: no cookie, a secret no session has (one the browser was given by
// someone else is never adopted: sessions are made only by signing in),
// a session ended, expired, idle too long, or whose token was revoked. A
// store that fails is an error.
func (s *Site) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(s.cookieName(r))
	if err != nil || len(c.Value) != secretLen {
		return nil, nil
	}
	ctx := r.Context()
	hash := hashOf(c.Value)
	rec, err := s.cfg.Store.ByKey(ctx, liaison.KindSession, hash)
	if liaison.KindOf(err) == liaison.NotFound {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up session: %w", err)
	}
	var sr liaison.SessionRecord
	if err := json.Unmarshal(rec.Body, &sr); err != nil {
		return nil, fmt.Errorf("decode session %s: %w", rec.ID, err)
	}
	// The key column is an index; the body is what the log commits to.
	if sr.Hash != hash || sr.ID != rec.ID {
		return nil, fmt.Errorf("session %s: its record's hash is not the key it was found by: run `liaison log verify`", rec.ID)
	}
	now := s.cfg.Now()
	if !now.Before(sr.Expires) {
		return nil, nil
	}
	if _, err := s.cfg.Store.ByKey(ctx, liaison.KindSessionEnded, sr.ID); err == nil {
		return nil, nil
	} else if liaison.KindOf(err) != liaison.NotFound {
		return nil, fmt.Errorf("look up end of session %s: %w", sr.ID, err)
	}
	if _, err := s.cfg.Store.ByKey(ctx, liaison.KindTokenRevoked, sr.Actor.ID); err == nil {
		return nil, nil
	} else if liaison.KindOf(err) != liaison.NotFound {
		return nil, fmt.Errorf("look up token of session %s: %w", sr.ID, err)
	}
	last := sr.CreatedAt
	if _, err := liaison.Each(ctx, s.cfg.Store, liaison.Filter{Kind: liaison.KindSessionSeen, Parent: sr.ID}, 0, func(seen liaison.SessionSeenRecord, _ int64) {
		if seen.Session == sr.ID && seen.At.After(last) {
			last = seen.At
		}
	}); err != nil {
		return nil, fmt.Errorf("read session %s: %w", sr.ID, err)
	}
	idle := time.Duration(sr.IdleSeconds) * time.Second
	if now.Sub(last) >= idle {
		return nil, nil
	}
	// Renew the idle clock, at most four times per idle period: a session
	// in use costs a write every quarter of it, not one per page.
	if now.Sub(last) >= idle/4 {
		if err := s.seen(ctx, &sr, now); err != nil {
			return nil, err
		}
	}
	return &session{id: sr.ID, actor: sr.Actor}, nil
}

// seen records that the session sr was in use at now.
func (s *Site) seen(ctx context.Context, sr *liaison.SessionRecord, now time.Time) error {
	id, err := liaison.NewID(s.cfg.Rand, now, "ssn")
	if err != nil {
		return err
	}
	rec, err := record(s.cfg.Rand, liaison.KindSessionSeen, id, sr.Agency, sr.ID, "", now,
		liaison.SessionSeenRecord{ID: id, Agency: sr.Agency, Session: sr.ID, At: now.UTC()})
	if err != nil {
		return err
	}
	if err := s.cfg.Store.Append(ctx, rec); err != nil {
		return fmt.Errorf("renew session %s: %w", sr.ID, err)
	}
	return nil
}

// end ends the session ss for reason.
func (s *Site) end(ctx context.Context, ss *session, reason string) error {
	now := s.cfg.Now().UTC()
	id, err := liaison.NewID(s.cfg.Rand, now, "sen")
	if err != nil {
		return err
	}
	rec, err := record(s.cfg.Rand, liaison.KindSessionEnded, id, ss.actor.Agency, ss.id, ss.id, now,
		liaison.SessionEndedRecord{ID: id, Agency: ss.actor.Agency, Session: ss.id, Reason: reason, At: now})
	if err != nil {
		return err
	}
	if err := s.cfg.Store.Append(ctx, rec); err != nil && liaison.KindOf(err) != liaison.Conflicting {
		return fmt.Errorf("end session %s: %w", ss.id, err)
	}
	return nil
}

// NewSignInCode stores a one-time sign-in code for a (the actor of an API
// token: its id, name, role and agency) that lasts ttl, and returns it,
// for a link to /signin/code?c=CODE: the link opens a page whose button
// exchanges the code for a session, once. The code is no token: it opens
// one session, and only until it expires. now and rand are the clock and
// crypto/rand.Reader in production (nil: those).
func NewSignInCode(ctx context.Context, store liaison.Store, a liaison.Actor, ttl time.Duration, now func() time.Time, rnd io.Reader) (string, error) {
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	if a.ID == "" || a.Role == "" {
		return "", liaison.Errorf(liaison.Invalid, "actor", "a sign-in code needs the actor of a token (id and role)")
	}
	at := now().UTC()
	code, hash, err := newSecret(rnd, codePrefix)
	if err != nil {
		return "", err
	}
	id, err := liaison.NewID(rnd, at, "sic")
	if err != nil {
		return "", err
	}
	rec, err := record(rnd, liaison.KindSignInCode, id, a.Agency, "", hash, at,
		liaison.SignInCodeRecord{ID: id, Agency: a.Agency, Hash: hash, Actor: a, CreatedAt: at, Expires: at.Add(ttl)})
	if err != nil {
		return "", err
	}
	if err := store.Append(ctx, rec); err != nil {
		return "", fmt.Errorf("store sign-in code: %w", err)
	}
	return code, nil
}

// errBadCode is what every code that opens nothing gets: unknown, used or
// expired look the same to whoever holds it.
var errBadCode = liaison.Errorf(liaison.Unauthorized, "c", "this sign-in link is not valid: it was used already, it expired, or it was mistyped. Ask for a new one, or sign in with your API token.")

// useCode exchanges code for a new session: it stores the code's use and
// the session in one write, so that a code used twice at once opens one
// session.
func (s *Site) useCode(ctx context.Context, code string) (string, *liaison.SessionRecord, error) {
	if !strings.HasPrefix(code, codePrefix) || len(code) != len(codePrefix)+secretLen {
		return "", nil, errBadCode
	}
	hash := hashOf(code)
	rec, err := s.cfg.Store.ByKey(ctx, liaison.KindSignInCode, hash)
	if liaison.KindOf(err) == liaison.NotFound {
		return "", nil, errBadCode
	} else if err != nil {
		return "", nil, fmt.Errorf("look up sign-in code: %w", err)
	}
	var cr liaison.SignInCodeRecord
	if err := json.Unmarshal(rec.Body, &cr); err != nil {
		return "", nil, fmt.Errorf("decode sign-in code %s: %w", rec.ID, err)
	}
	if cr.Hash != hash || cr.ID != rec.ID {
		return "", nil, fmt.Errorf("sign-in code %s: its record's hash is not the key it was found by: run `liaison log verify`", rec.ID)
	}
	if !s.cfg.Now().Before(cr.Expires) {
		return "", nil, errBadCode
	}
	if _, err := s.cfg.Store.ByKey(ctx, liaison.KindTokenRevoked, cr.Actor.ID); err == nil {
		return "", nil, errBadCode
	} else if liaison.KindOf(err) != liaison.NotFound {
		return "", nil, err
	}
	secret, sr, srec, err := s.newSession(cr.Actor)
	if err != nil {
		return "", nil, err
	}
	now := s.cfg.Now().UTC()
	uid, err := liaison.NewID(s.cfg.Rand, now, "scu")
	if err != nil {
		return "", nil, err
	}
	urec, err := record(s.cfg.Rand, liaison.KindSignInCodeUsed, uid, cr.Agency, cr.ID, cr.ID, now,
		liaison.SignInCodeUsedRecord{ID: uid, Agency: cr.Agency, Code: cr.ID, Session: sr.ID, At: now})
	if err != nil {
		return "", nil, err
	}
	if err := s.cfg.Store.Append(ctx, urec, srec); liaison.KindOf(err) == liaison.Conflicting {
		return "", nil, errBadCode // used already
	} else if err != nil {
		return "", nil, fmt.Errorf("use sign-in code: %w", err)
	}
	return secret, sr, nil
}

// useToken opens a session for the holder of an API token.
func (s *Site) useToken(ctx context.Context, token string) (string, *liaison.SessionRecord, error) {
	sum, err := desk.ParseToken(strings.TrimSpace(token))
	if err != nil {
		return "", nil, liaison.Errorf(liaison.Unauthorized, "token", "this is not a liaison API token (they begin with %s)", desk.TokenPrefix)
	}
	a, err := s.cfg.Desk.Tokens().LookUp(ctx, sum)
	if err != nil {
		if liaison.KindOf(err) == liaison.Unauthorized {
			return "", nil, liaison.Errorf(liaison.Unauthorized, "token", "this API token is unknown or revoked")
		}
		return "", nil, err
	}
	secret, sr, rec, err := s.newSession(a)
	if err != nil {
		return "", nil, err
	}
	if err := s.cfg.Store.Append(ctx, rec); err != nil {
		return "", nil, fmt.Errorf("store session: %w", err)
	}
	return secret, sr, nil
}
