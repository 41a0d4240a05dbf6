package feed

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"calfeed/internal/calendar"
	"calfeed/internal/timezone"
)

const (
	utcFormat   = "20060102T150405Z" // RFC 5545 §3.3.5 form #2, UTC
	localFormat = "20060102T150405"  // form #3, with a TZID parameter
	dateFormat  = "20060102"         // RFC 5545 §3.3.4
)

// UID returns the UID of an event (RFC 5545 §3.8.4.7): the same in every
// feed, on every server, for as long as the event id is not reused.
func UID(cal *calendar.Calendar, e *calendar.Event) string {
	return e.ID + "@" + cal.ID
}

// event builds the VEVENT of e in lang.
func (r *Renderer) event(e *calendar.Event, lang string) *ics.VEvent {
	ev := ics.NewEvent(UID(r.cal, e))
	// DTSTAMP is required; it comes from the data so that output is stable.
	ev.SetDtStampTime(r.stamp(e))
	ev.SetSequence(e.Sequence)
	ev.SetModifiedAt(r.stamp(e))
	switch {
	case e.AllDay:
		// RFC 5545 §3.6.1: DTEND of an all-day event is the day after the last.
		ev.SetProperty(ics.ComponentPropertyDtStart, e.Start.Format(dateFormat), ics.WithValue(string(ics.ValueDataTypeDate)))
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.End.Format(dateFormat), ics.WithValue(string(ics.ValueDataTypeDate)))
	case e.UTC:
		ev.SetProperty(ics.ComponentPropertyDtStart, e.Start.UTC().Format(utcFormat))
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.End.UTC().Format(utcFormat))
	default:
		// RFC 5545 §3.2.19: a local time with the TZID of a VTIMEZONE in the feed.
		tzid := ics.WithTZID(e.Location.String())
		ev.SetProperty(ics.ComponentPropertyDtStart, e.Start.In(e.Location).Format(localFormat), tzid)
		ev.SetProperty(ics.ComponentPropertyDtEnd, e.End.In(e.Location).Format(localFormat), tzid)
	}
	title := e.Title.In(lang)
	if e.Status == calendar.Cancelled {
		// Google deletes a cancelled event and Apple strikes it through; the
		// word in the title tells the reader either way.
		title = wordsFor(lang).cancelled + title
	}
	ev.SetSummary(text(title))
	if d := r.description(e, lang); d != "" {
		ev.SetDescription(text(d))
	}
	if p := e.Place.In(lang); p != "" {
		ev.SetLocation(text(p))
	}
	if e.URL != "" {
		ev.SetURL(e.URL)
	}
	if e.Online != "" {
		// RFC 7986 §5.11.
		ev.AddProperty(ics.ComponentProperty("CONFERENCE"), e.Online,
			ics.WithValue(string(ics.ValueDataTypeUri)),
			&ics.KeyValues{Key: "FEATURE", Value: []string{"VIDEO"}})
	}
	for _, id := range e.Tracks {
		// One CATEGORIES per track: golang-ical would escape the commas of a list.
		ev.AddCategory(text(r.cal.Track(id).Name.In(lang)))
	}
	ev.SetStatus(status(e.Status))
	if e.AllDay {
		ev.SetTimeTransparency(ics.TransparencyTransparent) // a conference week does not block the diary
	}
	return ev
}

// stamp is the data's own time for e, never the clock's: when the lock file
// says it last changed, else when the file says it was updated, else when
// anything in the calendar was, else its start.
func (r *Renderer) stamp(e *calendar.Event) time.Time {
	switch {
	case !e.Modified.IsZero():
		return e.Modified
	case !e.Updated.IsZero():
		return e.Updated
	case !r.cal.Updated.IsZero():
		return r.cal.Updated
	default:
		return e.Start
	}
}

// description is the event's description, with its links spelled out:
// Google Calendar shows neither URL nor CONFERENCE.
func (r *Renderer) description(e *calendar.Event, lang string) string {
	var parts []string
	if d := e.Description.In(lang); d != "" {
		parts = append(parts, d)
	}
	w := wordsFor(lang)
	if e.Online != "" {
		parts = append(parts, w.online+e.Online)
	}
	if e.URL != "" {
		parts = append(parts, w.more+e.URL)
	}
	return strings.Join(parts, "\n\n")
}

func status(s calendar.Status) ics.ObjectStatus {
	switch s {
	case calendar.Cancelled:
		return ics.ObjectStatusCancelled
	case calendar.Tentative:
		return ics.ObjectStatusTentative
	default:
		return ics.ObjectStatusConfirmed
	}
}

// text prepares a string for a TEXT value (RFC 5545 §3.3.11). golang-ical
// escapes backslash, semicolon, comma and LF; it leaves CR and other control
// characters, which would break a line or a client. Every CR, LF or CRLF
// becomes one LF (written as \n); other controls but TAB are dropped, and
// invalid UTF-8 becomes U+FFFD.
func text(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(c rune) rune {
		if c == '\n' || c == '\t' {
			return c
		}
		if unicode.IsControl(c) {
			return -1
		}
		return c
	}, s)
}

// icalDuration formats a duration as RFC 5545 §3.3.6 DURATION: PT6H, P1D.
func icalDuration(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("P%dD", d/(24*time.Hour))
	}
	var b strings.Builder
	b.WriteString("PT")
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s > 0 || (h == 0 && m == 0) {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// vtimezone builds the VTIMEZONE component of z.
func vtimezone(z timezone.Zone) *ics.VTimezone {
	tz := ics.NewTimezone(z.TZID)
	for _, o := range z.Observances {
		var cb *ics.ComponentBase
		if o.Daylight {
			d := &ics.Daylight{}
			tz.Components = append(tz.Components, d)
			cb = &d.ComponentBase
		} else {
			s := ics.NewStandard()
			tz.Components = append(tz.Components, s)
			cb = &s.ComponentBase
		}
		cb.AddProperty(ics.ComponentPropertyDtStart, o.Start.Format(localFormat))
		cb.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), timezone.FormatOffset(o.OffsetFrom))
		cb.AddProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), timezone.FormatOffset(o.OffsetTo))
		if o.Name != "" {
			cb.AddProperty(ics.ComponentProperty(ics.PropertyTzname), text(o.Name))
		}
		if o.RRule != "" {
			cb.AddProperty(ics.ComponentPropertyRrule, o.RRule)
		}
	}
	return tz
}
