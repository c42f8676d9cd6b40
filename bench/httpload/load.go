package main

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A workload is what the clients of one target send: the URL of each
// request (the nodes in turn), its body and the status that counts as
// success.
type workload struct {
	// urls are the nodes' endpoints; request i goes to urls[i%len(urls)].
	urls  []string
	token string // a bearer token, or none
	// body writes request i of client w into buf and returns it.
	body func(buf []byte, w, i int) []byte
	want int // the status of a success
}

// bound says how long a level runs: a warm-up that does not count, then
// until duration has passed or count requests have been answered (0: no
// count), whichever comes first.
type bound struct {
	warmup, duration time.Duration
	count            int
}

// sample is one level's measurement.
type sample struct {
	requests, errors int
	answered         int             // every answer, warm-up and errors included
	elapsed          time.Duration   // the measured time
	latencies        []time.Duration // of the successes, sorted
	firstErr         string
}

// pct returns the q-quantile of the latencies (q = 1: the maximum), by
// the nearest rank of the sorted samples.
func (s sample) pct(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	return s.latencies[min(len(s.latencies)-1, int(q*float64(len(s.latencies))))]
}

func (s sample) perSecond() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.requests) / s.elapsed.Seconds()
}

// load runs n closed-loop clients against wl: each sends its next request
// as soon as it has the answer to its last, over a keep-alive HTTP/1.1
// connection of its own to each of wl's nodes (see conn). Requests started
// in the warm-up do not count; the measured time runs from the end of the
// warm-up to the last counted answer.
func load(wl workload, n int, b bound) (sample, error) {
	var eps []endpoint
	for _, u := range wl.urls {
		e, err := newEndpoint(u, wl.token)
		if err != nil {
			return sample{}, err
		}
		eps = append(eps, e)
	}
	start := time.Now()
	measure, end := start.Add(b.warmup), start.Add(b.warmup+b.duration)
	var (
		mu      sync.Mutex
		all     sample
		wg      sync.WaitGroup
		counted atomic.Int64 // requests started in the measured time
		next    atomic.Uint64
		last    = measure
	)
	for w := range n {
		wg.Go(func() {
			var s sample
			conns := make([]conn, len(eps))
			for i := range conns {
				// An answer that takes a minute past the level's end is
				// an error, as net/http's client timeout made it before.
				conns[i] = conn{e: eps[i], deadline: end.Add(time.Minute)}
				defer conns[i].close()
			}
			var body, req []byte
			var done time.Time
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				warm := t0.Before(measure)
				if !warm && b.count > 0 && counted.Add(1) > int64(b.count) {
					break
				}
				c := &conns[0]
				if len(conns) > 1 {
					c = &conns[next.Add(1)%uint64(len(conns))]
				}
				body = wl.body(body[:0], w, i)
				req = c.e.frame(req[:0], body)
				err := c.do(req, wl.want)
				done = time.Now()
				s.answered++
				if warm {
					continue
				}
				if err != nil {
					s.errors++
					if s.firstErr == "" {
						s.firstErr = err.Error()
					}
					continue
				}
				s.requests++
				s.latencies = append(s.latencies, done.Sub(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			all.requests += s.requests
			all.errors += s.errors
			all.answered += s.answered
			all.latencies = append(all.latencies, s.latencies...)
			if all.firstErr == "" {
				all.firstErr = s.firstErr
			}
			if done.After(last) {
				last = done
			}
		})
	}
	wg.Wait()
	slices.Sort(all.latencies)
	all.elapsed = last.Sub(measure)
	return all, nil
}
