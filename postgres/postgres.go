// Package postgres is liaison's store on PostgreSQL (15 or later), for a
// state or a federation of agencies served by several `liaison serve`
// nodes. It connects with pgx through a pgxpool pool, and runs the same code
// as package sqlite (package sqlstore, over database/sql with pgx's stdlib
// adapter); both pass the contract suite in package storetest.
//
// Appends from every node are serialized by a row lock on the one-row
// log_head table, taken before the tree size is read, so the log grows one
// transaction at a time without gaps; within a node, the appends that queue
// while one transaction runs, or waits for that lock, share it (group
// commit, see package sqlstore), and a group's rows are written with one
// statement (sqlstore.Dialect.Bulk). Durability is PostgreSQL's: with the
// default synchronous_commit=on, a commit is flushed to the WAL before
// Append returns. Do not run liaison on a server with synchronous_commit=off
// or fsync=off.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"liaison"
	"liaison/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLockKey is the pg_advisory_xact_lock key that serializes
// migrations, so that nodes started at once migrate one at a time.
const migrateLockKey = 0x6c69_6169_736f_6e // "liaison"

// Store is liaison's store in a PostgreSQL database: a liaison.Store and a
// ledger.Store (its methods are sqlstore.Store's).
type Store struct {
	*sqlstore.Store
	pool   *pgxpool.Pool
	leases leases
}

// Open connects to the database at dsn (a URL such as
// postgres://liaison@db.example.gov/liaison?sslmode=verify-full, or
// key=value pairs; pool_max_conns and the other pgxpool settings apply),
// creates the tables as needed and applies pending migrations. The tables
// go in the first schema of the connection's search_path. A database
// migrated by a newer liaison is an error.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn's message leaves the password out.
		return nil, &liaison.Error{Kind: liaison.Invalid, Message: "postgres: the connection string is not valid", Err: err}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &liaison.Error{Kind: liaison.Unavailable, Err: err,
			Message: fmt.Sprintf("postgres: cannot reach the database %q on %s:%d as %q (is the server running, and do the DSN's host, port, user and password match?)",
				cfg.ConnConfig.Database, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.User)}
	}
	db := stdlib.OpenDBFromPool(pool)
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(fmt.Sprintf("postgres: embedded migrations: %v", err))
	}
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: dialect(), Reader: db, Writer: db, Migrations: sub})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open %s on %s: %w", cfg.ConnConfig.Database, cfg.ConnConfig.Host, err)
	}
	return &Store{Store: s, pool: pool}, nil
}

// Close closes the store and its connection pool, and gives up its leases
// (see Lead).
func (s *Store) Close() error {
	err := errors.Join(s.leases.close(context.Background()), s.Store.Close())
	s.pool.Close()
	return err
}

// dialect is what PostgreSQL does its own way.
func dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:        "postgres",
		Numbered:    true,
		LockHead:    `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`,
		MigrateLock: fmt.Sprintf(`SELECT pg_advisory_xact_lock(%d)`, migrateLockKey),
		MigrationsTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`,
		Unique:            unique,
		Transient:         transient,
		SnapshotIsolation: sql.LevelRepeatableRead,
		Bulk:              true,
		Time:              func(t time.Time) any { return t },
	}
}

// unique reports a unique violation (SQLSTATE 23505) and the constraint it
// violated.
func unique(err error) (string, bool) {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23505" {
		return e.ConstraintName, true
	}
	return "", false
}

// transient reports failures that a retry later may not meet: the
// connection lost or refused, the server shutting down or out of
// connections, a serialization failure or deadlock.
func transient(err error) bool {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch {
		case len(e.Code) == 5 && e.Code[:2] == "08", // connection exception
			e.Code == "40001", // serialization_failure
			e.Code == "40P01", // deadlock_detected
			e.Code == "53300", // too_many_connections
			e.Code == "57P01", // admin_shutdown
			e.Code == "57P03": // cannot_connect_now
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err)
}
