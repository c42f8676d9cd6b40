package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"liaison"
)

// SaveSummary keeps body, the oversight figures folded from the first size
// leaves of the log (see package oversight), and drops every summary but
// the latest. A summary of that size already kept is replaced: another
// node folded the same records to the same body, or an earlier build kept
// it in an older format, which this one must not fold again on every
// start.
func (s *Store) SaveSummary(ctx context.Context, size int64, body []byte) error {
	if err := s.refuse(); err != nil {
		return err
	}
	op := fmt.Sprintf("save summary of size %d", size)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO summaries (size, body) VALUES (?, ?) ON CONFLICT (size) DO UPDATE SET body = excluded.body`), size, body); err != nil {
		return s.fail(ctx, op, err)
	}
	// Only the latest is read: the older ones would take a few hundred
	// KB each, a row per 10,000 records.
	if _, err := tx.ExecContext(ctx, `DELETE FROM summaries WHERE size < (SELECT max(size) FROM summaries)`); err != nil {
		return s.fail(ctx, op, err)
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// LatestSummary returns the kept summary of the largest size, or an error
// of kind NotFound when none is kept.
func (s *Store) LatestSummary(ctx context.Context) (size int64, body []byte, err error) {
	err = s.reader.QueryRowContext(ctx, `SELECT size, body FROM summaries ORDER BY size DESC LIMIT 1`).Scan(&size, &body)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil, liaison.Errorf(liaison.NotFound, "", "no summary is kept")
	case err != nil:
		return 0, nil, s.fail(ctx, "latest summary", err)
	}
	return size, body, nil
}
