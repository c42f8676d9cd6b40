package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"liaison"
)

var (
	_ liaison.Leader      = (*Store)(nil)
	_ liaison.Broadcaster = (*Store)(nil)
)

// open opens a store on dsn, closed when the test ends.
func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// queryRow scans the one value query returns into v, on a
// connection of its own to dsn.
func queryRow(t *testing.T, dsn, query string, v any) error {
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.QueryRow(t.Context(), query).Scan(v)
}

// lead calls s.Lead and fails the test on an error.
func lead(t *testing.T, s *Store, name string) bool {
	t.Helper()
	held, err := s.Lead(t.Context(), name)
	if err != nil {
		t.Fatalf("Lead(%q): %v", name, err)
	}
	return held
}

// TestLead: one of two servers on a store holds a lease; the other takes it
// over when the first's connection is killed, and when the first closes
// its store. Stores in other schemas have leases of their own.
func TestLead(t *testing.T) {
	dsn := freshSchema(t)
	a, b := open(t, dsn), open(t, dsn)
	if !lead(t, a, "duties") {
		t.Fatal("A: Lead(duties) = false on a store no one leads, want true")
	}
	if !lead(t, a, "duties") {
		t.Fatal("A: Lead(duties) = false the second time, want true: A holds it")
	}
	if lead(t, b, "duties") {
		t.Fatal("B: Lead(duties) = true while A holds it")
	}
	if !lead(t, b, "checkpoints") {
		t.Error("B: Lead(checkpoints) = false, want true: leases are by name")
	}
	if other := open(t, freshSchema(t)); !lead(t, other, "duties") {
		t.Error("a store in another schema: Lead(duties) = false, want true: leases are by schema")
	}

	// A's session ends behind its back (a network failure, a restarted
	// database): A knows it by its next Lead, and B takes over. (The
	// terminate waits for the session to end, up to a minute.)
	var killed bool
	if err := queryRow(t, dsn, `SELECT pg_terminate_backend(pid, 60000) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(current_schema() || '/duties', 0)`, &killed); err != nil || !killed {
		t.Fatalf("terminate A's lease connection: %v, %v", killed, err)
	}
	if held, err := a.Lead(t.Context(), "duties"); held || err == nil {
		t.Errorf("A: Lead(duties) after its connection was killed = %v, %v; want false and an error", held, err)
	}
	if !lead(t, b, "duties") {
		t.Fatal("B: Lead(duties) = false once A's connection is gone, want true")
	}
	if lead(t, a, "duties") {
		t.Error("A: Lead(duties) = true again while B holds it")
	}

	// B stops: A takes over.
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !lead(t, a, "duties") {
		t.Error("A: Lead(duties) = false once B closed its store, want true")
	}
	if held, err := b.Lead(t.Context(), "duties"); held || err == nil {
		t.Errorf("B: Lead(duties) after Close = %v, %v; want false and an error", held, err)
	}
}

// TestBroadcast: what one store broadcasts, a listener on another store on
// the same schema hears, after the "" that says it listens; a listener in
// another schema does not.
func TestBroadcast(t *testing.T) {
	dsn := freshSchema(t)
	a, b, other := open(t, dsn), open(t, dsn), open(t, freshSchema(t))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	listen := func(s *Store) (<-chan string, <-chan error) {
		heard, done := make(chan string, 10), make(chan error, 1)
		go func() { done <- s.Listen(ctx, "token_revoked", func(p string) { heard <- p }) }()
		return heard, done
	}
	heard, done := listen(b)
	otherHeard, _ := listen(other)
	timeout := time.After(time.Minute) // a hang, not a speed check
	for _, ch := range []<-chan string{heard, otherHeard} {
		select {
		case p := <-ch:
			if p != "" {
				t.Fatalf("first call of Listen's fn = %q, want \"\" (listening)", p)
			}
		case <-timeout:
			t.Fatal("Listen never said it listens")
		}
	}
	for _, p := range []string{"tok_1", "tok_2"} {
		if err := a.Broadcast(t.Context(), "token_revoked", p); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"tok_1", "tok_2"} {
		select {
		case p := <-heard:
			if p != want {
				t.Errorf("B heard %q, want %q", p, want)
			}
		case <-timeout:
			t.Fatalf("B never heard %q", want)
		}
	}
	if err := b.Broadcast(t.Context(), "token_revoked", "tok_3"); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-heard:
		if p != "tok_3" {
			t.Errorf("B heard %q, want tok_3", p)
		}
	case <-timeout:
		t.Fatal("B never heard tok_3, its own")
	}
	select {
	case p := <-otherHeard:
		t.Errorf("a store in another schema heard %q", p)
	default:
	}
	cancel()
	if err := <-done; err == nil {
		t.Error("Listen returned nil when its context ended, want why it stopped")
	}
}

// TestLeaseKeepalives: a lease's session has the server probe its client
// soon, so that a holder cut off from the database loses the lease in
// seconds, not hours.
func TestLeaseKeepalives(t *testing.T) {
	dsn := freshSchema(t)
	s := open(t, dsn)
	if !lead(t, s, "duties") {
		t.Fatal("Lead(duties) = false on a store no one leads")
	}
	var idle string
	// The settings are the session's own: read them on its connection.
	s.leases.mu.Lock()
	conn := s.leases.conns["duties"]
	err := conn.QueryRow(t.Context(), `SELECT current_setting('tcp_keepalives_idle')`).Scan(&idle)
	s.leases.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	// (Over a Unix socket the server would report 0: the tests' is TCP.)
	if idle != "10" {
		t.Errorf("the lease session's tcp_keepalives_idle = %s, want 10", idle)
	}
}
