package postgres

import (
	"io/fs"
	"testing"
	"testing/fstest"

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
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_lean_indexes.sql"} {
		b, err := fs.ReadFile(migrations, "migrations/"+name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: b}
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	db := stdlib.OpenDBFromPool(pool)
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: dialect(), Reader: db, Writer: db, Migrations: old})
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
	for i, r := range l.Records {
		var key any
		if r.Key != "" {
			key = r.Key
		}
		if _, err := tx.Exec(ctx, `INSERT INTO records (leaf_index, kind, id, agency, person, parent, key, body, salt, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.Index, r.Kind, r.ID, r.Agency, r.Person, r.Parent, key, r.Body, r.Salt[:], r.At); err != nil {
			t.Fatal(err)
		}
		lf := l.Leaves[i]
		if _, err := tx.Exec(ctx, `INSERT INTO leaves (idx, kind, id, commitment) VALUES ($1, $2, $3, $4)`, lf.Index, lf.Kind, lf.ID, lf.Commitment[:]); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range l.Hashes {
		if _, err := tx.Exec(ctx, `INSERT INTO hashes (idx, hash) VALUES ($1, $2)`, i, h[:]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE log_head SET size = $1`, len(l.Records)); err != nil {
		t.Fatal(err)
	}
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
