package ledger

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"liaison"
)

// Witness cosignatures follow C2SP tlog-cosignature
// (c2sp.org/tlog-cosignature): a witness signs, with an Ed25519 key of
// algorithm 0x04, the message
//
//	cosignature/v1
//	time <unix seconds>
//	<the checkpoint's note text>
//
// and its signature line carries the time and the signature. The key's
// name is the witness's name. note.NewVerifier knows only algorithm 0x01,
// and torchwood's cosignature verifier is made from a private key, so the
// verifier key text is parsed here.

// algCosignatureV1 is the signed-note algorithm byte of a cosignature key.
const algCosignatureV1 = 0x04

// CosignatureVerifier checks a witness's cosignatures; it is a
// note.Verifier, so note.Open counts its signatures among a note's.
type CosignatureVerifier struct {
	name string
	hash uint32
	key  ed25519.PublicKey
}

// NewCosignatureVerifier parses a witness's verifier key: name+hash+base64(0x04 || key).
func NewCosignatureVerifier(vkey string) (*CosignatureVerifier, error) {
	vkey = strings.TrimSpace(vkey)
	bad := func(why string) error {
		return liaison.Errorf(liaison.Invalid, "", "witness key %q %s (want name+hash+key, a C2SP tlog-cosignature key)", vkey, why)
	}
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || name == "" || strings.ContainsAny(name, " \t\n") {
		return nil, bad("is not a signed-note key")
	}
	h, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil || len(hash16) != 8 {
		return nil, bad("has no 8-digit key hash")
	}
	raw, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algCosignatureV1 {
		return nil, bad("is not an Ed25519 cosignature key (algorithm 0x04)")
	}
	v := &CosignatureVerifier{name: name, hash: uint32(h), key: ed25519.PublicKey(raw[1:])}
	if cosignKeyHash(name, v.key) != v.hash {
		return nil, bad("has a key hash that does not match its name and key")
	}
	return v, nil
}

func cosignKeyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name + "\n"))
	h.Write([]byte{algCosignatureV1})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}

// Name returns the witness's name.
func (v *CosignatureVerifier) Name() string { return v.name }

// KeyHash returns the key's hash, as its signature lines carry it.
func (v *CosignatureVerifier) KeyHash() uint32 { return v.hash }

// String returns the verifier key text.
func (v *CosignatureVerifier) String() string {
	return fmt.Sprintf("%s+%08x+%s", v.name, v.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignatureV1}, v.key...)))
}

// Verify reports whether sig (time || signature) is the witness's
// cosignature of the checkpoint text msg.
func (v *CosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	m, err := cosignedMessage(binary.BigEndian.Uint64(sig), msg)
	if err != nil {
		return false
	}
	return ed25519.Verify(v.key, m, sig[8:])
}

// cosignedMessage is what a witness signs for the checkpoint text msg at
// time t. Only a checkpoint is cosigned.
func cosignedMessage(t uint64, msg []byte) ([]byte, error) {
	if _, err := ParseCheckpoint(msg); err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "cosignature/v1\ntime %d\n%s", t, msg), nil
}

// CosignatureSigner cosigns checkpoints as a witness; it is a note.Signer.
type CosignatureSigner struct {
	v    CosignatureVerifier
	priv ed25519.PrivateKey
	now  func() time.Time
}

// GenerateWitnessKey makes a new witness key named name: skey is the
// secret key text (a signed-note PRIVATE+KEY line, whose seed is the
// cosigning key), vkey the cosignature verifier key that logs and auditors
// pin. rand is crypto/rand.Reader in production.
func GenerateWitnessKey(rand io.Reader, name string) (skey, vkey string, err error) {
	skey, _, err = GenerateKey(rand, name)
	if err != nil {
		return "", "", fmt.Errorf("witness key: %w", err)
	}
	s, err := NewCosignatureSigner(skey, time.Now)
	if err != nil {
		return "", "", err
	}
	return skey, s.Verifier().String(), nil
}

// NewCosignatureSigner returns the cosigner of the secret key skey (from
// GenerateWitnessKey), stamping each cosignature with now().
func NewCosignatureSigner(skey string, now func() time.Time) (*CosignatureSigner, error) {
	skey = strings.TrimSpace(skey)
	if _, err := note.NewSigner(skey); err != nil {
		return nil, fmt.Errorf("witness key: not a signed-note secret key (PRIVATE+KEY+…): %w", err)
	}
	pub, err := ed25519Public(skey)
	if err != nil {
		return nil, fmt.Errorf("witness key: %w", err)
	}
	f := strings.SplitN(skey, "+", 5)
	seed, _ := base64.StdEncoding.DecodeString(f[4]) // checked by ed25519Public
	s := &CosignatureSigner{priv: ed25519.NewKeyFromSeed(seed[1:]), now: now}
	s.v = CosignatureVerifier{name: f[2], key: pub, hash: cosignKeyHash(f[2], pub)}
	return s, nil
}

// Name returns the witness's name.
func (s *CosignatureSigner) Name() string { return s.v.name }

// KeyHash returns the key's hash.
func (s *CosignatureSigner) KeyHash() uint32 { return s.v.hash }

// Verifier returns the verifier of this signer's cosignatures.
func (s *CosignatureSigner) Verifier() *CosignatureVerifier { return &s.v }

// Sign cosigns the checkpoint text msg: time || signature.
func (s *CosignatureSigner) Sign(msg []byte) ([]byte, error) {
	t := s.now().Unix()
	if t < 0 {
		return nil, errors.New("cosign: time before 1970")
	}
	m, err := cosignedMessage(uint64(t), msg)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	sig := binary.BigEndian.AppendUint64(nil, uint64(t))
	return append(sig, ed25519.Sign(s.priv, m)...), nil
}

var (
	_ note.Verifier = (*CosignatureVerifier)(nil)
	_ note.Signer   = (*CosignatureSigner)(nil)
)

// Cosignatures returns the names of the witnesses in ws whose valid
// cosignatures the signed checkpoint carries (other signatures are
// ignored).
func Cosignatures(signed []byte, ws []*CosignatureVerifier) []string {
	var names []string
	for _, w := range ws {
		if _, err := note.Open(signed, note.VerifierList(w)); err == nil {
			names = append(names, w.Name())
		}
	}
	return names
}
