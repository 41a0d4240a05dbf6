package importer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/teambition/rrule-go"
)

// importICS imports src, an iCalendar file written with LF line ends
// (CRLF is put in), as name, failing the test if nothing is imported.
func importICS(t *testing.T, name, src string) *Result {
	t.Helper()
	res, err := ICS(name, []byte(strings.ReplaceAll(src, "\n", "\r\n")), Options{Now: now})
	if err != nil {
		t.Fatalf("ICS: %v\n%s", err, notesText(res.Notes))
	}
	return res
}

// TestSeveralRules: an event with two RRULEs (RFC 2445 allowed it; ical.js
// and libical read it) has the dates of both: the second rule's were lost.
func TestSeveralRules(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:two-rules
DTSTAMP:20120101T000000Z
SUMMARY:Two rules
DTSTART;TZID=Europe/Zurich:20120305T110000
DTEND;TZID=Europe/Zurich:20120305T113000
RRULE:FREQ=WEEKLY;COUNT=3
RRULE:FREQ=MONTHLY;BYDAY=1SU;UNTIL=20120601T000000Z
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "two.ics", src)
	got := byTitle(load(t, res), time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC))["Two rules"]
	want := []string{
		"2012-03-05T10:00Z/2012-03-05T10:30Z", "2012-03-12T10:00Z/2012-03-12T10:30Z", "2012-03-19T10:00Z/2012-03-19T10:30Z", // weekly, 3
		"2012-04-01T09:00Z/2012-04-01T09:30Z", "2012-05-06T09:00Z/2012-05-06T09:30Z", // first Sundays (CEST)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("occurrences:\n got %q\nwant %q", got, want)
	}
}

// TestSequenceWins: of two versions of an event, or two changes of one
// occurrence, the higher SEQUENCE is imported, whatever their order in the
// file, and the other dropped with a note; two versions with one SEQUENCE
// stay two events.
func TestSequenceWins(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:moved
DTSTAMP:20240101T000000Z
SEQUENCE:1
SUMMARY:Old time
DTSTART:20240115T090000Z
DTEND:20240115T100000Z
END:VEVENT
BEGIN:VEVENT
UID:moved
DTSTAMP:20240101T000000Z
SEQUENCE:3
SUMMARY:New time
DTSTART:20240115T140000Z
DTEND:20240115T150000Z
END:VEVENT
BEGIN:VEVENT
UID:daily
DTSTAMP:20240101T000000Z
SUMMARY:Daily
DTSTART:20240101T100000Z
DTEND:20240101T110000Z
RRULE:FREQ=DAILY;COUNT=3
END:VEVENT
BEGIN:VEVENT
UID:daily
DTSTAMP:20240101T000000Z
SEQUENCE:4
RECURRENCE-ID:20240102T100000Z
SUMMARY:Daily, later
DTSTART:20240102T150000Z
DTEND:20240102T160000Z
END:VEVENT
BEGIN:VEVENT
UID:daily
DTSTAMP:20240101T000000Z
SEQUENCE:2
RECURRENCE-ID:20240102T100000Z
SUMMARY:Daily, earlier change
DTSTART:20240102T120000Z
DTEND:20240102T130000Z
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "seq.ics", src)
	got := byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	want := map[string][]string{
		"New time":     {"2024-01-15T14:00Z/2024-01-15T15:00Z"},
		"Daily":        {"2024-01-01T10:00Z/2024-01-01T11:00Z", "2024-01-03T10:00Z/2024-01-03T11:00Z"},
		"Daily, later": {"2024-01-02T15:00Z/2024-01-02T16:00Z"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	report := notesText(res.Notes)
	for _, n := range []string{`seq.ics:4: an older version of "moved" (SEQUENCE 1) is dropped: the one at line 12 (SEQUENCE 3) is kept`,
		`seq.ics:37: a second change of the occurrence 20240102T100000Z of "daily" (SEQUENCE 2) is dropped: the one at line 28 (SEQUENCE 4) is kept`} {
		if !strings.Contains(report, n) {
			t.Errorf("no note %q in:\n%s", n, report)
		}
	}
}

// TestThisAndFuture: a change with RANGE=THISANDFUTURE moves, and retitles,
// its occurrence and every later one (RFC 5545 §3.8.4.4), until the next
// such change; it was applied to its own date only, silently.
func TestThisAndFuture(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:daily
DTSTAMP:20240101T000000Z
SUMMARY:Original
DTSTART:20240901T120000Z
DTEND:20240901T130000Z
RRULE:FREQ=DAILY;COUNT=5
END:VEVENT
BEGIN:VEVENT
UID:daily
DTSTAMP:20240101T000000Z
RECURRENCE-ID;RANGE=THISANDFUTURE:20240903T120000Z
SUMMARY:Moved
DTSTART:20240903T090000Z
DTEND:20240903T110000Z
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "range.ics", src)
	want := map[string][]string{
		"Original": {"2024-09-01T12:00Z/2024-09-01T13:00Z", "2024-09-02T12:00Z/2024-09-02T13:00Z"},
		"Moved":    {"2024-09-03T09:00Z/2024-09-03T11:00Z", "2024-09-04T09:00Z/2024-09-04T11:00Z", "2024-09-05T09:00Z/2024-09-05T11:00Z"},
	}
	if diff := cmp.Diff(want, byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	if report := notesText(res.Notes); !strings.Contains(report, "RANGE=THISANDFUTURE") {
		t.Errorf("no note of the range in:\n%s", report)
	}
}

// TestOneDateRules: a rule that gives its start alone (Google's COUNT=1
// birthdays, an empty RRULE line) is a one-off event that keeps its UID;
// such events lost it, with the reason "RDATE without RRULE".
func TestOneDateRules(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:count-one@example.org
DTSTAMP:20240101T000000Z
SUMMARY:Once
DTSTART;VALUE=DATE:20241210
RRULE:FREQ=YEARLY;COUNT=1
END:VEVENT
BEGIN:VEVENT
UID:empty-rule@example.org
DTSTAMP:20240101T000000Z
SUMMARY:Holiday
DTSTART;VALUE=DATE:20241003
DTEND;VALUE=DATE:20241004
RRULE:
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "one.ics", src)
	cal := load(t, res)
	var uids []string
	for _, e := range cal.Events {
		uids = append(uids, e.UID)
		if e.Repeats() {
			t.Errorf("%s repeats", e.ID)
		}
	}
	if strings.Join(uids, " ") != "empty-rule@example.org count-one@example.org" {
		t.Errorf("UIDs %q", uids)
	}
	report := notesText(res.Notes)
	if strings.Contains(report, "RDATE without RRULE") || !strings.Contains(report, "one.ics:17: an empty RRULE is no rule") {
		t.Errorf("notes:\n%s", report)
	}
}

// TestDateTimeMarkedDate: DTSTART;VALUE=DATE with a date-time, as a
// festival's export writes every event, is read as the date-time it is,
// with one note; each such event was dropped.
func TestDateTimeMarkedDate(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:a@example.org
DTSTAMP:20110101T000000Z
SUMMARY:Doors open
DTSTART;VALUE=DATE:20110804T120000Z
DTEND;VALUE=DATE:20110804T130000Z
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "festival.ics", src)
	want := map[string][]string{"Doors open": {"2011-08-04T12:00Z/2011-08-04T13:00Z"}}
	if diff := cmp.Diff(want, byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	if report := notesText(res.Notes); strings.Count(report, "VALUE=DATE has a date-time") != 1 {
		t.Errorf("notes:\n%s", report)
	}
}

// TestOccurrenceMadeAllDay: an occurrence of a timed series changed to a
// date (Thunderbird writes it so) is an all-day event of its own, its date
// left out of the series; it was a timed event of 24 hours from 01:00.
func TestOccurrenceMadeAllDay(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:daily
DTSTAMP:20190101T000000Z
SUMMARY:Daily
DTSTART;TZID=Europe/Berlin:20190307T020000
DTEND;TZID=Europe/Berlin:20190307T030000
RRULE:FREQ=DAILY;COUNT=5
END:VEVENT
BEGIN:VEVENT
UID:daily
DTSTAMP:20190101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20190309T020000
SUMMARY:Whole day
DTSTART;VALUE=DATE:20190309
DTEND;VALUE=DATE:20190310
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "allday.ics", src)
	want := map[string][]string{
		"Daily":     {"2019-03-07T01:00Z/2019-03-07T02:00Z", "2019-03-08T01:00Z/2019-03-08T02:00Z", "2019-03-10T01:00Z/2019-03-10T02:00Z", "2019-03-11T01:00Z/2019-03-11T02:00Z"},
		"Whole day": {"2019-03-09/2019-03-10"},
	}
	if diff := cmp.Diff(want, byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	if report := notesText(res.Notes); !strings.Contains(report, "allday.ics:12: the occurrence 2019-03-09 02:00 of \"daily\" is changed to an all-day event") {
		t.Errorf("notes:\n%s", report)
	}
}

// TestUnendedComponent: a VTODO whose END is mistyped ends where the next
// VEVENT begins, which is imported; it and everything after it were
// swallowed into the VTODO.
func TestUnendedComponent(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VTODO
UID:todo
SUMMARY:A task
END:VTOOD
BEGIN:VEVENT
UID:after@example.org
DTSTAMP:20240101T000000Z
SUMMARY:After the task
DTSTART:20240105T100000Z
DTEND:20240105T110000Z
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "todo.ics", src)
	if got := byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); len(got["After the task"]) != 1 {
		t.Errorf("occurrences %v", got)
	}
	if report := notesText(res.Notes); !strings.Contains(report, "todo.ics:4: BEGIN:VTODO has no END:VTODO; it ends where BEGIN:VEVENT begins, at line 8") {
		t.Errorf("notes:\n%s", report)
	}
}

// TestEndlessRuleWrittenOut: a rule without end that repeat: cannot say is
// written out some years ahead, and the note says up to when, and that
// later occurrences are not published.
func TestEndlessRuleWrittenOut(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:twice-monthly
DTSTAMP:20240101T000000Z
SUMMARY:Report
DTSTART;TZID=Europe/Zurich:20240101T090000
DTEND;TZID=Europe/Zurich:20240101T100000
RRULE:FREQ=MONTHLY;BYMONTHDAY=1,15
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "endless.ics", src)
	if report := notesText(res.Notes); !strings.Contains(report, "later ones are not published") || !strings.Contains(report, ", up to 20") {
		t.Errorf("notes:\n%s", report)
	}
}

// TestImportWording: what the field test found said wrongly. Google's
// category URL is no track; a file without events says so; a date-time of
// the right form on a day that does not exist says that; an orphan change
// of an all-day occurrence keeps its own date in its id.
func TestImportWording(t *testing.T) {
	crlf := func(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }
	res, err := ICS("google.ics", crlf(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Google Inc//Google Calendar 70.9054//EN
BEGIN:VEVENT
UID:g1
DTSTAMP:20240101T000000Z
SUMMARY:Meeting
CATEGORIES:http://schemas.google.com/g/2005#event
DTSTART:20240105T100000Z
DTEND:20240105T110000Z
END:VEVENT
BEGIN:VEVENT
UID:bad-day
DTSTAMP:20240101T000000Z
SUMMARY:Leap
DTSTART:20240230T100000Z
DTEND:20240230T110000Z
END:VEVENT
BEGIN:VEVENT
UID:birthday
DTSTAMP:20240101T000000Z
RECURRENCE-ID;VALUE=DATE:20121210
SUMMARY:Birthday
DTSTART;VALUE=DATE:20121210
END:VEVENT
END:VCALENDAR
`), Options{Now: now, Timezone: "America/Los_Angeles"})
	if err != nil {
		t.Fatalf("ICS: %v\n%s", err, notesText(res.Notes))
	}
	cal := load(t, res)
	if len(cal.Tracks) != 0 {
		t.Errorf("tracks %v, want none from Google's category URL", cal.Tracks)
	}
	if cal.Event("birthday-20121210") == nil {
		var ids []string
		for _, e := range cal.Events {
			ids = append(ids, e.ID)
		}
		t.Errorf("ids %q, want birthday-20121210 for the change of 10 December", ids)
	}
	if report := notesText(res.Notes); !strings.Contains(report, `"20240230T100000Z" is not a date-time (YYYYMMDDTHHMMSSZ): it has the right form, but that day does not exist`) {
		t.Errorf("notes:\n%s", report)
	}
	_, err = ICS("todo.ics", crlf("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VTODO\nUID:t\nSUMMARY:x\nEND:VTODO\nEND:VCALENDAR\n"), Options{Now: now})
	if err == nil || !strings.Contains(err.Error(), "todo.ics has no event (VEVENT)") {
		t.Errorf("a file of to-dos: %v", err)
	}
}

// TestFloatingUntil: an UNTIL without Z beside a zoned DTSTART (RFC 5545
// asks for UTC) is read in the event's zone, with a note, since readers
// differ on it.
func TestFloatingUntil(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly
DTSTAMP:20240101T000000Z
SUMMARY:Weekly
DTSTART;TZID=America/New_York:20240105T100000
DTEND;TZID=America/New_York:20240105T110000
RRULE:FREQ=WEEKLY;UNTIL=20240119T100000
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "until.ics", src)
	if got := byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))["Weekly"]; len(got) != 3 {
		t.Errorf("occurrences %q, want 3 (UNTIL 10:00 in New York takes 19 January)", got)
	}
	if report := notesText(res.Notes); !strings.Contains(report, "until.ics:10: RRULE's UNTIL has no Z though DTSTART has a zone") {
		t.Errorf("notes:\n%s", report)
	}
}

// TestCalendarsJoined: the components of every VCALENDAR in a file are
// read, whatever comes before: a component outside any calendar (which
// opened one of its own, and the real calendar was read as a component
// inside it and dropped, events and all), a second calendar, or a
// calendar begun inside an event never ended.
func TestCalendarsJoined(t *testing.T) {
	event := func(uid, title, day string) string {
		return "BEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20240101T000000Z\nSUMMARY:" + title +
			"\nDTSTART:202401" + day + "T100000Z\nDTEND:202401" + day + "T110000Z\n"
	}
	const head = "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n"
	for _, tc := range []struct {
		name, src string
		titles    []string
		notes     []string
	}{
		{"stray event first", event("stray@x", "Stray", "05") + "END:VEVENT\n" +
			head + event("a@x", "First", "06") + "END:VEVENT\n" + event("b@x", "Second", "07") + "END:VEVENT\nEND:VCALENDAR\n",
			[]string{"Stray", "First", "Second"},
			[]string{"stray.ics:1: BEGIN:VEVENT outside BEGIN:VCALENDAR ... END:VCALENDAR: read as if inside one"}},
		{"two calendars", head + event("a@x", "First", "06") + "END:VEVENT\nEND:VCALENDAR\n" +
			head + event("b@x", "Second", "07") + "END:VEVENT\nEND:VCALENDAR\n",
			[]string{"First", "Second"}, nil},
		{"calendar inside an unended event", head + event("a@x", "First", "06") +
			head + event("b@x", "Second", "07") + "END:VEVENT\nEND:VCALENDAR\n",
			[]string{"First", "Second"},
			[]string{"stray.ics:4: BEGIN:VEVENT has no END:VEVENT; it ends where BEGIN:VCALENDAR begins, at line 10"}},
		{"calendar inside a calendar", head + event("a@x", "First", "06") + "END:VEVENT\n" +
			head + event("b@x", "Second", "07") + "END:VEVENT\nEND:VCALENDAR\n" +
			"X-WR-CALNAME:Outer\n" + event("c@x", "Third", "08") + "END:VEVENT\nEND:VCALENDAR\n",
			[]string{"First", "Second", "Third"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := importICS(t, "stray.ics", tc.src)
			got := byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
			report := notesText(res.Notes)
			for _, title := range tc.titles {
				if len(got[title]) != 1 {
					t.Errorf("%q: occurrences %v; all: %v\n%s", title, got[title], got, report)
				}
			}
			if len(got) != len(tc.titles) {
				t.Errorf("events %v, want %v", got, tc.titles)
			}
			for _, bad := range []string{"dropped", "ignored", "outside"} {
				if strings.Contains(report, bad) && !slices.ContainsFunc(tc.notes, func(n string) bool { return strings.Contains(n, bad) }) {
					t.Errorf("a note with %q:\n%s", bad, report)
				}
			}
			if strings.Contains(tc.src, "X-WR-CALNAME:Outer") && !strings.Contains(string(res.YAML), "name: Outer") {
				t.Errorf("the outer calendar's name was lost:\n%s", res.YAML)
			}
			for _, n := range tc.notes {
				if !strings.Contains(report, n) {
					t.Errorf("no note %q in:\n%s", n, report)
				}
			}
		})
	}
}

// TestNoZoneNote: a file whose events start in UTC, with a zone named only
// by an EXDATE, is told that no event starts in a zone, not that it
// names no TZID at all.
func TestNoZoneNote(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:weekly@x
DTSTAMP:20240101T000000Z
SUMMARY:Weekly
DTSTART:20240105T100000Z
DTEND:20240105T110000Z
RRULE:FREQ=WEEKLY;COUNT=3
EXDATE;TZID=Europe/Zurich:20240112T110000
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "utc.ics", src)
	report := notesText(res.Notes)
	if !strings.Contains(report, "no time zone calfeed knows for its events (in X-WR-TIMEZONE or a DTSTART's TZID): the calendar's zone is UTC") {
		t.Errorf("notes:\n%s", report)
	}
	if got := byTitle(load(t, res), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)); len(got["Weekly"]) != 2 {
		t.Errorf("occurrences %v, want 2 (the 12th excepted)", got["Weekly"])
	}
}

// TestUnknownTZIDHint: a TZID the time zone database lacks, written as a
// city people take for a zone, is read in the calendar's zone as any
// unknown one is, and the note names the city's zone and how to use it.
func TestUnknownTZIDHint(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\n" +
		"DTSTART;TZID=Europe/Geneva:20240105T100000\r\nDTEND;TZID=Europe/Geneva:20240105T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	report := notesText(importICS(t, "geneva.ics", src).Notes)
	if want := `TZID "Europe/Geneva" is no time zone calfeed knows (Geneva is in "Europe/Zurich") and has no VTIMEZONE: its times are read in the calendar's zone, UTC; check them (or import again with -timezone Europe/Zurich)`; !strings.Contains(report, want) {
		t.Errorf("notes:\n%s\nwant %s", report, want)
	}
}

// TestRuleBounds: a rule that would give millions of times a period is
// not expanded (rrule-go would make them all at once), and the rules a
// file writes out as events of their own make at most maxExpandedTotal
// of them, with a note for the rest.
func TestRuleBounds(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n")
	b.WriteString("BEGIN:VEVENT\r\nUID:bomb@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Bomb\r\nDTSTART:20260101T100000Z\r\n" +
		"RRULE:FREQ=YEARLY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23;BYMINUTE=0,10,20,30,40,50;BYSECOND=0,30\r\nEND:VEVENT\r\n")
	series := maxExpandedTotal/maxExpand + 3
	for i := range series {
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:s%d@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:S%d\r\nDTSTART:20260101T100000Z\r\nDTEND:20260101T110000Z\r\nRRULE:FREQ=MONTHLY;BYMONTHDAY=1,15;UNTIL=29991231T000000Z\r\nEND:VEVENT\r\n", i, i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	res := importICS(t, "many.ics", b.String())
	report := notesText(res.Notes)
	if !strings.Contains(report, "RRULE: the rule can give up to 105408 times in a year") {
		t.Errorf("the rule of millions: notes\n%.2000s", report)
	}
	if strings.Count(report, "and the import has written out 50000 occurrences of such rules already, its most: it is not imported") != 3 {
		t.Errorf("the rules past the total: notes\n%.2000s", report)
	}
	// The bomb's first occurrence, and the series written out up to the total.
	if res.Events != 1+maxExpandedTotal {
		t.Errorf("%d events, want %d", res.Events, 1+maxExpandedTotal)
	}
}

// TestRuleNever: a rule whose months have none of its days of the month
// gives no date, and is said to, not walked to the year 9999; the 29th of
// February, which leap years have, is kept.
func TestRuleNever(t *testing.T) {
	rule := func(r string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\n" +
			"DTSTART:20240101T100000Z\r\nDTEND:20240101T110000Z\r\nRRULE:" + r + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	for _, r := range []string{"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=0,1,2,3", "FREQ=YEARLY;BYMONTH=4,6;BYMONTHDAY=31", "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=-30"} {
		report := notesText(importICS(t, "never.ics", rule(r)).Notes)
		if !strings.Contains(report, "RRULE: the rule gives no date (BYMONTH=") {
			t.Errorf("%s: notes\n%s", r, report)
		}
	}
	res := importICS(t, "leap.ics", rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;COUNT=2"))
	if report := notesText(res.Notes); strings.Contains(report, "gives no date") || !strings.Contains(string(res.YAML), "2028-02-29") {
		t.Errorf("the 29th of February: notes\n%s\n%s", report, res.YAML)
	}
}

// TestRuleTimesShifted: ruleTimes walks a rule shifted by whole 400-year
// cycles (so that one giving no time ends its walk soon after the limit)
// and gives the times rrule-go gives the rule as it is, for rules of every
// kind it expands: random ones, from seeds, starting on any day of four
// centuries (29 February among them), up to a century long.
func TestRuleTimesShifted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int, f func() string) string {
		parts := make([]string, 1+rng.IntN(n))
		for i := range parts {
			parts[i] = f()
		}
		return strings.Join(parts, ",")
	}
	days := []string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}
	for i := range 200 {
		freq := []string{"YEARLY", "MONTHLY", "WEEKLY", "DAILY"}[rng.IntN(4)]
		rule := fmt.Sprintf("FREQ=%s;INTERVAL=%d", freq, 1+rng.IntN(4))
		add := func(p float64, part string, f func() string) {
			if rng.Float64() < p {
				rule += ";" + part + "=" + f()
			}
		}
		add(0.5, "BYDAY", func() string {
			return pick(3, func() string {
				if freq == "YEARLY" || freq == "MONTHLY" {
					if n := rng.IntN(11) - 5; n != 0 {
						return fmt.Sprint(n) + days[rng.IntN(7)]
					}
				}
				return days[rng.IntN(7)]
			})
		})
		add(0.4, "BYMONTH", func() string { return pick(3, func() string { return fmt.Sprint(1 + rng.IntN(12)) }) })
		add(0.3, "BYMONTHDAY", func() string {
			return pick(2, func() string { return fmt.Sprint([]int{1, 13, 28, 29, 30, 31, -1, -2}[rng.IntN(8)]) })
		})
		if freq == "YEARLY" {
			add(0.2, "BYWEEKNO", func() string {
				return pick(2, func() string { return fmt.Sprint([]int{1, 2, 26, 52, 53, -1}[rng.IntN(6)]) })
			})
			add(0.2, "BYYEARDAY", func() string {
				return pick(2, func() string { return fmt.Sprint([]int{1, 59, 60, 200, 365, 366, -1}[rng.IntN(7)]) })
			})
		}
		add(0.2, "BYSETPOS", func() string { return fmt.Sprint([]int{1, 2, -1}[rng.IntN(3)]) })
		add(0.3, "COUNT", func() string { return fmt.Sprint(1 + rng.IntN(40)) })
		start := time.Date(1800, 1, 1, 9, 30, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(146097))
		if i%20 == 0 {
			start = time.Date(1904+4*rng.IntN(50), 2, 29, 9, 30, 0, 0, time.UTC)
		}
		limit := start.AddDate(1+rng.IntN(100), 0, 0)
		opt, u, err := ruleOption(rule, start)
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		got, _, _, err := ruleTimes(opt, u, nil, true, limit, 300)
		if err != nil {
			continue // no date (never), or too many a period: no walk
		}
		plain, err := rrule.NewRRule(*opt)
		if err != nil {
			t.Fatalf("%s: %v", rule, err)
		}
		var want []time.Time
		for next := plain.Iterator(); len(want) < 300; {
			w, ok := next()
			if !ok || w.After(limit) {
				break
			}
			want = append(want, w)
		}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Errorf("%s from %s to %s: %d times, want %d\ngot  %v\nwant %v", rule, start, limit, len(got), len(want), got, want)
		}
	}
}

// TestRuleNeverClock: an HOURLY, MINUTELY or SECONDLY rule whose steps
// never reach its BYHOUR (BYMINUTE, BYSECOND) is refused with a note:
// rrule-go stepped through it for ever. One whose steps do reach them is
// expanded.
func TestRuleNeverClock(t *testing.T) {
	rule := func(r string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\n" +
			"DTSTART:20260105T100000Z\r\nDTEND:20260105T101000Z\r\nRRULE:" + r + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	withinAMinute(t, func() {
		for _, r := range []string{"FREQ=HOURLY;INTERVAL=2;BYHOUR=1", "FREQ=MINUTELY;INTERVAL=60;BYMINUTE=30", "FREQ=SECONDLY;INTERVAL=2;BYSECOND=1", "FREQ=MINUTELY;INTERVAL=120;BYHOUR=11"} {
			report := notesText(importICS(t, "never.ics", rule(r)).Notes)
			if !strings.Contains(report, "RRULE: the rule gives no time (FREQ=") {
				t.Errorf("%s: notes\n%s", r, report)
			}
		}
		for r, want := range map[string]string{"FREQ=HOURLY;INTERVAL=5;BYHOUR=1;COUNT=2": "2026-01-06 01:00", "FREQ=MINUTELY;INTERVAL=90;BYHOUR=13;COUNT=1": "2026-01-05 13:00"} {
			res := importICS(t, "reach.ics", rule(r))
			if report := notesText(res.Notes); strings.Contains(report, "gives no time") || !strings.Contains(string(res.YAML), want) {
				t.Errorf("%s: want %s; notes\n%s\n%s", r, want, report, res.YAML)
			}
		}
	})
}

// TestRuleRepeatedValues: a value given twice in a BY part is one, as
// python-dateutil reads it: BYHOUR=8,8;COUNT=4 gave two dates.
func TestRuleRepeatedValues(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\n" +
		"DTSTART:20260105T083000Z\r\nDTEND:20260105T090000Z\r\nRRULE:FREQ=DAILY;BYHOUR=8,8;BYDAY=MO,TU,WE,TH,FR,MO;COUNT=4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res := importICS(t, "dup.ics", src)
	for _, day := range []string{"2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"} {
		if !strings.Contains(string(res.YAML), day) {
			t.Errorf("no %s:\n%s", day, res.YAML)
		}
	}
}

// TestRuleManyRules: at most maxRules RRULEs of one event are read, with
// a note for the rest: each is walked through its dates.
func TestRuleManyRules(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n")
	for i := range maxRules + 2 {
		fmt.Fprintf(&b, "RRULE:FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=%d;COUNT=1\r\n", i+1)
	}
	b.WriteString("END:VEVENT\r\nEND:VCALENDAR\r\n")
	res := importICS(t, "many.ics", b.String())
	if report := notesText(res.Notes); !strings.Contains(report, fmt.Sprintf("%d RRULEs in one event: the dates of the first %d are imported, not of this one and the 1 after it", maxRules+2, maxRules)) {
		t.Errorf("notes:\n%s", report)
	}
	// Rule i gives the (i+1)th of June: the 16th rule's date is there,
	// the 17th's is not.
	if y := string(res.YAML); !strings.Contains(y, "2026-06-01") || !strings.Contains(y, "2026-06-16") || strings.Contains(y, "2026-06-17") {
		t.Errorf("want the 1st to the 16th of June:\n%s", y)
	}
}

// TestYearOutOfRange: an event or a series starting before the years
// calendars can write is left out with a note (a series' dates from 1583
// on are kept: see TestHistoricSeries); a private one crashed import.
func TestYearOutOfRange(t *testing.T) {
	for _, extra := range []string{"", "CLASS:PRIVATE\r\n", "RRULE:FREQ=DAILY;BYWEEKNO=1;BYMONTH=6\r\n"} {
		src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\n" + extra +
			"DTSTART;VALUE=DATE:00010105\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:B\r\nDTSTART;VALUE=DATE:20260105\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
		res := importICS(t, "y1.ics", src)
		if report := notesText(res.Notes); !strings.Contains(report, `dropped "A": start: year 1 is outside 1583-9000`) || strings.Contains(report, "RRULE") {
			t.Errorf("%q: notes:\n%s", extra, report)
		}
	}
}

// TestRulesThatWalkForEver: rules rrule-go would step through for ever,
// or for hours, are refused with a note: a zone's observance that is not
// yearly (of every two hours, never at its BYHOUR), and an event's rule
// of every second whose days never come.
func TestRulesThatWalkForEver(t *testing.T) {
	zone := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VTIMEZONE\nTZID:Custom/Zone\nBEGIN:STANDARD\nDTSTART:19701025T100000\n" +
		"RRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\n" +
		"BEGIN:VEVENT\nUID:a@x\nDTSTAMP:20240101T000000Z\nSUMMARY:A\nDTSTART;TZID=Custom/Zone:20260105T100000\nDTEND;TZID=Custom/Zone:20260105T110000\nEND:VEVENT\nEND:VCALENDAR\n"
	seconds := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\nBEGIN:VEVENT\nUID:a@x\nDTSTAMP:20240101T000000Z\nSUMMARY:A\nDTSTART:20260105T235959Z\nDTEND:20260105T235959Z\n" +
		"RRULE:FREQ=SECONDLY;BYHOUR=23;BYMINUTE=59;BYSECOND=59;BYYEARDAY=1;BYMONTH=7\nEND:VEVENT\nEND:VCALENDAR\n"
	withinAMinute(t, func() {
		minutes := strings.Replace(seconds, "FREQ=SECONDLY;BYHOUR=23;BYMINUTE=59;BYSECOND=59;BYYEARDAY=1;BYMONTH=7", "FREQ=MINUTELY;BYHOUR=23;BYMINUTE=59;BYWEEKNO=1;BYMONTH=6", 1)
		for src, want := range map[string]string{
			zone:    `VTIMEZONE "Custom/Zone": RRULE FREQ=HOURLY;INTERVAL=2;BYHOUR=1 is not yearly`,
			seconds: "FREQ=SECONDLY: calfeed does not expand a rule of every second",
			minutes: "its 1 occurrence is written as events of their own", // as before noDay, in 2 s
		} {
			if report := notesText(importICS(t, "walk.ics", src).Notes); !strings.Contains(report, want) {
				t.Errorf("want %q; notes:\n%s", want, report)
			}
		}
		// Days that come: the rule of minutes is expanded.
		mondays := strings.Replace(seconds, "FREQ=SECONDLY;BYHOUR=23;BYMINUTE=59;BYSECOND=59;BYYEARDAY=1;BYMONTH=7", "FREQ=MINUTELY;BYDAY=MO;BYHOUR=9;BYMINUTE=0,30;COUNT=3", 1)
		if y := string(importICS(t, "mondays.ics", mondays).YAML); !strings.Contains(y, "2026-01-12 09:00") || !strings.Contains(y, "2026-01-12 09:30") || !strings.Contains(y, "2026-01-19 09:00") {
			t.Errorf("a rule of minutes on Mondays:\n%s", y)
		}
	})
}

// TestHistoricSeries: a yearly series from 1500 keeps its dates from
// 1583 on, as events of their own, and its start is left out with a note.
func TestHistoricSeries(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:A\r\n" +
		"DTSTART;VALUE=DATE:15000105\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res := importICS(t, "historic.ics", src)
	if y := string(res.YAML); !strings.Contains(y, "1583-01-05") || !strings.Contains(y, "1700-01-05") || strings.Contains(y, "1500-01-05") {
		t.Errorf("want the dates from 1583 on:\n%.2000s", y)
	}
}

// withinAMinute runs f, and fails the test if it has not returned within
// a minute: an import that steps through a rule for ever fails the test
// rather than hang it.
func withinAMinute(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("import did not return")
	}
}
