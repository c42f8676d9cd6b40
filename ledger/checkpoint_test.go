package ledger_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

func TestCheckpointSignOpen(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	fill(t, store, seeded(6), 20)
	s := testSigner(t, 1)
	cp, signed, err := s.SignTree(ctx, store, 20)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Origin != testOrigin || cp.Size != 20 {
		t.Errorf("SignTree = %+v", cp)
	}
	lines := strings.Split(string(signed), "\n")
	if len(lines) != 6 || lines[0] != testOrigin || lines[1] != "20" || lines[2] != cp.Hash.String() || lines[3] != "" || !strings.HasPrefix(lines[4], "— "+testOrigin+" ") {
		t.Errorf("signed checkpoint is not a C2SP checkpoint note:\n%s", signed)
	}

	// Anyone with only the public key can open it.
	_, vkey, _ := ledger.GenerateKey(seeded(1), testOrigin)
	if s.Verifier().Key() != vkey {
		t.Errorf("Signer's verifier key = %q, want %q from GenerateKey", s.Verifier().Key(), vkey)
	}
	v, err := ledger.NewVerifier(vkey + "\n")
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Open(signed)
	if err != nil || got != cp {
		t.Errorf("Open = %+v, %v; want %+v", got, err, cp)
	}

	// Another key with the same name must not open it.
	other := testSigner(t, 2)
	if _, err := other.Verifier().Open(signed); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Open with another key = %v, want invalid", err)
	}
	// Nor a changed body.
	forged := bytes.Replace(signed, []byte("\n20\n"), []byte("\n21\n"), 1)
	if _, err := v.Open(forged); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Open of a changed body = %v, want invalid", err)
	}
	// A witness's cosignature (an unknown key) is ignored.
	wskey, _, _ := note.GenerateKey(seeded(9), "witness.example/w1")
	ws, _ := note.NewSigner(wskey)
	cosigned, err := note.Sign(&note.Note{Text: string(cp.Text())}, ws, mustNoteSigner(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Open(cosigned); err != nil || got != cp {
		t.Errorf("Open of a cosigned checkpoint = %+v, %v", got, err)
	}
	// Only the witness's signature: not ours.
	witnessOnly, _ := note.Sign(&note.Note{Text: string(cp.Text())}, ws)
	if _, err := v.Open(witnessOnly); err == nil {
		t.Error("Open of a checkpoint signed only by another key = nil error")
	}
	// The right key, another origin in the body.
	wrongOrigin := cp
	wrongOrigin.Origin = "other.example/log"
	msg, _ := note.Sign(&note.Note{Text: string(wrongOrigin.Text())}, mustNoteSigner(t, 1))
	if _, err := v.Open(msg); err == nil {
		t.Error("Open of a checkpoint for another origin = nil error")
	}
	if _, err := s.Sign(wrongOrigin); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("Sign(another origin) = %v, want invalid", err)
	}
}

// mustNoteSigner returns the raw note signer of testSigner(seed).
func mustNoteSigner(t *testing.T, seed uint64) note.Signer {
	skey, _, err := ledger.GenerateKey(seeded(seed), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseCheckpoint(t *testing.T) {
	root := tlog.Hash{1, 2, 3}
	ok := testOrigin + "\n42\n" + root.String() + "\n"
	tests := []struct {
		name string
		text string
		want *ledger.Checkpoint
	}{
		{"ok", ok, &ledger.Checkpoint{Origin: testOrigin, Size: 42, Hash: root}},
		{"extension lines ignored", ok + "ext one\next two\n", &ledger.Checkpoint{Origin: testOrigin, Size: 42, Hash: root}},
		{"empty tree", testOrigin + "\n0\n" + root.String() + "\n", &ledger.Checkpoint{Origin: testOrigin, Hash: root}},
		{"no final newline", strings.TrimSuffix(ok, "\n"), nil},
		{"two lines", testOrigin + "\n42\n", nil},
		{"empty origin", "\n42\n" + root.String() + "\n", nil},
		{"empty extension line", ok + "\n", nil},
		{"leading zero", testOrigin + "\n042\n" + root.String() + "\n", nil},
		{"plus sign", testOrigin + "\n+42\n" + root.String() + "\n", nil},
		{"negative", testOrigin + "\n-1\n" + root.String() + "\n", nil},
		{"size overflow", testOrigin + "\n9223372036854775808\n" + root.String() + "\n", nil},
		{"short hash", testOrigin + "\n42\nAAAA\n", nil},
		{"bad base64", testOrigin + "\n42\n" + strings.Repeat("!", 44) + "\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ledger.ParseCheckpoint([]byte(tt.text))
			if tt.want == nil {
				if liaison.KindOf(err) != liaison.Invalid {
					t.Errorf("ParseCheckpoint(%q) = %+v, %v; want invalid", tt.text, got, err)
				}
				return
			}
			if err != nil || got != *tt.want {
				t.Errorf("ParseCheckpoint(%q) = %+v, %v; want %+v", tt.text, got, err, *tt.want)
			}
			if tt.name == "ok" && string(got.Text()) != tt.text {
				t.Errorf("Text() = %q, want %q", got.Text(), tt.text)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	if _, _, err := ledger.GenerateKey(seeded(1), "has space/log"); err == nil {
		t.Error("GenerateKey with a space in the origin = nil error")
	}
	if _, _, err := ledger.GenerateKey(seeded(1), "a+b"); err == nil {
		t.Error("GenerateKey with a plus in the origin = nil error")
	}
	skey, vkey, err := ledger.GenerateKey(seeded(1), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(skey, "PRIVATE+KEY+"+testOrigin+"+") || !strings.HasPrefix(vkey, testOrigin+"+") {
		t.Errorf("GenerateKey = %q, %q", skey, vkey)
	}
	for _, bad := range []string{"", vkey, "PRIVATE+KEY+x+00000000+AAAA"} {
		if _, err := ledger.NewSigner(bad); err == nil {
			t.Errorf("NewSigner(%q) = nil error", bad)
		}
	}
	for _, bad := range []string{"", skey, testOrigin + "+00000000+AAAA"} {
		if _, err := ledger.NewVerifier(bad); liaison.KindOf(err) != liaison.Invalid {
			t.Errorf("NewVerifier(%q) = %v, want invalid", bad, err)
		}
	}
	s, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin() != testOrigin || s.Verifier().Origin() != testOrigin {
		t.Errorf("origins = %q, %q", s.Origin(), s.Verifier().Origin())
	}
	// The signer derives the verifier key from the secret key, whose
	// base64 may hold '+' (the field separator).
	plus := 0
	for seed := range uint64(200) {
		skey, vkey, err := ledger.GenerateKey(seeded(seed), testOrigin)
		if err != nil {
			t.Fatal(err)
		}
		plus += strings.Count(skey, "+") - 4
		s, err := ledger.NewSigner(skey)
		if err != nil || s.Verifier().Key() != vkey {
			t.Fatalf("NewSigner(%q) = verifier %v, %v; want %q", skey, s, err, vkey)
		}
	}
	if plus == 0 {
		t.Error("no generated key had a '+' in its base64")
	}
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte(testOrigin + "\n42\n" + tlog.Hash{1}.String() + "\n"))
	f.Add([]byte("o\n0\n" + tlog.Hash{}.String() + "\next\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		cp, err := ledger.ParseCheckpoint(text)
		if err != nil {
			return
		}
		again, err := ledger.ParseCheckpoint(cp.Text())
		if err != nil || again != cp {
			t.Fatalf("ParseCheckpoint(Text()) of %q = %+v, %v; want %+v", text, again, err, cp)
		}
	})
}

// TestSignerIDs names the key that signed a checkpoint the way the
// verifier's KeyID names it, so an operator can tell which key a database
// expects.
func TestSignerIDs(t *testing.T) {
	a, b := testSigner(t, 1), testSigner(t, 2)
	signed, err := a.Sign(ledger.Checkpoint{Origin: a.Origin(), Size: 0})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := ledger.SignerIDs(signed)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != a.Verifier().KeyID() {
		t.Errorf("SignerIDs = %q, want [%q]", ids, a.Verifier().KeyID())
	}
	if a.Verifier().KeyID() == b.Verifier().KeyID() || !strings.HasPrefix(a.Verifier().Key(), a.Verifier().KeyID()+"+") {
		t.Errorf("KeyID %q of key %q, other key's %q", a.Verifier().KeyID(), a.Verifier().Key(), b.Verifier().KeyID())
	}
	if _, err := ledger.SignerIDs([]byte("not a note")); liaison.KindOf(err) != liaison.Invalid {
		t.Errorf("SignerIDs(not a note) = %v, want Invalid", err)
	}
}
