package importer

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCSV imports spreadsheets as Excel, LibreOffice and Google Sheets
// save them and checks the events, tracks, languages and row problems.
func TestCSV(t *testing.T) {
	tests := []struct {
		name, csv string
		opts      Options
		want      map[string][]string // occurrences by title
		languages []string
		tracks    []string
		notes     []string
	}{
		{
			name: "comma, BOM, languages, tracks",
			csv: "\uFEFFid,title.zh,title.en,start,end,timezone,location.en,tracks,status,url\r\n" +
				"gem-tech,技术促进性别平等,GEM-TECH Awards,2015-12-14 18:00,2015-12-14 20:00,America/New_York,\"Civic Hall, New York\",Gender; Measurement,,https://example.org/gem\r\n" +
				",,WSIS Forum 2016,2016-05-02,2016-05-06,Europe/Zurich,,,,\r\n" +
				",被取消的活动,A cancelled session,2015-12-15 09:00,2015-12-15 09:30,America/New_York,,gender,Canceled,\r\n" +
				",,,,,,,,,\r\n" +
				",,No end,2015-12-16 09:00,,America/New_York,,,,\r\n",
			want: map[string][]string{
				"技术促进性别平等":        {"2015-12-14T23:00Z/2015-12-15T01:00Z"},
				"WSIS Forum 2016": {"2016-05-02/2016-05-07"},
				"被取消的活动":          {"2015-12-15T14:00Z/2015-12-15T14:30Z cancelled"},
			},
			languages: []string{"zh", "en"},
			tracks:    []string{"gender", "measurement"},
			notes:     []string{"events.csv:6: end missing; give end: (a wall time like 2015-12-14 20:00) or duration: (like 2h); row not imported"},
		},
		{
			name: "semicolons and a sep= line, as European Excel saves",
			csv: "sep=;\r\ntitle;start;duration;description\r\n" +
				"Réunion; 2016-05-02 09:00;1h30m;\"Ordre du jour : budget; questions\"\r\n" +
				"Sans date;2016-13-01 09:00;1h;\r\n" +
				"Date d'Excel;2.5.16 09:00;1h;\r\n",
			opts: Options{Timezone: "Europe/Paris", Lang: "fr"},
			want: map[string][]string{
				"Réunion": {"2016-05-02T07:00Z/2016-05-02T08:30Z"},
			},
			languages: []string{"fr"},
			// A spreadsheet's own date format is told to format the column
			// as text; a date written right that does not exist, not.
			notes: []string{`events.csv:4:2: start: "2016-13-01 09:00" is not a date (2015-12-14) or a wall time (2015-12-14 18:00): there is no month 13; row not imported`,
				`events.csv:5:2: start: "2.5.16 09:00" is not a date (2015-12-14) or a wall time (2015-12-14 18:00) (format the column as text, or as yyyy-mm-dd hh:mm); row not imported`},
		},
		{
			name: "unknown column, a time in a gap, a repeated id",
			csv: "id,title,start,end,notes,timezone\n" +
				"a,First,2016-03-27 02:30,2016-03-27 03:30,x,Europe/Zurich\n" +
				"b,Second,2016-03-27 09:00,2016-03-27 10:00,,Europe/Zurich\n" +
				"b,Third,2016-03-28 09:00,2016-03-28 10:00,,Europe/Zurich\n",
			want:      map[string][]string{"Second": {"2016-03-27T07:00Z/2016-03-27T08:00Z"}},
			languages: []string{"en"},
			notes: []string{
				`events.csv:1:5: column "notes" is not an events.yaml key; ignored`,
				"events.csv:2:3: start: 2016-03-27 02:30 does not exist in Europe/Zurich",
				`events.csv:4:1: id "b" is taken by an earlier row`,
			},
		},
		{
			// A bare title in Chinese beside title.en was read as English
			// and lost to it, without a word.
			name: "a bare column in Chinese beside title.en",
			csv: "title,title.en,start,end,timezone,location,tracks\n" +
				"开幕式,Opening ceremony,2027-03-28 09:00,2027-03-28 10:00,Europe/Berlin,柏林会议中心,全体会议;性别\n" +
				"圆桌,,2027-03-29 09:00,2027-03-29 10:00,Europe/Berlin,,全体会议\n",
			want: map[string][]string{
				"开幕式": {"2027-03-28T07:00Z/2027-03-28T08:00Z"},
				"圆桌":  {"2027-03-29T07:00Z/2027-03-29T08:00Z"},
			},
			languages: []string{"zh", "en"},
			tracks:    []string{"track", "track-2"},
			notes: []string{
				"the texts look Chinese, so the calendar's language is zh",
				"events.csv: 1 event (event) and 2 tracks (track, track-2) got ids made up",
			},
		},
		{
			// Venues in Latin letters, in a column without a language,
			// outweighed the Chinese titles: zh was not guessed, and the
			// bare title column was refused as English beside title.en.
			name: "Chinese titles beside title.en, venues in Latin letters",
			csv: "title,title.en,location,start,end,timezone\n" +
				"开幕式,Opening ceremony,Geneva International Conference Centre CICG,2027-03-28 09:00,2027-03-28 10:00,Europe/Zurich\n" +
				"圆桌,Round table,Geneva International Conference Centre CICG,2027-03-29 09:00,2027-03-29 10:00,Europe/Zurich\n",
			want: map[string][]string{
				"开幕式": {"2027-03-28T07:00Z/2027-03-28T08:00Z"},
				"圆桌":  {"2027-03-29T07:00Z/2027-03-29T08:00Z"},
			},
			languages: []string{"zh", "en"},
			notes:     []string{"the texts look Chinese, so the calendar's language is zh"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = now
			res, err := CSV("events.csv", []byte(tc.csv), tc.opts)
			if err != nil {
				t.Fatalf("CSV: %v\n%s", err, notesText(res.Notes))
			}
			cal := load(t, res)
			if diff := cmp.Diff(tc.want, byTitle(cal, horizon)); diff != "" {
				t.Errorf("occurrences by title (-want +got):\n%s\n%s", diff, res.YAML)
			}
			if diff := cmp.Diff(tc.languages, cal.Languages); diff != "" {
				t.Errorf("languages (-want +got):\n%s", diff)
			}
			var tracks []string
			for _, tr := range cal.Tracks {
				tracks = append(tracks, tr.ID)
			}
			if diff := cmp.Diff(tc.tracks, tracks); diff != "" {
				t.Errorf("tracks (-want +got):\n%s", diff)
			}
			report := notesText(res.Notes)
			for _, n := range tc.notes {
				if !strings.Contains(report, n) {
					t.Errorf("no note %q in:\n%s", n, report)
				}
			}
		})
	}
}

// TestCSVMultilingual: the languages of the columns, the default first,
// and every text in each.
func TestCSVMultilingual(t *testing.T) {
	const in = "title,title.fr,location,location.fr,start,tracks\n" +
		"Opening,Ouverture,Room A,Salle A,2016-05-02,Plenary\n"
	res, err := CSV("events.csv", []byte(in), Options{Now: now, Timezone: "Europe/Zurich"})
	if err != nil {
		t.Fatal(err)
	}
	cal := load(t, res)
	e := cal.Events[0]
	got := []string{strings.Join(cal.Languages, ","), e.Title.In("en"), e.Title.In("fr"), e.Place.In("en"), e.Place.In("fr"), cal.Track("plenary").Name.In("fr")}
	want := []string{"en,fr", "Opening", "Ouverture", "Room A", "Salle A", "Plenary"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s\n%s", diff, res.YAML)
	}
	// A bare column in Chinese beside an English one: both kept, and the
	// id made from the English title.
	res, err = CSV("events.csv", []byte("title,title.en,start\n开幕式和高级别会议,Opening ceremony,2016-05-02\n"), Options{Now: now, Timezone: "Europe/Zurich"})
	if err != nil {
		t.Fatal(err)
	}
	e = load(t, res).Events[0]
	got = []string{e.ID, e.Title.In("zh"), e.Title.In("en")}
	if diff := cmp.Diff([]string{"opening-ceremony", "开幕式和高级别会议", "Opening ceremony"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s\n%s", diff, res.YAML)
	}
}

// TestCSVErrors: what makes a spreadsheet unusable as a whole.
func TestCSVErrors(t *testing.T) {
	tests := []struct{ name, csv, want string }{
		{"no start column", "title,end\nA,2016-05-02\n", "needs a title column"},
		{"times without zone", "title,start,duration\nA,2016-05-02 09:00,1h\n", "give one with -timezone"},
		{"not UTF-8", "title,start\nR\xe9union,2016-05-02\n", "is not UTF-8"},
		{"no rows", "title,start\n", "no events could be imported"},
		{"bad language", "title.english,start\nA,2016-05-02\n", `"english" is not a language code`},
		{"a bare column read as a named one", "title,title.en,start\nOuverture,Opening,2016-05-02\n", `1:1: columns "title" and "title.en" are both read as en, and one would be lost`},
		// The advice names no code: here, zh would be the conflict itself.
		{"a bare Chinese column beside title.zh", "title,title.zh,start\n开幕式和高级别会议,开幕式和高级别会议,2016-05-02\n", `columns "title" and "title.zh" are both read as zh, and one would be lost: name the language of column 1 (title.LANG, LANG being its language's code`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CSV("events.csv", []byte(tc.csv), Options{Now: func() time.Time { return time.Time{} }})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := CSV("events.csv", []byte("title,start\n"), Options{}); !errors.Is(err, ErrNoEvents) {
		t.Errorf("an empty sheet: %v, want ErrNoEvents", err)
	}
}

// TestCSVExports: Outlook's CSV export and the CSV files Google Calendar
// imports are read by their own columns: Subject, Start Date, Start Time,
// End Date, End Time, All Day Event, with dates month first (Google, US
// Outlook) or day first (a German Outlook: 30.05.2020), found from a date
// that can only be one; they were refused for lacking a title column. An
// all-day End Date is the last day in Google's template, the day after in
// Outlook's export, told apart by Outlook's own columns.
func TestCSVExports(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      map[string][]string
		notes     []string
	}{
		{
			name: "google",
			csv: "Subject,Start Date,Start Time,End Date,End Time,All Day Event,Description,Location,Private\r\n" +
				"Final exam,05/30/2020,10:00 AM,05/30/2020,1:00 PM,False,Two essay questions,Columbia,True\r\n" +
				"Conference,06/01/2020,,06/04/2020,,True,,Geneva,False\r\n" +
				"Holiday,06/10/2020,,06/10/2020,,True,,,False\r\n",
			// Google's template gives an all-day event's last day: the
			// conference is four days, as Google Calendar shows it.
			want: map[string][]string{
				"Final exam": {"2020-05-30T08:00Z/2020-05-30T11:00Z"},
				"Conference": {"2020-06-01/2020-06-05"},
				"Holiday":    {"2020-06-10/2020-06-11"},
			},
			notes: []string{`"Final exam" is private in the export`, "those of Google Calendar's CSV template", "End Date read as the last day"},
		},
		{
			name: "outlook, all-day",
			csv: `"Subject","Start Date","Start Time","End Date","End Time","All day event","Reminder on/off","Reminder Date","Reminder Time","Meeting Organizer","Required Attendees","Optional Attendees","Meeting Resources","Billing Information","Categories","Description","Location","Mileage","Priority","Private","Sensitivity","Show time as"` + "\r\n" +
				`"Conference","6/1/2020","12:00:00 AM","6/4/2020","12:00:00 AM","True","False","5/31/2020","8:00:00 AM","Ana",,,,,,,"Geneva",,"Normal","False","Normal","3"` + "\r\n" +
				`"Holiday","6/10/2020","12:00:00 AM","6/11/2020","12:00:00 AM","True","False",,,"Ana",,,,,,,,,"Normal","False","Normal","3"` + "\r\n",
			// Outlook writes the day after the last: the conference is
			// three days, as Outlook shows it.
			want: map[string][]string{
				"Conference": {"2020-06-01/2020-06-04"},
				"Holiday":    {"2020-06-10/2020-06-11"},
			},
			notes: []string{"those of Outlook's CSV export", "End Date read as the day after the last day"},
		},
		{
			name: "outlook, German dates",
			csv: "\"Betreff\",\"Subject\",\"Start Date\",\"Start Time\",\"End Date\",\"End Time\",\"All day event\"\r\n" +
				"x,Sitzung,03.04.2020,14:00:00,03.04.2020,15:30:00,False\r\n" +
				"x,Tagung,30.05.2020,09:00:00,30.05.2020,10:00:00,False\r\n",
			want: map[string][]string{
				"Sitzung": {"2020-04-03T12:00Z/2020-04-03T13:30Z"},
				"Tagung":  {"2020-05-30T07:00Z/2020-05-30T08:00Z"},
			},
			notes: []string{"the columns are those of"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := CSV("export.csv", []byte(tc.csv), Options{Now: now, Timezone: "Europe/Zurich"})
			if err != nil {
				t.Fatalf("CSV: %v\n%s", err, notesText(res.Notes))
			}
			if diff := cmp.Diff(tc.want, byTitle(load(t, res), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))); diff != "" {
				t.Errorf("occurrences (-want +got):\n%s", diff)
			}
			report := notesText(res.Notes)
			for _, note := range tc.notes {
				if !strings.Contains(report, note) {
					t.Errorf("no note %q in:\n%s", note, report)
				}
			}
		})
	}
}

// TestCSVDuplicateUIDs: a row whose uid is an earlier event's, its own or
// the one it has by default (id@calendar), is left out with a note naming
// that row; the others are imported.
func TestCSVDuplicateUIDs(t *testing.T) {
	src := "id,uid,title,start\n" +
		"a,old-1,A,2016-05-02\n" + // line 2
		"b,,B,2016-05-03\n" + // line 3: b@events
		"c,old-1,C,2016-05-04\n" + // line 4: A's own
		"d,b@events,D,2016-05-05\n" + // line 5: B's by default
		"e,old-2,E,2016-05-06\n" + // line 6
		"f,g@events,F,2016-05-07\n" + // line 7: G's default, G not yet read
		"g,,G,2016-05-08\n" + // line 8: left out, its default F's
		"h,g@events,H,2016-05-09\n" + // line 9: F's own, given as the row's default
		"c,,C again,2016-05-10\n" // line 10: the id of a row left out, free again
	res, err := CSV("events.csv", []byte(src), Options{Now: now})
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, notesText(res.Notes))
	}
	report := notesText(res.Notes)
	for _, want := range []string{
		`events.csv:4:2: uid "old-1" is the UID of row 2's event: row not imported`,
		`events.csv:5:2: uid "b@events" is the UID of row 3's event: row not imported`,
		`events.csv:8:1: the UID the event would have, "g@events" (its id at the calendar's), is the uid of row 7's event: give the row a uid of its own, or another id; row not imported`,
		`events.csv:9:2: uid "g@events" is the UID of row 7's event: row not imported`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("no note %q in:\n%s", want, report)
		}
	}
	got := byTitle(load(t, res), horizon)
	if len(got) != 5 || got["A"] == nil || got["B"] == nil || got["E"] == nil || got["F"] == nil || got["C again"] == nil {
		t.Errorf("events %v, want A, B, E, F and C again", got)
	}
}

// TestCSVGuessWithoutTitle: without a title column of no language, the
// description and location columns of none tell the language; a name
// that makes no id gives the file's, with a note.
func TestCSVGuessWithoutTitle(t *testing.T) {
	src := "title.en,location,start\nOpening,日内瓦国际会议中心,2016-05-02\nPlenary,日内瓦国际会议中心,2016-05-03\n"
	res, err := CSV("prog.csv", []byte(src), Options{Now: func() time.Time { return time.Time{} }, Name: "会议日程"})
	if err != nil {
		t.Fatalf("%v\n%s", err, notesText(res.Notes))
	}
	if !strings.Contains(string(res.YAML), "languages: [zh, en]") {
		t.Errorf("a Chinese location column beside title.en:\n%s", res.YAML)
	}
	if !strings.Contains(string(res.YAML), "id: prog\n") || !strings.Contains(notesText(res.Notes), `the calendar's id is "prog" ("会议日程" makes none)`) {
		t.Errorf("the id from the file's name, noted:\n%s\n%s", res.YAML, notesText(res.Notes))
	}
}
