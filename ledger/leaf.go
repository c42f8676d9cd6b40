package ledger

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// The leaf domains separate leaf commitments from every other SHA-256 in
// the system. Changing one (or the layout in Record.Commitment) changes
// every leaf: it is part of the log's format, versioned by its last
// element. Format 1 committed to a record's kind, id and body; format 2
// (migration 0004 on) commits to the whole row: the index columns and the
// time too.
const (
	leafDomainV1 = "liaison.ledger.leaf.v1\x00"
	leafDomain   = "liaison.ledger.leaf.v2\x00"
)

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
	// Agency, Person, Parent and Key are the columns the store looks the
	// record up by (see liaison.StoredRecord), and At the time it was
	// written, to the microsecond: format 2 leaves commit to them.
	Agency, Person, Parent, Key string
	At                          time.Time
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

// Commitment returns the record's leaf commitment, format 2:
//
//	SHA-256( "liaison.ledger.leaf.v2" 0x00
//	       || salt (32 bytes)
//	       || uint32be(len(kind))   || kind
//	       || uint32be(len(id))     || id
//	       || uint32be(len(agency)) || agency
//	       || uint32be(len(person)) || person
//	       || uint32be(len(parent)) || parent
//	       || uint32be(len(key))    || key
//	       || int64be(at, microseconds since 1970 UTC)
//	       || uint64be(len(body))   || body )
//
// The lengths make the encoding injective; the secret salt, 256 bits drawn
// per record, makes the commitment hiding. Anyone holding the record and its
// salt can recompute it; nobody else learns anything from it.
func (r Record) Commitment() Commitment {
	// Everything before the body in one write, from the stack when it fits.
	var buf [512]byte
	b := append(buf[:0], leafDomain...)
	b = append(b, r.Salt[:]...)
	for _, s := range [...]string{r.Kind, r.ID, r.Agency, r.Person, r.Parent, r.Key} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(r.At.UnixMicro()))
	b = binary.BigEndian.AppendUint64(b, uint64(len(r.Body)))
	h := sha256.New()
	h.Write(b)
	h.Write(r.Body)
	var c Commitment
	h.Sum(c[:0])
	return c
}

// CommitmentV1 returns the record's leaf commitment in format 1, which
// stores wrote before migration 0004 and which commits to the kind, id and
// body only:
//
//	SHA-256( "liaison.ledger.leaf.v1" 0x00
//	       || salt (32 bytes)
//	       || uint32be(len(kind)) || kind
//	       || uint32be(len(id))   || id
//	       || uint64be(len(body)) || body )
func (r Record) CommitmentV1() Commitment {
	h := sha256.New()
	h.Write([]byte(leafDomainV1))
	h.Write(r.Salt[:])
	writeString(h, r.Kind)
	writeString(h, r.ID)
	writeBody(h, r.Body)
	var c Commitment
	h.Sum(c[:0])
	return c
}

// Format returns the format of leaf c if it commits to r (2, or 1 for a
// leaf written before migration 0004), or 0 if it does not. A format 2
// commitment cannot pass for format 1 or the reverse: the domains differ.
func (r Record) Format(c Commitment) int {
	switch c {
	case r.Commitment():
		return 2
	case r.CommitmentV1():
		return 1
	}
	return 0
}

func writeString(h hash.Hash, s string) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

func writeBody(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

// RecordOf returns the part of a stored record that the log commits to.
func RecordOf(r *liaison.StoredRecord) Record {
	return Record{Kind: r.Kind, ID: r.ID, Agency: r.Agency, Person: r.Person, Parent: r.Parent, Key: r.Key,
		At: r.At, Body: r.Body, Salt: Salt(r.Salt)}
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
