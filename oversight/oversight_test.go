package oversight_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
	"liaison/oversight"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

// tamperStore is a store whose kept summaries a test can change behind
// its back.
type tamperStore interface {
	oversight.Store
	tamper(ctx context.Context, query string, args ...any) error
}

type sqliteStore struct {
	*sqlite.Store
	path string
}

func (s sqliteStore) tamper(ctx context.Context, query string, args ...any) error {
	db, err := sql.Open("sqlite", s.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, query, args...)
	return err
}

type postgresStore struct {
	*postgres.Store
	dsn string
}

func (s postgresStore) tamper(ctx context.Context, query string, args ...any) error {
	return storetest.PostgresExec(ctx, s.dsn, strings.ReplaceAll(query, "?", "$1"), args...)
}

// eachStore runs fn on a new SQLite store and, when the test database is
// configured, a new PostgreSQL schema.
func eachStore(t *testing.T, fn func(t *testing.T, s tamperStore)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "liaison.db")
		s, err := sqlite.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, sqliteStore{s, path})
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := storetest.PostgresSchema(t)
		s, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, postgresStore{s, dsn})
	})
}

// record encodes v as a stored record of kind, its index columns taken
// from its body as the desk would set them.
func record(t testing.TB, kind, id string, at time.Time, v any) *liaison.StoredRecord {
	t.Helper()
	body, err := ledger.MarshalCanonical(v)
	if err != nil {
		t.Fatal(err)
	}
	c, err := liaison.ColumnsOf(kind, body)
	if err != nil {
		t.Fatal(err)
	}
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r := &liaison.StoredRecord{Kind: kind, ID: id, Agency: c.Agency, Person: c.Person, Parent: c.Parent, Key: c.Key, Body: body, Salt: salt, At: at}
	if kind == liaison.KindDecision || kind == liaison.KindDuty || kind == liaison.KindAction {
		r.Person = "per_1"
	}
	return r
}

var jan = time.Date(2024, 1, 10, 9, 0, 0, 0, time.UTC)

// fixture is a small history with known figures: agency A in California,
// agency B in Texas.
func fixture(t testing.TB) []*liaison.StoredRecord {
	t.Helper()
	feb := jan.AddDate(0, 1, 0)
	var recs []*liaison.StoredRecord
	add := func(kind, id string, at time.Time, v any) { recs = append(recs, record(t, kind, id, at, v)) }
	add(liaison.KindAgency, "agy_a", jan, liaison.AgencyRecord{ID: "agy_a", Name: "A County Jail", Jurisdiction: "us/ca/a-county", Type: "county_jail"})
	add(liaison.KindAgency, "agy_b", jan, liaison.AgencyRecord{ID: "agy_b", Name: "B Sheriff", Jurisdiction: "us/tx/b-county", Type: "sheriff"})
	req := func(id, agency string, kind liaison.RequestKind, form liaison.Form, at time.Time, subject *liaison.Subject) {
		add(liaison.KindRequest, id, at, liaison.RequestRecord{ID: id, Agency: agency, Person: "per_1", IdempotencyKey: id,
			Request: liaison.FederalRequest{Kind: kind, Form: form, ReceivedAt: at}, Subject: subject, RecordedAt: at.Add(time.Minute)})
	}
	violent := &liaison.Subject{Convictions: []liaison.Offense{{Offense: "PC 245", Categories: []liaison.Category{"assault", "violent_felony"}}}}
	req("req_1", "agy_a", "detainer", "I-247A", jan, violent)
	req("req_2", "agy_a", "detainer", "I-247A", jan, nil)
	req("req_3", "agy_a", "detainer", "I-247D", jan, nil)
	req("req_4", "agy_a", "notification_request", "I-247N", feb, nil)
	req("req_5", "agy_b", "information_request", "", jan, nil)
	req("req_6", "agy_b", "information_request", "", jan, nil)
	dec := func(id, agency, request string, action liaison.Action, outcome liaison.Outcome, at time.Time) {
		add(liaison.KindDecision, id, at, liaison.DecisionRecord{ID: id, Agency: agency, Request: request, Action: action, Stage: liaison.StageIntake,
			AsOf: at, Decision: liaison.Decision{Outcome: outcome}})
	}
	dec("dec_1", "agy_a", "req_1", "honor_detainer", "permitted", jan)
	dec("dec_2", "agy_a", "req_2", "honor_detainer", "forbidden", jan)
	dec("dec_3", "agy_a", "req_3", "honor_detainer", "forbidden", jan)
	dec("dec_4", "agy_a", "req_4", "notify_release", "permitted", feb)
	dec("dec_5", "agy_b", "req_5", "share_info", "permitted", jan)
	act := func(id, agency, request, decision string, action liaison.Action, status liaison.ActionStatus, override string, at time.Time) {
		add(liaison.KindAction, id, at, liaison.ActionRecord{ID: id, Agency: agency, Request: request, Decision: decision, Action: action,
			Status: status, Override: override, At: at})
	}
	act("act_1", "agy_a", "req_1", "dec_1", "honor_detainer", liaison.ActionDoneOffline, "", jan.Add(24*time.Hour))
	act("act_2", "agy_a", "req_2", "dec_2", "honor_detainer", liaison.ActionRefused, "", jan.Add(24*time.Hour))
	act("act_3", "agy_a", "req_3", "dec_3", "honor_detainer", liaison.ActionCarriedOut, "ovr_1", jan.Add(24*time.Hour))
	act("act_4", "agy_a", "req_4", "dec_4", "notify_release", liaison.ActionPending, "", feb)
	act("act_5", "agy_b", "req_5", "dec_5", "share_info", liaison.ActionPending, "", jan)
	add(liaison.KindActionOutcome, "out_4", feb, liaison.ActionOutcomeRecord{ID: "out_4", Agency: "agy_a", Request: "req_4", Action: "act_4", Status: liaison.ActionDelivered, At: feb})
	add(liaison.KindActionOutcome, "out_5", feb, liaison.ActionOutcomeRecord{ID: "out_5", Agency: "agy_b", Request: "req_5", Action: "act_5", Status: liaison.ActionFailed, At: feb})
	// Custody: one person held 30 hours past release, one released on time.
	sched := jan.Add(48 * time.Hour)
	add(liaison.KindCustodyEvent, "cus_1", jan, liaison.CustodyEventRecord{ID: "cus_1", Agency: "agy_a", Person: "per_1", Kind: "booked", At: jan})
	add(liaison.KindCustodyEvent, "cus_2", jan, liaison.CustodyEventRecord{ID: "cus_2", Agency: "agy_a", Person: "per_1", Kind: "release_scheduled", At: jan, ScheduledRelease: sched})
	add(liaison.KindCustodyEvent, "cus_3", jan, liaison.CustodyEventRecord{ID: "cus_3", Agency: "agy_a", Person: "per_2", Kind: "release_scheduled", At: jan, ScheduledRelease: sched})
	add(liaison.KindCustodyEvent, "cus_4", sched, liaison.CustodyEventRecord{ID: "cus_4", Agency: "agy_a", Person: "per_2", Kind: "released", At: sched})
	add(liaison.KindCustodyEvent, "cus_5", sched, liaison.CustodyEventRecord{ID: "cus_5", Agency: "agy_a", Person: "per_1", Kind: "transferred", At: sched.Add(30 * time.Hour)})
	// Duties: one done on time, one late, one whose clock starts with a
	// change, done on time; one record-keeping duty, never counted.
	due := jan.Add(24 * time.Hour)
	duty := func(id, request string, d *time.Time, trigger liaison.DutyTrigger) {
		add(liaison.KindDuty, id, jan, liaison.DutyRecord{ID: id, Agency: "agy_a", Request: request, Decision: "dec_1", Text: "Give the person a copy.",
			Citation: "Cal. Gov. Code 7283.1(a)", Due: d, Status: liaison.DutyOpen, At: jan, Trigger: trigger})
	}
	change := func(id, d string, status liaison.DutyStatus, at time.Time, newDue *time.Time) {
		add(liaison.KindDutyChange, id, at, liaison.DutyChangeRecord{ID: id, Agency: "agy_a", Duty: d, Status: status, At: at, Due: newDue})
	}
	duty("dut_1", "req_1", &due, "")
	duty("dut_2", "req_2", &due, "")
	duty("dut_3", "req_3", nil, liaison.OnAction)
	duty("dut_4", "req_3", nil, liaison.NoTrigger)
	change("chg_1", "dut_1", liaison.DutyDone, due.Add(-time.Hour), nil)
	change("chg_2", "dut_2", liaison.DutyDone, due.Add(time.Hour), nil)
	later := feb
	change("chg_3", "dut_3", liaison.DutyOpen, jan, &later)
	change("chg_4", "dut_3", liaison.DutyDone, feb.Add(-time.Minute), nil)
	change("chg_5", "dut_4", liaison.DutyDone, feb, nil)
	return recs
}

func appendAll(t testing.TB, s liaison.Store, recs []*liaison.StoredRecord) {
	t.Helper()
	if err := s.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

// cells renders a table's true counts as "row/col=n" for the nonzero ones.
func cells(t oversight.Table) []string {
	var out []string
	for i, r := range t.Rows {
		for j, c := range t.Cols {
			if n := t.Cells[i][j]; n != 0 {
				out = append(out, fmt.Sprintf("%s/%s=%d", r, c, n))
			}
		}
	}
	return out
}

func TestFiguresFromRecords(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		appendAll(t, s, fixture(t))
		z := oversight.NewSummarizer(s)
		f, err := z.Figures(t.Context(), oversight.Scope{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{
			oversight.TableRequestsByMonth: {"2024-01/detainer=3", "2024-01/information_request=2", "2024-02/notification_request=1"},
			oversight.TableRequestsByForm:  {"detainer/I-247A=2", "detainer/I-247D=1", "information_request/none=2", "notification_request/I-247N=1"},
			oversight.TableDecisions:       {"honor_detainer/permitted=1", "honor_detainer/forbidden=2", "notify_release/permitted=1", "share_info/permitted=1"},
			oversight.TableActions: {"honor_detainer/carried_out=1", "honor_detainer/carried_out_on_override=1", "honor_detainer/refused=1",
				"notify_release/carried_out=1", "share_info/failed=1"},
			oversight.TableHolds:     {"24 to 48 hours/holds=1"},
			oversight.TableTransfers: {"assault/2024=1", "none recorded/2024=1"},
			oversight.TableDuties:    {"Cal. Gov. Code 7283.1(a)/on_time=2", "Cal. Gov. Code 7283.1(a)/late=1"},
		}
		for _, id := range oversight.TableIDs {
			tb := f.Table(id)
			if got := cells(tb.Table); !slices.Equal(got, want[id]) {
				t.Errorf("Figures(all).Table(%s) = %v, want %v", id, got, want[id])
			}
		}
		size, err := s.TreeSize(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if f.Checkpoint.Size != size || f.Checkpoint.Root == "" {
			t.Errorf("Figures cites %+v, want the tree of %d leaves", f.Checkpoint, size)
		}
		// One agency, one month.
		f, err = z.Figures(t.Context(), oversight.Scope{Agency: "agy_a", From: "2024-02", To: "2024-02"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := cells(f.Table(oversight.TableRequestsByMonth).Table), []string{"2024-02/notification_request=1"}; !slices.Equal(got, want) {
			t.Errorf("Figures(agy_a, 2024-02) requests = %v, want %v", got, want)
		}
		if f.Agency == nil || f.Agency.Name != "A County Jail" {
			t.Errorf("Figures(agy_a).Agency = %+v", f.Agency)
		}
		if _, err := z.Figures(t.Context(), oversight.Scope{Agency: "agy_nope"}, 1); liaison.KindOf(err) != liaison.NotFound {
			t.Errorf("Figures(agy_nope) = %v, want NotFound", err)
		}
	})
}

// TestIncremental: figures carried on from a kept summary, record by
// record, are those folded at once from the first record.
func TestIncremental(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		recs := fixture(t)
		z := oversight.NewSummarizer(s)
		z.SaveEvery = 1
		for _, r := range recs {
			appendAll(t, s, []*liaison.StoredRecord{r})
			if _, err := z.Figures(t.Context(), oversight.Scope{}, 1); err != nil {
				t.Fatal(err)
			}
		}
		// A new process starts from the kept summary.
		fresh := oversight.NewSummarizer(s)
		fresh.SaveEvery = 1 << 40
		got, err := fresh.Figures(t.Context(), oversight.Scope{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		size, err := oversight.Verify(t.Context(), s, nil)
		if err != nil || size != int64(len(recs)) {
			t.Fatalf("Verify() = %d, %v, want %d, nil", size, err, len(recs))
		}
		dup := storeCopy(t, recs)
		want, err := oversight.NewSummarizer(dup).Figures(t.Context(), oversight.Scope{}, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range oversight.TableIDs {
			if g, w := cells(got.Table(id).Table), cells(want.Table(id).Table); !slices.Equal(g, w) {
				t.Errorf("incremental %s = %v, at once %v", id, g, w)
			}
		}
	})
}

func storeCopy(t *testing.T, recs []*liaison.StoredRecord) oversight.Store {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "copy.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	appendAll(t, s, recs)
	return s
}

// TestTamperedSummary: a kept summary edited behind the store's back is
// found by Verify.
func TestTamperedSummary(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		appendAll(t, s, fixture(t))
		z := oversight.NewSummarizer(s)
		z.SaveEvery = 1
		if _, err := z.Figures(t.Context(), oversight.Scope{}, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := oversight.Verify(t.Context(), s, nil); err != nil {
			t.Fatalf("Verify(untouched) = %v", err)
		}
		// Two refusals become one: the kind of edit that flatters.
		size, body, err := s.LatestSummary(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		edited := editCount(t, body, "honor_detainer", "refused", 0)
		if err := s.tamper(t.Context(), `UPDATE summaries SET body = ?`, edited); err != nil {
			t.Fatal(err)
		}
		if _, got, _ := s.LatestSummary(t.Context()); string(got) != string(edited) {
			t.Fatalf("the summary of size %d was not edited", size)
		}
		_, err = oversight.Verify(t.Context(), s, nil)
		if liaison.KindOf(err) != liaison.Conflicting || !strings.Contains(err.Error(), `"honor_detainer"/"refused": kept 0, records give 1`) {
			t.Fatalf("Verify(tampered) = %v, want a Conflicting error naming the count", err)
		}
	})
}

// TestK: the threshold decides what is hidden.
func TestK(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		appendAll(t, s, fixture(t))
		z := oversight.NewSummarizer(s)
		for _, tc := range []struct {
			k    int
			want string
		}{{1, "3"}, {3, "3"}, {4, "<4"}, {10, "<10"}} {
			f, err := z.Figures(t.Context(), oversight.Scope{}, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			tb := f.Table(oversight.TableRequestsByMonth)
			if got := tb.Cell(0, slices.Index(tb.Cols, "detainer")); got != tc.want || f.K != tc.k {
				t.Errorf("k=%d: detainers in 2024-01 = %q (k %d), want %q", tc.k, got, f.K, tc.want)
			}
		}
	})
}

// editCount sets the count of row and col in a kept summary's JSON to n,
// as someone with the database open would.
func editCount(t *testing.T, body []byte, row, col string, n int64) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	names := v["strings"].([]any)
	counts := v["counts"].([]any)
	for i := 0; i < len(counts); i += 6 {
		if names[int(counts[i+3].(float64))] == row && names[int(counts[i+4].(float64))] == col {
			counts[i+5] = n
			out, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
	}
	t.Fatalf("no count %s/%s in the summary", row, col)
	return nil
}

// TestSavePoints: a long fold keeps the summary at every SaveEvery leaves
// on the way, so that it is not lost when it stops half-way.
func TestSavePoints(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		recs := fixture(t)
		appendAll(t, s, recs)
		z := oversight.NewSummarizer(s)
		z.SaveEvery = 7
		var seen []int64
		z.Progress = func(done, total int64) {
			if total != int64(len(recs)) {
				t.Errorf("progress total %d, want %d", total, len(recs))
			}
			seen = append(seen, done)
		}
		if _, err := z.Figures(t.Context(), oversight.Scope{}, 10); err != nil {
			t.Fatal(err)
		}
		size, _, err := s.LatestSummary(t.Context())
		if want := int64(len(recs)) / 7 * 7; err != nil || size != want {
			t.Errorf("LatestSummary() = %d, %v; want %d", size, err, want)
		}
		if len(seen) == 0 || seen[len(seen)-1] != int64(len(recs)) {
			t.Errorf("progress %v, want it to end at %d", seen, len(recs))
		}
	})
}

// TestUnreadableSummary: a kept summary that does not decode (another
// format, or damage) is folded again, not an error; Verify reports it.
func TestUnreadableSummary(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		appendAll(t, s, fixture(t))
		if err := s.SaveSummary(t.Context(), 5, []byte(`{"size":5,"counts":[["old","format"]]}`)); err != nil {
			t.Fatal(err)
		}
		f, err := oversight.NewSummarizer(s).Figures(t.Context(), oversight.Scope{}, 1)
		if err != nil {
			t.Fatalf("Figures over an unreadable summary = %v", err)
		}
		if got := cells(f.Table(oversight.TableDecisions).Table); len(got) != 4 {
			t.Errorf("Figures over an unreadable summary: decisions %v, want the fixture's four", got)
		}
		if _, err := oversight.Verify(t.Context(), s, nil); liaison.KindOf(err) != liaison.Conflicting {
			t.Errorf("Verify(unreadable) = %v, want Conflicting", err)
		}
	})
}

// TestOneSummaryKept: saving a summary drops the older ones.
func TestOneSummaryKept(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		for _, size := range []int64{3, 9, 5} {
			if err := s.SaveSummary(t.Context(), size, []byte(fmt.Sprintf(`{"size":%d}`, size))); err != nil {
				t.Fatal(err)
			}
		}
		// A late save of 5 (a slower node) changes nothing: 9 stays.
		size, body, err := s.LatestSummary(t.Context())
		if err != nil || size != 9 || string(body) != `{"size":9}` {
			t.Errorf("LatestSummary() = %d, %s, %v; want 9", size, body, err)
		}
		if err := s.tamper(t.Context(), `DELETE FROM summaries WHERE size = ?`, int64(9)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.LatestSummary(t.Context()); liaison.KindOf(err) != liaison.NotFound {
			t.Errorf("after the latest is deleted, LatestSummary() = %v, want NotFound: the older ones were dropped", err)
		}
	})
}

// TestOlderFormatSummary: a summary an earlier build kept (format 1) is
// not a problem for Verify (the server does not read it), and the
// Summarizer folds the records again and keeps the new one in its place,
// at the same size, so that it does not fold them again on every start.
func TestOlderFormatSummary(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		appendAll(t, s, fixture(t))
		size, err := s.TreeSize(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SaveSummary(t.Context(), size, []byte(`{"format":1,"size":0}`)); err != nil {
			t.Fatal(err)
		}
		if checked, err := oversight.Verify(t.Context(), s, nil); err != nil || checked != 0 {
			t.Errorf("Verify(format 1) = %d, %v; want nothing checked, no error", checked, err)
		}
		z := oversight.NewSummarizer(s)
		z.SaveEvery = 1
		if _, err := z.Figures(t.Context(), oversight.Scope{}, 1); err != nil {
			t.Fatal(err)
		}
		got, body, err := s.LatestSummary(t.Context())
		if err != nil || got != size || !strings.Contains(string(body), `"format":2`) {
			t.Errorf("LatestSummary() after Figures = %d, %.60s, %v; want size %d in format 2", got, body, err, size)
		}
		if checked, err := oversight.Verify(t.Context(), s, nil); err != nil || checked != size {
			t.Errorf("Verify(refolded) = %d, %v; want %d checked", checked, err, size)
		}
	})
}
