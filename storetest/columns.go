package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
)

// columnRecord returns a record of kind whose every index column that
// makes sense for the kind is set, and whose body holds them (see fit).
func columnRecord(t testing.TB, kind, id string) *liaison.StoredRecord {
	r := NewRecord(t, kind, id)
	r.Agency, r.Person, r.Parent = "ag-1", "per-1", "par-"+id
	switch kind {
	case liaison.KindAgency:
		r.Agency, r.Person, r.Parent = id, "", ""
	case liaison.KindPerson:
		r.Person, r.Parent = id, ""
	case liaison.KindCustodyEvent, liaison.KindRead:
		r.Parent = r.Person
	case liaison.KindRequest:
		r.Parent, r.Key = "", "ag-1/idem-"+id
	case liaison.KindDutyChange:
		r.Person, r.Key = "", r.Parent+"/overdue"
	case liaison.KindDelivery:
		r.Person = ""
	case liaison.KindToken:
		r.Person, r.Parent, r.Key = "", "", "hash-of-"+id
	case liaison.KindTokenRevoked:
		r.Person, r.Parent, r.Key = "", "tok-"+id, "tok-"+id
	case liaison.KindPackSet:
		r.Agency, r.Person, r.Parent, r.Key = "", "", "", id
	case liaison.KindFacts:
		r.Key = r.Parent + "/idem-" + id
	case liaison.KindAction:
		r.Key = r.Parent + "/idem-" + id
	case liaison.KindDeliveryClaim:
		r.Person, r.Key = "", r.Parent+"/1"
	case liaison.KindActionOutcome:
		r.Person, r.Key = "", "act-"+id
	case liaison.KindChannel:
		r.Person, r.Parent = "", ""
	}
	return fit(r)
}

// recordKinds are the kinds of record the desk writes.
var recordKinds = []string{
	liaison.KindAgency, liaison.KindPerson, liaison.KindCustodyEvent, liaison.KindRequest, liaison.KindDecision,
	liaison.KindAction, liaison.KindDuty, liaison.KindDutyChange, liaison.KindOverride, liaison.KindDelivery,
	liaison.KindRead, liaison.KindToken, liaison.KindTokenRevoked, liaison.KindPackSet, liaison.KindFacts,
	liaison.KindDeliveryClaim, liaison.KindActionOutcome, liaison.KindChannel,
}

// testTamperColumns edits each column a store looks records up by, and the
// time, of a record of each kind, each on a record of its own, behind the
// store's back: `log verify` must name every edited record, and a read of
// a record whose column its body fixes must fail rather than return it.
func testTamperColumns(t *testing.T, s Store) {
	tam := tamperer(t, s)
	ctx := t.Context()
	signer, verifier := NewSigner(t)
	type edit struct {
		rec   *liaison.StoredRecord
		col   string
		fixed bool // the body fixes the column: reads must refuse the row
	}
	var (
		edits []edit
		recs  []*liaison.StoredRecord
	)
	for _, kind := range recordKinds {
		for _, col := range []string{"agency", "person", "parent", "key", "at"} {
			r := columnRecord(t, kind, fmt.Sprintf("%s-%s", kind, col))
			c, err := liaison.ColumnsOf(kind, r.Body)
			if err != nil {
				t.Fatal(err)
			}
			fixed := map[string]liaison.Column{"agency": liaison.ColumnAgency, "person": liaison.ColumnPerson,
				"parent": liaison.ColumnParent, "key": liaison.ColumnKey}[col]&c.Fixed != 0
			recs = append(recs, r)
			edits = append(edits, edit{r, col, fixed})
		}
	}
	// A time of its own, for the edits of at to copy.
	other := NewRecord(t, liaison.KindRead, "other-time")
	other.At = base.Add(-time.Hour)
	mustAppend(t, s, append(recs, fit(other))...)
	if _, err := (&ledger.Publisher{Store: s, Signer: signer}).Publish(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := ledger.Verify(ctx, s, verifier)
	if err != nil || !rep.OK() {
		t.Fatalf("Verify() before tampering = %+v, %v", rep, err)
	}
	for _, e := range edits {
		query := `UPDATE records SET ` + e.col + ` = $1 WHERE kind = $2 AND id = $3`
		args := []any{"tampered-" + e.rec.ID, e.rec.Kind, e.rec.ID}
		if e.col == "at" {
			query = `UPDATE records SET at = (SELECT at FROM records WHERE id = 'other-time') WHERE kind = $1 AND id = $2`
			args = args[1:]
		}
		if err := tam.Tamper(ctx, query, args...); err != nil {
			t.Fatalf("Tamper(%s) = %v", query, err)
		}
	}
	rep, err = ledger.Verify(ctx, s, verifier)
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	named := make(map[string][]ledger.ProblemKind)
	for _, p := range rep.Problems {
		named[p.Record] = append(named[p.Record], p.Kind)
	}
	for _, e := range edits {
		name := e.rec.Kind + "/" + e.rec.ID
		got := named[name]
		switch {
		case !slices.Contains(got, ledger.Changed):
			t.Errorf("Verify() after editing the %s column of %s: problems %v, want one of kind %s", e.col, name, got, ledger.Changed)
		case e.fixed && !slices.Contains(got, ledger.Column):
			t.Errorf("Verify() after editing the %s column of %s: problems %v, want one of kind %s naming the column", e.col, name, got, ledger.Column)
		}
		_, err := s.Get(ctx, e.rec.Kind, e.rec.ID)
		switch {
		case e.fixed && err == nil:
			t.Errorf("Get(%s) after editing its %s column = nil error, want the damaged row refused", name, e.col)
		case !e.fixed && err != nil:
			t.Errorf("Get(%s) after editing its %s column, which its body does not fix = %v", name, e.col, err)
		}
	}
	if t.Failed() {
		t.Logf("report: %+v", rep.Problems)
	}
}

// testEditedColumnsGrantNothing plays the attacks that an index column
// outside the log made possible: a person moved to another agency, read
// by that agency; a token whose key is set to the hash of a secret the
// attacker knows, looked up by that hash. Each read must fail, not return
// the record.
func testEditedColumnsGrantNothing(t *testing.T, s Store) {
	tam := tamperer(t, s)
	ctx := t.Context()
	person := NewRecord(t, liaison.KindPerson, "per-victim")
	person.Agency = "ag-1"
	token := NewRecord(t, liaison.KindToken, "tok-admin")
	token.Key = "hash-of-the-real-secret"
	mustAppend(t, s, fit(person), fit(token))
	for _, q := range []struct {
		query string
		args  []any
	}{
		{`UPDATE records SET agency = $1 WHERE kind = $2 AND id = $3`, []any{"ag-2", liaison.KindPerson, person.ID}},
		{`UPDATE records SET key = $1 WHERE kind = $2 AND id = $3`, []any{"hash-of-the-attackers-secret", liaison.KindToken, token.ID}},
	} {
		if err := tam.Tamper(ctx, q.query, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.List(ctx, liaison.Filter{Kind: liaison.KindPerson, Agency: "ag-2"}); err == nil {
		t.Errorf("List(agency ag-2's people) after moving a person there = %d records, nil error; want the moved row refused", len(got))
	}
	if _, err := s.Get(ctx, liaison.KindPerson, person.ID); err == nil {
		t.Errorf("Get(the moved person) = nil error, want the damaged row refused")
	}
	if got, err := s.ByKey(ctx, liaison.KindToken, "hash-of-the-attackers-secret"); err == nil {
		t.Errorf("ByKey(token, the attacker's hash) = %s/%s, want an error", got.Kind, got.ID)
	}
	if _, err := s.ByKey(ctx, liaison.KindToken, "hash-of-the-real-secret"); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("ByKey(token, the real hash) = %v, want NotFound: the row's key was changed", err)
	}
}
