package calendar

import (
	"iter"
	"slices"
	"strings"
	"time"

	"calfeed/internal/timezone"
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

// Override is one occurrence of a repeating event changed (RFC 5545
// §3.8.4.4: a component with the series' UID and a RECURRENCE-ID).
// A field left empty keeps the series' value.
type Override struct {
	// Date is the occurrence's original date, its key under `overrides:`.
	Date time.Time
	// Start and End are the occurrence's new times: instants, or dates for
	// an all-day event (End exclusive). Both are always set.
	Start, End time.Time
	// UTC is set when Start or End fell in a repeated hour: the feeds write
	// this occurrence's times in UTC, as for an event (see Event.UTC).
	UTC                       bool
	Title, Description, Place Text // nil: the series' text
	URL, Online               string
	Status                    Status // "": the series' status
}

// Occurrence is one instance of an event: a one-off event itself, or one
// date of a repeating event with its override, if any, applied.
type Occurrence struct {
	Event *Event
	// Recurrence identifies the occurrence (RECURRENCE-ID, RFC 5545
	// §3.8.4.4): its original start, an instant, or for an all-day event a
	// date at midnight UTC.
	Recurrence time.Time
	// Start and End are as in Event: instants, or dates at midnight UTC for
	// an all-day event, End exclusive.
	Start, End                time.Time
	Title, Description, Place Text
	URL, Online               string
	Status                    Status
	Override                  *Override // the override applied, or nil
}

// maxSeriesYears bounds expansion: no series runs longer than this, and an
// iteration over a rule without end stops this many years after its start.
const maxSeriesYears = 1000

// Repeats reports whether e has a recurrence rule.
func (e *Event) Repeats() bool { return e.Repeat != nil }

// Occurrences returns the next n occurrences of e that are not over at from
// (their End is after it; an all-day occurrence lasts until the end of its
// last day in the event's zone), in order of start. They include extra dates
// and overrides and leave out excepted dates; an override that moves an
// occurrence places it at its new time. A one-off event has one occurrence.
//
// The cost grows with the number of occurrences between the event's start
// and from.
func (e *Event) Occurrences(from time.Time, n int) []Occurrence {
	if n <= 0 {
		return nil
	}
	if e.Repeat == nil {
		o := e.base()
		if o.over(from) {
			return nil
		}
		return []Occurrence{o}
	}
	overridden := make(map[int64]bool, len(e.Overrides))
	var out []Occurrence
	for _, ov := range e.Overrides {
		overridden[ov.Date.Unix()] = true
		if o := e.occurrence(ov.Date, ov); !o.over(from) {
			out = append(out, o)
		}
	}
	// The dates without an override keep their order; n of them not over
	// at from are enough, since the rest start later.
	kept := 0
	for d := range e.dates() {
		if overridden[d.Unix()] {
			continue
		}
		o := e.occurrence(d, nil)
		if o.over(from) {
			continue
		}
		out = append(out, o)
		if kept++; kept == n {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b Occurrence) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.Recurrence.Compare(b.Recurrence)
	})
	return out[:min(n, len(out))]
}

// LastEnd returns when the last occurrence of e ends (for an all-day event,
// the day after its last day); ok is false for a rule without end.
func (e *Event) LastEnd() (end time.Time, ok bool) {
	if e.Repeat == nil {
		return e.End, true
	}
	r := e.Repeat
	if r.Last.IsZero() {
		return time.Time{}, false
	}
	end = e.occurrence(e.dateOf(r.Last), nil).End
	for _, d := range r.Also {
		end = later(end, e.occurrence(d, nil).End)
	}
	for _, ov := range e.Overrides {
		end = later(end, ov.End)
	}
	return end, true
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// RuleDates returns the dates in [from, to] (dates at midnight UTC) that
// e's rule gives when its count and until are ignored: what an RRULE with
// a later UNTIL would produce. Except and Also do not apply.
func (e *Event) RuleDates(from, to time.Time) []time.Time {
	if e.Repeat == nil {
		return nil
	}
	var out []time.Time
	start := e.StartDate()
	for d := range e.Repeat.patternFrom(start, e.Repeat.period(start, from)-1) {
		if d.After(to) {
			break
		}
		if !d.Before(from) {
			out = append(out, d)
		}
	}
	return out
}

// StartDate returns the date of e's start in its zone, at midnight UTC.
func (e *Event) StartDate() time.Time { return e.dateOf(e.Start) }

// dateOf returns the date of t in e's zone (t itself for an all-day event).
func (e *Event) dateOf(t time.Time) time.Time {
	if e.AllDay {
		return t
	}
	y, m, d := t.In(e.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// wallOn returns the event's start wall-clock time on date d, with
// Location UTC (the form resolveWall takes).
func (e *Event) wallOn(d time.Time) time.Time {
	h, m, s := e.Start.In(e.Location).Clock()
	return d.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// StartOn returns the start of the occurrence on date d: for a timed event
// the instant its wall-clock time names in its zone, resolved as RFC 5545
// §3.3.5 says (in a gap, with the offset before the gap; in a repeated
// hour, the first); for an all-day event the date.
func (e *Event) StartOn(d time.Time) time.Time {
	if e.AllDay {
		return d
	}
	t, _ := resolveRFC(e.wallOn(d), e.Location)
	return t
}

// base is e's own (first) occurrence, ignoring any override.
func (e *Event) base() Occurrence {
	return Occurrence{
		Event: e, Recurrence: e.Start, Start: e.Start, End: e.End,
		Title: e.Title, Description: e.Description, Place: e.Place,
		URL: e.URL, Online: e.Online, Status: e.Status,
	}
}

// occurrence returns the occurrence of date d, with ov applied if not nil.
func (e *Event) occurrence(d time.Time, ov *Override) Occurrence {
	o := e.base()
	start := e.StartOn(d)
	o.Recurrence, o.Start = start, start
	if e.AllDay {
		o.End = d.AddDate(0, 0, daysBetween(e.Start, e.End))
	} else {
		o.End = start.Add(e.End.Sub(e.Start))
	}
	if ov == nil {
		return o
	}
	o.Override = ov
	o.Start, o.End = ov.Start, ov.End
	if ov.Title != nil {
		o.Title = ov.Title
	}
	if ov.Description != nil {
		o.Description = ov.Description
	}
	if ov.Place != nil {
		o.Place = ov.Place
	}
	if ov.URL != "" {
		o.URL = ov.URL
	}
	if ov.Online != "" {
		o.Online = ov.Online
	}
	if ov.Status != "" {
		o.Status = ov.Status
	}
	return o
}

// over reports whether o has ended at t.
func (o Occurrence) over(t time.Time) bool {
	if !o.Event.AllDay {
		return !o.End.After(t)
	}
	// An all-day occurrence ends at midnight, in the event's zone, that
	// starts its End date.
	y, m, d := o.End.Date()
	return !time.Date(y, m, d, 0, 0, 0, 0, o.Event.Location).After(t)
}

// Overridden returns the occurrence ov changes, as changed.
func (e *Event) Overridden(ov *Override) Occurrence { return e.occurrence(ov.Date, ov) }

// daysBetween returns the number of days from date a to date b.
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// dates yields the dates of e's occurrences in order: the rule's, bounded
// by its count or until, without Except, with Also.
func (e *Event) dates() iter.Seq[time.Time] {
	r := e.Repeat
	return func(yield func(time.Time) bool) {
		also := r.Also
		for d := range r.bounded(e.StartDate()) {
			for len(also) > 0 && also[0].Before(d) {
				if !yield(also[0]) {
					return
				}
				also = also[1:]
			}
			if hasDate(r.Except, d) {
				continue
			}
			if !yield(d) {
				return
			}
		}
		for _, d := range also {
			if !yield(d) {
				return
			}
		}
	}
}

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

// isRuleDate reports whether d is one of the rule's dates, count and until
// included (Except and Also are not considered).
func (e *Event) isRuleDate(d time.Time) bool {
	r := e.Repeat
	if !r.matches(e.StartDate(), d) {
		return false
	}
	return r.Last.IsZero() || !d.After(e.dateOf(r.Last))
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

// resolveRFC returns the instant a wall-clock time names in loc as RFC 5545
// §3.3.5 reads a DATE-TIME with a TZID: a time in a repeated hour is the
// first of the two; a time inside a gap is read with the UTC offset before
// the gap, so it lands as far after the gap's end as it was after its start
// (02:30 on a night that skips 02:00-03:00 is 03:30). Go's time.Date makes
// no such promise, and gives 01:30 in zones west of Greenwich.
func resolveRFC(w time.Time, loc *time.Location) (time.Time, wallResult) {
	t, res := resolveWall(w, loc)
	if res != wallGap {
		return t, res
	}
	naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	p := naive.Add(-48 * time.Hour).In(loc)
	limit := naive.Add(48 * time.Hour)
	for range 16 {
		_, before := p.Zone()
		end := timezone.PeriodEnd(p)
		if end.IsZero() || end.After(limit) {
			break
		}
		p = end.In(loc)
		_, after := p.Zone()
		gapStart := end.UTC().Add(time.Duration(before) * time.Second)
		gapEnd := end.UTC().Add(time.Duration(after) * time.Second)
		if !naive.Before(gapStart) && naive.Before(gapEnd) {
			return naive.Add(-time.Duration(before) * time.Second).In(loc), wallGap
		}
	}
	// Not reached for a real gap; fall back to Go's choice.
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc), wallGap
}

// shifts finds the dates among a timed event's occurrences up to end whose
// wall-clock time the zone skips (gaps) or shows twice (repeats), by
// walking the zone's changes of offset rather than every occurrence.
func (e *Event) shifts(end time.Time) (gaps, repeats []time.Time) {
	if e.AllDay {
		return nil, nil
	}
	p := e.Start.Add(-48 * time.Hour).In(e.Location)
	seen := map[time.Time]bool{}
	for {
		_, before := p.Zone()
		next := timezone.PeriodEnd(p)
		if next.IsZero() || next.After(end) {
			return gaps, repeats
		}
		p = next.In(e.Location)
		_, after := p.Zone()
		if before == after {
			continue
		}
		// The wall-clock times shown twice or not at all lie between the
		// clock before and the clock after the change.
		lo := next.UTC().Add(time.Duration(min(before, after)) * time.Second)
		hi := next.UTC().Add(time.Duration(max(before, after)) * time.Second)
		for _, d := range []time.Time{truncDay(lo), truncDay(hi)} {
			w := e.wallOn(d)
			if seen[d] || w.Before(lo) || !w.Before(hi) || !e.isOccurrenceDate(d) {
				continue
			}
			seen[d] = true
			if after > before {
				gaps = append(gaps, d)
			} else {
				repeats = append(repeats, d)
			}
		}
	}
}

func truncDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// isOccurrenceDate reports whether a repeating event has an occurrence
// on date d by its rule (not excepted).
func (e *Event) isOccurrenceDate(d time.Time) bool {
	if !e.isRuleDate(d) {
		return false
	}
	return !hasDate(e.Repeat.Except, d)
}

// hasDate reports whether the sorted dates hold d.
func hasDate(dates []time.Time, d time.Time) bool {
	_, found := slices.BinarySearchFunc(dates, d, time.Time.Compare)
	return found
}

// nearDates describes the rule's dates nearest to d, for a message:
// `the nearest are 2016-05-19 and 2016-05-26`.
func (e *Event) nearDates(d time.Time) string {
	r, start := e.Repeat, e.StartDate()
	var before, after time.Time
	for c := range r.patternFrom(start, r.period(start, d)-1) {
		if !r.Last.IsZero() && c.After(e.dateOf(r.Last)) {
			break
		}
		if c.Before(d) {
			before = c
			continue
		}
		after = c
		break
	}
	var names []string
	for _, t := range []time.Time{before, after} {
		if !t.IsZero() {
			names = append(names, t.Format(time.DateOnly))
		}
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return " (the nearest is " + names[0] + ")"
	default:
		return " (the nearest are " + strings.Join(names, " and ") + ")"
	}
}
