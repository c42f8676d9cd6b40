package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"liaison"
)

// SaveSummary keeps body, the oversight figures folded from the first size
// leaves of the log (see package oversight). A summary of that size already
// kept stays: another node folded the same records.
func (s *Store) SaveSummary(ctx context.Context, size int64, body []byte) error {
	if err := s.refuse(); err != nil {
		return err
	}
	_, err := s.writer.ExecContext(ctx, s.bind(`INSERT INTO summaries (size, body) VALUES (?, ?) ON CONFLICT (size) DO NOTHING`), size, body)
	if err != nil {
		return s.fail(ctx, fmt.Sprintf("save summary of size %d", size), err)
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
