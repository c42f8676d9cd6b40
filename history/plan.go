package history

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"liaison"
)

// A Place is one of the demo's agencies.
type Place struct {
	Name         string
	Jurisdiction liaison.Jurisdiction
	Type         liaison.AgencyType
	NoLocalLaw   bool
	Weight       float64 // its share of the requests
	Prefix       string  // of its booking numbers
}

// Places are the demo's three agencies, under different law: Texas (SB 4
// from 2017-09-01), California (TRUST Act 2014, TRUTH Act 2017, Values
// Act 2018) and Boston (Trust Act 2014, amended 2019; Lunn, 2017).
var Places = []Place{
	{"Los Angeles County Jail (demo)", "us/ca/los-angeles-county", "jail", true, 0.45, "LA"},
	{"Travis County Sheriff (demo)", "us/tx/travis-county", "sheriff", true, 0.40, "TC"},
	{"Boston Police Department (demo)", "us/ma/boston", "police", false, 0.15, "BPD"},
}

// A Case is one person's booking and the federal requests about it, as
// the generator plans them: times, facts and what staff will do. The plan
// is a pure function of the seed, the size and today.
type Case struct {
	Place     int
	Booking   string
	Name      string
	BirthDate string
	Booked    time.Time
	Charge    liaison.Offense
	Prior     []liaison.Offense // convictions
	// Requests are the federal requests, in the order received.
	Requests []Request
	// Release is when the person is due to leave the jail's own custody;
	// ReleaseReason why, when no one takes custody.
	Release       time.Time
	ReleaseReason liaison.ReleaseReason
	// Outcome is how the detainer ends: to_ice, withdrawn, other_custody.
	Outcome string
	// HoldHours is how long after Release ICE takes custody on a hold.
	HoldHours float64
	// Open cases are recent: the person is still in custody and the
	// generator leaves the case as a clerk would find it this morning.
	Open bool
	// Consents: for an interview request, whether the person agrees.
	Consents bool
	// TryRefused: staff try a forbidden action anyway (the refusal is recorded).
	TryRefused bool
	// FoundLater is a conviction a records check finds after the clerk
	// refused what the law forbade: where every action of the detainer
	// was forbidden, the refusals close the case, and the conviction
	// lets the release notification go ahead, which opens it again. Every
	// open case in Los Angeles County (where the Values Act forbids both
	// without such a conviction), and one of the history's in 20; drawn
	// without the plan's random numbers, so that the rest of the plan is
	// as before.
	FoundLater *liaison.Offense
}

// A Request is one federal request of a case.
type Request struct {
	Received time.Time
	Request  liaison.FederalRequest
	Actions  []liaison.Action
}

// Planned is the plan of a whole history.
type Planned struct {
	Cases []Case
	// Plain are bookings with no request, for the people list: a sample
	// of one for every ten cases, of the many more the jails booked.
	Plain []Case
	// Bookings is how many bookings the cases stand for, at the data's
	// share of bookings that carried a detainer.
	Bookings int
}

// Options size a history.
type Options struct {
	Seed uint64
	// Now is today: history runs from 2012-01-01 to it.
	Now time.Time
	// Cases is how many people with a federal request (default 3,000);
	// Open how many of them are recent and open (default 12).
	Cases, Open int
}

func (o *Options) defaults() {
	if o.Cases == 0 {
		o.Cases = 3000
	}
	if o.Open == 0 {
		o.Open = min(12, max(o.Cases/10, 1))
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
}

// Start is the first day of the history.
var Start = time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)

// Plan draws a history: the same options give the same plan.
func Plan(shape *Shape, o Options) *Planned {
	o.defaults()
	r := rand.New(rand.NewPCG(o.Seed, 0x6c69_6169_736f_6e)) // "liaison"
	now := o.Now.UTC().Truncate(time.Minute)
	p := &Planned{Bookings: int(float64(o.Cases)/shape.DetainerShare + 0.5)}
	// Requests by year, weighed as the data say; the open ones are today's.
	years := now.Year() - Start.Year() + 1
	weights := make([]float64, years)
	last := 1.0
	var total float64
	for i := range weights {
		if w, ok := shape.Years[strconv.Itoa(Start.Year()+i)]; ok {
			last = w
		}
		weights[i] = last
		if i == years-1 {
			weights[i] *= float64(now.YearDay()) / 365
		}
		total += weights[i]
	}
	closed := o.Cases - o.Open
	end := now.Add(-72 * time.Hour)
	var times []time.Time
	for y, w := range weights {
		n := int(float64(closed)*w/total + 0.5)
		from := time.Date(Start.Year()+y, 1, 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(1, 0, 0)
		if to.After(end) {
			to = end
		}
		for range n {
			if !to.After(from) {
				break
			}
			times = append(times, from.Add(time.Duration(r.Int64N(int64(to.Sub(from))))).Truncate(time.Minute))
		}
	}
	for len(times) > closed {
		times = times[:closed]
	}
	for len(times) < closed {
		times = append(times, end.Add(-time.Duration(r.Int64N(int64(30*24*time.Hour)))).Truncate(time.Minute))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for i, t := range times {
		p.Cases = append(p.Cases, drawCase(r, shape, i, t, now, false))
	}
	for i := range o.Open {
		// Booked in the last two days; the request came after.
		t := now.Add(-time.Duration(6+r.Int64N(40)) * time.Hour).Truncate(time.Minute)
		p.Cases = append(p.Cases, drawCase(r, shape, closed+i, t, now, true))
	}
	slices.SortStableFunc(p.Cases, func(a, b Case) int { return a.Booked.Compare(b.Booked) })
	// A sample of the bookings without a request: one for every ten cases.
	for i := range o.Cases / 10 {
		t := Start.Add(time.Duration(r.Int64N(int64(end.Sub(Start))))).Truncate(time.Minute)
		c := drawCase(r, shape, o.Cases+i, t, now, false)
		c.Requests, c.Outcome = nil, ""
		p.Plain = append(p.Plain, c)
	}
	return p
}

var givenNames = []string{"José", "María", "Juan", "Ana", "Luis", "Carmen", "Carlos", "Rosa", "Jorge", "Sofía", "Miguel", "Lucía",
	"Wei", "Mei", "Nguyen", "Linh", "Ahmed", "Fatima", "Samuel", "Grace", "Daniel", "Esther", "Kevin", "Olga", "Ramón", "Inés"}
var familyNames = []string{"García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Flores",
	"Cruz", "Reyes", "Morales", "Ortiz", "Chen", "Tran", "Pham", "Kim", "Okafor", "Mensah", "Silva", "Souza", "Núñez", "Ibáñez"}

func drawCase(r *rand.Rand, shape *Shape, i int, booked, now time.Time, open bool) Case {
	c := Case{Place: pick(r, weightsOf(Places)), Booked: booked, Open: open}
	pl := Places[c.Place]
	c.Booking = fmt.Sprintf("%s-%d-%05d", pl.Prefix, booked.Year(), i)
	c.Name = givenNames[r.IntN(len(givenNames))] + " " + familyNames[r.IntN(len(familyNames))]
	c.BirthDate = booked.AddDate(-18-r.IntN(40), 0, -r.IntN(365)).Format(time.DateOnly)
	c.Charge = offence(r, shape, pl.Jurisdiction, booked)
	if r.Float64() < 0.3 { // a prior conviction, years before
		prior := offence(r, shape, pl.Jurisdiction, booked.AddDate(-1-r.IntN(9), 0, -r.IntN(365)))
		c.Prior = []liaison.Offense{prior}
	}
	// Custody: days to the detainer's end, drawn from the data's deciles.
	days := decile(r, shape.CustodyDays)
	c.Release = booked.Add(time.Duration((days*24 + 2 + r.Float64()*10) * float64(time.Hour))).Truncate(time.Minute)
	c.ReleaseReason = liaison.ReleaseReason(shape.ReleaseReasons[pick(r, sharesOf(shape.ReleaseReasons))].Name)
	c.Outcome = shape.Outcomes[pick(r, sharesOf(shape.Outcomes))].Name
	c.HoldHours = float64(2 + r.IntN(40))
	received := booked.Add(time.Duration(1+r.IntN(20)) * time.Hour)
	if open {
		received = booked.Add(time.Duration(1+r.IntN(4)) * time.Hour)
		if received.After(now.Add(-time.Hour)) {
			received = now.Add(-time.Hour)
		}
		c.Release = now.Add(time.Duration(2+r.IntN(60)) * time.Hour).Truncate(time.Minute)
	} else if !c.Release.After(received.Add(time.Hour)) {
		c.Release = received.Add(time.Duration(2+r.IntN(30)) * time.Hour)
	}
	c.Requests = []Request{detainer(r, shape, received)}
	c.TryRefused = r.Float64() < 0.05
	if r.Float64() < 0.12 { // an interview request, a little later
		at := received.Add(time.Duration(1+r.IntN(8)) * time.Hour)
		if at.Before(c.Release) && (!open || at.Before(now)) {
			c.Requests = append(c.Requests, Request{Received: at, Request: liaison.FederalRequest{Kind: "interview_request", Issuer: "ICE", ReceivedAt: at},
				Actions: []liaison.Action{"allow_interview"}})
			c.Consents = r.Float64() < 0.4
		}
	}
	if open && pl.Prefix == "LA" || !open && i%20 == 7 {
		found := offences["robbery"]
		found.Level, found.Jurisdiction = "felony", pl.Jurisdiction[:5]
		found.Date = time.Date(booked.Year()-8, booked.Month(), 1, 0, 0, 0, 0, time.UTC)
		c.FoundLater = &found
	}
	return c
}

// detainer draws the request on the form of its day: the I-247 until the
// Priority Enforcement Program's forms (2015-07), the I-247D or I-247N
// until the I-247A (2017-04-02).
func detainer(r *rand.Rand, shape *Shape, at time.Time) Request {
	fr := liaison.FederalRequest{Kind: "detainer", Issuer: "ICE", ReceivedAt: at}
	actions := []liaison.Action{"honor_detainer", "notify_release"}
	switch {
	case at.Before(time.Date(2015, 7, 1, 0, 0, 0, 0, time.UTC)):
		fr.Form = "I-247"
	case at.Before(time.Date(2017, 4, 2, 0, 0, 0, 0, time.UTC)):
		fr.Form = "I-247D"
		if r.Float64() < shape.NotificationShare {
			fr.Kind, fr.Form, actions = "notification_request", "I-247N", []liaison.Action{"notify_release"}
		}
		fr.ProbableCauseBasis = []liaison.PCBasis{"biometric_match"}
	default:
		fr.Form = "I-247A"
		fr.ProbableCauseBasis = []liaison.PCBasis{"biometric_match"}
		fr.Warrant = &liaison.Warrant{Kind: "administrative", Form: "I-200"}
	}
	fr.InfoRequested = []liaison.InfoItem{"release_date"}
	return Request{Received: at, Request: fr, Actions: actions}
}

// offences maps the data's kinds of charge to offences the packs read.
var offences = map[string]liaison.Offense{
	"homicide":           {Offense: "PC 187", Description: "murder", Categories: []liaison.Category{"homicide", "serious_felony", "violent_felony"}},
	"sex_offense":        {Offense: "PC 288", Description: "sexual assault", Categories: []liaison.Category{"sex_offense", "serious_felony"}},
	"robbery":            {Offense: "PC 211", Description: "robbery", Categories: []liaison.Category{"robbery", "serious_felony", "violent_felony"}},
	"aggravated_assault": {Offense: "PC 245", Description: "assault with a deadly weapon", Categories: []liaison.Category{"assault", "serious_felony"}},
	"drug_sale":          {Offense: "HS 11351", Description: "possession for sale of a controlled substance", Categories: []liaison.Category{"drug_trafficking"}},
	"burglary":           {Offense: "PC 459", Description: "burglary", Categories: []liaison.Category{"burglary"}},
	"family_violence":    {Offense: "PC 273.5", Description: "assault on a family member", Categories: []liaison.Category{"domestic_violence", "battery"}},
	"assault":            {Offense: "PC 242", Description: "assault causing bodily injury", Categories: []liaison.Category{"assault"}},
	"weapons":            {Offense: "PC 25400", Description: "unlawful carrying of a weapon", Categories: []liaison.Category{"weapons"}},
	"dwi":                {Offense: "VC 23152", Description: "driving while intoxicated", Categories: []liaison.Category{"dui"}},
	"theft":              {Offense: "PC 484", Description: "theft", Categories: []liaison.Category{"theft"}},
	"drug_possession":    {Offense: "HS 11350", Description: "possession of a controlled substance"},
	"warrant_or_hold":    {Offense: "PC 1203.2", Description: "probation violation or out-of-county warrant"},
	"traffic":            {Offense: "VC 14601", Description: "driving with a suspended licence"},
	"public_order":       {Offense: "PC 148", Description: "public order offence"},
}

func offence(r *rand.Rand, shape *Shape, j liaison.Jurisdiction, date time.Time) liaison.Offense {
	kind, level, _ := strings.Cut(shape.Offences[pick(r, sharesOf(shape.Offences))].Name, "/")
	o := offences[kind]
	o.Categories = slices.Clone(o.Categories)
	o.Level = liaison.Level(level)
	o.Jurisdiction = j[:5] // the state
	o.Date = time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	return o
}

// decile draws from a distribution given by its deciles, linearly between them.
func decile(r *rand.Rand, d []float64) float64 {
	u := r.Float64() * float64(len(d)-1)
	i := int(u)
	if i >= len(d)-1 {
		return d[len(d)-1]
	}
	return d[i] + (d[i+1]-d[i])*(u-float64(i))
}

func pick(r *rand.Rand, w []float64) int {
	var total float64
	for _, x := range w {
		total += x
	}
	u := r.Float64() * total
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

func weightsOf(ps []Place) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = p.Weight
	}
	return out
}

func sharesOf(s []Share) []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = x.Share
	}
	return out
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
