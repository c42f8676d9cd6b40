package storetest

import (
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"liaison"
	"liaison/sqlstore"
)

// BenchIntake appends what a desk intake appends, from 32 callers at once
// (the httpload sqlite target's 32-client level): a request record with its
// idempotency key, one or two decisions and a duty, with bodies of about the
// stored sizes (1 KB, 2.5 KB each, 0.6 KB) and the columns an intake sets.
// Besides records/s it reports the process's CPU time per intake
// (cpu-µs/intake), which moves less than the throughput on a shared machine;
// the records are built before the timer starts.
func BenchIntake(b *testing.B, open func(b *testing.B) Store) {
	b.Run("callers=32", func(b *testing.B) {
		s := open(b)
		defer closeBench(b, s)
		intakes := intakeRecords(b, b.N)
		var next atomic.Int64
		b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		st0, _ := statsOf(s)
		cpu := cpuTime()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Append(b.Context(), intakes[next.Add(1)-1]...); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		reportIntake(b, intakes, cpu)
		if st1, ok := statsOf(s); ok {
			ReportWriter(b, st0, st1, len(intakes))
		}
	})
	// One caller appending eight intakes at a time: the same transactions
	// every run (a group of eight intakes, as at 32 clients), so that
	// the CPU per intake does not move with how the machine's load shapes
	// the groups.
	b.Run("groups=8", func(b *testing.B) {
		s := open(b)
		defer closeBench(b, s)
		const group = 8
		intakes := intakeRecords(b, b.N*group)
		st0, _ := statsOf(s)
		cpu := cpuTime()
		b.ResetTimer()
		for i := range b.N {
			var recs []*liaison.StoredRecord
			for _, in := range intakes[i*group : (i+1)*group] {
				recs = append(recs, in...)
			}
			if err := s.Append(b.Context(), recs...); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportIntake(b, intakes, cpu)
		if st1, ok := statsOf(s); ok {
			ReportWriter(b, st0, st1, len(intakes))
		}
	})
}

// intakeRecords returns the records of n intakes (see BenchIntake).
func intakeRecords(b *testing.B, n int) [][]*liaison.StoredRecord {
	const agency = "agy_bench"
	intakes := make([][]*liaison.StoredRecord, n)
	pad := func(n int) string { return strings.Repeat("0123456789abcdef", n/16) }
	for i := range intakes {
		req := fmt.Sprintf("req_%08d", i)
		person := fmt.Sprintf("per_%08d", i%5000)
		recs := []*liaison.StoredRecord{fitPadded(&liaison.StoredRecord{Kind: liaison.KindRequest, ID: req, Person: person,
			Key: agency + "/" + fmt.Sprintf("idem-%d", i)}, pad(1000), b)}
		for j := range 1 + i%2 {
			recs = append(recs, fitPadded(&liaison.StoredRecord{Kind: liaison.KindDecision, ID: fmt.Sprintf("dec_%08d_%d", i, j),
				Agency: agency, Person: person, Parent: req}, pad(2500), b))
		}
		recs = append(recs, fitPadded(&liaison.StoredRecord{Kind: liaison.KindDuty, ID: fmt.Sprintf("dut_%08d", i),
			Agency: agency, Person: person, Parent: req}, pad(600), b))
		intakes[i] = recs
	}
	return intakes
}

// reportIntake reports records/s and the CPU time per intake since cpu.
func reportIntake(b *testing.B, intakes [][]*liaison.StoredRecord, cpu time.Duration) {
	n := 0
	for _, recs := range intakes {
		n += len(recs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(len(intakes)), "cpu-µs/intake")
}

// fitPadded is fit(r) with a member pad in its body, to make the body
// about len(pad) bytes longer.
func fitPadded(r *liaison.StoredRecord, pad string, b *testing.B) *liaison.StoredRecord {
	r = fit(r)
	r.Body = append(append(r.Body[:len(r.Body)-1], `,"pad":"`+pad+`"`...), '}')
	r.Salt[0] = byte(len(r.ID)) // any salt will do
	if _, err := liaison.ColumnsOf(r.Kind, r.Body); err != nil {
		b.Fatal(err)
	}
	r.At = base
	return r
}

// cpuTime is the process's CPU time, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ReportWriter reports where the store's writer goroutine spent its time
// between two Stats, per intake (of intakes), as µs of wall time per
// phase (see sqlstore.WriterTimes): their sum, busy-µs/intake, bounds the
// intakes a second the store can commit (10⁶ ÷ busy-µs). It also reports
// the records a transaction held.
func ReportWriter(b *testing.B, before, after sqlstore.Stats, intakes int) {
	if intakes <= 0 {
		return
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(intakes) }
	w0, w1 := before.Writer, after.Writer
	phases := []struct {
		name string
		d    time.Duration
	}{{"begin", w1.Begin - w0.Begin}, {"leaves", w1.Leaves - w0.Leaves}, {"insert", w1.Insert - w0.Insert}, {"commit", w1.Commit - w0.Commit}, {"after", w1.After - w0.After}}
	var busy time.Duration
	for _, p := range phases {
		b.ReportMetric(per(p.d), "w-"+p.name+"-µs/intake")
		busy += p.d
	}
	b.ReportMetric(per(busy), "w-busy-µs/intake")
	if tx := after.Transactions - before.Transactions; tx > 0 {
		b.ReportMetric(float64(after.Records-before.Records)/float64(tx), "records/commit")
	}
}

// statsOf returns s's Stats when it keeps them.
func statsOf(s Store) (sqlstore.Stats, bool) {
	st, ok := s.(interface{ Stats() sqlstore.Stats })
	if !ok {
		return sqlstore.Stats{}, false
	}
	return st.Stats(), true
}
