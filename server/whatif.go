package server

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"liaison"
	"liaison/law"
)

// maxCompare bounds the jurisdictions one what-if compares.
const maxCompare = 8

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

// whatIfAnswer is the answer of POST /v1/whatif.
type whatIfAnswer struct {
	Decision *liaison.Decision `json:"decision"`
	Timeline []law.Span        `json:"timeline,omitempty"`
	Compare  []comparison      `json:"compare,omitempty"`
}

// comparison is the request decided in another jurisdiction.
type comparison struct {
	Jurisdiction liaison.Jurisdiction `json:"jurisdiction"`
	Decision     *liaison.Decision    `json:"decision"`
}

// whatIf answers a decision request for anyone, without a token: the law
// to try. It stores nothing. Each client address may ask at the rate of
// Config.WhatIfRate (a token bucket); beyond it the answer is 429 with
// Retry-After.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request, _ liaison.Actor) {
	if ok, wait := s.whatIfLimit.allow(clientAddr(r)); !ok {
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
	if len(in.Compare) > maxCompare {
		s.writeError(w, r, liaison.Errorf(liaison.Invalid, "compare", "at most %d jurisdictions to compare, not %d", maxCompare, len(in.Compare)))
		return
	}
	req := &in.Request
	if err := s.law.CheckRequest(req); err != nil {
		s.writeError(w, r, err)
		return
	}
	for i, j := range in.Compare {
		// A place compared may have no law of its own: its state's and
		// the federal law answer there.
		if err := s.law.CheckJurisdiction(j, true); err != nil {
			msg := err.Error()
			if le := (*liaison.Error)(nil); errors.As(err, &le) {
				msg = le.Message
			}
			s.writeError(w, r, liaison.Errorf(liaison.Invalid, "compare["+strconv.Itoa(i)+"]", "%s", msg))
			return
		}
	}
	d, err := s.law.Decide(req, law.Options{Explain: true})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	d.Normalize()
	out := whatIfAnswer{Decision: d}
	if in.Timeline {
		if out.Timeline, err = s.law.Timeline(req); err != nil {
			s.writeError(w, r, err)
			return
		}
		for _, sp := range out.Timeline {
			sp.Decision.Normalize()
		}
	}
	for _, j := range in.Compare {
		other := *req
		other.Jurisdiction = j
		if req.Agency != nil {
			ag := *req.Agency
			ag.NoLocalLaw = true
			if ag.TimeZone != "" {
				ag.TimeZone = law.TimeZone(j)
			}
			other.Agency = &ag
		}
		od, err := s.law.Decide(&other, law.Options{Explain: true})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		od.Normalize()
		out.Compare = append(out.Compare, comparison{Jurisdiction: j, Decision: od})
	}
	s.countDecisions("whatif", d.Outcome)
	s.writeJSON(w, r, http.StatusOK, out)
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
