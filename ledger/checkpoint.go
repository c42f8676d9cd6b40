package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// Checkpoint is the head of the tree at one size, as the body of a C2SP
// tlog-checkpoint signed note (c2sp.org/tlog-checkpoint):
//
//	example.gov/liaison/log
//	20852163
//	CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
type Checkpoint struct {
	// Origin names the log: a schema-less URL such as
	// "sheriff.example.gov/log", which is also the signing key's name.
	Origin string
	// Size is the number of leaves in the tree.
	Size int64
	// Hash is the RFC 6962 root hash of the first Size leaves.
	Hash tlog.Hash
}

// Text returns the checkpoint's note text: origin, size and base64 root,
// each on its own line. liaison writes no extension lines.
func (c Checkpoint) Text() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, c.Hash)
}

// ParseCheckpoint parses a checkpoint's note text (not the signed note:
// see Verifier.Open). Extension lines after the root hash are accepted, as
// the spec requires, and ignored.
func ParseCheckpoint(text []byte) (Checkpoint, error) {
	bad := func(format string, args ...any) error {
		return liaison.Errorf(liaison.Invalid, "", "checkpoint: "+format, args...)
	}
	if !bytes.HasSuffix(text, []byte("\n")) {
		return Checkpoint{}, bad("text does not end in a newline")
	}
	lines := strings.Split(string(text[:len(text)-1]), "\n")
	if len(lines) < 3 {
		return Checkpoint{}, bad("has %d lines, want origin, size and root hash", len(lines))
	}
	for i, l := range lines {
		if l == "" {
			return Checkpoint{}, bad("line %d is empty", i+1)
		}
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return Checkpoint{}, bad("tree size %q is not a decimal number without leading zeros", lines[1])
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		return Checkpoint{}, bad("root hash %q is not 32 bytes in base64", lines[2])
	}
	c := Checkpoint{Origin: lines[0], Size: size}
	copy(c.Hash[:], raw)
	return c, nil
}

// GenerateKey makes a new Ed25519 signing key for the log named origin, in
// the signed-note formats (c2sp.org/signed-note): skey is the secret
// "PRIVATE+KEY+origin+…" text to keep out of the database and the
// repository; vkey is the public verifier key that /log/key serves and that
// auditors and witnesses pin. rand is crypto/rand.Reader in production.
func GenerateKey(rand io.Reader, origin string) (skey, vkey string, err error) {
	// The signed-note rules for a key name, which note.GenerateKey does not
	// check but note.NewVerifier does.
	if origin == "" || !utf8.ValidString(origin) || strings.IndexFunc(origin, unicode.IsSpace) >= 0 || strings.Contains(origin, "+") {
		return "", "", liaison.Errorf(liaison.Invalid, "origin", "log origin %q must be a name such as example.gov/log, without spaces or '+'", origin)
	}
	skey, vkey, err = note.GenerateKey(rand, origin)
	if err != nil {
		return "", "", fmt.Errorf("generate log key for %q: %w", origin, err)
	}
	return skey, vkey, nil
}

// Signer signs checkpoints with the log's Ed25519 key. The key's name is
// the log's origin.
type Signer struct {
	signer   note.Signer
	verifier *Verifier
}

// NewSigner returns a signer for the secret key skey from GenerateKey.
func NewSigner(skey string) (*Signer, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("log signing key: not a signed-note secret key (PRIVATE+KEY+…; make one with GenerateKey): %w", err)
	}
	pub, err := ed25519Public(skey)
	if err != nil {
		return nil, err
	}
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, fmt.Errorf("log signing key: %w", err)
	}
	v, err := NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &Signer{signer: s, verifier: v}, nil
}

// ed25519Public returns the public key of a signed-note Ed25519 secret key,
// which note.NewSigner has already checked: PRIVATE+KEY+name+hash+base64(1 || seed).
func ed25519Public(skey string) (ed25519.PublicKey, error) {
	// The name has no '+', but the base64 key may.
	f := strings.SplitN(skey, "+", 5)
	if len(f) != 5 {
		return nil, errors.New("log signing key: not a signed-note secret key")
	}
	key, err := base64.StdEncoding.DecodeString(f[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return nil, errors.New("log signing key: not an Ed25519 signed-note key")
	}
	return ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey), nil
}

// Origin returns the log's origin, the key's name.
func (s *Signer) Origin() string { return s.signer.Name() }

// Verifier returns the verifier for this signer's checkpoints.
func (s *Signer) Verifier() *Verifier { return s.verifier }

// Sign returns cp as a signed note. cp.Origin must be the signer's origin.
func (s *Signer) Sign(cp Checkpoint) ([]byte, error) {
	if cp.Origin != s.Origin() {
		return nil, liaison.Errorf(liaison.Invalid, "", "sign checkpoint: origin %q is not this log's %q", cp.Origin, s.Origin())
	}
	if cp.Size < 0 {
		return nil, liaison.Errorf(liaison.Invalid, "", "sign checkpoint: negative size %d", cp.Size)
	}
	msg, err := note.Sign(&note.Note{Text: string(cp.Text())}, s.signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint of size %d: %w", cp.Size, err)
	}
	return msg, nil
}

// SignTree computes the root of the first size leaves of the tree in r and
// returns the checkpoint and its signed note.
func (s *Signer) SignTree(ctx context.Context, r HashReader, size int64) (Checkpoint, []byte, error) {
	root, err := TreeHash(ctx, r, size)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	cp := Checkpoint{Origin: s.Origin(), Size: size, Hash: root}
	signed, err := s.Sign(cp)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	return cp, signed, nil
}

// Verifier checks checkpoints against the log's public key.
type Verifier struct {
	key      string
	verifier note.Verifier
}

// NewVerifier returns a verifier for the public key vkey (the text /log/key
// serves: origin+hash+base64 key).
func NewVerifier(vkey string) (*Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, liaison.Errorf(liaison.Invalid, "", "log verifier key %q is not a signed-note key (origin+hash+key): %v", vkey, err)
	}
	return &Verifier{key: strings.TrimSpace(vkey), verifier: v}, nil
}

// Key returns the verifier key text.
func (v *Verifier) Key() string { return v.key }

// Origin returns the log's origin, the key's name.
func (v *Verifier) Origin() string { return v.verifier.Name() }

// Open checks that signed is a checkpoint of this log signed by its key and
// returns the checkpoint. Other signatures (a witness's cosignature, a
// rotated key's) are ignored, as the signed-note spec requires. A note
// without a valid signature by this key, or for another origin, is an error
// of kind liaison.Invalid.
func (v *Verifier) Open(signed []byte) (Checkpoint, error) {
	n, err := note.Open(signed, note.VerifierList(v.verifier))
	if err != nil {
		return Checkpoint{}, &liaison.Error{Kind: liaison.Invalid, Message: "checkpoint is not signed by " + v.Origin(), Err: err}
	}
	cp, err := ParseCheckpoint([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if cp.Origin != v.Origin() {
		return Checkpoint{}, liaison.Errorf(liaison.Invalid, "", "checkpoint origin %q is not the key's %q", cp.Origin, v.Origin())
	}
	return cp, nil
}

// KeyID returns the key's origin and hash (origin+hash), which is how a
// signed note's signature line names the key: enough to tell keys apart,
// not to verify with.
func (v *Verifier) KeyID() string {
	f := strings.SplitN(v.key, "+", 3)
	return f[0] + "+" + f[1]
}

// SignerIDs returns the keys, as KeyID names them, whose signatures the
// signed note carries, verified or not. A note that does not parse is an
// error of kind liaison.Invalid.
func SignerIDs(signed []byte) ([]string, error) {
	_, err := note.Open(signed, note.VerifierList())
	var unverified *note.UnverifiedNoteError
	if !errors.As(err, &unverified) {
		return nil, &liaison.Error{Kind: liaison.Invalid, Message: "checkpoint is not a signed note", Err: err}
	}
	var ids []string
	for _, s := range unverified.Note.UnverifiedSigs {
		ids = append(ids, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
	}
	return ids, nil
}
