package server

import (
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"liaison"
)

// whatIfRequest is the body of POST /v1/whatif.
type whatIfRequest struct {
	// Request is a decision request, as POST /v1/decisions takes it.
	Request liaison.Request `json:"request" liaison:"required"`
	// Timeline asks for every period over which the answer stays the
	// same (see law.Set.Timeline).
	Timeline bool `json:"timeline,omitempty"`
	// Compare names other jurisdictions to decide the same request in,
	// side by side.
	Compare []liaison.Jurisdiction `json:"compare,omitempty"`
}

// whatIf answers a decision request for anyone, without a token: the law
// to try. It stores nothing. Each client address may ask at the rate of
// Config.WhatIfRate (a token bucket); beyond it the answer is 429 with
// Retry-After.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	if ok, wait := s.AllowWhatIf(r); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		s.writeError(w, r, &statusError{http.StatusTooManyRequests,
			liaison.Errorf(liaison.Unavailable, "", "too many what-if requests from this address: try again in %s", wait.Round(time.Second))})
		return
	}
	var in whatIfRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.law.WhatIf(&in.Request, in.Timeline, in.Compare)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.countDecisions("whatif", out.Decision.Outcome)
	s.writeJSON(w, r, http.StatusOK, out)
}

// AllowWhatIf takes a token of the what-if rate limit (Config.WhatIfRate)
// of r's client address, or says how long until there is one: the web
// desk's what-if page spends the same budget as POST /v1/whatif.
func (s *Server) AllowWhatIf(r *http.Request) (bool, time.Duration) {
	return s.whatIfLimit.allow(clientAddr(r))
}

// clientAddr is the address a request came from, without its port. A
// proxy in front of the server makes every client one: give each its own
// bucket there, or raise the rate.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limiter is a token bucket per key: each holds up to burst tokens and
// gains rate a second; a call takes one.
type limiter struct {
	rate    float64
	burst   float64
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the addresses a limiter remembers; past it, the full
// buckets (addresses quiet long enough) are forgotten, and if none is,
// all are.
const maxBuckets = 10_000

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token of key's bucket, or says how long until it has one.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if dt := now.Sub(b.at).Seconds(); dt > 0 {
		b.tokens = min(l.burst, b.tokens+dt*l.rate)
		b.at = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

func (l *limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		clear(l.buckets)
	}
}
