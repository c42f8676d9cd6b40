package desk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

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
			set := smallHistory(t, s, 7)
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
			var pages []liaison.ReplayPage
			if err := s.ReplayPages(ctx, "", math.MinInt64, math.MaxInt64, func(p *liaison.ReplayPage) error {
				pages = append(pages, *p)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(pages) < 3 {
				t.Fatalf("%d replay pages, want at least 3", len(pages))
			}
			strs, err := s.ReplayStrings(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The short strings alone, and the long ones by number (as a
			// simulation reads them), are the same strings.
			short, long, err := s.ReplayShortStrings(ctx, 200)
			if err != nil || len(short) != len(strs) || len(long) == 0 || len(long) == len(strs) {
				t.Fatalf("ReplayShortStrings(200) = %d strings, %d long, %v; want %d, some long, some not", len(short), len(long), err, len(strs))
			}
			ids := []int64{0}
			for i, v := range short {
				isLong := len(long) > 0 && long[0] == int64(i)
				if isLong {
					long = long[1:]
					ids = append(ids, int64(i))
				}
				if isLong != (utf8.RuneCountInString(strs[i]) > 200) || (!isLong && v != strs[i]) || (isLong && v != "") {
					t.Errorf("ReplayShortStrings(200): string %d = %q, long %v; want %q", i, v, isLong, strs[i])
				}
			}
			slices.Reverse(ids)
			byNumber, err := s.ReplayStringsOf(ctx, ids)
			if err != nil || len(byNumber) != len(ids) {
				t.Fatalf("ReplayStringsOf(%d numbers) = %d strings, %v", len(ids), len(byNumber), err)
			}
			for i, id := range ids {
				if byNumber[i] != strs[id] {
					t.Errorf("ReplayStringsOf: string %d = %q, want %q", id, byNumber[i], strs[id])
				}
			}
			if _, err := s.ReplayStringsOf(ctx, []int64{1, int64(len(strs))}); liaison.KindOf(err) != liaison.Conflicting {
				t.Errorf("ReplayStringsOf a number past the strings: %v, want a conflict", err)
			}
			first := func(p liaison.ReplayPage) string {
				t.Helper()
				var id string
				if err := s.ReplayPages(ctx, p.Agency, p.From, p.From+1, func(q *liaison.ReplayPage) error {
					if q.Page == p.Page {
						// Its first row's decision: the one at leaf First.
						rec, err := s.List(ctx, liaison.Filter{Kind: liaison.KindDecision, From: q.First, Limit: 1})
						if err != nil || len(rec) == 0 || rec[0].Index != q.First {
							t.Fatalf("the decision at leaf %d: %v, %v", q.First, rec, err)
						}
						id = rec[0].ID
					}
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return id
			}
			edited, deleted, copied := first(pages[0]), first(pages[1]), first(pages[2])
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
			// The first row's outcome made another string (its action's).
			body := desk.EditReplayPage(pages[0].Body, len(strs), 0)
			if body == nil || bytes.Equal(body, pages[0].Body) {
				t.Fatalf("EditReplayPage did not edit page 0 of %s", pages[0].Agency)
			}
			q(`UPDATE replay_pages SET body = ? WHERE agency = ? AND page = ?`, body, pages[0].Agency, pages[0].Page)
			q(`DELETE FROM replay_pages WHERE agency = ? AND page = ?`, pages[1].Agency, pages[1].Page)
			q(`INSERT INTO replay_pages (agency, page, first_leaf, last_leaf, from_as_of, to_as_of, n_rows, body)
				SELECT agency, 99, first_leaf, last_leaf, from_as_of, to_as_of, n_rows, body FROM replay_pages WHERE agency = ? AND page = ?`, pages[2].Agency, pages[2].Page)
			got := strings.Join(problems(), "\n")
			for _, want := range []string{
				"decision " + edited + " (leaf", "edited",
				"decision " + deleted + " (leaf", "deleted",
				"page 99 of agency " + pages[2].Agency + ": the row of decision " + copied, "added"} {
				if !strings.Contains(got, want) {
					t.Errorf("CheckReplay after tampering:\n%s\nnames no %s", got, want)
				}
			}
			q(`UPDATE replay_strings SET value = value || 'x' WHERE id = 0`)
			if got := strings.Join(problems(), "\n"); !strings.Contains(got, "string 0 is not what the records give") {
				t.Errorf("CheckReplay after editing a string:\n%s\nnames none", got)
			}
			// The deleted page back, so that every agency (the one the
			// proposal affects too) has pages, then every page broken.
			d := pages[1]
			q(`INSERT INTO replay_pages (agency, page, first_leaf, last_leaf, from_as_of, to_as_of, n_rows, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				d.Agency, d.Page, d.First, d.Last, d.From, d.To, d.Rows, d.Body)
			q(`UPDATE replay_pages SET body = ?`, []byte{0})
			if got := strings.Join(problems(), "\n"); !strings.Contains(got, "does not decode") {
				t.Errorf("CheckReplay after breaking the pages:\n%s\nnames none", got)
			}
			if _, err := desk.Simulate(ctx, s, set, proposal(t), desk.SimulateOptions{}); liaison.KindOf(err) != liaison.Conflicting {
				t.Errorf("Simulate over pages that do not decode = %v, want a conflict", err)
			}
		})
	}
}

// smallHistory generates 40 cases of the demo's history into s, and
// returns the bundled law it decided them by.
func smallHistory(t *testing.T, s liaison.Store, seed uint64) *law.Set {
	t.Helper()
	set, err := law.Load(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	generateHistory(t, s, set, seed, 40)
	return set
}

// generateHistory fills s with the demo generator's history of the given
// cases (seed, and the same day each time), decided under set.
func generateHistory(t testing.TB, s liaison.Store, set *law.Set, seed uint64, cases int) *history.Result {
	t.Helper()
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{9}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	res, err := history.Generate(t.Context(), history.Config{Store: s, Law: set, Sealer: sealer,
		Options: history.Options{Seed: seed, Now: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC), Cases: cases}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// sizedStore is a store whose log ends at tree for the fill.
type sizedStore struct {
	replayStore
	tree int64
}

func (s sizedStore) TreeSize(context.Context) (int64, error) { return s.tree, nil }

// staleSize is an index whose first ReplaySize is stale: a fill ran
// between it and the reads after.
type staleSize struct {
	replayStore
	calls *int
	stale int64
}

func (s staleSize) ReplaySize(ctx context.Context) (int64, error) {
	if *s.calls++; *s.calls == 1 {
		return s.stale, nil
	}
	return s.replayStore.ReplaySize(ctx)
}

// TestReplayFillResumes: rows filled in two goes (the second resuming
// each agency's last page) are those derived in one, as CheckReplay
// finds; and CheckReplay running while a fill adds rows past the size it
// read first reports none of them as added.
func TestReplayFillResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a history")
	}
	ctx := t.Context()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "replay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	smallHistory(t, s, 8)
	size, err := s.TreeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	half := size / 2
	if err := desk.FillReplay(ctx, sizedStore{s, half}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ReplaySize(ctx); err != nil || n != half {
		t.Fatalf("ReplaySize after filling half = %d, %v; want %d", n, err, half)
	}
	if err := desk.FillReplay(ctx, s); err != nil {
		t.Fatal(err)
	}
	for p, err := range desk.CheckReplay(ctx, s, s) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("CheckReplay of rows filled in two goes: %s", p.Message)
	}
	calls := 0
	for p, err := range desk.CheckReplay(ctx, s, staleSize{s, &calls, half}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("CheckReplay while a fill goes on from %d to %d: %s", half, size, p.Message)
	}
	if calls < 2 {
		t.Errorf("CheckReplay read the size %d times, want it read again after the rows", calls)
	}
}
