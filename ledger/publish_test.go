package ledger_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison/ledger"
)

// checkpoints returns the signed checkpoints stored in store.
func checkpoints(t testing.TB, store *ledger.MemStore) [][]byte {
	t.Helper()
	var out [][]byte
	for cp, err := range store.Checkpoints(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, cp)
	}
	return out
}

// build returns a store holding recs, in order, with the given signed
// checkpoints.
func build(t testing.TB, recs []ledger.Record, cps [][]byte, v *ledger.Verifier) *ledger.MemStore {
	t.Helper()
	ctx := context.Background()
	store := ledger.NewMemStore()
	for _, rec := range recs {
		if _, err := store.Add(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, signed := range cps {
		cp, err := v.Open(signed)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.WriteCheckpoint(ctx, cp, signed); err != nil {
			t.Fatal(err)
		}
	}
	return store
}

func TestPublish(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	pub := &ledger.Publisher{Store: store, Signer: signer}

	// An empty log has a checkpoint too.
	cp, err := pub.Publish(ctx)
	if err != nil || cp.Size != 0 {
		t.Fatalf("Publish(empty) = %+v, %v", cp, err)
	}
	recs := fill(t, store, seeded(11), 10)
	cp, err = pub.Publish(ctx)
	if err != nil || cp.Size != 10 {
		t.Fatalf("Publish = %+v, %v", cp, err)
	}
	// Nothing new: the same checkpoint, nothing stored.
	again, err := pub.Publish(ctx)
	if err != nil || again != cp {
		t.Errorf("Publish without writes = %+v, %v; want %+v", again, err, cp)
	}
	if n := len(checkpoints(t, store)); n != 2 {
		t.Errorf("%d checkpoints stored, want 2", n)
	}
	latest, _ := store.LatestCheckpoint(ctx)
	if got, err := signer.Verifier().Open(latest); err != nil || got != cp {
		t.Errorf("latest stored checkpoint = %+v, %v; want %+v", got, err, cp)
	}
	recs = append(recs, fill(t, store, seeded(12), 300)...)
	if cp, err = pub.Publish(ctx); err != nil || cp.Size != 300 {
		t.Fatalf("Publish = %+v, %v", cp, err)
	}

	// A store rewritten under the log: one record changed, the tree rebuilt
	// to match, the signed checkpoints kept. The publisher must refuse.
	forged := slices.Clone(recs)
	forged[5].Body = []byte(`{"decision":"forbidden"}`)
	rewritten := build(t, forged, checkpoints(t, store), signer.Verifier())
	fill(t, rewritten, seeded(13), 310)
	_, err = (&ledger.Publisher{Store: rewritten, Signer: signer}).Publish(ctx)
	if !errors.Is(err, ledger.ErrInconsistent) {
		t.Errorf("Publish on a rewritten store = %v, want ErrInconsistent", err)
	}
	// The same at the same size.
	rewritten = build(t, forged, checkpoints(t, store), signer.Verifier())
	if _, err = (&ledger.Publisher{Store: rewritten, Signer: signer}).Publish(ctx); !errors.Is(err, ledger.ErrInconsistent) {
		t.Errorf("Publish on a rewritten store of the same size = %v, want ErrInconsistent", err)
	}
	// A truncated store.
	truncated := build(t, recs[:200], checkpoints(t, store), signer.Verifier())
	if _, err = (&ledger.Publisher{Store: truncated, Signer: signer}).Publish(ctx); !errors.Is(err, ledger.ErrInconsistent) {
		t.Errorf("Publish on a truncated store = %v, want ErrInconsistent", err)
	}
	if n := len(checkpoints(t, truncated)); n != 3 {
		t.Errorf("Publish stored a checkpoint of a bad tree: %d checkpoints", n)
	}
	// A checkpoint by another key (a changed key or origin) is not signed over.
	_, err = (&ledger.Publisher{Store: store, Signer: testSigner(t, 2)}).Publish(ctx)
	if err == nil || !strings.Contains(err.Error(), "does not verify with this log's key") {
		t.Errorf("Publish with another key = %v", err)
	}
}

// brokenHashes is a store whose tree hash at one stored index is wrong.
type brokenHashes struct {
	*ledger.MemStore
	index int64
}

func (b brokenHashes) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	hs, err := b.MemStore.ReadHashes(ctx, indexes)
	for i, x := range indexes {
		if x == b.index && err == nil {
			hs[i][0] ^= 1
		}
	}
	return hs, err
}

func TestPublishRefusesBrokenTree(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	fill(t, store, seeded(14), 100)
	if _, err := (&ledger.Publisher{Store: store, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	fill(t, store, seeded(15), 200)
	broken := brokenHashes{store, tlog.StoredHashIndex(6, 0)} // leaves 0–63
	_, err := (&ledger.Publisher{Store: broken, Signer: signer}).Publish(ctx)
	if !errors.Is(err, ledger.ErrInconsistent) {
		t.Errorf("Publish over a broken tree = %v, want ErrInconsistent", err)
	}
}

func TestPublisherRun(t *testing.T) {
	store := ledger.NewMemStore()
	fill(t, store, seeded(16), 5)
	var logs bytes.Buffer
	pub := &ledger.Publisher{Store: store, Signer: testSigner(t, 1), Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- pub.Run(ctx, time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(checkpoints(t, store)) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	fill(t, store, seeded(17), 9)
	for {
		latest, err := store.LatestCheckpoint(context.Background())
		if err == nil && bytes.Contains(latest, []byte("\n9\n")) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if n := len(checkpoints(t, store)); n != 2 {
		t.Errorf("Run stored %d checkpoints, want 2 (sizes 5 and 9)", n)
	}
	if !strings.Contains(logs.String(), "size=9") {
		t.Errorf("Run logged %q", logs.String())
	}
}
