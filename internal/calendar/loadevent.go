package calendar

import (
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

var eventKeys = []string{
	"id", "uid", "title", "description", "start", "end", "duration", "timezone",
	"location", "url", "online", "tracks", "status", "updated", "repeat", "overrides", "private",
}

// events reads events:, the list of events, and gives each its UID.
func (l *loader) events(cal *Calendar, f field) {
	if l.pieces != nil {
		l.eventsInPieces(cal)
		return
	}
	items, ok := l.list(f.value, "events")
	if !ok {
		return
	}
	if len(items) > l.maxEvents {
		n := deref(f.value)
		l.tooManyEvents(n.Line, n.Column, len(items))
		return
	}
	m := newMerger(l, cal, len(items))
	for i, it := range items {
		if i%16 == 15 {
			if l.ctx.Err() != nil {
				return // Load reports it
			}
			runtime.Gosched() // see yielding
		}
		m.add(l.convert(i, it, m.trackIDs))
	}
	l.uids(cal, m.uids)
}

func (l *loader) tooManyEvents(line, col, n int) {
	l.errorf(line, col, "events: %d events, more than the limit of %d; split the calendar (or raise -max-events)", n, l.maxEvents)
}

// converted is one item of events: read on its own: the event (nil if it
// has no usable id), its uid: if it gives one, and where the item is.
type converted struct {
	i         int
	e         *Event
	uid       *uidAt
	line, col int
}

func (l *loader) convert(i int, it *yaml.Node, trackIDs *trackSet) converted {
	e, uid := l.event(i, it, trackIDs)
	n := deref(it)
	return converted{i: i, e: e, uid: uid, line: n.Line, col: n.Column}
}

// merger adds converted events to a calendar in file order, refusing a
// repeated id.
type merger struct {
	l        *loader
	cal      *Calendar
	lines    map[string]int // the line of each id
	trackIDs *trackSet
	uids     []uidAt
}

// trackSet holds the ids of a calendar's tracks, in file order and as a set:
// every event's tracks are looked up in it, and a calendar may have
// thousands.
type trackSet struct {
	list []string
	set  map[string]bool
}

// newMerger prepares to add about n events to cal: its maps and list are
// made that size at once, not grown from nothing (100,000 events).
func newMerger(l *loader, cal *Calendar, n int) *merger {
	ids := &trackSet{list: make([]string, len(cal.Tracks)), set: make(map[string]bool, len(cal.Tracks))}
	for i, t := range cal.Tracks {
		ids.list[i] = t.ID
		ids.set[t.ID] = true
	}
	if len(cal.Events) == 0 {
		cal.Events = make([]*Event, 0, n)
		cal.events = make(map[string]*Event, n)
	}
	if cal.byTrack == nil {
		cal.index() // of the events already there: add lists the rest
	}
	return &merger{l: l, cal: cal, lines: make(map[string]int, n), trackIDs: ids}
}

func (m *merger) add(c converted) {
	if c.e == nil {
		return
	}
	if line, dup := m.lines[c.e.ID]; dup {
		m.l.errorf(c.line, c.col, "events[%d] %q: duplicate event id (first at line %d); ids must be unique and never reused", c.i, c.e.ID, line)
		return
	}
	m.lines[c.e.ID] = c.line
	if c.uid != nil {
		m.uids = append(m.uids, *c.uid)
	}
	m.cal.Events = append(m.cal.Events, c.e)
	m.cal.events[c.e.ID] = c.e
	for _, id := range c.e.Tracks { // Calendar.index, as the events come
		m.cal.byTrack[id] = append(m.cal.byTrack[id], c.e)
	}
	if c.e.Updated.After(m.cal.Updated) {
		m.cal.Updated = c.e.Updated
	}
}

// maxUIDLen bounds uid: RFC 5545 sets no limit, but clients and CalDAV
// servers are known to truncate or refuse UIDs longer than 255 octets.
const maxUIDLen = 255

// uidAt is an event's uid: as given, with its place for messages (not
// its node: a piece's nodes are reused once its events are read, and
// uids are checked when every piece has been).
type uidAt struct {
	event     *Event
	line, col int
	what      string
}

// uid reads an event's uid: (RFC 5545 §3.8.4.7), kept from where the event
// was published before so that subscribers see updates, not duplicates.
func (l *loader) uid(n *yaml.Node, what string) (string, bool) {
	s, ok := l.scalar(n, what+": uid")
	if !ok {
		return "", false
	}
	n = deref(n)
	switch {
	case strings.TrimSpace(s) == "":
		l.errorf(n.Line, n.Column, "%s: uid must not be empty; leave uid out for the default <id>@<calendar id>", what)
	case len(s) > maxUIDLen:
		l.errorf(n.Line, n.Column, "%s: uid is %d octets long, more than %d, which clients may cut short; "+
			"leave uid out for the default <id>@<calendar id>", what, len(s), maxUIDLen)
	case strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }):
		l.errorf(n.Line, n.Column, "%s: uid %q has a control or other unprintable character; write it on one line, as the old feed had it", what, s)
	default:
		return s, true
	}
	return "", false
}

// uids checks the UIDs event gave the events as it read them (a uid:, else
// <id>@<calendar id>): two events must not share one, and a uid: must not
// be another event's default UID: calendars would take the two for one
// event.
func (l *loader) uids(cal *Calendar, given []uidAt) {
	if len(given) == 0 {
		return
	}
	// The event whose default UID a uid: is, if any, is found by its id:
	// a map of 100,000 default UIDs is not made for the few uid: given.
	own := make(map[*Event]bool, len(given))
	for _, u := range given {
		own[u.event] = true
	}
	suffix := "@" + cal.ID
	lines := map[string]int{}
	for _, u := range given {
		uid := u.event.UID
		if id, ok := strings.CutSuffix(uid, suffix); ok {
			if other := cal.Event(id); other != nil && other != u.event && !own[other] {
				l.errorf(u.line, u.col, "%s: uid %q is the UID of event %q (<id>@<calendar id>); give each event its own", u.what, uid, other.ID)
				continue
			}
		}
		if line, dup := lines[uid]; dup {
			l.errorf(u.line, u.col, "%s: uid %q repeated (first at line %d); give each event its own", u.what, uid, line)
			continue
		}
		lines[uid] = u.line
	}
}

// event reads one event; it returns nil if the event has no usable id,
// and its uid: if it gives a valid one.
func (l *loader) event(i int, it *yaml.Node, trackIDs *trackSet) (*Event, *uidAt) {
	index := "events[" + strconv.Itoa(i) + "]" // not Sprintf: this is per event
	what := index
	// Named by its id from the first message on, unknown keys' too: the
	// id is read from the mapping ahead of the rest.
	if n := deref(it); n.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(n.Content); j += 2 {
			if deref(n.Content[j]).Value == "id" {
				if v := deref(n.Content[j+1]); v.Kind == yaml.ScalarNode && len(v.Value) <= maxIDLen && idRE.MatchString(v.Value) {
					what = index + " " + strconv.Quote(v.Value)
				}
				break
			}
		}
	}
	m := l.mapping(it, what, eventKeys)
	if m == nil {
		return nil, nil
	}
	node := deref(it)
	e := &Event{Status: Confirmed, Location: l.defaultTZ}
	if v, ok := m.get("id"); ok {
		e.ID, _ = l.id(v.value, what+".id")
	} else {
		l.errorf(node.Line, node.Column, "%s: id missing; give each event a unique id such as \"opening-plenary\"", what)
	}
	if e.ID != "" {
		what = index + " " + strconv.Quote(e.ID)
	}
	var uid *uidAt
	if v, ok := m.get("uid"); ok {
		if s, ok := l.uid(v.value, what); ok {
			e.UID = s
			n := deref(v.value)
			uid = &uidAt{e, n.Line, n.Column, what}
		}
	}
	if e.UID == "" && e.ID != "" {
		e.UID = e.ID + "@" + l.calID // here, on every processor (see uids)
	}
	if v, ok := m.get("title"); ok {
		e.Title = l.text(v.value, what, ": title", true)
	} else {
		l.errorf(node.Line, node.Column, "%s: title missing", what)
	}
	if v, ok := m.get("description"); ok {
		e.Description = l.text(v.value, what, ": description", false)
	}
	if v, ok := m.get("location"); ok {
		e.Place = l.text(v.value, what, ": location", false)
	}
	if v, ok := m.get("timezone"); ok {
		if loc, ok := l.zone(v.value, what, ": timezone"); ok {
			e.Location = loc
		}
	}
	if v, ok := m.get("url"); ok {
		e.URL, _ = l.httpURL(v.value, what, ": url")
	}
	if v, ok := m.get("online"); ok {
		e.Online, _ = l.httpURL(v.value, what, ": online")
	}
	if v, ok := m.get("tracks"); ok {
		e.Tracks = l.eventTracks(v, what, trackIDs)
	}
	if v, ok := m.get("status"); ok {
		if st, ok := l.status(v.value, what); ok {
			e.Status = st
		}
	}
	if v, ok := m.get("updated"); ok {
		e.Updated, _ = l.updated(v.value, what)
	}
	if v, ok := m.get("private"); ok {
		e.Private, _ = l.boolean(v.value, what+": private")
	}
	l.times(e, what, node, m)
	if e.ID == "" {
		return nil, nil
	}
	return e, uid
}

// eventTracks reads the ids of an event's tracks, each of trackIDs.
func (l *loader) eventTracks(f field, what string, known *trackSet) []string {
	trackIDs := known.list
	var ids []string
	items := deref(f.value).Content
	if deref(f.value).Kind != yaml.SequenceNode {
		items, _ = l.list(f.value, what+": tracks")
	}
	for _, t := range items {
		id, ok := l.scalarNamed(t, what, ": tracks")
		switch {
		case !ok:
		case !known.set[id]:
			known := "none are defined under tracks:"
			if len(trackIDs) > 0 {
				known = "known: " + strings.Join(trackIDs, ", ")
			}
			l.errorf(t.Line, t.Column, "%s: unknown track %q%s; %s", what, id, didYouMean(id, trackIDs), known)
		case slices.Contains(ids, id):
			l.errorf(t.Line, t.Column, "%s: track %q listed twice", what, id)
		default:
			ids = append(ids, id)
		}
	}
	return ids
}

// updated reads when an event was last changed, a time in UTC.
func (l *loader) updated(n *yaml.Node, what string) (time.Time, bool) {
	s, ok := l.scalarNamed(n, what, ": updated")
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		l.errorf(n.Line, n.Column, "%s: updated %q must be a UTC time like 2015-12-10T09:00:00Z", what, s)
		return time.Time{}, false
	}
	return t.UTC(), true
}

// times reads an event's start, end and duration, then its repeat: and
// overrides:, which are checked against them once they are valid.
func (l *loader) times(e *Event, what string, node *yaml.Node, m *fieldSet) {
	// A repeating event's times must name one instant each: a rule from
	// a time in UTC would drift across daylight-saving changes.
	twice := eventInUTC
	_, hasRepeat := m.get("repeat")
	if hasRepeat {
		twice = seriesRefused
	}
	before := len(l.errs)
	l.when(e, what, node, m, twice)
	timesOK := len(l.errs) == before
	if v, ok := m.get("repeat"); ok {
		l.repeat(e, what, v, m.field("start"), timesOK)
	}
	if v, ok := m.get("overrides"); ok {
		l.overrides(e, what, v, timesOK, hasRepeat)
	}
	if timesOK && e.Repeat != nil && len(l.errs) == before {
		l.checkSpans(e, what, m)
	}
}

// status reads an event's or an override's status.
func (l *loader) status(n *yaml.Node, what string) (Status, bool) {
	s, ok := l.scalar(n, what+": status")
	if !ok {
		return "", false
	}
	switch st := Status(s); st {
	case Confirmed, Tentative, Cancelled:
		return st, true
	}
	n = deref(n)
	l.errorf(n.Line, n.Column, "%s: status %q must be confirmed, tentative or cancelled%s", what, s, didYouMean(s, []string{"confirmed", "tentative", "cancelled"}))
	return "", false
}
