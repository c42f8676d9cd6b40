package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"liaison/sqlstore"
	"liaison/storetest"
)

// TestMigrateReplayPages opens a database whose replay rows were filled
// under migration 0008 (a row per decision) and finds them dropped after
// migration 0009, the replay size back at 0 (the next simulation fills
// the pages), and the pages and strings empty.
func TestMigrateReplayPages(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	d := dialect()
	d.Prepare = false
	s, err := sqlstore.New(ctx, sqlstore.Config{Dialect: d, Reader: db, Writer: db, Migrations: storetest.MigrationsUpTo(t, migrations, "0008")})
	if err != nil {
		t.Fatalf("migrate to 0008: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = sql.Open("sqlite", path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO replay_facts (key, body) VALUES ('k', '{}')`,
		`INSERT INTO replay_rows (leaf_index, agency, id, request, action, as_of, facts, times, outcome, decisive, pack_set, engine)
			VALUES (3, 'agy_1', 'dec_1', 'req_1', 'honor_detainer', 0, 'k', '', 'forbidden', '', '', '')`,
		`UPDATE replay_head SET size = 4`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	st, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(a database at migration 0008) = %v", err)
	}
	defer st.Close()
	if n, err := st.ReplaySize(ctx); err != nil || n != 0 {
		t.Errorf("ReplaySize after migration 0009 = %d, %v; want 0 (the rows to be filled again)", n, err)
	}
	if strs, err := st.ReplayTails(ctx); err != nil || len(strs) != 0 {
		t.Errorf("ReplayTails after migration 0009 = %v, %v; want none", strs, err)
	}
	ro, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var n int
	if err := ro.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name IN ('replay_rows', 'replay_facts')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("after migration 0009: 0008's tables still there (%d, %v)", n, err)
	}
}
