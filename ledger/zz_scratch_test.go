package ledger

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"time"

	"liaison"
)

func scratchRec(b *testing.B) liaison.DecisionRecord {
	data, err := os.ReadFile("/tmp/dec_compact.json")
	if err != nil {
		b.Fatal(err)
	}
	var d liaison.Decision
	if err := json.Unmarshal(data, &d); err != nil {
		b.Fatal(err)
	}
	return liaison.DecisionRecord{ID: "d-1", Agency: "a", Request: "r", Action: liaison.NotifyRelease, Stage: liaison.StageIntake, AsOf: time.Now(), Decision: d}
}

func BenchmarkScratch(b *testing.B) {
	rec := scratchRec(b)
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.Encode(rec)
		}
		b.SetBytes(int64(buf.Len()))
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(rec)
	b.Run("canon", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			CanonicalJSON(buf.Bytes())
		}
	})
	b.Run("both", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			MarshalCanonical(rec)
		}
	})
}

func BenchmarkScratch2(b *testing.B) {
	rec := scratchRec(b)
	want, _ := marshalCanonicalTwoPass(rec)
	got, err := MarshalCanonical(rec)
	if err != nil || !bytes.Equal(got, want) {
		b.Fatalf("mismatch %v\n%s\n%s", err, got, want)
	}
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			MarshalCanonical(rec)
		}
	})
	b.Run("twopass", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			marshalCanonicalTwoPass(rec)
		}
	})
}
