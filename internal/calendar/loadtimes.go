package calendar

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// zone loads an IANA zone name, suggesting the nearest name on a typo.
func (l *loader) zone(n *yaml.Node, what string) (*time.Location, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return nil, false
	}
	// LoadLocation accepts "" (UTC) and "Local" (the host's zone): neither is
	// a zone that means the same thing on every server.
	if s != "" && s != "Local" {
		// One *time.Location per zone name: events in the same zone share
		// it, so that feeds can tell which zones they use (and loading
		// 100,000 events does not parse the zone 100,000 times).
		if loc, ok := l.zones[s]; ok {
			return loc, true
		}
		if loc, err := time.LoadLocation(s); err == nil {
			if l.zones == nil {
				l.zones = map[string]*time.Location{}
			}
			l.zones[s] = loc
			return loc, true
		}
	}
	l.errorf(n.Line, n.Column, "%s: unknown time zone %q%s; use an IANA name such as \"Europe/Zurich\"", what, s, didYouMean(s, zoneNames[:]))
	return nil, false
}

// when reads start, end and duration, turning wall times into instants.
func (l *loader) when(e *Event, what string, node *yaml.Node, m map[string]field) {
	sf, ok := m["start"]
	if !ok {
		l.errorf(node.Line, node.Column, "%s: start missing; write it as 2015-12-14 18:00, or 2015-12-14 for an all-day event", what)
		return
	}
	start, hasTime, ok := l.wallTime(sf.value, what+": start")
	if !ok {
		return
	}
	ef, hasEnd := m["end"]
	df, hasDur := m["duration"]
	if hasEnd && hasDur {
		l.errorf(df.key.Line, df.key.Column, "%s: give end or duration, not both", what)
		return
	}
	if !hasTime {
		l.allDay(e, what, start, ef, hasEnd, df, hasDur)
		return
	}
	s, res := resolveWall(start, e.Location)
	if !l.wallOK(res, sf.value, what+": start", start, e) {
		return
	}
	e.Start = s
	switch {
	case hasEnd:
		end, endHasTime, ok := l.wallTime(ef.value, what+": end")
		if !ok {
			return
		}
		if !endHasTime {
			n := deref(ef.value)
			l.errorf(n.Line, n.Column, "%s: end is a date but start has a time; give both a time, or neither for an all-day event", what)
			return
		}
		t, res := resolveWall(end, e.Location)
		if !l.wallOK(res, ef.value, what+": end", end, e) {
			return
		}
		if !t.After(s) {
			n := deref(ef.value)
			l.errorf(n.Line, n.Column, "%s: end %s is not after start %s", what, end.Format("2006-01-02 15:04"), start.Format("2006-01-02 15:04"))
			return
		}
		e.End = t
	case hasDur:
		d, ok := l.duration(df.value, what+": duration")
		if !ok {
			return
		}
		e.End = s.Add(d)
	default:
		l.errorf(node.Line, node.Column, "%s: end missing; give end: (a wall time like 2015-12-14 20:00) or duration: (like 2h)", what)
	}
}

func (l *loader) allDay(e *Event, what string, start time.Time, ef field, hasEnd bool, df field, hasDur bool) {
	e.AllDay = true
	e.Start = start
	e.End = start.AddDate(0, 0, 1)
	switch {
	case hasEnd:
		last, endHasTime, ok := l.wallTime(ef.value, what+": end")
		if !ok {
			return
		}
		n := deref(ef.value)
		if endHasTime {
			l.errorf(n.Line, n.Column, "%s: end has a time but start is a date; give both a time, or neither for an all-day event", what)
			return
		}
		if last.Before(start) {
			l.errorf(n.Line, n.Column, "%s: end %s is before start %s (for an all-day event, end is the last day)", what, last.Format("2006-01-02"), start.Format("2006-01-02"))
			return
		}
		e.End = last.AddDate(0, 0, 1)
	case hasDur:
		d, ok := l.duration(df.value, what+": duration")
		if !ok {
			return
		}
		if d%(24*time.Hour) != 0 {
			n := deref(df.value)
			l.errorf(n.Line, n.Column, "%s: an all-day event lasts whole days (like 3d), not %s", what, n.Value)
			return
		}
		e.End = start.AddDate(0, 0, int(d/(24*time.Hour)))
	}
}

// wallOK reports a wall time that is skipped or repeated in its zone.
func (l *loader) wallOK(res wallResult, n *yaml.Node, what string, w time.Time, e *Event) bool {
	n = deref(n)
	c := clockChange{res: res, wall: w.Format(wallLayout), loc: e.Location}
	switch res {
	case wallGap:
		l.errorf(n.Line, n.Column, "%s", c.problem(what, "; use a time outside the gap"))
		return false
	case wallRepeated:
		if l.repeating {
			l.errorf(n.Line, n.Column, "%s", c.problem(what, "; a repeating event cannot start or end in that hour: "+
				"its feed would have to give the time in UTC, and a rule from a UTC time stays at that UTC time, "+
				"an hour off the local time across daylight-saving changes; "+
				"use a time outside that hour, or begin the series on another date"))
			return false
		}
		l.warnf(n.Line, n.Column, "%s", c.problem(what, "; taking the first, and writing this event's times in UTC"))
		e.UTC = true
	}
	return true
}

// wallLayout is how messages write a wall-clock time.
const wallLayout = "2006-01-02 15:04"

// clockChange is a wall-clock time that its zone skips (the clocks spring
// forward) or shows twice (they go back), as problem messages describe it.
type clockChange struct {
	res  wallResult // wallGap or wallRepeated
	wall string     // the time as the message writes it
	loc  *time.Location
	// on names the dates of a series the time falls on (" on 2016-03-27
	// and on 2 other dates of the series"); "" for a single time.
	on string
}

// problem is the message about c that every such problem uses: what the
// time is of, that it does not exist or happens twice, and then rest,
// what follows and what to do.
func (c clockChange) problem(what, rest string) string {
	if c.res == wallGap {
		skipped := "that hour"
		if c.on != "" {
			skipped = "it" // the time, on the dates named
		}
		return fmt.Sprintf("%s: %s does not exist in %s%s: the clocks skip %s (daylight saving starts)%s", what, c.wall, c.loc, c.on, skipped, rest)
	}
	return fmt.Sprintf("%s: %s happens twice in %s%s (clocks go back)%s", what, c.wall, c.loc, c.on, rest)
}

// wallTime parses "2006-01-02", "2006-01-02 15:04" or "2006-01-02 15:04:05"
// ("T" may replace the space). The result's location is UTC and meaningless.
func (l *loader) wallTime(n *yaml.Node, what string) (t time.Time, hasTime, ok bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return time.Time{}, false, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.Year(); y < minYear || y > maxYear {
				n = deref(n)
				l.errorf(n.Line, n.Column, "%s: year %d is outside %d-%d, the years calendars can write", what, y, minYear, maxYear)
				return time.Time{}, false, false
			}
			return t, layout != "2006-01-02", true
		}
	}
	n = deref(n)
	l.errorf(n.Line, n.Column, "%s: %q is not a date (2015-12-14) or a wall time (2015-12-14 18:00)%s", what, s, dateHint(s))
	return time.Time{}, false, false
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
		if strings.ContainsAny(s, " T") {
			return ": the time must be HH:MM, 24-hour"
		}
	}
	return ""
}

func (l *loader) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return 0, false
	}
	d, err := parseDuration(s)
	if err != nil {
		n = deref(n)
		l.errorf(n.Line, n.Column, "%s: %v", what, err)
		return 0, false
	}
	if d <= 0 {
		n = deref(n)
		l.errorf(n.Line, n.Column, "%s: must be longer than zero", what)
		return 0, false
	}
	return d, true
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
