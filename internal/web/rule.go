package web

import (
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"
)

// RuleText says in words, in t's language, when a repeating event recurs:
// "Every Thursday until 30 June 2016", "Every 2 weeks on Tuesday and
// Thursday, 30 times", "Every month on the last Friday". It describes the
// rule (RRULE); the dates it leaves out (except:) and adds (also:) show in
// the list of occurrences. "" for a one-off event.
func RuleText(e *calendar.Event, t *locale.Words) string {
	r := e.Repeat
	if r == nil {
		return ""
	}
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
		s = every("rule_weekly", "rule_weekly_n", t.Weekdays(days))
	case calendar.Monthly:
		on := t.MonthDay(start.Day())
		if len(r.Days) == 1 && r.Days[0].Nth != 0 {
			on = t.Nth(r.Days[0].Nth, r.Days[0].Weekday)
		}
		s = every("rule_monthly", "rule_monthly_n", on)
	case calendar.Yearly:
		s = every("rule_yearly", "rule_yearly_n", t.YearDay(start))
	default:
		return ""
	}
	switch {
	case !r.Until.IsZero():
		s = t.Get("rule_until", s, t.Date(r.Until))
	case r.Count > 0:
		s = t.N("rule_count", r.Count, s)
	}
	return s
}
