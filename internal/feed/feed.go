// Package feed writes iCalendar (RFC 5545) feeds of a calendar's events: the
// whole calendar, one track, several tracks, a chosen set of events, or one
// event.
//
// golang-ical builds the components. What it leaves to its caller is done
// here: CRLF line endings (it writes LF unless told), zoned DTSTART with a
// TZID (its SetStartAt writes UTC), one VTIMEZONE per TZID generated from the
// time zone database (it writes none), and TEXT cleaned of the CR and control
// characters it does not escape.
//
// Output is deterministic: the same calendar gives the same bytes on every
// run and every server. DTSTAMP and LAST-MODIFIED come from the data.
package feed

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"calfeed/internal/calendar"
	"calfeed/internal/timezone"
)

// ProdID identifies calfeed as the feeds' producer (RFC 5545 §3.7.3).
const ProdID = "-//calfeed//calfeed 1.0//EN"

// serialization is golang-ical's configuration for every component: CRLF
// (RFC 5545 §3.1), and lines left unfolded for fold to fold.
var serialization = ics.SerializationConfiguration{MaxLength: 1 << 30, PropertyMaxLength: 1 << 30, NewLine: "\r\n"}

// Feed is what one feed holds.
type Feed struct {
	Name        string            // NAME, X-WR-CALNAME
	Description string            // DESCRIPTION, X-WR-CALDESC; may be empty
	Events      []*calendar.Event // in any order; the feed sorts them
}

// Renderer writes feeds of one calendar. New renders every event once per
// language; a feed is then those bytes put together, so a combined feed or a
// personal agenda costs little more than copying. A Renderer is safe for
// concurrent use.
type Renderer struct {
	cal    *calendar.Calendar
	events map[*calendar.Event]map[string][]byte // event -> language -> VEVENT
	zones  map[*time.Location][]byte             // zone -> VTIMEZONE
}

// New renders the events and time zones of cal.
func New(cal *calendar.Calendar) (*Renderer, error) {
	r := &Renderer{
		cal:    cal,
		events: make(map[*calendar.Event]map[string][]byte, len(cal.Events)),
		zones:  map[*time.Location][]byte{},
	}
	var buf bytes.Buffer
	for _, e := range cal.Events {
		byLang := make(map[string][]byte, len(cal.Languages))
		for _, lang := range cal.Languages {
			buf.Reset()
			if err := r.event(e, lang).SerializeTo(&buf, &serialization); err != nil {
				return nil, fmt.Errorf("feed: event %q: %w", e.ID, err)
			}
			byLang[lang] = bytes.Clone(fold(buf.Bytes()))
		}
		r.events[e] = byLang
	}
	for loc, span := range zoneSpans(cal.Events) {
		buf.Reset()
		if err := vtimezone(timezone.For(loc, span[0], span[1])).SerializeTo(&buf, &serialization); err != nil {
			return nil, fmt.Errorf("feed: time zone %s: %w", loc, err)
		}
		r.zones[loc] = bytes.Clone(fold(buf.Bytes()))
	}
	return r, nil
}

// Calendar returns the calendar r renders.
func (r *Renderer) Calendar() *calendar.Calendar { return r.cal }

// Write writes f in lang, which must be one of the calendar's languages.
func (r *Renderer) Write(w io.Writer, f Feed, lang string) error {
	if !slices.Contains(r.cal.Languages, lang) {
		return fmt.Errorf("feed: language %q is not one of the calendar's (%s)", lang, strings.Join(r.cal.Languages, ", "))
	}
	events := slices.Clone(f.Events)
	slices.SortFunc(events, compareEvents)

	c := ics.NewCalendarFor("calfeed")
	c.CalendarProperties = nil
	c.SetVersion("2.0")
	c.SetProductId(ProdID)
	c.SetCalscale("GREGORIAN")
	c.SetMethod(ics.MethodPublish)
	c.SetName(text(f.Name)) // NAME (RFC 7986) and X-WR-CALNAME
	if f.Description != "" {
		c.SetDescription(text(f.Description))
		c.SetXWRCalDesc(text(f.Description))
	}
	c.SetXWRTimezone(r.cal.Location.String())
	refresh := icalDuration(r.cal.Refresh)
	c.SetRefreshInterval(refresh) // REFRESH-INTERVAL;VALUE=DURATION (RFC 7986 §5.7)
	c.SetXPublishedTTL(refresh)

	// The calendar's own properties, folded; then the components, rendered
	// and folded once in New.
	var head bytes.Buffer
	if err := c.SerializeTo(&head, &serialization); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	const end = "END:VCALENDAR\r\n"
	folded := fold(head.Bytes())
	if _, err := w.Write(folded[:len(folded)-len(end)]); err != nil {
		return err
	}
	// RFC 5545 §3.6.5: one VTIMEZONE for each TZID the feed uses.
	var locs []*time.Location
	for _, e := range events {
		if usesTZID(e) && !slices.Contains(locs, e.Location) {
			locs = append(locs, e.Location)
		}
	}
	slices.SortFunc(locs, func(a, b *time.Location) int { return strings.Compare(a.String(), b.String()) })
	for _, loc := range locs {
		if _, err := w.Write(r.zones[loc]); err != nil {
			return err
		}
	}
	for _, e := range events {
		b, ok := r.events[e][lang]
		if !ok {
			return fmt.Errorf("feed: event %q is not in this calendar", e.ID)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, end)
	return err
}

// compareEvents orders a feed: by start, then by id.
func compareEvents(a, b *calendar.Event) int {
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// usesTZID reports whether e's times are written with a TZID.
func usesTZID(e *calendar.Event) bool { return !e.AllDay && !e.UTC }

// zoneSpans returns, for each zone used with a TZID, the first and last
// instant it must be right for.
func zoneSpans(events []*calendar.Event) map[*time.Location][2]time.Time {
	spans := map[*time.Location][2]time.Time{}
	for _, e := range events {
		if !usesTZID(e) {
			continue
		}
		s, ok := spans[e.Location]
		if !ok {
			s = [2]time.Time{e.Start, e.End}
		}
		if e.Start.Before(s[0]) {
			s[0] = e.Start
		}
		if e.End.After(s[1]) {
			s[1] = e.End
		}
		spans[e.Location] = s
	}
	return spans
}

// Modified is the newest data time among events: what Last-Modified says of
// a feed of them.
func (r *Renderer) Modified(events []*calendar.Event) time.Time {
	var t time.Time
	for _, e := range events {
		if s := r.stamp(e); s.After(t) {
			t = s
		}
	}
	return t
}
