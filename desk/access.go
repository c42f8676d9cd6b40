package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"liaison"
)

// need checks the actor's role.
func need(a liaison.Actor, roles ...liaison.Role) error {
	for _, r := range roles {
		if a.Role == r {
			return nil
		}
	}
	return liaison.Errorf(liaison.Denied, "", "role %q may not do this (needs one of %v)", a.Role, roles)
}

// inScope checks that by may touch what belongs to agency: an actor whose
// token is limited to an agency reaches only that agency's records. field
// names where the agency came from: a body field ("agency", "request"), or
// "id" for the record a call names.
func inScope(by liaison.Actor, agency, field string) error {
	if by.Agency == "" || by.Agency == agency {
		return nil
	}
	return liaison.Errorf(liaison.Denied, field, "this token is limited to agency %s", by.Agency)
}

// notFoundAs turns a NotFound error into an invalid-input error naming the
// field that referred to the missing record.
func notFoundAs(err error, field string) error {
	if liaison.KindOf(err) == liaison.NotFound {
		return liaison.Errorf(liaison.Invalid, field, "no such %s", field)
	}
	return err
}

// missing turns a NotFound error about the record (kind, id) that a call
// names into one about its "id".
func missing(err error, kind, id string) error {
	if liaison.KindOf(err) == liaison.NotFound {
		return liaison.Errorf(liaison.NotFound, "id", "no %s %q", kind, id)
	}
	return err
}

// The bounds of a page.
const (
	DefaultLimit = 100  // items in a page when Page.Limit is 0
	MaxLimit     = 1000 // the most a page may hold
)

// Page asks for one page of a list. Lists are in log order; a page's Next
// is the Cursor of the page after it.
type Page struct {
	// Cursor is where the page starts: "" for the first page, else the
	// Next of the page before. It is opaque to callers.
	Cursor string
	// Limit is the most items the page holds: 0 for DefaultLimit, at
	// most MaxLimit.
	Limit int
}

// bounds returns the leaf index the page starts from and its length.
func (p Page) bounds() (int64, int, error) {
	limit := p.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return 0, 0, liaison.Errorf(liaison.Invalid, "limit", "%d is not a page length (1 to %d)", limit, MaxLimit)
	}
	var from int64
	if p.Cursor != "" {
		n, err := strconv.ParseInt(p.Cursor, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, liaison.Errorf(liaison.Invalid, "cursor", "%q is not a cursor: pass the next of a page as it came", p.Cursor)
		}
		from = n
	}
	return from, limit, nil
}

// page reads one page of the records f selects, decoded as T, keeping
// those keep accepts (nil keeps all). It returns the page and the cursor
// of the next one, "" when there is none. The cursor is a leaf index: the
// store lists from it (see liaison.Filter.From), so pages stay put while
// the log grows.
func page[T any](ctx context.Context, s liaison.Store, f liaison.Filter, p Page, keep func(*T) bool) ([]T, string, error) {
	from, limit, err := p.bounds()
	if err != nil {
		return nil, "", err
	}
	out := []T{}
	f.Limit = limit
	for {
		f.From = from
		recs, err := s.List(ctx, f)
		if err != nil {
			return nil, "", err
		}
		for i, r := range recs {
			var v T
			if err := json.Unmarshal(r.Body, &v); err != nil {
				return nil, "", fmt.Errorf("decode %s %s: %w", r.Kind, r.ID, err)
			}
			if keep != nil && !keep(&v) {
				continue
			}
			out = append(out, v)
			if len(out) == limit {
				if i == len(recs)-1 && len(recs) < limit {
					return out, "", nil // the store has no more
				}
				return out, strconv.FormatInt(r.Index+1, 10), nil
			}
		}
		if len(recs) < limit {
			return out, "", nil
		}
		from = recs[len(recs)-1].Index + 1
	}
}
