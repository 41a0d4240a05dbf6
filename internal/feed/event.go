package feed

import (
	"fmt"
	"slices"
	"strconv"
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
// feed, on every server, for as long as the event id is not reused. It is
// the event's uid: when the file gives one (see calendar.Event.UID), else
// <id>@<calendar id>.
func UID(cal *calendar.Calendar, e *calendar.Event) string {
	if e.UID != "" {
		return e.UID
	}
	return e.ID + "@" + cal.ID
}

// recurrenceDates returns the rule of a repeating event (RFC 5545 §3.8.5)
// as written: the RRULE value, the EXDATEs in date order, and the RDATEs
// the written rule does not give by itself.
func recurrenceDates(e *calendar.Event) (rule string, exdates, rdates []time.Time) {
	rule, extra, yielded := ruleValue(e)
	exdates = slices.Concat(e.Repeat.Except, extra)
	slices.SortFunc(exdates, time.Time.Compare)
	for _, d := range e.Repeat.Also {
		if !slices.ContainsFunc(yielded, d.Equal) { // else the written rule gives it already
			rdates = append(rdates, d)
		}
	}
	return rule, exdates, rdates
}

// ruleValue returns the RRULE value of a repeating event (RFC 5545 §3.3.10),
// and dates the written rule gives that the series does not have, which
// must go out as EXDATE.
//
// A rule with an end ends with COUNT as events.yaml gives it, or with UNTIL
// at the start of its last occurrence: in UTC when DTSTART has a TZID, a
// DATE for an all-day event, as §3.3.10 requires. Google Calendar is known
// not to show an RDATE after the rule's end, so when an extra date (also:)
// lies beyond it, UNTIL moves to that date and the rule's dates in between
// become EXDATEs: the same occurrences, in a form every client shows.
//
// An extra date that the extended rule gives by itself is an occurrence of
// the written rule: it must not be among the EXDATEs (RFC 5545 §3.8.5.1: an
// EXDATE removes a date even when an RDATE adds it, and libical does), and
// needs no RDATE; yielded lists those dates.
func ruleValue(e *calendar.Event) (rule string, extra, yielded []time.Time) {
	r := e.Repeat
	parts := []string{"FREQ=" + strings.ToUpper(string(r.Freq))}
	if !r.Last.IsZero() {
		until := r.Last
		n := len(r.Also)
		beyond := n > 0 && r.Also[n-1].After(lastDate(e))
		if beyond {
			for _, d := range e.RuleDates(lastDate(e).AddDate(0, 0, 1), r.Also[n-1]) {
				if slices.ContainsFunc(r.Also, d.Equal) {
					yielded = append(yielded, d)
				} else {
					extra = append(extra, d)
				}
			}
			until = e.StartOn(r.Also[n-1])
		}
		switch {
		case r.Count > 0 && !beyond:
			parts = append(parts, fmt.Sprintf("COUNT=%d", r.Count))
		case e.AllDay:
			parts = append(parts, "UNTIL="+until.Format(dateFormat))
		default:
			parts = append(parts, "UNTIL="+until.UTC().Format(utcFormat))
		}
	}
	if r.Interval > 1 {
		parts = append(parts, fmt.Sprintf("INTERVAL=%d", r.Interval))
	}
	if len(r.Days) > 0 {
		days := make([]string, len(r.Days))
		for i, d := range r.Days {
			days[i] = strings.ToUpper(d.String())
		}
		parts = append(parts, "BYDAY="+strings.Join(days, ","))
	}
	if r.Freq == calendar.Weekly && r.Interval > 1 && len(r.Days) > 1 {
		// Which days make up "every other week" depends on where weeks
		// start; RFC 5545's default is Monday, Outlook's is Sunday.
		parts = append(parts, "WKST=MO")
	}
	return strings.Join(parts, ";"), extra, yielded
}

// lastDate is the date of the last occurrence the rule of e gives.
func lastDate(e *calendar.Event) time.Time {
	if e.AllDay {
		return e.Repeat.Last
	}
	y, m, d := e.Repeat.Last.In(e.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
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

// statusName is the STATUS value of s (RFC 5545 §3.8.1.11).
func statusName(s calendar.Status) string {
	switch s {
	case calendar.Cancelled:
		return "CANCELLED"
	case calendar.Tentative:
		return "TENTATIVE"
	default:
		return "CONFIRMED"
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
func icalDuration(d time.Duration) string { return string(appendDuration(nil, d)) }

// appendDuration appends d as icalDuration formats it.
func appendDuration(b []byte, d time.Duration) []byte {
	if d > 0 && d%(24*time.Hour) == 0 {
		return append(strconv.AppendInt(append(b, 'P'), int64(d/(24*time.Hour)), 10), 'D')
	}
	b = append(b, "PT"...)
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	if h > 0 {
		b = append(strconv.AppendInt(b, h, 10), 'H')
	}
	if m > 0 {
		b = append(strconv.AppendInt(b, m, 10), 'M')
	}
	if s > 0 || (h == 0 && m == 0) {
		b = append(strconv.AppendInt(b, s, 10), 'S')
	}
	return b
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
