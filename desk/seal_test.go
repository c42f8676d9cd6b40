package desk

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"
)

func TestSealer(t *testing.T) {
	s, err := NewSealer(bytes.Repeat([]byte{7}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := s.Seal("Jane Doe", "per_1/name")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "Jane") {
		t.Fatalf("sealed value shows the plaintext: %s", sealed)
	}
	if got, err := s.Open(sealed, "per_1/name"); err != nil || got != "Jane Doe" {
		t.Errorf("Open = %q, %v, want Jane Doe", got, err)
	}
	if _, err := s.Open(sealed, "per_2/name"); err == nil {
		t.Error("Open with another record's context succeeded")
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32), rand.Reader)
	if _, err := other.Open(sealed, "per_1/name"); err == nil {
		t.Error("Open with another key succeeded")
	}
	if _, err := NewSealer([]byte("short"), rand.Reader); err == nil {
		t.Error("NewSealer accepted a 5-byte key")
	}
}
