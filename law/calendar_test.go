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
