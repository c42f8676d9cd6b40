package desk

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"liaison"
	"liaison/ledger"
)

// TestFactSetRequests: the requests a simulation makes from a fact set
// decoded once (factSets, timeSetter) are the requests the fact set and
// times were split from, whatever the order they are made in; the
// decoded fact set is encoding/json's decoding of it, and making
// requests from it changes neither it nor the requests made before.
func TestFactSetRequests(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	person := func(first, second time.Time, custody *liaison.Custody) *liaison.Request {
		return &liaison.Request{Jurisdiction: "us/ma/boston", Agency: &liaison.Agency{Type: "police", TimeZone: "America/New_York"},
			Request: &liaison.FederalRequest{Kind: "detainer", Form: "I-247A", Issuer: "ICE", InfoRequested: []liaison.InfoItem{"release_date"}},
			Subject: &liaison.Subject{Role: "inmate", Custody: custody,
				Convictions: []liaison.Offense{
					{Offense: "assault", Jurisdiction: "us/ma", Level: "felony", Date: first, Categories: []liaison.Category{"violent_felony"}},
					{Offense: "theft", Jurisdiction: "us/ma", Level: "misdemeanor", Date: second}},
				PendingCharges: []liaison.Offense{{Offense: "trespass", Jurisdiction: "us/ma", Level: "misdemeanor"}}},
			Agreements: []liaison.Agreement{}}
	}
	east := time.FixedZone("", -5*3600)
	reqs := []*liaison.Request{
		person(day(2012, 3, 1), day(2018, 7, 9), &liaison.Custody{Status: "in_custody", HoldStartedAt: time.Date(2019, 1, 2, 9, 30, 0, 0, east)}),
		person(day(2004, 1, 1), day(2016, 2, 29), &liaison.Custody{Status: "in_custody", HoldStartedAt: time.Date(2020, 5, 6, 23, 15, 0, 0, east),
			ScheduledRelease: time.Date(2020, 5, 8, 12, 0, 0, 0, time.UTC)}),
		person(day(2010, 10, 10), time.Time{}, &liaison.Custody{Status: "in_custody"}),
		person(time.Time{}, time.Time{}, nil),
	}
	strs := newStrTable(nil)
	type row struct {
		facts uint32
		times []rowTime
		want  []byte
	}
	var rows []row
	for i, r := range reqs {
		asOf := time.Date(2021, 1, 1+i, 12, 0, 0, 0, time.UTC)
		r.AsOf, r.Action = asOf, "honor_detainer"
		want, err := ledger.MarshalCanonical(r)
		if err != nil {
			t.Fatal(err)
		}
		r.AsOf, r.Action = time.Time{}, ""
		body, times, err := splitFacts(r)
		if err != nil {
			t.Fatal(err)
		}
		rw := row{facts: strs.id(string(body)), want: want}
		for _, ft := range times {
			rw.times = append(rw.times, newRowTime(strs.id(ft.path), ft.at))
		}
		rows = append(rows, rw)
	}
	if rows[0].facts != rows[1].facts || len(rows[0].times) != 3 || len(rows[1].times) != 4 {
		t.Fatalf("the first two requests split into fact sets %d and %d with %d and %d times: want one fact set, 3 and 4 times",
			rows[0].facts, rows[1].facts, len(rows[0].times), len(rows[1].times))
	}
	facts := newFactSets(strs.list)
	for n, s := range strs.list {
		if s[0] != '{' {
			continue // a time's path
		}
		got, err := facts.get(uint32(n))
		if err != nil {
			t.Fatal(err)
		}
		var want liaison.Request
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("fact set %d decoded = %+v\nencoding/json: %+v", n, got, want)
		}
	}
	// A fact set holds no times, but an offence's date decodes as
	// Offense.UnmarshalJSON reads it.
	for _, s := range []string{`{"subject":{"convictions":[{"date":"2019-03-04","level":"felony"},{"date":"2019-03-04T10:00:00-05:00"}]}}`, `{"subject":{"convictions":[{"date":"2019-02-30"}]}}`} {
		var got, want liaison.Request
		gotErr, wantErr := decodeRecord([]byte(s), &got), json.Unmarshal([]byte(s), &want)
		if (gotErr != nil) != (wantErr != nil) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeRecord(%s) = %+v, %v\nencoding/json: %+v, %v", s, got.Subject, gotErr, want.Subject, wantErr)
		}
		// Both read through liaison.StoredOffense: what they agree on
		// must be the offence itself, not nothing.
		if gotErr == nil {
			c := got.Subject.Convictions[0]
			if c.Level != "felony" || !c.Date.Equal(time.Date(2019, 3, 4, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("decodeRecord(%s): first conviction %+v, want a felony of 2019-03-04", s, c)
			}
		}
	}
	ts := newTimeSetter(strs.list)
	made := make([]*liaison.Request, len(rows))
	for _, order := range [][]int{{0, 1, 2, 3}, {1, 0, 3, 2}, {2, 1, 1, 0}} {
		for _, i := range order {
			tmpl, err := facts.get(rows[i].facts)
			if err != nil {
				t.Fatal(err)
			}
			made[i], err = ts.request(tmpl, rows[i].times, time.Date(2021, 1, 1+i, 12, 0, 0, 0, time.UTC), "honor_detainer")
			if err != nil {
				t.Fatal(err)
			}
			// Every request made so far is still its own, and every
			// fact set as decoded.
			for j, r := range made {
				if r == nil {
					continue
				}
				if got, err := ledger.MarshalCanonical(r); err != nil || string(got) != string(rows[j].want) {
					t.Errorf("order %v, after request %d: request %d = %s (%v)\nwant %s", order, i, j, got, err, rows[j].want)
				}
			}
			for n, d := range facts.reqs {
				if got, err := ledger.MarshalCanonical(d); err != nil || string(got) != strs.list[n] {
					t.Errorf("order %v, after request %d: fact set %d = %s (%v)\nwant %s", order, i, n, got, err, strs.list[n])
				}
			}
		}
	}
	if _, err := ts.request(&liaison.Request{}, rows[0].times[:1], time.Time{}, ""); err == nil {
		t.Errorf("a time under a nil subject: no error")
	}
}
