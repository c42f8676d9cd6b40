package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"liaison"
)

// The replay rows (migrations 0008 and 0009, liaison.ReplayIndex) are
// pages and strings derived from the records by the desk, which fills
// them up to a log size (replay_head) and checks them (desk.CheckReplay).
// The store keeps and serves them and knows nothing of what they mean.

var (
	replayStringsTable = table{"replay_strings", []string{"id", "value"}, ""}
	replayPagesTable   = table{"replay_pages", []string{"agency", "page", "first_leaf", "last_leaf", "from_as_of", "to_as_of", "n_rows", "body"}, ""}
)

var _ liaison.ReplayIndex = (*Store)(nil)

// ReplaySize returns the log size up to which the replay rows are derived.
func (s *Store) ReplaySize(ctx context.Context) (int64, error) {
	var n int64
	if err := s.reader.QueryRowContext(ctx, `SELECT size FROM replay_head WHERE id = 1`).Scan(&n); err != nil {
		return 0, s.fail(ctx, "read the replay rows' size", err)
	}
	return n, nil
}

// AddReplay adds replay strings and pages, and moves the replay head from
// from to size, in one transaction (see liaison.ReplayIndex).
func (s *Store) AddReplay(ctx context.Context, from, size, first int64, strs []string, pages []liaison.ReplayPage) error {
	if err := s.refuse(); err != nil {
		return err
	}
	op := fmt.Sprintf("add replay rows up to %d", size)
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer tx.Rollback()
	// The head first: it is the lock, and a second caller finds it moved.
	res, err := tx.ExecContext(ctx, s.bind(`UPDATE replay_head SET size = ? WHERE id = 1 AND size = ?`), size, from)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return liaison.Errorf(liaison.Conflicting, "", "%s: %s: the replay rows were added up to another size meanwhile", s.d.Name, op)
	}
	args := make([]any, 0, 2*len(strs))
	for i, v := range strs {
		args = append(args, first+int64(i), v)
	}
	if err := s.insert(ctx, tx, replayStringsTable, args); err != nil {
		return err
	}
	for rest := pages; len(rest) > 0; {
		n := min(len(rest), replayPagesTable.rowsPerInsert())
		args := make([]any, 0, n*len(replayPagesTable.cols))
		for _, p := range rest[:n] {
			args = append(args, p.Agency, p.Page, p.First, p.Last, p.From, p.To, p.Rows, p.Body)
		}
		if _, err := tx.ExecContext(ctx, s.bind(replayPagesTable.insertSQL(n)+` ON CONFLICT (agency, page) DO UPDATE SET
			first_leaf = excluded.first_leaf, last_leaf = excluded.last_leaf, from_as_of = excluded.from_as_of,
			to_as_of = excluded.to_as_of, n_rows = excluded.n_rows, body = excluded.body`), args...); err != nil {
			return s.fail(ctx, op, err)
		}
		rest = rest[n:]
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// ReplayStrings returns the replay strings in order of their numbers.
func (s *Store) ReplayStrings(ctx context.Context) ([]string, error) {
	const op = "read replay strings"
	rows, err := s.reader.QueryContext(ctx, `SELECT id, value FROM replay_strings ORDER BY id`)
	if err != nil {
		return nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, s.fail(ctx, op, err)
		}
		if id != int64(len(out)) {
			return nil, liaison.Errorf(liaison.Conflicting, "", "%s: %s: string %d is missing (run `liaison log verify`)", s.d.Name, op, len(out))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, op, err)
	}
	return out, nil
}

// ReplayShortStrings returns the replay strings of at most maxLen
// characters, by number, and the numbers of the others (see
// liaison.ReplayIndex): a simulation reads the long ones (fact sets) that
// the pages it reads name, not every one. Only the short ones leave the
// database: the others are the numbers below the greatest that it does
// not return (a number missing is found by ReplayStringsOf).
func (s *Store) ReplayShortStrings(ctx context.Context, maxLen int) ([]string, []int64, error) {
	const op = "read replay strings"
	var last int64
	if err := s.reader.QueryRowContext(ctx, `SELECT coalesce(max(id), -1) FROM replay_strings`).Scan(&last); err != nil {
		return nil, nil, s.fail(ctx, op, err)
	}
	rows, err := s.reader.QueryContext(ctx, s.bind(`SELECT id, value FROM replay_strings WHERE id <= ? AND length(value) <= ? ORDER BY id`), last, maxLen)
	if err != nil {
		return nil, nil, s.fail(ctx, op, err)
	}
	defer rows.Close()
	out := make([]string, last+1)
	var long []int64
	next := int64(0) // the numbers below it are out or in long
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, nil, s.fail(ctx, op, err)
		}
		for ; next < id; next++ {
			long = append(long, next)
		}
		out[id], next = v, id+1
	}
	if err := rows.Err(); err != nil {
		return nil, nil, s.fail(ctx, op, err)
	}
	for ; next <= last; next++ {
		long = append(long, next)
	}
	return out, long, nil
}

// ReplayStringsOf returns the replay strings numbered ids, in that order,
// a few hundred a query.
func (s *Store) ReplayStringsOf(ctx context.Context, ids []int64) ([]string, error) {
	const op = "read replay strings"
	byID := make(map[int64]string, len(ids))
	for rest := ids; len(rest) > 0; {
		n := min(len(rest), 500)
		args := make([]any, n)
		for i, id := range rest[:n] {
			args[i] = id
		}
		rows, err := s.reader.QueryContext(ctx, s.bind(`SELECT id, value FROM replay_strings WHERE id IN (?`+strings.Repeat(", ?", n-1)+`)`), args...)
		if err != nil {
			return nil, s.fail(ctx, op, err)
		}
		for rows.Next() {
			var id int64
			var v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return nil, s.fail(ctx, op, err)
			}
			byID[id] = v
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, s.fail(ctx, op, err)
		}
		rest = rest[n:]
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		v, ok := byID[id]
		if !ok {
			return nil, liaison.Errorf(liaison.Conflicting, "", "%s: %s: string %d is missing (run `liaison log verify`)", s.d.Name, op, id)
		}
		out[i] = v
	}
	return out, nil
}

const replayPageCols = `agency, page, first_leaf, last_leaf, from_as_of, to_as_of, n_rows, body`

// ReplayPages calls fn with each replay page of agency (every agency's
// when agency is empty) holding some as_of in [from, to), in order of
// agency and page: one read of the table's primary key.
func (s *Store) ReplayPages(ctx context.Context, agency string, from, to int64, fn func(*liaison.ReplayPage) error) error {
	where, args := `agency = ? AND to_as_of >= ? AND from_as_of < ?`, []any{agency, from, to}
	if agency == "" {
		where, args = `to_as_of >= ? AND from_as_of < ?`, args[1:]
	}
	return s.replayPages(ctx, `SELECT `+replayPageCols+` FROM replay_pages WHERE `+where+` ORDER BY agency, page`, args, fn)
}

// ReplayTails returns each agency's last replay page.
func (s *Store) ReplayTails(ctx context.Context) ([]liaison.ReplayPage, error) {
	var out []liaison.ReplayPage
	err := s.replayPages(ctx, `SELECT `+replayPageCols+` FROM replay_pages p
		WHERE page = (SELECT max(page) FROM replay_pages q WHERE q.agency = p.agency) ORDER BY agency`, nil, func(p *liaison.ReplayPage) error {
		c := *p
		c.Body = append([]byte(nil), p.Body...)
		out = append(out, c)
		return nil
	})
	return out, err
}

func (s *Store) replayPages(ctx context.Context, query string, args []any, fn func(*liaison.ReplayPage) error) error {
	const op = "read replay pages"
	rows, err := s.reader.QueryContext(ctx, s.bind(query), args...)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer rows.Close()
	var p liaison.ReplayPage
	for rows.Next() {
		if err := rows.Scan(&p.Agency, &p.Page, &p.First, &p.Last, &p.From, &p.To, &p.Rows, &p.Body); err != nil {
			return s.fail(ctx, op, err)
		}
		if err := fn(&p); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}
