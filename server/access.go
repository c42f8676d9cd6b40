package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	"liaison"
)

// caller is who makes a request: the actor its token names, and the agency
// the token is limited to ("" for every agency).
type caller struct {
	liaison.Actor
	Agency string
}

// handlerFunc serves one route for an authenticated caller (the zero
// caller on open routes).
type handlerFunc func(w http.ResponseWriter, r *http.Request, c caller)

// guard authenticates the request and checks the caller's role before the
// handler reads anything else of it.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.roles == nil {
			if err := checkParams(r, rt.pattern); err != nil {
				s.writeError(w, r, err)
				return
			}
			rt.h(w, r, caller{})
			return
		}
		c, err := s.authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if info, ok := r.Context().Value(infoKey{}).(*requestInfo); ok {
			info.actor = c.ID
		}
		if !slices.Contains(rt.roles, c.Role) {
			s.writeError(w, r, liaison.Errorf(liaison.Denied, "", "role %q may not call %s (roles allowed: %v)", c.Role, rt.pattern, rt.roles))
			return
		}
		if err := checkParams(r, rt.pattern); err != nil {
			s.writeError(w, r, err)
			return
		}
		rt.h(w, r, c)
	})
}

// inAgency checks that c may touch what belongs to agency; field names
// where the agency came from.
func (c caller) inAgency(agency, field string) error {
	if c.Agency == "" || c.Agency == agency {
		return nil
	}
	return liaison.Errorf(liaison.Denied, field, "this token is limited to agency %s", c.Agency)
}

// pathRecord returns the record (kind, id) that a path names, checking
// that c may see it. A missing record is an error of kind NotFound about
// the field "id".
func (s *Server) pathRecord(ctx context.Context, c caller, kind, id string) (*liaison.StoredRecord, error) {
	rec, err := s.store.Get(ctx, kind, id)
	if liaison.KindOf(err) == liaison.NotFound {
		return nil, liaison.Errorf(liaison.NotFound, "id", "no %s %q", kind, id)
	} else if err != nil {
		return nil, fmt.Errorf("get %s %s: %w", kind, id, err)
	}
	if err := c.inAgency(rec.Agency, "id"); err != nil {
		return nil, err
	}
	return rec, nil
}

// bodyRef checks that c may touch the record (kind, id) that the body's
// field refers to. A missing record is left to the desk, which names it.
func (s *Server) bodyRef(ctx context.Context, c caller, kind, id, field string) error {
	if c.Agency == "" || id == "" {
		return nil
	}
	rec, err := s.store.Get(ctx, kind, id)
	if liaison.KindOf(err) == liaison.NotFound {
		return nil
	} else if err != nil {
		return fmt.Errorf("get %s %s: %w", kind, id, err)
	}
	return c.inAgency(rec.Agency, field)
}
