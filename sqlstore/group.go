package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// Group commit. Appends do not run their own transactions: each Append
// queues its records for the store's one writer goroutine (see writeLoop)
// and waits. The writer takes whatever has queued while its last
// transaction ran (and, once its transaction holds the log lock, what
// queued while it waited for it: see drain) and writes it in one
// transaction, so that concurrent
// appends share one commit, and on SQLite one fsync, instead of queueing
// for one each. Under no concurrency a group is a single append and
// nothing changes.
//
// A group is all-or-nothing per caller, not as a whole:
//
//   - a caller whose records are already stored, or claimed by a caller
//     ahead of it in the same group, gets its Conflicting error and the
//     rest of the group commits without it (a unique constraint fails the
//     group's first attempt; the second looks for conflicts with a query
//     under the log lock before it writes, see appendGroup);
//   - when the group's transaction fails for any other reason that is not
//     the database's as a whole (Unavailable, or every caller gone), each
//     caller's append is run again on its own, so that one caller's bad
//     records fail only that caller.
//
// Durability is unchanged: a caller returns only once the transaction
// holding its records has committed, or has failed.
//
// Cancellation: a caller whose context ends while it waits for the writer
// leaves the queue and returns the context's error; none of its records is
// written. Once the writer has taken it into a group, it waits for the
// group's outcome, as a single append waits for its commit (returning
// early could report a failure for records that then commit). The group's
// transaction is cancelled only when every caller in it has gone.

// Bounds on one group: the writer stops taking callers into a group once
// it holds this many records or bytes of bodies (one caller may go past
// them on its own).
const (
	maxGroupRecords = 1024
	maxGroupBytes   = 4 << 20
)

// errClosed is the error of an Append on a closed store.
var errClosed = errors.New("the store is closed")

// pending is one caller's append, queued for the writer.
type pending struct {
	ctx         context.Context
	recs        []*liaison.StoredRecord
	commitments []ledger.Commitment // of recs, computed by the caller
	bytes       int
	// Set by the writer before it closes done.
	idx  []int64
	err  error
	done chan struct{}
}

// finish delivers the outcome to the caller. An error met after the
// caller's context ended wraps the context's error too, so that
// errors.Is(err, context.Canceled) holds for a caller that gave up.
func (p *pending) finish(idx []int64, err error) {
	if ctxErr := p.ctx.Err(); err != nil && ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w: %w", ctxErr, err)
	}
	p.idx, p.err = idx, err
	close(p.done)
}

// Append writes recs and their leaves in one transaction, shared with
// other callers' appends made at the same time; see liaison.Store and the
// comment on group commit above. It sets each record's Index only when it
// succeeds.
func (s *Store) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	if len(recs) == 0 {
		return nil
	}
	if err := s.refuse(); err != nil {
		return err
	}
	defer func(start time.Time) { s.latency.observe(time.Since(start)) }(time.Now())
	if err := validate(recs); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "append", err)
	}
	// Hashing the records here, in the caller's goroutine, leaves the
	// writer, which every append waits for, only the tree to hash.
	p := &pending{ctx: ctx, recs: recs, commitments: make([]ledger.Commitment, len(recs)), done: make(chan struct{})}
	for i, r := range recs {
		p.commitments[i] = ledger.RecordOf(r).Commitment()
		p.bytes += len(r.Body)
	}
	// queued counts the callers at this select, for Stats (and for tests
	// that must know their appends are queued before they go on).
	s.queued.Add(1)
	var err error
	select {
	case s.appends <- p:
	case <-ctx.Done():
		err = s.fail(ctx, "append: wait for the writer", ctx.Err())
	case <-s.closing:
		err = fmt.Errorf("%s: append: %w", s.d.Name, errClosed)
	}
	s.queued.Add(-1)
	if err != nil {
		return err
	}
	<-p.done
	if p.err != nil {
		return p.err
	}
	for i, r := range recs {
		r.Index = p.idx[i]
	}
	return nil
}

// writeLoop is the store's writer: it takes one queued append, then every
// other one already waiting (up to the group bounds), and commits them as
// a group, until the store closes.
func (s *Store) writeLoop() {
	defer close(s.writerDone)
	for {
		var group []*pending
		idle := time.Now()
		select {
		case p := <-s.appends:
			since(&s.phases.idle, &idle)
			group = append(group, p)
			s.taken.Add(1)
		case <-s.closing:
			return
		}
		n, size := len(group[0].recs), group[0].bytes
	more:
		for n < maxGroupRecords && size < maxGroupBytes {
			select {
			case p := <-s.appends:
				group = append(group, p)
				s.taken.Add(1)
				n, size = n+len(p.recs), size+p.bytes
			default:
				break more
			}
		}
		s.commitGroup(group)
		if s.afterCommit != nil {
			t := time.Now()
			s.afterCommit(context.Background(), s.writer)
			since(&s.phases.after, &t)
		}
	}
}

// commitGroup writes a group's appends and tells each caller its outcome.
// The group may grow while its transaction waits for the log lock (see
// drain).
func (s *Store) commitGroup(group []*pending) {
	live := group[:0]
	for _, p := range group {
		if err := p.ctx.Err(); err != nil {
			p.finish(nil, s.fail(p.ctx, "append", err))
			continue
		}
		live = append(live, p)
	}
	if len(live) == 0 {
		return
	}
	b := newBatch(live)
	defer b.stop()
	out, err := s.appendGroup(b.ctx, b)
	switch {
	case err == nil:
		for i, p := range b.group {
			p.finish(out[i].idx, out[i].err)
		}
	case len(b.group) > 1 && !wholeStore(b.ctx, err):
		// Find the caller whose records the database refused: each
		// alone, in its own context as before group commit.
		for _, p := range b.group {
			out, err := s.appendGroup(p.ctx, &batch{group: []*pending{p}})
			if err == nil {
				p.finish(out[0].idx, out[0].err)
			} else {
				p.finish(nil, err)
			}
		}
	default:
		for _, p := range b.group {
			p.finish(nil, err)
		}
	}
}

// wholeStore reports whether a group's failure is the database's, not any
// one caller's: it is unavailable, or every caller has gone.
func wholeStore(ctx context.Context, err error) bool {
	return liaison.KindOf(err) == liaison.Unavailable || ctx.Err() != nil
}

// batch is a group of appends written in one transaction. A batch made by
// newBatch has the context the transaction runs in, which ends when the
// context of every caller in the group has ended, and not before; it grows
// (add) while the transaction waits for the log lock. A batch of one
// caller retried alone has neither.
type batch struct {
	group   []*pending
	records int // in group
	bytes   int // of bodies in group
	ctx     context.Context
	cancel  context.CancelFunc
	left    atomic.Int64 // callers whose context has not ended
	stops   []func() bool
}

// newBatch returns the batch of the live callers in group.
func newBatch(group []*pending) *batch {
	b := &batch{}
	b.ctx, b.cancel = context.WithCancel(context.WithoutCancel(group[0].ctx))
	b.left.Store(int64(len(group)))
	for _, p := range group {
		b.watch(p)
	}
	return b
}

// watch adds p to the group and its context to those the batch's ends
// with; the caller has counted it in left.
func (b *batch) watch(p *pending) {
	b.group = append(b.group, p)
	b.records, b.bytes = b.records+len(p.recs), b.bytes+p.bytes
	b.stops = append(b.stops, context.AfterFunc(p.ctx, func() {
		if b.left.Add(-1) == 0 {
			b.cancel()
		}
	}))
}

// add adds a caller to a batch whose transaction has begun.
func (b *batch) add(p *pending) {
	b.left.Add(1)
	b.watch(p)
}

// stop releases the batch's context.
func (b *batch) stop() {
	for _, stop := range b.stops {
		stop()
	}
	b.cancel()
}

// drain adds to b the appends queued while its transaction waited for the
// log lock, within the group bounds. On PostgreSQL the lock is a row that
// every node's appends wait for: what a node's callers send while it waits
// goes in the group it is about to write instead of the next, so the wait
// makes groups larger rather than more numerous. (On SQLite the write lock
// is taken at BEGIN, and there is rarely anything new by then.)
func (s *Store) drain(b *batch) {
	for b.records < maxGroupRecords && b.bytes < maxGroupBytes && b.ctx.Err() == nil {
		select {
		case p := <-s.appends:
			s.taken.Add(1)
			if err := p.ctx.Err(); err != nil {
				p.finish(nil, s.fail(p.ctx, "append", err))
				continue
			}
			b.add(p)
		default:
			return
		}
	}
}

// outcome is one caller's result within a group: the leaf indexes of its
// records, or the error (a conflict) that kept them out.
type outcome struct {
	idx []int64
	err error
}

// appendGroup runs a group's transaction. The first attempt writes without
// looking for conflicts, and lets the unique constraints find them: a group
// rarely holds one, and the query costs as much as a third of an append.
// When a constraint fails, the attempt is rolled back and the group is
// tried again, looking for conflicts first, so that only the callers with
// a conflict are left out (a failure then means another writer took the
// next leaf, see ledger.AppendTx, and the group is tried once more).
//
// With Dialect.NextRowid, the rows' leaf indexes are SQLite's next rowids,
// checked; when they are not (errRowidMoved), the group is tried again
// with the indexes given.
func (s *Store) appendGroup(ctx context.Context, b *batch) ([]outcome, error) {
	check, given := false, !s.d.NextRowid
	for attempt := 1; ; attempt++ {
		out, err := s.appendOnce(ctx, b, check, given)
		if attempt < appendAttempts && ctx.Err() == nil {
			switch {
			case errors.Is(err, errLeafTaken):
				check = true
				continue
			case errors.Is(err, errRowidMoved):
				given = true
				continue
			}
		}
		return out, err
	}
}

// appendOnce runs one append transaction for a group. Under the log lock
// no other append can write a record. When check is set, the records are
// looked for first, with one query per hundred records, and a caller with
// a conflict is left out; without it, any conflict fails the transaction
// with errLeafTaken. Then all the callers' rows are written with a few
// multi-row inserts: the round trips to the database do not grow with the
// number of records. Unless given is set, records and leaves are written
// without their leaf indexes (see nextrow.go).
func (s *Store) appendOnce(ctx context.Context, b *batch, check, given bool) ([]outcome, error) {
	t := time.Now()
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.fail(ctx, "append: begin", err)
	}
	// After Commit, Rollback does nothing.
	defer func() { _ = tx.Rollback() }()

	at := &appendTx{s: s, tx: tx}
	var head *sql.Row
	if s.lockHead != nil {
		head = tx.StmtContext(ctx, s.lockHead).QueryRowContext(ctx)
	} else {
		head = tx.QueryRowContext(ctx, s.d.LockHead)
	}
	if err := head.Scan(&at.size); err != nil {
		return nil, s.fail(ctx, "append: lock the log", err)
	}
	if b.ctx != nil {
		s.drain(b)
	}
	group := b.group
	at.start = at.size
	if at.read = s.edge.at(at.size); at.read == nil && at.size > 0 {
		// Another writer appended since: read the whole frontier, which
		// costs the same query as the hashes this append needs of it, so
		// that the next append from here reads none.
		if at.read, err = s.readHashes(ctx, tx, s.writeHash, frontier(at.size)); err != nil {
			return nil, err
		}
	}
	taken := names{ids: make(map[name]bool), keys: make(map[name]bool)}
	if check {
		var all []*liaison.StoredRecord
		for _, p := range group {
			all = append(all, p.recs...)
		}
		var err error
		if taken, err = s.stored(ctx, tx, all); err != nil {
			return nil, err
		}
	}
	start := at.size
	since(&s.phases.begin, &t)
	out := make([]outcome, len(group))
	// Room for the group's rows, leaves and stored hashes (about two per
	// leaf), so that the writer does not grow them as it goes: that was
	// 4% of its time.
	var n int
	for _, p := range group {
		n += len(p.recs)
	}
	rows := make([]any, 0, n*len(recordsTable.cols))
	at.leaves = make([]any, 0, n*len(leavesTable.cols))
	at.written = make([]tlog.Hash, 0, 2*n+64)
	at.upper = make([]byte, 0, (n+64)*tlog.HashSize)
	var open openCases
	for i, p := range group {
		if check {
			if err := taken.conflict(p.recs); err != nil {
				out[i].err = err
				continue
			}
			taken.claim(p.recs)
		}
		out[i].idx = make([]int64, len(p.recs))
		for j, r := range p.recs {
			leaf, err := ledger.AppendLeaf(ctx, at, r.Kind, r.ID, p.commitments[j])
			if err != nil {
				return nil, err
			}
			out[i].idx[j] = leaf.Index
			body := r.Body
			if body == nil {
				body = []byte{} // a body is never NULL
			}
			rows = append(rows, leaf.Index, r.Kind, r.ID, nullIfEmpty(r.Agency), nullIfEmpty(r.Person), nullIfEmpty(r.Parent),
				nullIfEmpty(r.Key), body, r.Salt[:], s.d.Time(r.At))
			open.add(r, leaf.Index)
		}
	}
	if len(rows) == 0 {
		return out, nil // every caller conflicts: nothing to write
	}
	since(&s.phases.leaves, &t)
	var res sql.Result
	if s.d.Bulk {
		if res, err = s.writeBulk(ctx, tx, rows, at.leaves, &open, at.size, start); err != nil {
			return nil, err
		}
	} else if given || start == 0 {
		if err := s.insert(ctx, tx, recordsTable, rows); err != nil {
			return nil, err
		}
		if err := s.insert(ctx, tx, leavesTable, at.leaves); err != nil {
			return nil, err
		}
	} else {
		if err := s.insertNext(ctx, tx, recordsNext, rows, at.size-1); err != nil {
			return nil, err
		}
		if err := s.insertNext(ctx, tx, leavesNext, at.leaves, at.size-1); err != nil {
			return nil, err
		}
	}
	if !s.d.Bulk {
		if err := open.write(ctx, s, tx); err != nil {
			return nil, err
		}
		if s.setHead != nil {
			res, err = tx.StmtContext(ctx, s.setHead).ExecContext(ctx, at.size, start)
		} else {
			res, err = tx.ExecContext(ctx, s.bind(setHeadSQL), at.size, start)
		}
		if err != nil {
			return nil, s.fail(ctx, "append: update the log head", err)
		}
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return nil, fmt.Errorf("%s: append: the log head moved from size %d during the append: %w", s.d.Name, start, errLeafTaken)
	}
	since(&s.phases.insert, &t)
	err = tx.Commit()
	since(&s.phases.commit, &t)
	if err != nil {
		s.edge = edge{}
		return nil, s.fail(ctx, "append: commit", err)
	}
	s.edge = at.edge()
	s.groups.Add(1)
	s.records.Add(int64(len(rows) / len(recordsTable.cols)))
	return out, nil
}

// setHeadSQL moves the log head from the size an append found to the size
// it leaves.
const setHeadSQL = `UPDATE log_head SET size = ? WHERE id = 1 AND size = ?`

// name is a record's (kind, id) or (kind, key).
type name struct{ kind, v string }

// names are the ids and keys that are stored, or claimed by a caller ahead
// in the group.
type names struct{ ids, keys map[name]bool }

// conflict returns an error of kind Conflicting naming the first of recs
// whose (kind, id) or (kind, key) is taken.
func (n names) conflict(recs []*liaison.StoredRecord) error {
	for _, r := range recs {
		if n.ids[name{r.Kind, r.ID}] {
			return liaison.Errorf(liaison.Conflicting, "id", "record %s/%s is already stored", r.Kind, r.ID)
		}
		if r.Key != "" && n.keys[name{r.Kind, r.Key}] {
			return liaison.Errorf(liaison.Conflicting, "key", "a %s record with the same key is already stored", r.Kind)
		}
	}
	return nil
}

// claim marks the ids and keys of recs as taken.
func (n names) claim(recs []*liaison.StoredRecord) {
	for _, r := range recs {
		n.ids[name{r.Kind, r.ID}] = true
		if r.Key != "" {
			n.keys[name{r.Kind, r.Key}] = true
		}
	}
}

// conflictChunk bounds the records one conflict query asks about.
const conflictChunk = 100

// stored returns which of the ids and keys of recs are already stored.
func (s *Store) stored(ctx context.Context, tx *sql.Tx, recs []*liaison.StoredRecord) (names, error) {
	n := names{ids: make(map[name]bool), keys: make(map[name]bool)}
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
			return names{}, err
		}
		for _, f := range found {
			n.ids[name{f[0].String, f[1].String}] = true
			if f[2].Valid {
				n.keys[name{f[0].String, f[2].String}] = true
			}
		}
	}
	return n, nil
}

// nullIfEmpty is v, or NULL when v is empty (see recordsTable).
func nullIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}
