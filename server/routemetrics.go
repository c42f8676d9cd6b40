package server

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
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
