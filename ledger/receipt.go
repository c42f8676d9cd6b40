package ledger

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// Receipt is what an auditor needs, besides the record and its salt, to
// check offline that the record is in the log: its leaf index, a signed
// checkpoint, and the inclusion proof against it. It encodes as JSON:
//
//	{"index": 617, "checkpoint": "sheriff.example.gov/log\n1000\n…", "proof": ["base64", …]}
//
// To check that a later checkpoint still contains it, the auditor asks for a
// consistency proof (ProveConsistency) or reads the tiles.
type Receipt struct {
	Index      int64            `json:"index"`
	Checkpoint string           `json:"checkpoint"`
	Proof      tlog.RecordProof `json:"proof"`
}

// NewReceipt proves that leaf index is in the tree of the signed checkpoint
// (a stored one; see Publisher), after checking the checkpoint with v.
func NewReceipt(ctx context.Context, r HashReader, v *Verifier, signedCheckpoint []byte, index int64) (Receipt, error) {
	cp, err := v.Open(signedCheckpoint)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt for leaf %d: %w", index, err)
	}
	p, err := ProveInclusion(ctx, r, cp.Size, index)
	if err != nil {
		return Receipt{}, fmt.Errorf("receipt for leaf %d: %w", index, err)
	}
	return Receipt{Index: index, Checkpoint: string(signedCheckpoint), Proof: p}, nil
}

// Check verifies the receipt for rec with the log's key: the checkpoint is
// signed by the log, and rec's commitment is its leaf Index. It returns the
// checkpoint. A receipt that does not hold is an error of kind
// liaison.Invalid.
func (rc Receipt) Check(v *Verifier, rec Record) (Checkpoint, error) {
	cp, err := v.Open([]byte(rc.Checkpoint))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("receipt: %w", err)
	}
	if rc.Index < 0 || rc.Index >= cp.Size {
		return Checkpoint{}, liaison.Errorf(liaison.Invalid, "index", "receipt: leaf %d is not in a checkpoint of size %d", rc.Index, cp.Size)
	}
	if err := CheckInclusion(rc.Proof, cp, rc.Index, rec.Commitment()); err != nil {
		return Checkpoint{}, fmt.Errorf("receipt for %s: %w", rec, err)
	}
	return cp, nil
}
