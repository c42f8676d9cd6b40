package liaison

import "context"

// Leader is implemented by a store that several servers share (package
// postgres), to choose one server at a time for a job that only one
// should do: the duty scheduler's ticks, signing the log's checkpoints. A
// store one process owns (SQLite) does not implement it: that process
// always leads.
type Leader interface {
	// Lead reports whether this server holds the lease name, taking it
	// when no server does. A server keeps a lease until it closes the
	// store or loses its connection to the database, and then another
	// server's next Lead takes it: call Lead before each run of the job,
	// and run it only on true. An error means the lease could not be
	// checked, and is not held: the caller should skip this run.
	//
	// A lease is not a fence: a server may find it has lost the lease
	// just after it began a run. Jobs that lead must also be safe when two
	// servers run them at once (the scheduler's changes are keyed; two
	// checkpoints of one tree are the same checkpoint).
	Lead(ctx context.Context, name string) (bool, error)
}

// Broadcaster is implemented by a store that several servers share (package
// postgres), to tell every server of an event as soon as it is stored: a
// token revoked through one server stops working on all of them at once.
// Delivery is best effort: a listener that was disconnected misses what was
// broadcast meanwhile, and is told so (see Listen).
type Broadcaster interface {
	// Broadcast sends payload to every listener on topic, on every
	// server (this one's included).
	Broadcast(ctx context.Context, topic, payload string) error
	// Listen calls fn with the payload of each broadcast on topic, in
	// order, until ctx ends or the connection it listens on breaks, and
	// returns why. It calls fn with "" once it listens: anything
	// broadcast before may have been missed, so a listener that keeps a
	// cache should drop it then. The caller listens again after an error.
	Listen(ctx context.Context, topic string, fn func(payload string)) error
}
