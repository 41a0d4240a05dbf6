package importer

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"calfeed/internal/feed"
)

// vevent is a VEVENT as read.
type vevent struct {
	c                            *component
	uid                          string
	rid                          *when // RECURRENCE-ID
	future                       bool  // RANGE=THISANDFUTURE: the change applies to the later occurrences too
	start, end                   when
	title, description, location string
	url, online, status, updated string
	private                      bool // CLASS:PRIVATE or CONFIDENTIAL
	categories                   []string
}

// vevent reads a VEVENT, or notes why it is dropped and returns nil.
func (im *icsImport) vevent(c *component) *vevent {
	v := &vevent{c: c, uid: c.text("UID")}
	if !im.readTimes(v) {
		return nil
	}
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
	v.status = im.status(c)
	if p := c.get("LAST-MODIFIED"); p != nil {
		if t, err := time.Parse("20060102T150405Z", strings.TrimSpace(p.raw)); err == nil {
			v.updated = t.Format(time.RFC3339)
		}
	}
	v.categories = categories(c)
	im.tidy(v)
	im.noteUnpublished(v)
	return v
}

// readTimes reads a VEVENT's DTSTART, RECURRENCE-ID and end; it reports
// false, with a note, when the event has no start calfeed can read.
func (im *icsImport) readTimes(v *vevent) bool {
	c := v.c
	ds := c.get("DTSTART")
	if ds == nil {
		im.ns.add(c.line, 0, "dropped an event with no DTSTART (%q): calfeed needs to know when it is", c.text("SUMMARY"))
		return false
	}
	start, err := im.when(ds)
	if err != nil {
		im.ns.add(ds.line, 0, "dropped an event (%q): DTSTART %v", c.text("SUMMARY"), err)
		return false
	}
	v.start = start
	if p := c.get("RECURRENCE-ID"); p != nil {
		rid, err := im.when(p)
		if err != nil {
			im.ns.add(p.line, 0, "RECURRENCE-ID %v: the event is read as one of its own", err)
		} else {
			v.rid = &rid
			v.future = strings.EqualFold(p.param("RANGE"), "THISANDFUTURE")
		}
	}
	v.end = im.end(v)
	return true
}

// status reads STATUS as events.yaml's status:; a value that is no
// event's status is read as confirmed, with a note.
func (im *icsImport) status(c *component) string {
	switch s := strings.ToUpper(c.text("STATUS")); s {
	case "TENTATIVE", "CANCELLED":
		return strings.ToLower(s)
	case "CONFIRMED", "":
		return "confirmed"
	default:
		im.ns.once("status "+s, c.get("STATUS").line, "STATUS:%s is not an event's status (RFC 5545 §3.8.1.11); read as confirmed", s)
		return "confirmed"
	}
}

// categories returns the CATEGORIES of a VEVENT, each once, in file order.
func categories(c *component) []string {
	var out []string
	for _, p := range c.all("CATEGORIES") {
		for _, cat := range splitText(p.raw) {
			// Google writes http://schemas.google.com/g/2005#event: a
			// kind of entry, not a category anyone chose.
			if strings.Contains(cat, "://") {
				continue
			}
			if cat = clean(cat); cat != "" && !slices.Contains(out, cat) {
				out = append(out, cat)
			}
		}
	}
	return out
}

// noteUnpublished notes what of a VEVENT a published calendar does not
// carry: its privacy, the people and files it names, its reminders.
func (im *icsImport) noteUnpublished(v *vevent) {
	c := v.c
	switch class := strings.ToUpper(c.text("CLASS")); class {
	case "PRIVATE", "CONFIDENTIAL":
		v.private = true
		im.ns.add(c.get("CLASS").line, 0, "%q is CLASS:%s in the source: written with private: true, so that only secret addresses show it (calfeed token add; docs/private.md)", v.title, class)
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
}

// tidy takes off what a feed written by calfeed adds to the data, so that
// a calendar moved from one calfeed to another does not get it twice, and
// the "Canceled: " Outlook puts before a cancelled meeting's title.
func (im *icsImport) tidy(v *vevent) {
	if v.status == "cancelled" {
		v.title = withoutCancelled(v.title)
	} else if t := withoutCancelled(v.title); t != v.title {
		im.ns.add(v.c.line, 0, "%.60q begins with the word calendars put before a cancelled event's title, but the event is not cancelled (no STATUS:CANCELLED): imported as it is, confirmed; if it is cancelled, write status: cancelled and take the word off its title", v.title)
	}
	_, links := feed.Added()
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

// withoutCancelled is a title without the word a calendar puts before a
// cancelled event's ("Canceled: ", or calfeed's own in every language).
func withoutCancelled(title string) string {
	cancelled, _ := feed.Added()
	for _, p := range append(cancelled, "Canceled: ", "Cancelled: ") {
		// In any case: CANCELED: from some calendars.
		if len(title) > len(p) && strings.EqualFold(title[:len(p)], p) {
			return strings.TrimSpace(title[len(p):])
		}
	}
	return title
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
