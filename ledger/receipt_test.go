package ledger_test

import (
	"context"
	"encoding/json"
	"testing"

	"liaison"
	"liaison/ledger"
)

func TestReceipt(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	signer := testSigner(t, 1)
	recs := fill(t, store, seeded(50), 100)
	if _, err := (&ledger.Publisher{Store: store, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	signed, err := store.LatestCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ledger.NewReceipt(ctx, store, signer.Verifier(), signed, recs[42], 42)
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as an auditor receives it.
	data, err := json.Marshal(rc)
	if err != nil {
		t.Fatal(err)
	}
	var got ledger.Receipt
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	cp, err := got.Check(signer.Verifier(), recs[42])
	if err != nil || cp.Size != 100 {
		t.Fatalf("Check = %+v, %v", cp, err)
	}

	tests := map[string]func() (ledger.Receipt, ledger.Record, *ledger.Verifier){
		"another record": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) { return got, recs[43], signer.Verifier() },
		"changed record": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) {
			r := recs[42]
			r.Body = []byte(`{}`)
			return got, r, signer.Verifier()
		},
		"another salt": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) {
			r := recs[42]
			r.Salt[0] ^= 1
			return got, r, signer.Verifier()
		},
		"another key": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) {
			return got, recs[42], testSigner(t, 2).Verifier()
		},
		"named another": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) {
			r := got
			r.ID = recs[43].ID
			return r, recs[42], signer.Verifier()
		},
		"index moved": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) {
			r := got
			r.Index = 43
			return r, recs[42], signer.Verifier()
		},
		"index out of the tree": func() (ledger.Receipt, ledger.Record, *ledger.Verifier) {
			r := got
			r.Index = 100
			return r, recs[42], signer.Verifier()
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rc, rec, v := tc()
			if _, err := rc.Check(v, rec); liaison.KindOf(err) != liaison.Invalid {
				t.Errorf("Check = %v, want invalid", err)
			}
		})
	}
	if _, err := ledger.NewReceipt(ctx, store, testSigner(t, 2).Verifier(), signed, recs[42], 42); err == nil {
		t.Error("NewReceipt with another log's key = nil error")
	}
	// Not yet under the checkpoint, or not the leaf's record: conflicts.
	late := fill(t, store, seeded(51), 101)[0]
	if _, err := ledger.NewReceipt(ctx, store, signer.Verifier(), signed, late, 100); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("NewReceipt(leaf 100 of 100) = %v, want conflict", err)
	}
	changed := recs[42]
	changed.Body = []byte(`{"changed":true}`)
	if _, err := ledger.NewReceipt(ctx, store, signer.Verifier(), signed, changed, 42); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("NewReceipt(a changed record) = %v, want conflict", err)
	}
}
