package feed

import (
	"bytes"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"
	"calfeed/internal/reminder"
)

// The reference for the VEVENTs appendEvents writes: the same events built
// as golang-ical components and serialised by golang-ical, as feeds were
// rendered before the direct writer. writer_test.go holds the two to the
// same bytes.

// referenceEvent renders the VEVENTs of e in v with golang-ical, folded as
// renderEvent folds.
func (r *Renderer) referenceEvent(e *calendar.Event, v Variant) ([]byte, error) {
	var buf bytes.Buffer
	for _, ev := range r.vevents(e, v.Lang, v.Alarm) {
		if err := ev.SerializeTo(&buf, &serialization); err != nil {
			return nil, err
		}
	}
	return foldAppend(nil, buf.Bytes()), nil
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

// description is an occurrence's description, with its links spelled out,
// as one string: what appendDescription writes, joined the plain way, for
// the reference to escape as golang-ical does.
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
