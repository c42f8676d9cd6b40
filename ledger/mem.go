package ledger

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"liaison"
)

// MemStore is a Store held in memory: a real implementation, used by the
// tests and as the model the database stores follow. Its transactions
// (Update) hold one lock from start to commit, as SQLite's writer does, and
// apply all their writes or none.
type MemStore struct {
	mu          sync.Mutex
	hashes      []tlog.Hash       // stored hashes, by stored hash index
	leaves      []Leaf            // by index
	records     map[string]Record // by recordKey
	checkpoints [][]byte          // signed notes, in the order written
	latest      []byte            // the one with the largest size
	latestSize  int64
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{records: make(map[string]Record)}
}

func recordKey(kind, id string) string { return kind + "\x00" + id }

// MemTx is a transaction on a MemStore: an AppendTx that can also write
// records. It is valid only inside the function given to Update.
type MemTx struct {
	m       *MemStore
	hashes  []tlog.Hash // written by this transaction, after m.hashes
	leaves  []Leaf      // written by this transaction, after m.leaves
	records map[string]Record
	done    bool
}

// Update runs fn in a transaction: when fn returns nil its writes are
// committed together; when it returns an error, none are, and Update
// returns that error.
func (m *MemStore) Update(ctx context.Context, fn func(tx *MemTx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &MemTx{m: m, records: make(map[string]Record)}
	err := fn(tx)
	tx.done = true
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	m.hashes = append(m.hashes, tx.hashes...)
	m.leaves = append(m.leaves, tx.leaves...)
	maps.Copy(m.records, tx.records)
	return nil
}

// Add writes rec and appends its leaf in one transaction: what every store
// does for every record it writes.
func (m *MemStore) Add(ctx context.Context, rec Record) (Leaf, error) {
	var leaf Leaf
	err := m.Update(ctx, func(tx *MemTx) error {
		if err := tx.PutRecord(ctx, rec); err != nil {
			return err
		}
		var err error
		leaf, err = Append(ctx, tx, rec)
		return err
	})
	return leaf, err
}

func (tx *MemTx) check() error {
	if tx.done {
		return fmt.Errorf("memory store: transaction used after it ended")
	}
	return nil
}

// PutRecord stores a new record. A record with the same kind and id is an
// error of kind liaison.Conflicting: logged records are never overwritten.
func (tx *MemTx) PutRecord(ctx context.Context, rec Record) error {
	if err := tx.check(); err != nil {
		return err
	}
	if err := rec.Validate(); err != nil {
		return fmt.Errorf("put record: %w", err)
	}
	k := recordKey(rec.Kind, rec.ID)
	if _, ok := tx.m.records[k]; ok {
		return liaison.Errorf(liaison.Conflicting, "", "record %s exists", rec)
	}
	if _, ok := tx.records[k]; ok {
		return liaison.Errorf(liaison.Conflicting, "", "record %s exists", rec)
	}
	rec.Body = append([]byte(nil), rec.Body...)
	tx.records[k] = rec
	return nil
}

// TreeSize returns the number of leaves, including this transaction's.
func (tx *MemTx) TreeSize(ctx context.Context) (int64, error) {
	if err := tx.check(); err != nil {
		return 0, err
	}
	return int64(len(tx.m.leaves) + len(tx.leaves)), nil
}

// ReadHashes reads stored hashes, including this transaction's.
func (tx *MemTx) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	if err := tx.check(); err != nil {
		return nil, err
	}
	base := int64(len(tx.m.hashes))
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		switch {
		case x >= 0 && x < base:
			out[i] = tx.m.hashes[x]
		case x >= base && x-base < int64(len(tx.hashes)):
			out[i] = tx.hashes[x-base]
		default:
			return nil, notFound("no stored hash %d", x)
		}
	}
	return out, nil
}

// WriteLeaf stores a leaf and its hashes in this transaction.
func (tx *MemTx) WriteLeaf(ctx context.Context, leaf Leaf, hashes []tlog.Hash) error {
	if err := tx.check(); err != nil {
		return err
	}
	n := int64(len(tx.m.leaves) + len(tx.leaves))
	if leaf.Index != n {
		return liaison.Errorf(liaison.Conflicting, "", "leaf %d: the next leaf is %d", leaf.Index, n)
	}
	if want, have := tlog.StoredHashIndex(0, n), int64(len(tx.m.hashes)+len(tx.hashes)); want != have {
		return fmt.Errorf("leaf %d: hashes go at %d but %d are stored", n, want, have)
	}
	tx.leaves = append(tx.leaves, leaf)
	tx.hashes = append(tx.hashes, hashes...)
	return nil
}

// TreeSize returns the number of leaves.
func (m *MemStore) TreeSize(ctx context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.leaves)), nil
}

// ReadHashes reads stored hashes.
func (m *MemStore) ReadHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, notFound("no stored hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

// ReadLeaves returns n leaves from start on.
func (m *MemStore) ReadLeaves(ctx context.Context, start int64, n int) ([]Leaf, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if start < 0 || n < 0 || start+int64(n) > int64(len(m.leaves)) {
		return nil, notFound("no leaves %d to %d in a tree of %d", start, start+int64(n)-1, len(m.leaves))
	}
	return append([]Leaf(nil), m.leaves[start:start+int64(n)]...), nil
}

// Record returns the stored record of the given kind and id, or an error of
// kind liaison.NotFound.
func (m *MemStore) Record(ctx context.Context, kind, id string) (Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[recordKey(kind, id)]
	if !ok {
		return Record{}, notFound("no record %s/%s", kind, id)
	}
	rec.Body = slices.Clone(rec.Body)
	return rec, nil
}

// LatestCheckpoint returns the stored checkpoint with the largest size.
func (m *MemStore) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.latest == nil {
		return nil, notFound("no checkpoint stored")
	}
	return slices.Clone(m.latest), nil
}

// WriteCheckpoint stores a signed checkpoint.
func (m *MemStore) WriteCheckpoint(ctx context.Context, cp Checkpoint, signed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	signed = append([]byte(nil), signed...)
	m.checkpoints = append(m.checkpoints, signed)
	if m.latest == nil || cp.Size >= m.latestSize {
		m.latest, m.latestSize = signed, cp.Size
	}
	return nil
}

// Checkpoints yields every stored checkpoint in the order written.
func (m *MemStore) Checkpoints(ctx context.Context) iter.Seq2[[]byte, error] {
	m.mu.Lock()
	cps := m.checkpoints[:len(m.checkpoints):len(m.checkpoints)]
	m.mu.Unlock()
	return func(yield func([]byte, error) bool) {
		for _, cp := range cps {
			if !yield(slices.Clone(cp), nil) {
				return
			}
		}
	}
}

// Entries yields the leaves joined with their records, then the records no
// leaf names, from a snapshot taken when it is called.
func (m *MemStore) Entries(ctx context.Context) iter.Seq2[Entry, error] {
	m.mu.Lock()
	leaves := m.leaves[:len(m.leaves):len(m.leaves)]
	records := maps.Clone(m.records)
	m.mu.Unlock()
	return func(yield func(Entry, error) bool) {
		joined := make(map[string]bool, len(leaves))
		for i := range leaves {
			if err := ctx.Err(); err != nil {
				yield(Entry{}, err)
				return
			}
			leaf := leaves[i]
			e := Entry{Leaf: &leaf}
			k := recordKey(leaf.Kind, leaf.ID)
			if rec, ok := records[k]; ok {
				rec.Body = slices.Clone(rec.Body)
				e.Record = &rec
				joined[k] = true
			}
			if !yield(e, nil) {
				return
			}
		}
		for _, k := range slices.Sorted(maps.Keys(records)) {
			if joined[k] {
				continue
			}
			rec := records[k]
			rec.Body = slices.Clone(rec.Body)
			if !yield(Entry{Record: &rec}, nil) {
				return
			}
		}
	}
}
