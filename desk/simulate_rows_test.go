package desk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the tamperer's connection to PostgreSQL

	"liaison"
	"liaison/desk"
	"liaison/history"
	"liaison/law"
	"liaison/packs"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

// replayStore is a store with replay rows, as the SQL stores are.
type replayStore interface {
	liaison.Store
	liaison.ReplayIndex
	TreeSize(ctx context.Context) (int64, error)
}

// TestReplayRowsTampered: on both stores, the replay rows are filled on
// first use (none before, up to the log's size after), CheckReplay finds
// nothing wrong with them, and then names each row edited, deleted or
// added around the log, and a fact set edited, which a simulation also
// refuses.
func TestReplayRowsTampered(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			ctx := t.Context()
			var s replayStore
			var raw *sql.DB
			var err error
			switch kind {
			case "sqlite":
				path := filepath.Join(t.TempDir(), "replay.db")
				if s, err = sqlite.Open(ctx, path); err == nil {
					raw, err = sql.Open("sqlite", "file:"+path)
				}
			case "postgres":
				dsn := storetest.PostgresSchema(t)
				if s, err = postgres.Open(ctx, dsn); err == nil {
					raw, err = sql.Open("pgx", dsn)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close(); raw.Close() })
			set, err := law.Load(packs.FS())
			if err != nil {
				t.Fatal(err)
			}
			sealer, err := desk.NewSealer(bytes.Repeat([]byte{9}, 32), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := history.Generate(ctx, history.Config{Store: s, Law: set, Sealer: sealer,
				Options: history.Options{Seed: 7, Now: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), Cases: 40}}); err != nil {
				t.Fatal(err)
			}
			if n, err := s.ReplaySize(ctx); err != nil || n != 0 {
				t.Fatalf("ReplaySize before the first use = %d, %v; want 0", n, err)
			}
			if _, err := desk.Simulate(ctx, s, set, proposal(t), desk.SimulateOptions{}); err != nil {
				t.Fatal(err)
			}
			size, err := s.TreeSize(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := s.ReplaySize(ctx); err != nil || n != size {
				t.Fatalf("ReplaySize after a simulation = %d, %v; want the log's %d", n, err, size)
			}
			problems := func() []string {
				var out []string
				for p, err := range desk.CheckReplay(ctx, s, s) {
					if err != nil {
						t.Fatal(err)
					}
					if p.Kind != "derived" {
						t.Errorf("CheckReplay: a problem of kind %s, want derived: %s", p.Kind, p.Message)
					}
					out = append(out, p.Message)
				}
				return out
			}
			if p := problems(); len(p) != 0 {
				t.Fatalf("CheckReplay of rows as filled: %q", p)
			}
			var ids []string
			var indexes []int64
			if err := s.ReplayRows(ctx, "", 0, 1<<62, func(r *liaison.ReplayRow) error {
				ids, indexes = append(ids, r.ID), append(indexes, r.Index)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(ids) < 3 {
				t.Fatalf("%d replay rows, want at least 3", len(ids))
			}
			q := func(query string, args ...any) {
				t.Helper()
				if kind == "postgres" {
					for i := 1; strings.Contains(query, "?"); i++ {
						query = strings.Replace(query, "?", "$"+string(rune('0'+i)), 1)
					}
				}
				if _, err := raw.ExecContext(ctx, query, args...); err != nil {
					t.Fatal(err)
				}
			}
			q(`UPDATE replay_rows SET outcome = outcome || 'x' WHERE leaf_index = ?`, indexes[0])
			q(`DELETE FROM replay_rows WHERE leaf_index = ?`, indexes[1])
			q(`INSERT INTO replay_rows (leaf_index, agency, id, request, action, as_of, facts, times, outcome, decisive, pack_set, engine)
				SELECT 1, agency, 'dec_made_up', request, action, as_of, facts, times, outcome, decisive, pack_set, engine FROM replay_rows WHERE leaf_index = ?`, indexes[2])
			got := strings.Join(problems(), "\n")
			for _, want := range []string{"decision " + ids[0] + " (leaf", "decision " + ids[1] + " (leaf", "dec_made_up"} {
				if !strings.Contains(got, want) {
					t.Errorf("CheckReplay after tampering:\n%s\nnames no %s", got, want)
				}
			}
			q(`UPDATE replay_facts SET body = replace(body, '"us/', '"us/ ')`)
			if got := strings.Join(problems(), "\n"); !strings.Contains(got, "fact set") {
				t.Errorf("CheckReplay after editing the fact sets:\n%s\nnames none", got)
			}
			if _, err := desk.Simulate(ctx, s, set, proposal(t), desk.SimulateOptions{}); liaison.KindOf(err) != liaison.Conflicting {
				t.Errorf("Simulate over edited fact sets = %v, want a conflict", err)
			}
		})
	}
}
