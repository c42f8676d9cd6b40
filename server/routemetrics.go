package server

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"liaison"
)

// routeMetrics are the request counter and the duration histogram of one
// route pattern and status, found once. WithLabelValues hashes and checks
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

// routeMetricsCache holds the routeMetrics found so far, by routeKey.
type routeMetricsCache struct {
	m sync.Map
}

// get returns the metrics of route at status, from m's vectors.
func (c *routeMetricsCache) get(m *metrics, route string, status int) *routeMetrics {
	k := routeKey{route, status}
	if v, ok := c.m.Load(k); ok {
		return v.(*routeMetrics)
	}
	code := strconv.Itoa(status)
	v, _ := c.m.LoadOrStore(k, &routeMetrics{
		requests: m.requests.WithLabelValues(route, code),
		duration: m.duration.WithLabelValues(route, code),
	})
	return v.(*routeMetrics)
}

// decisionKey is a stage and an outcome of liaison_decisions_total.
type decisionKey struct {
	stage   string
	outcome liaison.Outcome
}

// decisionCounterCache holds the decision counters found so far, by
// stage and outcome (three stages, five outcomes), as routeMetricsCache
// does the routes'.
type decisionCounterCache struct {
	m sync.Map
}

// get returns the counter of stage and outcome, from m's vector.
func (c *decisionCounterCache) get(m *metrics, stage string, o liaison.Outcome) prometheus.Counter {
	k := decisionKey{stage, o}
	if v, ok := c.m.Load(k); ok {
		return v.(prometheus.Counter)
	}
	v, _ := c.m.LoadOrStore(k, m.decisions.WithLabelValues(stage, string(o)))
	return v.(prometheus.Counter)
}
