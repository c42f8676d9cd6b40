package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// publicLog serves the log as C2SP tlog-tiles: /log/checkpoint, /log/key
// and /log/tile/…, to anyone.
func (s *Server) publicLog(w http.ResponseWriter, r *http.Request, _ caller) {
	if s.logTiles == nil {
		s.writeError(w, r, errNoSigner)
		return
	}
	s.logTiles.ServeHTTP(w, r)
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
func (s *Server) checkpoint(w http.ResponseWriter, r *http.Request, _ caller) {
	if s.pub == nil {
		s.writeError(w, r, errNoSigner)
		return
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

// inclusionProof proves that a record is in the log.
type inclusionProof struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Index int64  `json:"index"`
	// Commitment is the record's leaf, recomputed from the stored record.
	Commitment ledger.Commitment `json:"commitment"`
	// Proof is the RFC 6962 audit path from the leaf to the checkpoint's root.
	Proof      tlog.RecordProof `json:"proof"`
	Checkpoint checkpointView   `json:"checkpoint"`
}

// proveInclusion proves that the record ?kind=&id= is in the tree of the
// latest signed checkpoint.
func (s *Server) proveInclusion(w http.ResponseWriter, r *http.Request, c caller) {
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
	rec, err := s.store.Get(r.Context(), kind, id)
	if liaison.KindOf(err) == liaison.NotFound {
		s.writeError(w, r, liaison.Errorf(liaison.NotFound, "id", "no %s %q", kind, id))
		return
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := c.inAgency(rec.Agency, "id"); err != nil {
		s.writeError(w, r, err)
		return
	}
	cv, err := s.latest(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rec.Index >= cv.Size {
		s.writeError(w, r, liaison.Errorf(liaison.Conflicting, "id",
			"%s %s is leaf %d, not yet under a signed checkpoint (size %d): POST /v1/log/checkpoint, then ask again", kind, id, rec.Index, cv.Size))
		return
	}
	leaves, err := s.log.ReadLeaves(r.Context(), rec.Index, 1)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("read leaf %d: %w", rec.Index, err))
		return
	}
	// The leaf is in format 2, or 1 if written before migration 0004.
	commitment := leaves[0].Commitment
	if l := leaves[0]; l.Kind != rec.Kind || l.ID != rec.ID || ledger.RecordOf(rec).Format(commitment) == 0 {
		s.writeError(w, r, liaison.Errorf(liaison.Conflicting, "id",
			"%s %s does not match leaf %d: it was changed after it was logged; run `liaison log verify`", kind, id, rec.Index))
		return
	}
	proof, err := ledger.ProveInclusion(r.Context(), s.log, cv.Size, rec.Index)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, inclusionProof{Kind: kind, ID: id, Index: rec.Index, Commitment: commitment, Proof: proof, Checkpoint: cv})
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
func (s *Server) proveConsistency(w http.ResponseWriter, r *http.Request, _ caller) {
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
	out.Proof = nonNil(out.Proof)
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
