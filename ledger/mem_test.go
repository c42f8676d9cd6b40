package ledger_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// standardRoot computes the RFC 6962 root of the leaves with
// transparency-dev/merkle's compact ranges, independently of tlog.
func standardRoot(t testing.TB, leaves []ledger.Commitment) tlog.Hash {
	t.Helper()
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	for _, c := range leaves {
		if err := r.Append(rfc6962.DefaultHasher.HashLeaf(c[:]), nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(leaves) == 0 {
		return tlog.Hash(rfc6962.DefaultHasher.EmptyRoot())
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		t.Fatal(err)
	}
	return tlog.Hash(root)
}

func TestAppendRoots(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	rand := seeded(1)
	var leaves []ledger.Commitment
	for _, size := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 511, 512, 1000, 1025} {
		for _, rec := range fill(t, store, rand, size) {
			leaves = append(leaves, rec.Commitment())
		}
		got, err := ledger.TreeHash(ctx, store, int64(size))
		if err != nil {
			t.Fatalf("TreeHash(%d) = %v", size, err)
		}
		if want := standardRoot(t, leaves); got != want {
			t.Errorf("TreeHash(%d) = %v, want %v", size, got, want)
		}
		// Every earlier size still has its root: stored hashes never change.
		if size > 3 {
			old, err := ledger.TreeHash(ctx, store, 3)
			if err != nil || old != standardRoot(t, leaves[:3]) {
				t.Errorf("TreeHash(3) after %d leaves = %v, %v", size, old, err)
			}
		}
	}
	n, _ := store.TreeSize(ctx)
	stored, err := store.ReadLeaves(ctx, 0, int(n))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range stored {
		if l.Index != int64(i) || l.Commitment != leaves[i] {
			t.Fatalf("ReadLeaves: leaf %d = %+v, want index %d commitment %v", i, l, i, leaves[i])
		}
	}
	if _, err := store.ReadLeaves(ctx, n-1, 2); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("ReadLeaves past the end = %v, want not found", err)
	}
	if _, err := store.ReadHashes(ctx, []int64{tlog.StoredHashCount(n)}); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("ReadHashes past the end = %v, want not found", err)
	}
}

func TestUpdateIsAtomic(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	rand := seeded(2)
	fill(t, store, rand, 5)
	before, _ := ledger.TreeHash(ctx, store, 5)

	// A transaction that writes a record and its leaf, then fails: neither
	// remains.
	rec := testRecord(t, rand, 5)
	boom := errors.New("disk full")
	err := store.Update(ctx, func(tx *ledger.MemTx) error {
		if err := tx.PutRecord(ctx, rec); err != nil {
			return err
		}
		if _, err := ledger.Append(ctx, tx, rec); err != nil {
			return err
		}
		if n, _ := tx.TreeSize(ctx); n != 6 {
			t.Errorf("TreeSize inside the transaction = %d, want 6", n)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want %v", err, boom)
	}
	if n, _ := store.TreeSize(ctx); n != 5 {
		t.Errorf("TreeSize after a failed transaction = %d, want 5", n)
	}
	if _, err := store.Record(ctx, rec.Kind, rec.ID); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Record(%s) after a failed transaction = %v, want not found", rec, err)
	}
	if after, _ := ledger.TreeHash(ctx, store, 5); after != before {
		t.Error("the root changed after a failed transaction")
	}

	// Several records in one transaction.
	recs := []ledger.Record{testRecord(t, rand, 5), testRecord(t, rand, 6), testRecord(t, rand, 7)}
	err = store.Update(ctx, func(tx *ledger.MemTx) error {
		for _, r := range recs {
			if err := tx.PutRecord(ctx, r); err != nil {
				return err
			}
			if _, err := ledger.Append(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var tx *ledger.MemTx
	_ = store.Update(ctx, func(t *ledger.MemTx) error { tx = t; return nil })
	if _, err := tx.TreeSize(ctx); err == nil {
		t.Error("a transaction used after Update returned did not fail")
	}
	if n, _ := store.TreeSize(ctx); n != 8 {
		t.Errorf("TreeSize = %d, want 8", n)
	}
}

func TestAppendErrors(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	rec := testRecord(t, seeded(3), 0)
	if _, err := store.Add(ctx, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Add(ctx, rec); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Add of the same record twice = %v, want a conflict", err)
	}
	unsalted := ledger.Record{Kind: "decision", ID: "x"}
	if _, err := store.Add(ctx, unsalted); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Add(unsalted) = %v, want invalid", err)
	}
	// A store whose leaf was taken by a concurrent writer.
	_, err := ledger.Append(ctx, racedTx{}, testRecord(t, seeded(3), 1))
	if liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Append on a raced transaction = %v, want a conflict", err)
	}
}

// racedTx is an AppendTx whose leaf is taken by another transaction.
type racedTx struct{}

func (racedTx) TreeSize(context.Context) (int64, error) { return 1, nil }
func (racedTx) ReadHashes(_ context.Context, idx []int64) ([]tlog.Hash, error) {
	return make([]tlog.Hash, len(idx)), nil
}
func (racedTx) WriteLeaf(context.Context, ledger.Leaf, []tlog.Hash) error {
	return liaison.Errorf(liaison.Conflicting, "", "leaf 1 exists")
}

func TestConcurrentAdds(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	const writers, each = 8, 50
	recs := make([][]ledger.Record, writers)
	for w := range writers {
		for i := range each {
			recs[w] = append(recs[w], testRecord(t, seeded(uint64(100+w)), w*each+i))
		}
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for _, rec := range recs[w] {
				if _, err := store.Add(ctx, rec); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	n, _ := store.TreeSize(ctx)
	if n != writers*each {
		t.Fatalf("TreeSize = %d, want %d", n, writers*each)
	}
	leaves, err := store.ReadLeaves(ctx, 0, int(n))
	if err != nil {
		t.Fatal(err)
	}
	var cs []ledger.Commitment
	for _, l := range leaves {
		rec, err := store.Record(ctx, l.Kind, l.ID)
		if err != nil || rec.Commitment() != l.Commitment {
			t.Fatalf("leaf %d (%s): record %v, %v", l.Index, l, rec, err)
		}
		cs = append(cs, l.Commitment)
	}
	if got, _ := ledger.TreeHash(ctx, store, n); got != standardRoot(t, cs) {
		t.Error("root after concurrent adds does not match the leaves")
	}
}
