package oversight_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"liaison"
	"liaison/oversight"
)

// detainedFixture is a history whose first-day counts are known; see
// TestDetainedFirstDay.
func detainedFixture(t *testing.T) []*liaison.StoredRecord {
	t.Helper()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	day := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 12, 0, 0, 0, time.UTC) }
	var recs []*liaison.StoredRecord
	add := func(kind, id string, at time.Time, v any) {
		r := record(t, kind, id, at, v)
		r.Index = int64(len(recs))
		recs = append(recs, r)
	}
	add(liaison.KindAgency, "agy_t", day(1, 1), liaison.AgencyRecord{ID: "agy_t", Name: "T County Jail", Jurisdiction: "us/tx/t-county", Type: "county_jail", TimeZone: "America/Chicago"})
	add(liaison.KindAgency, "agy_u", day(1, 1), liaison.AgencyRecord{ID: "agy_u", Name: "U County Jail", Jurisdiction: "us/tx/u-county", Type: "county_jail", TimeZone: "UTC"})
	n := 0
	ev := func(agency, person, kind string, at time.Time) {
		n++
		id := fmt.Sprintf("cus_%d", n)
		add(liaison.KindCustodyEvent, id, at, liaison.CustodyEventRecord{ID: id, Agency: agency, Person: person, Kind: liaison.CustodyEventKind(kind), At: at})
	}
	req := func(agency, person string, issuer liaison.Issuer, at time.Time) {
		n++
		id := fmt.Sprintf("req_%d", n)
		add(liaison.KindRequest, id, at, liaison.RequestRecord{ID: id, Agency: agency, Person: person, IdempotencyKey: id,
			Request: liaison.FederalRequest{Kind: "detainer", Issuer: issuer, ReceivedAt: at}, RecordedAt: at})
	}
	// per_1: held across February 1 and March 1.
	ev("agy_t", "per_1", "booked", day(1, 20))
	req("agy_t", "per_1", "ICE", day(1, 21))
	// per_2: released before February 1.
	ev("agy_t", "per_2", "booked", day(1, 5))
	req("agy_t", "per_2", "ICE", day(1, 6))
	ev("agy_t", "per_2", "released", day(1, 31))
	// per_3: detainer received after February 1: counted on March 1 only.
	ev("agy_t", "per_3", "booked", day(1, 5))
	req("agy_t", "per_3", "ICE", day(2, 2))
	// per_4: two detainers, counted once.
	ev("agy_t", "per_4", "booked", day(1, 5))
	req("agy_t", "per_4", "ICE", day(1, 6))
	req("agy_t", "per_4", "ICE", day(1, 7))
	ev("agy_t", "per_4", "released", day(2, 10))
	// per_5 and per_6: released at 23:30 on January 31 in Chicago, which
	// is February 1 05:30 UTC: not held on February 1 in Chicago, held in
	// an agency that keeps UTC.
	late := time.Date(2024, 1, 31, 23, 30, 0, 0, chicago)
	ev("agy_t", "per_5", "booked", day(1, 5))
	req("agy_t", "per_5", "ICE", day(1, 6))
	ev("agy_t", "per_5", "released", late)
	ev("agy_u", "per_6", "booked", day(1, 5))
	req("agy_u", "per_6", "ICE", day(1, 6))
	ev("agy_u", "per_6", "transferred", late)
	// per_7: a detainer from CBP only; per_8: no booking recorded.
	ev("agy_t", "per_7", "booked", day(1, 5))
	req("agy_t", "per_7", "CBP", day(1, 6))
	req("agy_t", "per_8", "ICE", day(1, 6))
	// per_9: still held when the records end.
	ev("agy_t", "per_9", "booked", day(1, 5))
	req("agy_t", "per_9", "ICE", day(1, 6))
	// per_10: released, then booked again with no new detainer: the old
	// one is forgotten.
	ev("agy_t", "per_10", "booked", day(1, 5))
	req("agy_t", "per_10", "ICE", day(1, 6))
	ev("agy_t", "per_10", "released", day(1, 8))
	ev("agy_t", "per_10", "booked", day(1, 9))
	ev("agy_t", "per_10", "released", day(3, 5))
	ev("agy_t", "per_1", "released", day(3, 15))
	ev("agy_t", "per_3", "released", day(3, 10))
	return recs
}

func detainedCells(s *oversight.Summary) []string {
	var out []string
	for k, n := range s.Detained() {
		out = append(out, fmt.Sprintf("%s %s=%d", k.Agency, k.Month, n))
	}
	slices.Sort(out)
	return out
}

func foldAll(t *testing.T, s *oversight.Summary, recs []*liaison.StoredRecord) {
	t.Helper()
	for _, r := range recs {
		if err := s.Fold(t.Context(), nil, r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDetainedFirstDay(t *testing.T) {
	s := oversight.NewSummary()
	foldAll(t, s, detainedFixture(t))
	// February 1: per_1, per_4, per_9 (not per_5: released before
	// midnight in Chicago). March 1: per_1, per_3, per_9. U: per_6.
	want := []string{"agy_t 2024-02=3", "agy_t 2024-03=3", "agy_u 2024-02=1"}
	if got := detainedCells(s); !slices.Equal(got, want) {
		t.Errorf("first-day counts %v, want %v", got, want)
	}
}

// TestDetainedFoldSplit folds the history at once and in chunks split at
// each leaf, keeping and reading the summary between chunks, and wants
// the same summary each time.
func TestDetainedFoldSplit(t *testing.T) {
	recs := detainedFixture(t)
	whole := oversight.NewSummary()
	foldAll(t, whole, recs)
	want, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	resume := func(s *oversight.Summary) *oversight.Summary {
		body, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		next := oversight.NewSummary()
		if err := json.Unmarshal(body, next); err != nil {
			t.Fatal(err)
		}
		return next
	}
	for i := range recs {
		for j := i; j < len(recs); j += 7 {
			s := oversight.NewSummary()
			foldAll(t, s, recs[:i])
			s = resume(s)
			foldAll(t, s, recs[i:j])
			s = resume(s)
			foldAll(t, s, recs[j:])
			got, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("split at %d and %d: summary\n%s\nwant\n%s", i, j, got, want)
			}
			if !slices.Equal(detainedCells(s), detainedCells(whole)) {
				t.Fatalf("split at %d and %d: counts %v, want %v", i, j, detainedCells(s), detainedCells(whole))
			}
		}
	}
}

// TestDetainedTexasReport: the count is the first column of the Texas
// report, and disclosure control hides it when small.
func TestDetainedTexasReport(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		appendAll(t, s, detainedFixture(t))
		z := oversight.NewSummarizer(s)
		for _, k := range []int{1, 10} {
			r, err := z.Report(t.Context(), oversight.Scope{Agency: "agy_t"}, k)
			if err != nil {
				t.Fatal(err)
			}
			var tab *oversight.Published
			for _, sec := range r.Sections {
				if sec.Citation == "Tex. Gov. Code 511.0101(a)(1)(M)" {
					tab = sec.Table
				}
			}
			if tab == nil {
				t.Fatalf("k=%d: no Texas section in %+v", k, r.Sections)
			}
			if tab.Cols[0] != "held on an ICE detainer on the first day" {
				t.Fatalf("k=%d: first column %q", k, tab.Cols[0])
			}
			got := map[string]string{}
			for i, row := range tab.Rows {
				got[row] = tab.Cell(i, 0)
			}
			want := map[string]string{"2024-01": "0", "2024-02": "3", "2024-03": "3"}
			if k == 10 {
				want = map[string]string{"2024-01": "0", "2024-02": "<10", "2024-03": "<10"}
			}
			for row, w := range want {
				if got[row] != w && !(w == "0" && got[row] == "") {
					t.Errorf("k=%d: %s = %q, want %q (table %v)", k, row, got[row], w, got)
				}
			}
		}
	})
}

// TestDetainedVerify: summaries kept at several sizes by a Summarizer
// that folds in small steps are what Verify's full refold gives.
func TestDetainedVerify(t *testing.T) {
	eachStore(t, func(t *testing.T, s tamperStore) {
		recs := detainedFixture(t)
		z := oversight.NewSummarizer(s)
		z.SaveEvery = 1
		for i := 0; i < len(recs); i += 9 {
			appendAll(t, s, recs[i:min(i+9, len(recs))])
			if _, err := z.Figures(t.Context(), oversight.Scope{}, 1); err != nil {
				t.Fatal(err)
			}
		}
		size, err := oversight.Verify(t.Context(), s, nil)
		if err != nil {
			t.Fatal(err)
		}
		if size != int64(len(recs)) {
			t.Errorf("verified size %d, want %d", size, len(recs))
		}
	})
}
