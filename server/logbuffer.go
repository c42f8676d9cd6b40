package server

import (
	"context"
	"io"
	"sync"
	"time"
)

// LogBuffer gathers the lines of a server's log (the access log's line a
// request, and the rest) in memory and writes them to their destination
// many at a time: when the buffer would pass its size, on every tick of
// Run, and on Flush. Written one by one, the access line's write to its
// file was about 6% of the server's CPU on POST /v1/decisions
// (bench/README.md, "Over HTTP"). Lines are written whole and in order. On a clean stop, Run's
// last flush writes every line; a crash loses the lines since the last
// tick. Safe for concurrent use.
type LogBuffer struct {
	mu   sync.Mutex
	dst  io.Writer
	buf  []byte
	size int
	err  error // the first write error, returned by Flush
}

// DefaultLogBufferSize is the size a LogBuffer holds before it writes
// (about 400 access lines).
const DefaultLogBufferSize = 64 << 10

// LogFlushInterval is how often `liaison serve` flushes its log (Run's
// ticks): how late a line may reach stderr.
const LogFlushInterval = 100 * time.Millisecond

// NewLogBuffer returns a LogBuffer that writes to dst when size bytes
// have gathered (DefaultLogBufferSize if size is not positive).
func NewLogBuffer(dst io.Writer, size int) *LogBuffer {
	if size <= 0 {
		size = DefaultLogBufferSize
	}
	return &LogBuffer{dst: dst, size: size, buf: make([]byte, 0, size)}
}

// Write adds p (one or more whole lines, as slog's handlers write them) to
// the buffer, first writing what it holds if p would not fit. A p larger
// than the buffer is written at once. It never fails: a write error is
// kept for Flush.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf)+len(p) > b.size {
		b.flushLocked()
		if len(p) > b.size {
			b.write(p)
			return len(p), nil
		}
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// Flush writes what the buffer holds, and returns the first error any
// write to the destination has had.
func (b *LogBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *LogBuffer) flushLocked() {
	if len(b.buf) > 0 {
		b.write(b.buf)
		b.buf = b.buf[:0]
	}
}

func (b *LogBuffer) write(p []byte) {
	if _, err := b.dst.Write(p); err != nil && b.err == nil {
		b.err = err
	}
}

// Run flushes the buffer on every tick until ctx ends, then once more, and
// returns that last flush's error. `liaison serve` runs it with a ticker of
// LogFlushInterval, ends it after the store is closed, and waits for it.
func (b *LogBuffer) Run(ctx context.Context, tick <-chan time.Time) error {
	for {
		select {
		case <-tick:
			b.Flush()
		case <-ctx.Done():
			return b.Flush()
		}
	}
}
