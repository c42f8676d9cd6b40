package ledger

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// TreeHash returns the RFC 6962 root hash of the first size leaves.
func TreeHash(ctx context.Context, r HashReader, size int64) (tlog.Hash, error) {
	if size < 0 {
		return tlog.Hash{}, liaison.Errorf(liaison.Invalid, "", "tree hash: negative size %d", size)
	}
	h, err := tlog.TreeHash(size, bind(ctx, r))
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("tree hash at size %d: %w", size, err)
	}
	return h, nil
}

// ProveInclusion returns the proof that leaf index is in the tree of the
// given size (an RFC 6962 audit path, leaf to root).
func ProveInclusion(ctx context.Context, r HashReader, size, index int64) (tlog.RecordProof, error) {
	if index < 0 || index >= size {
		return nil, liaison.Errorf(liaison.Invalid, "", "inclusion proof: leaf %d is not in a tree of size %d", index, size)
	}
	p, err := tlog.ProveRecord(size, index, bind(ctx, r))
	if err != nil {
		return nil, fmt.Errorf("inclusion proof of leaf %d in tree of size %d: %w", index, size, err)
	}
	return p, nil
}

// ProveConsistency returns the proof that the tree of size oldSize is a
// prefix of the tree of size newSize (an RFC 6962 consistency proof).
func ProveConsistency(ctx context.Context, r HashReader, oldSize, newSize int64) (tlog.TreeProof, error) {
	if oldSize < 1 || oldSize > newSize {
		return nil, liaison.Errorf(liaison.Invalid, "", "consistency proof: need 1 ≤ old size ≤ new size, have %d and %d", oldSize, newSize)
	}
	p, err := tlog.ProveTree(newSize, oldSize, bind(ctx, r))
	if err != nil {
		return nil, fmt.Errorf("consistency proof from size %d to %d: %w", oldSize, newSize, err)
	}
	return p, nil
}

// CheckInclusion checks that c is leaf index of the tree that cp heads.
// It fails with an error of kind liaison.Invalid.
func CheckInclusion(p tlog.RecordProof, cp Checkpoint, index int64, c Commitment) error {
	if err := tlog.CheckRecord(p, cp.Size, cp.Hash, index, c.LeafHash()); err != nil {
		return &liaison.Error{Kind: liaison.Invalid, Message: fmt.Sprintf("leaf %d is not in the tree of size %d", index, cp.Size), Err: err}
	}
	return nil
}

// CheckConsistency checks that the tree headed by older is a prefix of the
// one headed by newer: nothing logged before older was changed or removed.
// It fails with an error of kind liaison.Invalid.
func CheckConsistency(p tlog.TreeProof, older, newer Checkpoint) error {
	if older.Origin != newer.Origin {
		return liaison.Errorf(liaison.Invalid, "", "checkpoints of different logs: %q and %q", older.Origin, newer.Origin)
	}
	if older.Size == 0 {
		// The empty tree is a prefix of every tree, if it is the empty tree.
		if empty, _ := tlog.TreeHash(0, nil); older.Hash != empty {
			return liaison.Errorf(liaison.Invalid, "", "checkpoint of size 0 has a root hash other than the empty tree's")
		}
		return nil
	}
	if err := tlog.CheckTree(p, newer.Size, newer.Hash, older.Size, older.Hash); err != nil {
		return &liaison.Error{Kind: liaison.Invalid, Message: fmt.Sprintf("tree of size %d is not a prefix of the tree of size %d", older.Size, newer.Size), Err: err}
	}
	return nil
}
