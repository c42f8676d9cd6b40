package desk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"liaison/desk"
)

// BenchmarkDeliver times the delivery of one pending action to a webhook on
// loopback, through the store (SQLite in a temporary directory): its claim,
// the signed POST, and its result and outcome, appended; with 1 and 4
// attempts at once. The actions are recorded before the timer starts.
func BenchmarkDeliver(b *testing.B) {
	for _, parallel := range []int{1, 4} {
		b.Run(fmt.Sprint("parallel=", parallel), func(b *testing.B) {
			e := newEnv(b)
			r := newReceiver(b, "0123456789abcdef")
			d := e.deskWith(b, e.store, r)
			a := agency(b, d, "us/tx/travis-county", "sheriff")
			for i := range b.N {
				pendingAct(b, d, a.ID, fmt.Sprint("ice-", i))
			}
			c := &clock{t: e.clock.Now()}
			p, err := desk.NewDispatcher(d, desk.DispatcherConfig{Parallel: parallel, Poll: time.Hour, Now: c.Now})
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			made, err := p.Tick(context.Background())
			b.StopTimer()
			if err != nil || len(made) != b.N || r.total() != b.N {
				b.Fatalf("Tick delivered %d of %d (%d received): %v", len(made), b.N, r.total(), err)
			}
		})
	}
}
