package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a destination the test reads while a LogBuffer writes
// to it; it counts the writes.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	fail   error
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return 0, l.fail
	}
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogBufferWrites: lines wait in the buffer until it would overflow or
// is flushed, and then reach the destination whole, in order, in one write.
func TestLogBufferWrites(t *testing.T) {
	var dst lockedBuffer
	b := NewLogBuffer(&dst, 100)
	line := func(i int) string { return fmt.Sprintf("line %02d ......................\n", i) } // 32 bytes
	for i := range 3 {
		b.Write([]byte(line(i)))
	}
	if got := dst.String(); got != "" {
		t.Fatalf("after 96 bytes in a buffer of 100, the destination has %q, want nothing yet", got)
	}
	b.Write([]byte(line(3)))
	if got, want := dst.String(), line(0)+line(1)+line(2); got != want || dst.writes != 1 {
		t.Fatalf("after a line that does not fit, the destination has %q in %d writes, want %q in 1", got, dst.writes, want)
	}
	big := strings.Repeat("x", 150) + "\n"
	b.Write([]byte(big))
	if got, want := dst.String(), line(0)+line(1)+line(2)+line(3)+big; got != want {
		t.Fatalf("after a line larger than the buffer, the destination has %q, want %q", got, want)
	}
	b.Write([]byte(line(4)))
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := dst.String(), line(0)+line(1)+line(2)+line(3)+big+line(4); got != want {
		t.Fatalf("after Flush, the destination has %q, want %q", got, want)
	}
}

// TestLogBufferRun: each tick writes what has gathered, and the end of
// Run's context writes the rest before Run returns, so a clean stop loses
// no line.
func TestLogBufferRun(t *testing.T) {
	var dst lockedBuffer
	b := NewLogBuffer(&dst, 0)
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, tick) }()
	b.Write([]byte("first\n"))
	tick <- time.Time{}
	tick <- time.Time{} // Run takes this one once it has flushed after the first
	if got := dst.String(); got != "first\n" {
		t.Fatalf("after a tick, the destination has %q, want %q", got, "first\n")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}

	// Without ticks, only the end writes.
	dst = lockedBuffer{}
	b = NewLogBuffer(&dst, 0)
	ctx, cancel = context.WithCancel(context.Background())
	go func() { done <- b.Run(ctx, nil) }()
	b.Write([]byte("last\n"))
	if got := dst.String(); got != "" {
		t.Fatalf("before a tick or the end, the destination has %q, want nothing", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if got := dst.String(); got != "last\n" {
		t.Fatalf("after Run ended, the destination has %q, want every line", got)
	}
}

// TestLogBufferConcurrent: lines written at once from many goroutines all
// arrive, each whole.
func TestLogBufferConcurrent(t *testing.T) {
	var dst lockedBuffer
	b := NewLogBuffer(&dst, 1000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				b.Write(fmt.Appendf(nil, "goroutine %d line %03d\n", g, i))
			}
		})
	}
	wg.Wait()
	b.Flush()
	seen := map[string]bool{}
	for l := range strings.Lines(dst.String()) {
		var g, i int
		if _, err := fmt.Sscanf(l, "goroutine %d line %d\n", &g, &i); err != nil || seen[l] {
			t.Fatalf("line %q: torn or repeated (%v)", l, err)
		}
		seen[l] = true
	}
	if len(seen) != 8*500 {
		t.Errorf("%d distinct lines arrived, want %d", len(seen), 8*500)
	}
}

// TestLogBufferError: a failed write is reported by the next Flush.
func TestLogBufferError(t *testing.T) {
	broken := errors.New("disk full")
	dst := &lockedBuffer{fail: broken}
	b := NewLogBuffer(dst, 0)
	if _, err := b.Write([]byte("a line\n")); err != nil {
		t.Fatalf("Write = %v, want nil (kept for Flush)", err)
	}
	if err := b.Flush(); !errors.Is(err, broken) {
		t.Errorf("Flush = %v, want %v", err, broken)
	}
}
