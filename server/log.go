package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// publicLog serves the log as C2SP tlog-tiles: /log/checkpoint, /log/key
// and /log/tile/…, to anyone. Its errors are the API's JSON errors.
func (s *Server) publicLog(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	if s.logTiles == nil {
		s.writeError(w, r, errNoSigner)
		return
	}
	ew := &errorWriter{ResponseWriter: w}
	s.logTiles.ServeHTTP(ew, r)
	if ew.status < 400 {
		return
	}
	// The tiles handler answers errors in text, and logs internal ones
	// itself: this says the same in JSON.
	out := &liaison.Error{Kind: liaison.Internal, Message: internalMessage}
	for kind, status := range statusOf {
		if status == ew.status && kind != liaison.Internal {
			out = &liaison.Error{Kind: kind, Message: strings.TrimSpace(ew.body.String())}
		}
	}
	if out.Kind == liaison.NotFound && out.Message == "404 page not found" { // the tiles' mux
		out.Message = fmt.Sprintf("no route %s %s; see /openapi.json", r.Method, r.URL.Path)
	}
	s.writeJSON(w, r, ew.status, errorBody{out})
}

// errorWriter passes on what a handler writes, but holds back an error
// answer (status 400 and up) and its body, for the caller to write.
type errorWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *errorWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	if w.status < 400 {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *errorWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status >= 400 {
		return w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// errNoSigner answers the log routes of a server started without the log's key.
var errNoSigner = liaison.Errorf(liaison.Unavailable, "", "this server has no log signing key: start it with one to serve the log, proofs and checkpoints")

// checkpointView is a signed checkpoint.
type checkpointView struct {
	Origin   string    `json:"origin"`
	Size     int64     `json:"size"`
	RootHash tlog.Hash `json:"root_hash"`
	// Note is the signed note, as /log/checkpoint serves it.
	Note string `json:"note"`
}

// latest returns the latest signed checkpoint, checked against the log's
// key. With none, an error of kind Conflicting says how to make one.
func (s *Server) latest(ctx context.Context) (checkpointView, error) {
	signed, err := s.log.LatestCheckpoint(ctx)
	if liaison.KindOf(err) == liaison.NotFound {
		return checkpointView{}, liaison.Errorf(liaison.Conflicting, "", "the log has no signed checkpoint yet: POST /v1/log/checkpoint makes one")
	} else if err != nil {
		return checkpointView{}, fmt.Errorf("latest checkpoint: %w", err)
	}
	cp, err := s.signer.Verifier().Open(signed)
	if err != nil {
		return checkpointView{}, fmt.Errorf("the latest stored checkpoint does not verify with the log's key: %w", err) // internal: the operator must look
	}
	return checkpointView{Origin: cp.Origin, Size: cp.Size, RootHash: cp.Hash, Note: string(signed)}, nil
}

// checkpoint signs and stores a checkpoint of the log as it is now (or
// returns the latest, when the log has not grown since).
func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	if s.pub == nil {
		s.writeError(w, r, errNoSigner)
		return
	}
	// Never sign over a damaged log; the store's message says what to do.
	if hr, ok := s.log.(liaison.HealthReporter); ok {
		if err := hr.Health(r.Context()); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if _, err := s.pub.Publish(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	cv, err := s.latest(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, cv)
}

// proveInclusion answers a receipt (ledger.Receipt) for the record
// ?kind=&id=: its proof of inclusion in the tree of the latest signed
// checkpoint.
func (s *Server) proveInclusion(w http.ResponseWriter, r *http.Request, a liaison.Actor) {
	if s.signer == nil {
		s.writeError(w, r, errNoSigner)
		return
	}
	q, err := query(r, "kind", "id")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	kind, id := q.Get("kind"), q.Get("id")
	for _, p := range []struct{ name, v string }{{"kind", kind}, {"id", id}} {
		if p.v == "" {
			s.writeError(w, r, liaison.Errorf(liaison.Invalid, p.name, "required query parameter is missing"))
			return
		}
	}
	rec, err := s.desk.Record(r.Context(), a, kind, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	cv, err := s.latest(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	receipt, err := ledger.NewReceipt(r.Context(), s.log, s.signer.Verifier(), []byte(cv.Note),
		ledger.RecordOf(rec), rec.Index)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, receipt)
}

// consistencyProof proves that the tree of size Old is a prefix of the
// tree of size New.
type consistencyProof struct {
	Old     int64          `json:"old"`
	New     int64          `json:"new"`
	OldRoot tlog.Hash      `json:"old_root"`
	NewRoot tlog.Hash      `json:"new_root"`
	Proof   tlog.TreeProof `json:"proof"`
	// Checkpoint is the latest signed checkpoint, when New is its size.
	Checkpoint *checkpointView `json:"checkpoint,omitempty"`
}

// proveConsistency proves that the tree of size ?old= is a prefix of the
// tree of size ?new= (by default, the latest signed checkpoint's).
func (s *Server) proveConsistency(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	if s.signer == nil {
		s.writeError(w, r, errNoSigner)
		return
	}
	q, err := query(r, "old", "new")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	oldSize, err := treeSize(q.Get("old"), "old", true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	newSize, err := treeSize(q.Get("new"), "new", false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	size, err := s.log.TreeSize(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	latest, err := s.latest(r.Context())
	if err != nil && (newSize == 0 || liaison.KindOf(err) != liaison.Conflicting) {
		s.writeError(w, r, err) // no checkpoint to default to, or a bad one
		return
	}
	var cv *checkpointView
	if err == nil {
		if newSize == 0 {
			newSize = latest.Size
		}
		if newSize == latest.Size {
			cv = &latest
		}
	}
	switch {
	case newSize > size:
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "new", "%d is beyond the tree, which has %d leaves", newSize, size))
		return
	case oldSize > newSize:
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "old", "%d is more than the new size %d", oldSize, newSize))
		return
	}
	out := consistencyProof{Old: oldSize, New: newSize, Checkpoint: cv}
	if out.OldRoot, err = ledger.TreeHash(r.Context(), s.log, oldSize); err != nil {
		s.writeError(w, r, err)
		return
	}
	if out.NewRoot, err = ledger.TreeHash(r.Context(), s.log, newSize); err != nil {
		s.writeError(w, r, err)
		return
	}
	if out.Proof, err = ledger.ProveConsistency(r.Context(), s.log, oldSize, newSize); err != nil {
		s.writeError(w, r, err)
		return
	}
	if out.Proof == nil {
		out.Proof = tlog.TreeProof{} // [], not null, when old is new
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// treeSize parses a tree size from the query parameter name: a positive
// integer (0 when it may be left out and is).
func treeSize(v, name string, required bool) (int64, error) {
	if v == "" {
		if required {
			return 0, liaison.Errorf(liaison.Invalid, name, "required query parameter is missing")
		}
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, liaison.Errorf(liaison.Invalid, name, "%q is not a tree size (a positive integer)", v)
	}
	return n, nil
}
