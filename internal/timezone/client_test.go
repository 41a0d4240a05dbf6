package timezone

// This file is a test-only interpreter of a Zone that works the way a
// calendar client reads a VTIMEZONE (RFC 5545 §3.6.5): each observance's
// DTSTART, and its RRULE expanded by an independent library (rrule-go, not
// our own code), gives onsets; each onset's wall clock is turned into UTC
// with that observance's TZOFFSETFROM; the offset in force at an instant is
// the TZOFFSETTO of the latest onset at or before it.

import (
	"fmt"
	"sort"
	"time"

	"github.com/teambition/rrule-go"
)

// clientOnset is one onset of a VTIMEZONE as a client sees it.
type clientOnset struct {
	at     time.Time // UTC instant
	offset int       // TZOFFSETTO from then on
	from   string    // which observance it came from, for messages
}

// clientView is a Zone expanded into onsets, sorted by instant.
type clientView struct {
	onsets []clientOnset
}

// expandZone expands every observance of z up to and including until.
func expandZone(z Zone, until time.Time) (clientView, error) {
	var onsets []clientOnset
	for _, o := range z.Observances {
		// DTSTART is a local time in TZOFFSETFROM (RFC 5545 §3.6.5).
		s := o.Start
		dtstart := time.Date(s.Year(), s.Month(), s.Day(), s.Hour(), s.Minute(), s.Second(), 0,
			time.FixedZone("TZOFFSETFROM", o.OffsetFrom))
		desc := fmt.Sprintf("%s %s", s.Format("20060102T150405"), o.RRule)
		if dtstart.After(until) {
			continue // not expanded so far
		}

		if o.RRule == "" {
			onsets = append(onsets, clientOnset{at: dtstart.UTC(), offset: o.OffsetTo, from: desc})
			continue
		}
		// UNTIL must be UTC in a VTIMEZONE (RFC 5545 §3.3.10); rrule-go
		// refuses an UNTIL without a Z, so a local UNTIL fails here.
		opt, err := rrule.StrToROption(o.RRule)
		if err != nil {
			return clientView{}, fmt.Errorf("observance %s: %v", desc, err)
		}
		opt.Dtstart = dtstart
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return clientView{}, fmt.Errorf("observance %s: %v", desc, err)
		}
		occurrences := rule.Between(dtstart, until, true)
		// RFC 5545 §3.8.5.3: DTSTART should be the first instance of the
		// rule; clients disagree on what to do otherwise, so require it.
		if len(occurrences) == 0 || !occurrences[0].Equal(dtstart) {
			return clientView{}, fmt.Errorf("observance %s: DTSTART is not the rule's first occurrence", desc)
		}
		for _, at := range occurrences {
			onsets = append(onsets, clientOnset{at: at.UTC(), offset: o.OffsetTo, from: desc})
		}
	}
	sort.SliceStable(onsets, func(i, j int) bool { return onsets[i].at.Before(onsets[j].at) })
	for i := 1; i < len(onsets); i++ {
		if onsets[i].at.Equal(onsets[i-1].at) && onsets[i].offset != onsets[i-1].offset {
			return clientView{}, fmt.Errorf("onsets at %v from %q and %q disagree",
				onsets[i].at, onsets[i-1].from, onsets[i].from)
		}
	}
	return clientView{onsets: onsets}, nil
}

// offsetAt returns the offset the zone implies at instant t, and false if
// no onset is at or before t (the VTIMEZONE does not cover t).
func (v clientView) offsetAt(t time.Time) (int, bool) {
	// Index of the first onset after t; the one before it is in force.
	i := sort.Search(len(v.onsets), func(i int) bool { return v.onsets[i].at.After(t) })
	if i == 0 {
		return 0, false
	}
	return v.onsets[i-1].offset, true
}

// goTransitions lists the instants in [start, end) where Go's zone period
// for loc changes, stepping with ZoneBounds.
func goTransitions(loc *time.Location, start, end time.Time) []time.Time {
	var out []time.Time
	t := start.In(loc)
	for {
		_, next := t.ZoneBounds()
		if next.IsZero() {
			return out
		}
		if !next.After(t) {
			// golang/go#81583: a bogus end in leap years past the
			// zone's table. Step on; the hourly scan covers the gap.
			t = t.Add(time.Hour)
			continue
		}
		if !next.Before(end) {
			return out
		}
		out = append(out, next)
		t = next
	}
}
