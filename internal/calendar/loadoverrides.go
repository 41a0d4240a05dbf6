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
			l.errorf(k.Line, k.Column, "%s: %s is not a date; "+
				"the key of an override is the original date of the occurrence it changes, like 2016-05-26", what, describe(k))
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
		l.errorf(n.Line, n.Column, "%s: changes nothing; give what differs on that date (start, end, location...), "+
			"or list the date under except: to drop it", what)
		return nil
	}
	ov := &Override{Date: d}
	if f, ok := m.get("title"); ok {
		ov.Title = l.text(f.value, what, ": title", true)
	}
	if f, ok := m.get("description"); ok {
		ov.Description = l.text(f.value, what, ": description", false)
	}
	if f, ok := m.get("location"); ok {
		ov.Place = l.text(f.value, what, ": location", false)
	}
	if f, ok := m.get("url"); ok {
		ov.URL, _ = l.httpURL(f.value, what, ": url")
	}
	if f, ok := m.get("online"); ok {
		ov.Online, _ = l.httpURL(f.value, what, ": online")
	}
	if f, ok := m.get("status"); ok {
		ov.Status, _ = l.status(f.value, what)
	}
	ok := l.overrideTimes(e, what, deref(v), ov, m, ready)
	if !ready || !ok {
		return nil
	}
	return ov
}

// overrideTimes reads an override's start, end and duration as when reads
// an event's; without them the occurrence keeps its own start and the
// series' length. node is the override's mapping.
func (l *loader) overrideTimes(e *Event, what string, node *yaml.Node, ov *Override, m *fieldSet, ready bool) bool {
	sf, ef, df := lookup(m, "start"), lookup(m, "end"), lookup(m, "duration")
	if ef != nil && df != nil {
		l.errorf(df.key.Line, df.key.Column, "%s: give end or duration, not both", what)
		return false
	}
	start, startOK := l.wallField(sf, what, ": start")
	end, endOK := l.wallField(ef, what, ": end")
	dur, durOK := l.durationField(df, what, ": duration")
	if !startOK || !endOK || !durOK || !ready {
		return false
	}
	for _, w := range []*wallValue{start, end} {
		switch {
		case w == nil || w.hasTime == !e.AllDay:
			continue
		case e.AllDay:
			l.errorf(w.node.Line, w.node.Column, "%s: the series is all-day: give a date, like 2016-05-26", what)
		default:
			l.errorf(w.node.Line, w.node.Column, "%s: the series has a time: give a wall time, like 2016-05-26 10:00", what)
		}
		return false
	}
	tm := timing{allDay: e.AllDay, loc: e.Location, twice: occurrenceInUTC}
	s := e.StartOn(ov.Date)
	if start != nil {
		var ok bool
		if s, ov.UTC, ok = l.startOf(*start, what+": start", tm); !ok {
			return false
		}
		tm.utc = ov.UTC
	}
	ov.Start, ov.End = s, e.endAfter(s)
	if end == nil && dur == nil {
		if !e.AllDay {
			// The occurrence is written with its own DTEND, which the
			// series' length may put in a repeated hour.
			at := node
			if sf != nil {
				at = sf.value
			}
			utc, _ := l.endInRepeatedHour(what+": end (start + the series' length)", at, ov.End, tm)
			ov.UTC = ov.UTC || utc
		}
		return true
	}
	t, utc, ok := l.endOf(what, s, end, dur, tm)
	if !ok {
		return false
	}
	ov.End, ov.UTC = t, ov.UTC || utc
	return true
}
