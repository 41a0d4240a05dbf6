package calendar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"calfeed/internal/timezone"
)

// zone loads an IANA zone name, suggesting the nearest name on a typo;
// messages name it what+name.
func (l *loader) zone(n *yaml.Node, what, name string) (*time.Location, bool) {
	s, ok := l.scalarNamed(n, what, name)
	if !ok {
		return nil, false
	}
	// LoadLocation accepts "" (UTC) and "Local" (the host's zone): neither is
	// a zone that means the same thing on every server.
	if s != "" && s != "Local" {
		// One *time.Location per zone name (see ZoneCache).
		if loc, first, ok := l.zones.load(s); ok {
			if w := zoneWarning(s); w != "" && first { // once a file, not once an event
				l.warnf(n.Line, n.Column, "%s%s: %s", what, name, w)
			}
			return loc, true
		}
	}
	l.errorf(n.Line, n.Column, "%s%s: unknown time zone %q%s; use an IANA name such as \"Europe/Zurich\"", what, name, s, ZoneHint(s))
	return nil, false
}

// etcZone is a zone of the time zone database's Etc area with an offset,
// whose sign is POSIX's: Etc/GMT+5 is five hours behind UTC.
var etcZone = regexp.MustCompile(`^Etc/GMT([+-])(\d{1,2})$`)

// zoneWarning says what is likely wrong with a zone that exists but is
// seldom what its writer meant: EST and MST, which keep standard time all
// year where the cities people mean by them do not, and the Etc zones,
// whose sign is the reverse of the offset's. "" for any other zone.
func zoneWarning(s string) string {
	switch s {
	case "EST":
		return `"EST" is UTC-05:00 all year, with no daylight saving: New York, Toronto and the US East Coast are "America/New_York", an hour later in summer; keep EST only for a fixed offset`
	case "MST":
		return `"MST" is UTC-07:00 all year, with no daylight saving: Denver is "America/Denver", an hour later in summer (Phoenix, without it, is "America/Phoenix"); keep MST only for a fixed offset`
	}
	if m := etcZone.FindStringSubmatch(s); m != nil && m[2] != "0" {
		sign := map[string]string{"+": "-", "-": "+"}[m[1]]
		return fmt.Sprintf(`%q is UTC%s%s:00 (the Etc zones' sign is the reverse of the offset's): for UTC%s%s:00 write "Etc/GMT%s%s"; a city's zone, such as "Asia/Shanghai", follows its daylight saving too`,
			s, sign, pad2(m[2]), m[1], pad2(m[2]), sign, m[2])
	}
	return ""
}

// pad2 pads a number of one or two digits to two.
func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// wallValue is a date or a wall-clock time as the file gives it.
type wallValue struct {
	t       time.Time // its location is UTC and meaningless
	hasTime bool      // false for a date alone
	node    *yaml.Node
}

// durationValue is a duration as the file gives it.
type durationValue struct {
	d    time.Duration
	node *yaml.Node
}

// repeatedHour says what a wall time the clocks show twice (they go back)
// does to the event or occurrence it is the time of. Calendar clients
// disagree about which of the two instants such a time names.
type repeatedHour int

const (
	// eventInUTC: a one-off event takes the first of the two, with a
	// warning, and the feeds write its times in UTC (Event.UTC).
	eventInUTC repeatedHour = iota
	// occurrenceInUTC: the same for one occurrence an override changes
	// (Override.UTC).
	occurrenceInUTC
	// seriesRefused: a repeating event's start or end in such an hour is
	// an error: its feed would have to give it in UTC, and a rule from a
	// UTC time drifts an hour off across daylight-saving changes.
	seriesRefused
)

// timing is how the times of an event or of one occurrence are read.
type timing struct {
	allDay bool           // dates, not wall-clock times
	loc    *time.Location // the zone of the wall-clock times
	twice  repeatedHour   // what a time the clocks show twice does
	utc    bool           // the start is written in UTC already (it fell in a repeated hour)
}

// when reads an event's start, end and duration, turning wall times into
// instants; twice says what a time in a repeated hour does. overrideTimes
// reads an override's the same way.
func (l *loader) when(e *Event, what string, node *yaml.Node, m *fieldSet, twice repeatedHour) {
	ef, df := lookup(m, "end"), lookup(m, "duration")
	sf, ok := m.get("start")
	if !ok {
		l.errorf(node.Line, node.Column, "%s: start missing; write it as 2015-12-14 18:00, or 2015-12-14 for an all-day event", what)
		l.endsAlone(what, ef, df)
		return
	}
	startName := what + ": start"
	start, ok := l.wallTime(sf.value, startName)
	if !ok {
		l.endsAlone(what, ef, df)
		return
	}
	if ef != nil && df != nil {
		l.endsAlone(what, ef, df) // "not both", and what else is wrong with each
		return
	}
	tm := timing{allDay: !start.hasTime, loc: e.Location, twice: twice}
	s, utc, ok := l.startOf(start, startName, tm)
	if !ok {
		l.endsAlone(what, ef, df)
		return
	}
	e.AllDay, e.Start, e.UTC = tm.allDay, s, utc
	tm.utc = utc
	if tm.allDay {
		e.End = s.AddDate(0, 0, 1) // one day, unless end or duration says otherwise
	}
	if ef == nil && df == nil {
		if !tm.allDay {
			l.errorf(node.Line, node.Column, "%s: end missing; give end: (a wall time like 2015-12-14 20:00) or duration: (like 2h)", what)
		}
		return
	}
	end, ok := l.wallField(ef, what, ": end")
	if !ok {
		return
	}
	dur, ok := l.durationField(df, what, ": duration")
	if !ok {
		return
	}
	switch {
	case end == nil || end.hasTime == start.hasTime:
	case end.hasTime:
		l.errorf(end.node.Line, end.node.Column, "%s: end has a time but start is a date; give both a time, or neither for an all-day event", what)
		return
	default:
		l.errorf(end.node.Line, end.node.Column, "%s: end is a date but start has a time; give both a time, or neither for an all-day event", what)
		return
	}
	if t, utc, ok := l.endOf(what, s, end, dur, tm); ok {
		e.End, e.UTC = t, e.UTC || utc
	}
}

// endsAlone reports what is wrong with an event's end and duration, ef and
// df (either nil), on their own, when its start cannot be had: every
// problem at once, not the start's first and the end's after its fix.
func (l *loader) endsAlone(what string, ef, df *field) {
	if ef != nil && df != nil {
		l.errorf(df.key.Line, df.key.Column, "%s: give end or duration, not both", what)
	}
	l.wallField(ef, what, ": end")
	l.durationField(df, what, ": duration")
}

// startOf returns the start that w gives: the date of an all-day event or
// occurrence, else the instant its wall time names (see instant).
func (l *loader) startOf(w wallValue, what string, tm timing) (start time.Time, utc, ok bool) {
	if tm.allDay {
		return w.t, false, true
	}
	return l.instant(w, what, tm)
}

// endOf returns the end of what starts at start (an instant, or a date when
// tm.allDay), as end or dur gives it, whichever is not nil. An all-day end
// is the day after the last day.
func (l *loader) endOf(what string, start time.Time, end *wallValue, dur *durationValue, tm timing) (t time.Time, utc, ok bool) {
	switch {
	case tm.allDay && end != nil:
		if end.t.Before(start) {
			l.errorf(end.node.Line, end.node.Column, "%s: end %s is before start %s (for an all-day event, end is the last day)",
				what, end.t.Format(time.DateOnly), start.Format(time.DateOnly))
			return time.Time{}, false, false
		}
		return end.t.AddDate(0, 0, 1), false, true
	case tm.allDay:
		const day = 24 * time.Hour
		if dur.d%day != 0 {
			l.errorf(dur.node.Line, dur.node.Column, "%s: an all-day event lasts whole days (like 3d), not %s", what, dur.node.Value)
			return time.Time{}, false, false
		}
		return start.AddDate(0, 0, int(dur.d/day)), false, true
	case end != nil:
		t, utc, ok := l.instant(*end, what+": end", tm)
		if !ok {
			return time.Time{}, false, false
		}
		if !t.After(start) {
			l.errorf(end.node.Line, end.node.Column, "%s: end %s is not after start %s",
				what, end.t.Format(wallLayout), start.In(tm.loc).Format(wallLayout))
			return time.Time{}, false, false
		}
		return t, utc, true
	default:
		t := start.Add(dur.d)
		utc, ok := l.endInRepeatedHour(what+": end (start + "+dur.node.Value+")", dur.node, t, tm)
		if ok && strings.Contains(dur.node.Value, "d") && tm.twice != seriesRefused {
			l.daysAcrossChange(what, dur, start, t, tm.loc)
		}
		return t, utc, ok
	}
}

// daysAcrossChange warns when a duration of days, which is elapsed time
// (3d is 72 hours), spans a change of the clocks: its end is not at the
// start's wall time, as a reader of "3d" may expect (RFC 5545's P3D is).
// A series' occurrences are checkSpans' to warn of.
func (l *loader) daysAcrossChange(what string, dur *durationValue, start, end time.Time, loc *time.Location) {
	_, a := start.In(loc).Zone()
	_, b := end.In(loc).Zone()
	if a == b {
		return
	}
	from, to, _ := changeBetween(start, end, loc)
	w := start.In(loc)
	sameClock := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC).Add(dur.d)
	l.warnf(dur.node.Line, dur.node.Column, "%s: duration %s is %d hours, and the clocks change in between (from %s to %s): "+
		"it ends at %s; for the start's time of day, write end: %s",
		what, dur.node.Value, int(dur.d/time.Hour), from, to, end.In(loc).Format(wallLayout), sameClock.Format(wallLayout))
}

// endInRepeatedHour checks an end found from a duration, t, whose wall
// time in tm.loc may be one the clocks show twice. Written as that wall
// time, readers would take the first of the two (RFC 5545 §3.3.5), which
// may not be t, and they do not all agree: a one-off event or occurrence
// is then written in UTC (utc), with a warning at node, and a series is
// refused, as it is for an end written in that hour.
func (l *loader) endInRepeatedHour(what string, node *yaml.Node, t time.Time, tm timing) (utc, ok bool) {
	// No change of offset within a day either side: no repeated hour
	// (the quick answer for nearly every event).
	if end := timezone.PeriodEnd(t.Add(-25 * time.Hour).In(tm.loc)); end.IsZero() || end.After(t.Add(25*time.Hour)) {
		return false, true
	}
	wall := t.In(tm.loc)
	if _, res := resolveWall(wall, tm.loc); res != wallRepeated {
		return false, true
	}
	if tm.utc {
		return true, true // said of the start already
	}
	c := clockChange{res: wallRepeated, wall: wall.Format(wallLayout), at: wall, loc: tm.loc}
	switch tm.twice {
	case seriesRefused:
		l.errorf(node.Line, node.Column, "%s", c.problem(what, "; a repeating event cannot end in that hour: "+
			"calendars would read the length of every occurrence from that time, and not all alike; "+
			"give a length that ends outside that hour, or begin the series on another date"))
		return false, false
	case occurrenceInUTC:
		l.warnf(node.Line, node.Column, "%s", c.problem(what, "; writing this occurrence's times in UTC, where they are unambiguous"))
	default:
		l.warnf(node.Line, node.Column, "%s", c.problem(what, "; writing this event's times in UTC, where they are unambiguous"))
	}
	return true, true
}

// instant returns the instant wall time w names in tm.loc. A time the
// clocks skip is an error; for one they show twice, tm.twice says what
// happens, and utc reports that the first of the two was taken.
func (l *loader) instant(w wallValue, what string, tm timing) (t time.Time, utc, ok bool) {
	t, res := resolveWall(w.t, tm.loc)
	c := clockChange{res: res, wall: w.t.Format(wallLayout), at: w.t, loc: tm.loc}
	switch {
	case res == wallGap:
		l.errorf(w.node.Line, w.node.Column, "%s", c.problem(what, "; use a time outside the gap"))
		return t, false, false
	case res == wallRepeated && tm.twice == seriesRefused:
		l.errorf(w.node.Line, w.node.Column, "%s", c.problem(what, "; a repeating event cannot start or end in that hour: "+
			"its feed would have to give the time in UTC, and a rule from a UTC time stays at that UTC time, "+
			"an hour off the local time across daylight-saving changes; "+
			"use a time outside that hour, or begin the series on another date"))
		return t, false, false
	case res == wallRepeated:
		whose := "event"
		if tm.twice == occurrenceInUTC {
			whose = "occurrence"
		}
		l.warnf(w.node.Line, w.node.Column, "%s", c.problem(what, "; taking the first, and writing this "+whose+"'s times in UTC"))
		return t, true, true
	}
	return t, false, true
}

// wallLayout is how messages write a wall-clock time.
const wallLayout = "2006-01-02 15:04"

// clockChange is a wall-clock time that its zone skips (the clocks spring
// forward) or shows twice (they go back), as problem messages describe it.
type clockChange struct {
	res  wallResult // wallGap or wallRepeated
	wall string     // the time as the message writes it
	at   time.Time  // the wall time (its location ignored), to find the change
	loc  *time.Location
	// on names the dates of a series the time falls on (" on 2016-03-27
	// and on 2 other dates of the series"); "" for a single time.
	on string
}

// problem is the message about c that every such problem uses: what the
// time is of, that it does not exist or happens twice, and then rest,
// what follows and what to do.
func (c clockChange) problem(what, rest string) string {
	from, to := c.change()
	if c.res == wallGap {
		jump := " (the clocks go forward)"
		if from != "" {
			jump = fmt.Sprintf(": the clocks go forward from %s to %s", from, to)
			if c.on == "" && len(from) == len("15:04") {
				jump += " that night"
			}
		}
		return fmt.Sprintf("%s: %s does not exist in %s%s%s%s", what, c.wall, c.loc, c.on, jump, rest)
	}
	back := "clocks go back"
	if from != "" {
		back = fmt.Sprintf("the clocks go back from %s to %s", from, to)
	}
	return fmt.Sprintf("%s: %s happens twice in %s%s (%s)%s", what, c.wall, c.loc, c.on, back, rest)
}

// change returns the wall-clock times before and after the change of
// offset that skips or repeats c.at in c.loc ("02:00", "03:00"), or "" if
// none is found.
func (c clockChange) change() (from, to string) {
	if c.at.IsZero() {
		return "", ""
	}
	before, after, at, ok := changeAround(c.at, c.loc)
	if !ok {
		return "", ""
	}
	b, a := at.UTC().Add(time.Duration(before)*time.Second), at.UTC().Add(time.Duration(after)*time.Second)
	if b.YearDay() != a.YearDay() || b.Year() != a.Year() {
		// A day skipped or repeated (Kiritimati, 31 December 1994): the
		// dates tell the times apart.
		return b.Format("2006-01-02 15:04"), a.Format("2006-01-02 15:04")
	}
	return b.Format("15:04"), a.Format("15:04")
}

// wallTime reads "2006-01-02", "2006-01-02 15:04" or "2006-01-02 15:04:05"
// ("T" may replace the space).
func (l *loader) wallTime(n *yaml.Node, what string) (wallValue, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return wallValue{}, false
	}
	n = deref(n)
	s = strings.TrimSpace(s)
	// At most one layout reads s: the one its form suggests is tried
	// first, so that a valid time costs one parse and no error.
	var layouts [1 + len(wallLayouts)]string
	layouts[0] = likelyLayout(s)
	copy(layouts[1:], wallLayouts[:])
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.Year(); y < minYear || y > maxYear {
				l.errorf(n.Line, n.Column, "%s: year %d is outside %d-%d, the years calendars can write", what, y, minYear, maxYear)
				return wallValue{}, false
			}
			return wallValue{t: t, hasTime: layout != "2006-01-02", node: n}, true
		}
	}
	l.errorf(n.Line, n.Column, "%s: %q is not a date (2015-12-14) or a wall time (2015-12-14 18:00)%s", what, s, dateHint(s))
	return wallValue{}, false
}

// wallLayouts are the forms of a date or wall time (see wallTime).
var wallLayouts = [...]string{"2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"}

// likelyLayout returns the one of wallLayouts that s looks written in.
func likelyLayout(s string) string {
	if len(s) <= 10 {
		return wallLayouts[0]
	}
	i := 1
	if strings.Count(s, ":") == 2 {
		i = 3
	}
	if s[10] == 'T' {
		i++
	}
	return wallLayouts[i]
}

// wallField reads the date or wall time of a field the mapping may not
// have, named what+name: nil (and true) for f nil, and no name made.
func (l *loader) wallField(f *field, what, name string) (*wallValue, bool) {
	if f == nil {
		return nil, true
	}
	w, ok := l.wallTime(f.value, what+name)
	return &w, ok
}

// dateHint explains what is wrong with a nearly-right date.
func dateHint(s string) string {
	var y, mo, d int
	if n, _ := fmt.Sscanf(s, "%4d-%2d-%2d", &y, &mo, &d); n == 3 {
		if mo < 1 || mo > 12 {
			return fmt.Sprintf(": there is no month %d", mo)
		}
		if last := time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d < 1 || d > last {
			return fmt.Sprintf(": %s %d has %d days", time.Month(mo), y, last)
		}
		date, clock, _ := strings.Cut(strings.Replace(s, "T", " ", 1), " ")
		switch parts := strings.Split(date, "-"); {
		case len(parts) != 3 || len(parts[1]) > 2 || len(parts[2]) > 2:
			return ""
		case len(parts[0]) != 4:
			return ": write the year with four digits, as in 2026-03-05"
		case len(date) != len("2006-01-02"):
			return fmt.Sprintf(": write the month and the day with two digits each, as in %04d-%02d-%02d", y, mo, d)
		}
		if zoned.MatchString(clock) {
			return ": a wall time takes no Z or UTC offset; write the time as the programme prints it, and its zone with timezone: (timezone: UTC for a time in UTC)"
		}
		if clock == "24:00" || clock == "24:00:00" {
			next := time.Date(y, time.Month(mo), d+1, 0, 0, 0, 0, time.UTC)
			return fmt.Sprintf(": 24:00 is 00:00 of the next day; write %s", next.Format("2006-01-02 15:04"))
		}
		var h, m, sec int
		if n, _ := fmt.Sscanf(clock, "%d:%d:%d", &h, &m, &sec); n >= 2 && clockOnly.MatchString(clock) {
			switch {
			case h > 23:
				return fmt.Sprintf(": there is no hour %d; hours run from 00 to 23", h)
			case m > 59:
				return fmt.Sprintf(": there is no minute %d; minutes run from 00 to 59", m)
			case sec > 59:
				return fmt.Sprintf(": there is no second %d; seconds run from 00 to 59", sec)
			}
		}
		if clock != "" {
			return ": the time must be HH:MM or HH:MM:SS, 24-hour"
		}
	}
	if clockOnly.MatchString(s) {
		return fmt.Sprintf(": a wall time needs its date, as in 2026-03-05 %s (for an end, duration: may be simpler, as in duration: 1h30m)", s)
	}
	if m := slashDate.FindStringSubmatch(s); m != nil {
		a, b, rest := atoi(m[1]), atoi(m[2]), m[4]
		switch {
		case a > 12 && b <= 12:
			return fmt.Sprintf(": write the date year first, as in %s-%02d-%02d%s", m[3], b, a, rest)
		case b > 12 && a <= 12:
			return fmt.Sprintf(": write the date year first, as in %s-%02d-%02d%s", m[3], a, b, rest)
		}
		return fmt.Sprintf(": write the date year first, YYYY-MM-DD: %s-%02d-%02d%s if %d is the month, %s-%02d-%02d%s if it is the day", m[3], a, b, rest, a, m[3], b, a, rest)
	}
	return ""
}

// clockOnly is a time of day without its date.
var clockOnly = regexp.MustCompile(`^\d{1,2}:\d{2}(:\d{2})?$`)

// slashDate is a date written with slashes, day or month first (22/03/2027
// or 03/22/2027), and the time after it.
var slashDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})((?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?)$`)

// atoi is the number s, all digits.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// zoned is a time of day followed by a Z or an offset from UTC.
var zoned = regexp.MustCompile(`^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|z|[+-]\d{2}(:?\d{2})?)$`)

// duration reads a duration longer than zero.
func (l *loader) duration(n *yaml.Node, what string) (durationValue, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return durationValue{}, false
	}
	n = deref(n)
	d, err := parseDuration(s)
	if err != nil {
		l.errorf(n.Line, n.Column, "%s: %v", what, err)
		return durationValue{}, false
	}
	if d <= 0 {
		l.errorf(n.Line, n.Column, "%s: must be longer than zero", what)
		return durationValue{}, false
	}
	return durationValue{d: d, node: n}, true
}

// durationField reads the duration of a field the mapping may not have,
// named what+name: nil (and true) for f nil, and no name made.
func (l *loader) durationField(f *field, what, name string) (*durationValue, bool) {
	if f == nil {
		return nil, true
	}
	d, ok := l.duration(f.value, what+name)
	return &d, ok
}

var durationRE = regexp.MustCompile(`^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$`)

// parseDuration reads durations as people write them: 90m, 2h, 1h30m, 3d.
func parseDuration(s string) (time.Duration, error) {
	m := durationRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || s == "" {
		return 0, fmt.Errorf("%q is not a duration like 90m, 2h, 1h30m or 3d", s)
	}
	var d time.Duration
	for i, unit := range []time.Duration{24 * time.Hour, time.Hour, time.Minute} {
		if m[i+1] == "" {
			continue
		}
		v, err := strconv.ParseInt(m[i+1], 10, 64)
		if err != nil || v > 100000 {
			return 0, fmt.Errorf("%q is too long", s)
		}
		d += time.Duration(v) * unit
	}
	return d, nil
}
