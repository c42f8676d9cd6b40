package storetest

import (
	"fmt"
	"slices"
	"testing"

	"liaison"
	"liaison/ledger"
)

// openCases returns the store's open-cases index, skipping a test of a
// store that keeps none.
func openCases(t *testing.T, s Store) liaison.OpenCaseIndex {
	t.Helper()
	oc, ok := s.(liaison.OpenCaseIndex)
	if !ok {
		t.Skip("the store does not implement liaison.OpenCaseIndex")
	}
	return oc
}

// openRequest returns a request of agency, and closedCase the record that
// closes it.
func openRequest(t testing.TB, agency, id string) *liaison.StoredRecord {
	r := NewRecord(t, liaison.KindRequest, id)
	r.Agency, r.Person = agency, "per-"+id
	return fit(r)
}

func closedCase(t testing.TB, req *liaison.StoredRecord) *liaison.StoredRecord {
	return caseRound(t, liaison.KindCaseClosed, req, 0)
}

// caseRound returns the record of kind case_closed or case_reopened of
// req's case in round.
func caseRound(t testing.TB, kind string, req *liaison.StoredRecord, round int) *liaison.StoredRecord {
	r := NewRecord(t, kind, fmt.Sprintf("%s-%d-%s", kind, round, req.ID))
	r.Agency, r.Person, r.Parent, r.Key = req.Agency, req.Person, req.ID, liaison.CaseKey(req.ID, round)
	return fit(r)
}

func ids(recs []*liaison.StoredRecord) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

// testOpenCases: a request is an open case until a case_closed record
// names it, also when both come in one append; the index answers an
// agency's (or every agency's) newest first, below a leaf, up to a limit;
// a case closes once.
func testOpenCases(t *testing.T, s Store) {
	oc := openCases(t, s)
	ctx := t.Context()
	a1, a2, a3 := openRequest(t, "ag-1", "req-1"), openRequest(t, "ag-2", "req-2"), openRequest(t, "ag-1", "req-3")
	mustAppend(t, s, a1, a2)
	mustAppend(t, s, a3)
	b := openRequest(t, "ag-1", "req-4")
	mustAppend(t, s, b, closedCase(t, b)) // opened and closed at once
	for _, tc := range []struct {
		agency string
		before int64
		limit  int
		want   []string
	}{
		{"ag-1", 0, 10, []string{"req-3", "req-1"}},
		{"", 0, 10, []string{"req-3", "req-2", "req-1"}},
		{"", 0, 2, []string{"req-3", "req-2"}},
		{"ag-1", a3.Index, 10, []string{"req-1"}},
		{"ag-3", 0, 10, []string{}},
	} {
		got, err := oc.OpenCases(ctx, tc.agency, tc.before, tc.limit)
		if err != nil || !slices.Equal(ids(got), tc.want) {
			t.Errorf("OpenCases(%q, %d, %d) = %v, %v; want %v", tc.agency, tc.before, tc.limit, ids(got), err, tc.want)
		}
	}
	mustAppend(t, s, closedCase(t, a1))
	if got, err := oc.OpenCases(ctx, "ag-1", 0, 10); err != nil || !slices.Equal(ids(got), []string{"req-3"}) {
		t.Errorf("OpenCases(ag-1) after closing req-1 = %v, %v; want [req-3]", ids(got), err)
	}
	again := closedCase(t, a1)
	again.ID = "ccl-again"
	if err := s.Append(ctx, fit(again)); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Append(a second case_closed of req-1) = %v, want a conflict on its key", err)
	}
	if got, err := oc.OpenCases(ctx, "", 0, 10); err != nil || !slices.Equal(ids(got), []string{"req-3", "req-2"}) {
		t.Errorf("OpenCases() after a refused append = %v, %v; want [req-3 req-2]", ids(got), err)
	}
	// Reopened, closed again, reopened: the case follows the last word,
	// keeps its place by its request's leaf, and each round's close and
	// reopening is once.
	mustAppend(t, s, caseRound(t, liaison.KindCaseReopened, a1, 1))
	if got, err := oc.OpenCases(ctx, "ag-1", 0, 10); err != nil || !slices.Equal(ids(got), []string{"req-3", "req-1"}) {
		t.Errorf("OpenCases(ag-1) after reopening req-1 = %v, %v; want [req-3 req-1]", ids(got), err)
	}
	if err := s.Append(ctx, caseRound(t, liaison.KindCaseReopened, a1, 1)); liaison.KindOf(err) != liaison.Conflicting {
		t.Errorf("Append(a second reopening of req-1 in round 1) = %v, want a conflict on its key", err)
	}
	mustAppend(t, s, caseRound(t, liaison.KindCaseClosed, a1, 1))
	if got, err := oc.OpenCases(ctx, "ag-1", 0, 10); err != nil || !slices.Equal(ids(got), []string{"req-3"}) {
		t.Errorf("OpenCases(ag-1) after closing req-1 again = %v, %v; want [req-3]", ids(got), err)
	}
	// Reopened and closed in one append, then reopened and closed the
	// other way round in another: the last record decides.
	mustAppend(t, s, caseRound(t, liaison.KindCaseReopened, a1, 2), caseRound(t, liaison.KindCaseClosed, a1, 2))
	if got, err := oc.OpenCases(ctx, "ag-1", 0, 10); err != nil || !slices.Equal(ids(got), []string{"req-3"}) {
		t.Errorf("OpenCases(ag-1) after reopening and closing req-1 at once = %v, %v; want [req-3]", ids(got), err)
	}
	mustAppend(t, s, caseRound(t, liaison.KindCaseClosed, a3, 0), caseRound(t, liaison.KindCaseReopened, a3, 1), caseRound(t, liaison.KindCaseReopened, a1, 3))
	if got, err := oc.OpenCases(ctx, "ag-1", 0, 10); err != nil || !slices.Equal(ids(got), []string{"req-3", "req-1"}) {
		t.Errorf("OpenCases(ag-1) after closing and reopening req-3 at once = %v, %v; want [req-3 req-1]", ids(got), err)
	}
}

// testTamperOpenCases edits, adds and deletes rows of the open cases
// behind the store's back: `log verify` must name each request concerned.
func testTamperOpenCases(t *testing.T, s Store) {
	openCases(t, s)
	tam := tamperer(t, s)
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	var reqs []*liaison.StoredRecord
	for _, id := range []string{"req-moved", "req-deleted", "req-closed", "req-kept"} {
		reqs = append(reqs, openRequest(t, "ag-1", id))
	}
	for _, id := range []string{"req-reopened", "req-reclosed"} {
		reqs = append(reqs, openRequest(t, "ag-1", id))
	}
	mustAppend(t, s, reqs...)
	mustAppend(t, s, closedCase(t, reqs[2]), closedCase(t, reqs[4]), closedCase(t, reqs[5]))
	mustAppend(t, s, caseRound(t, liaison.KindCaseReopened, reqs[4], 1), caseRound(t, liaison.KindCaseReopened, reqs[5], 1))
	mustAppend(t, s, caseRound(t, liaison.KindCaseClosed, reqs[5], 1))
	if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := ledger.Verify(ctx, s, verifier); err != nil || !rep.OK() {
		t.Fatalf("Verify() before tampering = %+v, %v", rep, err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE open_cases SET agency = $1 WHERE request = $2`, []any{"ag-2", "req-moved"}},
		{`DELETE FROM open_cases WHERE request = $1`, []any{"req-deleted"}},
		{`INSERT INTO open_cases (request, agency, leaf_index) VALUES ($1, $2, $3)`, []any{"req-closed", "ag-1", reqs[2].Index}},
		{`INSERT INTO open_cases (request, agency, leaf_index) VALUES ($1, $2, $3)`, []any{"req-invented", "ag-1", 1}},
		// A reopened case's row deleted; a case closed again given one.
		{`DELETE FROM open_cases WHERE request = $1`, []any{"req-reopened"}},
		{`INSERT INTO open_cases (request, agency, leaf_index) VALUES ($1, $2, $3)`, []any{"req-reclosed", "ag-1", reqs[5].Index}},
	} {
		if err := tam.Tamper(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("Tamper(%s) = %v", q.sql, err)
		}
	}
	rep, err := ledger.Verify(ctx, s, verifier)
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	var got []string
	for _, p := range rep.Problems {
		if p.Kind != ledger.Derived {
			t.Errorf("Verify() after editing the open cases: problem %+v, want only %s ones (no record was touched)", p, ledger.Derived)
		}
		got = append(got, p.Record)
	}
	slices.Sort(got)
	want := []string{"request/req-closed", "request/req-deleted", "request/req-invented", "request/req-moved", "request/req-reclosed", "request/req-reopened"}
	if !slices.Equal(got, want) {
		t.Errorf("Verify() after editing the open cases names %v, want %v", got, want)
	}
}
