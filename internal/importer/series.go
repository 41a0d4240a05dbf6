package importer

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"

	"calfeed/internal/calendar"
)

const (
	// expandYears is how far after now (or the start, if later) a rule
	// without end that calfeed cannot express is written out.
	expandYears = 2
	// maxExpand bounds the events one rule is written out as.
	maxExpand = 1000
	// compareYears is how far after now (or the start) a rule without end
	// is compared, occurrence by occurrence, with what calfeed makes of it.
	compareYears = 10
	// maxCompare bounds the occurrences compared.
	maxCompare = 5000
)

// series is a repeating VEVENT as read: its rule and dates, and the
// occurrences changed.
type series struct {
	im        *icsImport
	m         *vevent
	rule      *rrule.ROption // nil with RDATE alone
	ruleLine  int
	until     untilBound
	exdates   []when
	rdates    []when
	overrides []*vevent
	reason    string // what repeat: cannot say, if anything
	allDay    bool
	z         *zone         // the zone wall times are read in
	dur       time.Duration // the length of an occurrence (timed)
	days      int           // the length of an occurrence in days (all-day)
}

// occ is one occurrence of a series as the source means it.
type occ struct {
	rid        time.Time // the original start (an instant, or a date)
	start, end time.Time
	v          *vevent // the VEVENT it takes its text from
}

func (o occ) cancelled() bool { return o.v.status == "cancelled" }

// newSeries reads the recurrence of g's event.
func (im *icsImport) newSeries(g *recurring) *series {
	m := g.master
	s := &series{im: im, m: m, overrides: g.overrides, allDay: m.start.date, z: m.start.z}
	if s.z == nil {
		s.z = &zone{loc: time.UTC}
	}
	s.dur = m.end.t.Sub(m.start.t)
	s.days = int(s.dur / (24 * time.Hour))
	rules := m.c.all("RRULE")
	if len(rules) > 1 {
		s.reason = "several RRULEs in one event"
	}
	if len(rules) > 0 {
		s.ruleLine = rules[0].line
		opt, u, err := ruleOption(rules[0].raw, m.start.wall)
		if err != nil {
			im.ns.add(rules[0].line, 0, "RRULE %v: only the first occurrence and any RDATEs are imported", err)
		} else {
			s.rule, s.until = opt, u
		}
	}
	if p := m.c.get("EXRULE"); p != nil {
		im.ns.add(p.line, 0, "EXRULE (deprecated since RFC 5545) is not read: the dates it would remove are imported; remove them by hand")
	}
	for _, name := range []string{"EXDATE", "RDATE"} {
		for _, p := range m.c.all(name) {
			ws, err := im.whens(p)
			if err != nil {
				im.ns.add(p.line, 0, "%s %v; ignored", name, err)
				continue
			}
			for _, w := range ws {
				w.t = s.align(w)
				if name == "EXDATE" {
					s.exdates = append(s.exdates, w)
				} else {
					s.rdates = append(s.rdates, w)
				}
			}
		}
	}
	for _, ov := range s.overrides {
		ov.rid.t = s.align(*ov.rid)
	}
	return s
}

// align gives a date or date-time of the series (EXDATE, RDATE,
// RECURRENCE-ID) in the form of DTSTART: a date for an all-day series,
// an instant at the start's time of day for a date in a timed one.
func (s *series) align(w when) time.Time {
	switch {
	case s.allDay && !w.date:
		return truncDay(w.wall)
	case !s.allDay && w.date:
		h, mi, sec := s.m.start.wall.Clock()
		return s.z.instant(w.t.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second))
	}
	return w.t
}

// ruleStarts returns the starts (instants, or dates) the rule gives, up
// to limit, at most max; more says whether it gives more.
func (s *series) ruleStarts(limit time.Time, max int) (starts []time.Time, more bool) {
	if s.rule == nil {
		return nil, false
	}
	wallLimit := limit.Add(48 * time.Hour)
	if !s.allDay {
		wallLimit = wallLimit.In(time.UTC)
	}
	_, instants, more, err := ruleTimes(s.rule, s.until, s.z, s.allDay, naive(wallLimit), max)
	if err != nil {
		s.im.ns.add(s.ruleLine, 0, "RRULE: %v: only the first occurrence and any RDATEs are imported", err)
		s.rule = nil
		return nil, false
	}
	for len(instants) > 0 && instants[len(instants)-1].After(limit) {
		instants, more = instants[:len(instants)-1], false
	}
	return instants, more
}

func naive(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// bounded reports whether the series ends.
func (s *series) bounded() bool {
	return s.rule == nil || s.rule.Count > 0 || s.until.set
}

// limit is how far the series is looked at: to its end if it has one
// (within a century), else some years after now or its start.
func (s *series) limit(years int) time.Time {
	from := s.m.start.t
	if !s.bounded() {
		return later(from, s.im.now).AddDate(years, 0, 0)
	}
	return from.AddDate(100, 0, 0)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// occurrences returns the series' occurrences as RFC 5545 §3.8.5 defines
// them (DTSTART, the rule's dates and RDATE, less EXDATE, each replaced by
// its RECURRENCE-ID), by start, up to limit and at most max; more says
// whether there are more. orphans are the changed occurrences that name
// no occurrence.
func (s *series) occurrences(limit time.Time, max int) (occs []occ, more bool, orphans []*vevent) {
	starts, more := s.ruleStarts(limit, max)
	type base struct {
		t, end time.Time
	}
	var all []base
	all = append(all, base{t: s.m.start.t})
	for _, t := range starts {
		all = append(all, base{t: t})
	}
	for _, r := range s.rdates {
		all = append(all, base{r.t, r.end})
	}
	slices.SortStableFunc(all, func(a, b base) int { return a.t.Compare(b.t) })
	all = slices.CompactFunc(all, func(a, b base) bool { return a.t.Equal(b.t) })
	overrides := map[int64]*vevent{}
	for _, ov := range s.overrides {
		overrides[ov.rid.t.Unix()] = ov
	}
	for _, b := range all {
		if slices.ContainsFunc(s.exdates, func(w when) bool { return w.t.Equal(b.t) }) || b.t.After(limit) {
			continue
		}
		o := occ{rid: b.t, start: b.t, end: b.end, v: s.m}
		if o.end.IsZero() {
			o.end = s.endOf(b.t)
		}
		if ov, ok := overrides[b.t.Unix()]; ok {
			o.start, o.end, o.v = ov.start.t, ov.end.t, ov
			delete(overrides, b.t.Unix())
		}
		occs = append(occs, o)
	}
	for _, ov := range s.overrides {
		if _, left := overrides[ov.rid.t.Unix()]; left && !ov.rid.t.After(limit) {
			orphans = append(orphans, ov)
		}
	}
	slices.SortStableFunc(occs, func(a, b occ) int { return a.start.Compare(b.start) })
	if len(occs) > max {
		occs, more = occs[:max], true
	}
	return occs, more, orphans
}

// endOf returns the end of an occurrence that starts at t.
func (s *series) endOf(t time.Time) time.Time {
	if s.allDay {
		return t.AddDate(0, 0, s.days)
	}
	return t.Add(s.dur)
}

// series imports a repeating event: as events.yaml's repeat: when that
// gives the same occurrences, else as one event per occurrence.
func (im *icsImport) series(g *recurring, id string) []*event {
	s := im.newSeries(g)
	limit := s.limit(compareYears)
	src, more, orphans := s.occurrences(limit, maxCompare)
	var out []*event
	s.overrides = slices.DeleteFunc(s.overrides, func(v *vevent) bool { return slices.Contains(orphans, v) })
	for _, ov := range orphans {
		im.ns.add(ov.c.line, 0, "RECURRENCE-ID %s names no occurrence of the repeating event %q: imported as an event of its own", ov.rid.wall.Format(wallLayout), g.uid)
		out = append(out, im.alone(ov, im.ids.claim(id+"-"+ov.rid.t.In(s.z.locOr(im.calLoc)).Format("20060102"))))
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

func (z *zone) locOr(def *time.Location) *time.Location {
	if z != nil && z.loc != nil {
		return z.loc
	}
	return def
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
	dateIn := func(t time.Time) string {
		if s.allDay {
			return t.Format(dateLayout)
		}
		return dateOf(t, loc)
	}
	startDate := truncDay(m.start.t.In(loc))
	if s.allDay {
		startDate = m.start.t
	}
	r, why := calfeedRule(s.rule, startDate)
	if r == nil {
		return nil, nil, why
	}
	r.count = s.rule.Count
	starts, more := s.ruleStarts(s.limit(compareYears), maxCompare)
	if len(starts) == 0 || !starts[0].Equal(m.start.t) {
		return nil, nil, "DTSTART is not one of the rule's dates"
	}
	note := func(line int, format string, args ...any) {
		pending = append(pending, Note{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	excepted := make([]bool, len(starts))
	for _, x := range s.exdates {
		i := slices.IndexFunc(starts, x.t.Equal)
		switch {
		case i == 0:
			return nil, nil, "EXDATE removes DTSTART, the first occurrence"
		case i < 0:
			if !slices.ContainsFunc(s.rdates, func(w when) bool { return w.t.Equal(x.t) }) {
				note(x.line, "EXDATE %s is no occurrence of the rule; dropped", x.wall.Format(wallLayout))
			}
			continue
		}
		excepted[i] = true
	}
	if s.until.set {
		last := len(starts) - 1
		for last > 0 && excepted[last] {
			last--
		}
		if more {
			r.until = dateIn(s.until.t)
		} else {
			r.until = dateIn(starts[last])
			starts, excepted = starts[:last+1], excepted[:last+1]
		}
	}
	for i, t := range starts {
		if excepted[i] {
			r.except = append(r.except, dateIn(t))
		}
	}
	ruleDates := map[string]bool{}
	for _, t := range starts {
		ruleDates[dateIn(t)] = true
	}
	byDate := map[string]*override{}
	clock := func(t time.Time) time.Time {
		if s.allDay {
			return t
		}
		d := truncDay(t.In(loc))
		h, mi, sec := m.start.t.In(loc).Clock()
		return (&zone{loc: loc}).instant(d.Add(time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second))
	}
	for _, rd := range s.rdates {
		d := dateIn(rd.t)
		switch {
		case slices.ContainsFunc(starts, rd.t.Equal):
			note(rd.line, "RDATE %s is an occurrence of the rule already; dropped", rd.wall.Format(wallLayout))
			continue
		case slices.ContainsFunc(s.exdates, func(w when) bool { return w.t.Equal(rd.t) }):
			continue // added and removed
		case rd.t.Before(m.start.t):
			return nil, nil, "an RDATE before DTSTART"
		case ruleDates[d] || slices.Contains(r.also, d):
			return nil, nil, "an RDATE on a date that already has an occurrence"
		}
		r.also = append(r.also, d)
		end := rd.end
		if end.IsZero() {
			end = s.endOf(rd.t)
		}
		if !rd.t.Equal(clock(rd.t)) || !end.Equal(s.endOf(rd.t)) {
			ov := &override{date: d}
			if !s.times(ov, rd.t, end, clock(rd.t), loc) {
				return nil, nil, "an RDATE in the hour clocks repeat in " + loc.String()
			}
			byDate[d] = ov
		}
	}
	slices.Sort(r.except)
	slices.Sort(r.also)
	for _, v := range s.overrides {
		d := dateIn(v.rid.t)
		ov := byDate[d]
		if ov == nil {
			ov = &override{date: d}
		}
		if !s.times(ov, v.start.t, v.end.t, clock(v.rid.t), loc) {
			return nil, nil, "a changed occurrence in the hour clocks repeat in " + loc.String()
		}
		if v.title != m.title {
			ov.title = one(im.opts.Lang, firstOf(v.title, "(no title)"))
		}
		if v.description != m.description {
			ov.description = one(im.opts.Lang, v.description)
		}
		if v.location != m.location {
			ov.location = one(im.opts.Lang, v.location)
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
		if v.description != m.description && v.description == "" || v.location != m.location && v.location == "" || v.url != m.url && v.url == "" || v.online != m.online && v.online == "" {
			note(v.c.line, "the changed occurrence of %s removes a description, location or link; calfeed's overrides can change these but not remove them, so it keeps the series'", d)
		}
		byDate[d] = ov
		e.fields["override "+d] = pos{v.c.line, 0}
	}
	for _, d := range slices.Sorted(maps.Keys(byDate)) {
		if ov := byDate[d]; !ov.empty() {
			e.overrides = append(e.overrides, ov)
		}
	}
	e.repeat = r
	return e, pending, ""
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
	z := &zone{loc: loc}
	if !start.Equal(def) {
		if !z.instant(start.In(loc)).Equal(start) {
			return false
		}
		ov.start = wall(start, loc)
	}
	if !end.Equal(start.Add(s.dur)) {
		if z.instant(end.In(loc)).Equal(end) {
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
	limit := s.limit(expandYears)
	occs, more, _ := s.occurrences(limit, maxExpand)
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
	line := s.ruleLine
	if line == 0 {
		line = s.m.c.line
	}
	msg := fmt.Sprintf("%q repeats in a way calfeed's repeat: cannot say (%s): its %d %s written as events of their own, with new UIDs", s.m.title, reason, len(out), plural(len(out), "occurrence is", "occurrences are"))
	if more && len(occs) > 0 {
		msg += fmt.Sprintf(", up to %s; add later ones by hand, or simplify the rule and write it as repeat:", occs[len(occs)-1].start.In(s.z.locOr(im.calLoc)).Format(dateLayout))
	}
	im.ns.add(line, 0, "%s", msg)
	if len(out) > 0 {
		out[0].comments = append(out[0].comments, strings.TrimSuffix(fmt.Sprintf("Occurrences of %q, a repeating event calfeed's repeat: cannot say (%s).", s.m.title, reason), "."))
	}
	return out
}
