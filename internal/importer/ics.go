package importer

import (
	"cmp"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"calfeed/internal/feed"
)

// ICS imports an iCalendar file (RFC 5545): the VEVENTs, with the
// calendar's name, description and zone. source names the file in notes.
func ICS(source string, data []byte, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	ns := newNotes(source)
	root := parseICS(data, ns)
	if root == nil {
		return &Result{Notes: ns.sorted()}, fmt.Errorf("%s has no BEGIN:VCALENDAR: it is not an iCalendar file: %w", source, ErrNoEvents)
	}
	im := &icsImport{opts: opts, ns: ns, root: root, source: source, ids: ids{}, tracks: map[string]*track{}}
	im.now = opts.Now()
	return im.run()
}

// icsImport is one import of an iCalendar file.
type icsImport struct {
	opts    Options
	ns      *notes
	root    *component
	source  string
	now     time.Time
	zs      *zones
	calLoc  *time.Location // the calendar's zone
	calfeed bool           // the file is a feed calfeed wrote
	doc     *doc
	ids     ids
	tracks  map[string]*track // by lower-case name
}

// vevent is a VEVENT as read.
type vevent struct {
	c                            *component
	uid                          string
	rid                          *when // RECURRENCE-ID
	start, end                   when
	title, description, location string
	url, online, status, updated string
	categories                   []string
}

// when is a DATE or DATE-TIME value (RFC 5545 §3.3.4, §3.3.5).
type when struct {
	date bool
	t    time.Time // the instant; for a date, the date at midnight UTC
	wall time.Time // the wall time as written (naive); for UTC, in UTC
	z    *zone     // the zone the wall time is read in
	kind whenKind
	end  time.Time // the end of an RDATE PERIOD; zero otherwise
	line int
}

type whenKind int

const (
	whenZoned    whenKind = iota // TZID of an IANA zone
	whenUTC                      // ...Z
	whenFloating                 // no zone: read in the calendar's
	whenOther                    // a TZID matched to no IANA zone
)

func (im *icsImport) run() (*Result, error) {
	var vevents []*component
	var vtz []*component
	for _, c := range im.root.children {
		switch c.name {
		case "VEVENT":
			vevents = append(vevents, c)
		case "VTIMEZONE":
			vtz = append(vtz, c)
		default:
			im.ns.once("component "+c.name, c.line, "dropped %s: calfeed publishes events (VEVENT) only", c.name)
		}
	}
	im.calfeed = strings.HasPrefix(im.root.text("PRODID"), "-//calfeed//")
	im.zs = &zones{vtz: map[string]*vtimezone{}, years: map[string][2]int{}, known: map[string]*zone{}, ns: im.ns}
	for _, c := range vtz {
		v := &vtimezone{tzid: c.text("TZID"), location: c.text("X-LIC-LOCATION"), line: c.line}
		for _, o := range c.children {
			if o.name == "STANDARD" || o.name == "DAYLIGHT" {
				v.observances = append(v.observances, o)
			}
		}
		im.zs.vtz[v.tzid] = v
	}
	im.scanYears(vevents)
	im.calendarZone(vevents)

	var read []*vevent
	for _, c := range vevents {
		if v := im.vevent(c); v != nil {
			read = append(read, v)
		}
	}
	im.doc = &doc{zone: im.calLoc.String(), languages: []string{im.opts.Lang}}
	im.calendarProps(read)
	groups := group(read)
	// An event whose UID is <id>@<calendar id> keeps its id: a feed
	// calfeed wrote comes back with the same ids.
	native := map[*recurring]string{}
	for _, g := range groups {
		if local, domain := uidLocal(g.uid); domain == im.doc.id && idRE.MatchString(local) && len(local) <= maxIDLen && !im.ids[local] {
			native[g] = im.ids.claim(local)
		}
	}
	for _, g := range groups {
		id, ok := native[g]
		if !ok {
			id = im.ids.claim(im.baseID(g.first(), g.uid))
		}
		im.doc.events = append(im.doc.events, im.build(g, id)...)
	}
	for _, t := range im.tracks {
		im.doc.tracks = append(im.doc.tracks, t)
	}
	slices.SortFunc(im.doc.tracks, func(a, b *track) int { return strings.Compare(a.id, b.id) })
	return finish(im.doc, im.ns, im.source)
}

// scanYears records the years each TZID is used in, to match a VTIMEZONE
// of unknown name against IANA zones over them.
func (im *icsImport) scanYears(vevents []*component) {
	note := func(tzid string, year int) {
		y, ok := im.zs.years[tzid]
		if !ok {
			y = [2]int{year, year}
		}
		im.zs.years[tzid] = [2]int{min(y[0], year), max(y[1], year)}
	}
	for _, c := range vevents {
		for _, p := range c.props {
			tzid := p.param("TZID")
			if tzid == "" {
				continue
			}
			for _, v := range strings.Split(p.raw, ",") {
				if y, err := strconv.Atoi(firstN(v, 4)); err == nil {
					note(tzid, y)
				}
			}
		}
		ds, rr := c.get("DTSTART"), c.get("RRULE")
		if ds == nil || rr == nil || ds.param("TZID") == "" {
			continue
		}
		start, err := strconv.Atoi(firstN(ds.raw, 4))
		if err != nil {
			continue
		}
		last := max(start, im.now.Year()) + expandYears
		if i := strings.Index(strings.ToUpper(rr.raw), "UNTIL="); i >= 0 {
			if y, err := strconv.Atoi(firstN(rr.raw[i+6:], 4)); err == nil {
				last = y
			}
		}
		note(ds.param("TZID"), min(max(last, start), start+100))
	}
}

func firstN(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) < n {
		return s
	}
	return s[:n]
}

// calendarZone settles the calendar's zone: -timezone, else X-WR-TIMEZONE,
// else the zone most events start in, else UTC.
func (im *icsImport) calendarZone(vevents []*component) {
	if im.opts.Timezone != "" {
		im.calLoc, _ = loadZone(im.opts.Timezone)
		im.zs.prefer = im.calLoc
		return
	}
	if p := im.root.get("X-WR-TIMEZONE"); p != nil {
		if z := im.zs.resolve(strings.TrimSpace(p.value), p.line); z != nil && z.loc != nil {
			im.calLoc = z.loc
			im.zs.prefer = z.loc
			return
		}
		im.ns.add(p.line, 0, "X-WR-TIMEZONE %q is no time zone calfeed knows; ignored (give -timezone)", p.value)
	}
	counts := map[string]int{}
	locs := map[string]*time.Location{}
	for _, c := range vevents {
		ds := c.get("DTSTART")
		if ds == nil || ds.param("TZID") == "" {
			continue
		}
		if z := im.zs.resolve(ds.param("TZID"), ds.line); z != nil && z.loc != nil {
			counts[z.loc.String()]++
			locs[z.loc.String()] = z.loc
		}
	}
	best := ""
	for name, n := range counts {
		if n > counts[best] || n == counts[best] && name < best {
			best = name
		}
	}
	if best != "" {
		im.calLoc = locs[best]
		return
	}
	im.calLoc = time.UTC
	im.ns.add(0, 0, "the file names no time zone (no X-WR-TIMEZONE, no TZID): the calendar's zone is UTC; give -timezone to show its times in another")
}

// calendarProps sets the calendar's id, name and description.
func (im *icsImport) calendarProps(read []*vevent) {
	d := im.doc
	d.name = firstOf(im.opts.Name, im.root.text("X-WR-CALNAME"), im.root.text("NAME"), strings.TrimSuffix(path.Base(im.source), path.Ext(im.source)), "Imported calendar")
	d.description = firstOf(im.root.text("X-WR-CALDESC"), im.root.text("DESCRIPTION"))
	d.id = im.opts.CalendarID
	if d.id == "" {
		// The domain all UIDs share, when it is an id: a feed calfeed wrote.
		domains := map[string]bool{}
		for _, v := range read {
			_, dom := uidLocal(v.uid)
			domains[dom] = true
		}
		for dom := range domains {
			if len(domains) == 1 && idRE.MatchString(dom) && len(dom) <= maxIDLen {
				d.id = dom
			}
		}
	}
	if d.id == "" {
		d.id = firstOf(slug(d.name), slug(strings.TrimSuffix(path.Base(im.source), path.Ext(im.source))), "calendar")
	}
	d.header = []string{
		fmt.Sprintf("Imported by `calfeed import` from %s.", im.source),
		"Check it with `calfeed check`; docs/import.md says what the import keeps,",
		"what it changes, and what to look at before publishing.",
	}
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// vevent reads a VEVENT, or notes why it is dropped and returns nil.
func (im *icsImport) vevent(c *component) *vevent {
	v := &vevent{c: c, uid: c.text("UID")}
	ds := c.get("DTSTART")
	if ds == nil {
		im.ns.add(c.line, 0, "dropped an event with no DTSTART (%q): calfeed needs to know when it is", c.text("SUMMARY"))
		return nil
	}
	start, err := im.when(ds)
	if err != nil {
		im.ns.add(ds.line, 0, "dropped an event (%q): DTSTART %v", c.text("SUMMARY"), err)
		return nil
	}
	v.start = start
	if p := c.get("RECURRENCE-ID"); p != nil {
		rid, err := im.when(p)
		if err != nil {
			im.ns.add(p.line, 0, "RECURRENCE-ID %v: the event is read as one of its own", err)
		} else {
			v.rid = &rid
		}
	}
	v.end = im.end(v)
	v.title = c.text("SUMMARY")
	v.description = c.text("DESCRIPTION")
	v.location = c.text("LOCATION")
	if p := c.get("URL"); p != nil {
		v.url = im.link(p, "URL")
	}
	for _, name := range []string{"CONFERENCE", "X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL"} {
		if p := c.get(name); p != nil && v.online == "" {
			v.online = im.link(p, name)
		}
	}
	switch s := strings.ToUpper(c.text("STATUS")); s {
	case "TENTATIVE", "CANCELLED":
		v.status = strings.ToLower(s)
	case "CONFIRMED", "":
		v.status = "confirmed"
	default:
		v.status = "confirmed"
		im.ns.once("status "+s, c.get("STATUS").line, "STATUS:%s is not an event's status (RFC 5545 §3.8.1.11); read as confirmed", s)
	}
	if p := c.get("LAST-MODIFIED"); p != nil {
		if t, err := time.Parse("20060102T150405Z", strings.TrimSpace(p.raw)); err == nil {
			v.updated = t.Format(time.RFC3339)
		}
	}
	for _, p := range c.all("CATEGORIES") {
		for _, cat := range splitText(p.raw) {
			if cat = clean(cat); cat != "" && !slices.Contains(v.categories, cat) {
				v.categories = append(v.categories, cat)
			}
		}
	}
	im.tidy(v)
	switch class := strings.ToUpper(c.text("CLASS")); class {
	case "PRIVATE", "CONFIDENTIAL":
		im.ns.add(c.get("CLASS").line, 0, "%q is CLASS:%s in the source, but everything in events.yaml is published: remove it, or make sure it may be public", v.title, class)
	}
	for _, name := range []string{"ATTENDEE", "ORGANIZER", "ATTACH", "RESOURCES", "CONTACT"} {
		if p := c.get(name); p != nil {
			im.ns.once("prop "+name, p.line, "dropped %s: a published calendar does not carry it", name)
		}
	}
	for _, a := range c.children {
		if a.name == "VALARM" {
			im.ns.once("valarm", a.line, "dropped a reminder (VALARM): subscribers choose their own on the subscribe page (?alarm=)")
		}
	}
	return v
}

// tidy takes off what a feed written by calfeed adds to the data, so that
// a calendar moved from one calfeed to another does not get it twice, and
// the "Canceled: " Outlook puts before a cancelled meeting's title.
func (im *icsImport) tidy(v *vevent) {
	cancelled, links := feed.Added()
	cancelled = append(cancelled, "Canceled: ", "Cancelled: ")
	if v.status == "cancelled" {
		for _, p := range cancelled {
			if strings.HasPrefix(v.title, p) && len(v.title) > len(p) {
				v.title = strings.TrimSpace(strings.TrimPrefix(v.title, p))
				break
			}
		}
	}
	if !im.calfeed {
		return
	}
	for _, link := range []string{v.url, v.online} {
		if link == "" {
			continue
		}
		for _, w := range links {
			if strings.HasSuffix(v.description, w+link) {
				v.description = strings.TrimSpace(strings.TrimSuffix(v.description, w+link))
				break
			}
		}
	}
}

// link reads a URI property as an http(s) link, as calendar.Load checks
// them; anything else is dropped with a note.
func (im *icsImport) link(p *prop, name string) string {
	s := strings.TrimSpace(p.raw)
	if s == "" {
		return ""
	}
	if ok := httpURL(s); !ok {
		im.ns.add(p.line, 0, "dropped %s %.60q: calfeed publishes http and https links only", name, s)
		return ""
	}
	return s
}

// httpURL reports whether calendar.Load accepts s as a link.
func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " \t\r\n\"<>\\^`{|}")
}

// when reads a DATE or DATE-TIME property.
func (im *icsImport) when(p *prop) (when, error) {
	ws, err := im.whens(p)
	if err != nil {
		return when{}, err
	}
	if len(ws) != 1 {
		return when{}, fmt.Errorf("%q: want one date or date-time", p.raw)
	}
	return ws[0], nil
}

// whens reads the DATE, DATE-TIME or PERIOD values of a property (EXDATE
// and RDATE hold lists).
func (im *icsImport) whens(p *prop) ([]when, error) {
	var out []when
	for _, v := range strings.Split(strings.TrimSpace(p.raw), ",") {
		v = strings.TrimSpace(v)
		startText, endText, period := strings.Cut(v, "/")
		w, err := im.parseWhen(p, startText)
		if err != nil {
			return nil, err
		}
		if period {
			if strings.HasPrefix(endText, "P") || strings.HasPrefix(endText, "+P") {
				d, err := icalDuration(endText)
				if err != nil {
					return nil, err
				}
				w.end = w.t.Add(d)
			} else {
				e, err := im.parseWhen(p, endText)
				if err != nil {
					return nil, err
				}
				w.end = e.t
			}
		}
		out = append(out, w)
	}
	return out, nil
}

func (im *icsImport) parseWhen(p *prop, v string) (when, error) {
	w := when{line: p.line}
	switch {
	case strings.EqualFold(p.param("VALUE"), "DATE") || len(v) == 8:
		t, err := time.Parse("20060102", v)
		if err != nil {
			return w, fmt.Errorf("%q is not a date (YYYYMMDD)", v)
		}
		w.date, w.t, w.wall = true, t, t
		return w, nil
	case strings.HasSuffix(v, "Z"):
		t, err := time.Parse("20060102T150405Z", v)
		if err != nil {
			return w, fmt.Errorf("%q is not a date-time (YYYYMMDDTHHMMSSZ)", v)
		}
		w.t, w.wall, w.kind, w.z = t, t, whenUTC, &zone{loc: time.UTC}
		return w, nil
	}
	t, err := time.Parse("20060102T150405", v)
	if err != nil {
		return w, fmt.Errorf("%q is not a date-time (YYYYMMDDTHHMMSS)", v)
	}
	w.wall = t
	tzid := p.param("TZID")
	switch z := im.zs.resolve(tzid, p.line); {
	case tzid == "":
		im.ns.once("floating", p.line, "%s has a time without zone (a floating time): read in the calendar's zone, %s", p.name, im.calLoc)
		w.kind, w.z = whenFloating, &zone{loc: im.calLoc}
	case z == nil:
		im.ns.once("tzid "+tzid, p.line, "TZID %q is no time zone calfeed knows and has no VTIMEZONE: its times are read in the calendar's zone, %s; check them", tzid, im.calLoc)
		w.kind, w.z = whenFloating, &zone{loc: im.calLoc}
	case z.loc == nil:
		w.kind, w.z = whenOther, z
	default:
		w.kind, w.z = whenZoned, z
	}
	w.t = w.z.instant(t)
	return w, nil
}

// end reads DTEND or DURATION. An all-day event without either lasts its
// day; a timed one without either, or ending before it starts, lasts a
// minute (calfeed's events end after they start), with a note.
func (im *icsImport) end(v *vevent) when {
	c := v.c
	end := v.start
	switch de, du := c.get("DTEND"), c.get("DURATION"); {
	case de != nil:
		if w, err := im.when(de); err != nil {
			im.ns.add(de.line, 0, "DTEND %v; ignored", err)
		} else {
			end = w
		}
	case du != nil:
		if d, err := icalDuration(du.raw); err != nil {
			im.ns.add(du.line, 0, "DURATION %v; ignored", err)
		} else {
			end.t = v.start.t.Add(d)
		}
	}
	if v.start.date {
		end.date = true
		if end.t.Hour() != 0 || end.t.Minute() != 0 {
			end.t = truncDay(end.t).AddDate(0, 0, 1)
		}
		if !end.t.After(v.start.t) {
			end.t = v.start.t.AddDate(0, 0, 1)
		}
		return end
	}
	if end.date {
		end.t = v.start.z.instant(end.t)
	}
	if !end.t.After(v.start.t) {
		im.ns.add(c.line, 0, "%q has no length (no DTEND, or one not after DTSTART): calfeed's events end after they start, so it lasts one minute", c.text("SUMMARY"))
		end.t = v.start.t.Add(time.Minute)
	}
	return end
}

// icalDuration reads a DURATION (RFC 5545 §3.3.6) as an exact length:
// P1D is 24 hours.
func icalDuration(s string) (time.Duration, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, fmt.Errorf("%q is not a duration like PT1H30M or P1D", s)
	}
	var d time.Duration
	n := 0
	inTime := false
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			n = n*10 + int(r-'0')
			if n > 1_000_000 {
				return 0, fmt.Errorf("%q is too long", s)
			}
			continue
		case r == 'T':
			inTime = true
		case r == 'W' && !inTime:
			d += time.Duration(n) * 7 * 24 * time.Hour
		case r == 'D' && !inTime:
			d += time.Duration(n) * 24 * time.Hour
		case r == 'H' && inTime:
			d += time.Duration(n) * time.Hour
		case r == 'M' && inTime:
			d += time.Duration(n) * time.Minute
		case r == 'S' && inTime:
			d += time.Duration(n) * time.Second
		default:
			return 0, fmt.Errorf("%q is not a duration like PT1H30M or P1D", s)
		}
		n = 0
	}
	if neg {
		d = -d
	}
	return d, nil
}

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

// group groups VEVENTs by UID and orders the groups by start, then UID:
// the same input always gives the same order, and so the same ids.
func group(read []*vevent) []*recurring {
	byUID := map[string]*recurring{}
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
			g.overrides = append(g.overrides, v)
		case g.master == nil:
			g.master = v
		default:
			g.extra = append(g.extra, v)
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
	return firstOf(slug(v.title), slug(local), "event")
}

// build turns a group of VEVENTs into events.
func (im *icsImport) build(g *recurring, id string) []*event {
	var out []*event
	if g.master == nil {
		im.ns.add(g.overrides[0].c.line, 0, "the file has changed occurrences (RECURRENCE-ID) of the event %q but not the event itself: each is imported as an event of its own", g.uid)
		for _, v := range g.overrides {
			out = append(out, im.alone(v, im.ids.claim(id+"-"+v.start.t.In(im.calLoc).Format("20060102"))))
		}
		return compact(out)
	}
	for _, v := range g.extra {
		im.ns.add(v.c.line, 0, "UID %q is used by another event (line %d) too: this one is imported as an event of its own, with a new UID", g.uid, g.master.c.line)
		out = append(out, im.alone(v, im.ids.claim(id)))
	}
	m := g.master
	if m.c.get("RRULE") == nil && m.c.get("RDATE") == nil {
		for _, ov := range g.overrides {
			if ov.rid.t.Equal(m.start.t) {
				m = ov // the one occurrence, changed
				continue
			}
			im.ns.add(ov.c.line, 0, "RECURRENCE-ID names no occurrence of the one-off event %q: imported as an event of its own", g.uid)
			out = append(out, im.alone(ov, im.ids.claim(id)))
		}
		e := im.plain(m, id, g.uid, m.start.t, m.end.t)
		return compact(append([]*event{e}, out...))
	}
	return compact(append(im.series(g, id), out...))
}

func compact(es []*event) []*event {
	return slices.DeleteFunc(es, func(e *event) bool { return e == nil })
}

// alone imports a VEVENT as a plain event with a UID of its own.
func (im *icsImport) alone(v *vevent, id string) *event {
	return im.plain(v, id, "", v.start.t, v.end.t)
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
	e.updated = v.updated
	for _, cat := range v.categories {
		e.tracks = append(e.tracks, im.track(cat))
	}
	e.at = pos{v.c.line, 0}
	e.fields = map[string]pos{}
	for key, name := range map[string]string{"title": "SUMMARY", "description": "DESCRIPTION", "location": "LOCATION", "url": "URL", "status": "STATUS", "start": "DTSTART", "end": "DTEND", "repeat": "RRULE", "except": "EXDATE", "also": "RDATE", "uid": "UID", "updated": "LAST-MODIFIED", "tracks": "CATEGORIES"} {
		if p := v.c.get(name); p != nil {
			e.fields[key] = pos{p.line, 0}
		}
	}
}

// track returns the id of the track of a category, creating it.
func (im *icsImport) track(name string) string {
	key := strings.ToLower(name)
	if t, ok := im.tracks[key]; ok {
		return t.id
	}
	base := slug(name)
	if base == "" {
		base = "track"
	}
	t := &track{id: trackIDs(im).claim(base), name: one(im.opts.Lang, name)}
	im.tracks[key] = t
	return t.id
}

// trackIDs is the set of track ids in use (tracks and events have ids of
// their own kinds; "all" is taken for the feed of every event).
func trackIDs(im *icsImport) ids {
	s := ids{"all": true}
	for _, t := range im.tracks {
		s[t.id] = true
	}
	return s
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
	z := &zone{loc: loc}
	e.start = wall(start, loc)
	if !z.instant(start.In(loc)).Equal(start) {
		return false
	}
	if z.instant(end.In(loc)).Equal(end) {
		e.end = wall(end, loc)
	} else if e.duration = duration(end.Sub(start)); e.duration == "" {
		return false
	}
	return true
}
