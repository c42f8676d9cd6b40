package ledger_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"liaison/ledger"
)

// TestAuditSameSizeFork: two logs under one key, of the same size but with
// other records, shown to one auditor one after the other: the second is
// refused as a fork before its tiles are read, and the state keeps the
// first. Witness cosignatures are counted against the policy.
func TestAuditSameSizeFork(t *testing.T) {
	ctx := context.Background()
	signer := testSigner(t, 1)
	var current atomic.Pointer[http.Handler]
	show := func(store *ledger.MemStore, cps ledger.CheckpointReader) {
		var h http.Handler = http.StripPrefix("/log", ledger.NewHandler(store, cps, signer.Verifier(), nil))
		current.Store(&h)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) }))
	defer srv.Close()

	a, b := ledger.NewMemStore(), ledger.NewMemStore()
	fill(t, a, seeded(70), 600)
	fill(t, b, seeded(71), 600)
	for _, s := range []*ledger.MemStore{a, b} {
		if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ws := testWitnessSigner(t, 12, "w.example.org/w")
	_, wsrv := newTestWitness(t, t.TempDir(), ws, signer.Verifier().Key())
	cos := &ledger.Cosigner{Log: a, Verifier: signer.Verifier(), Witnesses: []ledger.WitnessEndpoint{{URL: wsrv.URL, Verifier: ws.Verifier()}}}
	if _, err := cos.Cosign(ctx); err != nil {
		t.Fatal(err)
	}
	show(a, cos)

	state := &ledger.AuditState{Logs: map[string]ledger.AuditedLog{}}
	audit := func(min int) (string, error) {
		var out bytes.Buffer
		err := ledger.Audit(ctx, ledger.AuditConfig{URL: srv.URL, Key: signer.Verifier().Key(), State: state, Out: &out,
			Witnesses: []*ledger.CosignatureVerifier{ws.Verifier()}, MinCosignatures: min})
		return out.String(), err
	}
	if out, err := audit(1); err != nil || !strings.Contains(out, "ok cosignatures: 1 of 1 witnesses (w.example.org/w), 1 required") {
		t.Fatalf("audit of a = %v\n%s", err, out)
	}
	first := state.Logs[ledger.LogURL(srv.URL)]
	if first.Size != 600 {
		t.Fatalf("state after the audit = %+v", first)
	}

	show(b, b)
	if _, err := audit(1); err == nil || !strings.Contains(err.Error(), "cosignatures: 0 of the 1 witnesses") {
		t.Errorf("audit of b requiring a cosignature = %v", err)
	}
	_, err := audit(0)
	if err == nil || !strings.Contains(err.Error(), "forked: the log's checkpoint of 600 leaves has root") {
		t.Errorf("audit of a same-size fork = %v", err)
	}
	if got := state.Logs[ledger.LogURL(srv.URL)]; got != first {
		t.Errorf("a failed audit changed the state: %+v", got)
	}
}
