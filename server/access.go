package server

import (
	"net/http"
	"slices"

	"liaison"
)

// handlerFunc serves one route for an authenticated actor (the zero actor
// on open routes). The actor carries the token's role and agency scope;
// the desk checks both on every call.
type handlerFunc func(w http.ResponseWriter, r *http.Request, a liaison.Actor)

// guard authenticates the request and checks the actor's role against the
// route's before the handler reads anything else of it. Which agency's
// records the actor may touch is the desk's to check.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.roles == nil {
			if err := checkParams(r, rt.pattern); err != nil {
				s.writeError(w, r, err)
				return
			}
			rt.h(w, r, liaison.Actor{})
			return
		}
		a, err := s.authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if st := requestState(w); st != nil {
			st.actor = a.ID
		}
		if !slices.Contains(rt.roles, a.Role) {
			s.writeError(w, r, liaison.Errorf(liaison.Denied, "", "role %q may not call %s (roles allowed: %v)", a.Role, rt.pattern, rt.roles))
			return
		}
		if err := checkParams(r, rt.pattern); err != nil {
			s.writeError(w, r, err)
			return
		}
		rt.h(w, r, a)
	})
}
