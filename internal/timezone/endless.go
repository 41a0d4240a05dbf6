package timezone

// The years past the window, for an event repeating without end (see
// ForEndless).

import (
	"slices"
	"sort"
	"time"
)

// futureYears is how far past its window a zone's rules are checked
// against Go's: 28 years, the cycle of the Gregorian calendar's weekdays
// and dates (between century years), in which a yearly rule falls on
// every day it can.
const futureYears = 28

// continueAfter returns the observances of the window (see For), and makes
// the VTIMEZONE right past it too, where a client goes on applying the
// rules that run on. Mostly they say what Go says for the years after the
// window, and the observances are returned as they are. Where they do not
// (a rule that is not the nth or last weekday of a month, such as Chile's
// or Egypt's, was cut into one-off onsets in the window, or the law
// changes soon after it), each rule running on is ended at its last onset
// in the window, and the futureYears after it are described anew: for
// each rule key, the longest run of its last onsets that one yearly rule
// gives (see ruleFor) runs on from its first, and the onsets before it
// are one-offs.
func continueAfter(loc *time.Location, rs []ruled, windowEnd time.Time) []Observance {
	futureEnd := windowEnd.AddDate(futureYears, 0, 0)
	future := changesBetween(loc, windowEnd.Add(-time.Nanosecond), futureEnd)
	type key struct {
		at       int64
		from, to int
		name     string
	}
	var predicted, actual []key
	for _, r := range rs {
		if r.rule == nil {
			continue
		}
		for _, at := range r.rule.onsetsIn(r.Start, r.OffsetFrom, windowEnd, futureEnd) {
			predicted = append(predicted, key{at.Unix(), r.OffsetFrom, r.OffsetTo, r.Name})
		}
	}
	for _, c := range future {
		actual = append(actual, key{c.at.Unix(), c.from, c.to, c.name})
	}
	sort.Slice(predicted, func(i, j int) bool { return predicted[i].at < predicted[j].at })
	same := slices.Equal(predicted, actual)

	observances := make([]Observance, len(rs))
	for i, r := range rs {
		observances[i] = r.Observance
		if !same && r.rule != nil {
			observances[i].RRule += until(r.last)
		}
	}
	if same {
		return observances
	}
	keys, groups := group(classify(future))
	// A rule is checked for futureYears from its own first onset, against
	// the changes of twice as long: found from fewer years (a law that
	// began late in them), it could leave out a day it falls on in a year
	// not seen.
	_, longer := group(classify(changesBetween(loc, windowEnd.Add(-time.Nanosecond), windowEnd.AddDate(2*futureYears, 0, 0))))
	for _, k := range keys {
		// The longest run of the group's last onsets that one rule gives
		// runs on from its first; those before it (the law before a
		// change, or onsets that follow no rule) are one-offs.
		g := groups[k]
		rest := len(g)
		var rule yearly
		for i := 0; i < len(g)-1; i++ {
			if y, ok := ruleFor(longer[k][i:]); ok {
				rest, rule = i, y
				break
			}
		}
		for _, o := range g[:rest] {
			observances = append(observances, o.oneOff())
		}
		if rest < len(g) {
			obs := g[rest].oneOff()
			obs.RRule = rule.String()
			observances = append(observances, obs)
		}
	}
	return observances
}

// ruleFor returns the yearly rule whose onsets, from g's first for
// futureYears, are exactly g's in that time (g, onsets of one rule key,
// must reach that far): the nth weekday of their month, the last, the
// weekday on or after a day of the month (tz's "Sun>=8", the days D to
// D+6 within the month), or the weekday on the days of the month g's
// onsets fall on (the part within the month of a week that runs into the
// next).
func ruleFor(g []onset) (yearly, bool) {
	start := g[0].wall()
	end := g[0].at.AddDate(futureYears, 0, 0)
	var days []int
	for _, o := range g {
		if !o.at.Before(end) {
			break
		}
		if d := o.wall().Day(); !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	slices.Sort(days)
	base := yearly{month: start.Month(), weekday: start.Weekday()}
	var candidates []yearly
	for _, n := range []int{1, 2, 3, 4, -1} {
		y := base
		y.n = n
		candidates = append(candidates, y)
	}
	for d := max(1, days[len(days)-1]-6); d <= days[0]; d++ {
		y := base
		for day := d; day <= min(d+6, 31); day++ {
			y.days = append(y.days, day)
		}
		candidates = append(candidates, y)
	}
	y := base
	y.days = days
	candidates = append(candidates, y)
	for _, y := range candidates {
		at := y.onsetsIn(start, g[0].from, g[0].at, end)
		if len(at) <= len(g) && slices.EqualFunc(at, g[:len(at)], func(t time.Time, o onset) bool { return t.Equal(o.at) }) &&
			(len(at) == len(g) || !g[len(at)].at.Before(end)) {
			return y, true
		}
	}
	return yearly{}, false
}
