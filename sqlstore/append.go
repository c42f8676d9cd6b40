package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
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

// appendAttempts bounds the attempts of an append that meets a unique
// violation: a conflict, found again by the second attempt's check, or a
// leaf index taken by a writer that did not take the log lock (see
// ledger.AppendTx).
const appendAttempts = 3

// errLeafTaken marks a unique violation met while writing: a record that
// conflicts with a stored one, or a leaf, a stored hash or a record's leaf
// index already written by another transaction. The append is retried,
// looking for conflicts first.
var errLeafTaken = errors.New("the next leaf was written by another transaction")

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
		if err := ledger.RecordOf(r).Validate(); err != nil {
			return fmt.Errorf("append: %w", err)
		}
		if err := columns(r); err != nil {
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

// columns refuses a record whose index columns disagree with its body
// (see liaison.ColumnsOf): reads would refuse it.
func columns(r *liaison.StoredRecord) error {
	c, err := liaison.ColumnsOf(r.Kind, r.Body)
	if err != nil {
		return err
	}
	if col, _, _, bad := c.Mismatch(r); bad {
		return liaison.Errorf(liaison.Invalid, col.String(), "record %s/%s: the %s given is not the one its body holds", r.Kind, r.ID, col)
	}
	return nil
}

// maxParams bounds the parameters of one insert, well below both engines'
// limits (32766 for SQLite, 65535 for PostgreSQL).
const maxParams = 2000

// The tables an append writes, and their columns.
var (
	recordsTable = table{"records", []string{"leaf_index", "kind", "id", "agency", "person", "parent", "key", "body", "salt", "at"},
		// An empty agency, person or parent is sent as NULL and stored as
		// '': the SQLite driver copies every string argument into memory
		// of its own, and frees it after, but a NULL costs nothing.
		"?, ?, ?, coalesce(?, ''), coalesce(?, ''), coalesce(?, ''), ?, ?, ?, ?"}
	leavesTable = table{"leaves", []string{"idx", "kind", "id", "commitment", "hashes"}, ""}
)

type table struct {
	name string
	cols []string
	// values is one row's values, when not a placeholder for each column.
	values string
}

// rowsPerInsert is the most rows one INSERT into t writes.
func (t table) rowsPerInsert() int { return maxParams / len(t.cols) }

// insertSQL is the INSERT of n rows into t, with ? placeholders.
func (t table) insertSQL(n int) string {
	var q strings.Builder
	q.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	row := "(" + placeholders(len(t.cols)) + ")"
	if t.values != "" {
		row = "(" + t.values + ")"
	}
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	return q.String()
}

// exactRows is the most rows of a prepared INSERT: there is one for every
// number of rows up to it, so that a group writes each table with one
// INSERT (up to exactRows rows), not one per power of two in its size.
// Beyond what the parsing saves, SQLite runs a multi-row INSERT into a table
// whose INTEGER PRIMARY KEY it is given (records, leaves) with a statement
// journal, whatever its conflict clause (the key's type check may abort the
// statement half-way): each statement copies every page it changes that was
// in the database before it, into memory allocated for the journal, so
// three or four INSERTs per table copied the same right-edge pages three or
// four times. (An INSERT of one row needs no statement journal, but
// a row at a time cost more than the journal: 500–620 against 375–390 µs
// of CPU per intake in BenchmarkAppendIntake at 32 callers.)
const exactRows = 64

// stmtKey names a prepared INSERT: its table and number of rows.
type stmtKey struct {
	table string
	rows  int
}

// prepare prepares the statements that appends and proofs run when
// Dialect.Prepare is set: the log head's lock and update; for each table
// an append writes, its INSERT of every number of rows from one to
// exactRows; and the reads of 64, 32, 16… stored hashes, on each pool.
func (s *Store) prepare(ctx context.Context) error {
	var err error
	if s.lockHead, err = s.writer.PrepareContext(ctx, s.d.LockHead); err != nil {
		return s.fail(ctx, "prepare the lock of the log head", err)
	}
	if s.setHead, err = s.writer.PrepareContext(ctx, s.bind(setHeadSQL)); err != nil {
		return s.fail(ctx, "prepare the update of the log head", err)
	}
	s.stmts = make(map[stmtKey]*sql.Stmt)
	if s.d.NextRowid {
		if err := s.prepareNext(ctx); err != nil {
			return err
		}
	}
	for _, t := range []table{recordsTable, leavesTable, openCasesTable} {
		for n := min(t.rowsPerInsert(), exactRows); n > 0; n-- {
			q := t.insertSQL(n)
			if s.d.NextRowid && t.name == openCasesTable.name {
				q = orRollback(q)
			}
			stmt, err := s.writer.PrepareContext(ctx, s.bind(q))
			if err != nil {
				return s.fail(ctx, "prepare the inserts into "+t.name, err)
			}
			s.stmts[stmtKey{t.name, n}] = stmt
		}
	}
	// The reads of stored hashes, for proofs and tiles on the reader pool
	// and for appends on the writer.
	s.readHash, s.writeHash = make(map[int]*sql.Stmt), make(map[int]*sql.Stmt)
	for n := hashProbe; n > 0; n /= 2 {
		for _, p := range []struct {
			db    *sql.DB
			stmts map[int]*sql.Stmt
		}{{s.reader, s.readHash}, {s.writer, s.writeHash}} {
			stmt, err := p.db.PrepareContext(ctx, s.bind(readHashesSQL(n)))
			if err != nil {
				return s.fail(ctx, "prepare the read of tree hashes", err)
			}
			p.stmts[n] = stmt
		}
	}
	return nil
}

// insert writes rows into t, as few multi-row INSERTs; args holds the
// rows' values one row after another. With prepared statements it writes
// exactRows rows at a time while it can, then the rest with one INSERT.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, t table, args []any) error {
	_, err := s.insertAs(ctx, tx, t, t.name, args)
	return err
}

// insertAs is insert with the statements prepared under name (see
// stmtKey), and returns the last statement's result (nil for no rows).
func (s *Store) insertAs(ctx context.Context, tx *sql.Tx, t table, name string, args []any) (sql.Result, error) {
	width := len(t.cols)
	var res sql.Result
	for len(args) > 0 {
		rows := len(args) / width
		n := min(rows, t.rowsPerInsert())
		if s.stmts != nil {
			n = min(rows, t.rowsPerInsert(), exactRows)
		}
		var err error
		if stmt := s.stmts[stmtKey{name, n}]; stmt != nil {
			res, err = tx.StmtContext(ctx, stmt).ExecContext(ctx, args[:n*width]...)
		} else {
			res, err = tx.ExecContext(ctx, s.bind(t.insertSQL(n)), args[:n*width]...)
		}
		if err != nil {
			return nil, s.insertFailed(ctx, t.name, err)
		}
		args = args[n*width:]
	}
	return res, nil
}

// insertFailed maps a failed insert. A unique violation means a record that
// conflicts (the first attempt of an append does not look for conflicts
// before it writes), or a writer that did not take the log lock (see
// ledger.AppendTx): the append is retried, and the retry looks for
// conflicts first. Should the retries run out, a violation on a record
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
// The leaves, with their stored hashes, are kept here and written by
// appendOnce at the end.
type appendTx struct {
	s    *Store
	tx   *sql.Tx
	size int64 // leaves, including this transaction's
	// written holds the stored hashes this transaction wrote, which are
	// those from tlog.StoredHashIndex(0, start) on, start being the tree
	// size when it began; read those it read from the database.
	start   int64
	written []tlog.Hash
	read    map[int64]tlog.Hash
	leaves  []any // rows of leaves to write, one after another
	// upper holds the leaves' upper stored hashes, each leaf's a slice of
	// it (see WriteLeaf).
	upper []byte
}

var _ ledger.AppendTx = (*appendTx)(nil)

// TreeSize returns the number of leaves, including this transaction's.
func (at *appendTx) TreeSize(ctx context.Context) (int64, error) { return at.size, nil }

// ReadHashes reads stored hashes, those already read or written from
// memory.
func (at *appendTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	base := tlog.StoredHashIndex(0, at.start)
	var missing []int64
	for _, x := range indexes {
		if x >= base {
			continue
		}
		if _, ok := at.read[x]; !ok {
			missing = append(missing, x)
		}
	}
	if len(missing) > 0 {
		found, err := at.s.readHashes(ctx, at.tx, at.s.writeHash, missing)
		if err != nil {
			return nil, err
		}
		if at.read == nil {
			at.read = make(map[int64]tlog.Hash, len(found))
		}
		maps.Copy(at.read, found)
	}
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		var ok bool
		if x >= base {
			if ok = x-base < int64(len(at.written)); ok {
				out[i] = at.written[x-base]
			}
		} else {
			out[i], ok = at.read[x]
		}
		if !ok {
			return nil, liaison.Errorf(liaison.NotFound, "", "no stored hash %d", x)
		}
	}
	return out, nil
}

// WriteLeaf queues leaf and the stored hashes its append creates, which go
// in the leaf's row (see leafHashes).
func (at *appendTx) WriteLeaf(ctx context.Context, leaf ledger.Leaf, hashes []tlog.Hash) error {
	if leaf.Index != at.size {
		return liaison.Errorf(liaison.Conflicting, "", "leaf %d: the next leaf is %d", leaf.Index, at.size)
	}
	if len(hashes) == 0 || hashes[0] != leaf.Commitment.LeafHash() {
		return fmt.Errorf("leaf %d: the first stored hash is not the leaf's hash", leaf.Index)
	}
	if first := tlog.StoredHashIndex(0, leaf.Index); first != tlog.StoredHashIndex(0, at.start)+int64(len(at.written)) {
		return fmt.Errorf("leaf %d: its stored hashes do not follow the transaction's", leaf.Index)
	}
	at.written = append(at.written, hashes...)
	from := len(at.upper)
	for _, h := range hashes[1:] {
		at.upper = append(at.upper, h[:]...)
	}
	// Three-index slice: a later append to at.upper that moves it leaves
	// this leaf's bytes where they are.
	at.leaves = append(at.leaves, leaf.Index, leaf.Kind, leaf.ID, leaf.Commitment[:], at.upper[from:len(at.upper):len(at.upper)])
	at.size++
	return nil
}
