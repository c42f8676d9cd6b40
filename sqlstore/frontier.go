package sqlstore

import (
	"maps"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// The hashes an append reads. Appending leaves from tree size n on needs,
// of what is already stored, only the hashes of the complete subtrees on
// the tree's right edge (its frontier: one per bit set in n). The writer
// keeps the frontier its last commit left; when the next append finds the
// log at that size (no other node appended in between), it reads none of
// them from the database, which for PostgreSQL is a round trip fewer while
// the log_head lock is held. Stored hashes never change once committed, so
// the frontier is only kept from a transaction that committed, and only
// used at the size it was kept for.

// edge is a tree's size and its frontier's stored hashes, by stored hash
// index; the zero edge knows nothing.
type edge struct {
	size   int64
	hashes map[int64]tlog.Hash
}

// at returns the frontier's hashes as a map the caller may add to, if the
// edge is of a tree of size n; else nil.
func (e edge) at(n int64) map[int64]tlog.Hash {
	if e.hashes == nil || e.size != n {
		return nil
	}
	return maps.Clone(e.hashes)
}

// frontier returns the stored hash indexes of the complete subtrees on the
// right edge of a tree of size n.
func frontier(n int64) []int64 {
	out := make([]int64, 0, bits.OnesCount64(uint64(n)))
	for b := 0; n>>b > 0; b++ {
		if n>>b&1 == 1 {
			out = append(out, tlog.StoredHashIndex(b, n>>b-1))
		}
	}
	return out
}

// edge returns the edge of the tree this transaction leaves, from the
// hashes it read and wrote; the zero edge if one is missing.
func (at *appendTx) edge() edge {
	base := tlog.StoredHashIndex(0, at.start)
	e := edge{size: at.size, hashes: make(map[int64]tlog.Hash)}
	for _, x := range frontier(at.size) {
		var (
			h  tlog.Hash
			ok bool
		)
		if x >= base {
			if ok = x-base < int64(len(at.written)); ok {
				h = at.written[x-base]
			}
		} else {
			h, ok = at.read[x]
		}
		if !ok {
			return edge{}
		}
		e.hashes[x] = h
	}
	return e
}
