package calendar

import (
	"iter"
	"slices"
	"strings"
	"time"
)

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
	o.Recurrence, o.Start, o.End = start, start, e.endAfter(start)
	if ov == nil {
		return o
	}
	o.Override = ov
	o.Start, o.End = ov.Start, ov.End
	if !ov.Title.IsZero() {
		o.Title = ov.Title
	}
	if !ov.Description.IsZero() {
		o.Description = ov.Description
	}
	if !ov.Place.IsZero() {
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

// endAfter returns the end of an occurrence of e that starts at start: as
// long after it as e lasts (for an all-day event, as many days).
func (e *Event) endAfter(start time.Time) time.Time {
	if e.AllDay {
		return start.AddDate(0, 0, daysBetween(e.Start, e.End))
	}
	return start.Add(e.End.Sub(e.Start))
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

// daysBetween returns the number of days from date a to date b, each
// taken in its location. It counts calendar days, not a time.Duration,
// which stops at 292 years: dates further apart are days apart too.
func daysBetween(a, b time.Time) int {
	return int(dayNumber(b) - dayNumber(a))
}

// dayNumber is t's date as a count of days from 1 January 1970.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
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

// isRuleDate reports whether d is one of the rule's dates, count and until
// included (Except and Also are not considered).
func (e *Event) isRuleDate(d time.Time) bool {
	r := e.Repeat
	if !r.matches(e.StartDate(), d) {
		return false
	}
	return r.Last.IsZero() || !d.After(e.dateOf(r.Last))
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
