package importer

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// ICS imports an iCalendar file (RFC 5545): the VEVENTs, with the
// calendar's name, description and zone. source names the file in notes.
func ICS(source string, data []byte, opts Options) (*Result, error) {
	guess := opts.Lang == ""
	if err := opts.check(); err != nil {
		return nil, err
	}
	ns := newNotes(source)
	root := parseICS(data, ns)
	if root == nil {
		return &Result{Notes: ns.sorted()}, fmt.Errorf("%s has no BEGIN:VCALENDAR: it is not an iCalendar file: %w", source, ErrNoEvents)
	}
	if guess {
		var texts []string
		for _, c := range root.children {
			if c.name == "VEVENT" {
				texts = append(texts, withoutCancelled(c.text("SUMMARY")), c.text("LOCATION"))
			}
		}
		texts = append(texts, root.text("X-WR-CALNAME"))
		if lang, name := guessLanguage(texts); lang != "" {
			opts.Lang = lang
			languageNote(ns, lang, name)
		}
	}
	im := &icsImport{opts: opts, ns: ns, root: root, source: source, ids: newIDs(), tracks: newTrackSet(opts.Lang)}
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
	ids     *ids
	tracks  *trackSet
	// expanded counts the events written out for rules calfeed's repeat:
	// cannot say, against maxExpandedTotal.
	expanded int
}

// run reads the calendar's zones and events and builds events.yaml.
func (im *icsImport) run() (*Result, error) {
	vevents, vtz := im.components()
	if len(vevents) == 0 {
		// Nothing to import: say so, not what the zone would have been.
		return &Result{Notes: im.ns.sorted()}, fmt.Errorf("%s has no event (VEVENT): only events are imported (to-dos, journals and free/busy are not): %w", im.source, ErrNoEvents)
	}
	im.calfeed = strings.HasPrefix(im.root.text("PRODID"), "-//calfeed//")
	im.zs = newZones(vtz, im.ns)
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
	// From here each VEVENT is reached through its group alone, and each
	// group is let go once its events are built: a large file's parsed
	// form and the events made of it are not all held at once.
	im.root.children = nil
	groups := group(read, im.ns)
	native := im.nativeIDs(groups)
	for i, g := range groups {
		id, ok := native[g]
		if !ok {
			id = im.ids.claim(im.baseID(g.first(), g.uid))
		}
		delete(native, g)
		groups[i] = nil
		im.doc.events = append(im.doc.events, im.build(g, id)...)
	}
	im.doc.tracks = im.tracks.sorted()
	return finish(im.doc, im.ns, im.source)
}

// components returns the calendar's VEVENTs and VTIMEZONEs, and notes
// the other components, which are dropped.
func (im *icsImport) components() (vevents, vtz []*component) {
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
	return vevents, vtz
}

// nativeIDs claims the ids of the events whose UID is <id>@<calendar
// id>: a feed calfeed wrote comes back with the same ids.
func (im *icsImport) nativeIDs(groups []*recurring) map[*recurring]string {
	native := map[*recurring]string{}
	for _, g := range groups {
		if local, domain := uidLocal(g.uid); domain == im.doc.id && idRE.MatchString(local) && len(local) <= maxIDLen && !im.ids.has(local) {
			native[g] = im.ids.claim(local)
		}
	}
	return native
}

// calendarProps sets the calendar's id, name and description.
func (im *icsImport) calendarProps(read []*vevent) {
	d := im.doc
	fileName := fileStem(im.source)
	named := firstOf(im.opts.Name, im.root.text("X-WR-CALNAME"), im.root.text("NAME"))
	d.name = firstOf(named, fileName, "Imported calendar")
	if named == "" {
		nameNote(im.ns, d.name)
	}
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
		d.id = firstOf(slug(d.name), slug(fileName), "calendar")
		if slug(d.name) == "" {
			idNote(im.ns, d.id, d.name)
		}
	}
	d.header = []string{
		fmt.Sprintf("Imported by `calfeed import` from %s.", im.source),
		"Check it with `calfeed check`; docs/import.md says what the import keeps,",
		"what it changes, and what to look at before publishing.",
	}
}

// nameNote tells that the calendar's name, which subscribers see, was
// made up from the file's.
func nameNote(ns *notes, name string) {
	ns.add(0, 0, "the calendar's name, which subscribers see in their calendar apps, is %q, from the file's name: give -name for another (or edit calendar.name)", name)
}

// idNote tells that the calendar's id was made up where its name makes
// none (a name in Chinese).
func idNote(ns *notes, id, name string) {
	ns.add(0, 0, "the calendar's id is %q (%q makes none): it is part of every event's UID and must never change once published, so give -calendar-id now if it should be another", id, name)
}

// fileStem is the name of the file source names, without its extension:
// the last part of a path or URL, cut at a slash or, as Windows writes
// paths, a backslash.
func fileStem(source string) string {
	base := source[strings.LastIndexAny(source, `/\`)+1:]
	return strings.TrimSuffix(base, path.Ext(base))
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
