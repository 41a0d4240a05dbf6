package importer

import (
	"strings"
	"testing"

	"calfeed/internal/calendar"
)

// TestGuessLanguage: texts in Chinese, Russian or Arabic script, more than
// in Latin letters, give that language; English, French or too few
// letters give none.
func TestGuessLanguage(t *testing.T) {
	for _, tc := range []struct {
		texts []string
		want  string
	}{
		{[]string{"全球数字合作大会", "Room A", "开幕式"}, "zh"},
		{[]string{"Открытие форума", "Зал B"}, "ru"},
		{[]string{"افتتاح المنتدى"}, "ar"},
		{[]string{"Opening of the forum", "Room A"}, ""},
		{[]string{"Ouverture du forum", "Salle A"}, ""},
		{[]string{"WSIS+10 开幕 opening ceremony of the high-level event"}, ""},
		{[]string{"会"}, ""}, // too few letters to tell
		{[]string{"開会式とレセプション", "東京国際フォーラム"}, ""},       // Japanese
		{[]string{"Відкриття конференції", "Київ"}, ""}, // Ukrainian
		{[]string{"جلسه افتتاحیه"}, ""},                 // Persian
		{[]string{"개막식", "서울"}, ""},                     // Korean
		{[]string{"全球数字合作大会 WSIS", "日内瓦 CICG"}, "zh"},   // Chinese with Latin names
		// A Chinese character counts for about a word: three short
		// Chinese titles and a name outweigh one English title.
		{[]string{"周会", "圣诞假期", "取消的会", "Call with Berlin", "项目组日程"}, "zh"},
		{[]string{"Opening of the forum", "Room A", "开幕"}, ""}, // mostly English
		{[]string{"开幕式"}, "zh"}, // one word, three characters
		{[]string{"会议"}, "zh"},
		{nil, ""},
	} {
		if got, _ := guessLanguage(tc.texts); got != tc.want {
			t.Errorf("guessLanguage(%q) = %q, want %q", tc.texts, got, tc.want)
		}
	}
}

// TestImportLanguageGuessed: without -lang, a Chinese calendar (an .ics or
// a CSV) is imported as zh, with a note; -lang given is kept.
func TestImportLanguageGuessed(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nX-WR-CALNAME:读书会\r\nBEGIN:VEVENT\r\nUID:a@x\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:月度读书会\r\n" +
		"DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nLOCATION:图书馆二楼\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	// Its url and timezone columns are Latin letters, and not counted.
	csv := "title,start,end,timezone,url\n月度读书会,2026-01-05 10:00,2026-01-05 11:00,Asia/Shanghai,https://example.org/reading-club\n开幕式,2026-01-06 10:00,2026-01-06 11:00,Asia/Shanghai,https://example.org/opening\n"
	for _, tc := range []struct {
		name string
		run  func(Options) (*Result, error)
	}{
		{"ics", func(o Options) (*Result, error) { return ICS("c.ics", []byte(ics), o) }},
		{"csv", func(o Options) (*Result, error) { return CSV("c.csv", []byte(csv), o) }},
	} {
		res, err := tc.run(Options{Timezone: "Asia/Shanghai"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(string(res.YAML), "languages: [zh]") || !strings.Contains(notesText(res.Notes), "-lang not given: the texts look Chinese, so the calendar's language is zh") {
			t.Errorf("%s without -lang:\n%s\nnotes:\n%s", tc.name, res.YAML, notesText(res.Notes))
		}
		res, err = tc.run(Options{Timezone: "Asia/Shanghai", Lang: "en"})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !strings.Contains(string(res.YAML), "languages: [en]") || strings.Contains(notesText(res.Notes), "-lang not given") {
			t.Errorf("%s with -lang en:\n%s", tc.name, res.YAML)
		}
	}
}

// TestImportLanguageCancelled: the word Outlook puts before a cancelled
// event's title, which the import takes off, is no English text.
func TestImportLanguageCancelled(t *testing.T) {
	ev := func(uid, summary, extra string) string {
		return "BEGIN:VEVENT\r\nUID:" + uid + "\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:" + summary + "\r\n" + extra +
			"DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nEND:VEVENT\r\n"
	}
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nX-WR-CALNAME:读书会\r\n" +
		ev("a@x", "Canceled: 取消的会议", "STATUS:CANCELLED\r\n") + ev("b@x", "Call with Berlin team", "") + "END:VCALENDAR\r\n"
	res, err := ICS("c.ics", []byte(ics), Options{Timezone: "Asia/Shanghai"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.YAML), "languages: [zh]") || !strings.Contains(string(res.YAML), "title: 取消的会议") {
		t.Errorf("an .ics of Chinese titles, one cancelled by Outlook:\n%s\nnotes:\n%s", res.YAML, notesText(res.Notes))
	}
}

// TestImportLanguageColumns: a CSV whose header names its languages gets
// them from it, and no guess nor note.
func TestImportLanguageColumns(t *testing.T) {
	csv := "title.en,title.zh,start,end\nReading club,月度读书会,2026-01-05 10:00,2026-01-05 11:00\n"
	res, err := CSV("c.csv", []byte(csv), Options{Timezone: "Asia/Shanghai"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.YAML), "languages: [en, zh]") || strings.Contains(notesText(res.Notes), "-lang not given") {
		t.Errorf("a CSV with title.en and title.zh:\n%s\nnotes:\n%s", res.YAML, notesText(res.Notes))
	}
}

// TestImportNamesNoted: a name taken from the file's name, which
// subscribers see, and an id made where a Chinese name makes none, are
// told.
func TestImportNamesNoted(t *testing.T) {
	ev := "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20240101T000000Z\r\nSUMMARY:Talk\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nEND:VEVENT\r\n"
	for _, tc := range []struct {
		name, ics string
		opts      Options
		want      []string
		not       []string
	}{
		{"no name", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + ev + "END:VCALENDAR\r\n", Options{},
			[]string{`the calendar's name, which subscribers see in their calendar apps, is "prog", from the file's name: give -name`}, []string{"the calendar's id is"}},
		{"a Chinese name", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nX-WR-CALNAME:项目组日程\r\n" + ev + "END:VCALENDAR\r\n", Options{},
			[]string{`the calendar's id is "prog" ("项目组日程" makes none)`}, []string{"from the file's name: give -name"}},
		{"both given", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + ev + "END:VCALENDAR\r\n", Options{Name: "项目组日程", CalendarID: "team"},
			nil, []string{"from the file's name", "the calendar's id is"}},
	} {
		tc.opts.Timezone = "Asia/Shanghai"
		res, err := ICS("prog.ics", []byte(tc.ics), tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		report := notesText(res.Notes)
		for _, w := range tc.want {
			if !strings.Contains(report, w) {
				t.Errorf("%s: no note %q in:\n%s", tc.name, w, report)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(report, n) {
				t.Errorf("%s: a note %q in:\n%s", tc.name, n, report)
			}
		}
	}
	// A path as Windows writes it, or a URL, names the file by its last part.
	for _, source := range []string{"prog.csv", `C:\Users\me\Downloads\prog.csv`, "https://example.org/exports/prog.csv", "../exports/prog.csv"} {
		res, err := CSV(source, []byte("title,start\n周会,2026-01-05\n"), Options{})
		if err != nil || !strings.Contains(notesText(res.Notes), `is "prog", from the file's name`) {
			t.Errorf("CSV from %s: %v\n%s", source, err, notesText(res.Notes))
		}
	}
	res, err := ICS(`C:\Users\me\prog.ics`, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"+ev+"END:VCALENDAR\r\n"), Options{Timezone: "Asia/Shanghai"})
	if err != nil || !strings.Contains(notesText(res.Notes), `is "prog", from the file's name`) {
		t.Errorf("ICS from a Windows path: %v\n%s", err, notesText(res.Notes))
	}
}

// TestImportCancelledWordAlone: a title that begins "Canceled: " on an
// event that is not cancelled is kept, with a note, and gives no id.
func TestImportCancelledWordAlone(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:040000008200E00074C5B7101A82E008\r\nDTSTAMP:20240101T000000Z\r\n" +
		"SUMMARY:Canceled: 春节前聚餐\r\nDTSTART:20270105T100000Z\r\nDTEND:20270105T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	res, err := ICS("o.ics", []byte(ics), Options{Timezone: "Asia/Shanghai"})
	if err != nil {
		t.Fatal(err)
	}
	cal := load(t, res)
	e := cal.Events[0]
	if e.Title.In(cal.Languages[0]) != "Canceled: 春节前聚餐" || e.Status != calendar.Confirmed || e.ID == "canceled" {
		t.Errorf("title %q, status %v, id %q\n%s", e.Title.In(cal.Languages[0]), e.Status, e.ID, res.YAML)
	}
	if !strings.Contains(notesText(res.Notes), "begins with the word calendars put before a cancelled event's title, but the event is not cancelled") {
		t.Errorf("no note:\n%s", notesText(res.Notes))
	}
}

func TestWithoutCancelled(t *testing.T) {
	for in, want := range map[string]string{
		"Canceled: 春节前聚餐":  "春节前聚餐",
		"CANCELED: Board":  "Board",
		"Cancelled: Board": "Board",
		"Canceled: ":       "Canceled: ", // nothing after it: kept
		"Cancel culture":   "Cancel culture",
		"会议":               "会议",
	} {
		if got := withoutCancelled(in); got != want {
			t.Errorf("withoutCancelled(%q) = %q, want %q", in, got, want)
		}
	}
}
