package importer

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"calfeed/internal/calendar"
)

// problem is a problem calendar.Load found, placed in the source.
type problem struct {
	at      pos
	msg     string
	warning bool
}

// eventPrefixRE matches the "events[3] "id": " calendar.Load puts before a
// problem of an event: the index is the output's, not the source's.
var eventPrefixRE = regexp.MustCompile(`^events\[\d+\](?: "[^"]*")?: `)

// place turns calendar.Load's problems into problems in the source.
func place(w *writer, ps []calendar.Problem) []problem {
	out := make([]problem, len(ps))
	for i, p := range ps {
		out[i] = problem{at: w.origin(p.Line), msg: eventPrefixRE.ReplaceAllString(p.Msg, ""), warning: p.Warning}
	}
	return out
}

// trial writes e alone, under d's calendar: and the tracks e names, and
// loads it: the event as calfeed reads it, or nil and the problems.
func (d *doc) trial(e *event) (*calendar.Event, []problem) {
	mini := &doc{id: d.id, name: "trial", zone: d.zone, languages: d.languages, events: []*event{e}}
	for _, t := range d.tracks {
		if slices.Contains(e.tracks, t.id) {
			mini.tracks = append(mini.tracks, t)
		}
	}
	for _, id := range e.tracks {
		if !slices.ContainsFunc(mini.tracks, func(t *track) bool { return t.id == id }) {
			mini.tracks = append(mini.tracks, &track{id: id, name: text{{d.languages[0], id}}})
		}
	}
	w := mini.write()
	cal, err := calendar.Load("trial", bytes.NewReader(w.buf.Bytes()), calendar.Options{Zones: &d.zones})
	var le *calendar.Error
	switch {
	case errors.As(err, &le):
		return nil, place(w, le.Problems)
	case err != nil:
		return nil, []problem{{at: e.at, msg: err.Error()}}
	case len(cal.Events) != 1:
		return nil, []problem{{at: e.at, msg: "not read back as one event"}}
	}
	return cal.Events[0], nil
}

// finish writes the calendar and loads it as `calfeed check` would: the
// importer's own guarantee that what it returns is valid.
func finish(d *doc, ns *notes, source string) (*Result, error) {
	if len(d.events) == 0 {
		return &Result{Notes: ns.sorted()}, fmt.Errorf("%s: %w", source, ErrNoEvents)
	}
	madeUpNote(d, ns)
	w := d.write()
	out := w.buf.Bytes()
	var limits calendar.Options
	if n := len(d.events); n > calendar.DefaultMaxEvents {
		// Written all the same: the limit is the commands' to raise.
		limits.MaxEvents = n
		ns.add(0, 0, "%d events, more than the %d that check, stamp, serve and build accept unless given -max-events %d; or split the calendar into a folder of calendars", n, calendar.DefaultMaxEvents, n)
	}
	if n := int64(len(out)); n > calendar.DefaultMaxSize {
		limits.MaxSize = n
		ns.add(0, 0, "the events.yaml made is %d bytes, more than the %d that check, stamp, serve and build accept unless given -max-size %d; or split the calendar into a folder of calendars", n, calendar.DefaultMaxSize, n)
	}
	cal, err := calendar.Load("events.yaml", bytes.NewReader(out), limits)
	var le *calendar.Error
	if errors.As(err, &le) {
		for _, p := range place(w, le.Problems) {
			ns.add(p.at.line, p.at.col, "%s", p.msg)
		}
		return &Result{Notes: ns.sorted()}, fmt.Errorf("%s: the events.yaml made from it does not pass calfeed check (%d %s, noted above); this is a bug in calfeed import, please report it", source, le.Count(), plural(le.Count(), "problem", "problems"))
	}
	if err != nil {
		return nil, err
	}
	for _, p := range place(w, cal.Warnings) {
		ns.add(p.at.line, p.at.col, "%s", p.msg)
	}
	return &Result{YAML: out, Events: len(cal.Events), Notes: ns.sorted()}, nil
}

// madeUpRE is an id the import makes up when a title or name gives none.
var madeUpRE = regexp.MustCompile(`^(event|track)(-[0-9]+)?$`)

// madeUpNote notes the events and tracks of d given ids made up (event-2,
// track): their titles and names hold nothing to make one from (Chinese,
// say), and an id is for ever once published.
func madeUpNote(d *doc, ns *notes) {
	slugless := func(t text) bool {
		return !slices.ContainsFunc(t, func(l langText) bool { return slug(l.s) != "" })
	}
	var events, tracks []string
	seen := map[string]bool{} // a series' events share its id
	for _, e := range d.events {
		if !seen[e.id] && madeUpRE.MatchString(e.id) && slugless(e.title) {
			seen[e.id] = true
			events = append(events, e.id)
		}
	}
	for _, t := range d.tracks {
		if madeUpRE.MatchString(t.id) && slugless(t.name) {
			tracks = append(tracks, t.id)
		}
	}
	var parts []string
	if n := len(events); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s (%s)", n, plural(n, "event", "events"), examples(events)))
	}
	if n := len(tracks); n > 0 {
		parts = append(parts, fmt.Sprintf("%d %s (%s)", n, plural(n, "track", "tracks"), examples(tracks)))
	}
	if len(parts) > 0 {
		ns.add(0, 0, "%s got ids made up, their titles or names having no Latin letters or digits to make one from: give each an id of your own before publishing (an event's id makes its UID, a track's its feed's address, /tracks/ID.ics; neither may change once published)", strings.Join(parts, " and "))
	}
}

// examples lists the first three of ids, and "..." after them if more.
func examples(ids []string) string {
	if len(ids) > 3 {
		return strings.Join(ids[:3], ", ") + "..."
	}
	return strings.Join(ids, ", ")
}
