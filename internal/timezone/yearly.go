package timezone

// Yearly rules: their days, their RRULE text and their onsets.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// until is the UNTIL part of a rule whose last onset is at.
func until(at time.Time) string { return ";UNTIL=" + at.UTC().Format("20060102T150405Z") }

// yearly is a yearly rule of onsets, at the wall clock of its DTSTART: on
// the nth weekday of the month (n 1 to 4), the last (n -1), or, with n 0,
// the weekday that falls on one of days (BYMONTHDAY), such as Chile's
// "Sunday on or after the 2nd", or the part within the month of a week
// that runs into the next (Egypt's "Friday after the last Thursday of
// October", 26 October to 1 November).
type yearly struct {
	month   time.Month
	weekday time.Weekday
	n       int
	days    []int
}

// String is the rule as an RRULE (RFC 5545 §3.3.10).
func (y yearly) String() string {
	if y.n != 0 {
		return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", int(y.month), y.n, icalWeekday(y.weekday))
	}
	days := make([]string, len(y.days))
	for i, d := range y.days {
		days[i] = strconv.Itoa(d)
	}
	return fmt.Sprintf("FREQ=YEARLY;BYMONTH=%d;BYMONTHDAY=%s;BYDAY=%s", int(y.month), strings.Join(days, ","), icalWeekday(y.weekday))
}

// day returns the day of the month the rule falls on in year, if it does.
func (y yearly) day(year int) (int, bool) {
	if y.n != 0 {
		return nthWeekday(year, y.month, y.weekday, y.n), true
	}
	for _, d := range y.days {
		if d <= daysIn(year, y.month) && time.Date(year, y.month, d, 0, 0, 0, 0, time.UTC).Weekday() == y.weekday {
			return d, true
		}
	}
	return 0, false
}

// onsetsIn returns the instants of the rule's onsets in [from, to), for an
// observance whose DTSTART is start (the wall clock of its onsets) in
// offset (seconds east of UTC).
func (y yearly) onsetsIn(start time.Time, offset int, from, to time.Time) []time.Time {
	var at []time.Time
	for year := from.UTC().Year() - 1; year <= to.UTC().Year()+1; year++ {
		d, ok := y.day(year)
		if !ok {
			continue
		}
		t := time.Date(year, y.month, d, start.Hour(), start.Minute(), start.Second(), 0, time.UTC).
			Add(-time.Duration(offset) * time.Second)
		if !t.Before(from) && t.Before(to) {
			at = append(at, t)
		}
	}
	return at
}

// nthWeekday returns the day of the month of the nth weekday wd of the
// month (n = 1..4), or of the last one for n = -1.
func nthWeekday(year int, month time.Month, wd time.Weekday, n int) int {
	if n == -1 {
		lastDay := daysIn(year, month)
		lastWeekday := time.Date(year, month, lastDay, 0, 0, 0, 0, time.UTC).Weekday()
		return lastDay - (int(lastWeekday)-int(wd)+7)%7
	}
	firstWeekday := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC).Weekday()
	return 1 + (int(wd)-int(firstWeekday)+7)%7 + 7*(n-1)
}

// daysIn returns the number of days in the month.
func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// icalWeekday returns the RFC 5545 §3.3.10 weekday code for wd ("SU", "MO"...).
func icalWeekday(wd time.Weekday) string {
	return [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[wd]
}
