package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresDSN returns the test server's DSN from LIAISON_TEST_POSTGRES_DSN,
// or skips the test (fails it when LIAISON_REQUIRE_ALL=1).
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("LIAISON_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("LIAISON_REQUIRE_ALL") == "1" {
			tb.Fatal("LIAISON_REQUIRE_ALL=1 but LIAISON_TEST_POSTGRES_DSN is not set: start a server with .ci/start-postgres and export its DSN")
		}
		tb.Skip("set LIAISON_TEST_POSTGRES_DSN to run the PostgreSQL store tests")
	}
	return dsn
}

// PostgresSchema creates a schema of its own for one test, dropped when
// the test ends, and returns a DSN whose search_path puts the store's
// tables there: tests never see each other's tables. Without a test
// server it skips the test, as PostgresDSN does.
func PostgresSchema(tb testing.TB) string {
	tb.Helper()
	dsn := PostgresDSN(tb)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	schema := "liaison_test_" + hex.EncodeToString(b[:])
	if err := PostgresExec(tb.Context(), dsn, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	tb.Cleanup(func() {
		// The test's context is done by now.
		if err := PostgresExec(context.Background(), dsn, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(dsn, schema)
}

// withSearchPath adds search_path=schema to dsn, a URL or key=value pairs.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}

// PostgresExec runs one statement on a connection of its own to dsn,
// behind any store's back.
func PostgresExec(ctx context.Context, dsn, query string, args ...any) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, query, args...)
	return err
}
