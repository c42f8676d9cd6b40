package storetest

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// The log's side of the contract that was once a suite of its own
// (ledgertest): the tree across tile boundaries against a plainly written
// Merkle tree hash, a rolled-back append, the audit join read in part, and
// the tiles served over HTTP to the Go tlog client.

// Aborter is implemented by a test's wrapper around a store that can make
// every append fail at its very end, after it has written its rows (a
// trigger on log_head): with it the suite checks that a rolled-back append
// leaves no trace. Arm returns the function that disarms it.
type Aborter interface {
	ArmAbort(t *testing.T) (disarm func())
}

// mth is the RFC 6962 Merkle tree hash, written out plainly as a check on
// the stored tree.
func mth(leaves []ledger.Commitment) tlog.Hash {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0][:]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

// readRecords returns n records of kind read, numbered from "from" on.
func readRecords(t testing.TB, from, n int) []*liaison.StoredRecord {
	out := make([]*liaison.StoredRecord, n)
	for i := range out {
		out[i] = NewRecord(t, liaison.KindRead, fmt.Sprintf("read-%04d", from+i))
	}
	return out
}

// testTreeSizes grows the tree across the edges of tiles and checks its
// root at each size against mth.
func testTreeSizes(t *testing.T, s Store) {
	ctx := t.Context()
	recs := readRecords(t, 0, 600)
	var commitments []ledger.Commitment
	for _, r := range recs {
		commitments = append(commitments, ledger.RecordOf(r).Commitment())
	}
	have := 0
	for _, n := range []int{1, 2, 3, 255, 256, 257, 600} {
		mustAppend(t, s, recs[have:n]...)
		have = n
		root, err := ledger.TreeHash(ctx, s, int64(n))
		if err != nil {
			t.Fatalf("TreeHash(%d) = %v", n, err)
		}
		if want := mth(commitments[:n]); root != want {
			t.Fatalf("TreeHash(%d) = %v, want %v", n, root, want)
		}
	}
	if some, err := s.ReadLeaves(ctx, 255, 3); err != nil || len(some) != 3 || some[0].Index != 255 || some[0].Commitment != commitments[255] {
		t.Errorf("ReadLeaves(255, 3) = %v, %v", some, err)
	}
	end := tlog.StoredHashCount(600)
	if hs, err := s.ReadHashes(ctx, []int64{end - 1, 0, 5}); err != nil || len(hs) != 3 {
		t.Errorf("ReadHashes(last, 0, 5) = %d hashes, %v", len(hs), err)
	}
	_, err := s.ReadHashes(ctx, []int64{0, end})
	wantKind(t, "ReadHashes(past the end)", err, liaison.NotFound, "")
}

// testAbort makes an append fail after it has written its rows: nothing of
// it may remain, and the next append takes its leaf.
func testAbort(t *testing.T, s Store) {
	ab, ok := s.(Aborter)
	if !ok {
		t.Skip("the store does not implement storetest.Aborter")
	}
	recs := readRecords(t, 0, 4)
	mustAppend(t, s, recs[:2]...)
	disarm := ab.ArmAbort(t)
	err := s.Append(t.Context(), recs[2])
	disarm()
	if err == nil {
		t.Fatal("Append(with the abort armed) = nil error")
	}
	if _, err := s.Get(t.Context(), recs[2].Kind, recs[2].ID); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Get(the aborted record) = %v, want NotFound", err)
	}
	mustAppend(t, s, recs[3])
	if recs[3].Index != 2 {
		t.Errorf("Append after an aborted append: Index = %d, want 2", recs[3].Index)
	}
	checkLog(t, s, 3)
}

// testEntriesPartly stops reading the audit join early, then reads it
// whole, across more than one of a store's pages.
func testEntriesPartly(t *testing.T, s Store) {
	mustAppend(t, s, readRecords(t, 0, 300)...)
	i := 0
	for e, err := range s.Entries(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Leaf == nil || e.Record == nil || e.Leaf.Index != int64(i) || e.Record.Format(e.Leaf.Commitment) != 2 {
			t.Fatalf("Entries[%d] = %+v, want leaf %d and the record it commits to", i, e, i)
		}
		if i++; i == 100 {
			break // stopping early must be safe
		}
	}
	n := 0
	for _, err := range s.Entries(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 300 {
		t.Errorf("Entries yielded %d entries, want 300", n)
	}
}

// tiles is a tlog.TileReader over HTTP.
type tiles struct{ base string }

func (tiles) Height() int { return ledger.TileHeight }

func (c tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, t := range ts {
		resp, err := http.Get(c.base + ledger.TilePath(t))
		if err != nil {
			return nil, err
		}
		out[i], err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET %s: %s", ledger.TilePath(t), resp.Status)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tiles) SaveTiles([]tlog.Tile, [][]byte) {}

// testServe serves the store's log as tlog-tiles and reads it back with
// the Go tlog client: the checkpoint, the root from the tiles, and an
// entry bundle.
func testServe(t *testing.T, s Store) {
	recs := readRecords(t, 0, 700)
	mustAppend(t, s, recs...)
	signer, verifier := NewSigner(t)
	cp, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /log/", http.StripPrefix("/log", ledger.NewHandler(s, s, verifier, nil)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := verifier.Open(signed); err != nil || got != cp {
		t.Fatalf("served checkpoint = %+v, %v; want %+v", got, err, cp)
	}
	r := tlog.TileHashReader(tlog.Tree{N: cp.Size, Hash: cp.Hash}, tiles{srv.URL + "/log/"})
	if root, err := tlog.TreeHash(cp.Size, r); err != nil || root != cp.Hash {
		t.Errorf("root from the served tiles = %v, %v; want %v", root, err, cp.Hash)
	}
	data, err := tiles{srv.URL + "/log/"}.ReadTiles([]tlog.Tile{{H: ledger.TileHeight, L: -1, N: 2, W: 700 - 512}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ledger.ParseEntryBundle(data[0])
	if err != nil || len(entries) != 700-512 || entries[0] != ledger.RecordOf(recs[512]).Commitment() {
		t.Errorf("entry bundle 2 = %d entries, %v", len(entries), err)
	}
}

// testVerifyUnderLoad runs the audit while others append: it must read one
// snapshot and find nothing wrong, however the appends fall between its
// reads.
func testVerifyUnderLoad(t *testing.T, s Store) {
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	mustAppend(t, s, readRecords(t, 0, 1000)...)
	if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var appended atomic.Int64
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				recs := make([]*liaison.StoredRecord, 1+i%8)
				for j := range recs {
					recs[j] = NewRecord(t, liaison.KindRead, fmt.Sprintf("load-%d-%d-%d", w, i, j))
				}
				if err := s.Append(ctx, recs...); err != nil {
					t.Errorf("Append(under load) = %v", err)
					return
				}
				appended.Add(int64(len(recs)))
			}
		})
	}
	// Once the writers are under way, until three audits have overlapped
	// appends (the tree grew while they ran), or a hundred have run.
	for appended.Load() == 0 && !t.Failed() {
		runtime.Gosched()
	}
	overlapped := 0
	for run := 0; run < 100 && overlapped < 3 && !t.Failed(); run++ {
		before := appended.Load()
		rep, err := ledger.Verify(ctx, s, verifier)
		if err != nil {
			t.Errorf("Verify(under load) = %v", err)
			break
		}
		if !rep.OK() {
			t.Errorf("Verify(under load) found %d problems, want none: %v", len(rep.Problems), rep.Problems[:min(5, len(rep.Problems))])
			break
		}
		if rep.Leaves != rep.TreeSize || rep.Records != rep.TreeSize {
			t.Errorf("Verify(under load) read %d leaves and %d records of a tree of %d", rep.Leaves, rep.Records, rep.TreeSize)
		}
		if appended.Load() > before {
			overlapped++
		}
	}
	close(stop)
	wg.Wait()
	if overlapped == 0 {
		t.Errorf("no audit ran while records were appended: the test showed nothing")
	}
}

// testCheckpointsCannotGo deletes checkpoint rows behind the store's back:
// each one's record in the log still names it, and `log verify` reports it
// missing. Then it rolls the log back behind the latest checkpoint left:
// `log verify` says so, and the store's health check refuses writes.
func testCheckpointsCannotGo(t *testing.T, s Store) {
	tam := tamperer(t, s)
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	pub := &ledger.Publisher{Store: s, Signer: signer}
	var cps []ledger.Checkpoint
	for i := range 3 {
		mustAppend(t, s, readRecords(t, 10*i, 10)...)
		cp, err := pub.Publish(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	// The middle one, and the latest.
	for _, cp := range []ledger.Checkpoint{cps[1], cps[2]} {
		if err := tam.Tamper(ctx, `DELETE FROM checkpoints WHERE size = $1`, cp.Size); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := ledger.Verify(ctx, s, verifier)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range []ledger.Checkpoint{cps[1], cps[2]} {
		name := liaison.KindCheckpoint + "/" + ledger.CheckpointRecordID(cp.Size)
		if !slices.ContainsFunc(rep.Problems, func(p ledger.Problem) bool { return p.Kind == ledger.CheckpointMissing && p.Record == name }) {
			t.Errorf("Verify() after deleting the row of checkpoint %d: %v, want a %s problem naming %s", cp.Size, rep.Problems, ledger.CheckpointMissing, name)
		}
	}
	if len(rep.Problems) != 2 {
		t.Errorf("Verify() after deleting two checkpoint rows found %d problems, want 2: %v", len(rep.Problems), rep.Problems)
	}

	// A rollback behind the latest stored checkpoint (now cps[0]): the
	// records and leaves after it go, and the head with them.
	keep := cps[0].Size - 3
	for _, q := range []string{`DELETE FROM records WHERE leaf_index >= $1`, `DELETE FROM leaves WHERE idx >= $1`, `UPDATE log_head SET size = $1`} {
		if err := tam.Tamper(ctx, q, keep); err != nil {
			t.Fatalf("Tamper(%s) = %v", q, err)
		}
	}
	// The store checks its tree against the last signed checkpoint (see
	// liaison.HealthReporter): it refuses to take writes now.
	if h, ok := s.(liaison.HealthReporter); ok {
		if err := h.Health(ctx); liaison.KindOf(err) != liaison.Unavailable {
			t.Errorf("Health() after a rollback behind the latest checkpoint = %v, want an error of kind unavailable", err)
		}
	}
	rep, err = ledger.Verify(ctx, s, verifier)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Problems, func(p ledger.Problem) bool {
		return p.Kind == ledger.CheckpointMismatch && strings.Contains(p.Message, "rolled back")
	}) {
		t.Errorf("Verify() after a rollback behind a checkpoint = %v, want a %s problem saying it was rolled back", rep.Problems, ledger.CheckpointMismatch)
	}
}
