package calendar

import (
	"iter"
	"slices"
	"time"
)

// Freq is how often a repeating event recurs (FREQ, RFC 5545 §3.3.10).
type Freq string

// The frequencies a rule may have.
const (
	Daily   Freq = "daily"
	Weekly  Freq = "weekly"
	Monthly Freq = "monthly"
	Yearly  Freq = "yearly"
)

// Day is one entry of a rule's days (BYDAY, RFC 5545 §3.3.10): a weekday
// and, in a monthly rule, which of the month's such weekdays.
type Day struct {
	Weekday time.Weekday
	// Nth is 0 in a weekly rule (every such weekday); in a monthly rule it
	// is 1 to 4 (the first to the fourth such weekday of the month) or -1
	// (the last), the positions Outlook can represent.
	Nth int
}

// String writes d as events.yaml does: "th", "1tu", "-1fr".
func (d Day) String() string {
	s := dayCodes[d.Weekday]
	switch {
	case d.Nth > 0:
		return string(rune('0'+d.Nth)) + s
	case d.Nth < 0:
		return "-1" + s
	}
	return s
}

// dayCodes are the weekday codes of events.yaml, by time.Weekday.
var dayCodes = [...]string{"su", "mo", "tu", "we", "th", "fr", "sa"}

// Repeat is the recurrence of a repeating event, as events.yaml gives it:
// a rule (RRULE, RFC 5545 §3.8.5.3) from the event's start, dates taken out
// of it (EXDATE, §3.8.5.1) and dates added to it (RDATE, §3.8.5.2).
//
// Dates are civil dates at midnight UTC, read in the event's zone. Every
// occurrence starts at the wall-clock time of the event's start, in its zone,
// and lasts as long as the event (RFC 5545 §3.8.5.3: the exact duration of
// DTSTART to DTEND applies to every instance).
type Repeat struct {
	Freq     Freq
	Interval int   // every Interval days, weeks, months or years; at least 1
	Days     []Day // Weekly: weekdays, Monday first; Monthly: one position; else nil
	// Count is the number of dates the rule gives, 0 without a count.
	Count int
	// Until is the rule's last possible date, inclusive; zero without one.
	Until time.Time
	// Except are dates of the rule with no occurrence, sorted.
	Except []time.Time
	// Also are extra dates, not the rule's, sorted.
	Also []time.Time
	// Last is the start of the last occurrence the rule gives (count or
	// until reached), before Except and Also apply; the zero Time when the
	// rule has no end.
	Last time.Time
}

// maxSeriesYears bounds expansion: no series runs longer than this, and an
// iteration over a rule without end stops this many years after its start.
const maxSeriesYears = 1000

// bounded yields the rule's dates from start, up to its count or until.
func (r *Repeat) bounded(start time.Time) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		n := 0
		for d := range r.pattern(start) {
			if !r.Until.IsZero() && d.After(r.Until) {
				return
			}
			if n++; r.Count > 0 && n > r.Count {
				return
			}
			if !yield(d) {
				return
			}
		}
	}
}

// pattern yields, in order, the dates from start on that match the rule's
// frequency, interval and days, ignoring count and until. Weeks start on
// Monday (WKST=MO, RFC 5545's default). It stops maxSeriesYears after start.
func (r *Repeat) pattern(start time.Time) iter.Seq[time.Time] { return r.patternFrom(start, 0) }

// patternFrom is pattern from the period (day, week, month or year of the
// rule, counted in intervals from start's) k0 on, skipping the earlier ones.
func (r *Repeat) patternFrom(start time.Time, k0 int) iter.Seq[time.Time] {
	limit := start.AddDate(maxSeriesYears, 0, 0)
	interval := max(r.Interval, 1)
	return func(yield func(time.Time) bool) {
		emit := func(d time.Time) bool {
			if d.Before(start) {
				return true
			}
			return !d.After(limit) && yield(d)
		}
		for k := max(k0, 0); ; k++ {
			switch r.Freq {
			case Daily:
				if !emit(start.AddDate(0, 0, k*interval)) {
					return
				}
			case Weekly:
				monday := start.AddDate(0, 0, -mondayOffset(start.Weekday())+7*k*interval)
				if monday.After(limit) {
					return
				}
				days := r.Days
				if len(days) == 0 {
					days = []Day{{Weekday: start.Weekday()}}
				}
				for _, d := range days {
					if !emit(monday.AddDate(0, 0, mondayOffset(d.Weekday))) {
						return
					}
				}
			case Monthly:
				first := time.Date(start.Year(), start.Month()+time.Month(k*interval), 1, 0, 0, 0, 0, time.UTC)
				if first.After(limit) {
					return
				}
				if len(r.Days) == 0 {
					if d := first.AddDate(0, 0, start.Day()-1); d.Month() == first.Month() && !emit(d) {
						return
					}
					continue
				}
				if !emit(nthWeekday(first, r.Days[0])) {
					return
				}
			case Yearly:
				d := time.Date(start.Year()+k*interval, start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
				if d.After(limit) {
					return
				}
				if d.Day() == start.Day() && !emit(d) {
					return
				}
			default:
				return
			}
		}
	}
}

// period returns the index of the rule's period (counted in intervals from
// start's, as patternFrom takes it) that holds date d; 0 before start.
func (r *Repeat) period(start, d time.Time) int {
	if !d.After(start) {
		return 0
	}
	interval := max(r.Interval, 1)
	switch r.Freq {
	case Daily:
		return daysBetween(start, d) / interval
	case Weekly:
		return daysBetween(start.AddDate(0, 0, -mondayOffset(start.Weekday())), d) / 7 / interval
	case Monthly:
		return ((d.Year()-start.Year())*12 + int(d.Month()-start.Month())) / interval
	case Yearly:
		return (d.Year() - start.Year()) / interval
	}
	return 0
}

// nth returns the rule's nth date (n from 1) from start, count and until
// ignored, without walking the dates before it: every period but the first
// (which may begin before start) holds the same number of dates.
func (r *Repeat) nth(start time.Time, n int) time.Time {
	perPeriod, first := 1, 1
	if r.Freq == Weekly && len(r.Days) > 0 {
		perPeriod, first = len(r.Days), 0
		for _, d := range r.Days {
			if mondayOffset(d.Weekday) >= mondayOffset(start.Weekday()) {
				first++
			}
		}
	}
	k, skip := 0, n-1
	if n > first {
		k = 1 + (n-first-1)/perPeriod
		skip = (n - first - 1) % perPeriod
	}
	for d := range r.patternFrom(start, k) {
		if skip == 0 {
			return d
		}
		skip--
	}
	return time.Time{}
}

// lastUntil returns the rule's last date on or before until, or the zero
// Time when even its first is later.
func (r *Repeat) lastUntil(start, until time.Time) time.Time {
	var last time.Time
	for d := range r.patternFrom(start, r.period(start, until)-1) {
		if d.After(until) {
			break
		}
		last = d
	}
	return last
}

// matches reports whether date d (on or after start) fits the rule's
// pattern; count and until are not considered.
func (r *Repeat) matches(start, d time.Time) bool {
	if d.Before(start) {
		return false
	}
	interval := max(r.Interval, 1)
	switch r.Freq {
	case Daily:
		return daysBetween(start, d)%interval == 0
	case Weekly:
		weeks := daysBetween(start.AddDate(0, 0, -mondayOffset(start.Weekday())), d) / 7
		if weeks%interval != 0 {
			return false
		}
		if len(r.Days) == 0 {
			return d.Weekday() == start.Weekday()
		}
		return slices.ContainsFunc(r.Days, func(day Day) bool { return day.Weekday == d.Weekday() })
	case Monthly:
		months := (d.Year()-start.Year())*12 + int(d.Month()-start.Month())
		if months%interval != 0 {
			return false
		}
		if len(r.Days) == 0 {
			return d.Day() == start.Day()
		}
		return d.Equal(nthWeekday(d.AddDate(0, 0, 1-d.Day()), r.Days[0]))
	case Yearly:
		return (d.Year()-start.Year())%interval == 0 && d.Month() == start.Month() && d.Day() == start.Day()
	}
	return false
}

// mondayOffset is the number of days from Monday to wd.
func mondayOffset(wd time.Weekday) int { return (int(wd) + 6) % 7 }

// nthWeekday returns the date of day in the month that starts on first:
// its Nth such weekday, or the last for Nth -1.
func nthWeekday(first time.Time, day Day) time.Time {
	if day.Nth < 0 {
		last := first.AddDate(0, 1, -1)
		return last.AddDate(0, 0, -((int(last.Weekday()) - int(day.Weekday) + 7) % 7))
	}
	return first.AddDate(0, 0, (int(day.Weekday)-int(first.Weekday())+7)%7+7*(day.Nth-1))
}
