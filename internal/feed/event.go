package feed

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"
	"calfeed/internal/reminder"
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

// vevents builds the VEVENTs of e in lang: the event itself (for a
// repeating event, the series with its RRULE, EXDATE and RDATE), then one
// per override, with the series' UID and a RECURRENCE-ID (RFC 5545
// §3.8.4.4), in date order. Each carries the alarm's VALARM, if any.
func (r *Renderer) vevents(e *calendar.Event, lang string, alarm reminder.Reminder) []*ics.VEvent {
	first := calendar.Occurrence{
		Event: e, Start: e.Start, End: e.End,
		Title: e.Title, Description: e.Description, Place: e.Place,
		URL: e.URL, Online: e.Online, Status: e.Status,
	}
	evs := []*ics.VEvent{r.vevent(e, first, e.UTC, lang, alarm)}
	for _, ov := range e.Overrides {
		evs = append(evs, r.vevent(e, e.Overridden(ov), ov.UTC, lang, alarm))
	}
	return evs
}

// vevent builds the VEVENT of one occurrence of e (the first, for the event
// itself; an overridden one, with its RECURRENCE-ID). utc writes its times
// in UTC (see calendar.Event.UTC).
func (r *Renderer) vevent(e *calendar.Event, o calendar.Occurrence, utc bool, lang string, alarm reminder.Reminder) *ics.VEvent {
	ev := ics.NewEvent(UID(r.cal, e))
	// DTSTAMP is required; it comes from the data so that output is stable.
	ev.SetDtStampTime(r.stamp(e))
	ev.SetSequence(e.Sequence)
	ev.SetModifiedAt(r.stamp(e))
	if o.Override != nil {
		// RFC 5545 §3.8.4.4: the original start, in the form of DTSTART.
		ev.SetProperty(ics.ComponentPropertyRecurrenceId, dateValue(e, o.Override.Date), dateParams(e)...)
	}
	switch {
	case e.AllDay:
		// RFC 5545 §3.6.1: DTEND of an all-day event is the day after the last.
		ev.SetProperty(ics.ComponentPropertyDtStart, o.Start.Format(dateFormat), ics.WithValue(string(ics.ValueDataTypeDate)))
		ev.SetProperty(ics.ComponentPropertyDtEnd, o.End.Format(dateFormat), ics.WithValue(string(ics.ValueDataTypeDate)))
	case utc:
		ev.SetProperty(ics.ComponentPropertyDtStart, o.Start.UTC().Format(utcFormat))
		ev.SetProperty(ics.ComponentPropertyDtEnd, o.End.UTC().Format(utcFormat))
	default:
		// RFC 5545 §3.2.19: a local time with the TZID of a VTIMEZONE in the feed.
		tzid := ics.WithTZID(e.Location.String())
		ev.SetProperty(ics.ComponentPropertyDtStart, o.Start.In(e.Location).Format(localFormat), tzid)
		ev.SetProperty(ics.ComponentPropertyDtEnd, o.End.In(e.Location).Format(localFormat), tzid)
	}
	if e.Repeat != nil && o.Override == nil {
		recurrence(ev, e)
	}
	title := o.Title.In(lang)
	if o.Status == calendar.Cancelled {
		// Google deletes a cancelled event and Apple strikes it through; the
		// word in the title tells the reader either way.
		title = locale.For(lang).Get("feed_cancelled") + title
	}
	ev.SetSummary(text(title))
	if d := r.description(o, lang); d != "" {
		ev.SetDescription(text(d))
	}
	if p := o.Place.In(lang); p != "" {
		ev.SetLocation(text(p))
	}
	if o.URL != "" {
		ev.SetURL(o.URL)
	}
	if o.Online != "" {
		// RFC 7986 §5.11.
		ev.AddProperty(ics.ComponentProperty("CONFERENCE"), o.Online,
			ics.WithValue(string(ics.ValueDataTypeUri)),
			&ics.KeyValues{Key: "FEATURE", Value: []string{"VIDEO"}})
	}
	for _, id := range e.Tracks {
		// One CATEGORIES per track: golang-ical would escape the commas of a list.
		ev.AddCategory(text(r.cal.Track(id).Name.In(lang)))
	}
	ev.SetStatus(status(o.Status))
	if e.AllDay {
		ev.SetTimeTransparency(ics.TransparencyTransparent) // a conference week does not block the diary
	}
	// A cancelled occurrence does not ring: nobody should be reminded of
	// what is not happening.
	if alarm != reminder.None && o.Status != calendar.Cancelled {
		va := ev.AddAlarm()
		va.SetAction(ics.ActionDisplay)
		va.SetDescription(text(title)) // RFC 5545 §3.6.6: DISPLAY needs DESCRIPTION
		va.SetTrigger(trigger(alarm))
	}
	return ev
}

// recurrence adds to ev the rule of a repeating event (RFC 5545 §3.8.5):
// RRULE, then EXDATE and RDATE, one date each, in the form of DTSTART (a
// local time with the event's TZID, or a DATE), never in UTC.
func recurrence(ev *ics.VEvent, e *calendar.Event) {
	rule, extra, yielded := ruleValue(e)
	ev.AddRrule(rule)
	exdates := slices.Concat(e.Repeat.Except, extra)
	slices.SortFunc(exdates, time.Time.Compare)
	for _, d := range exdates {
		ev.AddExdate(dateValue(e, d), dateParams(e)...)
	}
	for _, d := range e.Repeat.Also {
		if slices.ContainsFunc(yielded, d.Equal) {
			continue // the written rule gives it already
		}
		ev.AddRdate(dateValue(e, d), dateParams(e)...)
	}
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

// dateValue is the occurrence of e on date d in the form of its DTSTART:
// the date, or the date with the start's wall-clock time in its zone.
func dateValue(e *calendar.Event, d time.Time) string {
	if e.AllDay {
		return d.Format(dateFormat)
	}
	return d.Format(dateFormat) + "T" + e.Start.In(e.Location).Format("150405")
}

// dateParams are the parameters of a dateValue: VALUE=DATE or the TZID.
func dateParams(e *calendar.Event) []ics.PropertyParameter {
	if e.AllDay {
		return []ics.PropertyParameter{ics.WithValue(string(ics.ValueDataTypeDate))}
	}
	return []ics.PropertyParameter{ics.WithTZID(e.Location.String())}
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

// description is an occurrence's description, with its links spelled out:
// Google Calendar shows neither URL nor CONFERENCE.
func (r *Renderer) description(o calendar.Occurrence, lang string) string {
	var parts []string
	if d := o.Description.In(lang); d != "" {
		parts = append(parts, d)
	}
	w := locale.For(lang)
	if o.Online != "" {
		parts = append(parts, w.Get("feed_online")+o.Online)
	}
	if o.URL != "" {
		parts = append(parts, w.Get("feed_more")+o.URL)
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
