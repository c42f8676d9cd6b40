package server

import (
	"context"
	"net/http"
	"strings"

	"liaison"
	"liaison/desk"
)

// authenticate returns the actor a bearer Authorization header names. The
// token itself goes nowhere but into its hash.
func (s *Server) authenticate(ctx context.Context, header string) (liaison.Actor, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if header == "" {
		return liaison.Actor{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "send an API token: Authorization: Bearer %s…", desk.TokenPrefix)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return liaison.Actor{}, liaison.Errorf(liaison.Unauthorized, "Authorization", "the Authorization header must be \"Bearer <token>\"")
	}
	sum, err := desk.ParseToken(strings.TrimSpace(token))
	if err != nil {
		return liaison.Actor{}, err
	}
	a, ok, gen := s.tokens.get(sum, s.now())
	if ok {
		return a, nil
	}
	// Not cached: the desk looks it up, and it is cached (see
	// TokenCacheTTL) unless a token was revoked through this server since
	// generation gen of the cache.
	a, err = s.desk.Tokens().LookUp(ctx, sum)
	if err != nil {
		return liaison.Actor{}, err
	}
	s.tokens.put(sum, a, gen, s.now())
	return a, nil
}

// tokenList is the answer to GET /v1/tokens.
type tokenList struct {
	Tokens []desk.TokenInfo `json:"tokens"`
	Next   string           `json:"next,omitempty"`
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	p, _, err := pageQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tokens, next, err := s.desk.Tokens().List(r.Context(), a, p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, tokenList{Tokens: tokens, Next: next})
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	var in desk.TokenInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := s.desk.Tokens().Create(r.Context(), a, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, tok)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	id := r.PathValue("id")
	rv, err := s.desk.Tokens().Revoke(r.Context(), a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.tokens.revoked(id)
	s.writeJSON(w, r, http.StatusOK, rv)
}

// TokenRevoked tells the server that the token id was revoked through
// another server on its database: it stops working here at once, instead
// of when the server's cache of it expires (Config.TokenCacheTTL).
func (s *Server) TokenRevoked(id string) { s.tokens.revoked(id) }

// ForgetTokens drops every token the server has cached, so that each is
// looked up again: call it when revocations elsewhere may have gone
// unheard (a listener that reconnects).
func (s *Server) ForgetTokens() { s.tokens.forget() }
