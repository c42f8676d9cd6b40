package history_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/history"
	"liaison/law"
	"liaison/packs"
	"liaison/sqlite"
)

var lawSet = sync.OnceValues(func() (*law.Set, error) { return law.Load(packs.FS()) })

// today is the tests' today: a fixed day, so that plans compare.
var today = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

// generate makes a history of n cases in a new SQLite store.
func generate(t *testing.T, seed uint64, n int) (*sqlite.Store, *history.Result) {
	t.Helper()
	set, err := lawSet()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "demo.db"), sqlite.WithSynchronous("NORMAL"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sealer, err := desk.NewSealer(make([]byte, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	start, cpu := time.Now(), cpuTime()
	res, err := history.Generate(context.Background(), history.Config{Store: store, Law: set, Sealer: sealer,
		Options: history.Options{Seed: seed, Now: today, Cases: n}})
	if err != nil {
		t.Fatalf("Generate(seed %d, %d cases) = %v", seed, n, err)
	}
	t.Logf("Generate(seed %d, %d cases): %v wall, %v CPU; actions %v, duties done %d", seed, n, time.Since(start).Round(time.Millisecond),
		(cpuTime() - cpu).Round(time.Millisecond), res.Actions, res.DutiesDone)
	return store, res
}

// cpuTime is the process's CPU time, user and system: the machine's load
// stretches wall time, not this.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// shared is one history the tests read (400 cases, seed 1).
var shared struct {
	once  sync.Once
	store *sqlite.Store
	res   *history.Result
}

func sharedHistory(t *testing.T) (*sqlite.Store, *history.Result) {
	shared.once.Do(func() {
		// Not t.TempDir: the store outlives the first test that asks.
		set, err := lawSet()
		if err != nil {
			t.Fatal(err)
		}
		dir, err := mkdirTemp()
		if err != nil {
			t.Fatal(err)
		}
		store, err := sqlite.Open(context.Background(), filepath.Join(dir, "demo.db"), sqlite.WithSynchronous("NORMAL"))
		if err != nil {
			t.Fatal(err)
		}
		sealer, _ := desk.NewSealer(make([]byte, 32), rand.Reader)
		res, err := history.Generate(context.Background(), history.Config{Store: store, Law: set, Sealer: sealer,
			Options: history.Options{Seed: 1, Now: today, Cases: 400}})
		if err != nil {
			t.Fatal(err)
		}
		shared.store, shared.res = store, res
	})
	if shared.store == nil {
		t.Fatal("the shared history failed")
	}
	return shared.store, shared.res
}

func decisions(t *testing.T, store liaison.Store) []liaison.DecisionRecord {
	t.Helper()
	var out []liaison.DecisionRecord
	if _, err := liaison.Each(context.Background(), store, liaison.Filter{Kind: liaison.KindDecision}, 0,
		func(d liaison.DecisionRecord, _ int64) { out = append(out, d) }); err != nil {
		t.Fatal(err)
	}
	return out
}

// tally counts decisions by agency, year, action, stage and outcome.
func tally(t *testing.T, store liaison.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, d := range decisions(t, store) {
		out[fmt.Sprintf("%s %d %s %s %s", d.Decision.Levels[len(d.Decision.Levels)-1].Jurisdiction, d.AsOf.Year(), d.Action, d.Stage, d.Decision.Outcome)]++
	}
	return out
}

// TestPlanReproducible: the same seed gives the same plan; another seed
// another one.
func TestPlanReproducible(t *testing.T) {
	shape, err := history.LoadShape()
	if err != nil {
		t.Fatal(err)
	}
	a := history.Plan(shape, history.Options{Seed: 7, Now: today, Cases: 500})
	b := history.Plan(shape, history.Options{Seed: 7, Now: today, Cases: 500})
	if !reflect.DeepEqual(a, b) {
		t.Error("Plan(seed 7) twice: the plans differ")
	}
	c := history.Plan(shape, history.Options{Seed: 8, Now: today, Cases: 500})
	if reflect.DeepEqual(a.Cases, c.Cases) {
		t.Error("Plan(seed 7) = Plan(seed 8)")
	}
	if len(a.Cases) != 500 {
		t.Errorf("Plan(500 cases) has %d", len(a.Cases))
	}
	if want := int(500/shape.DetainerShare + 0.5); a.Bookings != want || a.Bookings < 50000 {
		t.Errorf("Plan(500 cases) stands for %d bookings, want %d (share %g)", a.Bookings, want, shape.DetainerShare)
	}
}

// TestPlanShape: the plan follows the data's shape: the offence mix, the
// forms by date, the spread over the years.
func TestPlanShape(t *testing.T) {
	shape, err := history.LoadShape()
	if err != nil {
		t.Fatal(err)
	}
	p := history.Plan(shape, history.Options{Seed: 3, Now: today, Cases: 3000})
	kinds := map[string]int{}
	years := map[int]int{}
	for _, c := range p.Cases {
		kinds[c.Charge.Description+"/"+string(c.Charge.Level)]++
		years[c.Booked.Year()]++
		r := c.Requests[0]
		var want liaison.Form
		switch at := r.Received; {
		case at.Before(time.Date(2015, 7, 1, 0, 0, 0, 0, time.UTC)):
			want = "I-247"
		case at.Before(time.Date(2017, 4, 2, 0, 0, 0, 0, time.UTC)):
			want = "I-247D"
			if r.Request.Kind == "notification_request" {
				want = "I-247N"
			}
		default:
			want = "I-247A"
		}
		if r.Request.Form != want {
			t.Errorf("case %s received %s: form %s, want %s", c.Booking, r.Received.Format(time.DateOnly), r.Request.Form, want)
		}
	}
	if got, want := float64(kinds["driving while intoxicated/misdemeanor"])/3000, shape.Offences[0].Share; got < want-0.04 || got > want+0.04 {
		t.Errorf("share of misdemeanor DWI = %.3f, want %.3f (shape.json)", got, want)
	}
	// 2012 weighs 3 times 2015 in the national counts.
	if years[2012] < 2*years[2016] {
		t.Errorf("cases in 2012: %d, in 2016: %d; want 2012's about 3 times", years[2012], years[2016])
	}
	for y := 2012; y <= today.Year(); y++ {
		if years[y] == 0 {
			t.Errorf("no case in %d", y)
		}
	}
}

// TestGenerateReproducible: the same seed makes the same history: the
// same decisions by agency, year, action, stage and outcome, and the same
// number of records of each kind (ids and salts are random).
func TestGenerateReproducible(t *testing.T) {
	s1, _ := generate(t, 5, 80)
	s2, _ := generate(t, 5, 80)
	a, b := tally(t, s1), tally(t, s2)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("Generate(seed 5) twice: decisions differ:\n%v\n%v", a, b)
	}
	for _, kind := range []string{liaison.KindPerson, liaison.KindRequest, liaison.KindCustodyEvent, liaison.KindAction, liaison.KindDuty, liaison.KindDutyChange} {
		n1, n2 := count(t, s1, kind), count(t, s2, kind)
		if n1 != n2 || n1 == 0 {
			t.Errorf("records of kind %s: %d and %d, want the same, not 0", kind, n1, n2)
		}
	}
	s3, _ := generate(t, 6, 80)
	if reflect.DeepEqual(a, tally(t, s3)) {
		t.Error("Generate(seed 6) made the same decisions as seed 5")
	}
}

func count(t *testing.T, s liaison.Store, kind string) int {
	t.Helper()
	n := 0
	if _, err := liaison.Each(context.Background(), s, liaison.Filter{Kind: kind}, 0, func(_ map[string]any, _ int64) { n++ }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAmendmentsShow: the same kind of request is decided otherwise
// before and after a change of the law, and the decisive rule says which.
func TestAmendmentsShow(t *testing.T) {
	store, _ := sharedHistory(t)
	ds := decisions(t, store)
	for _, tc := range []struct {
		name         string
		jurisdiction liaison.Jurisdiction
		action       liaison.Action
		change       time.Time
		before       []liaison.Outcome
		after        liaison.Outcome
		cites        string // in a decisive rule's citation after the change
	}{
		{"Texas SB 4", "us/tx/travis-county", "honor_detainer", time.Date(2017, 9, 1, 0, 0, 0, 0, time.UTC),
			[]liaison.Outcome{liaison.Permitted}, liaison.Required, "2.251"},
		{"California Values Act", "us/ca/los-angeles-county", "honor_detainer", time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC),
			[]liaison.Outcome{liaison.Permitted, liaison.Forbidden}, liaison.Forbidden, "7284.6"},
		{"Boston Trust Act 2019", "us/ma/boston", "notify_release", time.Date(2019, 12, 19, 0, 0, 0, 0, time.UTC),
			[]liaison.Outcome{liaison.Permitted}, liaison.Forbidden, "Boston"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, after := map[liaison.Outcome]int{}, map[liaison.Outcome]int{}
			cited := false
			for _, d := range ds {
				if d.Action != tc.action || d.Stage != liaison.StageIntake || d.Decision.Levels[len(d.Decision.Levels)-1].Jurisdiction != tc.jurisdiction {
					continue
				}
				if d.AsOf.Before(tc.change) {
					before[d.Decision.Outcome]++
					continue
				}
				after[d.Decision.Outcome]++
				for _, r := range d.Decision.Decisive {
					cited = cited || d.Decision.Outcome == tc.after && strings.Contains(r.Citation, tc.cites)
				}
			}
			t.Logf("before %s: %v; after: %v", tc.change.Format(time.DateOnly), before, after)
			if before[tc.before[0]] == 0 || after[tc.after] == 0 {
				t.Errorf("%s decisions: %v before %s, %v after; want %s before and %s after", tc.action, before, tc.change.Format(time.DateOnly), after, tc.before[0], tc.after)
			}
			for o := range after {
				if o != tc.after && o != liaison.Undetermined {
					t.Errorf("after %s: %d decisions %s, want all %s", tc.change.Format(time.DateOnly), after[o], o, tc.after)
				}
			}
			for o := range before {
				if !slices.Contains(tc.before, o) {
					t.Errorf("before %s: %d decisions %s, want %v", tc.change.Format(time.DateOnly), before[o], o, tc.before)
				}
			}
			if !cited {
				t.Errorf("no decision after %s cites %q among its decisive rules", tc.change.Format(time.DateOnly), tc.cites)
			}
		})
	}
}

// TestOpenCasesDueSoon: today's cases are open, with duties due within
// the day, and the history's own duties are done.
func TestOpenCasesDueSoon(t *testing.T) {
	store, res := sharedHistory(t)
	set, _ := lawSet()
	sealer, _ := desk.NewSealer(make([]byte, 32), rand.Reader)
	d, err := desk.New(desk.Config{Store: store, Law: set, Sealer: sealer, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	admin := liaison.Actor{ID: "test", Role: liaison.RoleSupervisor}
	open, _, err := d.Requests(context.Background(), admin, desk.RequestFilter{Status: "open"}, desk.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) < 5 {
		t.Errorf("Requests(open) = %d cases, want the plan's open ones at least", len(open))
	}
	duties, _, err := d.Duties(context.Background(), admin, "", liaison.DutyOpen, desk.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	soon := 0
	for _, du := range duties {
		if du.Due != nil && du.Due.After(today) && du.Due.Before(today.Add(48*time.Hour)) {
			soon++
		}
		if du.Due != nil && du.Due.Before(today.Add(-72*time.Hour)) {
			t.Errorf("duty %s (%s) open, due %s: the history leaves no old duty undone", du.ID, du.Text, du.Due)
		}
	}
	if soon == 0 {
		t.Errorf("no open duty due in the next 48 hours of %d open", len(duties))
	}
	if res.Actions[liaison.ActionDoneOffline] == 0 || res.Actions[liaison.ActionRefused] == 0 || res.DutiesDone == 0 {
		t.Errorf("actions %v, duties done %d: want actions carried out and refused, duties done", res.Actions, res.DutiesDone)
	}
}

// BenchmarkGenerate makes a history of 500 cases per op and reports the
// CPU time per case (the machine's load stretches wall time, not this):
// go test ./history -run - -bench Generate -benchtime 1x
// syncMode is the SQLite synchronous setting BenchmarkGenerate uses.
var syncMode = "FULL"

func BenchmarkGenerate(b *testing.B) {
	set, err := lawSet()
	if err != nil {
		b.Fatal(err)
	}
	sealer, _ := desk.NewSealer(make([]byte, 32), rand.Reader)
	var cpu time.Duration
	for i := range b.N {
		store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), fmt.Sprintf("demo%d.db", i)), sqlite.WithSynchronous(syncMode)) // FULL: as the demo's
		if err != nil {
			b.Fatal(err)
		}
		c := cpuTime()
		if _, err := history.Generate(context.Background(), history.Config{Store: store, Law: set, Sealer: sealer,
			Options: history.Options{Seed: uint64(i), Now: today, Cases: 500}}); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c
		store.Close()
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N*550), "cpu-µs/case")
}
