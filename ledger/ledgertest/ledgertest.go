// Package ledgertest is the contract suite for the log's storage: the tests
// a backend (SQLite, PostgreSQL) runs to show that it keeps leaves, tree
// hashes, records and checkpoints as package ledger needs. ledger.MemStore
// passes it.
//
// A store's test calls Run with a Harness:
//
//	func TestLedgerContract(t *testing.T) {
//		ledgertest.Run(t, ledgertest.Harness{
//			Open: func(t *testing.T) ledger.Store { return openTestDB(t) },
//			Add:  func(ctx context.Context, s ledger.Store, rec ledger.Record) (ledger.Leaf, error) { … },
//			…
//		})
//	}
package ledgertest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// Harness adapts a store to the suite.
type Harness struct {
	// Open returns a new, empty store; t.Cleanup closes it.
	Open func(t *testing.T) ledger.Store
	// Add writes rec and appends its leaf (ledger.Append) in one
	// transaction, as the store's own writers do, and commits.
	Add func(ctx context.Context, s ledger.Store, rec ledger.Record) (ledger.Leaf, error)
	// Abort does what Add does, then rolls the transaction back.
	Abort func(ctx context.Context, s ledger.Store, rec ledger.Record) error

	// The tampering functions change rows behind the log's back, as
	// someone with write access to the database could (plain UPDATE,
	// DELETE, INSERT). With them the suite checks that `log verify` sees
	// each change through the store's Entries. A nil one skips its test.

	// ChangeRecord overwrites the body of the stored record rec.Kind/rec.ID
	// with rec.Body.
	ChangeRecord func(ctx context.Context, s ledger.Store, rec ledger.Record) error
	// DeleteRecord deletes a record, leaving its leaf.
	DeleteRecord func(ctx context.Context, s ledger.Store, kind, id string) error
	// InsertRecord writes a record without a leaf.
	InsertRecord func(ctx context.Context, s ledger.Store, rec ledger.Record) error
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("AppendAndRead", func(t *testing.T) { testAppendAndRead(t, h) })
	t.Run("Abort", func(t *testing.T) { testAbort(t, h) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, h) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, h) })
	t.Run("Entries", func(t *testing.T) { testEntries(t, h) })
	t.Run("Verify", func(t *testing.T) { testVerify(t, h) })
	t.Run("Serve", func(t *testing.T) { testServe(t, h) })
}

// records returns n records with salts from a seeded stream.
func records(seed uint64, from, n int) []ledger.Record {
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 'l', 'e', 'd', 'g', 'e', 'r'})
	var out []ledger.Record
	for i := from; i < from+n; i++ {
		var salt ledger.Salt
		if _, err := io.ReadFull(rng, salt[:]); err != nil {
			panic(err)
		}
		kind := []string{"request", "decision", "action", "read"}[i%4]
		body := fmt.Appendf(nil, `{"n":%d,"note":"record %d"}`, i, i)
		out = append(out, ledger.Record{Kind: kind, ID: fmt.Sprintf("%s-%d", kind, i), Body: body, Salt: salt})
	}
	return out
}

func add(t *testing.T, h Harness, s ledger.Store, recs []ledger.Record) {
	t.Helper()
	ctx := context.Background()
	for _, rec := range recs {
		n, err := s.TreeSize(ctx)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := h.Add(ctx, s, rec)
		if err != nil {
			t.Fatalf("Add(%s) = %v", rec, err)
		}
		if leaf.Index != n || leaf.Kind != rec.Kind || leaf.ID != rec.ID || leaf.Commitment != rec.Commitment() {
			t.Fatalf("Add(%s) = %+v, want leaf %d committing to it", rec, leaf, n)
		}
	}
}

// mth is the RFC 6962 Merkle tree hash, written out plainly as a check on
// the stored tree.
func mth(leaves []ledger.Commitment) tlog.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0][:]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

func commitments(recs []ledger.Record) []ledger.Commitment {
	out := make([]ledger.Commitment, len(recs))
	for i, r := range recs {
		out[i] = r.Commitment()
	}
	return out
}

func testAppendAndRead(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	if n, err := s.TreeSize(ctx); err != nil || n != 0 {
		t.Fatalf("TreeSize of a new store = %d, %v", n, err)
	}
	recs := records(1, 0, 600)
	for _, size := range []int{1, 2, 3, 255, 256, 257, 600} {
		have, _ := s.TreeSize(ctx)
		add(t, h, s, recs[have:size])
		root, err := ledger.TreeHash(ctx, s, int64(size))
		if err != nil {
			t.Fatalf("TreeHash(%d) = %v", size, err)
		}
		if want := mth(commitments(recs[:size])); root != want {
			t.Fatalf("TreeHash(%d) = %v, want %v", size, root, want)
		}
	}
	leaves, err := s.ReadLeaves(ctx, 0, 600)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range leaves {
		if l.Index != int64(i) || l.Kind != recs[i].Kind || l.ID != recs[i].ID || l.Commitment != recs[i].Commitment() {
			t.Fatalf("ReadLeaves: leaf %d = %+v", i, l)
		}
	}
	if some, err := s.ReadLeaves(ctx, 255, 3); err != nil || len(some) != 3 || some[0].Index != 255 {
		t.Errorf("ReadLeaves(255, 3) = %v, %v", some, err)
	}
	if _, err := s.ReadLeaves(ctx, 599, 2); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("ReadLeaves past the end = %v, want an error of kind not_found", err)
	}
	end := tlog.StoredHashCount(600)
	if hs, err := s.ReadHashes(ctx, []int64{end - 1, 0, 5}); err != nil || len(hs) != 3 {
		t.Errorf("ReadHashes(last, 0, 5) = %d hashes, %v", len(hs), err)
	}
	if _, err := s.ReadHashes(ctx, []int64{0, end}); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("ReadHashes past the end = %v, want an error of kind not_found", err)
	}
}

func testAbort(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	recs := records(2, 0, 4)
	add(t, h, s, recs[:2])
	if err := h.Abort(ctx, s, recs[2]); err == nil {
		t.Fatal("Abort = nil error")
	}
	if n, _ := s.TreeSize(ctx); n != 2 {
		t.Errorf("TreeSize after an aborted append = %d, want 2", n)
	}
	add(t, h, s, recs[3:4]) // takes leaf 2
	rep, err := ledger.Verify(ctx, s, signer(t).Verifier())
	if err != nil || !rep.OK() || rep.Records != 3 {
		t.Errorf("Verify after an aborted append = %+v, %v", rep, err)
	}
}

func testConcurrent(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	for w := range writers {
		recs := records(uint64(10+w), w*each, each)
		wg.Go(func() {
			for _, rec := range recs {
				// A store may serialize appends or fail one with a
				// conflict for the caller to retry.
				var err error
				for range 100 {
					if _, err = h.Add(ctx, s, rec); liaison.KindOf(err) != liaison.Conflicting {
						break
					}
				}
				if err != nil {
					t.Errorf("Add(%s) = %v", rec, err)
				}
			}
		})
	}
	wg.Wait()
	n, err := s.TreeSize(ctx)
	if err != nil || n != writers*each {
		t.Fatalf("TreeSize = %d, %v; want %d", n, err, writers*each)
	}
	rep, err := ledger.Verify(ctx, s, signer(t).Verifier())
	if err != nil || !rep.OK() || rep.Records != n {
		t.Errorf("Verify after concurrent appends = %+v, %v", rep, err)
	}
}

func signer(t *testing.T) *ledger.Signer {
	t.Helper()
	skey, _, err := ledger.GenerateKey(rand.NewChaCha8([32]byte{'k'}), "ledgertest.example/log")
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testCheckpoints(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	if _, err := s.LatestCheckpoint(ctx); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("LatestCheckpoint of a new store = %v, want an error of kind not_found", err)
	}
	sig := signer(t)
	pub := &ledger.Publisher{Store: s, Signer: sig}
	recs := records(3, 0, 30)
	for _, size := range []int{10, 20, 30} {
		have, _ := s.TreeSize(ctx)
		add(t, h, s, recs[have:size])
		if cp, err := pub.Publish(ctx); err != nil || cp.Size != int64(size) {
			t.Fatalf("Publish = %+v, %v", cp, err)
		}
	}
	// An older checkpoint written late does not become the latest.
	_, old, err := sig.SignTree(ctx, s, 5)
	if err != nil {
		t.Fatal(err)
	}
	cp5, _ := sig.Verifier().Open(old)
	if err := s.WriteCheckpoint(ctx, cp5, old); err != nil {
		t.Fatal(err)
	}
	latest, err := s.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cp, err := sig.Verifier().Open(latest); err != nil || cp.Size != 30 {
		t.Errorf("LatestCheckpoint = size %d, %v; want 30", cp.Size, err)
	}
	sizes := map[int64]bool{}
	for signed, err := range s.Checkpoints(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		cp, err := sig.Verifier().Open(signed)
		if err != nil {
			t.Fatalf("stored checkpoint does not verify: %v", err)
		}
		sizes[cp.Size] = true
	}
	if len(sizes) != 4 || !sizes[5] || !sizes[10] || !sizes[20] || !sizes[30] {
		t.Errorf("Checkpoints = sizes %v, want 5, 10, 20, 30", sizes)
	}
}

func testEntries(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	recs := records(4, 0, 300)
	add(t, h, s, recs)
	i := 0
	for e, err := range s.Entries(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Leaf == nil || e.Record == nil {
			t.Fatalf("entry %d = %+v, want a leaf and its record", i, e)
		}
		if e.Leaf.Index != int64(i) || e.Record.Commitment() != recs[i].Commitment() || e.Record.Commitment() != e.Leaf.Commitment {
			t.Fatalf("entry %d: leaf %+v, record %s does not match what was written", i, e.Leaf, e.Record)
		}
		i++
		if i == 100 {
			break // stopping early must be safe
		}
	}
	n := 0
	for _, err := range s.Entries(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 300 {
		t.Errorf("Entries yielded %d entries, want 300", n)
	}
}

func testVerify(t *testing.T, h Harness) {
	ctx := context.Background()
	sig := signer(t)
	setup := func(t *testing.T) (ledger.Store, []ledger.Record) {
		s := h.Open(t)
		recs := records(5, 0, 50)
		add(t, h, s, recs)
		if _, err := (&ledger.Publisher{Store: s, Signer: sig}).Publish(ctx); err != nil {
			t.Fatal(err)
		}
		return s, recs
	}
	check := func(t *testing.T, s ledger.Store, kind ledger.ProblemKind, record string) {
		t.Helper()
		rep, err := ledger.Verify(ctx, s, sig.Verifier())
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems {
			if p.Kind == kind && p.Record == record {
				return
			}
		}
		t.Errorf("Verify found %v, want a %s problem naming %s", rep.Problems, kind, record)
	}
	t.Run("honest", func(t *testing.T) {
		s, _ := setup(t)
		rep, err := ledger.Verify(ctx, s, sig.Verifier())
		if err != nil || !rep.OK() || rep.Leaves != 50 || rep.Records != 50 || rep.Checkpoints != 1 {
			t.Errorf("Verify = %+v, %v", rep, err)
		}
	})
	t.Run("changed", func(t *testing.T) {
		if h.ChangeRecord == nil {
			t.Skip("Harness.ChangeRecord is nil")
		}
		s, recs := setup(t)
		rec := recs[17]
		rec.Body = []byte(`{"n":17,"note":"changed"}`)
		if err := h.ChangeRecord(ctx, s, rec); err != nil {
			t.Fatal(err)
		}
		check(t, s, ledger.Changed, rec.String())
	})
	t.Run("deleted", func(t *testing.T) {
		if h.DeleteRecord == nil {
			t.Skip("Harness.DeleteRecord is nil")
		}
		s, recs := setup(t)
		if err := h.DeleteRecord(ctx, s, recs[3].Kind, recs[3].ID); err != nil {
			t.Fatal(err)
		}
		check(t, s, ledger.Deleted, recs[3].String())
	})
	t.Run("inserted", func(t *testing.T) {
		if h.InsertRecord == nil {
			t.Skip("Harness.InsertRecord is nil")
		}
		s, _ := setup(t)
		rec := records(6, 1000, 1)[0]
		if err := h.InsertRecord(ctx, s, rec); err != nil {
			t.Fatal(err)
		}
		check(t, s, ledger.Inserted, rec.String())
	})
}

// tiles is a tlog.TileReader over HTTP.
type tiles struct{ base string }

func (tiles) Height() int { return ledger.TileHeight }

func (c tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		resp, err := http.Get(c.base + ledger.TilePath(t))
		if err != nil {
			return nil, err
		}
		out[i], err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s", ledger.TilePath(t), resp.Status)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func testServe(t *testing.T, h Harness) {
	ctx := context.Background()
	s := h.Open(t)
	sig := signer(t)
	recs := records(7, 0, 700)
	add(t, h, s, recs)
	cp, err := (&ledger.Publisher{Store: s, Signer: sig}).Publish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /log/", http.StripPrefix("/log", ledger.NewHandler(s, s, sig.Verifier(), nil)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sig.Verifier().Open(signed)
	if err != nil || got != cp {
		t.Fatalf("served checkpoint = %+v, %v; want %+v", got, err, cp)
	}
	r := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Hash}, tiles{srv.URL + "/log/"})
	if root, err := tlog.TreeHash(cp.Size, r); err != nil || root != cp.Hash {
		t.Errorf("root from the served tiles = %v, %v; want %v", root, err, cp.Hash)
	}
	data, err := tiles{srv.URL + "/log/"}.ReadTiles([]tlog.Tile{{H: ledger.TileHeight, L: -1, N: 2, W: 700 - 512}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ledger.ParseEntryBundle(data[0])
	if err != nil || len(entries) != 700-512 || entries[0] != recs[512].Commitment() {
		t.Errorf("entry bundle 2 = %d entries, %v", len(entries), err)
	}
}
