package ledger

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"slices"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// ProblemKind classifies what Verify found.
type ProblemKind string

// The kinds of problem Verify reports.
const (
	// Changed: a record no longer matches its leaf (its row was edited),
	// or its leaf no longer matches the tree (its row and leaf were).
	Changed ProblemKind = "changed"
	// Deleted: a leaf names a record that is gone.
	Deleted ProblemKind = "deleted"
	// Inserted: a record that no leaf names: written around the log.
	Inserted ProblemKind = "inserted"
	// Column: a column the store looks the record up by (agency, person,
	// parent, key) no longer says what the record's body says: the row
	// was edited around the log.
	Column ProblemKind = "column"
	// LeafRow: the leaves themselves are damaged: one is missing, listed
	// twice, or beyond the tree.
	LeafRow ProblemKind = "leaf"
	// Tree: a stored tree hash above the leaves is wrong.
	Tree ProblemKind = "tree"
	// CheckpointMismatch: a stored checkpoint does not verify, or the tree
	// rebuilt from the records does not have its root: something it covers
	// was rewritten, consistently, after it was signed.
	CheckpointMismatch ProblemKind = "checkpoint"
	// CheckpointMissing: a checkpoint recorded in the log is not among
	// the stored checkpoints: its row was deleted.
	CheckpointMissing ProblemKind = "checkpoint_missing"
	// Derived: a row of a table the store derives from the records (the
	// open cases) disagrees with them: it was edited, added or deleted
	// around the log (see DerivedChecker).
	Derived ProblemKind = "derived"
)

// DerivedChecker is an AuditSource that keeps tables derived from its
// records, which the server looks things up by (the open cases, see
// liaison.OpenCaseIndex). Verify asks it for every row that disagrees
// with the records, after checking the records themselves.
type DerivedChecker interface {
	CheckDerived(ctx context.Context) iter.Seq2[Problem, error]
}

// A RecordCheck checks data derived from the log's records (the
// dashboard's kept summary, see package oversight) as Verify reads them,
// so that the log is read once for every check.
type RecordCheck interface {
	// Record is given each record that a leaf names, in leaf order, with
	// its leaf index, whether or not it matches its leaf (Verify reports
	// those that do not). A leaf whose record is gone is skipped: the
	// next index given is higher. An error stops Verify: it is for
	// failures to read, not for what the check finds.
	Record(ctx context.Context, r *Record, index int64) error
	// Problems returns what the check found, once every record was given.
	Problems(ctx context.Context) ([]Problem, error)
}

// Problem is one thing Verify found wrong.
type Problem struct {
	Kind ProblemKind `json:"kind"`
	// Index is the leaf concerned, or -1.
	Index int64 `json:"index"`
	// Record names the record concerned as kind/id, or is empty.
	Record string `json:"record,omitempty"`
	// Message says what is wrong, for a person.
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Message }

// Report is the result of Verify.
type Report struct {
	TreeSize    int64 `json:"tree_size"`
	Leaves      int64 `json:"leaves"`      // leaf rows read
	Records     int64 `json:"records"`     // records read
	Checkpoints int   `json:"checkpoints"` // stored checkpoints checked
	// V1Leaves counts the leaves in format 1, written before migration
	// 0004: they commit to a record's kind, id and body only, so its
	// columns are checked against its body alone, and its time not at all.
	V1Leaves int64     `json:"v1_leaves,omitempty"`
	Problems []Problem `json:"problems"`
	// Omitted counts the problems found beyond MaxProblems.
	Omitted int `json:"omitted,omitempty"`
}

// OK reports whether Verify found nothing wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 && r.Omitted == 0 }

// MaxProblems bounds Report.Problems; later ones are only counted.
const MaxProblems = 1000

func (r *Report) add(kind ProblemKind, index int64, record, format string, args ...any) {
	if len(r.Problems) >= MaxProblems {
		r.Omitted++
		return
	}
	r.Problems = append(r.Problems, Problem{Kind: kind, Index: index, Record: record, Message: fmt.Sprintf(format, args...)})
}

// Verify audits a whole log, as `liaison log verify` does: it recomputes
// every leaf from its record, rebuilds the tree from those leaves, and
// checks the result against the stored tree and every stored checkpoint.
// Each changed, deleted or inserted record is reported with its id; a record
// rewritten together with its leaf and the tree is caught by the checkpoints
// signed before, which bound where it is.
//
// Verify reads the store once, in order, in constant memory (apart from the
// checkpoints); from a snapshot when src is a Snapshotter, so that it can
// run beside appends. Each record it reads is also given to checks, whose
// problems it reports after its own. Its error is for failures to read;
// what it finds is in the report.
func Verify(ctx context.Context, src AuditSource, v *Verifier, checks ...RecordCheck) (rep *Report, err error) {
	if sn, ok := src.(Snapshotter); ok {
		snap, done, err := sn.Snapshot(ctx)
		if err != nil {
			return nil, fmt.Errorf("verify log: %w", err)
		}
		defer func() {
			if cerr := done(); cerr != nil && err == nil {
				rep, err = nil, fmt.Errorf("verify log: %w", cerr)
			}
		}()
		src = snap
	}
	size, err := src.TreeSize(ctx)
	if err != nil {
		return nil, fmt.Errorf("verify log: tree size: %w", err)
	}
	a := &audit{ctx: ctx, src: src, v: v, rep: &Report{TreeSize: size}, size: size, lastBad: -1, stored: map[Checkpoint]bool{}}
	if err := a.loadCheckpoints(v); err != nil {
		return nil, err
	}
	a.checkCheckpoints()
	fed := int64(-1)
	for e, err := range src.Entries(ctx) {
		if err != nil {
			return nil, fmt.Errorf("verify log: read entries: %w", err)
		}
		if err := a.entry(e); err != nil {
			return nil, err
		}
		// The checks get each leaf's record once, in order, within the tree.
		if l := e.Leaf; l != nil && l.Index > fed && l.Index < size && e.Record != nil && e.Record.Kind == l.Kind && e.Record.ID == l.ID {
			fed = l.Index
			for _, c := range checks {
				if err := c.Record(ctx, e.Record, e.Leaf.Index); err != nil {
					return nil, fmt.Errorf("verify log: %w", err)
				}
			}
		}
	}
	if err := a.missing(size); err != nil {
		return nil, err
	}
	if err := a.flush(); err != nil {
		return nil, err
	}
	a.finishCheckpoints()
	if err := a.finishRecorded(); err != nil {
		return nil, err
	}
	for _, c := range checks {
		probs, err := c.Problems(ctx)
		if err != nil {
			return nil, fmt.Errorf("verify log: %w", err)
		}
		for _, p := range probs {
			a.rep.add(p.Kind, p.Index, p.Record, "%s", p.Message)
		}
	}
	if dc, ok := src.(DerivedChecker); ok {
		for p, err := range dc.CheckDerived(ctx) {
			if err != nil {
				return nil, fmt.Errorf("verify log: %w", err)
			}
			a.rep.add(p.Kind, p.Index, p.Record, "%s", p.Message)
		}
	}
	// Problems about a leaf in leaf order, then the others as found.
	slices.SortStableFunc(a.rep.Problems, func(p, q Problem) int {
		key := func(p Problem) int64 {
			if p.Index < 0 {
				return math.MaxInt64
			}
			return p.Index
		}
		return cmp.Compare(key(p), key(q))
	})
	return a.rep, nil
}

// audit is the state of one Verify.
type audit struct {
	ctx  context.Context
	src  AuditSource
	v    *Verifier
	rep  *Report
	size int64 // the store's tree size

	// The tree rebuilt so far: n leaves, and the roots of its maximal
	// complete subtrees (front[L] is meaningful when bit L of n is set).
	n     int64
	front [64]tlog.Hash

	// Stored hashes expected, not yet compared with the store's: they sit
	// at stored hash indexes from pendStart on; leaf pendFirst+i's start at
	// pend[pendOff[i]], and pendLeaf[i] names its record.
	pendStart int64
	pendFirst int64
	pend      []tlog.Hash
	pendOff   []int
	pendLeaf  []string

	// lastBad is the last leaf reported; mismatches in tree hashes above it
	// follow from that report and are not reported again.
	lastBad int64

	// Checkpoints in size order; next is the first not yet reached.
	cps      []Checkpoint
	next     int
	lastGood int64 // size of the latest matching checkpoint
	firstBad int   // index in rep.Problems of the first mismatching checkpoint, or -1
	laterBad int   // mismatching checkpoints after it
	anyBadCP bool

	// stored holds every stored checkpoint that verifies; recorded, the
	// checkpoints recorded in the log (see recorded.go).
	stored   map[Checkpoint]bool
	recorded []recordedCheckpoint
}

const flushLeaves = 1024

func (a *audit) loadCheckpoints(v *Verifier) error {
	a.firstBad = -1
	i := 0
	for signed, err := range a.src.Checkpoints(a.ctx) {
		if err != nil {
			return fmt.Errorf("verify log: read checkpoints: %w", err)
		}
		i++
		a.rep.Checkpoints++
		cp, err := v.Open(signed)
		if err != nil {
			a.rep.add(CheckpointMismatch, -1, "", "stored checkpoint #%d: %v", i, err)
			continue
		}
		a.stored[cp] = true
		if cp.Size > a.size {
			a.rep.add(CheckpointMismatch, cp.Size-1, "", "checkpoint of size %d is beyond the tree's %d leaves: the log was rolled back, leaves %d to %d were removed", cp.Size, a.size, a.size, cp.Size-1)
			continue
		}
		a.cps = append(a.cps, cp)
	}
	slices.SortStableFunc(a.cps, func(x, y Checkpoint) int { return cmp.Compare(x.Size, y.Size) })
	return nil
}

// checkCheckpoints compares the checkpoints of the size rebuilt so far.
func (a *audit) checkCheckpoints() {
	for a.next < len(a.cps) && a.cps[a.next].Size == a.n {
		cp := a.cps[a.next]
		a.next++
		root, err := tlog.TreeHash(a.n, tlog.HashReaderFunc(a.frontier))
		if err != nil {
			panic(fmt.Sprintf("ledger: verify: tree hash from the frontier: %v", err))
		}
		switch {
		case root == cp.Hash:
			a.lastGood = cp.Size
		case a.anyBadCP:
			// Once the rebuilt tree differs, every later root differs too.
			a.laterBad++
		default:
			a.anyBadCP = true
			a.firstBad = len(a.rep.Problems)
			a.rep.add(CheckpointMismatch, -1, "", "checkpoint of size %d does not match the tree rebuilt from the records: a record among leaves %d to %d was changed, deleted or inserted after it was signed", cp.Size, a.lastGood, cp.Size-1)
		}
	}
}

func (a *audit) finishCheckpoints() {
	if a.laterBad > 0 && a.firstBad >= 0 && a.firstBad < len(a.rep.Problems) {
		a.rep.Problems[a.firstBad].Message += fmt.Sprintf(" (and %d later checkpoints do not match either)", a.laterBad)
	}
}

// frontier reads the rebuilt tree's complete-subtree roots, the only stored
// hashes that appending and tree hashing read.
func (a *audit) frontier(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		level, k := tlog.SplitStoredHashIndex(x)
		if a.n>>level&1 == 0 || k != a.n>>level-1 {
			return nil, fmt.Errorf("stored hash %d (level %d, node %d) is not on the frontier of %d leaves", x, level, k, a.n)
		}
		out[i] = a.front[level]
	}
	return out, nil
}

// push appends a leaf hash to the rebuilt tree and queues its stored hashes
// for comparison with the store's.
func (a *audit) push(h tlog.Hash, name string) error {
	hashes, err := tlog.StoredHashesForRecordHash(a.n, h, tlog.HashReaderFunc(a.frontier))
	if err != nil {
		panic(fmt.Sprintf("ledger: verify: hashes from the frontier: %v", err))
	}
	if len(a.pend) == 0 {
		a.pendStart, a.pendFirst = tlog.StoredHashIndex(0, a.n), a.n
	}
	a.pendOff = append(a.pendOff, len(a.pend))
	a.pend = append(a.pend, hashes...)
	a.pendLeaf = append(a.pendLeaf, name)
	// The last hash is the root of the subtree this leaf completes; the
	// smaller ones below it are no longer on the frontier.
	a.front[len(hashes)-1] = hashes[len(hashes)-1]
	a.n++
	a.checkCheckpoints()
	if len(a.pendLeaf) >= flushLeaves {
		return a.flush()
	}
	return nil
}

// flush compares the queued hashes with the store's.
func (a *audit) flush() error {
	if len(a.pend) == 0 {
		return nil
	}
	defer func() { a.pend, a.pendLeaf, a.pendOff = a.pend[:0], a.pendLeaf[:0], a.pendOff[:0] }()
	stored, err := a.src.ReadHashes(a.ctx, a.indexes(0, len(a.pend)))
	switch {
	case err == nil:
		a.compare(0, stored)
		return nil
	case liaison.KindOf(err) != liaison.NotFound:
		return fmt.Errorf("verify log: read tree hashes from %d: %w", a.pendStart, err)
	}
	// Some are gone: find from which leaf on, one leaf at a time.
	for j := range a.pendLeaf {
		from, to := a.pendOff[j], len(a.pend)
		if j+1 < len(a.pendOff) {
			to = a.pendOff[j+1]
		}
		stored, err := a.src.ReadHashes(a.ctx, a.indexes(from, to))
		switch {
		case liaison.KindOf(err) == liaison.NotFound:
			first, last := a.pendFirst+int64(j), a.pendFirst+int64(len(a.pendLeaf))-1
			a.rep.add(Tree, first, "", "tree hashes for leaves %d to %d are missing", first, last)
			a.lastBad = last
			return nil
		case err != nil:
			return fmt.Errorf("verify log: read tree hashes of leaf %d: %w", a.pendFirst+int64(j), err)
		}
		a.compare(from, stored)
	}
	return nil
}

// indexes returns the stored hash indexes of a.pend[from:to].
func (a *audit) indexes(from, to int) []int64 {
	out := make([]int64, to-from)
	for i := range out {
		out[i] = a.pendStart + int64(from+i)
	}
	return out
}

// compare reports the stored hashes that differ from a.pend[from:].
func (a *audit) compare(from int, stored []tlog.Hash) {
	for i, h := range stored {
		if h == a.pend[from+i] {
			continue
		}
		level, k := tlog.SplitStoredHashIndex(a.pendStart + int64(from+i))
		first, last := k<<level, (k+1)<<level-1
		if a.lastBad >= first {
			continue // explained by a leaf already reported
		}
		a.lastBad = last
		if level == 0 {
			name := a.pendLeaf[k-a.pendFirst]
			a.rep.add(Changed, k, name, "%s (leaf %d) does not match the tree: the record and its leaf were changed", name, k)
		} else {
			a.rep.add(Tree, -1, "", "tree hash at level %d over leaves %d to %d does not match the leaves", level, first, last)
		}
	}
}

// entry checks one leaf or unlogged record.
func (a *audit) entry(e Entry) error {
	if e.Record != nil {
		a.rep.Records++
	}
	if e.Leaf == nil {
		if e.Record != nil {
			a.rep.add(Inserted, -1, e.Record.String(), "%s has no leaf: it was written without being logged", e.Record)
		}
		return nil
	}
	l := e.Leaf
	a.rep.Leaves++
	switch {
	case l.Index < a.n:
		a.rep.add(LeafRow, l.Index, l.String(), "leaf %d (%s) is listed twice or out of order", l.Index, l)
		return nil
	case l.Index >= a.size:
		a.rep.add(LeafRow, l.Index, l.String(), "leaf %d (%s) is beyond the tree's %d leaves: it was added without its tree hashes", l.Index, l, a.size)
		return nil
	}
	if err := a.missing(l.Index); err != nil {
		return err
	}
	c := l.Commitment
	switch r := e.Record; {
	case r == nil:
		a.rep.add(Deleted, l.Index, l.String(), "%s (leaf %d) was deleted", l, l.Index)
	case r.Kind != l.Kind || r.ID != l.ID:
		a.rep.add(Changed, l.Index, l.String(), "leaf %d names %s but was joined with %s", l.Index, l, r)
		a.lastBad = l.Index
	default:
		a.columns(r, l.Index)
		if r.Kind == liaison.KindCheckpoint {
			a.recordedCheckpoint(r, l.Index)
		}
		switch r.Format(l.Commitment) {
		case 1:
			a.rep.V1Leaves++
		case 0:
			c = r.Commitment()
			a.rep.add(Changed, l.Index, l.String(), "%s (leaf %d) was changed: it no longer matches its leaf", l, l.Index)
			a.lastBad = l.Index
		}
	}
	return a.push(c.LeafHash(), l.String())
}

// columns reports the index columns of r that disagree with its body.
func (a *audit) columns(r *Record, index int64) {
	c, err := liaison.ColumnsOf(r.Kind, r.Body)
	if err != nil {
		a.rep.add(Column, index, r.String(), "%s (leaf %d): %v", r, index, err)
		return
	}
	stored := &liaison.StoredRecord{Kind: r.Kind, ID: r.ID, Agency: r.Agency, Person: r.Person, Parent: r.Parent, Key: r.Key}
	if col, got, want, bad := c.Mismatch(stored); bad {
		if col == liaison.ColumnKey {
			got, want = "(hidden)", "(hidden)" // a key may be a secret's hash
		}
		a.rep.add(Column, index, r.String(), "%s (leaf %d): its %s column is %q but its body says %q: the row was edited around the log", r, index, col, got, want)
	}
}

// missing reports the leaves from the rebuilt size up to (not including)
// upto as missing, and carries the rebuilt tree over them with the store's
// own leaf hashes, so that what follows can still be checked.
func (a *audit) missing(upto int64) error {
	for a.n < upto {
		i := a.n
		a.rep.add(LeafRow, i, "", "leaf %d is missing: its row was deleted", i)
		a.lastBad = i
		h, err := a.src.ReadHashes(a.ctx, []int64{tlog.StoredHashIndex(0, i)})
		switch {
		case liaison.KindOf(err) == liaison.NotFound:
			h = []tlog.Hash{{}} // gone too: what follows is checked against the checkpoints
		case err != nil:
			return fmt.Errorf("verify log: read the hash of missing leaf %d: %w", i, err)
		}
		if err := a.push(h[0], ""); err != nil {
			return err
		}
	}
	return nil
}
