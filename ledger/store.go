package ledger

import (
	"context"
	"fmt"
	"iter"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// The storage contract. A store (SQLite, PostgreSQL, MemStore) keeps three
// things for the log, beside its records:
//
//   - leaves: one per leaf (index, kind, id, commitment), indexed 0, 1, 2…
//     with no gaps; the kind and id name the record the leaf commits to;
//   - the tree's stored hashes, addressed by tlog.StoredHashIndex (about
//     two per leaf), written once and never changed;
//   - checkpoints: every signed checkpoint, as the signed note's bytes.
//
// Each record keeps its own Salt. Nothing here is SQL: package sqlstore
// maps these calls onto the tables records, leaves (whose rows also hold
// the stored hashes their appends made), checkpoints and log_head; see
// docs/design.md. storetest.Run checks a store against this contract and
// liaison.Store's together.

// HashReader reads the tree's stored hashes.
type HashReader interface {
	// ReadHashes returns the stored hashes at the given indexes (see
	// tlog.StoredHashIndex), in the order asked, one for each index. An
	// index that is not stored is an error of kind liaison.NotFound; a
	// reader never returns fewer hashes than asked for.
	ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
}

// Reader is the read side of a log's storage, as the tile server, proofs and
// checkpoints use it. Everything it returns below TreeSize is immutable.
type Reader interface {
	HashReader
	// TreeSize returns the number of leaves committed.
	TreeSize(ctx context.Context) (int64, error)
	// ReadLeaves returns the n leaves from index start on, in index order.
	// A leaf at or beyond the tree size is an error of kind
	// liaison.NotFound.
	ReadLeaves(ctx context.Context, start int64, n int) ([]Leaf, error)
}

// AppendTx is the part of a storage transaction that Append writes to: the
// same transaction in which the caller writes the record, so that the record
// and its leaf are committed together or not at all.
//
// Appends must be serialized: from TreeSize until commit, no other
// transaction may append. SQLite's write lock does this by itself; on
// PostgreSQL, lock a one-row log table (SELECT … FOR UPDATE) or take an
// advisory lock before TreeSize. As a second line, WriteLeaf must fail with
// an error of kind liaison.Conflicting when a leaf at leaf.Index already
// exists (a primary key does this), and the caller retries the transaction.
type AppendTx interface {
	HashReader
	// TreeSize returns the number of leaves, as this transaction sees them
	// (including its own appends).
	TreeSize(ctx context.Context) (int64, error)
	// WriteLeaf stores leaf (whose Index is the current tree size) and the
	// stored hashes its append creates, which go at the consecutive stored
	// hash indexes from tlog.StoredHashIndex(0, leaf.Index) on. The writes
	// must become visible only when the transaction commits.
	WriteLeaf(ctx context.Context, leaf Leaf, hashes []tlog.Hash) error
}

// CheckpointStore keeps signed checkpoints.
type CheckpointStore interface {
	// LatestCheckpoint returns the signed note of the stored checkpoint
	// with the largest tree size; with none stored, an error of kind
	// liaison.NotFound.
	LatestCheckpoint(ctx context.Context) ([]byte, error)
	// WriteCheckpoint durably stores a signed checkpoint. Storing one with
	// the same size as a stored one is not an error.
	WriteCheckpoint(ctx context.Context, cp Checkpoint, signed []byte) error
}

// Entry is one row of an audit: a leaf joined, by kind and id, with the
// record it commits to. A leaf whose record is gone has a nil Record; a
// record that no leaf names has a nil Leaf.
type Entry struct {
	Leaf   *Leaf
	Record *Record
}

// AuditSource is what `log verify` reads: the whole log and every record.
type AuditSource interface {
	Reader
	// Entries yields every leaf in index order, each joined with its record
	// (nil when the record is gone), and, anywhere in the sequence, an
	// entry with a nil Leaf for each record that no leaf names. In SQL this
	// is leaves LEFT JOIN records ORDER BY index, then records anti-joined
	// with leaves.
	Entries(ctx context.Context) iter.Seq2[Entry, error]
	// Checkpoints yields every stored signed checkpoint, in any order.
	Checkpoints(ctx context.Context) iter.Seq2[[]byte, error]
}

// Snapshotter is an AuditSource that can be read as of one instant. A
// store that others append to while an audit runs implements it; Verify
// then reads one snapshot and reports nothing that a concurrent append
// made look wrong (a leaf written after the tree size was read).
type Snapshotter interface {
	AuditSource
	// Snapshot returns the log as it is now, unchanged by later appends,
	// and the function that releases it.
	Snapshot(ctx context.Context) (src AuditSource, close func() error, err error)
}

// Store is everything a storage backend provides to the log. Functions in
// this package ask only for the part they use.
type Store interface {
	AuditSource
	CheckpointStore
}

// Append adds rec's leaf to the log inside the caller's transaction tx and
// returns it. Call it in the transaction that writes rec (with rec.Salt), so
// that neither exists without the other:
//
//	tx := begin()
//	insertRecord(tx, rec)
//	leaf, err := ledger.Append(ctx, tx, rec)
//	commit(tx)
//
// Append reads at most log₂(n) stored hashes and writes about two.
func Append(ctx context.Context, tx AppendTx, rec Record) (Leaf, error) {
	if err := rec.Validate(); err != nil {
		return Leaf{}, fmt.Errorf("append %s: %w", rec, err)
	}
	return AppendLeaf(ctx, tx, rec.Kind, rec.ID, rec.Commitment())
}

// AppendLeaf is Append for a record whose commitment the caller has
// computed, and whose validity it has checked, already (with
// Record.Validate and Record.Commitment). A store that serializes its
// appends can so do that work before it takes the log lock.
func AppendLeaf(ctx context.Context, tx AppendTx, kind, id string, c Commitment) (Leaf, error) {
	n, err := tx.TreeSize(ctx)
	if err != nil {
		return Leaf{}, fmt.Errorf("append %s/%s: tree size: %w", kind, id, err)
	}
	leaf := Leaf{Index: n, Kind: kind, ID: id, Commitment: c}
	hashes, err := tlog.StoredHashesForRecordHash(n, c.LeafHash(), bind(ctx, tx))
	if err != nil {
		return Leaf{}, fmt.Errorf("append %s: tree hashes for leaf %d: %w", leaf, n, err)
	}
	if err := tx.WriteLeaf(ctx, leaf, hashes); err != nil {
		return Leaf{}, fmt.Errorf("append %s: write leaf %d: %w", leaf, n, err)
	}
	return leaf, nil
}

// bind adapts a HashReader to tlog's, which takes no context.
func bind(ctx context.Context, r HashReader) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hashes, err := r.ReadHashes(ctx, indexes)
		if err == nil && len(hashes) != len(indexes) {
			err = fmt.Errorf("store returned %d hashes for %d indexes", len(hashes), len(indexes))
		}
		return hashes, err
	})
}

// notFound returns an error of kind liaison.NotFound.
func notFound(format string, args ...any) error {
	return liaison.Errorf(liaison.NotFound, "", format, args...)
}
