package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"liaison"
	"liaison/ledger"
)

// testDamage checks that a store whose log no longer extends its last
// signed checkpoint says so when it opens (Health, of kind Unavailable,
// with what to do) and refuses writes, while reads go on: once when the
// newest leaves are deleted from under the checkpoint, once when the tree
// has been rolled back and grown again with other leaves.
func testDamage(t *testing.T, place func(t *testing.T) Place) {
	const size = 4
	// setup makes a log of size records with a signed checkpoint over
	// them, and returns the checkpoint's signed note and its signer.
	setup := func(t *testing.T, p Place) ([]byte, *ledger.Signer) {
		s := mustOpen(t, p)
		defer closeStore(t, s)
		for i := range size {
			mustAppend(t, s, NewRecord(t, liaison.KindRead, fmt.Sprint("r", i)))
		}
		healthy(t, s)
		signer, _ := NewSigner(t)
		cp, note, err := signer.SignTree(t.Context(), s, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteCheckpoint(t.Context(), cp, note); err != nil {
			t.Fatal(err)
		}
		healthy(t, s)
		return note, signer
	}
	rollBack := func(t *testing.T, p Place, to int64) {
		for _, q := range []string{`DELETE FROM records WHERE leaf_index >= $1`, `DELETE FROM leaves WHERE idx >= $1`, `UPDATE log_head SET size = $1`} {
			if err := p.Tamper(t.Context(), q, to); err != nil {
				t.Fatalf("tamper: %s: %v", q, err)
			}
		}
	}

	t.Run("LeavesDeleted", func(t *testing.T) {
		p := place(t)
		setup(t, p)
		rollBack(t, p, size-2)
		damaged(t, p, "fewer than the 4")
	})

	t.Run("RolledBackWhileOpen", func(t *testing.T) {
		p := place(t)
		_, signer := setup(t, p)
		s := mustOpen(t, p)
		defer closeStore(t, s)
		healthy(t, s)
		rollBack(t, p, size-2)
		if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(t.Context()); !errors.Is(err, ledger.ErrInconsistent) {
			t.Fatalf("Publish(tree rolled back behind its checkpoint) = %v, want ErrInconsistent", err)
		}
		if err := s.Append(t.Context(), NewRecord(t, liaison.KindRead, "after-rollback")); liaison.KindOf(err) != liaison.Unavailable {
			t.Errorf("Append(after Publish found the rollback) = %v, want the store's damage, of kind unavailable", err)
		}
	})

	t.Run("RolledBackAndRegrown", func(t *testing.T) {
		p := place(t)
		note, _ := setup(t, p)
		// Roll back behind the checkpoint, hide the checkpoint, grow the
		// log past it with other records, then put the checkpoint back.
		rollBack(t, p, size-2)
		if err := p.Tamper(t.Context(), `DELETE FROM checkpoints WHERE size = $1`, size); err != nil {
			t.Fatal(err)
		}
		if p.Forget != nil {
			if err := p.Forget(); err != nil {
				t.Fatal(err)
			}
		}
		s := mustOpen(t, p)
		healthy(t, s)
		for i := range 3 {
			mustAppend(t, s, NewRecord(t, liaison.KindRead, fmt.Sprint("other", i)))
		}
		closeStore(t, s)
		if err := p.Tamper(t.Context(), `INSERT INTO checkpoints (size, note) VALUES ($1, $2)`, size, note); err != nil {
			t.Fatal(err)
		}
		damaged(t, p, "at size 4 has root")
	})
}

// healthy fails the test unless s reports itself fit for writes.
func healthy(t *testing.T, s Store) {
	t.Helper()
	hr, ok := s.(liaison.HealthReporter)
	if !ok {
		t.Fatalf("%T is not a liaison.HealthReporter", s)
	}
	if err := hr.Health(t.Context()); err != nil {
		t.Fatalf("Health() = %v, want nil", err)
	}
}

// damaged opens p and checks that the store reports damage whose message
// holds want and says what to do, refuses appends and checkpoints with the
// same error, and still reads.
func damaged(t *testing.T, p Place, want string) {
	t.Helper()
	s := mustOpen(t, p)
	defer closeStore(t, s)
	err := s.(liaison.HealthReporter).Health(t.Context())
	if liaison.KindOf(err) != liaison.Unavailable || !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), "log verify") || !strings.Contains(err.Error(), "backup") {
		t.Errorf("Health() = %v, want unavailable, with %q, `log verify` and the backup to restore", err, want)
	}
	before := size(t, s)
	if err := s.Append(t.Context(), NewRecord(t, liaison.KindRead, "after-damage")); liaison.KindOf(err) != liaison.Unavailable || !strings.Contains(err.Error(), want) {
		t.Errorf("Append(on a damaged store) = %v, want the damage, of kind unavailable", err)
	}
	if after := size(t, s); after != before {
		t.Errorf("Append(on a damaged store) grew the log from %d to %d", before, after)
	}
	if err := s.WriteCheckpoint(context.WithoutCancel(t.Context()), ledger.Checkpoint{Origin: "x", Size: 1}, []byte("x")); liaison.KindOf(err) != liaison.Unavailable {
		t.Errorf("WriteCheckpoint(on a damaged store) = %v, want the damage, of kind unavailable", err)
	}
	if _, err := s.Get(t.Context(), liaison.KindRead, "r0"); err != nil {
		t.Errorf("Get(on a damaged store) = %v, want reads to go on", err)
	}
}
