package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"
)

// bulkAppendSQL writes a group's records, leaves and open cases, closes
// the cases it closes, and moves the log head, in one statement of fixed
// text whatever the group's size: each table's rows go as one array per
// column (Dialect.Bulk, PostgreSQL). The statement's parts see one
// snapshot, so a case opened and closed in the same group is left out of
// both by writeBulk rather than inserted and deleted.
const bulkAppendSQL = `WITH
r AS (INSERT INTO records (leaf_index, kind, id, agency, person, parent, key, body, salt, at)
	SELECT leaf_index, kind, id, agency, person, parent, NULLIF(key, ''), body, salt, at
	FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bytea[], $9::bytea[], $10::timestamptz[])
		AS u(leaf_index, kind, id, agency, person, parent, key, body, salt, at)),
l AS (INSERT INTO leaves (idx, kind, id, commitment, hashes)
	SELECT * FROM unnest($11::bigint[], $12::text[], $13::text[], $14::bytea[], $15::bytea[])),
o AS (INSERT INTO open_cases (request, agency, leaf_index)
	SELECT * FROM unnest($16::text[], $17::text[], $18::bigint[])),
c AS (DELETE FROM open_cases WHERE request = ANY($19::text[]))
UPDATE log_head SET size = $20 WHERE id = 1 AND size = $21`

// writeBulk runs bulkAppendSQL for the rows appendOnce made: records (as
// recordsTable's columns, one row after another), leaves (leavesTable's)
// and open cases, moving the head from start to size. Its result is the
// head's update.
func (s *Store) writeBulk(ctx context.Context, tx *sql.Tx, records, leaves []any, open *openCases, size, start int64) (sql.Result, error) {
	str := func(v any) string {
		if v == nil {
			return "" // nullIfEmpty's NULL
		}
		return v.(string)
	}
	n := len(records) / len(recordsTable.cols)
	var (
		idx                                   = make([]int64, 0, n)
		kind, id, agency, person, parent, key = make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
		body, salt                            = make([][]byte, 0, n), make([][]byte, 0, n)
		at                                    = make([]time.Time, 0, n)
	)
	for r := range slices.Chunk(records, len(recordsTable.cols)) {
		idx, kind, id = append(idx, r[0].(int64)), append(kind, r[1].(string)), append(id, r[2].(string))
		agency, person, parent, key = append(agency, str(r[3])), append(person, str(r[4])), append(parent, str(r[5])), append(key, str(r[6]))
		body, salt, at = append(body, r[7].([]byte)), append(salt, r[8].([]byte)), append(at, r[9].(time.Time))
	}
	var (
		lIdx                []int64
		lKind, lID          []string
		commitment, hashes  [][]byte
		oRequest, oAgency   []string
		oIndex              []int64
		closedAny, reopened = open.split()
		closed              = make([]string, 0, len(closedAny))
		closedHere          = make(map[string]bool, len(closedAny))
	)
	for l := range slices.Chunk(leaves, len(leavesTable.cols)) {
		lIdx, lKind, lID = append(lIdx, l[0].(int64)), append(lKind, l[1].(string)), append(lID, l[2].(string))
		commitment, hashes = append(commitment, l[3].([]byte)), append(hashes, l[4].([]byte))
	}
	for _, c := range closedAny {
		closed = append(closed, c.(string))
		closedHere[c.(string)] = true
	}
	for o := range slices.Chunk(open.rows, len(openCasesTable.cols)) {
		if closedHere[o[0].(string)] {
			continue
		}
		oRequest, oAgency, oIndex = append(oRequest, o[0].(string)), append(oAgency, o[1].(string)), append(oIndex, o[2].(int64))
	}
	res, err := tx.ExecContext(ctx, bulkAppendSQL, idx, kind, id, agency, person, parent, key, body, salt, at,
		lIdx, lKind, lID, commitment, hashes, nonNil(oRequest), nonNil(oAgency), nonNil(oIndex), closed, size, start)
	if err != nil {
		return nil, s.insertFailed(ctx, "records and leaves", err)
	}
	// Reopened cases get their rows back after the statement, which sees
	// the requests it wrote (a reopening never precedes its request).
	if err := open.reopen(ctx, s, tx, reopened); err != nil {
		return nil, err
	}
	return res, nil
}

// nonNil is s, or an empty slice for nil: an empty array, not NULL.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
