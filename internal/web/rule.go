package web

import (
	"strconv"
	"time"

	"calfeed/internal/calendar"
)

// ruleText says in words, in t's language, when a repeating event recurs:
// "Every Thursday until 30 June 2016", "Every 2 weeks on Tuesday and
// Thursday, 30 times", "Every month on the last Friday". It describes the
// rule (RRULE); the dates it leaves out (except:) and adds (also:) show in
// the list of occurrences. "" for a one-off event.
func ruleText(e *calendar.Event, t *translator) string {
	r := e.Repeat
	if r == nil {
		return ""
	}
	w := ruleNames[datePrimary(t.lang)]
	dw := dateNames[datePrimary(t.lang)]
	start := e.StartDate()
	every := func(one, many string, arg string) string {
		if r.Interval <= 1 {
			return t.Get(one, arg)
		}
		return t.N(many, r.Interval, arg)
	}
	var s string
	switch r.Freq {
	case calendar.Daily:
		s = every("rule_daily", "rule_daily_n", "")
	case calendar.Weekly:
		days := []time.Weekday{start.Weekday()} // a weekly rule without days: the start's
		if len(r.Days) > 0 {
			days = days[:0]
			for _, d := range r.Days {
				days = append(days, d.Weekday)
			}
		}
		s = every("rule_weekly", "rule_weekly_n", w.weekly(days))
	case calendar.Monthly:
		on := w.monthDay(start.Day())
		if len(r.Days) == 1 && r.Days[0].Nth != 0 {
			on = w.nth(r.Days[0].Nth, r.Days[0].Weekday)
		}
		s = every("rule_monthly", "rule_monthly_n", on)
	case calendar.Yearly:
		s = every("rule_yearly", "rule_yearly_n", w.yearDay(dw, start))
	default:
		return ""
	}
	switch {
	case !r.Until.IsZero():
		s = t.Get("rule_until", s, dw.date(dw, r.Until))
	case r.Count > 0:
		s = t.N("rule_count", r.Count, s)
	}
	return s
}

// ruleWords are the pieces of a rule's description that depend on a
// language's grammar more than a message can: the case and gender a weekday
// takes after "every" or "the first".
type ruleWords struct {
	// weekly names the days of a weekly rule as "every {1}" takes them:
	// "Tuesday and Thursday", "mardis et jeudis", "по вторникам и четвергам".
	weekly func(days []time.Weekday) string
	// monthDay is a day of the month: "the 29th", "le 29", "29日".
	monthDay func(d int) string
	// nth is a weekday's position in the month (1 to 4, or -1 for the
	// last): "the last Friday", "в последнюю пятницу".
	nth func(n int, wd time.Weekday) string
	// yearDay is the date of a yearly rule: "2 May", "le 2 mai".
	yearDay func(w dateWords, d time.Time) string
}

// joinList joins items as a list: "a, b and c" with sep ", " and last
// " and ".
func joinList(items []string, sep, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	s := items[0]
	for _, it := range items[1 : len(items)-1] {
		s += sep + it
	}
	return s + last + items[len(items)-1]
}

// weekdayList names days from a table indexed by time.Weekday.
func weekdayList(names [7]string, days []time.Weekday, sep, last string) string {
	items := make([]string, len(days))
	for i, d := range days {
		items[i] = names[d]
	}
	return joinList(items, sep, last)
}

// ordinalIndex maps a position in the month (1 to 4, -1 for the last) to
// an index in a table of five words: first, second, third, fourth, last.
func ordinalIndex(n int) int {
	if n < 0 || n > 4 {
		return 4
	}
	return n - 1
}

// englishOrdinal writes 1st, 2nd, 3rd, 4th, 11th, 21st, 22nd, 29th.
func englishOrdinal(d int) string {
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(d) + suffix
}
