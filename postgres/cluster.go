package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// leases holds a Store's leases (see Lead): one dedicated connection per
// lease name, which holds PostgreSQL's session-level advisory lock while
// this server leads. The lock goes with the session: when the server
// stops, or its connection breaks, PostgreSQL releases it and another
// server's next Lead takes it.
type leases struct {
	mu    sync.Mutex
	conns map[string]*pgx.Conn // name → its connection, holding the lock or not
	held  map[string]bool
	// closed is set by the store's Close: no lease after.
	closed bool
}

// leaseKey is the advisory lock's key for a lease: advisory locks are the
// database's, so the key names the store's schema as well, and stores in
// two schemas of one database do not share leases.
const leaseKey = `hashtextextended(current_schema() || '/' || $1, 0)`

// Lead reports whether this server holds the lease name, taking it when no
// server does (see liaison.Leader). A server that holds it checks its
// connection with each call, so that a lease lost with its connection is
// known lost by the next call.
func (s *Store) Lead(ctx context.Context, name string) (bool, error) {
	s.leases.mu.Lock()
	defer s.leases.mu.Unlock()
	if s.leases.closed {
		return false, fmt.Errorf("postgres: lease %s: the store is closed", name)
	}
	if s.leases.conns == nil {
		s.leases.conns, s.leases.held = map[string]*pgx.Conn{}, map[string]bool{}
	}
	conn := s.leases.conns[name]
	if conn == nil {
		cfg := s.pool.Config().ConnConfig.Copy()
		// Who leads is one query away: SELECT application_name FROM
		// pg_stat_activity JOIN pg_locks USING (pid) WHERE locktype = 'advisory'.
		cfg.RuntimeParams["application_name"] = "liaison lease " + name
		// A holder cut off from the database (its host down, the network
		// split) loses the lease when the server finds the session dead:
		// with these keepalives (probes after 10 s idle, every 5 s, 3
		// unanswered end it), after about 25 s rather than the system's
		// default of hours.
		cfg.RuntimeParams["tcp_keepalives_idle"] = "10"
		cfg.RuntimeParams["tcp_keepalives_interval"] = "5"
		cfg.RuntimeParams["tcp_keepalives_count"] = "3"
		c, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return false, fmt.Errorf("postgres: lease %s: connect: %w", name, err)
		}
		conn = c
		s.leases.conns[name] = conn
	}
	var err error
	if s.leases.held[name] {
		_, err = conn.Exec(ctx, `SELECT 1`)
	} else {
		var got bool
		err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+leaseKey+`)`, name).Scan(&got)
		s.leases.held[name] = err == nil && got
	}
	if err != nil {
		// The session, and any lock it held, is gone or going: start
		// over with a new connection next time.
		delete(s.leases.conns, name)
		delete(s.leases.held, name)
		conn.Close(context.WithoutCancel(ctx))
		return false, fmt.Errorf("postgres: lease %s: %w", name, err)
	}
	return s.leases.held[name], nil
}

// close releases the leases held and closes their connections: another
// server takes them over at its next Lead.
func (l *leases) close(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	var err error
	for name, c := range l.conns {
		if l.held[name] {
			// Released now, not when the server notices the session
			// ended: another server's next Lead takes it.
			if _, uerr := c.Exec(ctx, `SELECT pg_advisory_unlock(`+leaseKey+`)`, name); uerr != nil {
				err = errors.Join(err, fmt.Errorf("postgres: release lease %s: %w", name, uerr))
			}
		}
		err = errors.Join(err, c.Close(ctx))
		delete(l.conns, name)
		delete(l.held, name)
	}
	return err
}

// channel returns the NOTIFY channel of topic for this store. It names the
// store's schema too (by a hash, as channel names are short), so that
// stores in two schemas of one database do not hear each other.
func (s *Store) channel(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, topic string) (string, error) {
	var ch string
	err := q.QueryRow(ctx, `SELECT 'liaison.' || $1 || '.' || left(md5(current_schema()), 16)`, topic).Scan(&ch)
	return ch, err
}

// Broadcast sends payload to every server listening on topic (see
// liaison.Broadcaster), with PostgreSQL's NOTIFY.
func (s *Store) Broadcast(ctx context.Context, topic, payload string) error {
	ch, err := s.channel(ctx, s.pool, topic)
	if err != nil {
		return fmt.Errorf("postgres: broadcast %s: %w", topic, err)
	}
	if _, err := s.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, ch, payload); err != nil {
		return fmt.Errorf("postgres: broadcast %s: %w", topic, err)
	}
	return nil
}

// Listen calls fn with each payload broadcast on topic (see
// liaison.Broadcaster), on a dedicated connection with PostgreSQL's
// LISTEN, until ctx ends or the connection breaks.
func (s *Store) Listen(ctx context.Context, topic string, fn func(payload string)) error {
	ch, err := s.channel(ctx, s.pool, topic)
	if err != nil {
		return fmt.Errorf("postgres: listen %s: %w", topic, err)
	}
	cfg := s.pool.Config().ConnConfig.Copy()
	// Who listens is in pg_stat_activity: "liaison listen <channel>".
	cfg.RuntimeParams["application_name"] = "liaison listen " + ch
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: listen %s: connect: %w", topic, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{ch}.Sanitize()); err != nil {
		return fmt.Errorf("postgres: listen %s: %w", topic, err)
	}
	fn("")
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("postgres: listen %s: %w", topic, err)
		}
		fn(n.Payload)
	}
}
