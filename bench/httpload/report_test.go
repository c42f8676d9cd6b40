package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// TestWriteBest checks the "equal or better p99" reading of the goal:
// OPA's level with the most requests a second, against liaison's fastest
// level whose p99 is no worse than OPA's there.
func TestWriteBest(t *testing.T) {
	level := func(target string, clients, requests int, p99 time.Duration) row {
		// A second of requests: every latency p99/2, and the top 1% p99.
		lat := make([]time.Duration, requests)
		for i := range lat {
			lat[i] = p99 / 2
			if i >= requests*99/100 {
				lat[i] = p99
			}
		}
		return row{target: target, clients: clients, sample: sample{requests: requests, answered: requests, elapsed: time.Second, latencies: lat}}
	}
	rep := &report{config: config{levels: []int{8, 16, 32}}, rows: []row{
		level(targetOPA, 8, 7000, 5*time.Millisecond),
		level(targetOPA, 16, 7500, 9*time.Millisecond), // OPA's best
		level(targetOPA, 32, 7100, 15*time.Millisecond),
		level(targetDecide, 8, 20000, 4*time.Millisecond),
		level(targetDecide, 16, 24000, 8*time.Millisecond),  // the best within 9 ms
		level(targetDecide, 32, 30000, 10*time.Millisecond), // faster, but a worse p99
	}}
	var out bytes.Buffer
	rep.writeBest(&out)
	want := "OPA's best level: 16 clients, 7,500 requests/s at a p99 of 9.00 ms. liaison's best at a p99 no worse: 16 clients, 24,000 requests/s at a p99 of 8.00 ms: **3.20×**"
	if !strings.Contains(out.String(), want) {
		t.Errorf("writeBest wrote %q, want it to hold %q", out.String(), want)
	}
	rep.rows[4] = level(targetDecide, 16, 24000, 12*time.Millisecond)
	rep.rows[3] = level(targetDecide, 8, 20000, 10*time.Millisecond)
	out.Reset()
	rep.writeBest(&out)
	if want := "liaison reached no p99 as good at any level"; !strings.Contains(out.String(), want) {
		t.Errorf("writeBest wrote %q, want it to hold %q", out.String(), want)
	}
}

// TestProcSwitches checks that the context switches of this process's
// threads are read, and grow when a thread blocks.
func TestProcSwitches(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc/self/task on this system")
	}
	before := procSwitches("self")
	for range 20 {
		time.Sleep(time.Millisecond)
	}
	after := procSwitches("self")
	if d := after.minus(before); d.voluntary <= 0 {
		t.Errorf("procSwitches(self): %+v, then %+v after 20 sleeps; want more voluntary switches", before, after)
	}
}
