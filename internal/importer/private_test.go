package importer

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPrivateKept: what the source marks private (CLASS:PRIVATE or
// CONFIDENTIAL, a CSV private column, Outlook's and Google's Private) is
// written with private: true, which keeps it out of everything public:
// everything in events.yaml was published before private: existed. A
// private changed occurrence makes its series private, and a value of
// private that is neither true nor false is read as true, with a note:
// in doubt, nothing is published.
func TestPrivateKept(t *testing.T) {
	privateOf := func(t *testing.T, res *Result) map[string]bool {
		t.Helper()
		got := map[string]bool{}
		for _, e := range load(t, res).Events {
			got[e.ID] = e.Private
		}
		return got
	}
	t.Run("ics", func(t *testing.T) {
		src := strings.ReplaceAll(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:a
SUMMARY:Board dinner
CLASS:PRIVATE
DTSTART:20260302T180000Z
DTEND:20260302T200000Z
END:VEVENT
BEGIN:VEVENT
UID:b
SUMMARY:Open talk
CLASS:PUBLIC
DTSTART:20260303T090000Z
DTEND:20260303T100000Z
END:VEVENT
BEGIN:VEVENT
UID:c
SUMMARY:Weekly
DTSTART:20260304T090000Z
DTEND:20260304T100000Z
RRULE:FREQ=WEEKLY;COUNT=4
END:VEVENT
BEGIN:VEVENT
UID:c
SUMMARY:Weekly
CLASS:CONFIDENTIAL
RECURRENCE-ID:20260311T090000Z
DTSTART:20260311T110000Z
DTEND:20260311T120000Z
END:VEVENT
END:VCALENDAR
`, "\n", "\r\n")
		res, err := ICS("private.ics", []byte(src), Options{Now: now, Timezone: "Europe/Zurich"})
		if err != nil {
			t.Fatalf("ICS: %v", err)
		}
		want := map[string]bool{"board-dinner": true, "open-talk": false, "weekly": true}
		if diff := cmp.Diff(want, privateOf(t, res)); diff != "" {
			t.Errorf("private (-want +got):\n%s\n%s", diff, res.YAML)
		}
		if report := notesText(res.Notes); !strings.Contains(report, `"Board dinner" is CLASS:PRIVATE in the source: written with private: true`) {
			t.Errorf("no note of the private event:\n%s", report)
		}
	})
	t.Run("csv", func(t *testing.T) {
		src := "title,start,duration,private\nA,2026-03-02 09:00,1h,true\nB,2026-03-03 09:00,1h,FALSE\nC,2026-03-04 09:00,1h,yes\nD,2026-03-05 09:00,1h,\nE,2026-03-06 09:00,1h,secret\n"
		res, err := CSV("events.csv", []byte(src), Options{Now: now, Timezone: "Europe/Zurich"})
		if err != nil {
			t.Fatalf("CSV: %v\n%s", err, notesText(res.Notes))
		}
		want := map[string]bool{"a": true, "b": false, "c": true, "d": false, "e": true}
		if diff := cmp.Diff(want, privateOf(t, res)); diff != "" {
			t.Errorf("private (-want +got):\n%s\n%s", diff, res.YAML)
		}
		if report := notesText(res.Notes); !strings.Contains(report, `events.csv:6:4: private: "secret" is neither true nor false; read as true`) {
			t.Errorf("no note of the unclear value:\n%s", report)
		}
	})
	t.Run("google csv", func(t *testing.T) {
		src := "Subject,Start Date,Start Time,End Date,End Time,All Day Event,Description,Location,Private\r\n" +
			"Final exam,05/30/2020,10:00 AM,05/30/2020,1:00 PM,False,,Columbia,True\r\n" +
			"Lecture,05/31/2020,10:00 AM,05/31/2020,1:00 PM,False,,Columbia,False\r\n"
		res, err := CSV("export.csv", []byte(src), Options{Now: now, Timezone: "Europe/Zurich"})
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		if diff := cmp.Diff(map[string]bool{"final-exam": true, "lecture": false}, privateOf(t, res)); diff != "" {
			t.Errorf("private (-want +got):\n%s\n%s", diff, res.YAML)
		}
	})
}

// TestPrivateSeriesSplit: the events split off a private series (an
// occurrence made all-day, a RECURRENCE-ID the rule does not give) are
// private too, and so is a row Outlook marks Confidential or Personal.
func TestPrivateSeriesSplit(t *testing.T) {
	src := strings.ReplaceAll(`BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:board
SUMMARY:Board meeting
CLASS:PRIVATE
DTSTART:20250106T090000Z
DTEND:20250106T100000Z
RRULE:FREQ=WEEKLY;COUNT=4
END:VEVENT
BEGIN:VEVENT
UID:board
SUMMARY:Board retreat
RECURRENCE-ID:20250113T090000Z
DTSTART;VALUE=DATE:20250113
DTEND;VALUE=DATE:20250114
END:VEVENT
BEGIN:VEVENT
UID:board
SUMMARY:Board dinner
RECURRENCE-ID:20250115T090000Z
DTSTART:20250115T180000Z
DTEND:20250115T200000Z
END:VEVENT
END:VCALENDAR
`, "\n", "\r\n")
	res, err := ICS("private.ics", []byte(src), Options{Now: now, Timezone: "Europe/Zurich"})
	if err != nil {
		t.Fatalf("ICS: %v", err)
	}
	cal := load(t, res)
	if len(cal.Events) < 3 {
		t.Fatalf("%d events, want the series and the two split off it:\n%s", len(cal.Events), res.YAML)
	}
	for _, e := range cal.Events {
		if !e.Private {
			t.Errorf("%s is public, split off a private series:\n%s", e.ID, res.YAML)
		}
	}

	csv := `"Subject","Start Date","Start Time","End Date","End Time","All day event","Sensitivity","Show time as"` + "\r\n" +
		`"Exam","6/1/2020","9:00:00 AM","6/1/2020","10:00:00 AM","False","Confidential","2"` + "\r\n" +
		`"Doctor","6/2/2020","9:00:00 AM","6/2/2020","10:00:00 AM","False","Personal","2"` + "\r\n" +
		`"Lecture","6/3/2020","9:00:00 AM","6/3/2020","10:00:00 AM","False","Normal","2"` + "\r\n"
	res, err = CSV("export.csv", []byte(csv), Options{Now: now, Timezone: "Europe/Zurich"})
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	got := map[string]bool{}
	for _, e := range load(t, res).Events {
		got[e.ID] = e.Private
	}
	if diff := cmp.Diff(map[string]bool{"exam": true, "doctor": true, "lecture": false}, got); diff != "" {
		t.Errorf("Outlook's Sensitivity (-want +got):\n%s", diff)
	}
}
