package importer

import (
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

const (
	// expandYears is how far after now (or the start, if later) a rule
	// without end that calfeed cannot express is written out.
	expandYears = 2
	// maxExpand bounds the events one rule is written out as.
	maxExpand = 1000
	// maxExpandedTotal bounds the events all the rules of a file are
	// written out as: a small file of many such rules would otherwise
	// make millions, and take the memory they need.
	maxExpandedTotal = 50_000
	// compareYears is how far after now (or the start) a rule without end
	// is compared, occurrence by occurrence, with what calfeed makes of it.
	compareYears = 10
	// maxCompare bounds the occurrences compared.
	maxCompare = 5000
	// maxRules bounds the RRULEs of one event read (RFC 5545 asks for
	// one; RFC 2445 allowed more): each is walked through its dates.
	maxRules = 16
)

// series is a repeating VEVENT as read: its rule and dates, and the
// occurrences changed.
type series struct {
	im        *icsImport
	m         *vevent
	rule      *rrule.ROption // nil with RDATE alone
	ruleLine  int
	until     untilBound
	more      []extraRule // the RRULEs after the first, whose dates add to its
	exdates   []when
	rdates    []when
	overrides []*vevent
	reason    string // what repeat: cannot say, if anything
	allDay    bool
	z         *zone         // the zone wall times are read in
	dur       time.Duration // the length of an occurrence (timed)
	days      int           // the length of an occurrence in days (all-day)
}

// lastFrom returns the last of the changes (by RECURRENCE-ID) that
// applies from t on, or nil.
func lastFrom(future []*vevent, t time.Time) *vevent {
	var last *vevent
	for _, f := range future {
		if f.rid.t.After(t) {
			break
		}
		last = f
	}
	return last
}

// extraRule is an RRULE of a VEVENT that has several (RFC 5545 allowed
// it once; RFC 2445 did): its dates add to the first rule's.
type extraRule struct {
	opt   *rrule.ROption
	until untilBound
	line  int
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
		switch {
		case strings.TrimSpace(rules[0].raw) == "":
			im.ns.once("empty RRULE", rules[0].line, "an empty RRULE is no rule: the event is imported as a one-off event")
		case err != nil:
			im.ns.add(rules[0].line, 0, "RRULE %v: only the first occurrence and any RDATEs are imported", err)
		default:
			s.rule, s.until = opt, u
			if u.set && !u.utc && !u.date && m.start.kind == whenZoned {
				im.ns.add(rules[0].line, 0, "RRULE's UNTIL has no Z though DTSTART has a zone (RFC 5545 asks for UTC there): read in the event's zone; calendars differ on such an end, so check the last occurrence")
			}
			for i, p := range rules[1:] {
				if i+1 == maxRules {
					im.ns.add(p.line, 0, "%d RRULEs in one event: the dates of the first %d are imported, not of this one and the %d after it", len(rules), maxRules, len(rules)-maxRules-1)
					break
				}
				opt, u, err := ruleOption(p.raw, m.start.wall)
				if err != nil {
					im.ns.add(p.line, 0, "RRULE %v: the dates of this rule are not imported", err)
					continue
				}
				s.more = append(s.more, extraRule{opt, u, p.line})
			}
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
		if ov.future && s.reason == "" {
			s.reason = "a change of this and later occurrences, RANGE=THISANDFUTURE"
		}
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
		return s.z.instant(w.t.Add(timeOfDay(s.m.start.wall)))
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
	for i := 0; i < len(s.more); i++ {
		x := s.more[i]
		_, add, m, err := ruleTimes(x.opt, x.until, s.z, s.allDay, naive(wallLimit), max)
		if err != nil {
			s.im.ns.add(x.line, 0, "RRULE: %v: the dates of this rule are not imported", err)
			s.more = slices.Delete(s.more, i, i+1)
			i--
			continue
		}
		instants, more = append(instants, add...), more || m
	}
	if len(s.more) > 0 {
		slices.SortFunc(instants, time.Time.Compare)
		instants = slices.CompactFunc(instants, time.Time.Equal)
		if len(instants) > max {
			instants, more = instants[:max], true
		}
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
	for _, x := range s.more {
		if x.opt.Count == 0 && !x.until.set {
			return false
		}
	}
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
	var future []*vevent // RANGE=THISANDFUTURE, by RECURRENCE-ID
	for _, ov := range s.overrides {
		overrides[ov.rid.t.Unix()] = ov
		if ov.future {
			future = append(future, ov)
		}
	}
	slices.SortStableFunc(future, func(a, b *vevent) int { return a.rid.t.Compare(b.rid.t) })
	for _, b := range all {
		if containsTime(s.exdates, b.t) || b.t.After(limit) {
			continue
		}
		o := occ{rid: b.t, start: b.t, end: b.end, v: s.m}
		if o.end.IsZero() {
			o.end = s.endOf(b.t)
		}
		if ov, ok := overrides[b.t.Unix()]; ok {
			o.start, o.end, o.v = ov.start.t, ov.end.t, ov
			delete(overrides, b.t.Unix())
		} else if f := lastFrom(future, b.t); f != nil {
			// RFC 5545 §3.8.4.4: the change, and the shift of its start,
			// applies to every later occurrence.
			o.start = b.t.Add(f.start.t.Sub(f.rid.t))
			o.end, o.v = o.start.Add(f.end.t.Sub(f.start.t)), f
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

// containsTime reports whether one of ws is at t.
func containsTime(ws []when, t time.Time) bool {
	return slices.ContainsFunc(ws, func(w when) bool { return w.t.Equal(t) })
}

// endOf returns the end of an occurrence that starts at t.
func (s *series) endOf(t time.Time) time.Time {
	if s.allDay {
		return t.AddDate(0, 0, s.days)
	}
	return t.Add(s.dur)
}
