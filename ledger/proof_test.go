package ledger_test

import (
	"context"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

func TestInclusionProofs(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	recs := fill(t, store, seeded(4), 300)
	for _, size := range []int64{1, 2, 3, 7, 8, 100, 256, 257, 300} {
		cp := ledger.Checkpoint{Origin: testOrigin, Size: size}
		var err error
		if cp.Hash, err = ledger.TreeHash(ctx, store, size); err != nil {
			t.Fatal(err)
		}
		for i := int64(0); i < size; i++ {
			c := recs[i].Commitment()
			p, err := ledger.ProveInclusion(ctx, store, size, i)
			if err != nil {
				t.Fatalf("ProveInclusion(%d, %d) = %v", size, i, err)
			}
			if err := ledger.CheckInclusion(p, cp, i, c); err != nil {
				t.Errorf("CheckInclusion(leaf %d, size %d) = %v", i, size, err)
			}
			// Another leaf, another position, or a damaged proof must fail.
			other := recs[(i+1)%int64(len(recs))].Commitment()
			if err := ledger.CheckInclusion(p, cp, i, other); liaison.KindOf(err) != liaison.Invalid {
				t.Errorf("CheckInclusion(wrong leaf %d, size %d) = %v, want invalid", i, size, err)
			}
			if size > 1 {
				if err := ledger.CheckInclusion(p, cp, (i+1)%size, c); err == nil {
					t.Errorf("CheckInclusion(leaf %d at index %d, size %d) = nil", i, (i+1)%size, size)
				}
				bad := append(tlog.RecordProof(nil), p...)
				bad[len(bad)/2][0] ^= 1
				if err := ledger.CheckInclusion(bad, cp, i, c); err == nil {
					t.Errorf("CheckInclusion(damaged proof, leaf %d, size %d) = nil", i, size)
				}
			}
		}
	}
	for _, args := range [][2]int64{{0, 0}, {5, 5}, {5, -1}, {5, 9}} {
		if _, err := ledger.ProveInclusion(ctx, store, args[0], args[1]); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("ProveInclusion(size %d, leaf %d) = %v, want invalid", args[0], args[1], err)
		}
	}
}

func TestConsistencyProofs(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	fill(t, store, seeded(5), 600)
	head := func(size int64) ledger.Checkpoint {
		h, err := ledger.TreeHash(ctx, store, size)
		if err != nil {
			t.Fatal(err)
		}
		return ledger.Checkpoint{Origin: testOrigin, Size: size, Hash: h}
	}
	sizes := []int64{1, 2, 3, 4, 5, 8, 9, 255, 256, 257, 300, 512, 513, 600}
	for _, oldSize := range sizes {
		for _, newSize := range sizes {
			if newSize < oldSize {
				continue
			}
			older, newer := head(oldSize), head(newSize)
			p, err := ledger.ProveConsistency(ctx, store, oldSize, newSize)
			if err != nil {
				t.Fatalf("ProveConsistency(%d, %d) = %v", oldSize, newSize, err)
			}
			if err := ledger.CheckConsistency(p, older, newer); err != nil {
				t.Errorf("CheckConsistency(%d, %d) = %v", oldSize, newSize, err)
			}
			// A forked old head (same size, other root) must fail.
			forked := older
			forked.Hash[3] ^= 1
			if err := ledger.CheckConsistency(p, forked, newer); liaison.KindOf(err) != liaison.Invalid {
				t.Errorf("CheckConsistency(forked %d, %d) = %v, want invalid", oldSize, newSize, err)
			}
			if len(p) > 0 {
				bad := append(tlog.TreeProof(nil), p...)
				bad[0][0] ^= 1
				if err := ledger.CheckConsistency(bad, older, newer); err == nil {
					t.Errorf("CheckConsistency(damaged proof, %d, %d) = nil", oldSize, newSize)
				}
			}
		}
	}
	empty := ledger.Checkpoint{Origin: testOrigin, Size: 0}
	empty.Hash, _ = ledger.TreeHash(ctx, store, 0)
	if err := ledger.CheckConsistency(nil, empty, head(9)); err != nil {
		t.Errorf("CheckConsistency(empty, 9) = %v", err)
	}
	notEmpty := ledger.Checkpoint{Origin: testOrigin, Size: 0, Hash: head(1).Hash}
	if err := ledger.CheckConsistency(nil, notEmpty, head(9)); err == nil {
		t.Error("CheckConsistency(size 0 with a non-empty root) = nil")
	}
	other := head(9)
	other.Origin = "elsewhere.example/log"
	if err := ledger.CheckConsistency(nil, head(9), other); err == nil {
		t.Error("CheckConsistency across origins = nil")
	}
	for _, args := range [][2]int64{{0, 5}, {6, 5}, {-1, 5}} {
		if _, err := ledger.ProveConsistency(ctx, store, args[0], args[1]); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("ProveConsistency(%d, %d) = %v, want invalid", args[0], args[1], err)
		}
	}
	if _, err := ledger.ProveConsistency(ctx, store, 5, 601); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("ProveConsistency beyond the tree = %v, want not found", err)
	}
}
