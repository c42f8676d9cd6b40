// Package sqlstore is the Go code that liaison's two SQL stores, package
// sqlite and package postgres, have in common: appending records with their
// log leaves in one transaction, reading records back, the log's read side
// (tree size, stored hashes, leaves, checkpoints, the audit join) and the
// migration runner.
//
// Why one package and not two: the stores share one table layout and the
// same queries, and what differs is small, a Dialect: placeholders, how an
// append locks the log, how a unique violation and a transient failure are
// recognised (SQLite result codes, PostgreSQL SQLSTATEs, never error text),
// and how a time is stored. Each store keeps its own schema, as numbered
// migrations it embeds, opens its own connection pools, and fills in a
// Dialect; the logic is written once here, over database/sql (with pgx's
// stdlib adapter for PostgreSQL). Two full packages would repeat some seven
// hundred lines for a few dozen lines of difference.
//
// How an append works: Append queues its records for the store's one
// writer goroutine, which writes every append queued while its last
// transaction ran in one transaction (group commit, see group.go):
// concurrent appends share a commit and its fsync, and each caller still
// gets all or none of its own records. The transaction takes the log lock
// (SQLite's write lock; a row lock on log_head in PostgreSQL), reads the
// tree size, looks for stored records with the group's ids and keys (one
// query per hundred records: under the lock nothing else can add one) and
// leaves out the callers that conflict, computes the leaves and tree hashes
// with ledger.Append (the stored hashes of the tree's right edge kept from
// the writer's last commit, see frontier.go), writes records, leaves and
// hashes with a few multi-row inserts (on PostgreSQL one statement, with
// the head's move), advances log_head and commits. Its round trips do not
// grow with the group.
//
// Callers use package sqlite or package postgres; this package is their
// shared engine and is not meant to be used on its own.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"liaison"
	"liaison/ledger"
)

// Dialect is what one database engine does differently. Every query in this
// package is written once, with ? placeholders, each used once.
type Dialect struct {
	// Name names the engine in error messages: "sqlite", "postgres".
	Name string
	// Numbered says that placeholders are written $1, $2, … (PostgreSQL)
	// rather than ? (SQLite, which binds ? faster than its named $N
	// parameters: a 640-parameter insert spent a third of its time looking
	// up "$N" names).
	Numbered bool
	// LockHead is the query an append transaction runs first. It returns
	// the committed tree size (one row, one column, from log_head) and
	// keeps every other append out until the transaction ends: SQLite's
	// write lock (BEGIN IMMEDIATE) already does; PostgreSQL adds FOR
	// UPDATE.
	LockHead string
	// MigrateLock, when not empty, runs first in the migration
	// transaction, so that stores opened at once migrate one at a time.
	MigrateLock string
	// MigrationsTable creates the schema_migrations table if it is missing:
	// (version integer primary key, name text, applied_at).
	MigrationsTable string
	// Unique reports whether err is a unique or primary key violation and,
	// when the driver tells (PostgreSQL does, SQLite does not), the name of
	// the violated constraint. Appends find conflicts with a query before
	// they write, so this is the second line: see Store.Append.
	Unique func(err error) (constraint string, ok bool)
	// Transient reports whether err means "the database is busy or out of
	// reach, retry later" (an error of kind liaison.Unavailable).
	Transient func(err error) bool
	// Prepare says to prepare the statements of appends (the log head's
	// lock and update, the inserts) and the read of stored hashes once, and run them as prepared statements: for a
	// driver that parses every statement it is given anew (SQLite's),
	// where parsing a 2,000-parameter insert costs as much as running it,
	// and parsing the read is a third of an inclusion proof. pgx keeps a
	// statement cache of its own.
	Prepare bool
	// SnapshotIsolation is the isolation level of the read-only
	// transaction an audit reads in (see Store.Snapshot):
	// sql.LevelRepeatableRead on PostgreSQL; the default on SQLite, whose
	// read transactions see one snapshot already.
	SnapshotIsolation sql.IsolationLevel
	// Bulk says to write an append's rows and move the log head with one
	// statement whatever the group's size (bulkAppendSQL: arrays, unnested;
	// PostgreSQL), instead of a multi-row INSERT per table: one round trip
	// while the log lock is held, where each costs a node the lock's time
	// and the other nodes their wait.
	Bulk bool
	// NextRowid says to write records and leaves with INSERT OR ROLLBACK
	// and without their leaf index, which SQLite then gives them as
	// their rowid, and the open cases with INSERT OR ROLLBACK: statements
	// SQLite runs without a statement journal (see nextrow.go). Only with
	// Prepare.
	NextRowid bool
	// Time converts a record's time to a query argument. Read back, the
	// column must scan as time.Time or as int64 microseconds since the
	// Unix epoch.
	Time func(t time.Time) any
}

// Config says how to build a Store.
type Config struct {
	// Dialect is the engine's.
	Dialect Dialect
	// Reader runs reads: single statements, outside transactions.
	Reader *sql.DB
	// Writer runs the transactions that write (appends, checkpoints,
	// migrations). It may be Reader. For SQLite it is a pool of one
	// connection whose transactions begin IMMEDIATE, so that appends queue
	// in the process instead of spinning on SQLITE_BUSY.
	Writer *sql.DB
	// Migrations holds the schema as numbered files at its root:
	// 0001_init.sql, 0002_….sql, applied in order at New.
	Migrations fs.FS
	// AfterCommit, if set, runs on the writer goroutine after each append
	// transaction, with no transaction open on Writer and appends queueing
	// meanwhile: the place for upkeep that must not run beside a write
	// (package sqlite restarts its WAL there).
	AfterCommit func(ctx context.Context, writer *sql.DB)
	// Damage lists what the engine's own check of the database found
	// wrong before New (SQLite's quick_check): the store opens, reports
	// it from Health and refuses writes.
	Damage []string
	// Outside, if set, keeps the latest checkpoint outside the database,
	// and New and Health compare the tree with it too (see checkTree).
	Outside Outside
}

// Store is a liaison.Store and a ledger.Store over a SQL database. The
// sqlite and postgres packages embed it.
type Store struct {
	d      Dialect
	reader *sql.DB
	writer *sql.DB
	// appends queues appends for the writer goroutine (see group.go);
	// closing, once closed, stops it, and it closes writerDone when it
	// has stopped.
	appends    chan *pending
	closing    chan struct{}
	closeOnce  sync.Once
	writerDone chan struct{}
	// groups counts the append transactions committed, records the
	// records in them; latency times the calls to Append (see Stats).
	groups  atomic.Int64
	records atomic.Int64
	// queued counts the callers waiting to hand an append to the writer,
	// taken the appends the writer has taken.
	queued, taken atomic.Int64
	latency       latencies
	// phases times the writer's work, see WriterTimes.
	phases writerPhases
	// stmts are the prepared inserts, when Dialect.Prepare is set. Only
	// the writer goroutine uses them. readHash and writeHash read stored
	// hashes, on the reader and the writer pool, by number of indexes.
	stmts               map[stmtKey]*sql.Stmt
	readHash, writeHash map[int]*sql.Stmt
	// lockHead and setHead are Dialect.LockHead and the update of the
	// log head, prepared on the writer with stmts.
	lockHead, setHead *sql.Stmt
	// readStmts are the prepared reads of records, by query (see
	// readStmt); readStmtCount counts them.
	readStmts     sync.Map
	readStmtCount atomic.Int64
	// upper keeps the stored hashes of the tree's upper levels once read.
	upper hashCache
	// edge is the right edge of the tree this store's last append left;
	// only the writer goroutine uses it (see frontier.go).
	edge edge
	// afterCommit is Config.AfterCommit.
	afterCommit func(ctx context.Context, writer *sql.DB)
	// damage, once set, is why the store refuses writes (see Health).
	damage atomic.Pointer[liaison.Error]
	// outside is Config.Outside.
	outside Outside
}

var (
	_ liaison.Store = (*Store)(nil)
	_ ledger.Store  = (*Store)(nil)
)

// New applies the pending migrations, compares the log's tree with its last
// signed checkpoint, and returns the store. Damage found then (or listed in
// c.Damage) does not fail New: the store opens, Health reports the damage,
// and writes are refused, so that what is left can still be read. New
// takes over the pools: Close closes them, and so does New when it fails.
func New(ctx context.Context, c Config) (*Store, error) {
	s := &Store{d: c.Dialect, reader: c.Reader, writer: c.Writer, afterCommit: c.AfterCommit, outside: c.Outside,
		appends: make(chan *pending), closing: make(chan struct{}), writerDone: make(chan struct{})}
	err := s.migrate(ctx, c.Migrations)
	if err == nil && s.d.Prepare {
		err = s.prepare(ctx)
	}
	if err == nil {
		problems := c.Damage
		var problem string
		if problem, err = s.checkTree(ctx); problem != "" {
			problems = append(problems, problem)
		}
		if len(problems) > 0 {
			s.damaged(problems)
		}
	}
	if err != nil {
		close(s.writerDone) // no writer was started
		return nil, errors.Join(err, s.Close())
	}
	go s.writeLoop()
	return s, nil
}

// Close stops the writer, once it has committed the group it is writing,
// and closes the store's connection pools. Appends made after Close fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closing) })
	<-s.writerDone
	var err error
	for _, stmt := range s.stmts {
		err = errors.Join(err, stmt.Close())
	}
	for _, stmt := range []*sql.Stmt{s.lockHead, s.setHead} {
		if stmt != nil {
			err = errors.Join(err, stmt.Close())
		}
	}
	for _, stmts := range []map[int]*sql.Stmt{s.readHash, s.writeHash} {
		for _, stmt := range stmts {
			err = errors.Join(err, stmt.Close())
		}
	}
	err = errors.Join(err, s.closeReadStmts(), s.reader.Close())
	if s.writer != s.reader {
		err = errors.Join(err, s.writer.Close())
	}
	if err != nil {
		return fmt.Errorf("%s: close: %w", s.d.Name, err)
	}
	return nil
}

// bind returns query, written with ? placeholders, in the dialect's.
func (s *Store) bind(query string) string {
	if !s.d.Numbered {
		return query
	}
	b := make([]byte, 0, len(query)+len(query)/8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] != '?' {
			b = append(b, query[i])
			continue
		}
		n++
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

// fail wraps a database error with the operation that met it. A transient
// failure becomes an error of kind liaison.Unavailable; when ctx is done,
// its error is wrapped too, so that errors.Is(err, context.Canceled) holds
// whatever the driver made of the cancellation.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w: %w", ctxErr, err)
	}
	if s.d.Transient != nil && s.d.Transient(err) {
		return &liaison.Error{Kind: liaison.Unavailable, Message: fmt.Sprintf("%s: %s: the database is busy or unreachable; retry later", s.d.Name, op), Err: err}
	}
	return fmt.Errorf("%s: %s: %w", s.d.Name, op, err)
}
