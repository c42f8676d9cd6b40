package main

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"liaison/sqlstore"
)

// storeCollector exports a store's counts (sqlstore.Stats) as Prometheus
// metrics, read at each scrape.
type storeCollector struct {
	stats func() sqlstore.Stats
	// walRestarts is set for SQLite stores.
	walRestarts func() int64
}

var (
	storeTransactions = prometheus.NewDesc("liaison_store_append_transactions_total",
		"Append transactions committed (concurrent appends share one).", nil, nil)
	storeRecords = prometheus.NewDesc("liaison_store_appended_records_total",
		"Records appended, each with its leaf in the log.", nil, nil)
	storeLatency = prometheus.NewDesc("liaison_store_append_seconds",
		"Time from a call to append records to its outcome, durable when it succeeds.", nil, nil)
	storeQueued = prometheus.NewDesc("liaison_store_append_queued",
		"Appends waiting, now, for the writer, busy with a group.", nil, nil)
	storeTaken = prometheus.NewDesc("liaison_store_append_taken_total",
		"Appends the writer has taken into a group.", nil, nil)
	storeWriter = prometheus.NewDesc("liaison_store_writer_seconds_total",
		"The store's writer goroutine's time, by phase of its append transactions (idle: waiting for an append).", []string{"phase"}, nil)
	storeWALRestarts = prometheus.NewDesc("liaison_sqlite_wal_restarts_total",
		"Times the SQLite WAL was copied into the database and started over.", nil, nil)
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- storeTransactions
	ch <- storeRecords
	ch <- storeLatency
	ch <- storeQueued
	ch <- storeTaken
	ch <- storeWriter
	if c.walRestarts != nil {
		ch <- storeWALRestarts
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	ch <- prometheus.MustNewConstMetric(storeTransactions, prometheus.CounterValue, float64(st.Transactions))
	ch <- prometheus.MustNewConstMetric(storeRecords, prometheus.CounterValue, float64(st.Records))
	buckets := make(map[float64]uint64, len(st.Latency.Bounds))
	for i, b := range st.Latency.Bounds {
		buckets[b] = st.Latency.Counts[i]
	}
	ch <- prometheus.MustNewConstHistogram(storeLatency, st.Latency.Count, st.Latency.Sum, buckets)
	ch <- prometheus.MustNewConstMetric(storeQueued, prometheus.GaugeValue, float64(st.Queued))
	ch <- prometheus.MustNewConstMetric(storeTaken, prometheus.CounterValue, float64(st.Taken))
	w := st.Writer
	for _, p := range []struct {
		phase string
		d     time.Duration
	}{{"idle", w.Idle}, {"begin", w.Begin}, {"leaves", w.Leaves}, {"insert", w.Insert}, {"commit", w.Commit}, {"after_commit", w.After}} {
		ch <- prometheus.MustNewConstMetric(storeWriter, prometheus.CounterValue, p.d.Seconds(), p.phase)
	}
	if c.walRestarts != nil {
		ch <- prometheus.MustNewConstMetric(storeWALRestarts, prometheus.CounterValue, float64(c.walRestarts()))
	}
}

// newStoreCollector returns the collector of store's counts, or nil when
// the store keeps none.
func newStoreCollector(store any) prometheus.Collector {
	s, ok := store.(interface{ Stats() sqlstore.Stats })
	if !ok {
		return nil
	}
	c := storeCollector{stats: s.Stats}
	if w, ok := store.(interface{ WALRestarts() int64 }); ok {
		c.walRestarts = w.WALRestarts
	}
	return c
}
