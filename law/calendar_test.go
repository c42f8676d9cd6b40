package law

import (
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, _ = time.Parse(time.DateOnly, s)
	}
	return t
}

func TestYearsMonthsBetween(t *testing.T) {
	for _, tt := range []struct {
		a, b          string
		years, months int64
	}{
		{"2010-03-01", "2015-02-28", 4, 59},
		{"2010-03-01", "2015-03-01", 5, 60},
		{"2012-02-29", "2013-02-28", 0, 11},
		{"2015-06-01", "2010-06-01", -5, -60},
	} {
		if got := yearsBetween(day(tt.a), day(tt.b)); got != tt.years {
			t.Errorf("yearsBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.years)
		}
		if got := monthsBetween(day(tt.a), day(tt.b)); got != tt.months {
			t.Errorf("monthsBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.months)
		}
	}
}

func TestBusinessHoursBetween(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"2013-04-17T22:00:00Z", "2013-04-22T00:00:00Z", 50}, // Wed 22:00 to Mon 00:00: 2 + 24 + 24
		{"2013-04-19T12:00:00Z", "2013-04-22T12:00:00Z", 24}, // Fri noon to Mon noon: the weekend does not count
		{"2016-12-23T00:00:00Z", "2016-12-27T00:00:00Z", 24}, // Christmas on a Sunday, observed Monday the 26th
		{"2021-06-18T00:00:00Z", "2021-06-19T00:00:00Z", 0},  // Juneteenth 2021 (a Saturday) observed Friday
		{"2019-11-28T00:00:00Z", "2019-11-29T00:00:00Z", 0},  // Thanksgiving
		{"2019-11-29T00:00:00Z", "2019-11-28T00:00:00Z", 0},  // backwards
	} {
		if got := BusinessHoursBetween(day(tt.a), day(tt.b)); got != tt.want {
			t.Errorf("BusinessHoursBetween(%s, %s) = %g, want %g", tt.a, tt.b, got, tt.want)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return loc
}

// A hold in Los Angeles counts its business days on the local calendar:
// begun on a Friday at 19:00 PST (Saturday 03:00 UTC), its 48 business
// hours are Friday's last 5, Monday's 24 and Tuesday's first 19.
func TestAddBusinessHoursLocal(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	for _, tt := range []struct {
		name  string
		start time.Time
		want  time.Time
	}{
		{"Friday evening", time.Date(2024, 3, 1, 19, 0, 0, 0, la), time.Date(2024, 3, 5, 19, 0, 0, 0, la)},
		// Memorial Day, Monday 2024-05-27, begun Friday 18:00 PDT: Friday 6
		// hours, Tuesday 24, Wednesday 18.
		{"across Memorial Day", time.Date(2024, 5, 24, 18, 0, 0, 0, la), time.Date(2024, 5, 29, 18, 0, 0, 0, la)},
		// Labor Day, Monday 2023-09-04, begun Friday 23:30 PDT.
		{"across Labor Day", time.Date(2023, 9, 1, 23, 30, 0, 0, la), time.Date(2023, 9, 6, 23, 30, 0, 0, la)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := AddBusinessHours(tt.start, 48); !got.Equal(tt.want) {
				t.Errorf("AddBusinessHours(%s, 48) = %s, want %s", tt.start, got.In(la), tt.want)
			}
			if got := BusinessHoursBetween(tt.start, tt.want); got != 48 {
				t.Errorf("BusinessHoursBetween(%s, %s) = %g, want 48", tt.start, tt.want, got)
			}
			// Counted in UTC, the same instant ends elsewhere.
			if got := AddBusinessHours(tt.start.UTC(), 48); got.Equal(tt.want) {
				t.Errorf("AddBusinessHours in UTC = %s, the local answer: the test does not tell the two apart", got)
			}
		})
	}
}

func TestMonthsBetweenLocalDay(t *testing.T) {
	la := mustZone(t, "America/Los_Angeles")
	conviction := day("2010-03-01")
	// 2015-02-28 20:00 in Los Angeles is 2015-03-01 04:00 UTC: locally the
	// fifth year is not complete.
	asOf := time.Date(2015, 2, 28, 20, 0, 0, 0, la)
	if got := yearsBetween(conviction, asOf); got != 4 {
		t.Errorf("yearsBetween(%s, %s) = %d, want 4", conviction, asOf, got)
	}
	if got := yearsBetween(conviction, asOf.UTC()); got != 5 {
		t.Errorf("yearsBetween(%s, %s) = %d, want 5", conviction, asOf.UTC(), got)
	}
}
