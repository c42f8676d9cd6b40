package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"iter"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// Snapshot returns the log as of one instant, for an audit that must not
// see appends made while it reads (see ledger.Snapshotter): every read
// runs in one read-only transaction on the reader pool, at the dialect's
// snapshot isolation (SQLite: a read transaction, which in WAL mode sees
// the database as of its first read; PostgreSQL: REPEATABLE READ). close
// ends it; until then, on SQLite, the WAL cannot be restarted past the
// snapshot.
func (s *Store) Snapshot(ctx context.Context) (src ledger.AuditSource, close func() error, err error) {
	tx, err := s.reader.BeginTx(ctx, &sql.TxOptions{Isolation: s.d.SnapshotIsolation, ReadOnly: true})
	if err != nil {
		return nil, nil, s.fail(ctx, "begin a snapshot", err)
	}
	snap := &snapshot{s: s, tx: tx}
	// The snapshot starts with its first read: make it now.
	if _, err := snap.TreeSize(ctx); err != nil {
		return nil, nil, errors.Join(err, tx.Rollback())
	}
	return snap, func() error {
		// Nothing was written: a rollback ends the transaction as well
		// as a commit would.
		if err := tx.Rollback(); err != nil {
			return s.fail(ctx, "end the snapshot", err)
		}
		return nil
	}, nil
}

// snapshot is a ledger.AuditSource that reads in one transaction.
type snapshot struct {
	s  *Store
	tx *sql.Tx
}

var _ ledger.Snapshotter = (*Store)(nil)

func (sn *snapshot) TreeSize(ctx context.Context) (int64, error) { return sn.s.treeSize(ctx, sn.tx) }

func (sn *snapshot) ReadLeaves(ctx context.Context, start int64, n int) ([]ledger.Leaf, error) {
	return sn.s.readLeaves(ctx, sn.tx, start, n)
}

// ReadHashes reads the stored hashes in the snapshot; it does not use or
// fill the store's cache of upper levels.
func (sn *snapshot) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	found, err := sn.s.readHashes(ctx, sn.tx, sn.s.readHash, indexes)
	if err != nil {
		return nil, err
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := found[x]
		if !ok {
			return nil, liaison.Errorf(liaison.NotFound, "", "no stored hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

func (sn *snapshot) Entries(ctx context.Context) iter.Seq2[ledger.Entry, error] {
	return sn.s.entries(ctx, sn.tx)
}

func (sn *snapshot) Checkpoints(ctx context.Context) iter.Seq2[[]byte, error] {
	return sn.s.checkpoints(ctx, sn.tx)
}
