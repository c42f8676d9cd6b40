package sqlstore

import (
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// recordingReader answers any stored hash and records those asked for
// below a limit.
type recordingReader struct {
	limit int64
	asked []int64
}

func (r *recordingReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	for _, x := range indexes {
		if x < r.limit {
			r.asked = append(r.asked, x)
		}
	}
	return make([]tlog.Hash, len(indexes)), nil
}

// TestFrontier checks that appending leaves to a tree of size n reads, of
// the hashes stored before, only those frontier(n) lists, for every n up
// to 2,100 and random larger ones, with groups of 1 to 70 leaves.
func TestFrontier(t *testing.T) {
	sizes := make([]int64, 0, 2200)
	for n := range int64(2100) {
		sizes = append(sizes, n)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		sizes = append(sizes, r.Int64N(1<<40))
	}
	for _, n := range sizes {
		front := frontier(n)
		if len(front) != popcount(n) {
			t.Fatalf("frontier(%d) has %d hashes, want one per bit set", n, len(front))
		}
		rr := &recordingReader{limit: tlog.StoredHashIndex(0, n)}
		for m := n; m < n+1+int64(n%70); m++ {
			if _, err := tlog.StoredHashesForRecordHash(m, tlog.Hash{}, rr); err != nil {
				t.Fatal(err)
			}
		}
		for _, x := range rr.asked {
			if !slices.Contains(front, x) {
				t.Fatalf("appending from size %d reads stored hash %d, not in frontier(%d) = %v", n, x, n, front)
			}
		}
	}
}

func popcount(n int64) int {
	c := 0
	for ; n > 0; n &= n - 1 {
		c++
	}
	return c
}
