package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"liaison"
	"liaison/sqlite"
	"liaison/storetest"
)

// TestStoreMetrics: a SQLite store's appends show at /metrics as counts
// and a latency histogram.
func TestStoreMetrics(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	reg := prometheus.NewRegistry()
	c := newStoreCollector(s)
	if c == nil {
		t.Fatal("no collector for a SQLite store")
	}
	reg.MustRegister(c)
	for i := range 3 {
		recs := []*liaison.StoredRecord{
			storetest.NewRecord(t, liaison.KindRead, fmt.Sprintf("r-%d-a", i)),
			storetest.NewRecord(t, liaison.KindRead, fmt.Sprintf("r-%d-b", i)),
		}
		if err := s.Append(t.Context(), recs...); err != nil {
			t.Fatal(err)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				got[f.GetName()] = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				got[f.GetName()] = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				got[f.GetName()+"_count"] = float64(m.GetHistogram().GetSampleCount())
				got[f.GetName()+"_sum"] = m.GetHistogram().GetSampleSum()
				if b := m.GetHistogram().GetBucket(); len(b) == 0 || b[len(b)-1].GetCumulativeCount() > m.GetHistogram().GetSampleCount() {
					t.Errorf("%s: buckets %v do not fit the count %d", f.GetName(), b, m.GetHistogram().GetSampleCount())
				}
			}
		}
	}
	for name, want := range map[string]float64{
		"liaison_store_appended_records_total": 6,
		"liaison_store_append_seconds_count":   3,
		"liaison_sqlite_wal_restarts_total":    0,
		"liaison_store_append_taken_total":     3,
		"liaison_store_append_queued":          0,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (exported %v), want %v", name, v, ok, want)
		}
	}
	if v := got["liaison_store_append_transactions_total"]; v < 1 || v > 3 {
		t.Errorf("liaison_store_append_transactions_total = %v, want 1 to 3", v)
	}
	if v := got["liaison_store_append_seconds_sum"]; v <= 0 {
		t.Errorf("liaison_store_append_seconds_sum = %v, want > 0", v)
	}
}
