package law

import "time"

// yearsBetween returns the whole calendar years from a to b (negative when
// b is before a): 2010-03-01 to 2015-02-28 is 4, to 2015-03-01 is 5.
func yearsBetween(a, b time.Time) int64 {
	return monthsBetween(a, b) / 12
}

// monthsBetween returns the whole calendar months from a to b, each read
// on its own wall clock: a conviction's date against the agency's local
// day of as_of (the engine gives as_of in the agency's time zone).
func monthsBetween(a, b time.Time) int64 {
	a, b = wallClock(a), wallClock(b)
	if b.Before(a) {
		return -monthsBetween(b, a)
	}
	m := int64(b.Year()-a.Year())*12 + int64(b.Month()-a.Month())
	// Not a whole month yet if b's day-and-time in its month comes before a's.
	if m > 0 && a.AddDate(0, int(m), 0).After(b) {
		m--
	}
	return m
}

// wallClock returns t's date and time of day in its own location, as if
// they were UTC.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, m, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// daysBetween returns the whole days from a to b.
func daysBetween(a, b time.Time) int64 {
	return int64(b.Sub(a) / (24 * time.Hour))
}

// BusinessHoursBetween returns the hours from a to b that fall on weekdays
// other than US federal holidays, with days counted in a's location (the
// agency's local time: pass a.In(loc); UTC for a time in UTC). 8 C.F.R.
// 287.7(d) limits a detainer hold to 48 hours "excluding Saturdays,
// Sundays, and holidays" (the I-247D and I-247A forms ask for 48 clock
// hours instead). A day is midnight to midnight on the local clock, so a
// day on which daylight saving time begins or ends has 23 or 25 hours.
func BusinessHoursBetween(a, b time.Time) float64 {
	if !b.After(a) {
		return 0
	}
	loc := a.Location()
	var total time.Duration
	for day := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc); day.Before(b); day = day.AddDate(0, 0, 1) {
		if !IsBusinessDay(day) {
			continue
		}
		start, end := day, day.AddDate(0, 0, 1)
		if a.After(start) {
			start = a
		}
		if b.Before(end) {
			end = b
		}
		total += end.Sub(start)
	}
	return total.Hours()
}

// IsBusinessDay reports whether the day of t (in t's location) is neither a weekend
// nor a US federal holiday (5 U.S.C. 6103, with observed dates).
func IsBusinessDay(t time.Time) bool {
	switch t.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !IsFederalHoliday(t)
}

// IsFederalHoliday reports whether the day of t (in t's location) is a US
// federal holiday under 5 U.S.C. 6103(a), or the weekday on which one
// falling on a weekend is observed. Juneteenth counts from 2021.
func IsFederalHoliday(t time.Time) bool {
	y, m, d := t.Date()
	for _, year := range []int{y - 1, y, y + 1} {
		for _, h := range federalHolidays(year) {
			obs := observed(h)
			if obs.Year() == y && obs.Month() == m && obs.Day() == d {
				return true
			}
		}
	}
	return false
}

func federalHolidays(y int) []time.Time {
	date := func(m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	hs := []time.Time{
		date(time.January, 1),
		nthWeekday(y, time.January, time.Monday, 3),    // Birthday of Martin Luther King, Jr.
		nthWeekday(y, time.February, time.Monday, 3),   // Washington's Birthday
		lastWeekday(y, time.May, time.Monday),          // Memorial Day
		date(time.July, 4),                             // Independence Day
		nthWeekday(y, time.September, time.Monday, 1),  // Labor Day
		nthWeekday(y, time.October, time.Monday, 2),    // Columbus Day
		date(time.November, 11),                        // Veterans Day
		nthWeekday(y, time.November, time.Thursday, 4), // Thanksgiving Day
		date(time.December, 25),                        // Christmas Day
	}
	if y >= 2021 {
		hs = append(hs, date(time.June, 19)) // Juneteenth National Independence Day
	}
	return hs
}

// observed moves a holiday on a Saturday to Friday and on a Sunday to Monday.
func observed(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, -1)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}

func nthWeekday(y int, m time.Month, wd time.Weekday, n int) time.Time {
	t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	for t.Weekday() != wd {
		t = t.AddDate(0, 0, 1)
	}
	return t.AddDate(0, 0, 7*(n-1))
}

func lastWeekday(y int, m time.Month, wd time.Weekday) time.Time {
	t := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for t.Weekday() != wd {
		t = t.AddDate(0, 0, -1)
	}
	return t
}

// AddBusinessHours returns the instant h business hours (see
// BusinessHoursBetween) after t, with days counted in t's location.
func AddBusinessHours(t time.Time, h float64) time.Time {
	left := time.Duration(h * float64(time.Hour))
	for left > 0 {
		next := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location()).AddDate(0, 0, 1)
		if IsBusinessDay(t) {
			if span := next.Sub(t); span >= left {
				return t.Add(left)
			} else {
				left -= span
			}
		}
		t = next
	}
	return t
}
