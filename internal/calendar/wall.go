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
	var offs []int
	t := naive.Add(-48 * time.Hour).In(loc)
	limit := naive.Add(48 * time.Hour)
	for range 16 { // bounded: no zone changes offset more than a few times in 4 days
		_, off := t.Zone()
		if !slices.Contains(offs, off) {
			offs = append(offs, off)
		}
		end := timezone.PeriodEnd(t)
		if end.IsZero() || end.After(limit) {
			break
		}
		t = end.In(loc)
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
