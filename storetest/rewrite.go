package storetest

import (
	"context"
	"testing"

	"liaison"
)

// Rewrite appends every record of from to the empty store to, in log
// order, each first passed to change (which may alter its body): the
// history an attacker who owns the database could write, with every leaf
// and tree hash consistent with the records, so that `log verify` finds
// nothing unless it has a checkpoint signed before. Records keep their
// ids, salts and keys.
func Rewrite(t testing.TB, from, to liaison.Store, change func(r *liaison.StoredRecord)) {
	t.Helper()
	ctx := context.Background()
	var next int64
	for {
		recs, err := from.List(ctx, liaison.Filter{From: next, Limit: 1000})
		if err != nil {
			t.Fatalf("Rewrite: List: %v", err)
		}
		for _, r := range recs {
			next = r.Index + 1
			// The checkpoints recorded in the log name roots that the
			// rewrite changes: a forger leaves them out.
			if r.Kind == liaison.KindCheckpoint {
				continue
			}
			change(r)
			if err := to.Append(ctx, r); err != nil {
				t.Fatalf("Rewrite: Append(%s %s): %v", r.Kind, r.ID, err)
			}
		}
		if len(recs) < 1000 {
			return
		}
	}
}
