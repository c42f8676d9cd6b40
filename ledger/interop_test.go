package ledger_test

import (
	"context"
	"strings"
	"testing"

	"filippo.io/torchwood"
	tdlog "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison/ledger"
)

// These tests check the log with other people's implementations of the C2SP
// specs: transparency-dev's checkpoint parser and proof verifier, and
// Filippo Valsorda's torchwood tlog-tiles client. None of them shares code
// with the ledger beyond golang.org/x/mod.

func TestTransparencyDevVerifiesCheckpointsAndProofs(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	recs := fill(t, store, seeded(40), 777)
	older, olderSigned, err := signer.SignTree(ctx, store, 777)
	if err != nil {
		t.Fatal(err)
	}
	recs = append(recs, fill(t, store, seeded(41), 5000)...)
	newer, newerSigned, err := signer.SignTree(ctx, store, 5000)
	if err != nil {
		t.Fatal(err)
	}

	verifier, err := note.NewVerifier(signer.Verifier().Key())
	if err != nil {
		t.Fatal(err)
	}
	open := func(signed []byte, want ledger.Checkpoint) {
		t.Helper()
		cp, _, _, err := tdlog.ParseCheckpoint(signed, testOrigin, verifier)
		if err != nil {
			t.Fatalf("transparency-dev ParseCheckpoint = %v", err)
		}
		if cp.Origin != want.Origin || cp.Size != uint64(want.Size) || string(cp.Hash) != string(want.Hash[:]) {
			t.Errorf("transparency-dev reads %+v, want %+v", cp, want)
		}
	}
	open(olderSigned, older)
	open(newerSigned, newer)
	if _, _, _, err := tdlog.ParseCheckpoint(olderSigned, testOrigin, mustVerifier(t, testSigner(t, 2))); err == nil {
		t.Error("transparency-dev accepted a checkpoint under another key")
	}

	for _, i := range []int64{0, 1, 255, 256, 776, 777, 4095, 4999} {
		p, err := ledger.ProveInclusion(ctx, store, newer.Size, i)
		if err != nil {
			t.Fatal(err)
		}
		c := recs[i].Commitment()
		if err := proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(i), uint64(newer.Size), rfc6962.DefaultHasher.HashLeaf(c[:]), slices2(p), newer.Hash[:]); err != nil {
			t.Errorf("transparency-dev VerifyInclusion(leaf %d) = %v", i, err)
		}
	}
	p, err := ledger.ProveConsistency(ctx, store, older.Size, newer.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(older.Size), uint64(newer.Size), slices2(p), older.Hash[:], newer.Hash[:]); err != nil {
		t.Errorf("transparency-dev VerifyConsistency = %v", err)
	}
	forked := older.Hash
	forked[0] ^= 1
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(older.Size), uint64(newer.Size), slices2(p), forked[:], newer.Hash[:]); err == nil {
		t.Error("transparency-dev VerifyConsistency accepted a forked head")
	}
}

func mustVerifier(t *testing.T, s *ledger.Signer) note.Verifier {
	v, err := note.NewVerifier(s.Verifier().Key())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// slices2 turns tlog proof hashes into transparency-dev's [][]byte.
func slices2[H ~[]tlog.Hash](hs H) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// TestTorchwoodClient points a standard tlog-tiles client at the served log:
// with only the URL and the key it verifies the checkpoint, reads and
// authenticates every entry, proves one, and checks that a later checkpoint
// is consistent with an earlier one.
func TestTorchwoodClient(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	pub := &ledger.Publisher{Store: store, Signer: signer}
	srv := logServer(t, store, signer)

	recs := fill(t, store, seeded(42), 1300)
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	fetcher, err := torchwood.NewTileFetcher(srv.URL + "/log/")
	if err != nil {
		t.Fatal(err)
	}
	key, err := fetcher.ReadEndpoint(ctx, "key")
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := note.NewVerifier(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	checkpoint := func() torchwood.Checkpoint {
		t.Helper()
		signed, err := fetcher.ReadEndpoint(ctx, "checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		n, err := note.Open(signed, note.VerifierList(verifier))
		if err != nil {
			t.Fatalf("checkpoint does not verify: %v", err)
		}
		cp, err := torchwood.ParseCheckpoint(n.Text)
		if err != nil || cp.Origin != testOrigin {
			t.Fatalf("torchwood ParseCheckpoint = %+v, %v", cp, err)
		}
		return cp
	}
	older := checkpoint()

	client, err := torchwood.NewClient(fetcher)
	if err != nil {
		t.Fatal(err)
	}
	// Entries stops before a trailing partial bundle; Entry reads any.
	var n int64
	for i, entry := range client.Entries(ctx, older.Tree, 0) {
		if i != n || string(entry) != string(commitmentBytes(recs[i])) {
			t.Fatalf("torchwood entry %d = %x, want leaf %d = %x", i, entry, n, commitmentBytes(recs[i]))
		}
		n++
	}
	if err := client.Err(); err != nil {
		t.Fatalf("torchwood Entries: %v", err)
	}
	if n != 1280 {
		t.Errorf("torchwood read %d entries, want the 1280 in full bundles", n)
	}
	for _, i := range []int64{0, 1000, 1299} {
		entry, p, err := client.Entry(ctx, older.Tree, i)
		if err != nil {
			t.Fatalf("torchwood Entry(%d) = %v", i, err)
		}
		if string(entry) != string(commitmentBytes(recs[i])) {
			t.Errorf("torchwood Entry(%d) = %x", i, entry)
		}
		if err := tlog.CheckRecord(p, older.N, older.Hash, i, recs[i].Commitment().LeafHash()); err != nil {
			t.Errorf("inclusion of record %d: %v", i, err)
		}
	}

	fill(t, store, seeded(43), 66000)
	if _, err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	newer := checkpoint()
	hr := torchwood.TileHashReaderWithContext(ctx, newer.Tree, fetcher)
	if root, err := tlog.TreeHash(newer.N, hr); err != nil || root != newer.Hash {
		t.Fatalf("root of %d leaves from torchwood's tiles = %v, %v; want %v", newer.N, root, err, newer.Hash)
	}
	p, err := tlog.ProveTree(newer.N, older.N, hr)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(p, newer.N, newer.Hash, older.N, older.Hash); err != nil {
		t.Errorf("consistency from %d to %d over torchwood: %v", older.N, newer.N, err)
	}
}

func commitmentBytes(rec ledger.Record) []byte {
	c := rec.Commitment()
	return c[:]
}
