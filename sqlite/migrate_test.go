package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"

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
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_lean_indexes.sql"} {
		b, err := fs.ReadFile(migrations, "migrations/"+name)
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: b}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	d := dialect()
	d.Prepare = false
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: d, Reader: db, Writer: db, Migrations: old})
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
	for i, r := range l.Records {
		var key any
		if r.Key != "" {
			key = r.Key
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO records (leaf_index, kind, id, agency, person, parent, key, body, salt, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Index, r.Kind, r.ID, r.Agency, r.Person, r.Parent, key, r.Body, r.Salt[:], r.At.UnixMicro()); err != nil {
			t.Fatal(err)
		}
		lf := l.Leaves[i]
		if _, err := tx.ExecContext(ctx, `INSERT INTO leaves (idx, kind, id, commitment) VALUES (?, ?, ?, ?)`, lf.Index, lf.Kind, lf.ID, lf.Commitment[:]); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range l.Hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO hashes (idx, hash) VALUES (?, ?)`, i, h[:]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE log_head SET size = ?`, len(l.Records)); err != nil {
		t.Fatal(err)
	}
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
