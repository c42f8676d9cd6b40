package sqlstore

import (
	"context"
	"fmt"

	"liaison"
)

// The replay rows (migration 0008, liaison.ReplayIndex) are a table
// derived from the records by the desk, which fills them up to a log size
// (replay_head) and checks them (desk.CheckReplay). The store keeps and
// serves them and knows nothing of what they mean.

var (
	replayRowsTable  = table{"replay_rows", []string{"leaf_index", "agency", "id", "request", "action", "as_of", "facts", "times", "outcome", "decisive", "pack_set", "engine"}, ""}
	replayFactsTable = table{"replay_facts", []string{"key", "body"}, ""}
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

// AddReplay adds replay rows and fact sets, and moves the replay head from
// from to size, in one transaction (see liaison.ReplayIndex).
func (s *Store) AddReplay(ctx context.Context, from, size int64, facts []liaison.ReplayFacts, rows []liaison.ReplayRow) error {
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
	for rest := facts; len(rest) > 0; {
		n := min(len(rest), replayFactsTable.rowsPerInsert())
		args := make([]any, 0, 2*n)
		for _, f := range rest[:n] {
			args = append(args, f.Key, string(f.Body))
		}
		if _, err := tx.ExecContext(ctx, s.bind(replayFactsTable.insertSQL(n)+` ON CONFLICT (key) DO NOTHING`), args...); err != nil {
			return s.fail(ctx, op, err)
		}
		rest = rest[n:]
	}
	args := make([]any, 0, len(rows)*len(replayRowsTable.cols))
	for _, r := range rows {
		args = append(args, r.Index, r.Agency, r.ID, r.Request, string(r.Action), r.AsOf, r.Facts, r.Times, string(r.Outcome), r.Decisive, r.PackSet, r.Engine)
	}
	if err := s.insert(ctx, tx, replayRowsTable, args); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// ReplayRows calls fn with each replay row of agency (every agency's when
// agency is empty) with as_of in [from, to), in leaf order: one read of
// the index on (agency, leaf).
func (s *Store) ReplayRows(ctx context.Context, agency string, from, to int64, fn func(*liaison.ReplayRow) error) error {
	const op = "read replay rows"
	where, args := `agency = ? AND as_of >= ? AND as_of < ?`, []any{agency, from, to}
	if agency == "" {
		where, args = `as_of >= ? AND as_of < ?`, args[1:]
	}
	rows, err := s.reader.QueryContext(ctx, s.bind(`SELECT leaf_index, agency, id, request, action, as_of, facts, times, outcome, decisive, pack_set, engine
		FROM replay_rows WHERE `+where+` ORDER BY leaf_index`), args...)
	if err != nil {
		return s.fail(ctx, op, err)
	}
	defer rows.Close()
	var r liaison.ReplayRow
	for rows.Next() {
		if err := rows.Scan(&r.Index, &r.Agency, &r.ID, &r.Request, &r.Action, &r.AsOf, &r.Facts, &r.Times, &r.Outcome, &r.Decisive, &r.PackSet, &r.Engine); err != nil {
			return s.fail(ctx, op, err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return s.fail(ctx, op, err)
	}
	return nil
}

// ReplayFactSets returns every fact set of the replay rows.
func (s *Store) ReplayFactSets(ctx context.Context) ([]liaison.ReplayFacts, error) {
	return collect(ctx, s, s.reader, "read replay fact sets", func(row scanner) (liaison.ReplayFacts, error) {
		var f liaison.ReplayFacts
		var body string
		err := row.Scan(&f.Key, &body)
		f.Body = []byte(body)
		return f, err
	}, `SELECT key, body FROM replay_facts`)
}
