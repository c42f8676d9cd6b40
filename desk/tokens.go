package desk

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"liaison"
)

// TokenPrefix starts every API token, so that a leaked one is easy to spot
// (and for secret scanners to find).
const TokenPrefix = "lsn_"

// tokenLen is the length of a token: the prefix and 32 random bytes in
// unpadded base64url.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(32)

// HashToken returns the hex SHA-256 of a token: what the store keeps, as
// the Key of the token's record, instead of the token itself.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ParseToken checks that token has the form of an API token and returns
// its SHA-256, or an error of kind Unauthorized. It reads nothing: see
// Tokens.LookUp.
func ParseToken(token string) ([sha256.Size]byte, error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return [sha256.Size]byte{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "not a liaison API token")
	}
	// Hashed from a copy on the stack: []byte(token) would allocate (a
	// token is longer than the compiler's 32-byte stack buffer), on every
	// request.
	var b [64]byte
	return sha256.Sum256(b[:copy(b[:], token)]), nil
}

// Tokens makes, lists, revokes and looks up API tokens. It needs only the
// store, so that `liaison token` manages tokens without the law or the
// keys; a Desk has one over its own store (Desk.Tokens). Like the desk, it
// checks the actor's role and agency scope on every call.
type Tokens struct {
	store liaison.Store
	now   func() time.Time
	rand  io.Reader
}

// NewTokens returns the tokens of store. now and rand are the clock and
// crypto/rand.Reader in production.
func NewTokens(store liaison.Store, now func() time.Time, rand io.Reader) *Tokens {
	return &Tokens{store: store, now: now, rand: rand}
}

// TokenInput makes a token.
type TokenInput struct {
	// Name says who or what uses the token: "booking desk 2", "audit office".
	Name string       `json:"name" liaison:"required,nonempty"`
	Role liaison.Role `json:"role" liaison:"required"`
	// Agency limits the token to one agency's records; empty reaches all.
	Agency string `json:"agency"`
}

// NewToken is a token as made: the token itself, shown this once and
// never stored, and its record, which keeps only its hash.
type NewToken struct {
	Token  string               `json:"token"`
	Record *liaison.TokenRecord `json:"record"`
}

// Create makes a new API token and stores its record. Admins only; an
// admin limited to an agency makes tokens limited to that agency.
func (t *Tokens) Create(ctx context.Context, by liaison.Actor, in TokenInput) (*NewToken, error) {
	if err := need(by, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return nil, liaison.Errorf(liaison.Invalid, "name", "name the token after who will use it")
	}
	if !slices.Contains(in.Role.Enum(), string(in.Role)) {
		return nil, liaison.Errorf(liaison.Invalid, "role", "unknown role %q (want one of %s)", in.Role, strings.Join(in.Role.Enum(), ", "))
	}
	if by.Agency != "" && in.Agency == "" {
		return nil, liaison.Errorf(liaison.Denied, "agency", "this token is limited to agency %s: so are the tokens it makes", by.Agency)
	}
	if err := inScope(by, in.Agency, "agency"); err != nil {
		return nil, err
	}
	if in.Agency != "" {
		if _, err := t.store.Get(ctx, liaison.KindAgency, in.Agency); liaison.KindOf(err) == liaison.NotFound {
			return nil, liaison.Errorf(liaison.Invalid, "agency", "no such agency %q", in.Agency)
		} else if err != nil {
			return nil, fmt.Errorf("create token: %w", err)
		}
	}
	var secret [32]byte
	if _, err := io.ReadFull(t.rand, secret[:]); err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	now := t.now().UTC()
	id, err := liaison.NewID(t.rand, now, "tok")
	if err != nil {
		return nil, err
	}
	tr := &liaison.TokenRecord{ID: id, Name: name, Role: in.Role, Agency: in.Agency, Hash: HashToken(token), CreatedAt: now}
	rec, err := newRecord(t.rand, liaison.KindToken, id, in.Agency, "", "", tr.Hash, now, tr)
	if err != nil {
		return nil, err
	}
	if err := t.store.Append(ctx, rec); err != nil {
		return nil, fmt.Errorf("create token: %w", err)
	}
	return &NewToken{Token: token, Record: tr}, nil
}

// TokenRevocation records that a token no longer works.
type TokenRevocation struct {
	ID    string        `json:"id"`
	Token string        `json:"token"`
	Actor liaison.Actor `json:"actor"`
	At    time.Time     `json:"at"`
}

// TopicTokenRevoked is the broadcast topic (liaison.Broadcaster) of
// revocations: its payload is the id of the token revoked.
const TopicTokenRevoked = "token_revoked"

// Revoke stops the token with the given id from working, from now on.
// Admins only, within their agency. A token can be revoked once: again is
// an error of kind Conflicting. On a store shared by several servers
// (liaison.Broadcaster), Revoke tells them all.
func (t *Tokens) Revoke(ctx context.Context, by liaison.Actor, id string) (*TokenRevocation, error) {
	if err := need(by, liaison.RoleAdmin); err != nil {
		return nil, err
	}
	rec, err := t.store.Get(ctx, liaison.KindToken, id)
	if err != nil {
		return nil, fmt.Errorf("revoke token: %w", missing(err, "token", id))
	}
	var tr liaison.TokenRecord
	if err := json.Unmarshal(rec.Body, &tr); err != nil {
		return nil, fmt.Errorf("decode token %s: %w", id, err)
	}
	if err := inScope(by, tr.Agency, "id"); err != nil {
		return nil, err
	}
	now := t.now().UTC()
	rid, err := liaison.NewID(t.rand, now, "rvk")
	if err != nil {
		return nil, err
	}
	rv := &TokenRevocation{ID: rid, Token: id, Actor: by, At: now}
	// The token's id as the key: a second revocation conflicts.
	rrec, err := newRecord(t.rand, liaison.KindTokenRevoked, rid, tr.Agency, "", id, id, now, rv)
	if err != nil {
		return nil, err
	}
	if err := t.store.Append(ctx, rrec); err != nil {
		if liaison.KindOf(err) == liaison.Conflicting {
			return nil, liaison.Errorf(liaison.Conflicting, "id", "token %s is already revoked", id)
		}
		return nil, fmt.Errorf("revoke token %s: %w", id, err)
	}
	if b, ok := t.store.(liaison.Broadcaster); ok {
		// Best effort: the revocation is stored, and a server not told of
		// it finds it when its cache of the token expires (at most
		// server.TokenCacheTTL). A broadcast fails only with the
		// database out of reach, which the append just reached.
		_ = b.Broadcast(ctx, TopicTokenRevoked, id)
	}
	return rv, nil
}

// TokenInfo is what an administrator sees of a token: neither the token,
// which no one sees again after it is made, nor its hash.
type TokenInfo struct {
	ID        string       `json:"id"`
	Name      string       `json:"name"`
	Role      liaison.Role `json:"role"`
	Agency    string       `json:"agency,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	RevokedAt *time.Time   `json:"revoked_at,omitempty"`
}

// List returns a page of the tokens, oldest first, with when each was
// revoked, and the cursor of the next page. Admins only; an admin limited
// to an agency sees that agency's.
func (t *Tokens) List(ctx context.Context, by liaison.Actor, p Page) ([]TokenInfo, string, error) {
	if err := need(by, liaison.RoleAdmin); err != nil {
		return nil, "", err
	}
	recs, next, err := page[liaison.TokenRecord](ctx, t.store, liaison.Filter{Kind: liaison.KindToken, Agency: by.Agency}, p, nil)
	if err != nil {
		return nil, "", fmt.Errorf("list tokens: %w", err)
	}
	out := make([]TokenInfo, len(recs))
	for i, tr := range recs {
		out[i] = TokenInfo{ID: tr.ID, Name: tr.Name, Role: tr.Role, Agency: tr.Agency, CreatedAt: tr.CreatedAt}
		rv, err := t.revocation(ctx, tr.ID)
		if err != nil {
			return nil, "", fmt.Errorf("list tokens: %w", err)
		}
		if rv != nil {
			out[i].RevokedAt = &rv.At
		}
	}
	return out, next, nil
}

// revocation returns the revocation of the token id, or nil.
func (t *Tokens) revocation(ctx context.Context, id string) (*TokenRevocation, error) {
	rec, err := t.store.ByKey(ctx, liaison.KindTokenRevoked, id)
	if liaison.KindOf(err) == liaison.NotFound {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up revocation of token %s: %w", id, err)
	}
	var rv TokenRevocation
	if err := json.Unmarshal(rec.Body, &rv); err != nil {
		return nil, fmt.Errorf("decode revocation %s: %w", rec.ID, err)
	}
	if rv.Token != id {
		return nil, fmt.Errorf("revocation %s: it revokes %s, not the token %s it was found by: run `liaison log verify`", rec.ID, rv.Token, id)
	}
	return &rv, nil
}

// LookUp returns the actor of the token whose SHA-256 is sum (see
// ParseToken): its id, role and agency, as its stored record says. An
// unknown or revoked token is an error of kind Unauthorized. Every
// credential the desk trusts comes through here.
func (t *Tokens) LookUp(ctx context.Context, sum [sha256.Size]byte) (liaison.Actor, error) {
	hash := hex.EncodeToString(sum[:])
	rec, err := t.store.ByKey(ctx, liaison.KindToken, hash)
	if liaison.KindOf(err) == liaison.NotFound {
		return liaison.Actor{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "unknown API token")
	} else if err != nil {
		return liaison.Actor{}, fmt.Errorf("look up token: %w", err)
	}
	var tr liaison.TokenRecord
	if err := json.Unmarshal(rec.Body, &tr); err != nil {
		return liaison.Actor{}, fmt.Errorf("decode token %s: %w", rec.ID, err)
	}
	// The key column is an index; the body is what the log commits to. A
	// row whose key was changed to another token's hash must not let that
	// token in with this record's role.
	if tr.Hash != hash || tr.ID != rec.ID {
		return liaison.Actor{}, fmt.Errorf("token %s: its record's hash is not the key it was found by: run `liaison log verify`", rec.ID)
	}
	if rv, err := t.revocation(ctx, tr.ID); err != nil {
		return liaison.Actor{}, err
	} else if rv != nil {
		return liaison.Actor{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "this API token was revoked")
	}
	return liaison.Actor{ID: tr.ID, Name: tr.Name, Role: tr.Role, Agency: tr.Agency}, nil
}
