package server

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"liaison"
)

// routeMetrics are the request counter and the duration histogram of one
// route pattern and status, found once (Server.routeMetricsOf). WithLabelValues hashes and checks
// its label values on every call, two calls a request, with the status
// formatted anew each time; a route and a status are few (the patterns of
// routes.go, "unmatched", and the statuses the server answers), so they
// are kept.
type routeMetrics struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// routeKey is a route pattern and an HTTP status.
type routeKey struct {
	route  string
	status int
}

// routeMetricsOf returns the metrics of route at status, from s's vectors.
func (s *Server) routeMetricsOf(route string, status int) *routeMetrics {
	return s.routeMetrics.get(routeKey{route, status}, func() *routeMetrics {
		code := strconv.Itoa(status)
		return &routeMetrics{
			requests: s.metrics.requests.WithLabelValues(route, code),
			duration: s.metrics.duration.WithLabelValues(route, code),
		}
	})
}

// decisionKey is a stage and an outcome of liaison_decisions_total.
type decisionKey struct {
	stage   string
	outcome liaison.Outcome
}

// decisionCounter returns the counter of stage and outcome (three stages,
// five outcomes), from s's vector.
func (s *Server) decisionCounter(stage string, o liaison.Outcome) prometheus.Counter {
	return s.decisionCounters.get(decisionKey{stage, o}, func() prometheus.Counter {
		return s.metrics.decisions.WithLabelValues(stage, string(o))
	})
}

// childCache holds the children of a metric vector found so far, by
// their label values (K): each found once.
type childCache[K comparable, V any] struct {
	m sync.Map
}

// get returns the child of k, made by newChild the first time.
func (c *childCache[K, V]) get(k K, newChild func() V) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v, _ := c.m.LoadOrStore(k, newChild())
	return v.(V)
}
