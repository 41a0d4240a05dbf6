package calendar

import (
	"slices"
	"time"

	"calfeed/internal/timezone"
)

// wallResult says how a wall-clock time maps to instants in a zone.
type wallResult int

const (
	wallOK       wallResult = iota // exactly one instant
	wallGap                        // none: the clocks skipped it (spring forward)
	wallRepeated                   // two: the clocks showed it twice (fall back)
)

// resolveWall returns the instant at which clocks in loc show the wall time
// given as w (whose own location is ignored). Unlike time.Date, whose choice
// in a gap or a repeated hour "is not guaranteed", it reports both cases; for
// a repeated wall time it returns the first instant.
func resolveWall(w time.Time, loc *time.Location) (time.Time, wallResult) {
	naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	var found []time.Time
	for _, off := range offsetsNear(naive, loc) {
		t := naive.Add(-time.Duration(off) * time.Second).In(loc)
		if sameWall(t, naive) && !containsInstant(found, t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return time.Time{}, wallGap
	case 1:
		return found[0], wallOK
	default:
		first := found[0]
		for _, t := range found[1:] {
			if t.Before(first) {
				first = t
			}
		}
		return first, wallRepeated
	}
}

// offsetsNear lists the UTC offsets loc uses within two days of naive.
func offsetsNear(naive time.Time, loc *time.Location) []int {
	t := naive.Add(-48 * time.Hour).In(loc)
	_, off := t.Zone()
	offs := []int{off}
	for c := range timezone.OffsetChanges(t, naive.Add(48*time.Hour)) {
		if !slices.Contains(offs, c.To) {
			offs = append(offs, c.To)
		}
	}
	return offs
}

func sameWall(t, naive time.Time) bool {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return y == naive.Year() && mo == naive.Month() && d == naive.Day() &&
		h == naive.Hour() && mi == naive.Minute() && s == naive.Second()
}

func containsInstant(ts []time.Time, t time.Time) bool {
	for _, v := range ts {
		if v.Equal(t) {
			return true
		}
	}
	return false
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
	if before, _, _, ok := changeAround(w, loc); ok {
		naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
		return naive.Add(-time.Duration(before) * time.Second).In(loc), wallGap
	}
	// Not reached for a real gap; fall back to Go's choice.
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc), wallGap
}

// changeAround finds the change of offset in loc whose wall-clock times,
// those it skips or shows twice, hold the wall time w (its location
// ignored): the offsets before and after it, and its instant.
func changeAround(w time.Time, loc *time.Location) (before, after int, at time.Time, ok bool) {
	naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	for c := range timezone.OffsetChanges(naive.Add(-48*time.Hour).In(loc), naive.Add(48*time.Hour)) {
		if lo, hi := wallsBetween(c); !naive.Before(lo) && naive.Before(hi) {
			return c.From, c.To, c.At, true
		}
	}
	return 0, 0, time.Time{}, false
}

// wallsBetween returns the wall-clock times, with Location UTC, that the
// change c skips or shows twice: from lo up to hi.
func wallsBetween(c timezone.OffsetChange) (lo, hi time.Time) {
	before, after := c.Walls()
	if after.Before(before) {
		return after, before
	}
	return before, after
}

// shifts finds the dates among a timed event's occurrences up to end whose
// wall-clock time the zone skips (gaps) or shows twice (repeats), by
// walking the zone's changes of offset rather than every occurrence.
func (e *Event) shifts(end time.Time) (gaps, repeats []time.Time) {
	if e.AllDay {
		return nil, nil
	}
	seen := map[time.Time]bool{}
	for c := range timezone.OffsetChanges(e.Start.Add(-48*time.Hour).In(e.Location), end) {
		lo, hi := wallsBetween(c)
		for _, d := range []time.Time{truncDay(lo), truncDay(hi)} {
			w := e.wallOn(d)
			if seen[d] || w.Before(lo) || !w.Before(hi) || !e.isOccurrenceDate(d) {
				continue
			}
			seen[d] = true
			if c.To > c.From {
				gaps = append(gaps, d)
			} else {
				repeats = append(repeats, d)
			}
		}
	}
	return gaps, repeats
}

func truncDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// spans finds the dates of a timed series' occurrences up to end that
// span a change of offset (see checkShifts for those that start in one),
// leaving out the dates an override gives times of their own.
func (e *Event) spans(end time.Time) []time.Time {
	length := e.End.Sub(e.Start)
	if e.AllDay || length <= 0 {
		return nil
	}
	// An occurrence ending just before the clocks go back can end by the
	// clock in the hour they repeat, which Thunderbird takes the second of:
	// those start up to the change's length earlier (3 h covers every
	// zone's, Troll's 2 h included).
	const slack = 3 * time.Hour
	overridden := map[time.Time]bool{}
	for _, ov := range e.Overrides {
		overridden[ov.Date] = true
	}
	var out []time.Time
	seen := map[time.Time]bool{}
	for c := range timezone.OffsetChanges(e.Start.In(e.Location), end) {
		// The occurrences that span the change start in the length
		// before it: at most a few hundred dates, since a series'
		// occurrences do not overlap by much.
		first := truncDay(c.At.Add(-length - slack).In(e.Location))
		last := truncDay(c.At.In(e.Location))
		for d, k := first, 0; !d.After(last) && k < 400; d, k = d.AddDate(0, 0, 1), k+1 {
			if seen[d] || overridden[d] || !e.isOccurrenceDate(d) {
				continue
			}
			s := e.StartOn(d)
			if !s.Before(c.At) {
				continue
			}
			stop := e.endAfter(s)
			if stop.After(c.At) || byClockDiffers(s, stop, length, e.Location) {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// byClockEnd is the end Thunderbird (ical.js) gives an occurrence that
// starts at start: length later by the clock, and, when the clocks show
// that time twice, the second of them. false when they skip it (an
// occurrence spanning a change forward, which spans finds by its
// elapsed end).
func byClockEnd(start time.Time, length time.Duration, loc *time.Location) (time.Time, bool) {
	w := start.In(loc)
	naive := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC).Add(length)
	var last time.Time
	for _, off := range offsetsNear(naive, loc) {
		if t := naive.Add(-time.Duration(off) * time.Second).In(loc); sameWall(t, naive) && t.After(last) {
			last = t
		}
	}
	return last, !last.IsZero()
}

// byClockDiffers reports whether Thunderbird ends an occurrence from start
// to stop (length apart) elsewhere than at stop.
func byClockDiffers(start, stop time.Time, length time.Duration, loc *time.Location) bool {
	t, ok := byClockEnd(start, length, loc)
	return ok && !t.Equal(stop)
}
