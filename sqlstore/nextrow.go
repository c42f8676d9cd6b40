package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Appends without statement journals (Dialect.NextRowid, SQLite).
//
// Inside a transaction, SQLite gives a statement a statement journal when
// it may write several rows and may abort half-way, so that an abort can
// undo that statement alone: every page the statement changes that was in
// the database before it is first copied into the journal. A multi-row
// INSERT always may write several rows; it may abort when a constraint's
// conflict clause is ABORT (the default) or when it is given the value of
// the table's INTEGER PRIMARY KEY, which SQLite checks is an integer
// (OP_MustBeInt, sqlite3Insert), whatever the conflict clause. The journal
// was a fifth of the writer goroutine's CPU in BenchmarkIntakeRoute, most
// of it page faults: SQLite allocates the journal in 1 KB chunks and frees
// them at the statement's end, and the driver's allocator returns the
// emptied pages to the system, to fault them in again at the next.
//
// So the INSERTs into records and leaves leave out the leaf index, their
// INTEGER PRIMARY KEY: SQLite gives each row the table's largest rowid
// plus one, which is the leaf index, since both tables hold every leaf
// from 0 in order. They are INSERT OR ROLLBACK, as is the one into the
// open cases: a conflict rolls the whole transaction back, which is what
// an append does with any failed statement anyway. With neither an abort
// nor a given key, SQLite opens no statement journal.
//
// The indexes are checked, not assumed: the last row's rowid must be the
// group's last leaf index, or the append fails with errRowidMoved and is
// tried again with the leaf indexes given (the INSERTs of recordsTable and
// leavesTable), which writes them where they belong or fails on a
// constraint. An empty table (the first append) is written that way too.

// errRowidMoved marks an INSERT whose rows did not get the leaf indexes the
// append gave them (a table whose largest rowid is not the last leaf's: a
// row deleted or added around the log).
var errRowidMoved = errors.New("the rows did not get their leaf indexes as rowids")

// nextSuffix names the prepared INSERTs of a table without its first
// column (see stmtKey).
const nextSuffix = "+next"

// Records and leaves without their INTEGER PRIMARY KEY, the leaf index.
var (
	recordsNext = withoutKey(recordsTable)
	leavesNext  = withoutKey(leavesTable)
)

// withoutKey is t without its first column.
func withoutKey(t table) table {
	t.cols = t.cols[1:]
	if t.values != "" {
		t.values = strings.TrimPrefix(t.values, "?, ")
	}
	return t
}

// orRollback makes an INSERT an INSERT OR ROLLBACK.
func orRollback(q string) string {
	return "INSERT OR ROLLBACK" + strings.TrimPrefix(q, "INSERT")
}

// prepareNext prepares, for records and leaves, the INSERT OR ROLLBACK of
// every number of rows up to exactRows without the leaf index.
func (s *Store) prepareNext(ctx context.Context) error {
	for _, t := range []table{recordsNext, leavesNext} {
		for n := exactRows; n > 0; n-- {
			stmt, err := s.writer.PrepareContext(ctx, s.bind(orRollback(t.insertSQL(n))))
			if err != nil {
				return s.fail(ctx, "prepare the inserts into "+t.name, err)
			}
			s.stmts[stmtKey{t.name + nextSuffix, n}] = stmt
		}
	}
	return nil
}

// insertNext writes rows (of t with its first column, the leaf index,
// one row after another) into t without that column, letting SQLite number
// them, and checks that the last row got the leaf index last.
func (s *Store) insertNext(ctx context.Context, tx *sql.Tx, t table, rows []any, last int64) error {
	full, width := len(t.cols)+1, len(t.cols)
	args := make([]any, 0, len(rows)/full*width)
	for r := range slices.Chunk(rows, full) {
		args = append(args, r[1:]...)
	}
	res, err := s.insertAs(ctx, tx, t, t.name+nextSuffix, args)
	if err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return s.fail(ctx, "append: write "+t.name, err)
	}
	if id != last {
		return fmt.Errorf("%s: append: write %s: the last row is %d, not leaf %d: %w", s.d.Name, t.name, id, last, errRowidMoved)
	}
	return nil
}
