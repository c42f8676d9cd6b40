package ledger_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"testing"
	"testing/iotest"
	"time"

	"liaison"
	"liaison/ledger"
)

func TestCommitmentLayout(t *testing.T) {
	rec := ledger.Record{Kind: "read", ID: "r-17", Body: []byte(`{"by":"clerk-4","person":"p-9"}`)}
	for i := range rec.Salt {
		rec.Salt[i] = byte(i)
	}
	// The layout documented on Record.Commitment, written out again.
	var b bytes.Buffer
	b.WriteString("liaison.ledger.leaf.v1\x00")
	b.Write(rec.Salt[:])
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(rec.Kind))))
	b.WriteString(rec.Kind)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(rec.ID))))
	b.WriteString(rec.ID)
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(len(rec.Body))))
	b.Write(rec.Body)
	want := sha256.Sum256(b.Bytes())
	if got := rec.CommitmentV1(); got != want {
		t.Errorf("CommitmentV1() = %x, want %x", got, want)
	}
	// Frozen: every log written before migration 0004 depends on this
	// value not changing.
	const golden = "557b3e44cbae1b66ec0ac6c9c7426bf8114ada94ca4f939d718628bf04bd8d9a"
	if got := hex.EncodeToString(want[:]); got != golden {
		t.Errorf("the leaf format 1 changed: CommitmentV1() = %s, want %s", got, golden)
	}
	if f := rec.Format(want); f != 1 {
		t.Errorf("Format(format 1 leaf) = %d, want 1", f)
	}
}

func TestCommitmentLayoutV2(t *testing.T) {
	rec := ledger.Record{Kind: "decision", ID: "d-17", Agency: "ag-1", Person: "p-9", Parent: "req-3", Key: "",
		At: time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC), Body: []byte(`{"id":"d-17"}`)}
	for i := range rec.Salt {
		rec.Salt[i] = byte(i)
	}
	// The layout documented on Record.Commitment, written out again.
	var b bytes.Buffer
	b.WriteString("liaison.ledger.leaf.v2\x00")
	b.Write(rec.Salt[:])
	for _, s := range []string{rec.Kind, rec.ID, rec.Agency, rec.Person, rec.Parent, rec.Key} {
		b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
		b.WriteString(s)
	}
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(rec.At.UnixMicro())))
	b.Write(binary.BigEndian.AppendUint64(nil, uint64(len(rec.Body))))
	b.Write(rec.Body)
	want := sha256.Sum256(b.Bytes())
	if got := rec.Commitment(); got != want {
		t.Errorf("Commitment() = %x, want %x", got, want)
	}
	const golden = "0fad19d853f12fcef5149eef9a9142f858226510d71b9bdd8e648b756c75b5e1"
	if got := hex.EncodeToString(want[:]); got != golden {
		t.Errorf("the leaf format 2 changed: Commitment() = %s, want %s", got, golden)
	}
	if f := rec.Format(want); f != 2 {
		t.Errorf("Format(format 2 leaf) = %d, want 2", f)
	}
	if f := rec.Format(ledger.Commitment{}); f != 0 {
		t.Errorf("Format(another leaf) = %d, want 0", f)
	}
}

func TestCommitmentSeparatesFields(t *testing.T) {
	base := ledger.Record{Kind: "decision", ID: "d1", Body: []byte("{}"), Salt: ledger.Salt{1}}
	variants := map[string]ledger.Record{
		"kind":           {Kind: "decisio", ID: "nd1", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"id":             {Kind: "decision", ID: "d2", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"id into body":   {Kind: "decision", ID: "d", Body: []byte("1{}"), Salt: ledger.Salt{1}},
		"body":           {Kind: "decision", ID: "d1", Body: []byte("{ }"), Salt: ledger.Salt{1}},
		"salt":           {Kind: "decision", ID: "d1", Body: []byte("{}"), Salt: ledger.Salt{2}},
		"salt last byte": {Kind: "decision", ID: "d1", Body: []byte("{}"), Salt: ledger.Salt{31: 1}},
		"agency":         {Kind: "decision", ID: "d1", Agency: "a", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"person":         {Kind: "decision", ID: "d1", Person: "a", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"parent":         {Kind: "decision", ID: "d1", Parent: "a", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"key":            {Kind: "decision", ID: "d1", Key: "a", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"agency/person":  {Kind: "decision", ID: "d1", Agency: "a", Person: "b", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"person/agency":  {Kind: "decision", ID: "d1", Agency: "ab", Body: []byte("{}"), Salt: ledger.Salt{1}},
		"at":             {Kind: "decision", ID: "d1", At: time.UnixMicro(1), Body: []byte("{}"), Salt: ledger.Salt{1}},
	}
	seen := map[ledger.Commitment]string{base.Commitment(): "base"}
	for name, rec := range variants {
		c := rec.Commitment()
		if other, ok := seen[c]; ok {
			t.Errorf("Commitment() of %q equals that of %q", name, other)
		}
		seen[c] = name
	}
	same := base
	same.Body = []byte("{}")
	if same.Commitment() != base.Commitment() {
		t.Error("Commitment() is not deterministic")
	}
}

func TestCommitmentText(t *testing.T) {
	c := ledger.Record{Kind: "k", ID: "i", Salt: ledger.Salt{9}}.Commitment()
	text, err := c.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back ledger.Commitment
	if err := back.UnmarshalText(text); err != nil || back != c {
		t.Errorf("UnmarshalText(%s) = %v, %v; want %v", text, back, err, c)
	}
	for _, bad := range []string{"", "AAAA", "not base64!", c.String() + "AAAA"} {
		if err := back.UnmarshalText([]byte(bad)); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("UnmarshalText(%q) = %v, want an invalid error", bad, err)
		}
	}
}

func TestNewSalt(t *testing.T) {
	a, err := ledger.NewSalt(seeded(1))
	if err != nil || a.IsZero() {
		t.Fatalf("NewSalt = %v, %v", a, err)
	}
	b, _ := ledger.NewSalt(seeded(2))
	if a == b {
		t.Error("NewSalt gave the same salt from different streams")
	}
	short := iotest.ErrReader(errors.New("no entropy"))
	if _, err := ledger.NewSalt(short); err == nil {
		t.Error("NewSalt(failing reader) = nil error")
	}
	if _, err := ledger.NewSalt(bytes.NewReader(make([]byte, 31))); err == nil {
		t.Error("NewSalt(31 bytes) = nil error")
	}
}

func TestRecordValidate(t *testing.T) {
	tests := []struct {
		name  string
		rec   ledger.Record
		field string
	}{
		{"ok", ledger.Record{Kind: "k", ID: "i", Salt: ledger.Salt{1}}, ""},
		{"empty body is fine", ledger.Record{Kind: "k", ID: "i", Body: nil, Salt: ledger.Salt{1}}, ""},
		{"no kind", ledger.Record{ID: "i", Salt: ledger.Salt{1}}, "kind"},
		{"no id", ledger.Record{Kind: "k", Salt: ledger.Salt{1}}, "id"},
		{"zero salt", ledger.Record{Kind: "k", ID: "i"}, "salt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.rec.Validate()
			if tt.field == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *liaison.Error
			if !errors.As(err, &e) || e.Kind != liaison.Invalid || e.Field != tt.field {
				t.Errorf("Validate() = %v, want an invalid error on %s", err, tt.field)
			}
		})
	}
}
