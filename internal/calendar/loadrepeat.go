package calendar

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"calfeed/internal/timezone"
)

var repeatKeys = []string{"freq", "interval", "days", "until", "count", "except", "also"}

// Bounds of a rule's numbers: beyond them a rule is surely a mistake, and
// expanding it would cost more than it is worth.
const (
	maxInterval     = 1000
	maxCount        = 10000
	maxBoundedYears = 100
	// shiftScanYears is how far from its start a rule without end is
	// searched for occurrences in a daylight-saving gap or repeated hour.
	shiftScanYears = 10
)

var dayRE = regexp.MustCompile(`^([+-]?[0-9]+)?([a-z]+)$`)

// dated is a date read from a list, with its node for messages.
type dated struct {
	date time.Time
	node *yaml.Node
}

// repeat reads an event's repeat: and checks it against the event's start;
// timesOK says whether start and end were read without a problem.
func (l *loader) repeat(e *Event, what string, f field, startField field, timesOK bool) {
	what += ": repeat"
	m := l.mapping(f.value, what, repeatKeys)
	if m == nil {
		return
	}
	freq := m.field("freq")
	r := &Repeat{Freq: l.freq(f, m, what), Interval: 1}
	ok := timesOK && r.Freq != ""
	if v, has := m.get("interval"); has {
		n, good := l.number(v.value, what+".interval", 1, maxInterval)
		r.Interval = max(n, 1)
		ok = ok && good
	}
	var daysField field
	if v, has := m.get("days"); has {
		daysField = v
		ok = l.days(r, what, v) && ok
	}
	if v, has := m.get("until"); has {
		w, good := l.wallTime(v.value, what+".until")
		if good && w.hasTime {
			l.errorf(w.node.Line, w.node.Column, "%s.until: give a date, the last day the series may fall on (inclusive), "+
				"like 2016-06-30, without a time", what)
			good = false
		}
		r.Until = w.t
		ok = ok && good
	}
	if v, has := m.get("count"); has {
		if _, both := m.get("until"); both {
			l.errorf(v.key.Line, v.key.Column, "%s: give until or count, not both", what)
			ok = false
		}
		n, good := l.number(v.value, what+".count", 1, maxCount)
		r.Count = n
		ok = ok && good
	}
	var except, also []dated
	if v, has := m.get("except"); has {
		except = l.dates(v, what+".except", "an excepted occurrence is simply not there; to move one, use overrides:")
	}
	if v, has := m.get("also"); has {
		also = l.dates(v, what+".also", "an extra occurrence has the event's time and duration; to change one, use overrides:")
	}
	for _, d := range except {
		r.Except = append(r.Except, d.date)
	}
	for _, d := range also {
		r.Also = append(r.Also, d.date)
	}
	slices.SortFunc(r.Except, time.Time.Compare)
	slices.SortFunc(r.Also, time.Time.Compare)
	if !ok {
		return
	}
	e.Repeat = r
	if !l.checkRule(e, what, freq, daysField, m) {
		e.Repeat = nil
		return
	}
	l.checkDates(e, what, except, also)
	l.checkShifts(e, what, startField)
}

// freq reads a rule's freq:; "" when it is missing or not a frequency.
func (l *loader) freq(f field, m *fieldSet, what string) Freq {
	v, ok := m.get("freq")
	if !ok {
		l.errorf(f.key.Line, f.key.Column, "%s: freq missing; give daily, weekly, monthly or yearly", what)
		return ""
	}
	s, ok := l.scalar(v.value, what+".freq")
	if !ok {
		return ""
	}
	switch fr := Freq(s); fr {
	case Daily, Weekly, Monthly, Yearly:
		return fr
	}
	n := deref(v.value)
	l.errorf(n.Line, n.Column, "%s.freq: %q must be daily, weekly, monthly or yearly%s",
		what, s, didYouMean(s, []string{"daily", "weekly", "monthly", "yearly"}))
	return ""
}

// days reads a rule's days and checks them against its frequency.
func (l *loader) days(r *Repeat, what string, f field) bool {
	items, ok := l.list(f.value, what+".days")
	if ok && len(items) == 0 {
		n := deref(f.value)
		l.errorf(n.Line, n.Column, "%s.days: list at least one day, or leave days out", what)
		return false
	}
	for i, it := range items {
		s, good := l.scalar(it, what+".days")
		if !good {
			ok = false
			continue
		}
		n := deref(it)
		d, msg := parseDay(s)
		switch {
		case msg != "":
			l.errorf(n.Line, n.Column, "%s.days: %q %s", what, s, msg)
			ok = false
			continue
		case r.Freq == Monthly && i > 0:
			l.errorf(n.Line, n.Column, "%s.days: a monthly rule takes one day: Outlook cannot represent more (make a second event for %q)", what, s)
			ok = false
			continue
		case slices.ContainsFunc(r.Days, func(x Day) bool { return x.Weekday == d.Weekday }):
			l.errorf(n.Line, n.Column, "%s.days: %q listed twice", what, s)
			ok = false
			continue
		case r.Freq == Weekly && d.Nth != 0:
			l.errorf(n.Line, n.Column, "%s.days: %q: a position in the month (1tu, -1fr) belongs in a monthly rule; "+
				"a weekly rule's days are mo, tu, we, th, fr, sa, su", what, s)
			ok = false
			continue
		case r.Freq == Monthly && d.Nth == 0:
			l.errorf(n.Line, n.Column, "%s.days: %q: a monthly rule needs the day's position in the month, "+
				"like 1%s (the first), 3%s, or -1%s (the last)", what, s, s, s, s)
			ok = false
			continue
		}
		r.Days = append(r.Days, d)
	}
	switch r.Freq {
	case Daily:
		l.errorf(f.key.Line, f.key.Column, "%s: days: a daily rule falls on every day (or every interval days); for some weekdays only, "+
			"write freq: weekly with those days", what)
		return false
	case Yearly:
		l.errorf(f.key.Line, f.key.Column, "%s: days: a yearly rule falls on its start's date; for a weekday of a month, "+
			"write freq: monthly with interval: 12 and days like [2tu]", what)
		return false
	}
	slices.SortFunc(r.Days, func(a, b Day) int { return mondayOffset(a.Weekday) - mondayOffset(b.Weekday) })
	return ok
}

// parseDay reads "th", "1tu" or "-1fr"; msg says what is wrong, if anything.
func parseDay(s string) (d Day, msg string) {
	m := dayRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return d, "is not a day; write mo, tu, we, th, fr, sa or su (1tu, -1fr in a monthly rule)"
	}
	wd := slices.Index(dayCodes[:], m[2])
	if wd < 0 {
		hint := ""
		if len(m[2]) > 2 {
			if i := slices.Index(dayCodes[:], m[2][:2]); i >= 0 {
				hint = fmt.Sprintf(" (did you mean %q?)", m[1]+dayCodes[i])
			}
		}
		return d, "is not a day" + hint + "; write mo, tu, we, th, fr, sa or su"
	}
	d.Weekday = time.Weekday(wd)
	if m[1] != "" {
		n, _ := strconv.Atoi(m[1])
		if n != -1 && (n < 1 || n > 4) {
			return d, "is not a position every month has and Outlook can show; use 1 to 4, or -1 for the last"
		}
		d.Nth = n
	}
	return d, ""
}

// dates reads a list of dates (except:, also:), reporting any given twice.
func (l *loader) dates(f field, what, timeHint string) []dated {
	items, _ := l.list(f.value, what)
	var out []dated
	lines := map[time.Time]int{}
	for _, it := range items {
		w, ok := l.wallTime(it, what)
		if !ok {
			continue
		}
		t, n := w.t, w.node
		if w.hasTime {
			l.errorf(n.Line, n.Column, "%s: give a date without a time, like 2016-05-19; %s", what, timeHint)
			continue
		}
		if line, dup := lines[t]; dup {
			l.errorf(n.Line, n.Column, "%s: %s listed twice (first at line %d)", what, t.Format(time.DateOnly), line)
			continue
		}
		lines[t] = n.Line
		out = append(out, dated{t, n})
	}
	return out
}

// checkRule checks the rule against the event's start and finds its last
// occurrence. It reports whether the rule can be used.
func (l *loader) checkRule(e *Event, what string, freq, days field, m *fieldSet) bool {
	r := e.Repeat
	start := e.StartDate()
	fn := deref(freq.value)
	switch {
	case r.Freq == Monthly && len(r.Days) == 0 && start.Day() > 28:
		l.errorf(fn.Line, fn.Column, "%s: a monthly rule from %s falls on day %d, which some months lack: "+
			"RFC 5545 skips those months, Outlook moves to their last day; start on a day from 1 to 28, "+
			"or give a day like days: [-1fr]", what, start.Format(time.DateOnly), start.Day())
		return false
	case r.Freq == Yearly && start.Month() == time.February && start.Day() == 29:
		l.errorf(fn.Line, fn.Column, "%s: a yearly rule from 29 February falls on a day most years lack, "+
			"and calendar clients disagree about those years; start on another date", what)
		return false
	}
	var first time.Time
	for d := range r.pattern(start) {
		first = d
		break
	}
	if !first.Equal(start) {
		n := fn
		if days.value != nil {
			n = deref(days.value)
		}
		if len(r.Days) == 1 && r.Days[0].Nth != 0 {
			l.errorf(n.Line, n.Column, "%s: start %s is not the %s of its month; the series begins with its start, "+
				"so start on one of its dates, like %s", what, start.Format(time.DateOnly), describeDay(r.Days[0]), first.Format(time.DateOnly))
		} else {
			l.errorf(n.Line, n.Column, "%s: start %s is a %s, not one of days (%s); the series begins with its start, "+
				"so start on one of its dates, like %s", what, start.Format(time.DateOnly), start.Weekday(), joinDays(r.Days), first.Format(time.DateOnly))
		}
		return false
	}
	endField, hasEnd := m.get("until")
	if !hasEnd {
		endField, hasEnd = m.get("count")
	}
	if !hasEnd {
		return true
	}
	en := deref(endField.value)
	if !r.Until.IsZero() && r.Until.Before(start) {
		l.errorf(en.Line, en.Column, "%s: until %s is before the start %s", what, r.Until.Format(time.DateOnly), start.Format(time.DateOnly))
		return false
	}
	// The last date, found without walking the dates before it: a rule
	// may run for a hundred years, daily.
	var last time.Time
	if r.Count > 0 {
		last = r.nth(start, r.Count)
	} else {
		last = r.lastUntil(start, r.Until)
	}
	if last.IsZero() || last.Year()-start.Year() > maxBoundedYears {
		l.errorf(en.Line, en.Column, "%s: the series would run for more than %d years; "+
			"leave until and count out for a series without end", what, maxBoundedYears)
		return false
	}
	if last.Equal(start) {
		// Microsoft 365 is known to reject FREQ=YEARLY;COUNT=1, and a rule
		// of one date says nothing a plain event does not.
		l.errorf(en.Line, en.Column, "%s: the rule gives one date only (%s); "+
			"a single occurrence is a plain event: remove repeat:, or allow more dates", what, last.Format(time.DateOnly))
		return false
	}
	r.Last = e.StartOn(last)
	return true
}

func describeDay(d Day) string {
	pos := map[int]string{1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}[d.Nth]
	return pos + " " + d.Weekday.String()
}

func joinDays(days []Day) string {
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String()
	}
	return strings.Join(names, ", ")
}

// checkDates checks except: and also: against the rule.
//
// The start cannot be excepted, so a series always has an occurrence.
func (l *loader) checkDates(e *Event, what string, except, also []dated) {
	start := e.StartDate()
	for _, d := range except {
		switch {
		case hasDate(e.Repeat.Also, d.date):
			l.errorf(d.node.Line, d.node.Column, "%s.except: %s is also in also:; keep it in one of them", what, d.date.Format(time.DateOnly))
		case d.date.Equal(start):
			l.errorf(d.node.Line, d.node.Column, "%s.except: %s is the start; "+
				"begin the series on its first real occurrence instead (clients differ on a series whose start is excepted)", what, d.date.Format(time.DateOnly))
		case !e.isRuleDate(d.date):
			l.errorf(d.node.Line, d.node.Column, "%s.except: %s is not a date of the rule%s", what, d.date.Format(time.DateOnly), e.nearDates(d.date))
		}
	}
	for _, d := range also {
		switch {
		case d.date.Before(start):
			l.errorf(d.node.Line, d.node.Column, "%s.also: %s is before the start %s; "+
				"the series begins with its start, so start there instead", what, d.date.Format(time.DateOnly), start.Format(time.DateOnly))
			continue
		case e.isRuleDate(d.date) && !hasDate(e.Repeat.Except, d.date):
			l.errorf(d.node.Line, d.node.Column, "%s.also: %s is already a date of the rule", what, d.date.Format(time.DateOnly))
			continue
		case e.AllDay:
			continue
		}
		w := e.wallOn(d.date)
		if _, res := resolveWall(w, e.Location); res != wallOK {
			rest := "; choose another date, or a separate event"
			if res == wallRepeated {
				rest = ", and calendar clients disagree about which of the two it is" + rest
			}
			c := clockChange{res: res, wall: w.Format(wallLayout), at: w, loc: e.Location}
			l.errorf(d.node.Line, d.node.Column, "%s", c.problem(what+".also", rest))
		}
	}
}

// checkShifts reports occurrences of the rule whose wall-clock time the
// zone skips or shows twice. The loader's rule for a single time (an error
// in a gap, UTC in a repeated hour) cannot apply to a rule, and calendar
// clients disagree about such an occurrence: RFC 5545 §3.3.5 moves one in a
// gap later by the gap's length and takes the first of a repeated hour, as
// python's zoneinfo does; ical.js (Thunderbird) moves it earlier and takes
// the second; libical (Evolution) moves it later, and the next occurrence
// with it, and takes the second.
func (l *loader) checkShifts(e *Event, what string, startField field) {
	if e.AllDay {
		return
	}
	end, scope := e.scanned()
	gaps, repeats := e.shifts(end)
	n := deref(startField.value)
	wall := e.Start.In(e.Location).Format("15:04")
	const fix = "; use a time outside the change, or list those dates under except:"
	if len(gaps) > 0 {
		c := clockChange{res: wallGap, wall: wall, at: e.wallOn(gaps[0]), loc: e.Location,
			on: " on " + gaps[0].Format(time.DateOnly) + others(len(gaps), scope)}
		l.errorf(n.Line, n.Column, "%s", c.problem(what, ", and calendar clients disagree about when such an occurrence is "+
			"("+gapLength(e.wallOn(gaps[0]), e.Location)+" later or earlier)"+fix))
	}
	if len(repeats) > 0 {
		c := clockChange{res: wallRepeated, wall: wall, at: e.wallOn(repeats[0]), loc: e.Location,
			on: " on " + repeats[0].Format(time.DateOnly) + others(len(repeats), scope)}
		l.errorf(n.Line, n.Column, "%s", c.problem(what, ", and calendar clients disagree about which of the two such an occurrence is"+fix))
	}
}

// checkSpans warns of the occurrences of a series that span a change of
// the clocks. Each lasts as long as the first, in elapsed time (RFC 5545
// §3.8.5.3: the exact duration of DTEND less DTSTART), so its end moves
// on the wall clock by the change; calfeed and libical (Evolution) show
// that, but ical.js (Thunderbird) keeps the first's wall-clock length. An
// override with its own end, written as a VEVENT of its own, is read alike
// everywhere: the dates overridden are left out.
func (l *loader) checkSpans(e *Event, what string, m *fieldSet) {
	end, scope := e.scanned()
	spans := e.spans(end)
	if len(spans) == 0 {
		return
	}
	f := lookup(m, "end")
	if f == nil {
		f = lookup(m, "duration")
	}
	n := deref(f.value)
	d := spans[0]
	start := e.StartOn(d)
	stop := e.endAfter(start)
	length := e.End.Sub(e.Start)
	w := start.In(e.Location)
	byClock := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC).Add(length)
	// The change is within the occurrence, or, for one that ends just
	// before the clocks go back, between its end and Thunderbird's.
	tb, _ := byClockEnd(start, length, e.Location)
	from, to, forward := changeBetween(start, later(stop, tb).Add(time.Second), e.Location)
	way := "forward"
	if !forward {
		way = "back"
	}
	if ends := stop.In(e.Location).Format("15:04"); tb.After(stop) && ends == byClock.Format("15:04") {
		// Both ends are the same time by the clock, shown twice.
		l.warnf(n.Line, n.Column, "%s: the occurrence on %s%s ends at %s, a time the clocks show twice that night (they go back from %s to %s): "+
			"like every occurrence it lasts %s, so it ends at the first %s, as calfeed and Evolution show it, "+
			"but Thunderbird takes the second, and shows it %s longer; "+
			"to give it one end in every calendar, add an override for that date with end:",
			what, d.Format(time.DateOnly), others(len(spans), scope), ends, from, to,
			FormatLength(length), ends, FormatLength(tb.Sub(stop)))
		return
	}
	skipped := ""
	if _, res := resolveWall(byClock, e.Location); res == wallGap {
		skipped = ", a time the clocks skip, which it shows before the change, before the start"
	}
	l.warnf(n.Line, n.Column, "%s: the occurrence on %s%s spans a change of the clocks (they go %s from %s to %s): "+
		"like every occurrence it lasts %s, so it ends at %s, as calfeed and Evolution show it, "+
		"but Thunderbird ends it %s after its start by the clock, at %s%s; "+
		"to give it one end in every calendar, add an override for that date with end:",
		what, d.Format(time.DateOnly), others(len(spans), scope), way, from, to,
		FormatLength(length), stop.In(e.Location).Format("15:04"), FormatLength(length), byClock.Format("15:04"), skipped)
}

// gapLength says how far the clocks jump over the wall time w, a time they
// skip in loc: "an hour", or the length ("30m", "24h").
func gapLength(w time.Time, loc *time.Location) string {
	offs := offsetsNear(time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC), loc)
	jump := time.Duration(slices.Max(offs)-slices.Min(offs)) * time.Second
	switch jump {
	case time.Hour, 0:
		return "an hour"
	case 24 * time.Hour:
		return "a day"
	}
	return FormatLength(jump)
}

// changeBetween returns the wall-clock times before and after the first
// change of offset in loc between a and b ("02:00", "03:00"), and whether
// the clocks go forward (by the offsets: 00:00 to 23:00 is back).
func changeBetween(a, b time.Time, loc *time.Location) (from, to string, forward bool) {
	for c := range timezone.OffsetChanges(a.In(loc), b) {
		if !c.At.Before(b) {
			break
		}
		before, after := c.Walls()
		return before.Format("15:04"), after.Format("15:04"), c.To > c.From
	}
	return "", "", false
}

// FormatLength writes a length as durations are written in events.yaml:
// 4h, 1h30m, 3d2h (whole minutes; 0m for less than one).
func FormatLength(d time.Duration) string {
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 || b.Len() == 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	return b.String()
}

// scanned is how far a series is checked against the clock changes: to
// its end, or its first shiftScanYears years, which scope then says.
func (e *Event) scanned() (end time.Time, scope string) {
	if e.Repeat.Last.IsZero() {
		return e.Start.AddDate(shiftScanYears, 0, 0), fmt.Sprintf(" in its first %d years", shiftScanYears)
	}
	return e.Repeat.Last.Add(48 * time.Hour), ""
}

func others(n int, scope string) string {
	switch n {
	case 1:
		return ""
	case 2:
		return " and on 1 other date of the series" + scope
	}
	return fmt.Sprintf(" and on %d other dates of the series%s", n-1, scope)
}
