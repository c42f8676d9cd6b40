package ledger_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"iter"
	"log"
	"net/http"

	"golang.org/x/mod/sumdb/tlog"

	"liaison/ledger"
)

// The whole life of a log: records written with their leaves, a signed
// checkpoint, and an auditor's check that one record is in it.
func Example() {
	ctx := context.Background()
	skey, vkey, err := ledger.GenerateKey(rand.Reader, "sheriff.example.gov/log")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	store := ledger.NewMemStore()

	// Write: each record and its leaf in one transaction.
	var decision ledger.Record
	for i, outcome := range []string{"permitted", "forbidden", "required"} {
		body, err := ledger.MarshalCanonical(map[string]any{"outcome": outcome, "action": "notify_release"})
		if err != nil {
			log.Fatal(err)
		}
		salt, err := ledger.NewSalt(rand.Reader)
		if err != nil {
			log.Fatal(err)
		}
		rec := ledger.Record{Kind: "decision", ID: fmt.Sprint("d", i), Body: body, Salt: salt}
		if _, err := store.Add(ctx, rec); err != nil {
			log.Fatal(err)
		}
		if i == 1 {
			decision = rec
		}
	}

	// Checkpoint.
	pub := &ledger.Publisher{Store: store, Signer: signer}
	if _, err := pub.Publish(ctx); err != nil {
		log.Fatal(err)
	}

	// Audit: someone with the record, its salt, and the log's public key.
	verifier, err := ledger.NewVerifier(vkey)
	if err != nil {
		log.Fatal(err)
	}
	signed, err := store.LatestCheckpoint(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cp, err := verifier.Open(signed)
	if err != nil {
		log.Fatal(err)
	}
	proof, err := ledger.ProveInclusion(ctx, store, cp.Size, 1)
	if err != nil {
		log.Fatal(err)
	}
	err = ledger.CheckInclusion(proof, cp, 1, decision.Commitment())
	fmt.Printf("%s has %d leaves; %s is leaf 1: %v\n", cp.Origin, cp.Size, decision, err == nil)

	// The same as a receipt, to hand over with the record.
	receipt, err := ledger.NewReceipt(ctx, store, verifier, signed, decision, 1)
	if err != nil {
		log.Fatal(err)
	}
	_, err = receipt.Check(verifier, decision)
	fmt.Println("receipt holds:", err == nil)
	// Output:
	// sheriff.example.gov/log has 3 leaves; decision/d1 is leaf 1: true
	// receipt holds: true
}

// A store writes the record and its leaf in one transaction, so neither
// exists without the other. MemStore's Update stands for the database's.
func ExampleAppend() {
	ctx := context.Background()
	store := ledger.NewMemStore()
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	rec := ledger.Record{Kind: "read", ID: "r-1", Body: []byte(`{"by":"clerk-4","person":"p-9"}`), Salt: salt}
	err = store.Update(ctx, func(tx *ledger.MemTx) error {
		if err := tx.PutRecord(ctx, rec); err != nil { // INSERT INTO reads …
			return err
		}
		leaf, err := ledger.Append(ctx, tx, rec)
		if err != nil {
			return err
		}
		fmt.Println("leaf", leaf.Index, "for", leaf)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output: leaf 0 for read/r-1
}

func ExampleCanonicalJSON() {
	out, err := ledger.CanonicalJSON([]byte(`{ "z": 1.50, "a": [true, null, 1e21, "\u00e9"] }`))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output: {"a":[true,null,1e+21,"é"],"z":1.5}
}

func ExampleTilePath() {
	fmt.Println(ledger.TilePath(tlog.Tile{H: 8, L: 0, N: 1234067, W: 256}))
	fmt.Println(ledger.TilePath(tlog.Tile{H: 8, L: 1, N: 1, W: 17}))
	fmt.Println(ledger.TilePath(tlog.Tile{H: 8, L: -1, N: 273, W: 112}))
	// Output:
	// tile/0/x001/x234/067
	// tile/1/001.p/17
	// tile/entries/273.p/112
}

// The server mounts the public log at /log/.
func ExampleNewHandler() {
	skey, _, err := ledger.GenerateKey(rand.Reader, "sheriff.example.gov/log")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	store := ledger.NewMemStore()
	mux := http.NewServeMux()
	mux.Handle("GET /log/", http.StripPrefix("/log", ledger.NewHandler(store, store, signer.Verifier(), nil)))
	_ = mux // http.ListenAndServe(addr, mux)
}

// deletedRecord hides one record, as if its row had been deleted.
type deletedRecord struct {
	*ledger.MemStore
	id string
}

func (s deletedRecord) Entries(ctx context.Context) iter.Seq2[ledger.Entry, error] {
	return func(yield func(ledger.Entry, error) bool) {
		for e, err := range s.MemStore.Entries(ctx) {
			if e.Record != nil && e.Record.ID == s.id {
				e.Record = nil
			}
			if !yield(e, err) {
				return
			}
		}
	}
}

// Verify finds a record deleted behind the log's back.
func ExampleVerify() {
	ctx := context.Background()
	skey, _, err := ledger.GenerateKey(rand.Reader, "sheriff.example.gov/log")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		log.Fatal(err)
	}
	store := ledger.NewMemStore()
	for i := range 5 {
		salt, err := ledger.NewSalt(rand.Reader)
		if err != nil {
			log.Fatal(err)
		}
		if _, err := store.Add(ctx, ledger.Record{Kind: "override", ID: fmt.Sprint("o", i), Body: []byte("{}"), Salt: salt}); err != nil {
			log.Fatal(err)
		}
	}
	if _, err := (&ledger.Publisher{Store: store, Signer: signer}).Publish(ctx); err != nil {
		log.Fatal(err)
	}

	rep, err := ledger.Verify(ctx, deletedRecord{store, "o3"}, signer.Verifier())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d leaves, %d records, %d checkpoint\n", rep.Leaves, rep.Records, rep.Checkpoints)
	for _, p := range rep.Problems {
		fmt.Println(p.Kind, p)
	}
	// Output:
	// 5 leaves, 4 records, 1 checkpoint
	// deleted override/o3 (leaf 3) was deleted
}
