package sqlstore

import (
	"context"
	"database/sql"
	"errors"
)

// The reader pool's reads of records (Get, ByKey, List, OpenCases) run as
// prepared statements, each prepared once, when Dialect.Prepare is set:
// SQLite's driver parses every statement it is given anew, and parsing a
// List's query was half of its cost (BenchmarkPages in package web: the
// queue's 25 cases are 75 Lists). The queries are few (List's vary with
// the filter's fields, not their values); maxReadStmts bounds them anyway.
const maxReadStmts = 64

// readStmt returns the prepared statement of query on the reader pool, or
// nil when statements are not prepared (or the cache is full, or preparing
// failed: the caller runs the query as it is, and meets the error there).
func (s *Store) readStmt(ctx context.Context, query string) *sql.Stmt {
	if !s.d.Prepare {
		return nil
	}
	if v, ok := s.readStmts.Load(query); ok {
		return v.(*sql.Stmt)
	}
	if s.readStmtCount.Load() >= maxReadStmts {
		return nil
	}
	st, err := s.reader.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, loaded := s.readStmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	s.readStmtCount.Add(1)
	return st
}

// readQuery runs query (with ? placeholders) on q, prepared when q is the
// reader pool.
func (s *Store) readQuery(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	query = s.bind(query)
	if db, ok := q.(*sql.DB); ok && db == s.reader {
		if st := s.readStmt(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
	}
	return q.QueryContext(ctx, query, args...)
}

// readRow runs query (with ? placeholders) on the reader pool, prepared.
func (s *Store) readRow(ctx context.Context, query string, args ...any) *sql.Row {
	query = s.bind(query)
	if st := s.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.reader.QueryRowContext(ctx, query, args...)
}

// closeReadStmts closes the prepared reads.
func (s *Store) closeReadStmts() error {
	var err error
	s.readStmts.Range(func(_, v any) bool {
		err = errors.Join(err, v.(*sql.Stmt).Close())
		return true
	})
	return err
}
