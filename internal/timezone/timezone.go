// Package timezone computes VTIMEZONE components (RFC 5545 §3.6.5) from Go's
// time zone database.
//
// For reads the transitions of a *time.Location over a window of whole
// calendar years and describes them as STANDARD and DAYLIGHT observances:
// a yearly rule ("second Sunday of March", "last Sunday of October") becomes
// one observance with an RRULE (RFC 5545 §3.3.10, §3.8.5.3), anything else
// a one-off observance with DTSTART alone. ForEndless also makes the rules
// that run on past the window right there, for an event repeating without
// end. The result is data; turning it into iCalendar text is another
// package's job.
//
// The package never emits RDATE: some clients (Thunderbird) misread RDATE
// lists inside VTIMEZONE, so irregular changes are separate observances.
package timezone

import (
	"fmt"
	"iter"
	"sort"
	"time"
)

// Observance is one STANDARD or DAYLIGHT sub-component of a VTIMEZONE
// (RFC 5545 §3.6.5).
type Observance struct {
	// Daylight is true for a DAYLIGHT sub-component, false for STANDARD.
	// Of a seasonal pair, the part of the year with the larger UTC offset
	// is DAYLIGHT, whatever the tz database's isDST flag says.
	Daylight bool

	// Start is the onset as the wall clock before the change (that is, in
	// OffsetFrom), stored with Location time.UTC. It is written as a local
	// DTSTART, e.g. DTSTART:20060102T150405 (no Z), as RFC 5545 §3.6.5
	// requires for observances.
	Start time.Time

	// OffsetFrom is the offset in seconds east of UTC in force before the
	// onset (TZOFFSETFROM, RFC 5545 §3.8.3.3).
	OffsetFrom int

	// OffsetTo is the offset in seconds east of UTC from the onset on
	// (TZOFFSETTO, RFC 5545 §3.8.3.4).
	OffsetTo int

	// Name is the abbreviation Go reports after the onset (TZNAME,
	// RFC 5545 §3.8.3.2), e.g. "EST", "CEST", "+1030", "-03".
	Name string

	// RRule is "" for a one-off onset, else a yearly rule such as
	// "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" or
	// "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z".
	// UNTIL, when present, is the rule's last onset in UTC, as RFC 5545
	// §3.3.10 requires inside STANDARD and DAYLIGHT sub-components.
	RRule string
}

// Zone is the content of one VTIMEZONE (RFC 5545 §3.6.5).
type Zone struct {
	// TZID is loc.String(), the IANA name (RFC 5545 §3.8.3.1).
	TZID string

	// Observances are sorted by Start, then STANDARD before DAYLIGHT.
	Observances []Observance
}

// For returns the VTIMEZONE for loc that is correct for every instant in
// [from, to].
//
// The result depends only on loc and on the calendar years (in loc) of from
// and to, so adding an event in a year already covered does not change it.
// Internally the zone is analysed over [1 January of from's year - 1,
// 1 January of to's year + 2), so that even a one-event feed sees at least
// two yearly occurrences of each seasonal rule. If to is before from the two
// are swapped. loc should come from time.LoadLocation, so that its String
// is an IANA name; a nil loc means UTC.
func For(loc *time.Location, from, to time.Time) Zone { return zoneFor(loc, from, to, false) }

// ForEndless is For for a zone an event repeats in without end, which a
// client expands past to with the rules that run on at the VTIMEZONE's
// end: it is also right for the futureYears after For's window (and past
// them while the zone's rules stay as the time zone database has them).
// Where For's rules would not go on as the zone does (a rule that is not
// the nth or last weekday of a month, such as Chile's or Egypt's, is
// written as one-off onsets; or the law changes soon after the window),
// it ends them and describes the years after the window anew (see
// continueAfter).
func ForEndless(loc *time.Location, from, to time.Time) Zone { return zoneFor(loc, from, to, true) }

func zoneFor(loc *time.Location, from, to time.Time, endless bool) Zone {
	if loc == nil {
		loc = time.UTC
	}
	fromYear, toYear := from.In(loc).Year(), to.In(loc).Year()
	if toYear < fromYear {
		fromYear, toYear = toYear, fromYear
	}
	windowStart := time.Date(fromYear-1, time.January, 1, 0, 0, 0, 0, loc)
	windowEnd := time.Date(toYear+2, time.January, 1, 0, 0, 0, 0, loc)

	zone := Zone{TZID: loc.String()}

	inside := changesBetween(loc, windowStart, windowEnd)
	if len(inside) == 0 {
		// No change of offset or name in the window: a single STANDARD
		// with equal offsets describes it (and what follows it, if the
		// zone changes soon after).
		zone.Observances = []Observance{fixedObservance(windowStart)}
		if endless {
			zone.Observances = continueAfter(loc, []ruled{{Observance: zone.Observances[0]}}, windowEnd)
			sortObservances(zone.Observances)
		}
		return zone
	}

	// The first observance must cover the window start: it is the change
	// that began the period containing windowStart, if there is one.
	var changes []change
	var observances []Observance
	if first, ok := changeBefore(windowStart); ok {
		changes = append(changes, first)
	} else {
		observances = append(observances, fixedObservance(windowStart))
	}
	changes = append(changes, inside...)

	rs := observancesFor(classify(changes), windowEnd)
	if endless {
		observances = append(observances, continueAfter(loc, rs, windowEnd)...)
	} else {
		for _, r := range rs {
			observances = append(observances, r.Observance)
		}
	}
	sortObservances(observances)
	zone.Observances = observances
	return zone
}

// sortObservances sorts observances by Start, STANDARD before DAYLIGHT.
func sortObservances(observances []Observance) {
	sort.SliceStable(observances, func(i, j int) bool {
		a, b := observances[i], observances[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return !a.Daylight && b.Daylight
	})
}

// FormatOffset formats seconds east of UTC as an RFC 5545 UTC-OFFSET
// (§3.3.14): "+0530", "-0500", "+0000", "-045602". Seconds are written only
// when they are not zero; zero is "+0000", since "-0000" is not allowed.
func FormatOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign = '-'
		sec = -sec
	}
	hours, minutes, seconds := sec/3600, sec/60%60, sec%60
	if seconds != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, hours, minutes, seconds)
	}
	return fmt.Sprintf("%c%02d%02d", sign, hours, minutes)
}

// change is one instant at which the UTC offset or the abbreviation of a
// zone changes.
type change struct {
	at       time.Time // the instant of the change, in the zone's Location
	from, to int       // offsets (seconds east of UTC) before and after
	name     string    // abbreviation after the change
}

// wall returns the wall clock just before the change, with Location UTC.
func (c change) wall() time.Time {
	return c.at.UTC().Add(time.Duration(c.from) * time.Second)
}

// changeAfter returns the first change strictly after t, in t's Location.
// Period boundaries that change neither offset nor name (only the isDST
// flag, or the end of Go's transition table) are stepped over.
func changeAfter(t time.Time) (change, bool) {
	name, offset := t.Zone()
	for {
		end := PeriodEnd(t)
		if end.IsZero() {
			return change{}, false
		}
		endName, endOffset := end.Zone()
		if endName != name || endOffset != offset {
			return change{at: end, from: offset, to: endOffset, name: endName}, true
		}
		t = end
	}
}

// PeriodEnd returns the end of Go's zone period containing t (always after
// t), or the zero Time if the period never ends. Step from period to
// period with it rather than with t.ZoneBounds().
//
// It works around golang/go#81583: for an instant after the last
// transition of a zone's table, where the zone's TZ rule string applies,
// ZoneBounds ends a leap year's last period at 31 December 00:00 UTC
// instead of 1 January 00:00 UTC, so the end it reports can lie at or
// before t, and stepping from period to period would never get past it.
// In that case the period really lasts until the end of the UTC year.
func PeriodEnd(t time.Time) time.Time {
	_, end := t.ZoneBounds()
	if end.IsZero() || end.After(t) {
		return end
	}
	return time.Date(t.UTC().Year()+1, time.January, 1, 0, 0, 0, 0, time.UTC).In(t.Location())
}

// OffsetChange is a change of a zone's UTC offset: its instant, and the
// offsets (seconds east of UTC) before and after it.
type OffsetChange struct {
	At       time.Time
	From, To int
}

// OffsetChanges yields the changes of offset of t's Location after t, up
// to and including until, in order. Boundaries of Go's zone periods that
// keep the offset (a new abbreviation, or the isDST flag alone) are
// stepped over.
func OffsetChanges(t, until time.Time) iter.Seq[OffsetChange] {
	return func(yield func(OffsetChange) bool) {
		_, before := t.Zone()
		for {
			end := PeriodEnd(t)
			if end.IsZero() || end.After(until) {
				return
			}
			_, after := end.Zone()
			if after != before && !yield(OffsetChange{At: end, From: before, To: after}) {
				return
			}
			t, before = end, after
		}
	}
}

// Walls returns the wall clock just before the change and just after it,
// with Location UTC: a change forward skips the wall-clock times from the
// first up to the second; a change back shows those from the second up to
// the first twice.
func (c OffsetChange) Walls() (before, after time.Time) {
	at := c.At.UTC()
	return at.Add(time.Duration(c.From) * time.Second), at.Add(time.Duration(c.To) * time.Second)
}

// changeBefore returns the change that began the period containing t (it
// may be t itself), stepping back over boundaries that change nothing.
func changeBefore(t time.Time) (change, bool) {
	name, offset := t.Zone()
	for {
		start, _ := t.ZoneBounds()
		if start.IsZero() {
			return change{}, false
		}
		before := start.Add(-time.Second)
		beforeName, beforeOffset := before.Zone()
		if beforeName != name || beforeOffset != offset {
			return change{at: start, from: beforeOffset, to: offset, name: name}, true
		}
		t = before
	}
}

// changesBetween returns the changes in the open interval (start, end),
// stepping from period to period with time.Time.ZoneBounds.
func changesBetween(loc *time.Location, start, end time.Time) []change {
	var changes []change
	t := start.In(loc)
	for {
		c, ok := changeAfter(t)
		if !ok || !c.at.Before(end) {
			return changes
		}
		changes = append(changes, c)
		t = c.at
	}
}

// fixedObservance is a STANDARD observance with equal offsets that covers
// windowStart: it stands for "whatever was in force at windowStart".
// It starts on 1970-01-01T00:00:00, or at windowStart's wall clock if the
// window begins earlier.
func fixedObservance(windowStart time.Time) Observance {
	name, offset := windowStart.Zone()
	start := time.Date(1970, time.January, 1, 0, 0, 0, 0, time.UTC)
	if wall := windowStart.UTC().Add(time.Duration(offset) * time.Second); wall.Before(start) {
		start = wall
	}
	return Observance{Start: start, OffsetFrom: offset, OffsetTo: offset, Name: name}
}

// onset is a change together with its STANDARD/DAYLIGHT classification.
type onset struct {
	change
	daylight bool
}

// classify decides for each change whether it starts a DAYLIGHT or a
// STANDARD period. A period is DAYLIGHT when its offset is larger than the
// offsets on both sides of it (the summer of a seasonal pair, e.g. IST in
// Europe/Dublin, or +01 between Ramadan periods in Africa/Casablanca). A
// change to a larger offset that is never undone, or that is followed by a
// still larger one, is STANDARD (e.g. Asia/Pyongyang in 2018). The change
// following the last one is looked up past the end of changes.
func classify(changes []change) []onset {
	onsets := make([]onset, len(changes))
	for i, c := range changes {
		var next change
		var hasNext bool
		if i+1 < len(changes) {
			next, hasNext = changes[i+1], true
		} else {
			next, hasNext = changeAfter(c.at)
		}
		daylight := hasNext && c.to > c.from && c.to > next.to
		onsets[i] = onset{change: c, daylight: daylight}
	}
	return onsets
}

// ruleKey is what the onsets of one yearly rule have in common: the same
// month, weekday and wall clock time of change, the same offsets and name,
// and the same kind of observance.
type ruleKey struct {
	month             time.Month
	weekday           time.Weekday
	hour, minute, sec int
	from, to          int
	name              string
	daylight          bool
}

// keyOf returns the rule key of an onset, read from its wall clock before
// the change (the clock its DTSTART is written in).
func keyOf(o onset) ruleKey {
	wall := o.wall()
	return ruleKey{
		month:    wall.Month(),
		weekday:  wall.Weekday(),
		hour:     wall.Hour(),
		minute:   wall.Minute(),
		sec:      wall.Second(),
		from:     o.from,
		to:       o.to,
		name:     o.name,
		daylight: o.daylight,
	}
}

// ruled is an observance with the yearly rule it runs on by past the
// window (an RRULE without UNTIL), if it does, and its last onset in the
// window.
type ruled struct {
	Observance
	rule *yearly
	last time.Time
}

// observancesFor turns onsets into observances: onsets that follow one
// yearly rule in consecutive years become one observance with an RRULE,
// the rest become one-off observances (RFC 5545 §3.6.5).
func observancesFor(onsets []onset, windowEnd time.Time) []ruled {
	keys, groups := group(onsets)
	var observances []ruled
	for _, k := range keys {
		for _, r := range splitRuns(groups[k]) {
			observances = append(observances, r.observance(windowEnd))
		}
	}
	return observances
}

// weekdayPosition tells where a date falls among the same weekdays of its
// month: nth is 1 for days 1-7, 2 for days 8-14, ... 5 for days 29-31;
// last is true when no later such weekday exists in the month.
func weekdayPosition(d time.Time) (nth int, last bool) {
	day := d.Day()
	return (day-1)/7 + 1, day+7 > daysIn(d.Year(), d.Month())
}

// run is a sequence of onsets in consecutive years that share one rule.
// byLast means "the last such weekday of the month" (BYDAY=-1..), else
// the rule is "the nth such weekday" (BYDAY=n..).
type run struct {
	onsets []onset
	byLast bool
	nth    int
}

// splitRuns cuts the onsets of one rule key (in time order) into maximal
// runs of consecutive years that fit one "nth weekday" (n = 1..4) or "last
// weekday" rule, scanning from the earliest. An onset that fits no rule
// with its neighbours is a run of one.
func splitRuns(onsets []onset) []run {
	var runs []run
	for i := 0; i < len(onsets); {
		nth, last := weekdayPosition(onsets[i].wall())
		fitsNth, fitsLast := nth <= 4, last
		j := i + 1
		for ; j < len(onsets); j++ {
			if onsets[j].wall().Year() != onsets[j-1].wall().Year()+1 {
				break
			}
			n, l := weekdayPosition(onsets[j].wall())
			stillNth, stillLast := fitsNth && n == nth, fitsLast && l
			if !stillNth && !stillLast {
				break
			}
			fitsNth, fitsLast = stillNth, stillLast
		}
		// When both fit (every onset on, say, the 4th and last Sunday),
		// prefer "last": tz rules are far more often "lastSun" than
		// "Sun>=22", and Windows/Outlook rules use "week 5" for "last".
		runs = append(runs, run{onsets: onsets[i:j], byLast: fitsLast, nth: nth})
		i = j
	}
	return runs
}

// observance returns the observance for the run: a one-off for a run of one
// onset, else DTSTART = the first onset with a yearly RRULE. The RRULE gets
// UNTIL = the last onset (in UTC) when the rule should have applied again
// before windowEnd but did not, i.e. the law changed inside the window; a
// rule still going at the window's end is left open-ended.
func (r run) observance(windowEnd time.Time) ruled {
	first, lastOnset := r.onsets[0], r.onsets[len(r.onsets)-1]
	obs := ruled{Observance: Observance{
		Daylight:   first.daylight,
		Start:      first.wall(),
		OffsetFrom: first.from,
		OffsetTo:   first.to,
		Name:       first.name,
	}, last: lastOnset.at}
	if len(r.onsets) == 1 {
		return obs
	}

	start := first.wall()
	rule := yearly{month: start.Month(), weekday: start.Weekday(), n: r.nth}
	if r.byLast {
		rule.n = -1
	}
	obs.RRule = rule.String()

	// Where would the rule fall in the year after its last onset?
	nextDay, _ := rule.day(lastOnset.wall().Year() + 1)
	nextWall := time.Date(lastOnset.wall().Year()+1, start.Month(), nextDay,
		start.Hour(), start.Minute(), start.Second(), 0, time.UTC)
	nextInstant := nextWall.Add(-time.Duration(first.from) * time.Second)
	if nextInstant.Before(windowEnd) {
		obs.RRule += until(lastOnset.at)
	} else {
		obs.rule = &rule
	}
	return obs
}

// oneOff is the observance of o alone.
func (o onset) oneOff() Observance {
	return Observance{Daylight: o.daylight, Start: o.wall(), OffsetFrom: o.from, OffsetTo: o.to, Name: o.name}
}

// group groups onsets by rule key, keeping time order within each group,
// and returns the keys in the order they first appear.
func group(onsets []onset) ([]ruleKey, map[ruleKey][]onset) {
	var keys []ruleKey
	groups := make(map[ruleKey][]onset)
	for _, o := range onsets {
		k := keyOf(o)
		if _, seen := groups[k]; !seen {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], o)
	}
	return keys, groups
}
