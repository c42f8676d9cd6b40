package desk_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
)

// benchCases is how many cases BenchmarkCases stores in one agency.
const benchCases = 100_000

// BenchmarkCases times the lookups of a clerk's desk in an agency with
// benchCases cases (a person with a booking number, a request about them
// and its decision each; written straight to the store, which is quicker
// than deciding each): a person by booking number, that person's
// requests, a case read whole, the first page of the agency's requests,
// and the worst page, one whose filter matches nothing.
func BenchmarkCases(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	d := e.desk(b)
	a, err := d.CreateAgency(ctx, admin, deskAgency)
	if err != nil {
		b.Fatal(err)
	}
	// One real case, copied benchCases times under new ids.
	p, err := d.CreatePerson(ctx, clerk, desk.PersonInput{Agency: a.ID, Name: "Bench Person", BookingNumbers: []string{"BK-seed"}})
	if err != nil {
		b.Fatal(err)
	}
	in := detainer(a.ID, "seed", "honor_detainer")
	in.Person = p.ID
	seed, err := d.Intake(ctx, clerk, in)
	if err != nil {
		b.Fatal(err)
	}
	now := e.clock.Now()
	rec := func(kind, id, person, parent, key string, body any) *liaison.StoredRecord {
		canon, err := ledger.MarshalCanonical(body)
		if err != nil {
			b.Fatal(err)
		}
		salt, err := ledger.NewSalt(rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		return &liaison.StoredRecord{Kind: kind, ID: id, Agency: a.ID, Person: person, Parent: parent, Key: key, Body: canon, Salt: salt, At: now}
	}
	var batch []*liaison.StoredRecord
	for i := range benchCases {
		pid, bid, rid, did := fmt.Sprintf("per_b%d", i), fmt.Sprintf("bkg_b%d", i), fmt.Sprintf("req_b%d", i), fmt.Sprintf("dec_b%d", i)
		n := fmt.Sprintf("BK-%d", i)
		rr, dr := seed.Request, seed.Decisions[0]
		rr.ID, rr.Person, rr.IdempotencyKey = rid, pid, "k"+n
		dr.ID, dr.Request = did, rid
		batch = append(batch,
			rec(liaison.KindPerson, pid, pid, "", "", liaison.PersonRecord{ID: pid, Agency: a.ID, BookingNumbers: []string{n}, CreatedAt: now}),
			rec(liaison.KindBooking, bid, pid, pid, a.ID+"/"+n, liaison.BookingRecord{ID: bid, Agency: a.ID, Number: n, Person: pid, At: now}),
			rec(liaison.KindRequest, rid, pid, "", a.ID+"/"+rr.IdempotencyKey, rr),
			rec(liaison.KindDecision, did, pid, rid, "", dr))
		if len(batch) >= 2000 || i == benchCases-1 {
			if err := e.store.Append(ctx, batch...); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	last := fmt.Sprintf("BK-%d", benchCases/2)
	b.Run("person by booking", func(b *testing.B) {
		for b.Loop() {
			if ps, _, err := d.People(ctx, auditor, a.ID, last, desk.Page{}); err != nil || len(ps) != 1 {
				b.Fatal(ps, err)
			}
		}
	})
	b.Run("requests by booking", func(b *testing.B) {
		for b.Loop() {
			if rs, _, err := d.Requests(ctx, clerk, desk.RequestFilter{Agency: a.ID, Booking: last}, desk.Page{}); err != nil || len(rs) != 1 {
				b.Fatal(rs, err)
			}
		}
	})
	b.Run("case", func(b *testing.B) {
		for b.Loop() {
			if _, err := d.Case(ctx, auditor, fmt.Sprintf("req_b%d", benchCases/2), desk.CaseOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first page of 100", func(b *testing.B) {
		for b.Loop() {
			if rs, _, err := d.Requests(ctx, clerk, desk.RequestFilter{Agency: a.ID}, desk.Page{}); err != nil || len(rs) != 100 {
				b.Fatal(len(rs), err)
			}
		}
	})
	b.Run("page matching nothing", func(b *testing.B) {
		for b.Loop() {
			if rs, next, err := d.Requests(ctx, clerk, desk.RequestFilter{Agency: a.ID, Status: desk.CaseClosed}, desk.Page{}); err != nil || len(rs) != 0 || next == "" {
				b.Fatal(len(rs), next, err)
			}
		}
	})
}
