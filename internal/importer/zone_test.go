package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestOutlookCustomZones: Outlook and Exchange start every observance of a
// VTIMEZONE in 1601, under a name calfeed cannot look up (a customised or
// localised zone); matched by its offsets over the years the events use,
// it is the IANA zone that has them, and a fixed offset since 1601 keeps
// that offset. Both were matched to UTC, each instant hours off, with a
// note saying the offsets matched.
func TestOutlookCustomZones(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16010101T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Nowhere/Middle
BEGIN:STANDARD
DTSTART:16010101T000000
TZOFFSETFROM:-0741
TZOFFSETTO:-0741
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:summer
DTSTAMP:20200101T000000Z
SUMMARY:Summer meeting
DTSTART;TZID=Customized Time Zone:20200825T103500
DTEND;TZID=Customized Time Zone:20200825T115000
END:VEVENT
BEGIN:VEVENT
UID:winter
DTSTAMP:20200101T000000Z
SUMMARY:Winter meeting
DTSTART;TZID=Customized Time Zone:20201215T103500
DTEND;TZID=Customized Time Zone:20201215T115000
END:VEVENT
BEGIN:VEVENT
UID:nowhere
DTSTAMP:20200101T000000Z
SUMMARY:Nowhere
DTSTART;TZID=Nowhere/Middle:20230306T134200
DTEND;TZID=Nowhere/Middle:20230306T144200
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "custom.ics", src)
	cal := load(t, res)
	want := map[string][]string{
		"Summer meeting": {"2020-08-25T14:35Z/2020-08-25T15:50Z"}, // EDT
		"Winter meeting": {"2020-12-15T15:35Z/2020-12-15T16:50Z"}, // EST
		"Nowhere":        {"2023-03-06T21:23Z/2023-03-06T22:23Z"}, // -07:41
	}
	if diff := cmp.Diff(want, byTitle(cal, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	report := notesText(res.Notes)
	if !strings.Contains(report, `TZID "Customized Time Zone" is no zone name calfeed knows; its VTIMEZONE has the offsets of America/New_York`) ||
		strings.Contains(report, "offsets of Etc/UTC") {
		t.Errorf("notes:\n%s", report)
	}
}

// TestZoneNamesWithOffsets: an older Outlook's "(GMT+10:00) Canberra,
// Melbourne, Sydney" is Windows' "(UTC+10:00) ...", Australia/Sydney; a
// name that gives only its offset, without a VTIMEZONE, is read at that
// offset (with a note), where both were read in the calendar's zone.
func TestZoneNamesWithOffsets(t *testing.T) {
	src := `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 12.0 MIMEDIR//EN
BEGIN:VEVENT
UID:sydney
DTSTAMP:20200101T000000Z
SUMMARY:Sydney
DTSTART;TZID="(GMT+10:00) Canberra, Melbourne, Sydney":20201028T133000
DTEND;TZID="(GMT+10:00) Canberra, Melbourne, Sydney":20201028T150000
END:VEVENT
BEGIN:VEVENT
UID:plus-one
DTSTAMP:20200101T000000Z
SUMMARY:Plus one
DTSTART;TZID="(GMT +01:00)":20221004T140000
DTEND;TZID="(GMT +01:00)":20221004T150000
END:VEVENT
BEGIN:VEVENT
UID:kolkata
DTSTAMP:20200101T000000Z
SUMMARY:Half hour
DTSTART;TZID="(UTC+05:30) Somewhere new":20221004T140000
DTEND;TZID="(UTC+05:30) Somewhere new":20221004T150000
END:VEVENT
END:VCALENDAR
`
	res := importICS(t, "names.ics", src)
	want := map[string][]string{
		"Sydney":    {"2020-10-28T02:30Z/2020-10-28T04:00Z"}, // AEDT, +11:00
		"Plus one":  {"2022-10-04T13:00Z/2022-10-04T14:00Z"},
		"Half hour": {"2022-10-04T08:30Z/2022-10-04T09:30Z"},
	}
	if diff := cmp.Diff(want, byTitle(load(t, res), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))); diff != "" {
		t.Errorf("occurrences (-want +got):\n%s", diff)
	}
	report := notesText(res.Notes)
	if !strings.Contains(report, `TZID "(GMT +01:00)" has no VTIMEZONE`) || strings.Contains(report, "Canberra") {
		t.Errorf("notes:\n%s", report)
	}
}
