package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"liaison"
	"liaison/desk"
)

// statusOf maps each error kind to its HTTP status.
var statusOf = map[liaison.ErrorKind]int{
	liaison.Invalid:      http.StatusBadRequest,
	liaison.NotFound:     http.StatusNotFound,
	liaison.Conflicting:  http.StatusConflict,
	liaison.Unauthorized: http.StatusUnauthorized,
	liaison.Denied:       http.StatusForbidden,
	liaison.Unavailable:  http.StatusServiceUnavailable,
	liaison.Internal:     http.StatusInternalServerError,
}

// statusError is an invalid-input error whose HTTP status is more precise
// than 400: 413 for a body over the limit, 415 for a body that is not JSON.
type statusError struct {
	status int
	err    *liaison.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// errorBody is the JSON form of every error: {"error": {...}}.
type errorBody struct {
	Error *liaison.Error `json:"error"`
}

// internalMessage is all a caller learns of an internal error.
const internalMessage = "internal error: the server's log has the details"

// writeError answers with err as JSON. Internal errors (and errors without
// a kind) are logged, and the caller sees only internalMessage.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	out := &liaison.Error{Kind: liaison.Internal, Message: internalMessage}
	status := http.StatusInternalServerError
	var e *liaison.Error
	if errors.As(err, &e) && e.Kind != liaison.Internal {
		out = &liaison.Error{Kind: e.Kind, Message: e.Message, Field: e.Field}
		if e.Kind == liaison.Invalid && e.Err != nil {
			out.Message += ": " + e.Err.Error() // the position of a JSON syntax error
		}
		status = statusOf[e.Kind]
	}
	var se *statusError
	if errors.As(err, &se) {
		status = se.status
	}
	if status == http.StatusInternalServerError {
		s.logger.ErrorContext(r.Context(), "internal error", "route", r.Pattern, "err", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="liaison"`)
	}
	s.writeJSON(w, r, status, errorBody{out})
}

// writeJSON answers with v as JSON. Responses may carry personal data, so
// nothing caches them.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	// encoding/json's members in struct order, without HTML escapes (a
	// browser never renders these bodies as HTML; nosniff below). Not
	// canonical: ledger.MarshalCanonical is this encoding read back and
	// sorted, which took a tenth of the server's CPU on POST
	// /v1/decisions for nothing a client can see (bench/README.md,
	// "Over HTTP"). Stored records keep their canonical bodies, and an
	// intake's answer is made of them (writeEncoded).
	// The buffer is reused (answers), so that each answer does not grow
	// one anew; one larger than maxPooledAnswer is left to the collector.
	buf, _ := s.answers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledAnswer {
			buf.Reset()
			s.answers.Put(buf)
		}
	}()
	err := encodeAnswer(buf, v)
	if err != nil {
		s.logger.ErrorContext(r.Context(), "encode response", "route", r.Pattern, "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		data, _ := json.Marshal(errorBody{&liaison.Error{Kind: liaison.Internal, Message: internalMessage}})
		buf.Write(data)
	}
	if b := buf.Bytes(); len(b) == 0 || b[len(b)-1] != '\n' {
		buf.WriteByte('\n')
	}
	writeAnswer(w, status, buf.Bytes())
}

// maxPooledAnswer bounds the buffers writeJSON keeps for reuse, and
// maxPooledBody those decode keeps.
const (
	maxPooledAnswer = 64 << 10
	maxPooledBody   = 64 << 10
)

// writeEncoded answers with data, which is JSON already.
func (s *Server) writeEncoded(w http.ResponseWriter, status int, data []byte) {
	buf, _ := s.answers.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Write(data)
	buf.WriteByte('\n')
	writeAnswer(w, status, buf.Bytes())
	if buf.Cap() <= maxPooledAnswer {
		buf.Reset()
		s.answers.Put(buf)
	}
}

// writeAnswer answers with data, JSON ending in a newline, in one write:
// net/http sends an answer written at once with its head in one system
// call (two when it is over 4 KB), where a separate write of the last
// newline cost a third for answers over 2 KB.
func writeAnswer(w http.ResponseWriter, status int, data []byte) {
	// Set by their canonical names, as Header.Set would after
	// canonicalizing them, with their values in one allocation (each
	// slice full, so that Header.Add copies it rather than write into the
	// next). A stated length, so that net/http does not send an answer
	// over its 2 KB buffer in chunks.
	vals := []string{"application/json", "no-store", "nosniff", strconv.Itoa(len(data))}
	h := w.Header()
	h["Content-Type"] = vals[0:1:1]
	h["Cache-Control"] = vals[1:2:2]
	h["X-Content-Type-Options"] = vals[2:3:3]
	h["Content-Length"] = vals[3:4:4]
	w.WriteHeader(status)
	_, _ = w.Write(data)
	// Sent now rather than when the handler returns, so that the access
	// log line and the metrics (see observe) are written after the
	// answer has left, not before.
	_ = http.NewResponseController(w).Flush()
}

// decode reads the request's JSON body into the struct v points to, with
// liaison.Decode: unknown fields, wrong types, unknown enum values and
// missing required fields are errors that name the field. The body must
// be application/json and at most liaison.MaxRequestBytes. Dates must fall
// in their plausible range as of the request's arrival.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := jsonBody(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	// A body that says its length is read into a buffer of that size (one
	// of the server's, reused), where io.ReadAll would start at 512 bytes
	// and grow. It can be reused once decoded: liaison.Decode keeps a copy
	// of what it keeps.
	st := requestState(w)
	var body *bytes.Buffer
	if st != nil {
		body, _ = st.bodies.Get().(*bytes.Buffer)
	}
	if body == nil {
		body = new(bytes.Buffer)
	}
	if st != nil {
		defer func() {
			if body.Cap() <= maxPooledBody {
				body.Reset()
				st.bodies.Put(body)
			}
		}()
	}
	src := r.Body
	if n := r.ContentLength; n > 0 && n <= liaison.MaxRequestBytes {
		// net/http reads no further than the stated length.
		body.Grow(int(n) + bytes.MinRead)
	} else {
		src = http.MaxBytesReader(w, r.Body, liaison.MaxRequestBytes)
	}
	_, err := body.ReadFrom(src)
	data := body.Bytes()
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &statusError{http.StatusRequestEntityTooLarge,
				liaison.Errorf(liaison.Invalid, "", "the body is more than the %d bytes allowed", tooBig.Limit)}
		}
		return &liaison.Error{Kind: liaison.Invalid, Message: "cannot read the body", Err: err}
	}
	// Dates are checked against the time the request came in, on the
	// server's clock (see observe).
	var now time.Time
	if st != nil {
		now = st.start
	}
	return liaison.Decode(data, v, now)
}

// jsonBody checks that a request's Content-Type is application/json (with
// parameters or not). The usual header, exactly that, is taken without
// parsing it.
func jsonBody(contentType string) error {
	if contentType == "application/json" {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
		return &statusError{http.StatusUnsupportedMediaType,
			liaison.Errorf(liaison.Invalid, "Content-Type", "send the body as application/json")}
	}
	return nil
}

// checkParams checks that the path's parameters (the wildcards of pattern)
// and the query's names and values are text: valid UTF-8 without NUL, as
// body fields must be (see liaison.Decode). Such a value cannot name a
// record, and PostgreSQL cannot even compare it with one.
func checkParams(r *http.Request, pattern string) error {
	for rest := pattern; ; {
		i := strings.IndexByte(rest, '{')
		j := strings.IndexByte(rest, '}')
		if i < 0 || j < i {
			break
		}
		name := strings.TrimSuffix(rest[i+1:j], "...")
		if msg := badText(r.PathValue(name)); msg != "" {
			return liaison.Errorf(liaison.Invalid, name, "the path's %s %s", name, msg)
		}
		rest = rest[j+1:]
	}
	if r.URL.RawQuery == "" {
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return liaison.Errorf(liaison.Invalid, "", "malformed query string")
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if msg := badText(k); msg != "" {
			return liaison.Errorf(liaison.Invalid, strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "\uFFFD"), "a query parameter's name %s", msg)
		}
		for _, v := range q[k] {
			if msg := badText(v); msg != "" {
				return liaison.Errorf(liaison.Invalid, k, "query parameter %s %s", k, msg)
			}
		}
	}
	return nil
}

// badText says what keeps s from being text, or "".
func badText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	case strings.IndexByte(s, 0) >= 0:
		return "holds NUL (%00), which is not allowed"
	}
	return ""
}

// query returns the request's query parameters, rejecting any not named in
// known and any given twice.
func query(r *http.Request, known ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, liaison.Errorf(liaison.Invalid, "", "malformed query string")
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(known, k) {
			return nil, liaison.Errorf(liaison.Invalid, k, "unknown query parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
		if len(q[k]) > 1 {
			return nil, liaison.Errorf(liaison.Invalid, k, "given %d times; give it once", len(q[k]))
		}
	}
	return q, nil
}

// pageQuery returns the page that ?cursor= and ?limit= ask for, and the
// request's query parameters, rejecting any but those and known.
func pageQuery(r *http.Request, known ...string) (desk.Page, url.Values, error) {
	q, err := query(r, append(known, "cursor", "limit")...)
	if err != nil {
		return desk.Page{}, nil, err
	}
	p := desk.Page{Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		if p.Limit, err = strconv.Atoi(v); err != nil || p.Limit < 1 {
			return desk.Page{}, nil, liaison.Errorf(liaison.Invalid, "limit", "%q is not a page length (1 to %d)", v, desk.MaxLimit)
		}
	}
	return p, q, nil
}
