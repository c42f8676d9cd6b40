// Package storetest is the contract suite every liaison store must pass:
// package sqlite always runs it, package postgres when a PostgreSQL server
// is at hand. It checks the liaison.Store contract (appends, reads, filters,
// paging, atomicity, idempotency keys, concurrency, group commit, errors,
// cancellation)
// and the log's storage contract (ledger.Store: the tree, leaves, stored
// hashes, checkpoints and the audit join), with real values: a store passes
// only if the log it builds has the root that the records' commitments give.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
	"liaison/ledger"
)

// Store is what the suite tests: the record store and the log's storage.
type Store interface {
	liaison.Store
	ledger.Store
}

// Tamperer is implemented by a test's wrapper around a store that can run
// SQL behind the store's back. The suite then checks that `log verify`
// finds records changed, deleted and inserted that way. The statements use
// $1-style placeholders.
type Tamperer interface {
	Tamper(ctx context.Context, query string, args ...any) error
}

// Run runs the contract suite, each test on a new, empty store from open.
// The suite closes each store it opens, and checks that Close succeeds.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"AppendGet", testAppendGet},
		{"AppendNothing", testAppendNothing},
		{"Invalid", testInvalid},
		{"Conflict", testConflict},
		{"Atomic", testAtomic},
		{"IdempotencyKey", testIdempotencyKey},
		{"List", testList},
		{"ListPaging", testListPaging},
		{"NotFound", testNotFound},
		{"LargeBody", testLargeBody},
		{"Canceled", testCanceled},
		{"Concurrent", testConcurrent},
		{"Group", testGroup},
		{"Log", testLog},
		{"Checkpoints", testCheckpoints},
		{"Verify", testVerify},
		{"Tamper", testTamper},
		{"TreeSizes", testTreeSizes},
		{"Abort", testAbort},
		{"EntriesPartly", testEntriesPartly},
		{"Serve", testServe},
		{"VerifyUnderLoad", testVerifyUnderLoad},
		{"CheckpointsCannotGo", testCheckpointsCannotGo},
		{"TamperColumns", testTamperColumns},
		{"EditedColumnsGrantNothing", testEditedColumnsGrantNothing},
		{"OpenCases", testOpenCases},
		{"TamperOpenCases", testTamperOpenCases},
		{"LeafIndexes", testLeafIndexes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// base is the time the suite's records are written at: with nanoseconds,
// which stores keep only to the microsecond.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

// NewRecord returns a record of the given kind and id, with a fresh salt, a
// small JSON body that names it, and a time with nanoseconds (which stores
// keep to the microsecond).
func NewRecord(t testing.TB, kind, id string) *liaison.StoredRecord {
	t.Helper()
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &liaison.StoredRecord{
		Kind: kind,
		ID:   id,
		Body: fmt.Appendf(nil, `{"id":%q,"kind":%q}`, id, kind),
		Salt: salt,
		At:   base,
	}
}

// withKey sets r's key, and its body to hold it (see fit). A request's key
// is "agency/idempotency key".
func withKey(r *liaison.StoredRecord, key string) *liaison.StoredRecord {
	r.Key = key
	return fit(r)
}

// fit rewrites r's body so that it holds r's index columns where a body of
// its kind fixes them (liaison.ColumnsOf), and sets the columns it fixes
// that r leaves empty (a read's parent is its person) as it fixes them.
// It panics when no body of r's kind can hold r's columns: the test is
// wrong.
func fit(r *liaison.StoredRecord) *liaison.StoredRecord {
	b := map[string]string{"id": r.ID, "kind": r.Kind}
	set := func(field, v string) {
		if v != "" {
			b[field] = v
		}
	}
	set("agency", r.Agency)
	set("person", r.Person)
	switch r.Kind {
	case liaison.KindRequest:
		if r.Key != "" {
			agency, idem, ok := strings.Cut(r.Key, "/")
			if !ok {
				panic(fmt.Sprintf("storetest: request key %q is not agency/idempotency key", r.Key))
			}
			b["agency"], b["idempotency_key"] = agency, idem
			r.Agency = agency
		}
	case liaison.KindDecision, liaison.KindDuty, liaison.KindOverride:
		set("request", r.Parent)
	case liaison.KindAction:
		set("request", r.Parent)
		if r.Key != "" {
			request, idem, ok := strings.Cut(r.Key, "/")
			if !ok || request != r.Parent {
				panic(fmt.Sprintf("storetest: action key %q is not request/idempotency key", r.Key))
			}
			b["idempotency_key"] = idem
		}
	case liaison.KindDeliveryClaim:
		set("action", r.Parent)
		set("slot", r.Key)
	case liaison.KindActionOutcome:
		set("request", r.Parent)
		set("action", r.Key)
	case liaison.KindFacts:
		set("request", r.Parent)
		if r.Key != "" {
			request, idem, ok := strings.Cut(r.Key, "/")
			if !ok || request != r.Parent {
				panic(fmt.Sprintf("storetest: facts key %q is not request/idempotency key", r.Key))
			}
			b["idempotency_key"] = idem
		}
	case liaison.KindRead:
		if r.Parent != r.Person {
			set("request", r.Parent)
		}
	case liaison.KindDutyChange:
		set("duty", r.Parent)
		set("key", r.Key)
	case liaison.KindDelivery:
		set("action", r.Parent)
	case liaison.KindCaseClosed, liaison.KindCaseReopened:
		set("request", r.Parent)
		if r.Key != r.Parent {
			set("key", r.Key)
		}
	case liaison.KindToken:
		set("hash", r.Key)
	case liaison.KindTokenRevoked:
		set("token", r.Parent)
	case liaison.KindPackSet:
		if r.Key != "" && r.Key != r.ID {
			panic(fmt.Sprintf("storetest: a pack set's key is its id, not %q", r.Key))
		}
	}
	body, err := json.Marshal(b)
	if err != nil {
		panic(err)
	}
	r.Body = body
	c, err := liaison.ColumnsOf(r.Kind, body)
	if err != nil {
		panic(err)
	}
	for _, f := range []struct {
		col      liaison.Column
		stored   *string
		fromBody string
	}{
		{liaison.ColumnAgency, &r.Agency, c.Agency},
		{liaison.ColumnPerson, &r.Person, c.Person},
		{liaison.ColumnParent, &r.Parent, c.Parent},
		{liaison.ColumnKey, &r.Key, c.Key},
	} {
		if c.Fixed&f.col != 0 && *f.stored == "" {
			*f.stored = f.fromBody
		}
	}
	if col, stored, body, bad := c.Mismatch(r); bad {
		panic(fmt.Sprintf("storetest: no %s body can have %s %q: it would say %q", r.Kind, col, stored, body))
	}
	return r
}

// mustAppend appends recs and fails the test on an error.
func mustAppend(t testing.TB, s Store, recs ...*liaison.StoredRecord) {
	t.Helper()
	if err := s.Append(t.Context(), recs...); err != nil {
		t.Fatalf("Append(%s) = %v", names(recs), err)
	}
}

func names(recs []*liaison.StoredRecord) string {
	var b strings.Builder
	for i, r := range recs {
		if i > 0 {
			b.WriteString(", ")
		}
		if r == nil {
			b.WriteString("nil")
			continue
		}
		b.WriteString(r.Kind + "/" + r.ID)
	}
	return b.String()
}

// diff describes how got differs from want, as a store must return it: the
// same fields, At to the microsecond in UTC.
func diff(got, want *liaison.StoredRecord) string {
	var d []string
	check := func(field string, ok bool, g, w any) {
		if !ok {
			d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w))
		}
	}
	check("Kind", got.Kind == want.Kind, got.Kind, want.Kind)
	check("ID", got.ID == want.ID, got.ID, want.ID)
	check("Agency", got.Agency == want.Agency, got.Agency, want.Agency)
	check("Person", got.Person == want.Person, got.Person, want.Person)
	check("Parent", got.Parent == want.Parent, got.Parent, want.Parent)
	check("Key", got.Key == want.Key, got.Key, want.Key)
	check("Body", bytes.Equal(got.Body, want.Body), abbrev(got.Body), abbrev(want.Body))
	check("Salt", got.Salt == want.Salt, got.Salt, want.Salt)
	wantAt := want.At.Truncate(time.Microsecond).UTC()
	check("At", got.At.Equal(wantAt) && got.At.Location() == time.UTC, got.At, wantAt)
	check("Index", got.Index == want.Index, got.Index, want.Index)
	return strings.Join(d, "; ")
}

func abbrev(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q… (%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// wantKind checks that err is an *liaison.Error of the given kind (and, if
// not empty, field).
func wantKind(t testing.TB, call string, err error, kind liaison.ErrorKind, field string) {
	t.Helper()
	var e *liaison.Error
	switch {
	case err == nil:
		t.Errorf("%s = nil, want an error of kind %s", call, kind)
	case !errors.As(err, &e):
		t.Errorf("%s = %v (%T), want an *liaison.Error of kind %s", call, err, err, kind)
	case e.Kind != kind:
		t.Errorf("%s = %v, kind %s, want kind %s", call, err, e.Kind, kind)
	case field != "" && e.Field != field:
		t.Errorf("%s = %v, field %q, want field %q", call, err, e.Field, field)
	}
}

// get fetches (kind, id) and checks it against want.
func get(t testing.TB, s Store, want *liaison.StoredRecord) {
	t.Helper()
	got, err := s.Get(t.Context(), want.Kind, want.ID)
	if err != nil {
		t.Errorf("Get(%s, %s) = %v", want.Kind, want.ID, err)
		return
	}
	if d := diff(got, want); d != "" {
		t.Errorf("Get(%s, %s): %s", want.Kind, want.ID, d)
	}
}

// size returns the store's tree size.
func size(t testing.TB, s Store) int64 {
	t.Helper()
	n, err := s.TreeSize(t.Context())
	if err != nil {
		t.Fatalf("TreeSize() = %v", err)
	}
	return n
}

// checkLog checks the whole log against the records: TreeSize is want,
// each leaf commits to the whole row of the record with its index (leaf
// format 2), and the stored tree has the root computed here from the
// commitments alone.
func checkLog(t testing.TB, s Store, want int64) {
	t.Helper()
	checkLogFrom(t, s, want, 0)
}

// checkLogFrom is checkLog for a log whose leaves below v2 were written
// before migration 0004, in format 1.
func checkLogFrom(t testing.TB, s Store, want, v2 int64) {
	t.Helper()
	ctx := t.Context()
	if n := size(t, s); n != want {
		t.Fatalf("TreeSize() = %d, want %d", n, want)
	}
	recs, err := s.List(ctx, liaison.Filter{Limit: int(want) + 1})
	if err != nil {
		t.Fatalf("List(all) = %v", err)
	}
	if int64(len(recs)) != want {
		t.Fatalf("List(all) returned %d records, want %d", len(recs), want)
	}
	leaves, err := s.ReadLeaves(ctx, 0, int(want))
	if err != nil {
		t.Fatalf("ReadLeaves(0, %d) = %v", want, err)
	}
	// An independent tree, built from the records' commitments.
	var hashes []tlog.Hash
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	for i, r := range recs {
		if r.Index != int64(i) {
			t.Fatalf("List(all)[%d] is %s/%s with Index %d: the log has a gap or is out of order", i, r.Kind, r.ID, r.Index)
		}
		c := ledger.RecordOf(r).Commitment()
		if int64(i) < v2 {
			c = ledger.RecordOf(r).CommitmentV1()
		}
		if l := leaves[i]; l.Index != int64(i) || l.Kind != r.Kind || l.ID != r.ID || l.Commitment != c {
			t.Fatalf("leaf %d = {%d %s/%s %v}, want {%d %s/%s %v}", i, l.Index, l.Kind, l.ID, l.Commitment, i, r.Kind, r.ID, c)
		}
		hs, err := tlog.StoredHashes(int64(i), c[:], mem)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	wantRoot, err := tlog.TreeHash(want, mem)
	if err != nil {
		t.Fatal(err)
	}
	root, err := ledger.TreeHash(ctx, s, want)
	if err != nil {
		t.Fatalf("ledger.TreeHash(store, %d) = %v", want, err)
	}
	if root != wantRoot {
		t.Fatalf("ledger.TreeHash(store, %d) = %v, want %v (from the records' commitments)", want, root, wantRoot)
	}
	// Every stored hash, not only those the root reads.
	idx := make([]int64, len(hashes))
	for i := range idx {
		idx[i] = int64(i)
	}
	stored, err := s.ReadHashes(ctx, idx)
	if err != nil {
		t.Fatalf("ReadHashes(0…%d) = %v", len(idx)-1, err)
	}
	for i := range hashes {
		if stored[i] != hashes[i] {
			t.Fatalf("ReadHashes: stored hash %d = %v, want %v", i, stored[i], hashes[i])
		}
	}
}

func testAppendGet(t *testing.T, s Store) {
	a := NewRecord(t, liaison.KindRequest, "req-1")
	a.Agency, a.Person, a.Key = "agency-1", "person-1", "agency-1/idem-1"
	fit(a)
	b := NewRecord(t, liaison.KindDecision, "dec-1")
	b.Agency, b.Person, b.Parent = "agency-1", "person-1", "req-1"
	fit(b)
	c := NewRecord(t, liaison.KindRead, "read-1")
	c.At = time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("EST", -5*3600))
	mustAppend(t, s, a, b, c)
	for i, r := range []*liaison.StoredRecord{a, b, c} {
		if r.Index != int64(i) {
			t.Errorf("after Append, %s/%s has Index %d, want %d", r.Kind, r.ID, r.Index, i)
		}
		get(t, s, r)
	}
	d := NewRecord(t, liaison.KindDuty, "duty-1")
	mustAppend(t, s, d)
	if d.Index != 3 {
		t.Errorf("after a second Append, Index = %d, want 3", d.Index)
	}
	got, err := s.ByKey(t.Context(), liaison.KindRequest, "agency-1/idem-1")
	if err != nil {
		t.Fatalf("ByKey(request, agency-1/idem-1) = %v", err)
	}
	if d := diff(got, a); d != "" {
		t.Errorf("ByKey(request, agency-1/idem-1): %s", d)
	}
	checkLog(t, s, 4)
}

func testAppendNothing(t *testing.T, s Store) {
	if err := s.Append(t.Context()); err != nil {
		t.Errorf("Append() = %v, want nil", err)
	}
	if n := size(t, s); n != 0 {
		t.Errorf("TreeSize() after Append() = %d, want 0", n)
	}
	// The empty tree has the empty root.
	empty, _ := tlog.TreeHash(0, nil)
	if root, err := ledger.TreeHash(t.Context(), s, 0); err != nil || root != empty {
		t.Errorf("ledger.TreeHash(store, 0) = %v, %v, want %v", root, err, empty)
	}
}

func testInvalid(t *testing.T, s Store) {
	noKind := NewRecord(t, "", "x")
	noID := NewRecord(t, liaison.KindRequest, "")
	noSalt := NewRecord(t, liaison.KindRequest, "no-salt")
	noSalt.Salt = [32]byte{}
	// Columns that are not what the body says: reads would refuse them.
	moved := fit(&liaison.StoredRecord{Kind: liaison.KindPerson, ID: "p-moved", Agency: "ag-1", Salt: noSalt.Salt, At: base})
	moved.Salt, moved.Agency = NewRecord(t, "", "").Salt, "ag-2"
	badBody := NewRecord(t, liaison.KindToken, "not-json")
	badBody.Body = []byte("not JSON")
	for _, tc := range []struct {
		name  string
		recs  []*liaison.StoredRecord
		field string
	}{
		{"nil", []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "ok"), nil}, ""},
		{"no kind", []*liaison.StoredRecord{noKind}, "kind"},
		{"no id", []*liaison.StoredRecord{noID}, "id"},
		{"zero salt", []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "ok"), noSalt}, "salt"},
		{"agency column not the body's", []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "ok"), moved}, "agency"},
		{"body not of its kind", []*liaison.StoredRecord{badBody}, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Append(t.Context(), tc.recs...)
			wantKind(t, fmt.Sprintf("Append(%s)", names(tc.recs)), err, liaison.Invalid, tc.field)
			for _, r := range tc.recs {
				if r != nil && r.Index != 0 {
					t.Errorf("failed Append set %s/%s's Index to %d", r.Kind, r.ID, r.Index)
				}
			}
		})
	}
	if n := size(t, s); n != 0 {
		t.Errorf("TreeSize() after invalid appends = %d, want 0", n)
	}
	if _, err := s.Get(t.Context(), liaison.KindRequest, "ok"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Get(request, ok) after invalid appends = %v, want NotFound", err)
	}
	for _, f := range []liaison.Filter{{Limit: -1}, {From: -1}} {
		_, err := s.List(t.Context(), f)
		wantKind(t, fmt.Sprintf("List(%+v)", f), err, liaison.Invalid, "")
	}
}

func testConflict(t *testing.T, s Store) {
	orig := withKey(NewRecord(t, liaison.KindRequest, "r1"), "ag/k1")
	mustAppend(t, s, orig)
	for _, tc := range []struct {
		name  string
		r     *liaison.StoredRecord
		field string
	}{
		{"same id", NewRecord(t, liaison.KindRequest, "r1"), "id"},
		{"same id, other key", withKey(NewRecord(t, liaison.KindRequest, "r1"), "ag/k2"), "id"},
		{"same key", withKey(NewRecord(t, liaison.KindRequest, "r2"), "ag/k1"), "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Append(t.Context(), tc.r)
			wantKind(t, "Append("+tc.name+")", err, liaison.Conflicting, tc.field)
		})
	}
	get(t, s, orig)
	// The same id or key under another kind is another record.
	other := withKey(NewRecord(t, liaison.KindToken, "r1"), "ag/k1")
	mustAppend(t, s, other)
	// Records without a key never collide on it.
	mustAppend(t, s, NewRecord(t, liaison.KindRequest, "r3"), NewRecord(t, liaison.KindRequest, "r4"))
	get(t, s, other)
	checkLog(t, s, 4)
}

func testAtomic(t *testing.T, s Store) {
	stored := withKey(NewRecord(t, liaison.KindRequest, "stored"), "ag/stored-key")
	mustAppend(t, s, stored)
	for _, tc := range []struct {
		name  string
		recs  func() []*liaison.StoredRecord
		field string
	}{
		{"duplicate of a stored id last", func() []*liaison.StoredRecord {
			return []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "a"), NewRecord(t, liaison.KindAction, "b"), NewRecord(t, liaison.KindRequest, "stored")}
		}, "id"},
		{"duplicate of a stored id in the middle", func() []*liaison.StoredRecord {
			return []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "a"), NewRecord(t, liaison.KindRequest, "stored"), NewRecord(t, liaison.KindAction, "b")}
		}, "id"},
		{"duplicate of a stored key", func() []*liaison.StoredRecord {
			return []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "a"), withKey(NewRecord(t, liaison.KindRequest, "b"), "ag/stored-key")}
		}, "key"},
		{"id twice in the batch", func() []*liaison.StoredRecord {
			return []*liaison.StoredRecord{NewRecord(t, liaison.KindRequest, "a"), NewRecord(t, liaison.KindAction, "b"), NewRecord(t, liaison.KindRequest, "a")}
		}, "id"},
		{"key twice in the batch", func() []*liaison.StoredRecord {
			return []*liaison.StoredRecord{withKey(NewRecord(t, liaison.KindRequest, "a"), "ag/k"), withKey(NewRecord(t, liaison.KindRequest, "b"), "ag/k")}
		}, "key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := tc.recs()
			err := s.Append(t.Context(), recs...)
			wantKind(t, fmt.Sprintf("Append(%s)", names(recs)), err, liaison.Conflicting, tc.field)
			if n := size(t, s); n != 1 {
				t.Errorf("TreeSize() after a failed Append = %d, want 1", n)
			}
			for _, id := range []string{"a", "b"} {
				for _, kind := range []string{liaison.KindRequest, liaison.KindAction} {
					if _, err := s.Get(t.Context(), kind, id); liaison.KindOf(err) != liaison.NotFound {
						t.Errorf("Get(%s, %s) after a failed Append = %v, want NotFound", kind, id, err)
					}
				}
			}
			if got, err := s.List(t.Context(), liaison.Filter{}); err != nil || len(got) != 1 {
				t.Errorf("List() after a failed Append = %d records, %v, want 1", len(got), err)
			}
			if _, err := s.ReadLeaves(t.Context(), 1, 1); liaison.KindOf(err) != liaison.NotFound {
				t.Errorf("ReadLeaves(1, 1) after a failed Append = %v, want NotFound", err)
			}
		})
	}
	// The log goes on from where it was, without a gap.
	next := NewRecord(t, liaison.KindRequest, "a")
	mustAppend(t, s, next)
	if next.Index != 1 {
		t.Errorf("Append after failed appends: Index = %d, want 1", next.Index)
	}
	checkLog(t, s, 2)
}

// testIdempotencyKey plays a request sent twice: the second send, with a
// new id and the same key, is refused, and the key finds the first.
func testIdempotencyKey(t *testing.T, s Store) {
	ctx := t.Context()
	first := withKey(NewRecord(t, liaison.KindRequest, "req-A"), "agency-1/ice-8842")
	mustAppend(t, s, first)
	again := withKey(NewRecord(t, liaison.KindRequest, "req-B"), "agency-1/ice-8842")
	err := s.Append(ctx, again, NewRecord(t, liaison.KindDecision, "dec-B"))
	wantKind(t, "Append(the same request again)", err, liaison.Conflicting, "key")
	got, err := s.ByKey(ctx, liaison.KindRequest, "agency-1/ice-8842")
	if err != nil {
		t.Fatalf("ByKey = %v", err)
	}
	if d := diff(got, first); d != "" {
		t.Errorf("ByKey after the repeat: %s", d)
	}
	if _, err := s.Get(ctx, liaison.KindDecision, "dec-B"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Get(decision, dec-B) = %v, want NotFound: it was in the refused append", err)
	}
	_, err = s.ByKey(ctx, liaison.KindDecision, "agency-1/ice-8842")
	wantKind(t, "ByKey(decision, the request's key)", err, liaison.NotFound, "")
	_, err = s.ByKey(ctx, liaison.KindRequest, "")
	wantKind(t, "ByKey(request, empty key)", err, liaison.NotFound, "")
	checkLog(t, s, 1)
}

func testList(t *testing.T, s Store) {
	ctx := t.Context()
	type spec struct{ kind, id, agency, person, parent string }
	specs := []spec{
		{liaison.KindAgency, "ag1", "ag1", "", ""},
		{liaison.KindPerson, "p1", "ag1", "p1", ""},
		{liaison.KindRequest, "r1", "ag1", "p1", ""},
		{liaison.KindDecision, "d1", "ag1", "p1", "r1"},
		{liaison.KindPerson, "p2", "ag2", "p2", ""},
		{liaison.KindRequest, "r2", "ag2", "p2", ""},
		{liaison.KindDecision, "d2", "ag2", "p2", "r2"},
		{liaison.KindDuty, "u1", "ag1", "p1", "d1"},
		{liaison.KindRequest, "r3", "ag1", "p1", ""},
		{liaison.KindRead, "x1", "ag2", "p1", ""},
	}
	var recs []*liaison.StoredRecord
	for i, sp := range specs {
		r := NewRecord(t, sp.kind, sp.id)
		r.Agency, r.Person, r.Parent = sp.agency, sp.person, sp.parent
		fit(r)
		r.At = base.Add(time.Duration(i) * time.Minute)
		recs = append(recs, r)
	}
	// Two appends, so that log order spans transactions.
	mustAppend(t, s, recs[:4]...)
	mustAppend(t, s, recs[4:]...)
	byID := make(map[string]*liaison.StoredRecord)
	for _, r := range recs {
		byID[r.ID] = r
	}
	for _, tc := range []struct {
		f    liaison.Filter
		want string
	}{
		{liaison.Filter{}, "ag1 p1 r1 d1 p2 r2 d2 u1 r3 x1"},
		{liaison.Filter{Kind: liaison.KindRequest}, "r1 r2 r3"},
		{liaison.Filter{Agency: "ag1"}, "ag1 p1 r1 d1 u1 r3"},
		{liaison.Filter{Person: "p1"}, "p1 r1 d1 u1 r3 x1"},
		{liaison.Filter{Parent: "r2"}, "d2"},
		{liaison.Filter{Kind: liaison.KindRequest, Agency: "ag1"}, "r1 r3"},
		{liaison.Filter{Kind: liaison.KindRequest, Person: "p1", Agency: "ag1"}, "r1 r3"},
		{liaison.Filter{Agency: "ag2", Person: "p1"}, "x1"},
		{liaison.Filter{Kind: liaison.KindDuty, Parent: "d1", Person: "p1", Agency: "ag1"}, "u1"},
		{liaison.Filter{Kind: liaison.KindOverride}, ""},
		{liaison.Filter{Agency: "nowhere"}, ""},
		{liaison.Filter{From: 5}, "r2 d2 u1 r3 x1"},
		{liaison.Filter{From: 5, Person: "p1"}, "u1 r3 x1"},
		{liaison.Filter{From: 10}, ""},
		{liaison.Filter{Limit: 3}, "ag1 p1 r1"},
		{liaison.Filter{Person: "p1", Limit: 2}, "p1 r1"},
		{liaison.Filter{Person: "p1", From: 3, Limit: 2}, "d1 u1"},
	} {
		got, err := s.List(ctx, tc.f)
		if err != nil {
			t.Errorf("List(%+v) = %v", tc.f, err)
			continue
		}
		if got == nil {
			t.Errorf("List(%+v) = nil, want an empty slice", tc.f)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
			if d := diff(r, byID[r.ID]); d != "" {
				t.Errorf("List(%+v): %s: %s", tc.f, r.ID, d)
			}
		}
		if g := strings.Join(ids, " "); g != tc.want {
			t.Errorf("List(%+v) = [%s], want [%s]", tc.f, g, tc.want)
		}
	}
}

func testListPaging(t *testing.T, s Store) {
	ctx := t.Context()
	const n = defaultLimit + 37
	recs := make([]*liaison.StoredRecord, n)
	for i := range recs {
		kind := liaison.KindRead
		if i%3 == 0 {
			kind = liaison.KindRequest
		}
		recs[i] = NewRecord(t, kind, fmt.Sprintf("%s-%04d", kind, i))
		recs[i].Person = "p"
		fit(recs[i])
	}
	mustAppend(t, s, recs...)

	all, err := s.List(ctx, liaison.Filter{})
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	if len(all) != defaultLimit {
		t.Errorf("List() with no limit returned %d records, want the default %d", len(all), defaultLimit)
	}
	// Page through one kind, as a client does: From is the last Index + 1.
	var got []string
	var want []string
	for _, r := range recs {
		if r.Kind == liaison.KindRequest {
			want = append(want, r.ID)
		}
	}
	from, pages := int64(0), 0
	for {
		page, err := s.List(ctx, liaison.Filter{Kind: liaison.KindRequest, Person: "p", From: from, Limit: 100})
		if err != nil {
			t.Fatalf("List(page %d) = %v", pages, err)
		}
		if len(page) > 100 {
			t.Fatalf("List(Limit 100) returned %d records", len(page))
		}
		for _, r := range page {
			got = append(got, r.ID)
		}
		pages++
		if len(page) < 100 {
			break
		}
		from = page[len(page)-1].Index + 1
	}
	if !slices.Equal(got, want) {
		t.Errorf("paging through requests gave %d records (%v…), want %d (%v…)", len(got), got[:min(3, len(got))], len(want), want[:3])
	}
	if wantPages := len(want)/100 + 1; pages != wantPages {
		t.Errorf("paging took %d pages, want %d", pages, wantPages)
	}
}

// defaultLimit is Filter.Limit's default, as liaison.Filter states.
const defaultLimit = 1000

func testNotFound(t *testing.T, s Store) {
	ctx := t.Context()
	mustAppend(t, s, withKey(NewRecord(t, liaison.KindRequest, "r1"), "ag/k1"))
	_, err := s.Get(ctx, liaison.KindRequest, "r2")
	wantKind(t, "Get(request, r2)", err, liaison.NotFound, "")
	_, err = s.Get(ctx, liaison.KindDecision, "r1")
	wantKind(t, "Get(decision, r1)", err, liaison.NotFound, "")
	_, err = s.ByKey(ctx, liaison.KindRequest, "ag/k2")
	wantKind(t, "ByKey(request, k2)", err, liaison.NotFound, "")
	_, err = s.ReadLeaves(ctx, 1, 1)
	wantKind(t, "ReadLeaves(1, 1)", err, liaison.NotFound, "")
	_, err = s.ReadLeaves(ctx, 0, 2)
	wantKind(t, "ReadLeaves(0, 2)", err, liaison.NotFound, "")
	_, err = s.ReadHashes(ctx, []int64{0, tlog.StoredHashIndex(0, 1)})
	wantKind(t, "ReadHashes(0, the next leaf's)", err, liaison.NotFound, "")
	_, err = s.LatestCheckpoint(ctx)
	wantKind(t, "LatestCheckpoint() with none stored", err, liaison.NotFound, "")
	if leaves, err := s.ReadLeaves(ctx, 1, 0); err != nil || len(leaves) != 0 {
		t.Errorf("ReadLeaves(1, 0) = %v, %v, want no leaves", leaves, err)
	}
}

func testLargeBody(t *testing.T, s Store) {
	big := NewRecord(t, liaison.KindRequest, "big")
	noise := make([]byte, 6<<20)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	big.Body = fmt.Appendf(nil, `{"id":"big","note":%q}`, base64.StdEncoding.EncodeToString(noise))
	// A kind the store does not know may have any body, even none.
	empty := NewRecord(t, "note", "empty")
	empty.Body = nil
	mustAppend(t, s, big, empty)
	get(t, s, big)
	get(t, s, empty)
	checkLog(t, s, 2)
}

func testCanceled(t *testing.T, s Store) {
	mustAppend(t, s, NewRecord(t, liaison.KindRequest, "before"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := NewRecord(t, liaison.KindRequest, "canceled")
	if err := s.Append(ctx, r, NewRecord(t, liaison.KindDecision, "canceled")); !errors.Is(err, context.Canceled) {
		t.Errorf("Append(canceled context) = %v, want an error that is context.Canceled", err)
	}
	if r.Index != 0 {
		t.Errorf("failed Append set Index to %d", r.Index)
	}
	if _, err := s.Get(ctx, liaison.KindRequest, "before"); !errors.Is(err, context.Canceled) {
		t.Errorf("Get(canceled context) = %v, want context.Canceled", err)
	}
	if _, err := s.List(ctx, liaison.Filter{}); !errors.Is(err, context.Canceled) {
		t.Errorf("List(canceled context) = %v, want context.Canceled", err)
	}
	if _, err := s.TreeSize(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("TreeSize(canceled context) = %v, want context.Canceled", err)
	}
	for _, err := range s.Entries(ctx) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Entries(canceled context) yielded %v, want context.Canceled", err)
		}
		break
	}
	// An expired deadline.
	short, cancel := context.WithTimeout(t.Context(), time.Microsecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if err := s.Append(short, NewRecord(t, liaison.KindRequest, "late")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Append(expired context) = %v, want context.DeadlineExceeded", err)
	}
	checkLog(t, s, 1)
	if _, err := s.Get(t.Context(), liaison.KindRequest, "canceled"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("Get(request, canceled) = %v, want NotFound", err)
	}
}

// testConcurrent appends from several goroutines at once, singly and in
// batches: the log must come out gap-free, each batch contiguous, each
// goroutine's appends in its order, with the root of the commitments.
func testConcurrent(t *testing.T, s Store) {
	const (
		workers = 8
		appends = 12
	)
	// batches[w][i] is worker w's i-th append, of 1 to 3 records.
	batches := make([][][]*liaison.StoredRecord, workers)
	for w := range workers {
		for i := range appends {
			var recs []*liaison.StoredRecord
			for j := range 1 + i%3 {
				recs = append(recs, NewRecord(t, liaison.KindRead, fmt.Sprintf("w%d-a%d-r%d", w, i, j)))
			}
			batches[w] = append(batches[w], recs)
		}
	}
	var wg sync.WaitGroup
	got := make([][]*liaison.StoredRecord, workers)
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for _, recs := range batches[w] {
				if err := s.Append(t.Context(), recs...); err != nil {
					errs <- fmt.Errorf("worker %d: Append(%s) = %w", w, names(recs), err)
					return
				}
				for j := 1; j < len(recs); j++ {
					if recs[j].Index != recs[0].Index+int64(j) {
						errs <- fmt.Errorf("worker %d: batch %s has indexes %d and %d: not contiguous", w, names(recs), recs[0].Index, recs[j].Index)
						return
					}
				}
				got[w] = append(got[w], recs...)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	total := 0
	seen := make(map[int64]string)
	for w, recs := range got {
		for i, r := range recs {
			if i > 0 && r.Index <= recs[i-1].Index {
				t.Errorf("worker %d: %s has Index %d after %d", w, r.ID, r.Index, recs[i-1].Index)
			}
			if other, ok := seen[r.Index]; ok {
				t.Errorf("Index %d given to both %s and %s", r.Index, other, r.ID)
			}
			seen[r.Index] = r.ID
			total++
		}
	}
	checkLog(t, s, int64(total))
	for _, recs := range got {
		for _, r := range recs {
			get(t, s, r)
		}
	}
}

// testLog checks the log's read side and proofs from it.
func testLog(t *testing.T, s Store) {
	ctx := t.Context()
	var recs []*liaison.StoredRecord
	for i := range 13 {
		r := NewRecord(t, liaison.KindCustodyEvent, fmt.Sprintf("e%02d", i))
		mustAppend(t, s, r)
		recs = append(recs, r)
	}
	checkLog(t, s, 13)
	leaves, err := s.ReadLeaves(ctx, 5, 4)
	if err != nil {
		t.Fatalf("ReadLeaves(5, 4) = %v", err)
	}
	if len(leaves) != 4 || leaves[0].Index != 5 || leaves[3].Index != 8 || leaves[0].ID != "e05" {
		t.Errorf("ReadLeaves(5, 4) = %+v, want leaves 5 to 8", leaves)
	}
	// Leaf hashes sit where tlog says.
	for _, i := range []int64{0, 6, 12} {
		h, err := s.ReadHashes(ctx, []int64{tlog.StoredHashIndex(0, i)})
		want := ledger.RecordOf(recs[i]).Commitment().LeafHash()
		if err != nil || h[0] != want {
			t.Errorf("ReadHashes(leaf %d) = %v, %v, want %v", i, h, err, want)
		}
	}
	// Repeated and unordered indexes come back as asked.
	idx := []int64{3, 0, 3, tlog.StoredHashIndex(1, 2), 0}
	hs, err := s.ReadHashes(ctx, idx)
	if err != nil || len(hs) != len(idx) || hs[0] != hs[2] || hs[1] != hs[4] || hs[0] == hs[1] {
		t.Errorf("ReadHashes(%v) = %v, %v", idx, hs, err)
	}
	root, err := ledger.TreeHash(ctx, s, 13)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int64{0, 7, 12} {
		p, err := ledger.ProveInclusion(ctx, s, 13, i)
		if err != nil {
			t.Fatalf("ProveInclusion(13, %d) = %v", i, err)
		}
		c := ledger.RecordOf(recs[i]).Commitment()
		if err := ledger.CheckInclusion(p, ledger.Checkpoint{Size: 13, Hash: root}, i, c); err != nil {
			t.Errorf("CheckInclusion(leaf %d) = %v", i, err)
		}
	}
	old, err := ledger.TreeHash(ctx, s, 5)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ledger.ProveConsistency(ctx, s, 5, 13)
	if err != nil {
		t.Fatalf("ProveConsistency(5, 13) = %v", err)
	}
	if err := ledger.CheckConsistency(p, ledger.Checkpoint{Size: 5, Hash: old}, ledger.Checkpoint{Size: 13, Hash: root}); err != nil {
		t.Errorf("CheckConsistency(5, 13) = %v", err)
	}
	// The audit join: every leaf with its record, in order, and no record
	// without a leaf.
	i := 0
	for e, err := range s.Entries(ctx) {
		if err != nil {
			t.Fatalf("Entries: %v", err)
		}
		if e.Leaf == nil || e.Record == nil {
			t.Fatalf("Entries[%d] = %+v, want a leaf joined with its record", i, e)
		}
		r := recs[i]
		if e.Leaf.Index != int64(i) || e.Record.Kind != r.Kind || e.Record.ID != r.ID || !bytes.Equal(e.Record.Body, r.Body) || e.Record.Salt != ledger.Salt(r.Salt) {
			t.Fatalf("Entries[%d] = leaf %d, record %s, want leaf %d, record %s/%s", i, e.Leaf.Index, e.Record, i, r.Kind, r.ID)
		}
		i++
	}
	if i != len(recs) {
		t.Errorf("Entries yielded %d entries, want %d", i, len(recs))
	}
}

// testCheckpoints round-trips signed checkpoints through a Publisher.
func testCheckpoints(t *testing.T, s Store) {
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	pub := &ledger.Publisher{Store: s, Signer: signer}
	if _, err := s.LatestCheckpoint(ctx); liaison.KindOf(err) != liaison.NotFound {
		t.Fatalf("LatestCheckpoint() on an empty store = %v, want NotFound", err)
	}
	mustAppend(t, s, NewRecord(t, liaison.KindRequest, "r1"), NewRecord(t, liaison.KindRequest, "r2"))
	cp2, err := pub.Publish(ctx)
	if err != nil || cp2.Size != 2 {
		t.Fatalf("Publish() = %+v, %v, want size 2", cp2, err)
	}
	latest := func(want ledger.Checkpoint) {
		t.Helper()
		signed, err := s.LatestCheckpoint(ctx)
		if err != nil {
			t.Fatalf("LatestCheckpoint() = %v", err)
		}
		got, err := verifier.Open(signed)
		if err != nil || got != want {
			t.Fatalf("LatestCheckpoint() opens to %+v, %v, want %+v", got, err, want)
		}
	}
	latest(cp2)
	// The store recorded the checkpoint in the log, after its leaves.
	rec, err := s.Get(ctx, liaison.KindCheckpoint, ledger.CheckpointRecordID(2))
	if err != nil || rec.Index != 2 {
		t.Fatalf("Get(the record of checkpoint 2) = %+v, %v, want leaf 2", rec, err)
	}
	// Its record alone is not new: the same checkpoint, nothing stored.
	if again, err := pub.Publish(ctx); err != nil || again != cp2 {
		t.Errorf("Publish() with only the checkpoint's record new = %+v, %v, want %+v", again, err, cp2)
	}
	mustAppend(t, s, NewRecord(t, liaison.KindRequest, "r3"))
	cp3, err := pub.Publish(ctx)
	if err != nil || cp3.Size != 4 {
		t.Fatalf("Publish() = %+v, %v, want size 4 (two records, a checkpoint's, one more)", cp3, err)
	}
	latest(cp3)
	// Storing a size again is not an error, and keeps one per size; an
	// older size stored late does not become the latest.
	_, signed2, err := signer.SignTree(ctx, s, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteCheckpoint(ctx, cp2, signed2); err != nil {
		t.Errorf("WriteCheckpoint(size 2 again) = %v", err)
	}
	cp0, signed0, err := signer.SignTree(ctx, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteCheckpoint(ctx, cp0, signed0); err != nil {
		t.Errorf("WriteCheckpoint(size 0) = %v", err)
	}
	latest(cp3)
	var sizes []int64
	for signed, err := range s.Checkpoints(ctx) {
		if err != nil {
			t.Fatalf("Checkpoints: %v", err)
		}
		cp, err := verifier.Open(signed)
		if err != nil {
			t.Fatalf("Checkpoints yielded a note that does not verify: %v", err)
		}
		sizes = append(sizes, cp.Size)
	}
	slices.Sort(sizes)
	if !slices.Equal(sizes, []int64{0, 2, 4}) {
		t.Errorf("Checkpoints yielded sizes %v, want [0 2 4]", sizes)
	}
	if rep, err := ledger.Verify(ctx, s, verifier); err != nil || !rep.OK() || rep.Checkpoints != 3 {
		t.Errorf("Verify() = %+v, %v, want OK with 3 checkpoints", rep, err)
	}
}

// NewSigner returns a new log signing key and its verifier.
func NewSigner(t testing.TB) (*ledger.Signer, *ledger.Verifier) {
	t.Helper()
	skey, vkey, err := ledger.GenerateKey(rand.Reader, "storetest.example/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ledger.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return signer, verifier
}

// testVerify runs `log verify`'s audit over an honest store, across more
// than one page of Entries.
func testVerify(t *testing.T, s Store) {
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	pub := &ledger.Publisher{Store: s, Signer: signer}
	const n = 700
	for i := 0; i < n; i += 100 {
		var recs []*liaison.StoredRecord
		for j := i; j < i+100; j++ {
			recs = append(recs, NewRecord(t, liaison.KindRead, fmt.Sprintf("read-%04d", j)))
		}
		mustAppend(t, s, recs...)
		if _, err := pub.Publish(ctx); err != nil {
			t.Fatalf("Publish() = %v", err)
		}
	}
	// Each checkpoint is recorded in the log, after the leaves it covers.
	const size = n + n/100
	// Twice: a store may keep the hashes it has read in memory (those of
	// the upper levels, from 256 leaves on), and must give the same again.
	checkLog(t, s, size)
	checkLog(t, s, size)
	rep, err := ledger.Verify(ctx, s, verifier)
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	if !rep.OK() || rep.TreeSize != size || rep.Leaves != size || rep.Records != size || rep.Checkpoints != n/100 {
		t.Errorf("Verify() = %+v, want OK with %d leaves and records and %d checkpoints", rep, size, n/100)
	}
}

// tamperer returns s as a Tamperer, or skips the test.
func tamperer(t *testing.T, s Store) Tamperer {
	tam, ok := s.(Tamperer)
	if !ok {
		t.Skip("the store does not implement storetest.Tamperer")
	}
	return tam
}

// testTamper changes the database behind the store's back and checks that
// the audit names each change.
func testTamper(t *testing.T, s Store) {
	tam := tamperer(t, s)
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	var recs []*liaison.StoredRecord
	for i := range 10 {
		recs = append(recs, NewRecord(t, liaison.KindDecision, fmt.Sprintf("d%d", i)))
	}
	mustAppend(t, s, recs...)
	if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`UPDATE records SET body = $1 WHERE kind = $2 AND id = $3`, []any{[]byte(`{"outcome":"permitted"}`), liaison.KindDecision, "d2"}},
		{`DELETE FROM records WHERE kind = $1 AND id = $2`, []any{liaison.KindDecision, "d5"}},
		{`INSERT INTO records (leaf_index, kind, id, body, salt, at) SELECT 1000, kind, 'forged', body, salt, at FROM records WHERE id = $1`, []any{"d7"}},
	} {
		if err := tam.Tamper(ctx, q.query, q.args...); err != nil {
			t.Fatalf("Tamper(%s) = %v", q.query, err)
		}
	}
	rep, err := ledger.Verify(ctx, s, verifier)
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	found := make(map[ledger.ProblemKind][]string)
	for _, p := range rep.Problems {
		found[p.Kind] = append(found[p.Kind], p.Record)
	}
	for kind, want := range map[ledger.ProblemKind]string{
		ledger.Changed:  "decision/d2",
		ledger.Deleted:  "decision/d5",
		ledger.Inserted: "decision/forged",
	} {
		if !slices.Contains(found[kind], want) {
			t.Errorf("Verify() after tampering: %s problems name %v, want %s; report: %+v", kind, found[kind], want, rep.Problems)
		}
	}
	if len(found[ledger.CheckpointMismatch]) == 0 {
		t.Errorf("Verify() after tampering found no checkpoint mismatch; report: %+v", rep.Problems)
	}
}

// Bench measures Append: one record per call, and batches of 64, from
// one goroutine; then one record per call from 32 goroutines at once,
// which group commit writes together. It reports records per second.
// open returns a new, empty store.
func Bench(b *testing.B, open func(b *testing.B) Store) {
	for _, batch := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			s := open(b)
			defer closeBench(b, s)
			recs := make([]*liaison.StoredRecord, batch)
			n := 0
			for b.Loop() {
				for i := range recs {
					recs[i] = NewRecord(b, liaison.KindRead, fmt.Sprintf("read-%d", n))
					n++
				}
				if err := s.Append(b.Context(), recs...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
		})
	}
	b.Run("batch=1/callers=32", func(b *testing.B) {
		s := open(b)
		defer closeBench(b, s)
		var n atomic.Int64
		// 32 goroutines in all, whatever GOMAXPROCS is.
		b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				r := NewRecord(b, liaison.KindRead, fmt.Sprintf("read-%d", n.Add(1)))
				if err := s.Append(b.Context(), r); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "records/s")
	})
}

func closeBench(b *testing.B, s Store) {
	if err := s.Close(); err != nil {
		b.Errorf("Close() = %v", err)
	}
}
