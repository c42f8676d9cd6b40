package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
	"liaison/ledger/ledgertest"
)

// LedgerHarness adapts a store to package ledgertest, the log's own storage
// suite, so that a SQL store runs it beside Run: its Add is an Append of one
// record, its tampering runs SQL through the store's Tamperer.
//
// open returns a new, empty store that implements Tamperer. arm holds SQL
// statements that make every append fail at its very end, after it has
// written its rows (a trigger on log_head), and disarm undoes them: with
// them, Abort checks that a rolled-back append leaves no trace.
func LedgerHarness(open func(t *testing.T) Store, arm, disarm []string) ledgertest.Harness {
	tamper := func(ctx context.Context, s ledger.Store, query string, args ...any) error {
		t, ok := s.(Tamperer)
		if !ok {
			return fmt.Errorf("storetest: %T does not implement storetest.Tamperer", s)
		}
		return t.Tamper(ctx, query, args...)
	}
	add := func(ctx context.Context, s ledger.Store, rec ledger.Record) (ledger.Leaf, error) {
		r := &liaison.StoredRecord{Kind: rec.Kind, ID: rec.ID, Body: rec.Body, Salt: rec.Salt, At: time.Unix(0, 0)}
		if err := s.(Store).Append(ctx, r); err != nil {
			return ledger.Leaf{}, err
		}
		leaves, err := s.ReadLeaves(ctx, r.Index, 1)
		if err != nil {
			return ledger.Leaf{}, err
		}
		return leaves[0], nil
	}
	return ledgertest.Harness{
		Open: func(t *testing.T) ledger.Store {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v", err)
				}
			})
			return s
		},
		Add: add,
		Abort: func(ctx context.Context, s ledger.Store, rec ledger.Record) error {
			for _, q := range arm {
				if err := tamper(ctx, s, q); err != nil {
					return fmt.Errorf("arm the abort: %w", err)
				}
			}
			_, err := add(ctx, s, rec)
			for _, q := range disarm {
				if err := tamper(ctx, s, q); err != nil {
					return fmt.Errorf("disarm the abort: %w", err)
				}
			}
			if err != nil {
				return fmt.Errorf("append rolled back: %w", err)
			}
			return nil
		},
		ChangeRecord: func(ctx context.Context, s ledger.Store, rec ledger.Record) error {
			return tamper(ctx, s, `UPDATE records SET body = $1 WHERE kind = $2 AND id = $3`, rec.Body, rec.Kind, rec.ID)
		},
		DeleteRecord: func(ctx context.Context, s ledger.Store, kind, id string) error {
			return tamper(ctx, s, `DELETE FROM records WHERE kind = $1 AND id = $2`, kind, id)
		},
		InsertRecord: func(ctx context.Context, s ledger.Store, rec ledger.Record) error {
			return tamper(ctx, s, `INSERT INTO records (leaf_index, kind, id, body, salt, at)
				VALUES ((SELECT COALESCE(MAX(leaf_index), 0) + 1000000 FROM records), $1, $2, $3, $4, CURRENT_TIMESTAMP)`,
				rec.Kind, rec.ID, rec.Body, rec.Salt[:])
		},
	}
}
