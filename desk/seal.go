package desk

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"io"

	"liaison"
)

// Sealer encrypts personal data at rest with AES-256-GCM. The key comes
// from configuration, never from the database.
type Sealer struct {
	aead cipher.AEAD
	rand io.Reader
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte, rand io.Reader) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("seal key is %d bytes, want 32 (generate one with `liaison key seal`)", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	return &Sealer{aead: aead, rand: rand}, nil
}

// Seal encrypts plaintext bound to context (e.g. the person's id, so a
// sealed value cannot be moved to another record).
func (s *Sealer) Seal(plaintext, context string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	if _, err := io.ReadFull(s.rand, nonce); err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))), nil
}

// Open decrypts a value Seal made with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", liaison.Errorf(liaison.Internal, "", "sealed value is malformed")
	}
	n := s.aead.NonceSize()
	pt, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", liaison.Errorf(liaison.Internal, "", "sealed value does not open with this key and context")
	}
	return string(pt), nil
}
