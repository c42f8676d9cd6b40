package server

import (
	"context"
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
	"liaison/ledger"
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

// CreateToken makes a new API token for role, named name (who or what uses
// it: "booking desk 2", "audit office"), limited to agency when agency is
// not empty, and stores its record. It returns the token, which is shown
// this once and never stored: the record keeps only its hash. rand is
// crypto/rand.Reader in production.
func CreateToken(ctx context.Context, store liaison.Store, rand io.Reader, now time.Time, name string, role liaison.Role, agency string) (string, *liaison.TokenRecord, error) {
	if strings.TrimSpace(name) == "" {
		return "", nil, liaison.Errorf(liaison.Invalid, "name", "name the token after who will use it")
	}
	if !slices.Contains(role.Enum(), string(role)) {
		return "", nil, liaison.Errorf(liaison.Invalid, "role", "unknown role %q (want one of %s)", role, strings.Join(role.Enum(), ", "))
	}
	if agency != "" {
		if _, err := store.Get(ctx, liaison.KindAgency, agency); liaison.KindOf(err) == liaison.NotFound {
			return "", nil, liaison.Errorf(liaison.Invalid, "agency", "no such agency %q", agency)
		} else if err != nil {
			return "", nil, fmt.Errorf("create token: %w", err)
		}
	}
	var secret [32]byte
	if _, err := io.ReadFull(rand, secret[:]); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret[:])
	id, err := liaison.NewID(rand, now, "tok")
	if err != nil {
		return "", nil, err
	}
	tr := &liaison.TokenRecord{ID: id, Name: strings.TrimSpace(name), Role: role, Agency: agency, Hash: HashToken(token), CreatedAt: now.UTC()}
	rec, err := storedRecord(rand, liaison.KindToken, id, agency, "", tr.Hash, tr.CreatedAt, tr)
	if err != nil {
		return "", nil, err
	}
	if err := store.Append(ctx, rec); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return token, tr, nil
}

// TokenRevocation records that a token no longer works.
type TokenRevocation struct {
	ID    string        `json:"id"`
	Token string        `json:"token"`
	Actor liaison.Actor `json:"actor"`
	At    time.Time     `json:"at"`
}

// RevokeToken stops the token with the given id from working, from now on.
// A token can be revoked once: again is an error of kind Conflicting.
func RevokeToken(ctx context.Context, store liaison.Store, rand io.Reader, now time.Time, id string, by liaison.Actor) (*TokenRevocation, error) {
	tok, err := store.Get(ctx, liaison.KindToken, id)
	if err != nil {
		return nil, fmt.Errorf("revoke token %s: %w", id, err)
	}
	rid, err := liaison.NewID(rand, now, "rvk")
	if err != nil {
		return nil, err
	}
	rv := &TokenRevocation{ID: rid, Token: id, Actor: by, At: now.UTC()}
	// The token's id as the key: a second revocation conflicts.
	rec, err := storedRecord(rand, liaison.KindTokenRevoked, rid, tok.Agency, id, id, rv.At, rv)
	if err != nil {
		return nil, err
	}
	if err := store.Append(ctx, rec); err != nil {
		if liaison.KindOf(err) == liaison.Conflicting {
			return nil, liaison.Errorf(liaison.Conflicting, "id", "token %s is already revoked", id)
		}
		return nil, fmt.Errorf("revoke token %s: %w", id, err)
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

// ListTokens returns the tokens, oldest first, with when each was revoked;
// only agency's when agency is not empty.
func ListTokens(ctx context.Context, store liaison.Store, agency string) ([]TokenInfo, error) {
	revoked := map[string]time.Time{}
	if _, err := liaison.Each(ctx, store, liaison.Filter{Kind: liaison.KindTokenRevoked, Agency: agency}, 0, func(rv TokenRevocation, _ int64) {
		revoked[rv.Token] = rv.At
	}); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := []TokenInfo{}
	if _, err := liaison.Each(ctx, store, liaison.Filter{Kind: liaison.KindToken, Agency: agency}, 0, func(tr liaison.TokenRecord, _ int64) {
		ti := TokenInfo{ID: tr.ID, Name: tr.Name, Role: tr.Role, Agency: tr.Agency, CreatedAt: tr.CreatedAt}
		if at, ok := revoked[tr.ID]; ok {
			ti.RevokedAt = &at
		}
		out = append(out, ti)
	}); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, c caller) {
	tokens, err := ListTokens(r.Context(), s.store, c.Agency)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, struct {
		Tokens []TokenInfo `json:"tokens"`
	}{tokens})
}

// authenticate returns the caller a bearer Authorization header names.
// The token itself goes nowhere but into its hash.
func (s *Server) authenticate(ctx context.Context, header string) (caller, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if header == "" {
		return caller{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "send an API token: Authorization: Bearer %s…", TokenPrefix)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return caller{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "the Authorization header must be \"Bearer <token>\"")
	}
	token = strings.TrimSpace(token)
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return caller{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "not a liaison API token")
	}
	sum := sha256.Sum256([]byte(token))
	c, ok, gen := s.tokens.get(sum, s.now())
	if ok {
		return c, nil
	}
	return s.lookUpToken(ctx, sum, gen)
}

// lookUpToken reads the caller of the token with SHA-256 sum from the
// store, and caches it (see TokenCacheTTL) unless a token was revoked
// through this server since generation gen of the cache.
func (s *Server) lookUpToken(ctx context.Context, sum [sha256.Size]byte, gen uint64) (caller, error) {
	rec, err := s.store.ByKey(ctx, liaison.KindToken, hex.EncodeToString(sum[:]))
	if liaison.KindOf(err) == liaison.NotFound {
		return caller{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "unknown API token")
	} else if err != nil {
		return caller{}, fmt.Errorf("look up token: %w", err)
	}
	var tr liaison.TokenRecord
	if err := json.Unmarshal(rec.Body, &tr); err != nil {
		return caller{}, fmt.Errorf("decode token %s: %w", rec.ID, err)
	}
	if _, err := s.store.ByKey(ctx, liaison.KindTokenRevoked, tr.ID); err == nil {
		return caller{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "this API token was revoked")
	} else if liaison.KindOf(err) != liaison.NotFound {
		return caller{}, fmt.Errorf("look up token revocation: %w", err)
	}
	c := caller{Actor: liaison.Actor{ID: tr.ID, Role: tr.Role}, Agency: tr.Agency}
	s.tokens.put(sum, c, gen, s.now())
	return c, nil
}

// tokenInput creates a token through the API.
type tokenInput struct {
	Name   string       `json:"name" liaison:"required,nonempty"`
	Role   liaison.Role `json:"role" liaison:"required"`
	Agency string       `json:"agency"`
}

// newToken is a token as created: the secret, shown once, and its record.
type newToken struct {
	Token  string               `json:"token"`
	Record *liaison.TokenRecord `json:"record"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c caller) {
	var in tokenInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := c.inAgency(in.Agency, "agency"); err != nil {
		s.writeError(w, r, err)
		return
	}
	if c.Agency != "" && in.Agency == "" {
		s.writeError(w, r, liaison.Errorf(liaison.Denied, "agency", "this token is limited to agency %s: so are the tokens it makes", c.Agency))
		return
	}
	token, rec, err := CreateToken(r.Context(), s.store, s.rand, s.now(), in.Name, in.Role, in.Agency)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, newToken{Token: token, Record: rec})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c caller) {
	id := r.PathValue("id")
	if _, err := s.pathRecord(r.Context(), c, liaison.KindToken, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	rv, err := RevokeToken(r.Context(), s.store, s.rand, s.now(), id, c.Actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.tokens.revoked(id)
	s.writeJSON(w, r, http.StatusOK, rv)
}

// storedRecord encodes body as a record with a fresh salt.
func storedRecord(rand io.Reader, kind, id, agency, parent, key string, at time.Time, body any) (*liaison.StoredRecord, error) {
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
