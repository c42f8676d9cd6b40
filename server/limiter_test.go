package server

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("allow #%d = false, want true within the burst", i+1)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Errorf("allow past the burst = %v, wait %v; want false, 500ms", ok, wait)
	}
	if ok, _ := l.allow("b"); !ok {
		t.Error("allow(b) = false: another address has its own bucket")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.allow("a"); !ok {
		t.Error("allow(a) after 500ms = false, want true: a token came back")
	}
	if ok, _ := l.allow("a"); ok {
		t.Error("allow(a) again = true, want false")
	}
	// Memory stays bounded: past maxBuckets, quiet addresses are forgotten.
	now = now.Add(time.Hour)
	for i := range maxBuckets + 10 {
		l.allow(fmt.Sprint("x", i))
	}
	if n := len(l.buckets); n > maxBuckets {
		t.Errorf("%d buckets, want at most %d", n, maxBuckets)
	}
}
