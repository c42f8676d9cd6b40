package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// The names of the unique constraints on records, as both schemas spell
// them. PostgreSQL reports them in its errors; see Dialect.Unique.
const (
	constraintID  = "records_kind_id_key"  // UNIQUE (kind, id)
	constraintKey = "records_kind_key_key" // UNIQUE (kind, key)
)

// appendAttempts bounds the retries of an append whose leaf index was taken
// by a writer that did not take the log lock (see ledger.AppendTx).
const appendAttempts = 3

// errLeafTaken marks a unique violation on the log's own rows: a leaf, a
// stored hash or a record's leaf index already written by another
// transaction. The append is retried.
var errLeafTaken = errors.New("the next leaf was written by another transaction")

// Append writes recs and their leaves in one transaction; see
// liaison.Store. It sets each record's Index only when it succeeds.
func (s *Store) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if err := validate(recs); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		idx, err := s.appendOnce(ctx, recs)
		if errors.Is(err, errLeafTaken) && attempt < appendAttempts && ctx.Err() == nil {
			continue
		}
		if err != nil {
			return err
		}
		for i, r := range recs {
			r.Index = idx[i]
		}
		return nil
	}
}

// validate checks a batch before any of it touches the database: every
// record can be logged, and no two share a (kind, id) or a (kind, key).
func validate(recs []*liaison.StoredRecord) error {
	type name struct{ kind, v string }
	ids := make(map[name]bool, len(recs))
	keys := make(map[name]bool)
	for i, r := range recs {
		if r == nil {
			return liaison.Errorf(liaison.Invalid, "", "append: record %d of %d is nil", i+1, len(recs))
		}
		if err := logged(r).Validate(); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		if ids[name{r.Kind, r.ID}] {
			return liaison.Errorf(liaison.Conflicting, "id", "record %s/%s appears twice in one append", r.Kind, r.ID)
		}
		ids[name{r.Kind, r.ID}] = true
		if r.Key != "" {
			if keys[name{r.Kind, r.Key}] {
				return liaison.Errorf(liaison.Conflicting, "key", "two %s records in one append have the same key", r.Kind)
			}
			keys[name{r.Kind, r.Key}] = true
		}
	}
	return nil
}

// logged returns the part of r that the log commits to.
func logged(r *liaison.StoredRecord) ledger.Record {
	return ledger.Record{Kind: r.Kind, ID: r.ID, Body: r.Body, Salt: ledger.Salt(r.Salt)}
}

// appendOnce runs one append transaction and returns the records' leaf
// indexes. Under the log lock, no other append can write a record, so the
// records are checked for conflicts first, with one query, and then all rows
// are written with a few multi-row inserts: the round trips to the database
// do not grow with the batch.
func (s *Store) appendOnce(ctx context.Context, recs []*liaison.StoredRecord) ([]int64, error) {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.fail(ctx, "append: begin", err)
	}
	// After Commit, Rollback does nothing.
	defer func() { _ = tx.Rollback() }()

	at := &appendTx{s: s, tx: tx, known: make(map[int64]tlog.Hash)}
	if err := tx.QueryRowContext(ctx, s.d.LockHead).Scan(&at.size); err != nil {
		return nil, s.fail(ctx, "append: lock the log", err)
	}
	if err := s.checkConflicts(ctx, tx, recs); err != nil {
		return nil, err
	}
	start := at.size
	idx := make([]int64, len(recs))
	rows := make([][]any, len(recs))
	for i, r := range recs {
		leaf, err := ledger.Append(ctx, at, logged(r))
		if err != nil {
			return nil, err
		}
		idx[i] = leaf.Index
		body := r.Body
		if body == nil {
			body = []byte{} // a body is never NULL
		}
		rows[i] = []any{leaf.Index, r.Kind, r.ID, r.Agency, r.Person, r.Parent,
			sql.NullString{String: r.Key, Valid: r.Key != ""}, body, r.Salt[:], s.d.Time(r.At)}
	}
	if err := s.insert(ctx, tx, "records", []string{"leaf_index", "kind", "id", "agency", "person", "parent", "key", "body", "salt", "at"}, rows); err != nil {
		return nil, err
	}
	if err := s.insert(ctx, tx, "leaves", []string{"idx", "kind", "id", "commitment"}, at.leaves); err != nil {
		return nil, err
	}
	if err := s.insert(ctx, tx, "hashes", []string{"idx", "hash"}, at.hashes); err != nil {
		return nil, err
	}
	res, err := tx.ExecContext(ctx, s.bind(`UPDATE log_head SET size = ? WHERE id = 1 AND size = ?`), at.size, start)
	if err != nil {
		return nil, s.fail(ctx, "append: update the log head", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, fmt.Errorf("%s: append: the log head moved from size %d during the append: %w", s.d.Name, start, errLeafTaken)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.fail(ctx, "append: commit", err)
	}
	return idx, nil
}

// conflictChunk bounds the records one conflict query asks about.
const conflictChunk = 100

// checkConflicts fails with an error of kind Conflicting, naming the first
// record of recs whose (kind, id) or (kind, key) is already stored.
func (s *Store) checkConflicts(ctx context.Context, tx *sql.Tx, recs []*liaison.StoredRecord) error {
	type name struct{ kind, v string }
	ids, keys := make(map[name]bool), make(map[name]bool)
	for chunk := range slices.Chunk(recs, conflictChunk) {
		var (
			q    strings.Builder
			args []any
		)
		q.WriteString(`SELECT kind, id, key FROM records WHERE `)
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(" OR ")
			}
			q.WriteString("(kind = ? AND id = ?)")
			args = append(args, r.Kind, r.ID)
			if r.Key != "" {
				q.WriteString(" OR (kind = ? AND key = ?)")
				args = append(args, r.Kind, r.Key)
			}
		}
		found, err := collect(ctx, s, tx, "append: look for conflicts", func(row scanner) ([3]sql.NullString, error) {
			var v [3]sql.NullString
			return v, row.Scan(&v[0], &v[1], &v[2])
		}, q.String(), args...)
		if err != nil {
			return err
		}
		for _, f := range found {
			ids[name{f[0].String, f[1].String}] = true
			if f[2].Valid {
				keys[name{f[0].String, f[2].String}] = true
			}
		}
	}
	for _, r := range recs {
		if ids[name{r.Kind, r.ID}] {
			return liaison.Errorf(liaison.Conflicting, "id", "record %s/%s is already stored", r.Kind, r.ID)
		}
		if r.Key != "" && keys[name{r.Kind, r.Key}] {
			return liaison.Errorf(liaison.Conflicting, "key", "a %s record with the same key is already stored", r.Kind)
		}
	}
	return nil
}

// maxParams bounds the parameters of one insert, well below both engines'
// limits (32766 for SQLite, 65535 for PostgreSQL).
const maxParams = 2000

// insert writes rows into table, as few multi-row INSERTs.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for chunk := range slices.Chunk(rows, maxParams/len(cols)) {
		var q strings.Builder
		q.WriteString(head)
		args := make([]any, 0, len(chunk)*len(cols))
		for i, row := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(" + placeholders(len(row)) + ")")
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, s.bind(q.String()), args...); err != nil {
			return s.insertFailed(ctx, table, err)
		}
	}
	return nil
}

// insertFailed maps a failed insert. checkConflicts has run under the log
// lock, so a unique violation means a writer that did not take the lock
// (see ledger.AppendTx): the append is retried, and the retry's check finds
// any real conflict. Should the retries run out, a violation on a record
// constraint that the driver names is still reported as a conflict.
func (s *Store) insertFailed(ctx context.Context, table string, err error) error {
	constraint, ok := s.d.Unique(err)
	if !ok {
		return s.fail(ctx, "append: write "+table, err)
	}
	var field string
	switch constraint {
	case constraintID:
		field = "id"
	case constraintKey:
		field = "key"
	}
	return &liaison.Error{Kind: liaison.Conflicting, Field: field,
		Message: fmt.Sprintf("append: a row of %s was written by another transaction", table),
		Err:     fmt.Errorf("%w: %w", errLeafTaken, err)}
}

// appendTx is the ledger.AppendTx of one append transaction. The log lock
// is held, so the tree size is known and only this transaction changes it.
// The leaves and hashes are kept here and written by appendOnce at the end.
type appendTx struct {
	s      *Store
	tx     *sql.Tx
	size   int64               // leaves, including this transaction's
	known  map[int64]tlog.Hash // stored hashes read or written so far
	leaves [][]any             // rows of leaves to write
	hashes [][]any             // rows of hashes to write
}

var _ ledger.AppendTx = (*appendTx)(nil)

// TreeSize returns the number of leaves, including this transaction's.
func (at *appendTx) TreeSize(ctx context.Context) (int64, error) { return at.size, nil }

// ReadHashes reads stored hashes, those already read or written from
// memory.
func (at *appendTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	var missing []int64
	for _, x := range indexes {
		if _, ok := at.known[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		found, err := at.s.readHashes(ctx, at.tx, missing)
		if err != nil {
			return nil, err
		}
		maps.Copy(at.known, found)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := at.known[x]
		if !ok {
			return nil, liaison.Errorf(liaison.NotFound, "", "no stored hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

// WriteLeaf queues leaf and the stored hashes its append creates.
func (at *appendTx) WriteLeaf(ctx context.Context, leaf ledger.Leaf, hashes []tlog.Hash) error {
	if leaf.Index != at.size {
		return liaison.Errorf(liaison.Conflicting, "", "leaf %d: the next leaf is %d", leaf.Index, at.size)
	}
	at.leaves = append(at.leaves, []any{leaf.Index, leaf.Kind, leaf.ID, leaf.Commitment[:]})
	first := tlog.StoredHashIndex(0, leaf.Index)
	for i, h := range hashes {
		at.known[first+int64(i)] = h
		at.hashes = append(at.hashes, []any{first + int64(i), h[:]})
	}
	at.size++
	return nil
}
