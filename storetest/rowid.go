package storetest

import (
	"fmt"
	"testing"

	"liaison"
)

// testLeafIndexes appends after rows were deleted from and added to the
// records around the log, and checks that each record appended then is
// stored at its leaf index: a store that lets the database number the rows
// (SQLite, see sqlstore's nextrow.go) must notice that the next rowid is
// not the next leaf.
func testLeafIndexes(t *testing.T, s Store) {
	tam := tamperer(t, s)
	ctx := t.Context()
	check := func(r *liaison.StoredRecord, want int64) {
		t.Helper()
		if r.Index != want {
			t.Fatalf("Append(%s) set Index %d, want %d", r.ID, r.Index, want)
		}
		got, err := s.Get(ctx, r.Kind, r.ID)
		if err != nil {
			t.Fatalf("Get(%s) = %v", r.ID, err)
		}
		if got.Index != want {
			t.Fatalf("Get(%s).Index = %d, want %d", r.ID, got.Index, want)
		}
		leaves, err := s.ReadLeaves(ctx, want, 1)
		if err != nil {
			t.Fatalf("ReadLeaves(%d) = %v", want, err)
		}
		if len(leaves) != 1 || leaves[0].ID != r.ID {
			t.Fatalf("ReadLeaves(%d) = %+v, want the leaf of %s", want, leaves, r.ID)
		}
	}
	var recs []*liaison.StoredRecord
	for i := range 6 {
		recs = append(recs, NewRecord(t, liaison.KindDecision, fmt.Sprintf("d%d", i)))
	}
	mustAppend(t, s, recs[0], recs[1])
	mustAppend(t, s, recs[2])
	check(recs[2], 2)
	// The last record's row deleted: the largest rowid is one short.
	if err := tam.Tamper(ctx, `DELETE FROM records WHERE kind = $1 AND id = $2`, liaison.KindDecision, "d2"); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, recs[3])
	check(recs[3], 3)
	// A row added far ahead: the largest rowid is beyond the next leaf.
	if err := tam.Tamper(ctx, `INSERT INTO records (leaf_index, kind, id, body, salt, at) SELECT 1000, kind, 'forged', body, salt, at FROM records WHERE id = $1`, "d0"); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, recs[4], recs[5])
	check(recs[4], 4)
	check(recs[5], 5)
}
