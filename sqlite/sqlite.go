// Package sqlite is liaison's embedded store: the records and the Merkle log
// in one SQLite file, through modernc.org/sqlite (pure Go, no cgo). It is the
// default for a single agency; package postgres serves larger deployments.
// Both run the same code, in package sqlstore, and pass the same contract
// suite, in package storetest.
//
// The database runs in WAL mode, so readers never wait for the writer. All
// writes go through one connection whose transactions begin IMMEDIATE, and
// appends go through the store's one writer goroutine, which commits every
// append queued while its last transaction ran as one transaction (group
// commit, see package sqlstore): the log grows one transaction at a time,
// and concurrent appends share a sync. Statements are prepared once: the
// driver would parse each anew.
//
// Durability: by default synchronous=FULL, so a write is on disk when Append
// returns and survives a power loss or an operating-system crash, not only
// the process being killed. This matters beyond the records themselves: a
// checkpoint signed and published over leaves that a crash then rolls back
// would make the log look forked to every witness. NORMAL (WithSynchronous)
// is faster and still survives the process being killed (SIGKILL), but may
// lose the last commits on power loss. BenchmarkAppend measures the cost: on
// a 2-core VM, FULL gave about 2,700 single-record appends a second from one
// goroutine against NORMAL's 7,000; 38,000 records a second (NORMAL 44,000)
// in batches of 64, where one sync serves the whole batch; and 22,000 (NORMAL
// 30,000) from 32 goroutines appending one record each, which group commit
// writes together.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"liaison"
	"liaison/sqlstore"
)

// pageSize is the page size of a database Open creates (SQLite's default is
// 4,096 bytes; a database made before keeps its own, which WAL mode does
// not let change). Each page a commit changes is a WAL frame, written with
// two pwrite calls and copied into the database file by the checkpointer: an
// intake changes a page or more of each of about a dozen B-trees. In
// BenchmarkAppendIntake (sqlite), intake-shaped appends from 32 callers, on a
// shared 2-CPU machine, 8,192-byte pages took 308–417 µs of CPU per intake
// against 367–475 µs for 4,096 (five rounds alternating; 32% fewer pwrite
// calls, counted with strace); 16,384 took fewer calls still but more CPU
// in fixed groups of eight intakes (386–517 against 355–400 µs).
const pageSize = 8192

//go:embed migrations/*.sql
var migrations embed.FS

// Store is liaison's store in one SQLite file: a liaison.Store and a
// ledger.Store (its methods are sqlstore.Store's).
type Store struct {
	*sqlstore.Store
	ckpt *checkpointer
	// check is what Open's integrity check found (see IntegrityCheck).
	check string
	// uri is the database's file: URI, for Backup's connection.
	uri string
}

// An Option changes how Open opens the database.
type Option func(*config) error

type config struct {
	synchronous string
	busyTimeout time.Duration
	check       string        // quick, full or off
	checkBudget time.Duration // 0: no bound
	checkTables []string      // none: the whole file
	now         func() time.Time
}

// WithClock sets the clock Open times its integrity check with (default
// time.Now).
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now
		return nil
	}
}

// WithSynchronous sets SQLite's synchronous setting for writes: "FULL" (the
// default: a write acknowledged is on disk), "EXTRA" (FULL, and the
// directory is synced too), or "NORMAL" (in WAL mode, a write survives the
// process being killed but not a power loss). OFF is refused: liaison's
// writes must survive a crash.
func WithSynchronous(mode string) Option {
	return func(c *config) error {
		switch m := strings.ToUpper(mode); m {
		case "FULL", "EXTRA", "NORMAL":
			c.synchronous = m
			return nil
		}
		return liaison.Errorf(liaison.Invalid, "synchronous", "SQLite synchronous mode %q: want FULL, EXTRA or NORMAL", mode)
	}
}

// WithBusyTimeout sets how long a write waits for another process that
// holds the database's write lock (default 10s) before it fails with an
// error of kind liaison.Unavailable.
func WithBusyTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return liaison.Errorf(liaison.Invalid, "busy_timeout", "negative busy timeout %v", d)
		}
		c.busyTimeout = d
		return nil
	}
}

// Open opens the SQLite database at path, creating the file (readable by
// its owner only, as it holds personal data) and its tables as needed, and
// applies pending migrations. A database written by a newer liaison is an
// error.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	c := config{synchronous: "FULL", busyTimeout: 10 * time.Second, check: "quick", checkBudget: 10 * time.Second, now: time.Now}
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// SQLite would create the file with the umask's permissions; create it
	// first with 0600 (its -wal and -shm files follow the file's mode).
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s (does its folder exist and can liaison write there?): %w", abs, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}

	// A file: URI keeps a '?' or '#' in the path from being read as
	// parameters.
	uri := (&url.URL{Scheme: "file", OmitHost: true, Path: abs}).String()
	busy := fmt.Sprintf("busy_timeout(%d)", c.busyTimeout.Milliseconds())
	// The writer does not code CHECK constraints (ignore_check_constraints):
	// the only ones on what it writes are a salt's length, which the Go type
	// fixes at 32 bytes, and the log and replay heads' id = 1, which no
	// statement changes; but coding length(salt) = 32 is a function call,
	// which makes SQLite give the multi-row INSERT into records a statement
	// journal (see sqlstore's nextrow.go). Other connections, and
	// integrity_check, still check them. The writer keeps statement
	// journals, where another multi-row write needs one, in memory, and
	// leaves WAL
	// checkpoints to the checkpointer's connection, so that copying pages
	// into the database file never holds up a commit. A new database gets
	// pages of pageSize bytes; the driver runs _pragma in sorted order and
	// _journal_mode after them, so page_size comes before the switch to WAL,
	// which fixes it.
	w := url.Values{"_pragma": {busy, "page_size(" + strconv.Itoa(pageSize) + ")", "synchronous(" + c.synchronous + ")",
		"temp_store(MEMORY)", "wal_autocheckpoint(0)", "cache_size(-65536)", "ignore_check_constraints(1)"}, "_journal_mode": {"WAL"}, "_txlock": {"immediate"}}
	r := url.Values{"_pragma": {busy}, "_query_only": {"1"}}

	writer, err := sql.Open("sqlite", uri+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	reader, err := sql.Open("sqlite", uri+"?"+r.Encode())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s: %w", abs, err), writer.Close())
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)

	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(fmt.Sprintf("sqlite: embedded migrations: %v", err))
	}
	// Check the file before anything writes to it.
	damage, check, err := integrityCheck(ctx, reader, c, c.now)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s: integrity check: %w", abs, err), writer.Close(), reader.Close())
	}
	ck, err := startCheckpointer(abs, uri, busy, c.synchronous)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s: %w", abs, err), writer.Close(), reader.Close())
	}
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: dialect(), Reader: reader, Writer: writer, Migrations: sub,
		AfterCommit: ck.afterCommit, Damage: damage, Outside: newCheckpointFile(abs)})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("sqlite: open %s: %w", abs, err), ck.stop())
	}
	return &Store{Store: s, ckpt: ck, check: check, uri: uri}, nil
}

// Close closes the store, then stops the checkpointer, which copies the
// whole WAL into the database file one last time.
func (s *Store) Close() error {
	err := s.Store.Close()
	return errors.Join(err, s.ckpt.stop())
}

// dialect is what SQLite does its own way.
func dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name: "sqlite",
		// BEGIN IMMEDIATE has taken the write lock already.
		LockHead: `SELECT size FROM log_head WHERE id = 1`,
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))`,
		Unique:    unique,
		Transient: transient,
		Prepare:   true,
		NextRowid: true,
		Time:      func(t time.Time) any { return t.UnixMicro() },
	}
}

// code returns err's SQLite extended result code, or 0.
func code(err error) int {
	var e *msqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// unique reports a unique or primary key violation. SQLite does not name
// the constraint in its result code; a failed statement leaves the
// transaction open, so the store asks.
func unique(err error) (string, bool) {
	switch code(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return "", true
	}
	return "", false
}

// transient reports the database locked by another process beyond the busy
// timeout.
func transient(err error) bool {
	switch code(err) & 0xff { // the primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
