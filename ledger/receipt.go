package ledger

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// Receipt is what an auditor needs, besides the record as stored (its row:
// body, index columns and time, all of which a format 2 leaf commits to;
// see RecordOf) and its salt, to check offline that the record is in the
// log: the record's kind, id and
// leaf commitment, its leaf index, a signed checkpoint, and the inclusion
// proof against it. It is the one form of a receipt: the API's
// GET /v1/proofs/inclusion answers it and `liaison log prove` prints it.
// It encodes as JSON:
//
//	{"checkpoint": "sheriff.example.gov/log\n1000\n…", "commitment": "base64", "id": "dec_…",
//	 "index": 617, "kind": "decision", "proof": ["base64", …]}
//
// To check that a later checkpoint still contains it, the auditor asks for a
// consistency proof (ProveConsistency) or reads the tiles.
type Receipt struct {
	Kind       string           `json:"kind"`
	ID         string           `json:"id"`
	Index      int64            `json:"index"`
	Commitment Commitment       `json:"commitment"`
	Checkpoint string           `json:"checkpoint"`
	Proof      tlog.RecordProof `json:"proof"`
}

// NewReceipt proves that rec is leaf index of the tree of the signed
// checkpoint (a stored one; see Publisher), after checking the checkpoint
// with v. A leaf the checkpoint does not cover yet, or a leaf that is not
// rec's (rec was changed after it was logged), is an error of kind
// liaison.Conflicting.
func NewReceipt(ctx context.Context, r Reader, v *Verifier, signedCheckpoint []byte, rec Record, index int64) (Receipt, error) {
	cp, err := v.Open(signedCheckpoint)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt for leaf %d: %w", index, err)
	}
	if index < 0 || index >= cp.Size {
		return Receipt{}, liaison.Errorf(liaison.Conflicting, "id",
			"%s is leaf %d, not yet under the signed checkpoint (size %d): sign a checkpoint, then ask again", rec, index, cp.Size)
	}
	leaves, err := r.ReadLeaves(ctx, index, 1)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt for leaf %d: %w", index, err)
	}
	// The leaf is in format 2, or in format 1 if it was written before
	// migration 0004.
	commitment := leaves[0].Commitment
	if l := leaves[0]; l.Kind != rec.Kind || l.ID != rec.ID || rec.Format(commitment) == 0 {
		return Receipt{}, liaison.Errorf(liaison.Conflicting, "id",
			"%s does not match leaf %d: it was changed after it was logged; run `liaison log verify`", rec, index)
	}
	p, err := ProveInclusion(ctx, r, cp.Size, index)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt for leaf %d: %w", index, err)
	}
	return Receipt{Kind: rec.Kind, ID: rec.ID, Index: index, Commitment: commitment, Checkpoint: string(signedCheckpoint), Proof: p}, nil
}

// Check verifies the receipt for rec with the log's key: it names rec, the
// checkpoint is signed by the log, and rec's commitment is its leaf Index.
// It returns the checkpoint. A receipt that does not hold is an error of
// kind liaison.Invalid.
func (rc Receipt) Check(v *Verifier, rec Record) (Checkpoint, error) {
	if rc.Kind != rec.Kind || rc.ID != rec.ID || rec.Format(rc.Commitment) == 0 {
		return Checkpoint{}, liaison.Errorf(liaison.Invalid, "", "receipt: it is for %s/%s, not for %s as given", rc.Kind, rc.ID, rec)
	}
	cp, err := v.Open([]byte(rc.Checkpoint))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("receipt: %w", err)
	}
	if rc.Index < 0 || rc.Index >= cp.Size {
		return Checkpoint{}, liaison.Errorf(liaison.Invalid, "index", "receipt: leaf %d is not in a checkpoint of size %d", rc.Index, cp.Size)
	}
	if err := CheckInclusion(rc.Proof, cp, rc.Index, rc.Commitment); err != nil {
		return Checkpoint{}, fmt.Errorf("receipt for %s: %w", rec, err)
	}
	return cp, nil
}
