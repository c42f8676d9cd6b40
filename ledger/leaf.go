package ledger

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// leafDomain separates leaf commitments from every other SHA-256 in the
// system. Changing it (or the layout in Record.Commitment) changes every leaf:
// it is part of the log's format, versioned by its last element.
const leafDomain = "liaison.ledger.leaf.v1\x00"

// Salt is the per-record random value mixed into a record's commitment. It is
// stored with the record and never published: without it, nobody can confirm
// a guess about what a public leaf commits to.
type Salt [32]byte

// NewSalt reads a fresh salt from rand (crypto/rand.Reader in production).
func NewSalt(rand io.Reader) (Salt, error) {
	var s Salt
	if _, err := io.ReadFull(rand, s[:]); err != nil {
		return Salt{}, fmt.Errorf("new salt: %w", err)
	}
	return s, nil
}

// IsZero reports whether s is all zero bytes, which a real salt never is
// (the chance is 2⁻²⁵⁶): a zero salt means the caller forgot NewSalt.
func (s Salt) IsZero() bool { return s == Salt{} }

// Commitment is a leaf of the log: the salted hash of one record. It is what
// the public tree and the entry bundles hold, so it must reveal nothing about
// the record; see Record.Commitment.
type Commitment [32]byte

// String returns c in standard base64, as checkpoints write hashes.
func (c Commitment) String() string { return base64.StdEncoding.EncodeToString(c[:]) }

// MarshalText encodes c as standard base64.
func (c Commitment) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText decodes c from standard base64.
func (c *Commitment) UnmarshalText(text []byte) error {
	b, err := base64.StdEncoding.DecodeString(string(text))
	if err != nil || len(b) != len(c) {
		return liaison.Errorf(liaison.Invalid, "", "commitment %q is not 32 bytes in base64", text)
	}
	copy(c[:], b)
	return nil
}

// LeafHash returns the RFC 6962 leaf hash of c, SHA-256(0x00 || c): the
// level-0 hash of the tree, as tlog.RecordHash computes it.
func (c Commitment) LeafHash() tlog.Hash { return tlog.RecordHash(c[:]) }

// Record is one logged record as the log sees it. Every record the system
// writes (a request, a custody event, a decision, an action, a duty change,
// an override, a read of a person's record) is one Record, committed to by
// one leaf in the same transaction as the record itself.
type Record struct {
	// Kind names the table or type the record belongs to, such as "request",
	// "decision" or "read". Together with ID it names the record; the log
	// treats both as opaque text.
	Kind string
	// ID is the record's id, unique within Kind.
	ID string
	// Body is the record's canonical encoding: the same record must always
	// give the same bytes, or `log verify` will report it as changed. Use
	// MarshalCanonical (RFC 8785 JSON) unless the store has a better one.
	Body []byte
	// Salt is the record's own random salt from NewSalt, stored with it.
	Salt Salt
}

// Validate reports a record that cannot be logged: one without a kind, an
// id, or a salt.
func (r Record) Validate() error {
	switch {
	case r.Kind == "":
		return liaison.Errorf(liaison.Invalid, "kind", "a logged record needs a kind")
	case r.ID == "":
		return liaison.Errorf(liaison.Invalid, "id", "logged record of kind %q needs an id", r.Kind)
	case r.Salt.IsZero():
		return liaison.Errorf(liaison.Invalid, "salt", "record %s/%s has a zero salt: make one with NewSalt", r.Kind, r.ID)
	}
	return nil
}

// Commitment returns the record's leaf commitment:
//
//	SHA-256( "liaison.ledger.leaf.v1" 0x00
//	       || salt (32 bytes)
//	       || uint32be(len(kind)) || kind
//	       || uint32be(len(id))   || id
//	       || uint64be(len(body)) || body )
//
// The lengths make the encoding injective; the secret salt, 256 bits drawn
// per record, makes the commitment hiding. Anyone holding the record and its
// salt can recompute it; nobody else learns anything from it.
func (r Record) Commitment() Commitment {
	h := sha256.New()
	var n [8]byte
	h.Write([]byte(leafDomain))
	h.Write(r.Salt[:])
	binary.BigEndian.PutUint32(n[:4], uint32(len(r.Kind)))
	h.Write(n[:4])
	h.Write([]byte(r.Kind))
	binary.BigEndian.PutUint32(n[:4], uint32(len(r.ID)))
	h.Write(n[:4])
	h.Write([]byte(r.ID))
	binary.BigEndian.PutUint64(n[:], uint64(len(r.Body)))
	h.Write(n[:])
	h.Write(r.Body)
	var c Commitment
	h.Sum(c[:0])
	return c
}

// String names the record as kind/id, the way reports name it.
func (r Record) String() string { return r.Kind + "/" + r.ID }

// Leaf is one stored leaf: its position in the tree, the record it commits
// to, and the commitment. The kind and id stay in the database (they let
// `log verify` name a deleted record); only the commitment is published.
type Leaf struct {
	Index      int64
	Kind       string
	ID         string
	Commitment Commitment
}

// String names the leaf's record as kind/id.
func (l Leaf) String() string { return l.Kind + "/" + l.ID }
