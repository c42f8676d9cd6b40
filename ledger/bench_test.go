package ledger_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// benchBody is a decision record of a typical size (about 300 bytes).
var benchBody = []byte(`{"action":"notify_release","agency":"us/ca/alameda/sheriff","as_of":"2025-03-01T09:30:00Z","decision":"forbidden","deciding_rules":["us/ca/values-act#7284.6(a)(1)(C)"],"packs":{"us/ca/values-act":"sha256:9f0a1c"},"request":"r-000123","subject":"p-004567"}`)

// benchRecord returns record i with a salt derived from i (benchmarks need
// speed, not secrecy).
func benchRecord(i int64) ledger.Record {
	rec := ledger.Record{Kind: "decision", ID: strconv.FormatInt(i, 10), Body: benchBody}
	binary.BigEndian.PutUint64(rec.Salt[:], uint64(i)+1)
	return rec
}

// benchLog returns a store with n leaves, appended in batches.
func benchLog(b *testing.B, n int64) *ledger.MemStore {
	b.Helper()
	ctx := context.Background()
	store := ledger.NewMemStore()
	const batch = 4096
	for start := int64(0); start < n; start += batch {
		err := store.Update(ctx, func(tx *ledger.MemTx) error {
			for i := start; i < min(start+batch, n); i++ {
				if _, err := ledger.Append(ctx, tx, benchRecord(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return store
}

// BenchmarkAppend measures appending one record's leaf: its commitment, the
// tree hashes it completes, and the in-memory transaction.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	var i int64
	for b.Loop() {
		err := store.Update(ctx, func(tx *ledger.MemTx) error {
			_, err := ledger.Append(ctx, tx, benchRecord(i))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkAdd is Append with the record itself written in the same
// transaction, as a store does.
func BenchmarkAdd(b *testing.B) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	var i int64
	for b.Loop() {
		if _, err := store.Add(ctx, benchRecord(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkCommitment(b *testing.B) {
	rec := benchRecord(1)
	b.SetBytes(int64(len(rec.Body)))
	for b.Loop() {
		rec.Commitment()
	}
}

func BenchmarkCanonicalJSON(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		if _, err := ledger.CanonicalJSON(benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

// canonicalValues are records as the desk logs them: a decision of about
// 14 KB (testdata/decision.json is the output of `liaison decide --json
// examples/request.json`), the request record it was made for, and a small
// map. BenchmarkMarshalCanonical encodes them; TestMarshalCanonicalGolden
// pins their bytes.
func canonicalValues(tb testing.TB) []struct {
	name string
	v    any
} {
	tb.Helper()
	data, err := os.ReadFile("testdata/decision.json")
	if err != nil {
		tb.Fatal(err)
	}
	var d liaison.Decision
	if err := json.Unmarshal(data, &d); err != nil {
		tb.Fatal(err)
	}
	data, err = os.ReadFile("../examples/request.json")
	if err != nil {
		tb.Fatal(err)
	}
	req, err := liaison.DecodeRequest(data)
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Date(2019, 3, 4, 17, 30, 0, 123456789, time.UTC)
	clerk := liaison.Actor{ID: "u-clerk", Role: liaison.RoleClerk}
	return []struct {
		name string
		v    any
	}{
		{"decision", liaison.DecisionRecord{ID: "dec-01J8ZQ4", Agency: "us/ca/los-angeles-county/jail", Request: "req-01J8ZQ3",
			Action: req.Action, Stage: liaison.StageIntake, AsOf: req.AsOf, Decision: d}},
		{"request", liaison.RequestRecord{ID: "req-01J8ZQ3", Agency: "us/ca/los-angeles-county/jail", Person: "p-000042",
			IdempotencyKey: "k-7f3a", Request: *req.Request, Actions: []liaison.Action{req.Action}, Subject: req.Subject,
			Agreements: req.Agreements, Context: req.Context, ReceivedBy: clerk, RecordedAt: at}},
		{"map", map[string]any{"action": "notify_release", "agency": "us/ca/alameda/sheriff", "as_of": at,
			"decision": "forbidden", "deciding_rules": []string{"us/ca/values-act#7284.6(a)(1)(C)"},
			"packs": map[string]string{"us/ca/values-act": "sha256:9f0a1c"}, "request": "r-000123", "subject": "p-004567"}},
	}
}

// BenchmarkMarshalCanonical is the product's path for a record's body
// (MarshalCanonical, the one-pass encoder), beside the plain path it
// replaces (encoding/json, then canonicalization), which the one-pass
// encoder must beat to be kept.
func BenchmarkMarshalCanonical(b *testing.B) {
	for _, path := range []struct {
		name    string
		marshal func(any) ([]byte, error)
	}{{"path=one-pass", ledger.MarshalCanonical}, {"path=plain", ledger.MarshalSlow}} {
		for _, tt := range canonicalValues(b) {
			b.Run(path.name+"/"+tt.name, func(b *testing.B) {
				out, err := path.marshal(tt.v)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := path.marshal(tt.v); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkInclusionProof proves a leaf's inclusion in a large tree, as an
// auditor's request does: the tree's root and the audit path. The target
// is 100 µs at 10M leaves.
func BenchmarkInclusionProof(b *testing.B) {
	for _, n := range []int64{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("leaves=%dM", n/1_000_000), func(b *testing.B) {
			if n > 1_000_000 && testing.Short() {
				b.Skip("skipping the 10M-leaf tree in -short mode")
			}
			ctx := context.Background()
			store := benchLog(b, n)
			runtime.GC()
			var i int64
			for b.Loop() {
				index := (i * 7919) % n
				root, err := ledger.TreeHash(ctx, store, n)
				if err != nil {
					b.Fatal(err)
				}
				p, err := ledger.ProveInclusion(ctx, store, n, index)
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					cp := ledger.Checkpoint{Size: n, Hash: root}
					if err := ledger.CheckInclusion(p, cp, index, benchRecord(index).Commitment()); err != nil {
						b.Fatal(err)
					}
				}
				i++
			}
		})
	}
}

func BenchmarkConsistencyProof(b *testing.B) {
	ctx := context.Background()
	const n = 1_000_000
	store := benchLog(b, n)
	var i int64
	for b.Loop() {
		if _, err := ledger.ProveConsistency(ctx, store, 1+(i*7919)%n, n); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkServeTile serves full level-0 tiles over HTTP (in process).
func BenchmarkServeTile(b *testing.B) {
	const n = 1_000_000
	store := benchLog(b, n)
	signer := testSigner(b, 1)
	h := ledger.NewHandler(store, store, signer.Verifier(), nil)
	var i int64
	for b.Loop() {
		t := tlog.Tile{H: ledger.TileHeight, L: 0, N: (i * 31) % (n / ledger.TileWidth), W: ledger.TileWidth}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/"+ledger.TilePath(t), nil))
		if rec.Code != 200 {
			b.Fatalf("GET %s = %d", ledger.TilePath(t), rec.Code)
		}
		i++
	}
}

// BenchmarkVerify audits a log of 100k records; ns/op is per leaf.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	const n = 100_000
	store := ledger.NewMemStore()
	for i := int64(0); i < n; i++ {
		if _, err := store.Add(ctx, benchRecord(i)); err != nil {
			b.Fatal(err)
		}
	}
	signer := testSigner(b, 1)
	if _, err := (&ledger.Publisher{Store: store, Signer: signer}).Publish(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rep, err := ledger.Verify(ctx, store, signer.Verifier())
		if err != nil || !rep.OK() {
			b.Fatalf("Verify = %v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/leaf")
}
