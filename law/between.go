package law

import "time"

// Between is what the CEL function fn (years_between, months_between or
// days_between) answers for a and b, and whether fn is one of them: a
// simulation that groups decisions by what their rules can read computes
// with it what such a rule sees of as_of (desk/simulate_key.go).
func Between(fn string, a, b time.Time) (int64, bool) {
	switch fn {
	case "years_between":
		return yearsBetween(a, b), true
	case "months_between":
		return monthsBetween(a, b), true
	case "days_between":
		return daysBetween(a, b), true
	}
	return 0, false
}
