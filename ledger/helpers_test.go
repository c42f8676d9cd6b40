package ledger_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"liaison/ledger"
)

// testOrigin is the origin of the test log.
const testOrigin = "sheriff.example.gov/log"

// seeded returns a deterministic stream of random bytes.
func seeded(seed uint64) io.Reader {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

// testRecord returns the i'th record of the test log, salted from rand.
func testRecord(t testing.TB, rand io.Reader, i int) ledger.Record {
	t.Helper()
	body, err := ledger.MarshalCanonical(map[string]any{
		"decision": "permitted",
		"action":   "notify_release",
		"seq":      i,
	})
	if err != nil {
		t.Fatal(err)
	}
	salt, err := ledger.NewSalt(rand)
	if err != nil {
		t.Fatal(err)
	}
	return ledger.Record{Kind: "decision", ID: fmt.Sprintf("d%d", i), Body: body, Salt: salt}
}

// fill adds records from, from+1, … to store until it has size leaves, and
// returns the records added.
func fill(t testing.TB, store *ledger.MemStore, rand io.Reader, size int) []ledger.Record {
	t.Helper()
	ctx := context.Background()
	n, err := store.TreeSize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var recs []ledger.Record
	for i := int(n); i < size; i++ {
		rec := testRecord(t, rand, i)
		leaf, err := store.Add(ctx, rec)
		if err != nil {
			t.Fatalf("Add(%s) = %v", rec, err)
		}
		if leaf.Index != int64(i) {
			t.Fatalf("Add(%s) = leaf %d, want %d", rec, leaf.Index, i)
		}
		recs = append(recs, rec)
	}
	return recs
}

// testSigner returns a signer with a key made from seed.
func testSigner(t testing.TB, seed uint64) *ledger.Signer {
	t.Helper()
	skey, _, err := ledger.GenerateKey(seeded(seed), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
