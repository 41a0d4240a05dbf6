package feed

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"
	"calfeed/internal/reminder"
)

// The VEVENTs are written here straight into bytes: they are most of what
// a load renders (every event, once per language), and building them as
// golang-ical components and serialising those cost twice as much as the
// bytes themselves. The output is exactly what golang-ical writes for the
// same components (see reference_test.go, which builds them and compares):
// properties in the order below, each on one CRLF-terminated line, not yet
// folded; parameters in name order, their values escaped as golang-ical
// escapes them; TEXT values cleaned (see text) and escaped (RFC 5545
// §3.3.11); URI, date, time, integer and recurrence values as they are.

// appendEvents appends the VEVENTs of e in lang, unfolded: the event itself
// (for a repeating event, the series with its RRULE, EXDATE and RDATE),
// then one per override, with the series' UID and a RECURRENCE-ID (RFC 5545
// §3.8.4.4), in date order. Each carries the alarm's VALARM, if any.
func (r *Renderer) appendEvents(b []byte, e *calendar.Event, lang string, alarm reminder.Reminder) []byte {
	first := calendar.Occurrence{
		Event: e, Start: e.Start, End: e.End,
		Title: e.Title, Description: e.Description, Place: e.Place,
		URL: e.URL, Online: e.Online, Status: e.Status,
	}
	b = r.appendEvent(b, e, first, e.UTC, lang, alarm)
	for _, ov := range e.Overrides {
		b = r.appendEvent(b, e, e.Overridden(ov), ov.UTC, lang, alarm)
	}
	return b
}

// appendEvent appends the VEVENT of one occurrence of e (the first, for the
// event itself; an overridden one, with its RECURRENCE-ID). utc writes its
// times in UTC (see calendar.Event.UTC).
func (r *Renderer) appendEvent(b []byte, e *calendar.Event, o calendar.Occurrence, utc bool, lang string, alarm reminder.Reminder) []byte {
	b = append(b, "BEGIN:VEVENT\r\nUID:"...)
	if e.UID != "" {
		b = appendEscaped(b, e.UID)
	} else {
		b = appendEscaped(append(appendEscaped(b, e.ID), '@'), r.cal.ID)
	}
	// DTSTAMP is required; it comes from the data so that output is stable.
	stamp := r.stamp(e).UTC()
	b = appendUTC(append(b, "\r\nDTSTAMP:"...), stamp)
	b = strconv.AppendInt(append(b, "\r\nSEQUENCE:"...), int64(e.Sequence), 10)
	b = appendUTC(append(b, "\r\nLAST-MODIFIED:"...), stamp)
	b = append(b, "\r\n"...)
	if o.Override != nil {
		// RFC 5545 §3.8.4.4: the original start, in the form of DTSTART.
		b = appendDateProp(b, "RECURRENCE-ID", e, o.Override.Date)
	}
	b = appendTimes(b, e, o, utc)
	if e.Repeat != nil && o.Override == nil {
		b = appendRecurrence(b, e)
	}
	title := o.Title.In(lang)
	if o.Status == calendar.Cancelled {
		// Google deletes a cancelled event and Apple strikes it through; the
		// word in the title tells the reader either way.
		title = locale.For(lang).Get("feed_cancelled") + title
	}
	b = appendTextProp(b, "SUMMARY:", title)
	if o.Description.In(lang) != "" || o.Online != "" || o.URL != "" {
		b = append(appendDescription(append(b, "DESCRIPTION:"...), o, lang), "\r\n"...)
	}
	if p := o.Place.In(lang); p != "" {
		b = appendTextProp(b, "LOCATION:", p)
	}
	// Addresses go out as they are: the loader has made them ASCII, with
	// every control, space and other byte percent-encoded (calendar.HTTPURL).
	if o.URL != "" {
		b = append(append(append(b, "URL:"...), o.URL...), "\r\n"...)
	}
	if o.Online != "" {
		// RFC 7986 §5.11.
		b = append(append(append(b, "CONFERENCE;FEATURE=VIDEO;VALUE=URI:"...), o.Online...), "\r\n"...)
	}
	for _, id := range e.Tracks {
		// One CATEGORIES per track: a list would need its commas unescaped.
		b = appendTextProp(b, "CATEGORIES:", r.cal.Track(id).Name.In(lang))
	}
	b = append(append(append(b, "STATUS:"...), statusName(o.Status)...), "\r\n"...)
	if e.AllDay {
		b = append(b, "TRANSP:TRANSPARENT\r\n"...) // a conference week does not block the diary
	}
	// A cancelled occurrence does not ring: nobody should be reminded of
	// what is not happening.
	if alarm != reminder.None && o.Status != calendar.Cancelled {
		b = append(b, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n"...)
		b = appendTextProp(b, "DESCRIPTION:", title) // RFC 5545 §3.6.6: DISPLAY needs DESCRIPTION
		b = append(appendTrigger(append(b, "TRIGGER:"...), alarm), "\r\nEND:VALARM\r\n"...)
	}
	return append(b, "END:VEVENT\r\n"...)
}

// appendTimes appends DTSTART and DTEND of o.
func appendTimes(b []byte, e *calendar.Event, o calendar.Occurrence, utc bool) []byte {
	switch {
	case e.AllDay:
		// RFC 5545 §3.6.1: DTEND of an all-day event is the day after the last.
		b = appendDate(append(b, "DTSTART;VALUE=DATE:"...), o.Start)
		b = appendDate(append(b, "\r\nDTEND;VALUE=DATE:"...), o.End)
	case utc:
		b = appendUTC(append(b, "DTSTART:"...), o.Start.UTC())
		b = appendUTC(append(b, "\r\nDTEND:"...), o.End.UTC())
	default:
		// RFC 5545 §3.2.19: a local time with the TZID of a VTIMEZONE in the feed.
		b = appendLocal(appendTZID(append(b, "DTSTART"...), e), o.Start.In(e.Location))
		b = appendLocal(appendTZID(append(b, "\r\nDTEND"...), e), o.End.In(e.Location))
	}
	return append(b, "\r\n"...)
}

// appendRecurrence appends the rule of a repeating event (RFC 5545 §3.8.5):
// RRULE, then EXDATE and RDATE, one date each, in the form of DTSTART (a
// local time with the event's TZID, or a DATE), never in UTC, but for one
// more EXDATE in UTC for each date whose time the clocks skip (see
// gapExdate).
func appendRecurrence(b []byte, e *calendar.Event) []byte {
	rule, exdates, rdates := recurrenceDates(e)
	b = append(append(append(b, "RRULE:"...), rule...), "\r\n"...)
	for _, d := range exdates {
		b = appendDateProp(b, "EXDATE", e, d)
		if t, ok := gapExdate(e, d); ok {
			b = append(appendUTC(append(b, "EXDATE:"...), t), "\r\n"...)
		}
	}
	for _, d := range rdates {
		b = appendDateProp(b, "RDATE", e, d)
	}
	return b
}

// appendDateProp appends the property name with the occurrence of e on date
// d in the form of its DTSTART (see dateValue), with its parameter.
func appendDateProp(b []byte, name string, e *calendar.Event, d time.Time) []byte {
	b = append(b, name...)
	if e.AllDay {
		return append(appendDate(append(b, ";VALUE=DATE:"...), d), "\r\n"...)
	}
	b = appendDate(appendTZID(b, e), d)
	h, m, s := e.Start.In(e.Location).Clock()
	return append(appendClock(append(b, 'T'), h, m, s), "\r\n"...)
}

// gapExdate returns, for an excluded date d whose wall time the clocks skip
// (the documented way to keep a series clear of a gap), the instant RFC
// 5545 §3.3.5 gives it (later by the gap's length), in UTC. Readers place
// such an occurrence differently and match the local EXDATE to their own
// placing, but not all: ical.js (Thunderbird) places it earlier and
// matches the local one; libical (Evolution) places it later and matches
// neither the local one nor, before this, anything: it showed the
// occurrence excluded. Each matches one of the two; the UTC one is the
// RFC's own reading, which no other occurrence has.
func gapExdate(e *calendar.Event, d time.Time) (time.Time, bool) {
	if e.AllDay {
		return time.Time{}, false
	}
	t := e.StartOn(d).In(e.Location)
	h, m, s := t.Clock()
	wh, wm, ws := e.Start.In(e.Location).Clock()
	if h == wh && m == wm && s == ws {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// appendTZID appends the TZID parameter of e's zone and the colon that
// ends the parameters.
func appendTZID(b []byte, e *calendar.Event) []byte {
	return append(appendParamValue(append(b, ";TZID="...), e.Location.String()), ':')
}

// appendDescription appends the value of an occurrence's description,
// escaped (see appendText): its text, then its links spelled out (Google
// Calendar shows neither URL nor CONFERENCE), a blank line between parts.
// A part's last CR is left out before the blank line: it and the LF that
// starts the blank line would be one line break, as they are in a text.
func appendDescription(b []byte, o calendar.Occurrence, lang string) []byte {
	w := locale.For(lang)
	var parts [3]struct{ label, text string }
	n := 0
	for _, p := range [...]struct{ label, text string }{{"", o.Description.In(lang)}, {"feed_online", o.Online}, {"feed_more", o.URL}} {
		if p.text != "" {
			parts[n] = p
			n++
		}
	}
	for i, p := range parts[:n] {
		if i > 0 {
			b = append(b, `\n\n`...)
		}
		if p.label != "" {
			b = appendText(b, w.Get(p.label))
		}
		if i < n-1 {
			p.text = strings.TrimSuffix(p.text, "\r")
		}
		b = appendText(b, p.text)
	}
	return b
}

// appendTextProp appends a property of TEXT value s: name (with its colon),
// s cleaned as text cleans it and escaped, CRLF.
func appendTextProp(b []byte, name, s string) []byte {
	return append(appendText(append(b, name...), s), "\r\n"...)
}

// appendText appends s cleaned as text cleans it (valid UTF-8, each CR, LF
// or CRLF one newline, no controls but TAB) and escaped as a TEXT value:
// backslash, semicolon, comma and newline (RFC 5545 §3.3.11). It is text
// followed by escaping in one pass that also checks the UTF-8, copying runs
// of plain bytes at once; a string that is not valid UTF-8 is written again
// by appendTextInvalid.
func appendText(b []byte, s string) []byte {
	b0 := len(b)
	start := 0 // of the run of plain bytes not yet appended
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c < utf8.RuneSelf && textPlain[c]:
			i++
		case c < utf8.RuneSelf:
			b = append(b, s[start:i]...)
			switch c {
			case '\\', ';', ',':
				b = append(b, '\\', c)
			case '\r', '\n':
				if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
				b = append(b, '\\', 'n')
			} // other controls: dropped
			i++
			start = i
		case c >= 0xe0 && c <= 0xef && i+2 < len(s) && s[i+1]&0xc0 == 0x80 && s[i+2]&0xc0 == 0x80 &&
			(c != 0xe0 || s[i+1] >= 0xa0) && (c != 0xed || s[i+1] <= 0x9f):
			// Most of a Chinese text: a valid three-byte character (RFC
			// 3629 §4: no overlong form, no surrogate), checked inline.
			i += 3
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return appendTextInvalid(b[:b0], s)
			}
			if r <= 0x9f { // U+0080 to U+009F are controls: dropped
				b = append(b, s[start:i]...)
				start = i + size
			}
			i += size
		}
	}
	return append(b, s[start:]...)
}

// textPlain marks the ASCII bytes that appendText copies as they are.
var textPlain = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != 0x7f && c != '\\' && c != ';' && c != ','
	}
	t['\t'] = true
	return t
}()

// appendTextInvalid is appendText for s that is not valid UTF-8: each run
// of invalid bytes becomes one U+FFFD, as strings.ToValidUTF8 makes it.
func appendTextInvalid(b []byte, s string) []byte {
	invalid := false // the previous byte was invalid UTF-8
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			invalid = false
			i++
			switch {
			case c == '\r' || c == '\n':
				if c == '\r' && i < len(s) && s[i] == '\n' {
					i++
				}
				b = append(b, '\\', 'n')
			case c == '\\' || c == ';' || c == ',':
				b = append(b, '\\', c)
			case c == '\t' || (c >= 0x20 && c != 0x7f):
				b = append(b, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if size == 1 {
			if !invalid {
				b = append(b, "\uFFFD"...)
			}
			invalid = true
			i++
			continue
		}
		invalid = false
		if r > 0x9f { // U+0080 to U+009F are controls
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// appendEscaped appends s escaped as golang-ical escapes a TEXT value, and
// nothing more: backslash, semicolon, comma and LF.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', ';', ',':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendParamValue appends a parameter value as golang-ical writes one it
// does not quote: with a backslash before each , " ; : \ and '.
func appendParamValue(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ',', '"', ';', ':', '\\', '\'':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendDate appends t's date in its location as dateFormat does.
func appendDate(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, dateFormat)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		byte('0'+m/10), byte('0'+m%10), byte('0'+d/10), byte('0'+d%10))
}

// appendClock appends a time of day as hhmmss.
func appendClock(b []byte, h, m, s int) []byte {
	return append(b, byte('0'+h/10), byte('0'+h%10), byte('0'+m/10), byte('0'+m%10), byte('0'+s/10), byte('0'+s%10))
}

// appendLocal appends t in its location as localFormat does.
func appendLocal(b []byte, t time.Time) []byte {
	h, m, s := t.Clock()
	return appendClock(append(appendDate(b, t), 'T'), h, m, s)
}

// appendUTC appends t, which must be in UTC, as utcFormat does.
func appendUTC(b []byte, t time.Time) []byte { return append(appendLocal(b, t), 'Z') }

// appendTrigger appends a's TRIGGER value (see trigger).
func appendTrigger(b []byte, a reminder.Reminder) []byte {
	return appendDuration(append(b, '-'), time.Duration(a))
}
