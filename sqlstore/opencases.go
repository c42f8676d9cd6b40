package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"iter"

	"liaison"
	"liaison/ledger"
)

// The open cases (migration 0006, liaison.OpenCaseIndex) are a table
// derived from the records: a row per request whose latest case_closed or
// case_reopened record, in log order, is not a close. An append keeps it
// in its own transaction (openCases.write); Verify checks it against the
// records (CheckDerived).

// openCasesTable is the rows an append adds to the open cases.
var openCasesTable = table{"open_cases", []string{"request", "agency", "leaf_index"}, ""}

// openCases are an append's changes to the open cases: the requests it
// writes, and the cases it closes or reopens, the last word on each.
type openCases struct {
	rows    []any           // request, agency, leaf index, one row after another
	reopens map[string]bool // request: true when reopened, false when closed
	order   []string        // the requests of reopens, first seen first
}

// add takes a record the append writes at leaf index. Records come in
// log order: a close after a reopening in the same append wins, and the
// other way round.
func (o *openCases) add(r *liaison.StoredRecord, index int64) {
	switch r.Kind {
	case liaison.KindRequest:
		o.rows = append(o.rows, r.ID, r.Agency, index)
	case liaison.KindCaseClosed, liaison.KindCaseReopened:
		if o.reopens == nil {
			o.reopens = map[string]bool{}
		}
		if _, ok := o.reopens[r.Parent]; !ok {
			o.order = append(o.order, r.Parent)
		}
		o.reopens[r.Parent] = r.Kind == liaison.KindCaseReopened
	}
}

// write applies the changes in tx: requests first, so that a request
// closed in the append that writes it is not left open. A reopened case
// gets its request's row back (agency and leaf from the request's record),
// unless it has one.
func (o *openCases) write(ctx context.Context, s *Store, tx *sql.Tx) error {
	if err := s.insert(ctx, tx, openCasesTable, o.rows); err != nil {
		return err
	}
	closed, reopened := o.split()
	for rest := closed; len(rest) > 0; {
		n := min(len(rest), maxParams)
		if _, err := tx.ExecContext(ctx, s.bind(`DELETE FROM open_cases WHERE request IN (`+placeholders(n)+`)`), rest[:n]...); err != nil {
			return s.fail(ctx, "append: close cases", err)
		}
		rest = rest[n:]
	}
	return o.reopen(ctx, s, tx, reopened)
}

// reopen gives the reopened requests their rows back.
func (o *openCases) reopen(ctx context.Context, s *Store, tx *sql.Tx, reopened []any) error {
	for rest := reopened; len(rest) > 0; {
		n := min(len(rest), maxParams)
		if _, err := tx.ExecContext(ctx, s.bind(`INSERT INTO open_cases (request, agency, leaf_index)
			SELECT r.id, r.agency, r.leaf_index FROM records r WHERE r.kind = 'request' AND r.id IN (`+placeholders(n)+`)
			ON CONFLICT (request) DO NOTHING`), rest[:n]...); err != nil {
			return s.fail(ctx, "append: reopen cases", err)
		}
		rest = rest[n:]
	}
	return nil
}

// split divides the cases the append closes or reopens by their last word.
func (o *openCases) split() (closed, reopened []any) {
	for _, req := range o.order {
		if o.reopens[req] {
			reopened = append(reopened, req)
		} else {
			closed = append(closed, req)
		}
	}
	return closed, reopened
}

// openCaseColumns are recordColumns of the request joined to its row.
const openCaseColumns = `r.leaf_index, r.kind, r.id, r.agency, r.person, r.parent, r.key, r.body, r.salt, r.at`

var _ liaison.OpenCaseIndex = (*Store)(nil)

// OpenCases returns the newest open cases' requests (see
// liaison.OpenCaseIndex): one read of the open cases' index on agency (or
// leaf) joined with the requests by (kind, id).
func (s *Store) OpenCases(ctx context.Context, agency string, before int64, limit int) ([]*liaison.StoredRecord, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if before <= 0 {
		before = 1 << 62
	}
	q, args := openCasesQuery(agency, before, limit)
	out, err := collect(ctx, s, s.reader, "list open cases", scanRecord, q, args...)
	if out == nil && err == nil {
		out = []*liaison.StoredRecord{}
	}
	return out, err
}

// openCasesQuery is the query of OpenCases. It reads the page's rows
// first, by the index on (agency, leaf) or on leaf, then their requests by
// (kind, id): a plain join, which the planner may order either way, walked
// every request to sort them (5 s a page over 100,000 open cases).
func openCasesQuery(agency string, before int64, limit int) (string, []any) {
	where, args := `leaf_index < ?`, []any{before}
	if agency != "" {
		where, args = `agency = ? AND leaf_index < ?`, []any{agency, before}
	}
	return `SELECT ` + openCaseColumns + ` FROM (SELECT request, leaf_index FROM open_cases WHERE ` + where + ` ORDER BY leaf_index DESC LIMIT ?) o
		JOIN records r ON r.kind = 'request' AND r.id = o.request ORDER BY o.leaf_index DESC`, append(args, limit)
}

var _ ledger.DerivedChecker = (*Store)(nil)

// CheckDerived compares the open cases with the records (see
// ledger.DerivedChecker).
func (s *Store) CheckDerived(ctx context.Context) iter.Seq2[ledger.Problem, error] {
	return s.checkDerived(ctx, s.reader)
}

// CheckDerived compares the open cases with the records in the snapshot.
func (sn *snapshot) CheckDerived(ctx context.Context) iter.Seq2[ledger.Problem, error] {
	return sn.s.checkDerived(ctx, sn.tx)
}

// lastWord is the kind of the latest case_closed or case_reopened record
// naming the request whose id is the SQL expression req, in log order
// (NULL: none), by the index on (parent, leaf). The index is partial
// (on rows with a parent): without saying so, SQLite walks the table by leaf
// for each request (15 s on 100,000 records, where the index takes 30 ms).
func lastWord(req string) string {
	return `(SELECT c.kind FROM records c WHERE c.parent = ` + req + ` AND c.parent <> '' AND c.kind IN ('case_closed', 'case_reopened') ORDER BY c.leaf_index DESC LIMIT 1)`
}

// checkDerived yields each row of the open cases that is not a request's,
// says another agency or leaf than its request's record, or whose case
// is closed; then each request whose case is open but not in the open
// cases.
func (s *Store) checkDerived(ctx context.Context, q querier) iter.Seq2[ledger.Problem, error] {
	return func(yield func(ledger.Problem, error) bool) {
		rows, err := q.QueryContext(ctx, s.bind(`SELECT request, agency, leaf_index, r_agency, r_leaf, coalesce(word = 'case_closed', false) FROM (
			SELECT o.request, o.agency, o.leaf_index, coalesce(r.agency, '') AS r_agency, coalesce(r.leaf_index, -1) AS r_leaf, `+lastWord("o.request")+` AS word
			FROM open_cases o
			LEFT JOIN records r ON r.kind = 'request' AND r.id = o.request) x
			WHERE r_leaf < 0 OR r_agency <> agency OR r_leaf <> leaf_index OR word = 'case_closed'`))
		if err != nil {
			yield(ledger.Problem{}, s.fail(ctx, "check the open cases", err))
			return
		}
		var probs []ledger.Problem
		for rows.Next() {
			var (
				req, agency, rAgency string
				index, rIndex        int64
				closed               bool
			)
			if err := rows.Scan(&req, &agency, &index, &rAgency, &rIndex, &closed); err != nil {
				rows.Close()
				yield(ledger.Problem{}, s.fail(ctx, "check the open cases", err))
				return
			}
			p := ledger.Problem{Kind: ledger.Derived, Index: rIndex, Record: liaison.KindRequest + "/" + req}
			switch {
			case rIndex < 0:
				p.Message = fmt.Sprintf("open cases: a row names request %s, which no record is: it was added around the log", req)
			case closed:
				p.Message = fmt.Sprintf("open cases: request %s (leaf %d) is closed (its latest case_closed or case_reopened record is a close) but its row is still there: it was added or kept around the log", req, rIndex)
			default:
				p.Message = fmt.Sprintf("open cases: the row of request %s says agency %q, leaf %d, but its record says %q, leaf %d: the row was edited around the log", req, agency, index, rAgency, rIndex)
			}
			probs = append(probs, p)
		}
		if err := rows.Err(); err != nil {
			yield(ledger.Problem{}, s.fail(ctx, "check the open cases", err))
			return
		}
		rows.Close()
		for _, p := range probs {
			if !yield(p, nil) {
				return
			}
		}
		rows, err = q.QueryContext(ctx, s.bind(`SELECT r.id, r.leaf_index FROM records r
			WHERE r.kind = 'request'
			AND NOT EXISTS (SELECT 1 FROM open_cases o WHERE o.request = r.id)
			AND coalesce(`+lastWord("r.id")+`, '') <> 'case_closed'
			ORDER BY r.leaf_index`))
		if err != nil {
			yield(ledger.Problem{}, s.fail(ctx, "check the open cases", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var req string
			var index int64
			if err := rows.Scan(&req, &index); err != nil {
				yield(ledger.Problem{}, s.fail(ctx, "check the open cases", err))
				return
			}
			if !yield(ledger.Problem{Kind: ledger.Derived, Index: index, Record: liaison.KindRequest + "/" + req,
				Message: fmt.Sprintf("open cases: request %s (leaf %d) is open (no case_closed record closes it, or a case_reopened record reopened it) but it has no row: the row was deleted around the log", req, index)}, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(ledger.Problem{}, s.fail(ctx, "check the open cases", err))
		}
	}
}
