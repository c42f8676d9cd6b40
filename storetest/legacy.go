package storetest

import (
	"fmt"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// LegacyLog is a log of records as stores kept it before migration 0003,
// which moved the tree's stored hashes out of a table of their own (hashes:
// idx, hash) into the rows of the leaves whose appends made them. A store's
// test writes it into a database migrated up to 0002, with that schema's
// SQL, opens the store (which migrates on) and calls CheckMigrated.
type LegacyLog struct {
	Records []*liaison.StoredRecord // Index set: the record's leaf
	Leaves  []ledger.Leaf
	Hashes  []tlog.Hash // the stored hash at index i, for the table hashes
}

// NewLegacyLog returns a log of n records of several kinds.
func NewLegacyLog(t testing.TB, n int) LegacyLog {
	t.Helper()
	var l LegacyLog
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = l.Hashes[x]
		}
		return out, nil
	})
	kinds := []string{liaison.KindRequest, liaison.KindDecision, liaison.KindDuty, liaison.KindRead}
	for i := range n {
		r := NewRecord(t, kinds[i%len(kinds)], fmt.Sprintf("legacy-%05d", i))
		r.Index = int64(i)
		c := ledger.RecordOf(r).CommitmentV1() // the leaf format before 0004
		hs, err := tlog.StoredHashes(int64(i), c[:], mem)
		if err != nil {
			t.Fatal(err)
		}
		l.Records = append(l.Records, r)
		l.Leaves = append(l.Leaves, ledger.Leaf{Index: int64(i), Kind: r.Kind, ID: r.ID, Commitment: c})
		l.Hashes = append(l.Hashes, hs...)
	}
	return l
}

// MigrationsUpTo returns the migrations in fsys (a store's embedded
// files, under migrations/) up to and including version, for opening a
// database as that version left it.
func MigrationsUpTo(t testing.TB, fsys fs.FS, version string) fs.FS {
	t.Helper()
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	out := fstest.MapFS{}
	for _, name := range names {
		base := name[len("migrations/"):]
		if base[:len(version)] > version {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		out[base] = &fstest.MapFile{Data: b}
	}
	return out
}

// Write writes l in the schema of migration 0002, through exec, which runs
// one statement with $1-style placeholders (in a transaction of the
// caller's); at encodes a time as the store's column holds it.
func (l LegacyLog) Write(t testing.TB, exec func(query string, args ...any) error, at func(time.Time) any) {
	t.Helper()
	for i, r := range l.Records {
		var key any
		if r.Key != "" {
			key = r.Key
		}
		if err := exec(`INSERT INTO records (leaf_index, kind, id, agency, person, parent, key, body, salt, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.Index, r.Kind, r.ID, r.Agency, r.Person, r.Parent, key, r.Body, r.Salt[:], at(r.At)); err != nil {
			t.Fatal(err)
		}
		lf := l.Leaves[i]
		if err := exec(`INSERT INTO leaves (idx, kind, id, commitment) VALUES ($1, $2, $3, $4)`, lf.Index, lf.Kind, lf.ID, lf.Commitment[:]); err != nil {
			t.Fatal(err)
		}
	}
	for i, h := range l.Hashes {
		if err := exec(`INSERT INTO hashes (idx, hash) VALUES ($1, $2)`, i, h[:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := exec(`UPDATE log_head SET size = $1`, len(l.Records)); err != nil {
		t.Fatal(err)
	}
}

// CheckMigrated checks a store opened on a database that held l before its
// migrations ran: every record is there, every stored hash reads as it was
// stored, the tree has the root of l's commitments, the log grows on from
// there (in leaf format 2), and `log verify` passes it.
func CheckMigrated(t *testing.T, s Store, l LegacyLog) {
	t.Helper()
	checkLogFrom(t, s, int64(len(l.Records)), int64(len(l.Records)))
	for _, r := range l.Records {
		get(t, s, r)
	}
	more := []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "after-1"), NewRecord(t, liaison.KindDuty, "after-2")}
	mustAppend(t, s, more...)
	if want := int64(len(l.Records)); more[0].Index != want {
		t.Errorf("the first record appended after the migration has leaf %d, want %d", more[0].Index, want)
	}
	checkLogFrom(t, s, int64(len(l.Records)+len(more)), int64(len(l.Records)))
	// The old leaves, in format 1, still verify beside the new ones.
	_, verifier := NewSigner(t)
	rep, err := ledger.Verify(t.Context(), s, verifier)
	if err != nil || !rep.OK() || rep.V1Leaves != int64(len(l.Records)) {
		t.Errorf("Verify(after the migrations) = %+v, %v, want OK with %d format 1 leaves", rep, err, len(l.Records))
	}
}
