package ledgertest_test

import (
	"context"
	"iter"
	"slices"
	"sync"
	"testing"

	"liaison"
	"liaison/ledger"
	"liaison/ledger/ledgertest"
)

// tamperable is a MemStore with rows edited behind its back, through the
// one place an attacker's edits would show: what Entries reads.
type tamperable struct {
	*ledger.MemStore
	mu       sync.Mutex
	changed  map[string]ledger.Record
	deleted  map[string]bool
	inserted []ledger.Record
}

func (s *tamperable) Entries(ctx context.Context) iter.Seq2[ledger.Entry, error] {
	s.mu.Lock()
	inserted := slices.Clone(s.inserted)
	s.mu.Unlock()
	return func(yield func(ledger.Entry, error) bool) {
		for e, err := range s.MemStore.Entries(ctx) {
			if err == nil && e.Record != nil {
				s.mu.Lock()
				k := e.Record.String()
				if rec, ok := s.changed[k]; ok {
					e.Record = &rec
				}
				if s.deleted[k] {
					e.Record = nil
				}
				s.mu.Unlock()
			}
			if !yield(e, err) {
				return
			}
		}
		for _, rec := range inserted {
			if !yield(ledger.Entry{Record: &rec}, nil) {
				return
			}
		}
	}
}

func TestMemStore(t *testing.T) {
	mem := func(s ledger.Store) *tamperable { return s.(*tamperable) }
	ledgertest.Run(t, ledgertest.Harness{
		Open: func(t *testing.T) ledger.Store {
			return &tamperable{MemStore: ledger.NewMemStore(), changed: map[string]ledger.Record{}, deleted: map[string]bool{}}
		},
		Add: func(ctx context.Context, s ledger.Store, rec ledger.Record) (ledger.Leaf, error) {
			return mem(s).Add(ctx, rec)
		},
		Abort: func(ctx context.Context, s ledger.Store, rec ledger.Record) error {
			return mem(s).Update(ctx, func(tx *ledger.MemTx) error {
				if err := tx.PutRecord(ctx, rec); err != nil {
					return err
				}
				if _, err := ledger.Append(ctx, tx, rec); err != nil {
					return err
				}
				return liaison.Errorf(liaison.Internal, "", "rolled back")
			})
		},
		ChangeRecord: func(ctx context.Context, s ledger.Store, rec ledger.Record) error {
			old, err := mem(s).Record(ctx, rec.Kind, rec.ID)
			if err != nil {
				return err
			}
			old.Body = rec.Body
			mem(s).mu.Lock()
			defer mem(s).mu.Unlock()
			mem(s).changed[rec.String()] = old
			return nil
		},
		DeleteRecord: func(ctx context.Context, s ledger.Store, kind, id string) error {
			mem(s).mu.Lock()
			defer mem(s).mu.Unlock()
			mem(s).deleted[kind+"/"+id] = true
			return nil
		},
		InsertRecord: func(ctx context.Context, s ledger.Store, rec ledger.Record) error {
			mem(s).mu.Lock()
			defer mem(s).mu.Unlock()
			mem(s).inserted = append(mem(s).inserted, rec)
			return nil
		},
	})
}
