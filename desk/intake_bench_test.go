package desk_test

import (
	"context"
	"strconv"
	"testing"

	"liaison"
	"liaison/desk"
)

// discardAppends is a store whose appends are lost: what is left of an
// intake is its own work (checks, decisions, encoding the records).
type discardAppends struct{ liaison.Store }

func (discardAppends) Append(context.Context, ...*liaison.StoredRecord) error { return nil }

// BenchmarkIntakeWork times an intake of bench/deskload's mix without the
// store's write (which the disk dominates; see bench/deskload for that),
// and reports the body bytes it would store.
func BenchmarkIntakeWork(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	a, err := e.desk(b).CreateAgency(ctx, admin, deskAgency)
	if err != nil {
		b.Fatal(err)
	}
	d := e.deskOn(b, discardAppends{e.store})
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		res, err := d.Intake(ctx, clerk, deskloadIntake(a.ID, strconv.Itoa(i), i%2 == 0))
		if err != nil {
			b.Fatal(err)
		}
		n += len(res.JSON())
	}
	b.ReportMetric(float64(n)/float64(b.N), "answer-B/op")
}

var deskAgency = desk.AgencyInput{Name: "Bench County Jail", Jurisdiction: "us/ca/bench-county", Type: "jail", NoLocalLaw: true}
