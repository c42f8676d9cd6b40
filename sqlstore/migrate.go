package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// A migration is one numbered schema change: the file 0001_init.sql is
// version 1, named "init".
type migration struct {
	version int
	name    string
	sql     string
}

// readMigrations reads the migrations at the root of fsys and checks that
// they are numbered 1, 2, 3… without gaps.
func readMigrations(fsys fs.FS) ([]migration, error) {
	paths, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, p := range paths {
		num, name, ok := strings.Cut(strings.TrimSuffix(path.Base(p), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 || name == "" {
			return nil, fmt.Errorf("migration %s: want a name such as 0001_init.sql", p)
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", p, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migrations: version %d follows %d: they must be numbered 1, 2, 3… without gaps or repeats", m.version, i)
		}
	}
	return ms, nil
}

// migrate brings the schema up to date in one transaction, and records each
// migration it applies in schema_migrations. A schema that is already up to
// date is left alone; one from a newer build of liaison is an error, since
// this build cannot know what the newer migrations changed.
func (s *Store) migrate(ctx context.Context, fsys fs.FS) error {
	ms, err := readMigrations(fsys)
	if err != nil {
		return fmt.Errorf("%s: %w", s.d.Name, err)
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, "migrate: begin", err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.d.MigrateLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.MigrateLock); err != nil {
			return s.fail(ctx, "migrate: lock", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.MigrationsTable); err != nil {
		return s.fail(ctx, "migrate: create schema_migrations", err)
	}

	rows, err := tx.QueryContext(ctx, `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		return s.fail(ctx, "migrate: read schema_migrations", err)
	}
	applied := 0
	for rows.Next() {
		var (
			v    int
			name string
		)
		if err := rows.Scan(&v, &name); err != nil {
			rows.Close()
			return s.fail(ctx, "migrate: read schema_migrations", err)
		}
		switch {
		case v > len(ms):
			rows.Close()
			return fmt.Errorf("%s: the database's schema is at version %d (%s), newer than this build of liaison knows (%d): run a newer liaison, or restore a backup made with this one", s.d.Name, v, name, len(ms))
		case v != applied+1 || name != ms[v-1].name:
			rows.Close()
			return fmt.Errorf("%s: schema_migrations lists version %d (%s) where this build has %d (%s): the database was migrated by another program", s.d.Name, v, name, applied+1, ms[applied].name)
		}
		applied = v
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return s.fail(ctx, "migrate: read schema_migrations", err)
	}

	for _, m := range ms[applied:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return s.fail(ctx, fmt.Sprintf("migrate: apply %04d_%s.sql", m.version, m.name), err)
		}
		if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO schema_migrations (version, name) VALUES (?, ?)`), m.version, m.name); err != nil {
			return s.fail(ctx, fmt.Sprintf("migrate: record %04d_%s.sql", m.version, m.name), err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "migrate: commit", err)
	}
	return nil
}
