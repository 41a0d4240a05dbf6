package importer

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// recurring is the VEVENTs of one UID: the event (or series) and the
// occurrences changed (RECURRENCE-ID).
type recurring struct {
	uid       string
	master    *vevent
	extra     []*vevent // more VEVENTs with the same UID and no RECURRENCE-ID
	overrides []*vevent
}

// first returns the VEVENT that stands for the group.
func (g *recurring) first() *vevent {
	if g.master != nil {
		return g.master
	}
	return g.overrides[0]
}

// sequence is a VEVENT's SEQUENCE, 0 when it has none.
func (v *vevent) sequence() int {
	n, _ := strconv.Atoi(strings.TrimSpace(v.c.text("SEQUENCE")))
	return n
}

// group groups VEVENTs by UID and orders the groups by start, then UID:
// the same input always gives the same order, and so the same ids. Of two
// versions of one event (no RECURRENCE-ID), or of two changes of one
// occurrence, the higher SEQUENCE is kept and the other dropped, with a
// note; two with one SEQUENCE are two events (the second imported on its
// own), or the first change in the file.
func group(read []*vevent, ns *notes) []*recurring {
	byUID := map[string]*recurring{}
	// The overrides of each group by their RECURRENCE-ID's instant, so
	// that a file of many is not matched in the square of their number.
	type instant struct {
		sec  int64
		nsec int
	}
	at := map[*recurring]map[instant]int{}
	var out []*recurring
	for _, v := range read {
		key := v.uid
		if key == "" {
			key = fmt.Sprintf("\x00%d", v.c.line) // no UID: a group of its own
		}
		g := byUID[key]
		if g == nil {
			g = &recurring{uid: v.uid}
			byUID[key] = g
			out = append(out, g)
		}
		switch {
		case v.rid != nil:
			if at[g] == nil {
				at[g] = map[instant]int{}
			}
			key := instant{v.rid.t.Unix(), v.rid.t.Nanosecond()}
			i, seen := at[g][key]
			if !seen {
				at[g][key] = len(g.overrides)
				g.overrides = append(g.overrides, v)
				break
			}
			kept, dropped := g.overrides[i], v
			if v.sequence() > kept.sequence() {
				kept, dropped = v, kept
				g.overrides[i] = v
			}
			ns.add(dropped.c.line, 0, "a second change of the occurrence %s of %q (SEQUENCE %d) is dropped: the one at line %d (SEQUENCE %d) is kept",
				dropped.c.text("RECURRENCE-ID"), v.uid, dropped.sequence(), kept.c.line, kept.sequence())
		case g.master == nil:
			g.master = v
		case v.sequence() == g.master.sequence():
			g.extra = append(g.extra, v)
		default:
			kept, dropped := g.master, v
			if v.sequence() > kept.sequence() {
				kept, dropped = v, kept
				g.master = v
			}
			ns.add(dropped.c.line, 0, "an older version of %q (SEQUENCE %d) is dropped: the one at line %d (SEQUENCE %d) is kept",
				v.uid, dropped.sequence(), kept.c.line, kept.sequence())
		}
	}
	slices.SortStableFunc(out, func(a, b *recurring) int {
		return cmp.Or(a.first().start.t.Compare(b.first().start.t), strings.Compare(a.uid, b.uid), a.first().c.line-b.first().c.line)
	})
	return out
}

// baseID is the id an event is given before it is made unique: from its
// title, else its UID, else "event".
func (im *icsImport) baseID(v *vevent, uid string) string {
	local, _ := uidLocal(uid)
	return firstOf(slug(withoutCancelled(v.title)), slug(local), "event")
}

// build turns a group of VEVENTs into events.
func (im *icsImport) build(g *recurring, id string) []*event {
	var out []*event
	if g.master == nil {
		im.ns.add(g.overrides[0].c.line, 0, "the file has changed occurrences (RECURRENCE-ID) of the event %q but not the event itself: each is imported as an event of its own", g.uid)
		for _, v := range g.overrides {
			day := v.start.t.In(im.calLoc).Format("20060102")
			if v.start.date {
				day = v.start.t.Format("20060102") // a date, not an instant to move into a zone
			}
			out = append(out, im.alone(v, im.ids.claim(id+"-"+day)))
		}
		return compact(out)
	}
	for _, v := range g.extra {
		im.ns.add(v.c.line, 0, "UID %q is used by another event (line %d) too: this one is imported as an event of its own, with a new UID", g.uid, g.master.c.line)
		out = append(out, im.alone(v, im.ids.claim(id)))
	}
	m := g.master
	// events.yaml makes whole events private: a private occurrence makes
	// its series private, in doubt (its note says so), and so are the
	// events split off it (an occurrence made all-day, one the rule does
	// not give, a series written one event per occurrence).
	private := m.private || slices.ContainsFunc(g.overrides, func(v *vevent) bool { return v.private })
	if m.c.get("RRULE") == nil && m.c.get("RDATE") == nil {
		var own []*event
		for _, ov := range g.overrides {
			if ov.rid.t.Equal(m.start.t) {
				m = ov // the one occurrence, changed
				continue
			}
			im.ns.add(ov.c.line, 0, "RECURRENCE-ID names no occurrence of the one-off event %q: imported as an event of its own", g.uid)
			own = append(own, im.alone(ov, im.ids.claim(id)))
		}
		e := im.plain(m, id, g.uid, m.start.t, m.end.t)
		return compact(append(markPrivate(append([]*event{e}, own...), private), out...))
	}
	return compact(append(markPrivate(im.series(g, id), private), out...))
}

// markPrivate makes es private when private is true, and returns them;
// nil ones (events left out, with a note) stay nil.
func markPrivate(es []*event, private bool) []*event {
	for _, e := range es {
		if e != nil {
			e.private = e.private || private
		}
	}
	return es
}

func compact(es []*event) []*event {
	return slices.DeleteFunc(es, func(e *event) bool { return e == nil })
}

// alone imports a VEVENT as a plain event with a UID of its own.
func (im *icsImport) alone(v *vevent, id string) *event {
	return im.plain(v, id, "", v.start.t, v.end.t)
}

// eventFields are the events.yaml keys whose place in the source is the
// line of a property.
var eventFields = []struct{ key, prop string }{
	{"title", "SUMMARY"}, {"description", "DESCRIPTION"}, {"location", "LOCATION"}, {"url", "URL"},
	{"status", "STATUS"}, {"start", "DTSTART"}, {"end", "DTEND"}, {"repeat", "RRULE"}, {"except", "EXDATE"},
	{"also", "RDATE"}, {"uid", "UID"}, {"updated", "LAST-MODIFIED"}, {"tracks", "CATEGORIES"}, {"private", "CLASS"},
}

// content fills e with v's text, links, tracks and status.
func (im *icsImport) content(e *event, v *vevent) {
	lang := im.opts.Lang
	title := v.title
	if title == "" {
		im.ns.once("untitled", v.c.line, "an event has no title (SUMMARY): it is called \"(no title)\"")
		title = "(no title)"
	}
	e.title = one(lang, title)
	e.description = one(lang, v.description)
	e.location = one(lang, v.location)
	e.url, e.online = v.url, v.online
	if v.status != "confirmed" {
		e.status = v.status
	}
	e.private = v.private
	e.updated = v.updated
	for _, cat := range v.categories {
		e.tracks = append(e.tracks, im.tracks.id(cat))
	}
	e.at = pos{v.c.line, 0}
	e.fields = nil
	for _, f := range eventFields {
		if p := v.c.get(f.prop); p != nil {
			e.fields.set(f.key, pos{p.line, 0})
		}
	}
}

// uidFor returns the uid: to write for an event: none when it is the
// default <id>@<calendar id>, or when calfeed could not keep it.
func (im *icsImport) uidFor(uid, id string, at int) string {
	switch {
	case uid == "" || uid == id+"@"+im.doc.id:
		return ""
	case !validUID(uid):
		im.ns.add(at, 0, "UID %.60q is longer than 255 octets or not printable, which calfeed does not keep: the event gets the UID %s@%s, and subscribers will see it as a new event", uid, id, im.doc.id)
		return ""
	}
	return uid
}

// zonesFor lists the zones an event may be written in, best first: the
// zone its start names, else the calendar's, then UTC (where a wall time
// in the calendar's zone would be ambiguous or a rule would drift).
func (im *icsImport) zonesFor(w when) []*time.Location {
	switch {
	case w.date:
		return []*time.Location{im.calLoc}
	case w.kind == whenZoned && w.z.loc != nil:
		return []*time.Location{w.z.loc, time.UTC}
	case w.kind == whenFloating:
		return []*time.Location{im.calLoc}
	}
	return []*time.Location{im.calLoc, time.UTC}
}

// plain imports v as a one-off event from start to end (instants, or
// dates for an all-day event, end exclusive), in the first zone that
// gives those instants back.
func (im *icsImport) plain(v *vevent, id, uid string, start, end time.Time) *event {
	var last []problem
	for _, loc := range im.zonesFor(v.start) {
		e := &event{id: id, uid: im.uidFor(uid, id, v.c.line)}
		im.content(e, v)
		if !setTimes(e, start, end, v.start.date, loc) {
			continue
		}
		got, problems := im.doc.trial(e)
		if got != nil && got.Start.Equal(start) && got.End.Equal(end) {
			return e
		}
		last = problems
	}
	im.dropped(v, last)
	return nil
}

// dropped notes an event that could not be written, with why.
func (im *icsImport) dropped(v *vevent, problems []problem) {
	why := "its times cannot be written in events.yaml"
	if len(problems) > 0 {
		why = problems[0].msg
	}
	im.ns.add(v.c.line, 0, "dropped %q: %s", v.title, why)
}

// setTimes writes an event's start and end (end, or duration where the
// end's wall time is ambiguous) in loc; it reports false when the start
// cannot be written there.
func setTimes(e *event, start, end time.Time, allDay bool, loc *time.Location) bool {
	e.timezone = loc.String()
	if allDay {
		e.start = start.Format(dateLayout)
		if last := end.AddDate(0, 0, -1); last.After(start) {
			e.end = last.Format(dateLayout)
		}
		return true
	}
	e.start = wall(start, loc)
	if !writable(start, loc) {
		return false
	}
	if writable(end, loc) {
		e.end = wall(end, loc)
	} else if e.duration = duration(end.Sub(start)); e.duration == "" {
		return false
	}
	return true
}

// writable reports whether t's wall time in loc names t again (it does
// not in the second of two repeated hours).
func writable(t time.Time, loc *time.Location) bool {
	return (&zone{loc: loc}).instant(t.In(loc)).Equal(t)
}
