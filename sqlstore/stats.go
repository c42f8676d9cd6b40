package sqlstore

import (
	"sync/atomic"
	"time"
)

// Stats are a store's counts since it opened, for monitoring (`liaison
// serve` exports them at /metrics).
type Stats struct {
	// Transactions counts the append transactions committed: groups of
	// appends, see group.go.
	Transactions int64
	// Records counts the records appended.
	Records int64
	// Appends counts the calls to Append that returned, with or without
	// an error, and Latency how long they took.
	Appends int64
	Latency Histogram
	// Queued is how many callers of Append wait, now, to hand their
	// records to the writer, which is busy with a group; Taken counts the
	// appends the writer has taken from them. Tests wait on these to know
	// an append is queued, or being written, without sleeping.
	Queued, Taken int64
}

// Histogram is a distribution of durations: Counts[i] is how many were at
// most Bounds[i] seconds (cumulative, as Prometheus has it), Count and Sum
// are all of them.
type Histogram struct {
	Bounds []float64
	Counts []uint64
	Count  uint64
	Sum    float64
}

// latencyBounds are the upper bounds, in seconds, of the append latency
// histogram's buckets: from half a millisecond (a lone append on a fast
// disk) to seconds (a store that is falling behind).
var latencyBounds = []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .2, .5, 1, 2, 5}

// latencies counts append durations into latencyBounds' buckets.
type latencies struct {
	counts [14]atomic.Uint64 // per bucket, not cumulative; the last is over the top bound
	sum    atomic.Int64      // nanoseconds
}

func (l *latencies) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(latencyBounds) && s > latencyBounds[i] {
		i++
	}
	l.counts[i].Add(1)
	l.sum.Add(int64(d))
}

func (l *latencies) histogram() Histogram {
	h := Histogram{Bounds: latencyBounds, Counts: make([]uint64, len(latencyBounds))}
	for i := range l.counts {
		n := l.counts[i].Load()
		h.Count += n
		if i < len(latencyBounds) {
			h.Counts[i] = h.Count
		}
	}
	h.Sum = time.Duration(l.sum.Load()).Seconds()
	return h
}

// Stats returns the store's counts so far.
func (s *Store) Stats() Stats {
	lat := s.latency.histogram()
	return Stats{Transactions: s.groups.Load(), Records: s.records.Load(), Appends: int64(lat.Count), Latency: lat,
		Queued: s.queued.Load(), Taken: s.taken.Load()}
}
