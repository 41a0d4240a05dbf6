package importer

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.yaml")

// byTitle lists the occurrences of cal that start before cutoff by their
// title: UTC instants (dates for all-day events), and the status when it
// is not confirmed.
func byTitle(cal *calendar.Calendar, cutoff time.Time) map[string][]string {
	out := map[string][]string{}
	for _, e := range cal.Events {
		for _, o := range e.Occurrences(time.Time{}, 10000) {
			if !o.Start.Before(cutoff) {
				break
			}
			s := o.Start.UTC().Format("2006-01-02T15:04Z") + "/" + o.End.UTC().Format("2006-01-02T15:04Z")
			if e.AllDay {
				s = o.Start.Format(time.DateOnly) + "/" + o.End.Format(time.DateOnly)
			}
			if o.Status != calendar.Confirmed {
				s += " " + string(o.Status)
			}
			title := o.Title.In(cal.Languages[0])
			out[title] = append(out[title], s)
		}
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// TestExports imports exports written the way Outlook (Exchange), Google
// Calendar and Apple Calendar write them, and a file of edge cases, and
// checks every occurrence (worked out by hand from the files and the time
// zone rules), the UIDs kept, the notes, and the output byte for byte
// (testdata/*.golden.yaml; go test ./internal/importer -update rewrites
// them).
func TestExports(t *testing.T) {
	tests := []struct {
		file   string
		cutoff time.Time
		want   map[string][]string
		uids   []string // UIDs the events keep
		notes  []string // the start of notes there must be
	}{
		{
			file: "outlook.ics", cutoff: horizon,
			want: map[string][]string{
				"Weekly briefing": {
					"2016-03-03T08:00Z/2016-03-03T09:00Z", "2016-03-10T08:00Z/2016-03-10T09:00Z",
					"2016-03-24T08:00Z/2016-03-24T09:00Z", "2016-03-31T08:00Z/2016-03-31T09:00Z", // 17 March excepted; 31 March moved to 10:00 CEST
					"2016-04-07T07:00Z/2016-04-07T08:00Z", "2016-04-14T07:00Z/2016-04-14T08:00Z",
					"2016-04-21T07:00Z/2016-04-21T08:00Z", "2016-04-28T07:00Z/2016-04-28T08:00Z",
				},
				"Budget close":               {"2016-01-29T11:00Z/2016-01-29T12:00Z", "2016-02-29T11:00Z/2016-02-29T12:00Z", "2016-03-31T10:00Z/2016-03-31T11:00Z"},
				"Last-Friday review":         {"2016-01-29T14:00Z/2016-01-29T15:00Z", "2016-02-26T14:00Z/2016-02-26T15:00Z", "2016-03-25T14:00Z/2016-03-25T15:00Z"},
				"WSIS Forum (out of office)": {"2016-05-02/2016-05-07"},
				"Call with New York":         {"2015-12-15T14:00Z/2015-12-15T14:30Z cancelled"},
				"Summer reception":           {"2016-07-01T12:00Z/2016-07-01T13:00Z"},
			},
			uids: []string{
				"040000008200E00074C5B7101A82E00800000000D0D2B6B5F67AD101000000000000000010000000A1E0A8D7C5C0A84D9A1B2C3D4E5F6071",
				"040000008200E00074C5B7101A82E00800000000F1F2A3B4C5D6E7F8000000000000000010000000C3D4E5F60718293A4B5C6D7E8F901122",
				"040000008200E00074C5B7101A82E008000000001122334455667788000000000000000010000000D4E5F60718293A4B5C6D7E8F90112233",
				"040000008200E00074C5B7101A82E00800000000AABBCCDDEEFF0011000000000000000010000000E5F60718293A4B5C6D7E8F9011223344",
				"outlook-2010-style-1",
			},
			notes: []string{
				"outlook.ics:75: dropped a reminder (VALARM)",
				"outlook.ics:100: \"Budget close\" repeats in a way calfeed's repeat: cannot say (BYSETPOS=-1): its 3 occurrences",
				"outlook.ics:130: \"WSIS Forum (out of office)\" is CLASS:PRIVATE",
				"outlook.ics:143: dropped ATTENDEE",
			},
		},
		{
			file: "google.ics", cutoff: horizon,
			want: map[string][]string{
				"Opening ceremony":             {"2016-05-02T07:00Z/2016-05-02T08:30Z"},
				"Daily webcast":                {"2016-05-02T11:00Z/2016-05-02T11:30Z", "2016-05-05T11:00Z/2016-05-05T11:30Z"}, // 4 May excepted
				"Daily webcast (later today)":  {"2016-05-03T13:00Z/2016-05-03T13:30Z"},
				"Follow-up call with New York": {"2016-05-10T13:00Z/2016-05-10T14:00Z tentative", "2016-05-17T13:00Z/2016-05-17T14:00Z tentative", "2016-05-24T13:00Z/2016-05-24T14:00Z tentative"},
				"WSIS Forum 2016":              {"2016-05-02/2016-05-07"},
				"Fortnightly report":           {"2016-06-01T08:00Z/2016-06-01T09:00Z", "2016-06-15T08:00Z/2016-06-15T09:00Z", "2016-07-01T08:00Z/2016-07-01T09:00Z", "2016-07-15T08:00Z/2016-07-15T09:00Z"},
			},
			uids:  []string{"0h3q7n1k5b2v8t6r4m9c1d7f2s@google.com", "4l1s0c9o2f7e5d8k3j6h1g4b0a@google.com", "7m2n4b6v8c0x1z3a5s7d9f2g4h@google.com", "2p4o6i8u0y1t3r5e7w9q2a4s6d@google.com"},
			notes: []string{"google.ics:103: \"Fortnightly report\" repeats in a way calfeed's repeat: cannot say (BYMONTHDAY=1,15)"},
		},
		{
			file: "apple.ics", cutoff: time.Date(2016, 4, 1, 0, 0, 0, 0, time.UTC),
			want: map[string][]string{
				"月度读书会：《红楼梦》":                 {"2016-01-29T11:30Z/2016-01-29T13:00Z", "2016-02-26T11:30Z/2016-02-26T13:00Z", "2016-03-25T11:30Z/2016-03-25T13:00Z"},
				"春节":                          {"2016-02-08/2016-02-09"},
				`Concert "Les Nuits" à Paris`: {"2016-03-26T19:00Z/2016-03-26T21:30Z"},
			},
			uids:  []string{"5F3A1C2E-8B4D-4E6F-9A1B-2C3D4E5F6A7B", "A7B6C5D4-E3F2-4101-8F9E-8D7C6B5A4F3E", "C1D2E3F4-A5B6-4C7D-8E9F-0A1B2C3D4E5F"},
			notes: []string{"apple.ics:59: dropped a reminder (VALARM)"},
		},
		{
			file: "edge.ics", cutoff: horizon,
			want: map[string][]string{
				"In a zone with a name of its own":   {"2016-04-05T07:00Z/2016-04-05T08:00Z"},
				"Weekly in a zone nobody has":        {"2016-01-21T08:30Z/2016-01-21T09:30Z", "2016-01-28T08:30Z/2016-01-28T09:30Z", "2016-02-04T08:30Z/2016-02-04T09:30Z"},
				"Mozilla's TZID":                     {"2016-04-06T07:00Z/2016-04-06T07:30Z"},
				"Floating time":                      {"2016-04-07T07:00Z/2016-04-07T08:00Z"},
				"Weekly at 08:00 UTC":                {"2016-03-10T08:00Z/2016-03-10T09:00Z", "2016-03-17T08:00Z/2016-03-17T09:00Z", "2016-03-24T08:00Z/2016-03-24T09:00Z", "2016-03-31T08:00Z/2016-03-31T09:00Z"},
				"Weekly with an afternoon extra":     {"2016-04-05T07:00Z/2016-04-05T08:00Z", "2016-04-12T07:00Z/2016-04-12T08:00Z", "2016-04-15T12:00Z/2016-04-15T13:00Z"},
				"Thanksgiving dinner":                {"2016-11-24T23:00Z/2016-11-25T02:00Z", "2017-11-23T23:00Z/2017-11-24T02:00Z", "2018-11-22T23:00Z/2018-11-23T02:00Z"},
				"Hourly check":                       {"2016-04-08T07:00Z/2016-04-08T07:15Z", "2016-04-08T08:00Z/2016-04-08T08:15Z", "2016-04-08T09:00Z/2016-04-08T09:15Z"},
				"First one off":                      {"2016-04-12T07:00Z/2016-04-12T08:00Z", "2016-04-13T07:00Z/2016-04-13T08:00Z"},
				"Series with a stray change":         {"2016-04-18T07:00Z/2016-04-18T08:00Z", "2016-04-19T07:00Z/2016-04-19T08:00Z"},
				"Series with a stray change (moved)": {"2016-04-26T07:00Z/2016-04-26T08:00Z"},
				"One UID":                            {"2016-04-12T07:00Z/2016-04-12T08:00Z"},
				"One UID, used again":                {"2016-04-13T07:00Z/2016-04-13T08:00Z"},
				"Deadline":                           {"2016-04-14T15:00Z/2016-04-14T15:01Z"},
				"(no title)":                         {"2016-04-16/2016-04-17"},
			},
			uids: []string{"custom-zone@example.org", "nowhere@example.org", "mozilla@example.org", "floating@example.org", "utc-series@example.org", "rdate@example.org", "thanksgiving@example.org", "orphan@example.org", "twice@example.org", "no-end@example.org", "untitled@example.org"},
			notes: []string{
				`edge.ics:6: TZID "Mitteleuropäische Zeit" is no zone name calfeed knows; its VTIMEZONE has the offsets of Europe/Zurich`,
				`edge.ics:21: TZID "Nowhere Time" is no zone name calfeed knows, and no IANA zone has its VTIMEZONE's offsets`,
				"edge.ics:58: DTSTART has a time without zone (a floating time)",
				"edge.ics:75: EXDATE 2016-04-06 09:00 is no occurrence of the rule; dropped",
				"edge.ics:89: \"Hourly check\" repeats in a way calfeed's repeat: cannot say (FREQ=HOURLY",
				"edge.ics:96: \"First one off\" repeats in a way calfeed's repeat: cannot say (EXDATE removes DTSTART",
				"edge.ics:106: RECURRENCE-ID 2016-04-25 09:00 names no occurrence",
				`edge.ics:119: UID "twice@example.org" is used by another event (line 113) too`,
				`edge.ics:124: dropped URL "mailto:office@example.org"`,
				`edge.ics:126: "Deadline" has no length`,
				"edge.ics:131: an event has no title (SUMMARY)",
				"edge.ics:135: dropped an event with no DTSTART",
				"edge.ics:139: dropped VTODO",
				"edge.ics:143: dropped a line that is not an iCalendar content line",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			res, err := ICS(tc.file, data, Options{Now: now})
			if err != nil {
				t.Fatalf("ICS: %v\n%s", err, notesText(res.Notes))
			}
			cal := load(t, res)
			if diff := cmp.Diff(tc.want, byTitle(cal, tc.cutoff)); diff != "" {
				t.Errorf("occurrences by title (-want +got):\n%s", diff)
			}
			var uids []string
			for _, e := range cal.Events {
				if !strings.HasSuffix(e.UID, "@"+cal.ID) {
					uids = append(uids, e.UID)
				}
			}
			slices.Sort(uids)
			slices.Sort(tc.uids)
			if diff := cmp.Diff(tc.uids, uids); diff != "" {
				t.Errorf("UIDs kept (-want +got):\n%s", diff)
			}
			report := notesText(res.Notes)
			for _, n := range tc.notes {
				if !strings.Contains(report, "\n"+n) && !strings.HasPrefix(report, n) {
					t.Errorf("no note %q in:\n%s", n, report)
				}
			}
			golden(t, strings.TrimSuffix(tc.file, ".ics")+".golden.yaml", res.YAML)
		})
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// TestRuleThatPanics: a rule the expansion library cannot follow (it
// panics on BYDAY=14TH) is a note, and the event's first occurrence is
// imported; the import does not crash.
func TestRuleThatPanics(t *testing.T) {
	src := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:bad@example.org\r\nDTSTAMP:20160101T000000Z\r\n" +
		"DTSTART:20161124T100000Z\r\nDTEND:20161124T110000Z\r\nSUMMARY:Odd\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=14TH;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res, err := ICS("bad.ics", []byte(src), Options{Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 1 {
		t.Errorf("%d events, want the first occurrence", res.Events)
	}
	found := false
	for _, n := range res.Notes {
		if strings.Contains(n.String(), "bad.ics:10: RRULE: the rule cannot be expanded") {
			found = true
		}
	}
	if !found {
		t.Errorf("no note of the rule: %v", res.Notes)
	}
}

// TestHostileLines: a line folded a hundred thousand times is read whole
// (its pieces joined once, not one by one: each join copied all before
// it), and a line with more parameters than any real one is dropped with a
// note (golang-ical reads each parameter at the cost of the whole line).
func TestHostileLines(t *testing.T) {
	event := func(lines string) string {
		return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:a@example.org\r\n" +
			"DTSTART:20270104T100000Z\r\nDTEND:20270104T110000Z\r\nSUMMARY:Talk\r\n" + lines + "END:VEVENT\r\nEND:VCALENDAR\r\n"
	}
	const folds = 100_000
	res, err := ICS("folded.ics", []byte(event("DESCRIPTION:A"+strings.Repeat("\r\n B", folds)+"\r\n")), Options{Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "A" + strings.Repeat("B", folds); !strings.Contains(string(res.YAML), want) {
		t.Errorf("the description folded %d times is not read whole", folds)
	}

	params := func(n int) string {
		var b strings.Builder
		b.WriteString("LOCATION")
		for i := range n {
			fmt.Fprintf(&b, ";X-P%d=v", i)
		}
		return b.String() + ":Room 9\r\n"
	}
	res, err = ICS("params.ics", []byte(event(params(maxParams))), Options{Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.YAML), "Room 9") {
		t.Errorf("a line with %d parameters was not read:\n%s", maxParams, res.YAML)
	}
	res, err = ICS("params.ics", []byte(event(params(maxParams+1))), Options{Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.YAML), "Room 9") {
		t.Errorf("a line with %d parameters was read", maxParams+1)
	}
	found := false
	for _, n := range res.Notes {
		found = found || strings.Contains(n.String(), fmt.Sprintf("params.ics:9: dropped a line with %d parameters", maxParams+1))
	}
	if !found {
		t.Errorf("no note of the line dropped: %v", res.Notes)
	}

	// Counted as golang-ical reads them: quotes open a value only where
	// one starts, a backslash takes the next character, quoted ; and :
	// are the value's.
	for line, want := range map[string]int{
		`LOCATION;X-A=\";X-B=v;X-C=v:Room 9`:          3,
		`LOCATION;ALTREP="http://x;y:z";X-B=v:Room 9`: 2,
		`LOCATION;X-A=a"b;X-B=v:Room 9`:               2,
		`LOCATION;X-A="a\"b;c";X-B=v:Room 9`:          2,
		`LOCATION;X-A=a,"b;c:d",e;X-B=v:Room; 9`:      2,
		`DESCRIPTION:a\;b\;c`:                         0,
	} {
		if got := paramCount(line); got != want {
			t.Errorf("paramCount(%s) = %d, want %d", line, got, want)
		}
	}
	hidden := strings.Replace(params(maxParams+1), "LOCATION;", `LOCATION;X-A=\";`, 1)
	res, err = ICS("params.ics", []byte(event(hidden)), Options{Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(res.YAML), "Room 9") {
		t.Errorf("a line whose parameters hide behind an escaped quote was read")
	}
}

// BenchmarkUnfoldFolded unfolds one line folded 100,000 times: linear in
// its length (joined piece by piece, it took seconds).
func BenchmarkUnfoldFolded(b *testing.B) {
	data := []byte("DESCRIPTION:A" + strings.Repeat("\r\n B", 100_000) + "\r\n")
	for b.Loop() {
		if l := unfold(data); len(l) != 1 || len(l[0].text) != len("DESCRIPTION:A")+100_000 {
			b.Fatalf("%d lines", len(l))
		}
	}
}
