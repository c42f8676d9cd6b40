package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"liaison"
	"liaison/storetest"
)

// baseDSN returns the test server's DSN, or skips the test (see
// storetest.PostgresDSN).
func baseDSN(tb testing.TB) string {
	tb.Helper()
	return storetest.PostgresDSN(tb)
}

// freshSchema returns a DSN on a schema of the test's own (see
// storetest.PostgresSchema).
func freshSchema(tb testing.TB) string {
	tb.Helper()
	return storetest.PostgresSchema(tb)
}

// exec runs one statement on its own connection, behind any store's back.
func exec(ctx context.Context, dsn, query string, args ...any) error {
	return storetest.PostgresExec(ctx, dsn, query, args...)
}

// tamperable is a store that the suite's tampering test can change behind
// its back.
type tamperable struct {
	*Store
	dsn string
}

func (s tamperable) Tamper(ctx context.Context, query string, args ...any) error {
	return exec(ctx, s.dsn, query, args...)
}

// ArmAbort makes every append fail after it has written its rows.
func (s tamperable) ArmAbort(t *testing.T) func() {
	for _, q := range []string{
		`CREATE FUNCTION abort_append() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'aborted by the test'; END $$`,
		`CREATE TRIGGER abort_append BEFORE UPDATE ON log_head FOR EACH ROW EXECUTE FUNCTION abort_append()`,
	} {
		if err := s.Tamper(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for _, q := range []string{`DROP TRIGGER abort_append ON log_head`, `DROP FUNCTION abort_append()`} {
			if err := s.Tamper(t.Context(), q); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Block locks the log's head row from another connection, as another node
// appending would.
func (s tamperable) Block(ctx context.Context) (func() error, error) {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return nil, err
	}
	tx, err := conn.Begin(ctx)
	if err == nil {
		_, err = tx.Exec(ctx, `SELECT size FROM log_head WHERE id = 1 FOR UPDATE`)
	}
	if err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return func() error {
		// The test's context may be done by now.
		return errors.Join(tx.Rollback(context.Background()), conn.Close(context.Background()))
	}, nil
}

// openTamperable opens a store in a new schema.
func openTamperable(t *testing.T) storetest.Store {
	dsn := freshSchema(t)
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	return tamperable{Store: s, dsn: dsn}
}

func TestStore(t *testing.T) {
	baseDSN(t)
	storetest.Run(t, openTamperable)
}

func TestReopen(t *testing.T) {
	baseDSN(t)
	storetest.RunReopen(t, func(t *testing.T) storetest.Place {
		dsn := freshSchema(t)
		return storetest.Place{
			Open: func(ctx context.Context) (storetest.Store, error) { return Open(ctx, dsn) },
			Tamper: func(ctx context.Context, query string, args ...any) error {
				return exec(ctx, dsn, query, args...)
			},
		}
	})
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name, dsn string
		kind      liaison.ErrorKind
	}{
		{"not a DSN", "postgres://%zz", liaison.Invalid},
		// Port 1 on loopback: nothing listens there.
		{"no server", "postgres://liaison:secret-password@127.0.0.1:1/liaison?connect_timeout=2", liaison.Unavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(t.Context(), tc.dsn)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded", tc.dsn)
			}
			if k := liaison.KindOf(err); k != tc.kind {
				t.Errorf("Open(%q) = %v, kind %s, want %s", tc.dsn, err, k, tc.kind)
			}
			if strings.Contains(err.Error(), "secret-password") {
				t.Errorf("Open(%q) = %v: the message shows the password", tc.dsn, err)
			}
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	baseDSN(b)
	storetest.Bench(b, func(b *testing.B) storetest.Store {
		s, err := Open(b.Context(), freshSchema(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// BenchmarkAppendNodes appends one record per call from 32 goroutines
// spread over 1 and 3 stores on one schema, as `liaison serve` nodes on one
// database are: every store's appends wait for the log_head row lock, and
// each store groups its own (see sqlstore's group commit).
func BenchmarkAppendNodes(b *testing.B) {
	baseDSN(b)
	for _, nodes := range []int{1, 3} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			dsn := freshSchema(b)
			stores := make([]*Store, nodes)
			for i := range stores {
				s, err := Open(b.Context(), dsn)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				stores[i] = s
			}
			var n, caller atomic.Int64
			b.SetParallelism((32 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.RunParallel(func(pb *testing.PB) {
				s := stores[caller.Add(1)%int64(nodes)]
				for pb.Next() {
					r := storetest.NewRecord(b, liaison.KindRead, fmt.Sprintf("read-%d", n.Add(1)))
					if err := s.Append(b.Context(), r); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "records/s")
		})
	}
}
