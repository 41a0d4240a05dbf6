package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"calfeed/internal/calendar"
)

// series imports a repeating event: as events.yaml's repeat: when that
// gives the same occurrences, else as one event per occurrence.
func (im *icsImport) series(g *recurring, id string) []*event {
	s := im.newSeries(g)
	var apart []*event
	s.overrides = slices.DeleteFunc(s.overrides, func(ov *vevent) bool {
		if ov.start.date == s.allDay {
			return false
		}
		// events.yaml's overrides keep the series' kind: an occurrence
		// made all-day (or given a time) is an event of its own, its date
		// left out of the series.
		kind := "an all-day event"
		if !ov.start.date {
			kind = "a timed event"
		}
		im.ns.add(ov.c.line, 0, "the occurrence %s of %q is changed to %s, which a change of one occurrence cannot be in events.yaml: "+
			"imported as an event of its own, and left out of the series", ov.rid.wall.Format(wallLayout), g.uid, kind)
		s.exdates = append(s.exdates, when{t: ov.rid.t, wall: ov.rid.wall, line: ov.c.line})
		apart = append(apart, im.alone(ov, im.ids.claim(id+"-"+ov.start.wall.Format("20060102"))))
		return true
	})
	limit := s.limit(compareYears)
	src, more, orphans := s.occurrences(limit, maxCompare)
	out := apart
	s.overrides = slices.DeleteFunc(s.overrides, func(v *vevent) bool { return slices.Contains(orphans, v) })
	for _, ov := range orphans {
		im.ns.add(ov.c.line, 0, "RECURRENCE-ID %s names no occurrence of the repeating event %q: imported as an event of its own", ov.rid.wall.Format(wallLayout), g.uid)
		day := ov.rid.t.In(s.z.locOr(im.calLoc)).Format("20060102")
		if ov.rid.date {
			day = ov.rid.t.Format("20060102") // a date, not an instant to move into a zone
		}
		out = append(out, im.alone(ov, im.ids.claim(id+"-"+day)))
	}
	if len(src) == 1 && !more && s.bounded() {
		// A rule that gives its start alone (COUNT=1, as Google writes
		// birthdays; an empty or unreadable RRULE): a one-off event,
		// which keeps its UID.
		o := src[0]
		return append([]*event{im.plain(o.v, id, g.uid, o.start, o.end)}, out...)
	}
	reason := s.reason
	if s.rule == nil && reason == "" {
		reason = "RDATE without RRULE"
	}
	if reason == "" {
		for _, loc := range im.zonesFor(g.master.start) {
			e, pending, why := s.inZone(loc, id, g.uid)
			if e == nil {
				reason = why
				continue
			}
			got, problems := im.doc.trial(e)
			if got == nil {
				reason = problems[0].msg
				continue
			}
			if diff := compareOccs(got, src, limit, more || !s.bounded()); diff != "" {
				reason = diff
				continue
			}
			for _, n := range pending {
				im.ns.add(n.Line, 0, "%s", n.Msg)
			}
			return append([]*event{e}, out...)
		}
	}
	return append(s.expand(id, reason), out...)
}

// inZone writes the series as one event with repeat: in loc. It returns
// nil and why when repeat: cannot say it; pending are the notes to make if
// the event is kept.
func (s *series) inZone(loc *time.Location, id, uid string) (e *event, pending []Note, why string) {
	im, m := s.im, s.m
	e = &event{id: id, uid: im.uidFor(uid, id, m.c.line)}
	im.content(e, m)
	if !setTimes(e, m.start.t, m.end.t, s.allDay, loc) {
		return nil, nil, "its start or end is in the hour clocks repeat in " + loc.String()
	}
	z := &zoned{series: s, loc: loc, byDate: map[string]*override{}}
	for _, step := range []func() string{z.mapRule, z.exceptions, z.dates} {
		if why := step(); why != "" {
			return nil, nil, why
		}
	}
	slices.Sort(z.r.except)
	slices.Sort(z.r.also)
	if why := z.changed(e); why != "" {
		return nil, nil, why
	}
	for _, d := range slices.Sorted(maps.Keys(z.byDate)) {
		if ov := z.byDate[d]; !ov.empty() {
			e.overrides = append(e.overrides, ov)
		}
	}
	e.repeat = z.r
	return e, z.pending, ""
}

// zoned is a series being written as one event with repeat: in one zone.
// Each step fills in r, or says why repeat: cannot say the series.
type zoned struct {
	*series
	loc     *time.Location
	r       *repeat
	starts  []time.Time          // the rule's starts (instants, or dates), as far as compared
	more    bool                 // the rule gives more starts than those
	byDate  map[string]*override // the overrides, by date
	pending []Note               // the notes to make if the event is kept
}

func (z *zoned) note(line int, format string, args ...any) {
	z.pending = append(z.pending, Note{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// date is the date of an occurrence that starts at t, as repeat: writes it.
func (z *zoned) date(t time.Time) string {
	if z.allDay {
		return t.Format(dateLayout)
	}
	return dateOf(t, z.loc)
}

// clock is the start calfeed gives the occurrence on t's date: the
// series' time of day in loc.
func (z *zoned) clock(t time.Time) time.Time {
	if z.allDay {
		return t
	}
	d := truncDay(t.In(z.loc))
	return (&zone{loc: z.loc}).instant(d.Add(timeOfDay(z.m.start.t.In(z.loc))))
}

// mapRule maps the source's rule to repeat:'s freq, interval, days and
// count, and lists the starts it gives, which must begin with DTSTART.
func (z *zoned) mapRule() string {
	startDate := truncDay(z.m.start.t.In(z.loc))
	if z.allDay {
		startDate = z.m.start.t
	}
	r, why := calfeedRule(z.rule, startDate)
	if r == nil {
		return why
	}
	r.count = z.rule.Count
	z.r = r
	z.starts, z.more = z.ruleStarts(z.limit(compareYears), maxCompare)
	if len(z.starts) == 0 || !z.starts[0].Equal(z.m.start.t) {
		return "DTSTART is not one of the rule's dates"
	}
	return ""
}

// exceptions writes EXDATE as except: and UNTIL as until:, ending the
// series at its last occurrence that is not excepted when the rule's
// starts are all known.
func (z *zoned) exceptions() string {
	excepted := make([]bool, len(z.starts))
	for _, x := range z.exdates {
		i := slices.IndexFunc(z.starts, x.t.Equal)
		switch {
		case i == 0:
			return "EXDATE removes DTSTART, the first occurrence"
		case i < 0:
			if !containsTime(z.rdates, x.t) {
				z.note(x.line, "EXDATE %s is no occurrence of the rule; dropped", x.wall.Format(wallLayout))
			}
			continue
		}
		excepted[i] = true
	}
	if z.until.set {
		last := len(z.starts) - 1
		for last > 0 && excepted[last] {
			last--
		}
		if z.more {
			z.r.until = z.date(z.until.t)
		} else {
			z.r.until = z.date(z.starts[last])
			z.starts, excepted = z.starts[:last+1], excepted[:last+1]
		}
	}
	for i, t := range z.starts {
		if excepted[i] {
			z.r.except = append(z.r.except, z.date(t))
		}
	}
	return ""
}

// dates writes RDATE as also:, with an override where an added
// occurrence's time or length is not the series'.
func (z *zoned) dates() string {
	ruleDates := map[string]bool{}
	for _, t := range z.starts {
		ruleDates[z.date(t)] = true
	}
	for _, rd := range z.rdates {
		d := z.date(rd.t)
		switch {
		case slices.ContainsFunc(z.starts, rd.t.Equal):
			z.note(rd.line, "RDATE %s is an occurrence of the rule already; dropped", rd.wall.Format(wallLayout))
			continue
		case containsTime(z.exdates, rd.t):
			continue // added and removed
		case rd.t.Before(z.m.start.t):
			return "an RDATE before DTSTART"
		case ruleDates[d] || slices.Contains(z.r.also, d):
			return "an RDATE on a date that already has an occurrence"
		}
		z.r.also = append(z.r.also, d)
		end := rd.end
		if end.IsZero() {
			end = z.endOf(rd.t)
		}
		if !rd.t.Equal(z.clock(rd.t)) || !end.Equal(z.endOf(rd.t)) {
			ov := &override{date: d}
			if !z.times(ov, rd.t, end, z.clock(rd.t), z.loc) {
				return "an RDATE in the hour clocks repeat in " + z.loc.String()
			}
			z.byDate[d] = ov
		}
	}
	return ""
}

// changed writes the changed occurrences (RECURRENCE-ID) as overrides of
// e.
func (z *zoned) changed(e *event) string {
	for _, v := range z.overrides {
		d := z.date(v.rid.t)
		ov := z.byDate[d]
		if ov == nil {
			ov = &override{date: d}
		}
		if !z.times(ov, v.start.t, v.end.t, z.clock(v.rid.t), z.loc) {
			return "a changed occurrence in the hour clocks repeat in " + z.loc.String()
		}
		if changes(ov, v, z.m, z.im.opts.Lang) {
			z.note(v.c.line, "the changed occurrence of %s removes a description, location or link; calfeed's overrides can change these but not remove them, so it keeps the series'", d)
		}
		ov.at = pos{v.c.line, 0}
		z.byDate[d] = ov
	}
	return ""
}

// changes writes in ov the text, links and status in which the changed
// occurrence v differs from the series' event m. It reports whether v
// removes a text or link, which an override cannot say.
func changes(ov *override, v, m *vevent, lang string) (removes bool) {
	if v.title != m.title {
		ov.title = one(lang, firstOf(v.title, "(no title)"))
	}
	if v.description != m.description {
		ov.description = one(lang, v.description)
	}
	if v.location != m.location {
		ov.location = one(lang, v.location)
	}
	if v.url != m.url {
		ov.url = v.url
	}
	if v.online != m.online {
		ov.online = v.online
	}
	if v.status != m.status {
		ov.status = v.status
	}
	removed := func(changed, series string) bool { return changed != series && changed == "" }
	return removed(v.description, m.description) || removed(v.location, m.location) || removed(v.url, m.url) || removed(v.online, m.online)
}

// times sets the start and end of an override of the occurrence whose
// start would be def, to start and end, writing only what differs from
// what calfeed would give (the start's time, the series' length). It
// reports false when a time cannot be written in loc.
func (s *series) times(ov *override, start, end, def time.Time, loc *time.Location) bool {
	if s.allDay {
		if !start.Equal(def) {
			ov.start = start.Format(dateLayout)
		}
		if !end.Equal(start.AddDate(0, 0, s.days)) {
			ov.end = end.AddDate(0, 0, -1).Format(dateLayout)
		}
		return true
	}
	if !start.Equal(def) {
		if !writable(start, loc) {
			return false
		}
		ov.start = wall(start, loc)
	}
	if !end.Equal(start.Add(s.dur)) {
		if writable(end, loc) {
			ov.end = wall(end, loc)
		} else if ov.duration = duration(end.Sub(start)); ov.duration == "" {
			return false
		}
	}
	return true
}

func (o *override) empty() bool {
	return o.start == "" && o.end == "" && o.duration == "" && o.title == nil && o.description == nil && o.location == nil && o.url == "" && o.online == "" && o.status == ""
}

// compareOccs compares the occurrences calfeed makes of e with the
// source's, up to limit; partial says the source's list stops there (a
// rule without end, or too long to list). It returns the first difference.
func compareOccs(e *calendar.Event, src []occ, limit time.Time, partial bool) string {
	got := e.Occurrences(time.Time{}, len(src)+16)
	if partial {
		cut := limit
		if n := len(src); n > 0 && src[n-1].start.Before(cut) {
			cut = src[n-1].start
		}
		got = slices.DeleteFunc(got, func(o calendar.Occurrence) bool { return o.Start.After(cut) })
		src = slices.DeleteFunc(slices.Clone(src), func(o occ) bool { return o.start.After(cut) })
	}
	show := func(t time.Time) string {
		if e.AllDay {
			return t.Format(dateLayout)
		}
		return t.UTC().Format("2006-01-02 15:04Z")
	}
	for i := range max(len(got), len(src)) {
		switch {
		case i >= len(src):
			return "calfeed's repeat: would add an occurrence at " + show(got[i].Start)
		case i >= len(got):
			return "calfeed's repeat: would leave out the occurrence at " + show(src[i].start)
		case !got[i].Start.Equal(src[i].start) || !got[i].End.Equal(src[i].end):
			return fmt.Sprintf("calfeed's repeat: would give %s-%s where the source has %s-%s", show(got[i].Start), show(got[i].End), show(src[i].start), show(src[i].end))
		case (got[i].Status == calendar.Cancelled) != src[i].cancelled():
			return "calfeed's repeat: would not cancel the occurrence at " + show(src[i].start)
		}
	}
	return ""
}

// expand writes a series that repeat: cannot express as one plain event
// per occurrence, with a note saying so. They get UIDs of their own: one
// UID is one series to a calendar.
func (s *series) expand(id, reason string) []*event {
	im := s.im
	line := s.ruleLine
	if line == 0 {
		line = s.m.c.line
	}
	room := min(maxExpand, maxExpandedTotal-im.expanded)
	if room <= 0 {
		im.ns.add(line, 0, "%q repeats in a way calfeed's repeat: cannot say (%s), and the import has written out %d occurrences of such rules already, its most: it is not imported; simplify the rule and write it as repeat:, or import the file in parts", s.m.title, reason, im.expanded)
		return nil
	}
	limit := s.limit(expandYears)
	occs, more, _ := s.occurrences(limit, room)
	im.expanded += len(occs)
	var out []*event
	for _, o := range occs {
		date := o.rid.Format("20060102")
		if !s.allDay {
			date = o.rid.In(s.z.locOr(im.calLoc)).Format("20060102")
		}
		if e := im.plain(o.v, im.ids.claim(id+"-"+date), "", o.start, o.end); e != nil {
			out = append(out, e)
		}
	}
	msg := fmt.Sprintf("%q repeats in a way calfeed's repeat: cannot say (%s): its %d %s written as events of their own, with new UIDs", s.m.title, reason, len(out), plural(len(out), "occurrence is", "occurrences are"))
	if (more || !s.bounded()) && len(occs) > 0 {
		// A rule without end is written out some years ahead only.
		msg += fmt.Sprintf(", up to %s; later ones are not published: add them by hand, or simplify the rule and write it as repeat:", occs[len(occs)-1].start.In(s.z.locOr(im.calLoc)).Format(dateLayout))
	}
	im.ns.add(line, 0, "%s", msg)
	if len(out) > 0 {
		out[0].comments = append(out[0].comments, strings.TrimSuffix(fmt.Sprintf("Occurrences of %q, a repeating event calfeed's repeat: cannot say (%s).", s.m.title, reason), "."))
	}
	return out
}
