package ledger_test

import (
	"encoding/json"
	"os"
	"testing"

	"liaison"
	"liaison/ledger"
)

// BenchmarkColumnsOf measures what the stores now do for each record they
// append or read: derive the index columns from the body (a JSON decode of
// the few fields they come from) and, on append, the format 2 commitment
// beside format 1's. The bodies: a decision record of about 10 KB
// (testdata/decision.json) and the small benchBody.
func BenchmarkColumnsOf(b *testing.B) {
	data, err := os.ReadFile("testdata/decision.json")
	if err != nil {
		b.Fatal(err)
	}
	var d liaison.Decision
	if err := json.Unmarshal(data, &d); err != nil {
		b.Fatal(err)
	}
	big, err := ledger.MarshalCanonical(liaison.DecisionRecord{ID: "dec-01J8ZQ4", Agency: "us/ca/los-angeles-county/jail",
		Request: "req-01J8ZQ3", Action: "notify_release", Stage: liaison.StageIntake, Decision: d})
	if err != nil {
		b.Fatal(err)
	}
	for _, body := range []struct {
		name string
		b    []byte
	}{{"decision-10KB", big}, {"small", benchBody}} {
		b.Run("ColumnsOf/"+body.name, func(b *testing.B) {
			b.SetBytes(int64(len(body.b)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := liaison.ColumnsOf(liaison.KindDecision, body.b); err != nil {
					b.Fatal(err)
				}
			}
		})
		rec := ledger.Record{Kind: liaison.KindDecision, ID: "dec-01J8ZQ4", Agency: "us/ca/los-angeles-county/jail",
			Person: "p-000042", Parent: "req-01J8ZQ3", Body: body.b, Salt: ledger.Salt{1}}
		b.Run("CommitmentV1/"+body.name, func(b *testing.B) {
			b.SetBytes(int64(len(body.b)))
			for b.Loop() {
				rec.CommitmentV1()
			}
		})
		b.Run("Commitment/"+body.name, func(b *testing.B) {
			b.SetBytes(int64(len(body.b)))
			for b.Loop() {
				rec.Commitment()
			}
		})
	}
}
