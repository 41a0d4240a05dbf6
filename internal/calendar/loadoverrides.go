package calendar

import (
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

var overrideKeys = []string{"start", "end", "duration", "title", "description", "location", "url", "online", "status"}

// overrides reads an event's overrides:, a mapping from an occurrence's
// original date to what changes on it.
func (l *loader) overrides(e *Event, what string, f field, timesOK, hasRepeat bool) {
	what += ": overrides"
	n := deref(f.value)
	if n.Kind != yaml.MappingNode {
		l.errorf(n.Line, n.Column, "%s: want a mapping of date: changes, like 2016-05-26: {location: Room B}, got %s", what, describe(n))
		return
	}
	if !hasRepeat {
		l.errorf(f.key.Line, f.key.Column, "%s: only a repeating event (one with repeat:) has occurrences to override", what)
	}
	ready := timesOK && e.Repeat != nil
	lines := map[time.Time]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		d, err := time.Parse(time.DateOnly, k.Value)
		if k.Kind != yaml.ScalarNode || err != nil {
			l.errorf(k.Line, k.Column, "%s: %s is not a date; the key of an override is the original date of the occurrence it changes, like 2016-05-26", what, describe(k))
			l.override(e, what, v, time.Time{}, false)
			continue
		}
		if line, dup := lines[d]; dup {
			l.errorf(k.Line, k.Column, "%s: %s repeated (first at line %d)", what, k.Value, line)
			continue
		}
		lines[d] = k.Line
		what := what + " " + k.Value
		ok := ready
		if ok && !e.isOccurrenceDate(d) && !hasDate(e.Repeat.Also, d) {
			hint := e.nearDates(d)
			if hasDate(e.Repeat.Except, d) {
				hint = " (it is in except:)"
			}
			l.errorf(k.Line, k.Column, "%s: %s is not a date of the series%s", what, k.Value, hint)
			ok = false
		}
		if ov := l.override(e, what, v, d, ok); ov != nil {
			e.Overrides = append(e.Overrides, ov)
		}
	}
	slices.SortFunc(e.Overrides, func(a, b *Override) int { return a.Date.Compare(b.Date) })
}

// override reads one override of the occurrence on date d; ready says
// whether the event and d are valid, so that times can be checked.
func (l *loader) override(e *Event, what string, v *yaml.Node, d time.Time, ready bool) *Override {
	m := l.mapping(v, what, overrideKeys)
	if m == nil {
		return nil
	}
	if n := deref(v); len(n.Content) == 0 {
		l.errorf(n.Line, n.Column, "%s: changes nothing; give what differs on that date (start, end, location...), or list the date under except: to drop it", what)
		return nil
	}
	ov := &Override{Date: d}
	if f, ok := m["title"]; ok {
		ov.Title = l.text(f.value, what+": title", true)
	}
	if f, ok := m["description"]; ok {
		ov.Description = l.text(f.value, what+": description", false)
	}
	if f, ok := m["location"]; ok {
		ov.Place = l.text(f.value, what+": location", false)
	}
	if f, ok := m["url"]; ok {
		ov.URL, _ = l.httpURL(f.value, what+": url")
	}
	if f, ok := m["online"]; ok {
		ov.Online, _ = l.httpURL(f.value, what+": online")
	}
	if f, ok := m["status"]; ok {
		ov.Status, _ = l.status(f.value, what)
	}
	ok := l.overrideTimes(e, what, ov, m, ready)
	if !ready || !ok {
		return nil
	}
	return ov
}

// overrideTimes reads an override's start, end and duration; without them
// the occurrence keeps its own start and the series' duration.
func (l *loader) overrideTimes(e *Event, what string, ov *Override, m map[string]field, ready bool) bool {
	sf, hasStart := m["start"]
	ef, hasEnd := m["end"]
	df, hasDur := m["duration"]
	if hasEnd && hasDur {
		l.errorf(df.key.Line, df.key.Column, "%s: give end or duration, not both", what)
		return false
	}
	type wall struct {
		t       time.Time
		hasTime bool
		node    *yaml.Node
	}
	read := func(f field, name string) (wall, bool) {
		t, hasTime, ok := l.wallTime(f.value, what+": "+name)
		return wall{t, hasTime, deref(f.value)}, ok
	}
	var start, end wall
	var dur time.Duration
	ok := true
	if hasStart {
		var good bool
		start, good = read(sf, "start")
		ok = ok && good
	}
	if hasEnd {
		var good bool
		end, good = read(ef, "end")
		ok = ok && good
	}
	if hasDur {
		var good bool
		dur, good = l.duration(df.value, what+": duration")
		ok = ok && good
	}
	if !ok || !ready {
		return false
	}
	base := e.occurrence(ov.Date, nil)
	for _, w := range []wall{start, end} {
		switch {
		case w.node == nil || w.hasTime == !e.AllDay:
			continue
		case e.AllDay:
			l.errorf(w.node.Line, w.node.Column, "%s: the series is all-day: give a date, like 2016-05-26", what)
		default:
			l.errorf(w.node.Line, w.node.Column, "%s: the series has a time: give a wall time, like 2016-05-26 10:00", what)
		}
		return false
	}
	if e.AllDay {
		ov.Start, ov.End = base.Start, base.End
		if hasStart {
			ov.Start = start.t
			ov.End = start.t.AddDate(0, 0, daysBetween(e.Start, e.End))
		}
		switch {
		case hasEnd:
			if end.t.Before(ov.Start) {
				l.errorf(end.node.Line, end.node.Column, "%s: end %s is before start %s (for an all-day event, end is the last day)", what, end.t.Format(time.DateOnly), ov.Start.Format(time.DateOnly))
				return false
			}
			ov.End = end.t.AddDate(0, 0, 1)
		case hasDur:
			if dur%(24*time.Hour) != 0 {
				n := deref(df.value)
				l.errorf(n.Line, n.Column, "%s: an all-day event lasts whole days (like 3d), not %s", what, n.Value)
				return false
			}
			ov.End = ov.Start.AddDate(0, 0, int(dur/(24*time.Hour)))
		}
		return true
	}
	resolve := func(w wall, name string) (time.Time, bool) {
		t, res := resolveWall(w.t, e.Location)
		c := clockChange{res: res, wall: w.t.Format(wallLayout), loc: e.Location}
		switch res {
		case wallGap:
			l.errorf(w.node.Line, w.node.Column, "%s", c.problem(what+": "+name, "; use a time outside the gap"))
			return t, false
		case wallRepeated:
			l.warnf(w.node.Line, w.node.Column, "%s", c.problem(what+": "+name, "; taking the first, and writing this occurrence's times in UTC"))
			ov.UTC = true
		}
		return t, true
	}
	ov.Start, ov.End = base.Start, base.End
	if hasStart {
		t, good := resolve(start, "start")
		if !good {
			return false
		}
		ov.Start, ov.End = t, t.Add(e.End.Sub(e.Start))
	}
	switch {
	case hasEnd:
		t, good := resolve(end, "end")
		if !good {
			return false
		}
		if !t.After(ov.Start) {
			l.errorf(end.node.Line, end.node.Column, "%s: end %s is not after start %s", what, end.t.Format("2006-01-02 15:04"), ov.Start.In(e.Location).Format("2006-01-02 15:04"))
			return false
		}
		ov.End = t
	case hasDur:
		ov.End = ov.Start.Add(dur)
	}
	return true
}
