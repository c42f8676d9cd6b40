package ledger_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// tampered is an AuditSource over a MemStore with some rows edited, as an
// attacker with write access to the database would leave it.
type tampered struct {
	*ledger.MemStore
	// edit replaces each entry with the entries it returns.
	edit func(e ledger.Entry) []ledger.Entry
	// hashes replaces stored tree hashes.
	hashes map[int64]tlog.Hash
	// checkpoints, when not nil, are added to the stored ones.
	checkpoints [][]byte
}

func (s tampered) Entries(ctx context.Context) iter.Seq2[ledger.Entry, error] {
	return func(yield func(ledger.Entry, error) bool) {
		for e, err := range s.MemStore.Entries(ctx) {
			if err != nil {
				yield(e, err)
				return
			}
			es := []ledger.Entry{e}
			if s.edit != nil {
				es = s.edit(copyEntry(e))
			}
			for _, e := range es {
				if !yield(e, nil) {
					return
				}
			}
		}
	}
}

func copyEntry(e ledger.Entry) ledger.Entry {
	if e.Leaf != nil {
		l := *e.Leaf
		e.Leaf = &l
	}
	if e.Record != nil {
		r := *e.Record
		e.Record = &r
	}
	return e
}

func (s tampered) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	hs, err := s.MemStore.ReadHashes(ctx, indexes)
	if err != nil {
		return nil, err
	}
	for i, x := range indexes {
		if h, ok := s.hashes[x]; ok {
			hs[i] = h
		}
	}
	return hs, nil
}

func (s tampered) Checkpoints(ctx context.Context) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for cp, err := range s.MemStore.Checkpoints(ctx) {
			if !yield(cp, err) {
				return
			}
		}
		for _, cp := range s.checkpoints {
			if !yield(cp, nil) {
				return
			}
		}
	}
}

// at returns an edit that applies f to the entry of leaf i only.
func at(i int64, f func(e ledger.Entry) []ledger.Entry) func(ledger.Entry) []ledger.Entry {
	return func(e ledger.Entry) []ledger.Entry {
		if e.Leaf != nil && e.Leaf.Index == i {
			return f(e)
		}
		return []ledger.Entry{e}
	}
}

// found is a problem as a test expects it: kind, leaf, record, and a part
// of the message.
type found struct {
	kind   ledger.ProblemKind
	index  int64
	record string
	text   string
}

func TestVerify(t *testing.T) {
	ctx := context.Background()
	signer := testSigner(t, 1)
	v := signer.Verifier()

	// The honest log: 600 records, checkpoints at 100, 300 and 600.
	store := ledger.NewMemStore()
	pub := &ledger.Publisher{Store: store, Signer: signer}
	var recs []ledger.Record
	for _, size := range []int{100, 300, 600} {
		recs = append(recs, fill(t, store, seeded(uint64(20+size)), size)...)
		if _, err := pub.Publish(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cps := checkpoints(t, store)
	changed := func(rec ledger.Record) ledger.Record {
		rec.Body = []byte(`{"action":"notify_release","decision":"forbidden"}`)
		return rec
	}
	// A store rebuilt, consistently, from records with one changed.
	forged := slices.Clone(recs)
	forged[150] = changed(forged[150])
	rewritten := build(t, forged, cps, v)
	badSig := append([]byte(nil), cps[1]...)
	badSig[len(badSig)-5] ^= 1
	_, otherSigned, err := testSigner(t, 2).SignTree(ctx, store, 600)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		src  ledger.AuditSource
		want []found
	}{
		{"honest", store, nil},
		{"record changed", tampered{MemStore: store, edit: at(150, func(e ledger.Entry) []ledger.Entry {
			*e.Record = changed(*e.Record)
			return []ledger.Entry{e}
		})}, []found{
			{ledger.Changed, 150, "decision/d150", "decision/d150 (leaf 150) was changed"},
			{ledger.CheckpointMismatch, -1, "", "checkpoint of size 300 does not match the tree rebuilt from the records: a record among leaves 100 to 299 was changed, deleted or inserted after it was signed (and 1 later checkpoints do not match either)"},
		}},
		{"record and leaf changed", tampered{MemStore: store, edit: at(150, func(e ledger.Entry) []ledger.Entry {
			*e.Record = changed(*e.Record)
			e.Leaf.Commitment = e.Record.Commitment()
			return []ledger.Entry{e}
		})}, []found{
			{ledger.Changed, 150, "decision/d150", "decision/d150 (leaf 150) does not match the tree"},
			{ledger.CheckpointMismatch, -1, "", "checkpoint of size 300"},
		}},
		{"record, leaf and tree rewritten", rewritten, []found{
			{ledger.CheckpointMismatch, -1, "", "a record among leaves 100 to 299 was changed"},
		}},
		{"record deleted", tampered{MemStore: store, edit: at(42, func(e ledger.Entry) []ledger.Entry {
			e.Record = nil
			return []ledger.Entry{e}
		})}, []found{
			{ledger.Deleted, 42, "decision/d42", "decision/d42 (leaf 42) was deleted"},
		}},
		{"record inserted", tampered{MemStore: store, edit: at(599, func(e ledger.Entry) []ledger.Entry {
			extra := testRecord(t, seeded(99), 1000)
			return []ledger.Entry{e, {Record: &extra}}
		})}, []found{
			{ledger.Inserted, -1, "decision/d1000", "decision/d1000 has no leaf"},
		}},
		{"leaf row deleted", tampered{MemStore: store, edit: at(77, func(e ledger.Entry) []ledger.Entry {
			return []ledger.Entry{{Record: e.Record}}
		})}, []found{
			{ledger.LeafRow, 77, "", "leaf 77 is missing"},
			{ledger.Inserted, -1, "decision/d77", "decision/d77 has no leaf"},
		}},
		{"last leaf rows deleted", tampered{MemStore: store, edit: func(e ledger.Entry) []ledger.Entry {
			if e.Leaf != nil && e.Leaf.Index >= 598 {
				return nil
			}
			return []ledger.Entry{e}
		}}, []found{
			{ledger.LeafRow, 598, "", "leaf 598 is missing"},
			{ledger.LeafRow, 599, "", "leaf 599 is missing"},
		}},
		{"leaf row listed twice", tampered{MemStore: store, edit: at(12, func(e ledger.Entry) []ledger.Entry {
			return []ledger.Entry{e, e}
		})}, []found{
			{ledger.LeafRow, 12, "decision/d12", "leaf 12 (decision/d12) is listed twice"},
		}},
		{"leaf row beyond the tree", tampered{MemStore: store, edit: at(599, func(e ledger.Entry) []ledger.Entry {
			rec := testRecord(t, seeded(98), 600)
			leaf := ledger.Leaf{Index: 600, Kind: rec.Kind, ID: rec.ID, Commitment: rec.Commitment()}
			return []ledger.Entry{e, {Leaf: &leaf, Record: &rec}}
		})}, []found{
			{ledger.LeafRow, 600, "decision/d600", "beyond the tree's 600 leaves"},
		}},
		{"truncated", build(t, recs[:550], cps, v), []found{
			{ledger.CheckpointMismatch, 599, "", "checkpoint of size 600 is beyond the tree's 550 leaves: the log was rolled back, leaves 550 to 599 were removed"},
		}},
		{"tree hash changed", tampered{MemStore: store, hashes: map[int64]tlog.Hash{tlog.StoredHashIndex(1, 5): {1}}}, []found{
			{ledger.Tree, -1, "", "tree hash at level 1 over leaves 10 to 11 does not match"},
		}},
		{"leaf hash changed", tampered{MemStore: store, hashes: map[int64]tlog.Hash{tlog.StoredHashIndex(0, 480): {1}}}, []found{
			{ledger.Changed, 480, "decision/d480", "decision/d480 (leaf 480) does not match the tree"},
		}},
		{"tree hashes deleted", truncatedHashes{store, tlog.StoredHashIndex(0, 590)}, []found{
			{ledger.Tree, 590, "", "tree hashes for leaves 590 to 599 are missing"},
		}},
		{"checkpoint forged", tampered{MemStore: store, checkpoints: [][]byte{badSig}}, []found{
			{ledger.CheckpointMismatch, -1, "", "stored checkpoint #4: checkpoint is not signed by " + testOrigin},
		}},
		{"checkpoint by another key", tampered{MemStore: store, checkpoints: [][]byte{otherSigned}}, []found{
			{ledger.CheckpointMismatch, -1, "", "stored checkpoint #4"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ledger.Verify(ctx, tt.src, v)
			if err != nil {
				t.Fatalf("Verify = %v", err)
			}
			if rep.OK() != (len(tt.want) == 0) {
				t.Errorf("Verify: OK() = %v with problems %v", rep.OK(), rep.Problems)
			}
			if len(rep.Problems) != len(tt.want) {
				t.Fatalf("Verify found %d problems, want %d:\n%s", len(rep.Problems), len(tt.want), problemList(rep))
			}
			for i, w := range tt.want {
				p := rep.Problems[i]
				if p.Kind != w.kind || p.Index != w.index || p.Record != w.record || !strings.Contains(p.Message, w.text) {
					t.Errorf("problem %d = %+v\nwant %+v", i, p, w)
				}
			}
		})
	}

	rep, err := ledger.Verify(ctx, store, v)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TreeSize != 600 || rep.Leaves != 600 || rep.Records != 600 || rep.Checkpoints != 3 {
		t.Errorf("Verify(honest) = %+v", rep)
	}
}

func problemList(rep *ledger.Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		fmt.Fprintf(&b, "  %s %d %s: %s\n", p.Kind, p.Index, p.Record, p.Message)
	}
	return b.String()
}

func TestVerifyLimitsProblems(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	fill(t, store, seeded(30), 1500)
	src := tampered{MemStore: store, edit: func(e ledger.Entry) []ledger.Entry {
		e.Record = nil
		return []ledger.Entry{e}
	}}
	rep, err := ledger.Verify(ctx, src, testSigner(t, 1).Verifier())
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != ledger.MaxProblems || rep.Omitted != 500 || rep.OK() {
		t.Errorf("Verify with 1500 deletions: %d problems, %d omitted", len(rep.Problems), rep.Omitted)
	}
}

// brokenEntries fails part way, as a lost database connection.
type brokenEntries struct{ *ledger.MemStore }

func (b brokenEntries) Entries(ctx context.Context) iter.Seq2[ledger.Entry, error] {
	return func(yield func(ledger.Entry, error) bool) {
		yield(ledger.Entry{}, fmt.Errorf("connection reset"))
	}
}

func TestVerifyReadError(t *testing.T) {
	store := ledger.NewMemStore()
	fill(t, store, seeded(31), 3)
	if _, err := ledger.Verify(context.Background(), brokenEntries{store}, testSigner(t, 1).Verifier()); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("Verify with a failing read = %v", err)
	}
}

// truncatedHashes has lost its tree hashes from one index on.
type truncatedHashes struct {
	*ledger.MemStore
	from int64
}

func (s truncatedHashes) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	for _, x := range indexes {
		if x >= s.from {
			return nil, liaison.Errorf(liaison.NotFound, "", "no stored hash %d", x)
		}
	}
	return s.MemStore.ReadHashes(ctx, indexes)
}

// countCheck is a RecordCheck that notes the leaves it was given, and
// reports one problem naming how many.
type countCheck struct{ got []int64 }

func (c *countCheck) Record(_ context.Context, r *ledger.Record, index int64) error {
	c.got = append(c.got, index)
	return nil
}

func (c *countCheck) Problems(context.Context) ([]ledger.Problem, error) {
	return []ledger.Problem{{Kind: ledger.Derived, Index: -1, Message: fmt.Sprintf("saw %d records", len(c.got))}}, nil
}

// TestVerifyFeedsChecks: Verify gives every check each leaf's record once,
// in leaf order, in the one pass it makes (a deleted record is skipped, a
// leaf listed twice given once, a record no leaf names not given), and
// reports the checks' problems after its own.
func TestVerifyFeedsChecks(t *testing.T) {
	ctx := context.Background()
	store := ledger.NewMemStore()
	fill(t, store, seeded(32), 10)
	src := tampered{MemStore: store, edit: func(e ledger.Entry) []ledger.Entry {
		switch e.Leaf.Index {
		case 3: // deleted
			e.Record = nil
		case 5: // listed twice, with an unlogged record after
			r := *e.Record
			r.ID = "unlogged"
			return []ledger.Entry{e, copyEntry(e), {Record: &r}}
		}
		return []ledger.Entry{e}
	}}
	a, b := &countCheck{}, &countCheck{}
	rep, err := ledger.Verify(ctx, src, testSigner(t, 1).Verifier(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{0, 1, 2, 4, 5, 6, 7, 8, 9}
	if !slices.Equal(a.got, want) || !slices.Equal(b.got, want) {
		t.Errorf("Verify gave the checks leaves %v and %v, want %v each", a.got, b.got, want)
	}
	var derived []string
	for _, p := range rep.Problems {
		if p.Kind == ledger.Derived {
			derived = append(derived, p.Message)
		}
	}
	if !slices.Equal(derived, []string{"saw 9 records", "saw 9 records"}) || len(rep.Problems) < 5 {
		t.Errorf("Verify's problems:\n%s\nwant its own (a deletion, a leaf twice, an unlogged record) and each check's", problemList(rep))
	}
}
