package law

import (
	"math"
	"reflect"
	"slices"
	"time"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"

	"liaison"
)

// A clock is what a rule's conditions read of the time between a date
// among the facts and the decision's day, found when the pack is loaded
// (a static look at the checked CEL): the constants that calls of
// years_between, months_between, days_between and business_hours_between
// are compared with, the durations and instants the conditions write.
// From it and the dates of a request, Timeline finds the days on which
// the answer can change with time alone (a conviction ages past "within
// 15 years"), between two versions of the law.
type clock struct {
	// Thresholds by unit: years_between(c.date, as_of) < 15 gives 15 in
	// years.
	years, months, days []int64
	// hours are the thresholds of business_hours_between.
	hours []float64
	// any* is set when a call is not compared with a constant (an
	// expression, another fact): every anniversary in that unit may then
	// change the answer.
	anyYears, anyMonths, anyDays, anyHours bool
	// durations and instants are the duration("48h") and
	// timestamp("2025-04-01T00:00:00Z") the conditions write.
	durations []time.Duration
	instants  []time.Time
}

// read adds what the condition e reads of time to c.
func (c *clock) read(e celast.Expr) {
	compared := map[int64]bool{} // the ids of time calls compared with a constant
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.CallKind {
			return
		}
		call := e.AsCall()
		args := call.Args()
		switch fn := call.FunctionName(); {
		case comparisons[fn] != "" && len(args) == 2: // readable.go's operators
			for i, x := range args {
				if x.Kind() != celast.CallKind {
					continue
				}
				if c.threshold(x.AsCall().FunctionName(), args[1-i]) {
					compared[x.ID()] = true
				}
			}
		case (fn == "duration" || fn == "timestamp") && len(args) == 1 && args[0].Kind() == celast.LiteralKind:
			s, ok := args[0].AsLiteral().(types.String)
			if !ok {
				return
			}
			if fn == "duration" {
				if d, err := time.ParseDuration(string(s)); err == nil {
					c.durations = append(c.durations, d)
				}
			} else if t, err := time.Parse(time.RFC3339, string(s)); err == nil {
				c.instants = append(c.instants, t)
			}
		}
	}))
	celast.PreOrderVisit(e, celast.NewExprVisitor(func(e celast.Expr) {
		if e.Kind() != celast.CallKind || compared[e.ID()] {
			return
		}
		switch e.AsCall().FunctionName() {
		case "years_between":
			c.anyYears = true
		case "months_between":
			c.anyMonths = true
		case "days_between":
			c.anyDays = true
		case "business_hours_between":
			c.anyHours = true
		}
	}))
}

// threshold records the constant v that a call of fn is compared with,
// and reports whether fn is a time function and v a constant.
func (c *clock) threshold(fn string, v celast.Expr) bool {
	if v.Kind() != celast.LiteralKind {
		return false
	}
	var n float64
	switch x := v.AsLiteral().(type) {
	case types.Int:
		n = float64(x)
	case types.Uint:
		n = float64(x)
	case types.Double:
		n = float64(x)
	default:
		return false
	}
	whole := int64(math.Ceil(n))
	switch fn {
	case "years_between":
		c.years = append(c.years, whole)
	case "months_between":
		c.months = append(c.months, whole)
	case "days_between":
		c.days = append(c.days, whole)
	case "business_hours_between":
		c.hours = append(c.hours, n)
	default:
		return false
	}
	return true
}

// Bounds of the search where a rule gives no constant: every anniversary
// within these of a fact's date.
const (
	anyYearsSpan = 130
	anyDaysSpan  = 400
	anyHoursDays = 30
)

// clockDates returns the days (midnight UTC, as ChangeDates gives them) on
// which the answer to req can change with time alone: for each date among
// its facts (a conviction's, a charge's, when the request was received,
// when a hold began, the scheduled release) and each constant the
// conditions of the law of its jurisdiction compare time with, the day the
// fact's age reaches it or passes it, before or after, and the day after
// (a fact with a time of day crosses the line during the day). Where a
// condition compares with no constant, every anniversary within 130 years
// (every day within 400 days for days_between, 30 for business hours).
// Days in loc, the agency's time zone.
func (s *Set) clockDates(req *liaison.Request, loc *time.Location) []time.Time {
	facts := datesOf(reflect.ValueOf(req).Elem(), nil)
	if len(facts) == 0 {
		return nil
	}
	var c clock
	for _, jur := range levels(req.Jurisdiction) {
		for _, pk := range s.byJur[jur] {
			for _, v := range pk.Versions {
				for _, r := range v.Rules {
					c.merge(&r.clock)
				}
			}
		}
	}
	var days []int64
	// add adds the day of t, and the day after when the line is crossed
	// during the day.
	add := func(t time.Time, during bool) {
		if y := t.Year(); y < 1900 || y > 2200 {
			return
		}
		days = append(days, ymdOf(t))
		if during {
			days = append(days, ymdOf(t.AddDate(0, 0, 1)))
		}
	}
	// steps adds d moved by k units of f and by -k, k+1 and -(k+1): a
	// comparison with < k changes at k, with <= k at k+1, and with the
	// arguments the other way round (years_between(as_of, d)) before d.
	// A fact of a date alone (midnight) crosses each line at the start
	// of a day; one with a time of day, during it.
	steps := func(d time.Time, ks []int64, f func(time.Time, int) time.Time, during bool) {
		for _, k := range slices.Compact(slices.Sorted(slices.Values(ks))) {
			for _, n := range []int64{k, k + 1, -k, -(k + 1)} {
				add(f(d, int(n)), during)
			}
		}
	}
	span := func(lo, hi int64) []int64 {
		out := make([]int64, 0, hi-lo+1)
		for k := lo; k <= hi; k++ {
			out = append(out, k)
		}
		return out
	}
	years := func(d time.Time, n int) time.Time { return d.AddDate(n, 0, 0) }
	months := func(d time.Time, n int) time.Time { return d.AddDate(0, n, 0) }
	days1 := func(d time.Time, n int) time.Time { return d.AddDate(0, 0, n) }
	for _, f := range facts {
		// Calendar units count on the fact's own wall clock, as
		// years_between does; durations and instants in real time.
		y, m, dd := f.Date()
		wall := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		h, mi, sec := f.Clock()
		during := h != 0 || mi != 0 || sec != 0 || f.Nanosecond() != 0
		add(f.In(loc), true)
		steps(wall, c.years, years, during)
		steps(wall, c.months, months, during)
		steps(wall, c.days, days1, during)
		if c.anyYears {
			steps(wall, span(0, anyYearsSpan), years, during)
		}
		if c.anyMonths {
			steps(wall, span(0, anyYearsSpan*12), months, during)
		}
		if c.anyDays {
			steps(wall, span(0, anyDaysSpan), days1, during)
		}
		for _, d := range slices.Compact(slices.Sorted(slices.Values(c.durations))) {
			add(f.Add(d).In(loc), true)
			add(f.Add(-d).In(loc), true)
		}
		// A number of business hours takes at least that many clock
		// hours, and at most as many business days with the weekends and
		// holidays between them.
		for _, h := range slices.Compact(slices.Sorted(slices.Values(c.hours))) {
			lo, hi := int(h/24), int(math.Ceil(h/24*7/5))+6
			for k := lo; k <= hi; k++ {
				add(f.In(loc).AddDate(0, 0, k), true)
			}
		}
		if c.anyHours {
			for k := range anyHoursDays {
				add(f.In(loc).AddDate(0, 0, k), true)
			}
		}
	}
	for _, t := range c.instants {
		add(t.In(loc), true)
	}
	return dayTimes(days)
}

// merge adds what o reads of time to c.
func (c *clock) merge(o *clock) {
	c.years = append(c.years, o.years...)
	c.months = append(c.months, o.months...)
	c.days = append(c.days, o.days...)
	c.hours = append(c.hours, o.hours...)
	c.durations = append(c.durations, o.durations...)
	c.instants = append(c.instants, o.instants...)
	c.anyYears = c.anyYears || o.anyYears
	c.anyMonths = c.anyMonths || o.anyMonths
	c.anyDays = c.anyDays || o.anyDays
	c.anyHours = c.anyHours || o.anyHours
}

var timeType = reflect.TypeFor[time.Time]()

// datesOf appends to out every date and instant among the facts of v (a
// request, or a part of one), but the decision's own as_of.
func datesOf(v reflect.Value, out []time.Time) []time.Time {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out = datesOf(v.Elem(), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			out = datesOf(v.Index(i), out)
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if t := v.Interface().(time.Time); !t.IsZero() {
				out = append(out, t)
			}
			return out
		}
		for i := range v.NumField() {
			if v.Type() == reflect.TypeFor[liaison.Request]() && v.Type().Field(i).Name == "AsOf" {
				continue
			}
			out = datesOf(v.Field(i), out)
		}
	}
	return out
}
