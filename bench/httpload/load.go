package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
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
// connection of its own. Requests started in the warm-up do not count;
// the measured time runs from the end of the warm-up to the last counted
// answer.
func load(wl workload, n int, b bound) sample {
	tr := &http.Transport{MaxIdleConns: n * len(wl.urls), MaxIdleConnsPerHost: n, DisableCompression: true, ForceAttemptHTTP2: false}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
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
			buf := make([]byte, 0, 2048)
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
				buf = wl.body(buf[:0], w, i)
				u := wl.urls[next.Add(1)%uint64(len(wl.urls))]
				err := send(client, u, wl.token, buf, wl.want)
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
	return all
}

// send POSTs body to u and reads the whole answer, whose status must be
// want.
func send(client *http.Client, u, token string, body []byte, want int) error {
	req, err := http.NewRequest("POST", u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
