package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// DefaultLimit is the number of records List returns when Filter.Limit is 0.
const DefaultLimit = 1000

// recordColumns are the columns scanRecord reads, in its order.
const recordColumns = `leaf_index, kind, id, agency, person, parent, key, body, salt, at`

// scanner is a row: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// querier is what reads run on: the reader pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// scanRecord reads one row of recordColumns.
func scanRecord(row scanner) (*liaison.StoredRecord, error) {
	var (
		r    liaison.StoredRecord
		key  sql.NullString
		salt []byte
		at   any
	)
	if err := row.Scan(&r.Index, &r.Kind, &r.ID, &r.Agency, &r.Person, &r.Parent, &key, &r.Body, &salt, &at); err != nil {
		return nil, err
	}
	r.Key = key.String
	if r.Body == nil {
		r.Body = []byte{}
	}
	if len(salt) != len(r.Salt) {
		return nil, fmt.Errorf("record %s/%s: the stored salt has %d bytes, not %d", r.Kind, r.ID, len(salt), len(r.Salt))
	}
	copy(r.Salt[:], salt)
	t, err := scanTime(at)
	if err != nil {
		return nil, fmt.Errorf("record %s/%s: %w", r.Kind, r.ID, err)
	}
	r.At = t
	// The columns are an index: a row whose columns no longer say what
	// its body says was edited behind the store's back, and is refused
	// rather than trusted (see liaison.ColumnsOf).
	if err := r.CheckColumns(); err != nil {
		return nil, err
	}
	return &r, nil
}

// scanTime decodes a stored time: a time (PostgreSQL's timestamptz) or
// microseconds since the Unix epoch (SQLite's integer).
func scanTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case int64:
		return time.UnixMicro(v).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("the stored time is a %T, not a time", v)
}

// Get returns the record (kind, id), or an error of kind NotFound.
func (s *Store) Get(ctx context.Context, kind, id string) (*liaison.StoredRecord, error) {
	row := s.readRow(ctx, `SELECT `+recordColumns+` FROM records WHERE kind = ? AND id = ?`, kind, id)
	r, err := scanRecord(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, liaison.Errorf(liaison.NotFound, "", "no %s record %q", kind, id)
	case err != nil:
		return nil, s.fail(ctx, fmt.Sprintf("get %s/%s", kind, id), err)
	}
	return r, nil
}

// byKeyQuery is the query of ByKey. The index on (kind, key) holds only
// the records that have a key; key = ? implies that they do.
const byKeyQuery = `SELECT ` + recordColumns + ` FROM records WHERE kind = ? AND key = ?`

// ByKey returns the record of kind with the given key, or an error of kind
// NotFound. An empty key finds nothing: it means "no key".
func (s *Store) ByKey(ctx context.Context, kind, key string) (*liaison.StoredRecord, error) {
	if key == "" {
		return nil, liaison.Errorf(liaison.NotFound, "key", "no %s record has an empty key", kind)
	}
	row := s.readRow(ctx, byKeyQuery, kind, key)
	r, err := scanRecord(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// The key may be a secret's hash: it stays out of the message.
		return nil, liaison.Errorf(liaison.NotFound, "key", "no %s record has this key", kind)
	case err != nil:
		return nil, s.fail(ctx, "get "+kind+" by key", err)
	}
	return r, nil
}

// List returns the records f selects, in log order.
func (s *Store) List(ctx context.Context, f liaison.Filter) ([]*liaison.StoredRecord, error) {
	switch {
	case f.Limit < 0:
		return nil, liaison.Errorf(liaison.Invalid, "limit", "limit %d is negative", f.Limit)
	case f.From < 0:
		return nil, liaison.Errorf(liaison.Invalid, "from", "from %d is negative", f.From)
	}
	limit := f.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	query, args := listQuery(f, limit)
	out, err := collect(ctx, s, s.reader, "list records", scanRecord, query, args...)
	if out == nil && err == nil {
		out = []*liaison.StoredRecord{}
	}
	return out, err
}

// listQuery is the query of List: the records f selects, in log order, up
// to limit.
func listQuery(f liaison.Filter, limit int) (string, []any) {
	var q strings.Builder
	args := []any{f.From}
	q.WriteString(`SELECT ` + recordColumns + ` FROM records WHERE leaf_index >= ?`)
	if f.Kind != "" {
		q.WriteString(` AND kind = ?`)
		args = append(args, f.Kind)
	}
	// The indexes on agency, person and parent hold only the records that
	// have one (migration 0002); the query names their condition so that
	// the database may use them.
	for _, c := range []struct{ col, v string }{{"agency", f.Agency}, {"person", f.Person}, {"parent", f.Parent}} {
		if c.v != "" {
			q.WriteString(` AND ` + c.col + ` = ? AND ` + c.col + ` <> ''`)
			args = append(args, c.v)
		}
	}
	q.WriteString(` ORDER BY leaf_index LIMIT ?`)
	args = append(args, limit)
	return q.String(), args
}

// collect runs a query and returns what scan makes of each row.
func collect[T any](ctx context.Context, s *Store, q querier, op string, scan func(row scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := s.readQuery(ctx, q, query, args...)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, s.fail(ctx, op, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}

// TreeSize returns the number of leaves committed.
func (s *Store) TreeSize(ctx context.Context) (int64, error) { return s.treeSize(ctx, s.reader) }

func (s *Store) treeSize(ctx context.Context, q querier) (int64, error) {
	n, err := collect(ctx, s, q, "tree size", func(row scanner) (int64, error) {
		var n int64
		return n, row.Scan(&n)
	}, `SELECT size FROM log_head WHERE id = 1`)
	if err != nil {
		return 0, err
	}
	if len(n) != 1 {
		return 0, fmt.Errorf("%s: tree size: log_head has %d rows, not 1", s.d.Name, len(n))
	}
	return n[0], nil
}

// hashChunk bounds the indexes one query asks for, well below both
// engines' limits on the number of parameters.
const hashChunk = 500

// Where the stored hashes are kept. Appending leaf n creates the stored
// hashes from tlog.StoredHashIndex(0, n) on: the leaf's own hash (level 0)
// and one more for each level at which leaf n completes a subtree (as many
// as n has trailing 1 bits). Leaf n's row keeps them: the level-0 hash is
// its commitment's LeafHash, the others are in the column hashes, level 1
// first. The stored hash at level L and index k is so in the row of leaf
// ((k+1) << L) - 1.

// hashLeaf returns the leaf whose row holds the stored hash at index, and
// the hash's level.
func hashLeaf(index int64) (leaf int64, level int) {
	level, k := tlog.SplitStoredHashIndex(index)
	return (k+1)<<level - 1, level
}

// leafHashes is the part of a leaf's row that holds stored hashes.
type leafHashes struct {
	idx        int64
	commitment ledger.Commitment
	upper      []byte // levels 1 and up
}

func scanLeafHashes(row scanner) (leafHashes, error) {
	var (
		h leafHashes
		c []byte
	)
	err := row.Scan(&h.idx, &c, &h.upper)
	// A commitment of the wrong length is damage that `log verify` reports
	// as a mismatch; it is not a failure to read.
	copy(h.commitment[:], c)
	return h, err
}

// hash returns the stored hash of the given level that h holds; false when
// the row is too short to hold it, which only damage makes it.
func (h leafHashes) hash(level int) (tlog.Hash, bool) {
	if level == 0 {
		return h.commitment.LeafHash(), true
	}
	var out tlog.Hash
	at := (level - 1) * tlog.HashSize
	if at+tlog.HashSize > len(h.upper) {
		return out, false
	}
	copy(out[:], h.upper[at:])
	return out, true
}

// hashProbe is the most indexes one prepared read of stored hashes asks
// for (see Dialect.Prepare): enough for a proof in a tree of 2³² leaves.
// The reads of 32, 16, 8… are prepared too; a read of, say, 11 indexes
// runs that of 16, the other places filled with -1, which is never stored.
const hashProbe = 64

// readHashesSQL reads the stored hashes of n leaves.
func readHashesSQL(n int) string {
	return `SELECT idx, commitment, hashes FROM leaves WHERE idx IN (` + placeholders(n) + `)`
}

// stmtQuerier runs a prepared statement as a querier (the query text is
// the statement's own and is not used).
type stmtQuerier struct{ stmt *sql.Stmt }

func (q stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return q.stmt.QueryContext(ctx, args...)
}

// readHashes returns the stored hashes at indexes that exist, reading in
// tx, or from the reader pool when tx is nil. stmts are the prepared reads
// of the pool tx runs on (s.readHash or s.writeHash).
func (s *Store) readHashes(ctx context.Context, tx *sql.Tx, stmts map[int]*sql.Stmt, indexes []int64) (map[int64]tlog.Hash, error) {
	leaves := make([]int64, len(indexes))
	for i, x := range indexes {
		leaves[i], _ = hashLeaf(x)
	}
	rows := make(map[int64]leafHashes, len(indexes))
	size := hashChunk
	if s.readHash != nil {
		size = hashProbe
	}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(leaves))), size) {
		var (
			q     querier = s.reader
			query         = readHashesSQL(len(chunk))
			args          = make([]any, len(chunk), size)
		)
		for i, x := range chunk {
			args[i] = x
		}
		switch {
		case s.readHash != nil:
			n := hashProbe
			for n/2 >= len(chunk) {
				n /= 2
			}
			for len(args) < n {
				args = append(args, int64(-1))
			}
			stmt := s.readHash[n]
			if tx != nil {
				stmt = tx.StmtContext(ctx, stmts[n])
			}
			q = stmtQuerier{stmt}
		case tx != nil:
			q = tx
		}
		got, err := collect(ctx, s, q, "read tree hashes", scanLeafHashes, query, args...)
		if err != nil {
			return nil, err
		}
		for _, r := range got {
			rows[r.idx] = r
		}
	}
	found := make(map[int64]tlog.Hash, len(indexes))
	for i, x := range indexes {
		r, ok := rows[leaves[i]]
		if !ok {
			continue
		}
		_, level := hashLeaf(x)
		if h, ok := r.hash(level); ok {
			found[x] = h
		}
	}
	return found, nil
}

// placeholders returns "?, ?, …, ?", n of them.
func placeholders(n int) string {
	return strings.Repeat("?, ", n-1) + "?"
}

// Stored hashes are written once and never changed, so the store keeps
// those of the upper levels of the tree in memory once read: a proof in a
// tree of n leaves reads about log₂(n) stored hashes, and all but the
// lowest upperLevel of them are then found in memory (in a tree of ten
// million leaves, 15 of 24 levels), while the upper levels hold one hash in
// 2^upperLevel, so that the cache stays small (2.5 MB for ten million
// leaves). It stops growing at maxUpper hashes.
const (
	upperLevel = 8
	maxUpper   = 1 << 20
)

// hashCache holds stored hashes of the levels from upperLevel up.
type hashCache struct {
	mu     sync.RWMutex
	hashes map[int64]tlog.Hash
}

// upper reports whether the stored hash at index is one the cache keeps.
func upper(index int64) bool {
	level, _ := tlog.SplitStoredHashIndex(index)
	return level >= upperLevel
}

// ReadHashes returns the stored hashes at indexes, in the order asked. An
// index that is not stored is an error of kind NotFound.
func (s *Store) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	cached := make([]bool, len(indexes))
	var missing []int64
	s.upper.mu.RLock()
	for i, x := range indexes {
		out[i], cached[i] = s.upper.hashes[x]
		if !cached[i] {
			missing = append(missing, x)
		}
	}
	full := len(s.upper.hashes) >= maxUpper
	s.upper.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	found, err := s.readHashes(ctx, nil, nil, missing)
	if err != nil {
		return nil, err
	}
	var keep []int64
	for i, x := range indexes {
		if cached[i] {
			continue
		}
		h, ok := found[x]
		if !ok {
			return nil, liaison.Errorf(liaison.NotFound, "", "no stored hash %d", x)
		}
		out[i] = h
		if upper(x) && !full {
			keep = append(keep, x)
		}
	}
	if len(keep) > 0 {
		s.upper.mu.Lock()
		if s.upper.hashes == nil {
			s.upper.hashes = make(map[int64]tlog.Hash)
		}
		for _, x := range keep {
			if len(s.upper.hashes) < maxUpper {
				s.upper.hashes[x] = found[x]
			}
		}
		s.upper.mu.Unlock()
	}
	return out, nil
}

func scanLeaf(row scanner) (ledger.Leaf, error) {
	var (
		l ledger.Leaf
		c []byte
	)
	err := row.Scan(&l.Index, &l.Kind, &l.ID, &c)
	copy(l.Commitment[:], c)
	return l, err
}

// ReadLeaves returns the n leaves from index start on. A leaf at or beyond
// the tree size is an error of kind NotFound.
func (s *Store) ReadLeaves(ctx context.Context, start int64, n int) ([]ledger.Leaf, error) {
	return s.readLeaves(ctx, s.reader, start, n)
}

func (s *Store) readLeaves(ctx context.Context, q querier, start int64, n int) ([]ledger.Leaf, error) {
	size, err := s.treeSize(ctx, q)
	if err != nil {
		return nil, err
	}
	if start < 0 || n < 0 || start+int64(n) > size {
		return nil, liaison.Errorf(liaison.NotFound, "", "no leaves %d to %d in a tree of %d", start, start+int64(n)-1, size)
	}
	leaves, err := collect(ctx, s, q, "read leaves", scanLeaf,
		`SELECT idx, kind, id, commitment FROM leaves WHERE idx >= ? AND idx < ? ORDER BY idx`, start, start+int64(n))
	if err != nil {
		return nil, err
	}
	for i := range n {
		if want := start + int64(i); i >= len(leaves) || leaves[i].Index != want {
			return nil, fmt.Errorf("%s: read leaves: leaf %d is missing from the tree of %d leaves: run `liaison log verify`", s.d.Name, want, size)
		}
	}
	return leaves, nil
}

// LatestCheckpoint returns the stored checkpoint with the largest tree size,
// or an error of kind NotFound.
func (s *Store) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := s.reader.QueryRowContext(ctx, `SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&note)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, liaison.Errorf(liaison.NotFound, "", "no checkpoint is stored")
	case err != nil:
		return nil, s.fail(ctx, "latest checkpoint", err)
	}
	return note, nil
}

// WriteCheckpoint stores a signed checkpoint, then records it in the log
// (a record of kind liaison.KindCheckpoint, see package ledger). When one
// of the same size is stored, or recorded, it is kept and this one is
// dropped. The row comes first: should the record not follow (a crash
// between the two), `log verify` finds nothing wrong; a record without its
// row is what a deleted row leaves, and is reported.
func (s *Store) WriteCheckpoint(ctx context.Context, cp ledger.Checkpoint, signed []byte) error {
	if err := s.refuse(); err != nil {
		return err
	}
	_, err := s.writer.ExecContext(ctx, s.bind(`INSERT INTO checkpoints (size, note) VALUES (?, ?) ON CONFLICT (size) DO NOTHING`), cp.Size, signed)
	if err != nil {
		return s.fail(ctx, fmt.Sprintf("write checkpoint of size %d", cp.Size), err)
	}
	rec, err := ledger.NewCheckpointRecord(cp, signed)
	if err != nil {
		return err
	}
	if err := s.Append(ctx, rec); err != nil && liaison.KindOf(err) != liaison.Conflicting {
		return fmt.Errorf("record checkpoint of size %d in the log: %w", cp.Size, err)
	}
	if s.outside != nil {
		if err := s.outside.Keep(cp.Size, signed); err != nil {
			return fmt.Errorf("%s: write checkpoint of size %d outside the database: %w", s.d.Name, cp.Size, err)
		}
	}
	return nil
}

// Checkpoints yields every stored checkpoint, in size order. Checkpoints are
// few and small: it reads them all at once, so that the consumer holds no
// connection while it works.
func (s *Store) Checkpoints(ctx context.Context) iter.Seq2[[]byte, error] {
	return s.checkpoints(ctx, s.reader)
}

func (s *Store) checkpoints(ctx context.Context, q querier) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		notes, err := collect(ctx, s, q, "read checkpoints", func(row scanner) ([]byte, error) {
			var note []byte
			return note, row.Scan(&note)
		}, `SELECT note FROM checkpoints ORDER BY size`)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, n := range notes {
			if !yield(n, nil) {
				return
			}
		}
	}
}

// entriesPage bounds the rows Entries reads per query: records may be
// large, and the consumer reads the store between pages.
const entriesPage = 256

// Entries yields every leaf in index order with its record (the record at
// the leaf's index, of the kind and id the leaf names), then every record
// that no leaf names so. It reads a page at a time and holds no connection
// while the consumer works.
func (s *Store) Entries(ctx context.Context) iter.Seq2[ledger.Entry, error] {
	return s.entries(ctx, s.reader)
}

func (s *Store) entries(ctx context.Context, q querier) iter.Seq2[ledger.Entry, error] {
	return func(yield func(ledger.Entry, error) bool) {
		if yieldPages(yield, func(last *ledger.Entry) ([]ledger.Entry, error) {
			from := int64(0)
			if last != nil {
				from = last.Leaf.Index + 1
			}
			return collect(ctx, s, q, "read the log's leaves and records", scanJoined,
				`SELECT l.idx, l.kind, l.id, l.commitment, r.kind, r.id, `+auditColumns+`
				FROM leaves l LEFT JOIN records r ON r.leaf_index = l.idx AND r.kind = l.kind AND r.id = l.id
				WHERE l.idx >= ? ORDER BY l.idx LIMIT ?`, from, entriesPage)
		}) {
			yieldPages(yield, func(last *ledger.Entry) ([]ledger.Entry, error) {
				var kind, id string
				if last != nil {
					kind, id = last.Record.Kind, last.Record.ID
				}
				return collect(ctx, s, q, "read the records without leaves", scanOrphan,
					`SELECT r.kind, r.id, `+auditColumns+` FROM records r
					WHERE (? OR r.kind > ? OR (r.kind = ? AND r.id > ?))
					AND NOT EXISTS (SELECT 1 FROM leaves l WHERE l.idx = r.leaf_index AND l.kind = r.kind AND l.id = r.id)
					ORDER BY r.kind, r.id LIMIT ?`, last == nil, kind, kind, id, entriesPage)
			})
		}
	}
}

// yieldPages yields the entries of the pages fetch returns, given the last
// entry of the page before (nil for the first), up to a short page. It
// reports whether the consumer wants more.
func yieldPages(yield func(ledger.Entry, error) bool, fetch func(last *ledger.Entry) ([]ledger.Entry, error)) bool {
	var last *ledger.Entry
	for {
		page, err := fetch(last)
		if err != nil {
			yield(ledger.Entry{}, err)
			return false
		}
		for _, e := range page {
			if !yield(e, nil) {
				return false
			}
		}
		if len(page) < entriesPage {
			return true
		}
		last = &page[len(page)-1]
	}
}

// auditColumns are the columns of a record, beside its kind and id, that an
// audit reads: all that the leaf commits to.
const auditColumns = `r.agency, r.person, r.parent, r.key, r.body, r.salt, r.at`

// scanJoined reads a leaf and, when it is there, its record.
func scanJoined(row scanner) (ledger.Entry, error) {
	var (
		l        ledger.Leaf
		c        []byte
		kind, id sql.NullString
		a        auditRow
	)
	if err := row.Scan(append([]any{&l.Index, &l.Kind, &l.ID, &c, &kind, &id}, a.dest()...)...); err != nil {
		return ledger.Entry{}, err
	}
	copy(l.Commitment[:], c)
	e := ledger.Entry{Leaf: &l}
	if kind.Valid {
		e.Record = a.record(kind.String, id.String)
	}
	return e, nil
}

// scanOrphan reads a record that no leaf names.
func scanOrphan(row scanner) (ledger.Entry, error) {
	var (
		kind, id string
		a        auditRow
	)
	err := row.Scan(append([]any{&kind, &id}, a.dest()...)...)
	return ledger.Entry{Record: a.record(kind, id)}, err
}

// auditRow is a record's auditColumns as scanned; all may be NULL in a
// leaf's row whose record is gone.
type auditRow struct {
	agency, person, parent, key sql.NullString
	body, salt                  []byte
	at                          any
}

func (a *auditRow) dest() []any {
	return []any{&a.agency, &a.person, &a.parent, &a.key, &a.body, &a.salt, &a.at}
}

// record builds the record an audit checks. A damaged salt is copied as it
// is, and a time that does not read as one is left zero: the record then
// no longer matches its leaf, which the audit reports.
func (a *auditRow) record(kind, id string) *ledger.Record {
	r := &ledger.Record{Kind: kind, ID: id, Agency: a.agency.String, Person: a.person.String, Parent: a.parent.String,
		Key: a.key.String, Body: a.body}
	r.At, _ = scanTime(a.at)
	copy(r.Salt[:], a.salt)
	return r
}
