package storetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"liaison"
)

// Place is one database that a store can be opened on again and again: a
// file, or a PostgreSQL schema.
type Place struct {
	// Open opens a store on the place, migrating it as needed.
	Open func(ctx context.Context) (Store, error)
	// Tamper runs SQL on the place behind the store's back.
	Tamper func(ctx context.Context, query string, args ...any) error
	// Forget, if set, removes what the store keeps of the log outside the
	// database (SQLite's checkpoint file), as an operator who accepts a
	// loss would.
	Forget func() error
}

// RunReopen checks what holds across opens of one database: records and
// the log persist, opening a migrated database changes nothing, stores
// opened at once all succeed, a database from a newer schema is refused
// with a message that says so, and a log that no longer extends its last
// signed checkpoint is reported and refuses writes. place returns a new, empty place.
func RunReopen(t *testing.T, place func(t *testing.T) Place) {
	t.Run("Persists", func(t *testing.T) {
		p := place(t)
		s := mustOpen(t, p)
		r := withKey(NewRecord(t, liaison.KindRequest, "r1"), "ag/k1")
		mustAppend(t, s, r, NewRecord(t, liaison.KindDecision, "d1"))
		closeStore(t, s)

		s = mustOpen(t, p)
		defer closeStore(t, s)
		get(t, s, r)
		checkLog(t, s, 2)
		next := NewRecord(t, liaison.KindDecision, "d2")
		mustAppend(t, s, next)
		if next.Index != 2 {
			t.Errorf("Append after reopening: Index = %d, want 2", next.Index)
		}
	})

	t.Run("MigratesOnce", func(t *testing.T) {
		p := place(t)
		closeStore(t, mustOpen(t, p))
		closeStore(t, mustOpen(t, p))
		// A second migration run would fail on the primary key; count the
		// rows anyway, through the tamper door: inserting version 1 again
		// must fail because it is there once.
		if err := p.Tamper(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (1, 'again')`); err == nil {
			t.Errorf("schema_migrations accepted version 1 again: it was not recorded")
		}
	})

	t.Run("OpenAtOnce", func(t *testing.T) {
		p := place(t)
		const n = 4
		var wg sync.WaitGroup
		stores := make([]Store, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { stores[i], errs[i] = p.Open(t.Context()) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("Open #%d of %d at once = %v", i+1, n, errs[i])
				continue
			}
			mustAppend(t, stores[i], NewRecord(t, liaison.KindRead, fmt.Sprint("read-", i)))
		}
		for _, s := range stores {
			if s != nil {
				closeStore(t, s)
			}
		}
	})

	t.Run("NewerSchema", func(t *testing.T) {
		p := place(t)
		closeStore(t, mustOpen(t, p))
		if err := p.Tamper(t.Context(), `INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')`); err != nil {
			t.Fatal(err)
		}
		s, err := p.Open(t.Context())
		if err == nil {
			closeStore(t, s)
			t.Fatalf("Open(a database at schema version 9999) succeeded")
		}
		if msg := err.Error(); !strings.Contains(msg, "9999") || !strings.Contains(msg, "newer") {
			t.Errorf("Open(a database at schema version 9999) = %q, want a message that names the version and says it is newer", msg)
		}
	})

	t.Run("Damage", func(t *testing.T) { testDamage(t, place) })
}

func mustOpen(t *testing.T, p Place) Store {
	t.Helper()
	s, err := p.Open(t.Context())
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	return s
}

func closeStore(t *testing.T, s Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}
