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
	// Writer is where the writer goroutine's time went, summed over the
	// transactions it committed.
	Writer WriterTimes
}

// WriterTimes divides the writer goroutine's time between the phases of
// its transactions (see appendOnce), so that what limits the store's
// throughput can be read off a running server: the writer does its
// groups one after another, so it can commit at most one intake per the
// sum of these per intake. Each is wall time: Commit includes the wait for
// the disk's sync, Idle the wait for an append to arrive.
type WriterTimes struct {
	Idle   time.Duration // waiting for a first append
	Begin  time.Duration // beginning the transaction and reading the log head under its lock
	Leaves time.Duration // the tree: each leaf's stored hashes, and the rows to write
	Insert time.Duration // the INSERTs (records, leaves, open cases) and the log head's update
	Commit time.Duration // COMMIT: the pages written to the log (WAL) or sent, and the sync
	After  time.Duration // between groups: Config.AfterCommit (SQLite's RESTART checkpoints)
}

// writerPhases accumulates WriterTimes, in nanoseconds.
type writerPhases struct {
	idle, begin, leaves, insert, commit, after atomic.Int64
}

func (w *writerPhases) times() WriterTimes {
	return WriterTimes{Idle: time.Duration(w.idle.Load()), Begin: time.Duration(w.begin.Load()),
		Leaves: time.Duration(w.leaves.Load()), Insert: time.Duration(w.insert.Load()), Commit: time.Duration(w.commit.Load()),
		After: time.Duration(w.after.Load())}
}

// since adds the time since *t to c and moves *t to now.
func since(c *atomic.Int64, t *time.Time) {
	now := time.Now()
	c.Add(int64(now.Sub(*t)))
	*t = now
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
		Queued: s.queued.Load(), Taken: s.taken.Load(), Writer: s.phases.times()}
}
