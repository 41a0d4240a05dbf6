package importer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// untilBound is a rule's UNTIL (RFC 5545 §3.3.10): an instant (a UTC
// date-time), or a local date-time or a date, compared with wall times.
type untilBound struct {
	set, utc, date bool
	t              time.Time
}

// allows reports whether an occurrence at wall time w (instant at) is on
// or before the bound.
func (u untilBound) allows(w, at time.Time) bool {
	switch {
	case !u.set:
		return true
	case u.utc:
		return !at.After(u.t)
	case u.date:
		return !truncDay(w).After(u.t)
	}
	return !w.After(u.t)
}

// ruleKeys are the RRULE parts rrule-go reads.
var ruleKeys = []string{"FREQ", "INTERVAL", "WKST", "COUNT", "UNTIL", "BYSETPOS", "BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND"}

// ruleOption reads an RRULE value for a series whose first wall time is
// start (naive). UNTIL is returned apart: the series is expanded in wall
// times and UNTIL bounds instants. Unknown parts are an error.
func ruleOption(raw string, start time.Time) (*rrule.ROption, untilBound, error) {
	var u untilBound
	var kept []string
	for _, part := range strings.Split(strings.ToUpper(strings.TrimSpace(raw)), ";") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		switch {
		case k == "UNTIL":
			u.set = true
			switch {
			case strings.HasSuffix(v, "Z"):
				t, err := time.Parse("20060102T150405Z", v)
				if err != nil {
					return nil, u, fmt.Errorf("UNTIL=%s is not a date-time", v)
				}
				u.utc, u.t = true, t
			case len(v) == 8:
				t, err := time.Parse("20060102", v)
				if err != nil {
					return nil, u, fmt.Errorf("UNTIL=%s is not a date", v)
				}
				u.date, u.t = true, t
			default:
				t, err := time.Parse("20060102T150405", v)
				if err != nil {
					return nil, u, fmt.Errorf("UNTIL=%s is not a date-time", v)
				}
				u.t = t
			}
		case slices.Contains(ruleKeys, k):
			kept = append(kept, part)
		default:
			return nil, u, fmt.Errorf("%s: calfeed does not know %s", raw, k)
		}
	}
	opt, err := rrule.StrToROption(strings.Join(kept, ";"))
	if err != nil {
		return nil, u, fmt.Errorf("%s: %v", raw, err)
	}
	if opt.Count > 0 && u.set {
		return nil, u, fmt.Errorf("%s: gives both COUNT and UNTIL", raw)
	}
	// A value given twice (BYHOUR=8,8) is one: rrule-go would give its
	// times twice, and count them twice against COUNT.
	for _, by := range []*[]int{&opt.Bysetpos, &opt.Bymonth, &opt.Bymonthday, &opt.Byyearday, &opt.Byweekno, &opt.Byhour, &opt.Byminute, &opt.Bysecond} {
		*by = once(*by)
	}
	opt.Byweekday = once(opt.Byweekday)
	opt.Dtstart = start
	return opt, u, nil
}

// maxRuleSteps bounds the dates one rule is walked through: a rule of
// every second for a year would otherwise take all the memory there is.
const maxRuleSteps = 200_000

// maxPeriodSet bounds the times a rule may give in one of its periods:
// rrule-go makes a period's times all at once (a yearly rule of every
// second of every day would be 31 million of them, gigabytes), before
// maxRuleSteps can stop it.
const maxPeriodSet = 100_000

// periodSet is at most how many times opt gives in one of its periods (a
// year for a yearly rule, a month, a week, a day): the days it can give
// in one, times the hours, minutes and seconds it gives in a day.
func periodSet(opt *rrule.ROption) int {
	days := 1
	switch opt.Freq {
	case rrule.YEARLY:
		days = 366
	case rrule.MONTHLY:
		days = 31
	case rrule.WEEKLY:
		days = 7
	}
	n := days
	for _, by := range [][]int{opt.Byhour, opt.Byminute, opt.Bysecond} {
		n *= max(len(by), 1)
	}
	return n
}

// never says why opt can give no date at all, as far as its months and
// days of the month tell (BYMONTH=2;BYMONTHDAY=30), or "": a note that
// says why is better than none (and rrule-go checks a rule's end only on
// the times it gives: see ruleTimes).
func never(opt *rrule.ROption) string {
	if len(opt.Bymonthday) == 0 || len(opt.Bymonth) == 0 {
		return ""
	}
	longest := 0 // the most days of the rule's months, in a leap year
	for _, m := range opt.Bymonth {
		if m >= 1 && m <= 12 {
			longest = max(longest, time.Date(2024, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day())
		}
	}
	for _, d := range opt.Bymonthday {
		if d < 0 && -d <= longest || d > 0 && d <= longest {
			return ""
		}
	}
	return "BYMONTH=" + joinInts(opt.Bymonth) + " has no day BYMONTHDAY=" + joinInts(opt.Bymonthday)
}

// cycleShift is the whole 400-year cycles of the Gregorian calendar (its
// leap years, weekdays and week numbers repeat so) by which a rule walked
// to limit is shifted, so that rrule-go's walk, which goes on to the year
// 9999 for a rule that gives no date, ends within 400 years of limit; 0
// for a limit past 9599.
func cycleShift(limit time.Time) int {
	return max(0, (rrule.MAXYEAR-limit.Year())/400*400)
}

// noDay reports whether no day up to limit has the rule's parts that
// choose days (BYMONTH, BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY): the rule
// then gives no time up to limit. rrule-go finds that out by walking the
// rule, a day (an hour, a minute) at a time, for 400 years past limit
// when no day comes (see ruleTimes): 17 ms a daily rule, 2 s a rule of
// minutes. A yearly rule of the same parts, their positions (1MO) left
// out, gives every day the rule's steps could give, and more (INTERVAL,
// BYSETPOS and positions only leave days out), a year at a time.
func noDay(opt *rrule.ROption, limit time.Time) bool {
	if len(opt.Bymonth)+len(opt.Byweekno)+len(opt.Byyearday)+len(opt.Bymonthday)+len(opt.Byweekday) == 0 {
		return false
	}
	var weekdays []rrule.Weekday
	for _, d := range opt.Byweekday {
		weekdays = append(weekdays, plainWeekday(d))
	}
	// The days repeat every 400 years: the last 400 before limit have
	// every kind of day a longer span has.
	start := opt.Dtstart
	if limit.Year()-start.Year() > 401 {
		start = limit.AddDate(-401, 0, 0)
	}
	days := rrule.ROption{Freq: rrule.YEARLY, Count: 1, Bymonth: opt.Bymonth, Byweekno: opt.Byweekno, Byyearday: opt.Byyearday,
		Bymonthday: opt.Bymonthday, Byweekday: once(weekdays), Wkst: opt.Wkst,
		Dtstart: time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)}
	shift := cycleShift(limit)
	days.Dtstart = days.Dtstart.AddDate(shift, 0, 0)
	r, err := rrule.NewRRule(days)
	if err != nil {
		return false
	}
	w, ok := r.Iterator()()
	return !ok || w.AddDate(-shift, 0, 0).After(limit)
}

// plainWeekday is d without its position (1MO is MO).
func plainWeekday(d rrule.Weekday) rrule.Weekday {
	return [...]rrule.Weekday{rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU}[d.Day()]
}

// neverClock says why an HOURLY, MINUTELY or SECONDLY rule can give no
// time at all, or "": stepped by its INTERVAL from its start, the clock
// never reads an hour (minute, second) of its BYHOUR (BYMINUTE, BYSECOND),
// as FREQ=HOURLY;INTERVAL=2;BYHOUR=1 from 10:00, which rrule-go steps
// through for ever.
func neverClock(opt *rrule.ROption) string {
	unit := map[rrule.Frequency]int{rrule.HOURLY: 3600, rrule.MINUTELY: 60, rrule.SECONDLY: 1}[opt.Freq]
	if unit == 0 || len(opt.Byhour) == 0 && len(opt.Byminute) == 0 && len(opt.Bysecond) == 0 {
		return ""
	}
	// The steps reach, within a day, the times whose distance from the
	// start's is a multiple of g (in units), and no other.
	day := 86400 / unit
	g := gcd(max(opt.Interval, 1), day)
	h0, m0, s0 := opt.Dtstart.Clock()
	start := (h0*3600 + m0*60 + s0) / unit
	// The values the stepping checks, each part's own or, when it has
	// none, every one; a finer part than the rule's steps (BYMINUTE of
	// an HOURLY rule) is not stepped through but filled in each step.
	values := func(by []int, n int, stepped bool) []int {
		switch {
		case !stepped:
			return []int{0}
		case len(by) > 0:
			return by
		}
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	for _, h := range values(opt.Byhour, 24, true) {
		for _, m := range values(opt.Byminute, 60, unit <= 60) {
			for _, sec := range values(opt.Bysecond, 60, unit == 1) {
				if ((h*3600+m*60+sec)/unit-start)%g == 0 {
					return ""
				}
			}
		}
	}
	return fmt.Sprintf("FREQ=%s;INTERVAL=%d from %02d:%02d:%02d never reaches its BYHOUR, BYMINUTE or BYSECOND", opt.Freq, max(opt.Interval, 1), h0, m0, s0)
}

// once returns vs with each value's later repeats left out.
func once[T comparable](vs []T) []T {
	out := vs[:0:0]
	for i, v := range vs {
		if !slices.Contains(vs[:i], v) {
			out = append(out, v)
		}
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ruleTimes returns the wall times (naive) a rule gives from its start up
// to limit (a wall time), at most max of them, with the instant each
// names; more says whether the rule gives more before limit.
func ruleTimes(opt *rrule.ROption, u untilBound, z *zone, allDay bool, limit time.Time, max int) (walls, instants []time.Time, more bool, err error) {
	// rrule-go panics on some rules it accepted (BYDAY=14TH with BYMONTH):
	// a file is no reason for calfeed import to crash.
	defer func() {
		if p := recover(); p != nil {
			walls, instants, more, err = nil, nil, false, fmt.Errorf("the rule cannot be expanded (%v)", p)
		}
	}()
	if n := periodSet(opt); n > maxPeriodSet {
		period := map[rrule.Frequency]string{rrule.YEARLY: "year", rrule.MONTHLY: "month", rrule.WEEKLY: "week"}[opt.Freq]
		return nil, nil, false, fmt.Errorf("the rule can give up to %d times in a %s (its days times its BYHOUR, BYMINUTE and BYSECOND), more than the %d calfeed expands", n, period, maxPeriodSet)
	}
	if why := never(opt); why != "" {
		return nil, nil, false, fmt.Errorf("the rule gives no date (%s)", why)
	}
	if why := neverClock(opt); why != "" {
		return nil, nil, false, fmt.Errorf("the rule gives no time (%s)", why)
	}
	if opt.Freq == rrule.SECONDLY {
		// No calendar's events come every second; and rrule-go steps
		// through every second of a day its other parts leave out.
		return nil, nil, false, fmt.Errorf("FREQ=SECONDLY: calfeed does not expand a rule of every second")
	}
	if noDay(opt, limit) {
		return nil, nil, false, nil // as the walk would find, without it
	}
	// rrule-go walks a rule until it gives a time, up to the year 9999, so
	// one that never gives one (BYWEEKNO=1;BYMONTH=6) took a fifth of a
	// second. The Gregorian calendar repeats every 400 years (its leap
	// years, weekdays and week numbers), so the rule is walked shifted by
	// whole 400 years, to end within 400 years of limit, and each time
	// shifted back.
	shifted := *opt
	shift := cycleShift(limit)
	shifted.Dtstart = opt.Dtstart.AddDate(shift, 0, 0)
	r, err := rrule.NewRRule(shifted)
	if err != nil {
		return nil, nil, false, err
	}
	next := r.Iterator()
	for steps := 0; steps < maxRuleSteps; steps++ {
		w, ok := next()
		if !ok {
			return walls, instants, false, nil
		}
		if w = w.AddDate(-shift, 0, 0); w.After(limit) {
			return walls, instants, false, nil
		}
		at := w
		if !allDay {
			at = z.instant(w)
		}
		if !u.allows(w, at) {
			return walls, instants, false, nil
		}
		if len(walls) == max {
			return walls, instants, true, nil
		}
		walls = append(walls, w)
		instants = append(instants, at)
	}
	return walls, instants, true, nil
}

// truncDay returns the date of t (its own wall clock) at midnight UTC.
func truncDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// timeOfDay returns how long after midnight t's wall clock is.
func timeOfDay(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

// calfeedRule maps a source rule to events.yaml's repeat: (freq,
// interval, days; count and until are the caller's), for a series that
// starts on date start. reason says what repeat: cannot express, if
// anything; the mapping is then unusable.
func calfeedRule(opt *rrule.ROption, start time.Time) (r *repeat, reason string) {
	r = &repeat{interval: max(opt.Interval, 1)}
	switch opt.Freq {
	case rrule.YEARLY:
		r.freq = "yearly"
	case rrule.MONTHLY:
		r.freq = "monthly"
	case rrule.WEEKLY:
		r.freq = "weekly"
	case rrule.DAILY:
		r.freq = "daily"
	default:
		return nil, fmt.Sprintf("FREQ=%s (calfeed repeats daily at most)", opt.Freq)
	}
	for name, v := range map[string][]int{"BYYEARDAY": opt.Byyearday, "BYWEEKNO": opt.Byweekno, "BYHOUR": opt.Byhour, "BYMINUTE": opt.Byminute, "BYSECOND": opt.Bysecond} {
		if len(v) > 0 {
			return nil, name
		}
	}
	if len(opt.Bymonthday) > 0 {
		if len(opt.Bymonthday) > 1 || opt.Bymonthday[0] != start.Day() || (r.freq != "monthly" && r.freq != "yearly") || len(opt.Byweekday) > 0 {
			return nil, "BYMONTHDAY=" + joinInts(opt.Bymonthday)
		}
	}
	if len(opt.Bymonth) > 0 {
		if len(opt.Bymonth) > 1 || opt.Bymonth[0] != int(start.Month()) || r.freq != "yearly" {
			return nil, "BYMONTH=" + joinInts(opt.Bymonth)
		}
	}
	days := opt.Byweekday
	if len(opt.Bysetpos) > 0 {
		// Outlook writes "the last Friday" as BYDAY=FR;BYSETPOS=-1.
		if r.freq != "monthly" || len(opt.Bysetpos) > 1 || len(days) != 1 || days[0].N() != 0 {
			return nil, "BYSETPOS=" + joinInts(opt.Bysetpos)
		}
		days = []rrule.Weekday{days[0].Nth(opt.Bysetpos[0])}
	}
	if len(days) == 0 {
		return r, ""
	}
	switch r.freq {
	case "daily":
		if r.interval > 1 {
			return nil, "BYDAY in a rule of every few days"
		}
		r.freq = "weekly" // every day of some weekdays, week after week
		fallthrough
	case "weekly":
		for _, d := range days {
			if d.N() != 0 {
				return nil, "BYDAY=" + d.String() + " in a weekly rule"
			}
			r.days = append(r.days, dayCode(d))
		}
	case "monthly", "yearly":
		if len(days) > 1 {
			return nil, "BYDAY with several days in a " + r.freq + " rule"
		}
		d := days[0]
		if n := d.N(); n != -1 && (n < 1 || n > 4) {
			return nil, "BYDAY=" + d.String() + " (calfeed takes the first to fourth or the last weekday of a month)"
		}
		if r.freq == "yearly" {
			// The fourth Thursday of November, yearly: monthly, every 12th month.
			if len(opt.Bymonth) != 1 || r.interval*12 > 1000 {
				return nil, "BYDAY in a yearly rule without its month"
			}
			r.freq, r.interval = "monthly", r.interval*12
		}
		r.days = []string{dayCode(d)}
	}
	return r, ""
}

// dayCode writes a weekday as events.yaml does: th, 1tu, -1fr.
func dayCode(d rrule.Weekday) string {
	code := [...]string{"mo", "tu", "we", "th", "fr", "sa", "su"}[d.Day()]
	if n := d.N(); n != 0 {
		return fmt.Sprint(n) + code
	}
	return code
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
