package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"liaison/sqlstore"
	"liaison/storetest"
)

// TestMigrateHashesIntoLeaves opens a database written before migration
// 0003 (stored hashes in a table of their own) and checks the log after
// the store has migrated it.
func TestMigrateHashesIntoLeaves(t *testing.T) {
	ctx := t.Context()
	dsn := freshSchema(t)

	// The schema as of migration 0002, through the store's own migration
	// code.
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: dialect(), Reader: db, Writer: db, Migrations: storetest.MigrationsUpTo(t, migrations, "0002")})
	if err != nil {
		t.Fatalf("migrate to 0002: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A log of 1,000 records (stored hashes up to level 9) as 0002 kept it.
	l := storetest.NewLegacyLog(t, 1000)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	l.Write(t, func(query string, args ...any) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}, dialect().Time)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	st, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open(a database at migration 0002) = %v", err)
	}
	defer st.Close()
	storetest.CheckMigrated(t, st, l)
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'hashes'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after the migration: table hashes still there (%d, %v)", n, err)
	}
}
