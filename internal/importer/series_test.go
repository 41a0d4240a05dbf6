package importer

import (
	"strings"
	"testing"
	"time"
)

// TestSeveralRules: an event with two RRULEs (RFC 2445 allowed it; ical.js
// and libical read it) has the dates of both: the second rule's were lost.
func TestSeveralRules(t *testing.T) {
	src := strings.ReplaceAll(`BEGIN:VCALENDAR
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
`, "\n", "\r\n")
	res, err := ICS("two.ics", []byte(src), Options{Now: now})
	if err != nil {
		t.Fatalf("ICS: %v\n%s", err, notesText(res.Notes))
	}
	got := byTitle(load(t, res), time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC))["Two rules"]
	want := []string{
		"2012-03-05T10:00Z/2012-03-05T10:30Z", "2012-03-12T10:00Z/2012-03-12T10:30Z", "2012-03-19T10:00Z/2012-03-19T10:30Z", // weekly, 3
		"2012-04-01T09:00Z/2012-04-01T09:30Z", "2012-05-06T09:00Z/2012-05-06T09:30Z", // first Sundays (CEST)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("occurrences:\n got %q\nwant %q", got, want)
	}
}
