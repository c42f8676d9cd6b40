package desk_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
)

// listCounter counts the records List returns. Before, when set, runs
// once, before the next List of duty changes: between Tick's read of
// duties and its read of changes.
type listCounter struct {
	liaison.Store
	mu     sync.Mutex
	listed int
	before func()
}

func (s *listCounter) List(ctx context.Context, f liaison.Filter) ([]*liaison.StoredRecord, error) {
	s.mu.Lock()
	before := s.before
	if f.Kind == liaison.KindDutyChange {
		s.before = nil
	}
	s.mu.Unlock()
	if before != nil && f.Kind == liaison.KindDutyChange {
		before()
	}
	recs, err := s.Store.List(ctx, f)
	s.mu.Lock()
	s.listed += len(recs)
	s.mu.Unlock()
	return recs, err
}

// read returns how many records List has returned since the last call.
func (s *listCounter) read() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.listed
	s.listed = 0
	return n
}

// tick runs d.Tick and returns its changes as "duty status" strings,
// sorted, and how many records it read from s.
func tick(t *testing.T, d *desk.Desk, s *listCounter) ([]string, int) {
	t.Helper()
	s.read()
	changes, err := d.Tick(context.Background())
	if err != nil {
		t.Fatalf("Tick: %v", err)
	}
	var out []string
	for _, c := range changes {
		out = append(out, c.Duty+" "+string(c.Status))
	}
	slices.Sort(out)
	return out, s.read()
}

func appendRecords(t testing.TB, s liaison.Store, recs ...*liaison.StoredRecord) {
	t.Helper()
	if err := s.Append(context.Background(), recs...); err != nil {
		t.Fatal(err)
	}
}

func TestTickReadsOnlyNewRecords(t *testing.T) {
	e := newEnv(t)
	s := &listCounter{Store: e.store}
	d := e.deskOn(t, s)
	ctx := context.Background()
	const agy = "agy_test"
	t0 := e.clock.Now()
	at := func(d time.Duration) *time.Time { t := t0.Add(d); return &t }

	// 10 duties without a deadline, half of them done, then 100 due in
	// two hours, half of them done.
	var recs []*liaison.StoredRecord
	for i := range 10 {
		id := fmt.Sprintf("duty_nodue_%d", i)
		recs = append(recs, dutyRecord(t, agy, id, nil, t0))
		if i%2 == 1 {
			recs = append(recs, changeRecord(t, agy, id, liaison.DutyDone, t0))
		}
	}
	for i := range 100 {
		id := fmt.Sprintf("duty_base_%03d", i)
		recs = append(recs, dutyRecord(t, agy, id, at(2*time.Hour), t0))
		if i%2 == 1 {
			recs = append(recs, changeRecord(t, agy, id, liaison.DutyDone, t0))
		}
	}
	appendRecords(t, e.store, recs...)

	if got, read := tick(t, d, s); len(got) != 0 || read != 165 {
		t.Fatalf("first Tick = %v, read %d records; want no changes, 165 read (every duty and change)", got, read)
	}
	if live, early := d.WatchSize(); live != 50 || early != 0 {
		t.Errorf("after the first Tick, the desk watches %d duties and keeps %d early changes, "+
			"want the 50 open with a deadline and none (each change came after its duty was read)", live, early)
	}
	if got, read := tick(t, d, s); len(got) != 0 || read != 0 {
		t.Fatalf("second Tick with nothing new = %v, read %d records; want nothing", got, read)
	}

	// Between ticks: three new duties, two past due; one written with its
	// change (done) at once; one another desk marked overdue half an hour
	// ago; a clerk completes a base duty and a duty without a deadline.
	appendRecords(t, e.store,
		dutyRecord(t, agy, "duty_new_1", at(-time.Minute), t0.Add(-time.Hour)),
		dutyRecord(t, agy, "duty_new_2", at(-time.Minute), t0.Add(-time.Hour)),
		dutyRecord(t, agy, "duty_new_3", at(30*time.Minute), t0))
	appendRecords(t, e.store, dutyRecord(t, agy, "duty_done", at(-time.Minute), t0.Add(-time.Hour)))
	appendRecords(t, e.store, changeRecord(t, agy, "duty_done", liaison.DutyDone, t0))
	appendRecords(t, e.store, dutyRecord(t, agy, "duty_other", at(-2*time.Hour), t0.Add(-3*time.Hour)))
	appendRecords(t, e.store, changeRecord(t, agy, "duty_other", liaison.DutyOverdue, t0.Add(-30*time.Minute)))
	for _, id := range []string{"duty_base_000", "duty_nodue_0"} {
		if _, err := d.CompleteDuty(ctx, clerk, id, desk.DoneInput{}); err != nil {
			t.Fatal(err)
		}
	}
	got, read := tick(t, d, s)
	if want := []string{"duty_new_1 overdue", "duty_new_2 overdue"}; !slices.Equal(got, want) || read != 9 {
		t.Fatalf("Tick after new records = %v, read %d; want %v, 9 read (5 duties, 4 changes)", got, read, want)
	}
	if got, read := tick(t, d, s); len(got) != 0 || read != 2 {
		t.Errorf("Tick after its own changes = %v, read %d; want none, 2 read (its own)", got, read)
	}
	if _, early := d.WatchSize(); early != 0 {
		t.Errorf("the desk keeps %d changes read before their duty, want none: every duty has been read", early)
	}

	e.clock.Add(31 * time.Minute)
	got, _ = tick(t, d, s)
	if want := []string{"duty_new_3 overdue", "duty_other escalated"}; !slices.Equal(got, want) {
		t.Fatalf("Tick at +31m = %v, want %v", got, want)
	}

	// Past the base duties' deadline: the 49 still open go overdue (not
	// the one completed), and the three new ones overdue for an hour and
	// more are escalated.
	e.clock.Add(90 * time.Minute)
	got, _ = tick(t, d, s)
	want := []string{"duty_new_1 escalated", "duty_new_2 escalated", "duty_new_3 escalated"}
	for i := 2; i < 100; i += 2 {
		want = append(want, fmt.Sprintf("duty_base_%03d overdue", i))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Tick at +2h1m = %v, want %v", got, want)
	}
	if got, read := tick(t, d, s); len(got) != 0 || read != 52 {
		t.Errorf("Tick after its own changes = %v, read %d; want none, 52 read (its own)", got, read)
	}
	if live, _ := d.WatchSize(); live != 49 {
		t.Errorf("the desk watches %d duties, want the 49 overdue", live)
	}

	// The API's view, which reads the whole store, agrees (the open ones
	// have no deadline); and a restarted desk, which reads it all once,
	// carries on.
	for status, n := range map[liaison.DutyStatus]int{liaison.DutyOpen: 4, liaison.DutyOverdue: 49, liaison.DutyEscalated: 4, liaison.DutyDone: 58} {
		if duties, _, err := d.Duties(ctx, clerk, agy, status, desk.Page{Limit: desk.MaxLimit}); err != nil || len(duties) != n {
			t.Errorf("Duties(%s) = %d, %v; want %d", status, len(duties), err, n)
		}
	}
	restarted := e.deskOn(t, s)
	if got, read := tick(t, restarted, s); len(got) != 0 || read != 115+115 {
		t.Errorf("restarted Tick = %v, read %d; want no changes, all 115 duties and 115 changes read", got, read)
	}
	e.clock.Add(time.Hour)
	if got, _ := tick(t, restarted, s); len(got) != 49 || got[0] != "duty_base_002 escalated" {
		t.Errorf("restarted Tick an hour later = %v, want the 49 overdue escalated", got)
	}
}

// A duty and its change written between Tick's reads of duties and of
// changes: the change is read first, and must wait for its duty.
func TestTickChangeReadBeforeItsDuty(t *testing.T) {
	e := newEnv(t)
	s := &listCounter{Store: e.store}
	d := e.deskOn(t, s)
	const agy = "agy_test"
	t0 := e.clock.Now()
	past := t0.Add(-3 * time.Hour)
	appendRecords(t, e.store, dutyRecord(t, agy, "duty_before", &past, past))
	s.before = func() {
		appendRecords(t, e.store, dutyRecord(t, agy, "duty_done", &past, past))
		appendRecords(t, e.store, dutyRecord(t, agy, "duty_overdue", &past, past))
		appendRecords(t, e.store, changeRecord(t, agy, "duty_done", liaison.DutyDone, past))
		appendRecords(t, e.store, changeRecord(t, agy, "duty_overdue", liaison.DutyOverdue, t0.Add(-2*time.Hour)))
	}
	if got, _ := tick(t, d, s); !slices.Equal(got, []string{"duty_before overdue"}) {
		t.Fatalf("first Tick = %v, want only duty_before overdue (it has not read the others)", got)
	}
	if _, early := d.WatchSize(); early != 2 {
		t.Errorf("after the first Tick, the desk keeps %d changes read before their duty, want 2", early)
	}
	if got, _ := tick(t, d, s); !slices.Equal(got, []string{"duty_overdue escalated"}) {
		t.Errorf("second Tick = %v, want duty_overdue escalated (overdue two hours) and duty_done left alone", got)
	}
	if _, early := d.WatchSize(); early != 0 {
		t.Errorf("after the second Tick, the desk keeps %d changes read before their duty, want none", early)
	}
}

// dutyRecord returns a stored duty of agency, due at due (never when nil),
// written at at, as the desk would write it.
func dutyRecord(t testing.TB, agency, id string, due *time.Time, at time.Time) *liaison.StoredRecord {
	t.Helper()
	du := liaison.DutyRecord{ID: id, Agency: agency, Request: "req_x", Decision: "dec_x", Text: "t", Citation: "c",
		Due: due, Status: liaison.DutyOpen, At: at}
	return stored(t, liaison.KindDuty, id, agency, "req_x", at, du)
}

// changeRecord returns a stored change of duty to status, written at at.
func changeRecord(t testing.TB, agency, duty string, status liaison.DutyStatus, at time.Time) *liaison.StoredRecord {
	t.Helper()
	id := "dch_" + rand.Text()
	c := liaison.DutyChangeRecord{ID: id, Agency: agency, Duty: duty, Status: status, Actor: clerk, At: at}
	return stored(t, liaison.KindDutyChange, id, agency, duty, at, c)
}

// stored returns body as a stored record of kind.
func stored(t testing.TB, kind, id, agency, parent string, at time.Time, body any) *liaison.StoredRecord {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	r := &liaison.StoredRecord{Kind: kind, ID: id, Agency: agency, Parent: parent, Body: b, At: at.UTC()}
	rand.Read(r.Salt[:])
	return r
}

// BenchmarkTick measures Tick over a store of 20,000 duties, 10,000 of
// them done, when nothing has been written since the last Tick ("idle"),
// and the first Tick of a new desk, which reads them all ("restart").
func BenchmarkTick(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	now := e.clock.Now()
	due := now.Add(7 * 24 * time.Hour)
	var recs []*liaison.StoredRecord
	for i := range 20000 {
		id := fmt.Sprintf("duty_%05d", i)
		recs = append(recs, dutyRecord(b, "agy_bench", id, &due, now))
		if i%2 == 0 {
			recs = append(recs, changeRecord(b, "agy_bench", id, liaison.DutyDone, now))
		}
		if len(recs) >= 1000 {
			if err := e.store.Append(ctx, recs...); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	if err := e.store.Append(ctx, recs...); err != nil {
		b.Fatal(err)
	}
	b.Run("idle", func(b *testing.B) {
		d := e.desk(b)
		if _, err := d.Tick(ctx); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := d.Tick(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("restart", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.desk(b).Tick(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
