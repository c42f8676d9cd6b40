package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"liaison/sqlstore"
	"liaison/storetest"
)

// TestMigrateHashesIntoLeaves opens a database written before migration
// 0003 (stored hashes in a table of their own) and checks the log after
// the store has migrated it.
func TestMigrateHashesIntoLeaves(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")

	// The schema as of migration 0002, through the store's own migration
	// code (without prepared statements, which are for the new schema).
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	d := dialect()
	d.Prepare = false
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: d, Reader: db, Writer: db, Migrations: storetest.MigrationsUpTo(t, migrations, "0002")})
	if err != nil {
		t.Fatalf("migrate to 0002: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A log of 1,000 records (stored hashes up to level 9) as 0002 kept it.
	l := storetest.NewLegacyLog(t, 1000)
	db, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	l.Write(t, func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}, d.Time)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(a database at migration 0002) = %v", err)
	}
	defer st.Close()
	storetest.CheckMigrated(t, st, l)
	ro, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var n int
	if err := ro.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'hashes'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after the migration: table hashes still there (%d, %v)", n, err)
	}
}
