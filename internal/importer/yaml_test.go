package importer

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
)

// textCases are strings a source may hold that YAML reads otherwise
// unless written with care.
var textCases = []string{
	"Weekly briefing",
	"技术促进性别平等与主流化（GEM-TECH）2015 年奖：通过信息通信技术",
	"مؤتمر القمة العالمي لمجتمع المعلومات",
	"Emoji 😀 and a ZWJ family 👨‍👩‍👧",
	"null", "~", "true", "no", "Yes", "0x1F", "1e3", "12:30", "2016-05-02", ".5", "-1",
	"- looks like a list", "? looks like a key", "key: value", "a #not comment", "#hashtag",
	"[bracket", "{brace}", "&anchor", "*alias", "!tag", "|pipe", ">fold", "%percent", "@at", "`tick`",
	`"quoted"`, `'single'`, `back\slash`, "trailing colon:",
	"line one\nline two", "\n  indented first line\nsecond", "tab\tinside", "line\n\nwith a blank",
	"NEL\u0085inside", "LS\u2028PS\u2029", "BOM\uFEFFinside", "bell\u0007", "del\u007f", "nbsp\u00a0here",
	"Café «Réunion» – naïve", "a: b\n- c\n# d",
}

// TestWriteText writes each string as an event's title and description
// and loads the file: calendar.Load must read back the same text.
func TestWriteText(t *testing.T) {
	for _, s := range textCases {
		want := clean(s)
		d := &doc{id: "t", name: want, zone: "UTC", languages: []string{"en", "zh"}}
		d.events = []*event{{id: "e", title: text{{"en", want}, {"zh", want + "!"}}, description: one("en", s), location: text{{"en", want}, {"zh", want}}, start: "2016-05-02"}}
		out := d.write().buf.Bytes()
		cal, err := calendar.Load("t.yaml", bytes.NewReader(out), calendar.Options{})
		if err != nil {
			t.Errorf("%q: %v\n%s", s, err, out)
			continue
		}
		e := cal.Events[0]
		got := []string{cal.Name.In("en"), e.Title.In("en"), e.Title.In("zh"), e.Description.In("en"), e.Place.In("zh")}
		for i, w := range []string{want, want, want + "!", want, want} {
			if got[i] != w {
				t.Errorf("%q: read back %q, want %q\n%s", s, got[i], w, out)
			}
		}
	}
}

// FuzzWriteText: any text written by the importer reads back the same.
func FuzzWriteText(f *testing.F) {
	for _, s := range textCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := clean(s)
		if want == "" {
			return
		}
		d := &doc{id: "t", name: "n", zone: "UTC", languages: []string{"en"}}
		d.events = []*event{{id: "e", title: one("en", s), start: "2016-05-02"}}
		out := d.write().buf.Bytes()
		cal, err := calendar.Load("t.yaml", bytes.NewReader(out), calendar.Options{})
		if err != nil {
			t.Fatalf("%q: %v\n%s", s, err, out)
		}
		if got := cal.Events[0].Title.In("en"); got != want {
			t.Fatalf("%q: read back %q, want %q\n%s", s, got, want, out)
		}
	})
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"Weekly briefing": "weekly-briefing",
		"WSIS+10 and Gender: ICTs for women's empowerment": "wsis-10-and-gender-icts-for-womens-empowerment",
		"Réunion à Genève — Straße":                        "reunion-a-geneve-strasse",
		"技术促进性别平等":                                         "",
		"  --Hello--  ":                                    "hello",
		strings.Repeat("word ", 30):                        "word-word-word-word-word-word-word-word-word",
	}
	for in, want := range tests {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	s := newIDs()
	var got []string
	for _, base := range []string{"a", "a", "a-2", "a", ""} {
		got = append(got, s.claim(base))
	}
	if strings.Join(got, " ") != "a a-2 a-2-2 a-3 event" {
		t.Errorf("claims: %v", got)
	}
	// The smallest free N, also after many claims of one base and once an
	// id is given back.
	for range 1000 {
		s.claim("a")
	}
	if got := s.claim("a"); got != "a-1004" {
		t.Errorf("after 1,003 claims of a: %s, want a-1004", got)
	}
	s.free("a-7")
	if got := s.claim("a"); got != "a-7" {
		t.Errorf("after a-7 was freed: %s, want a-7", got)
	}
	s.take("a-1005")
	if got := s.claim("a"); got != "a-1006" {
		t.Errorf("with a-1005 taken: %s, want a-1006", got)
	}
}

func TestICalDuration(t *testing.T) {
	tests := map[string]time.Duration{
		"PT1H30M": 90 * time.Minute, "P1D": 24 * time.Hour, "P1W": 7 * 24 * time.Hour,
		"P1DT2H": 26 * time.Hour, "PT15M": 15 * time.Minute, "-PT5M": -5 * time.Minute, "PT45S": 45 * time.Second,
	}
	for in, want := range tests {
		if got, err := icalDuration(in); err != nil || got != want {
			t.Errorf("icalDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "P", "1H", "PT1D", "P1H", "PX"} {
		if _, err := icalDuration(bad); err == nil {
			t.Errorf("icalDuration(%q): no error", bad)
		}
	}
}

// TestInstant: wall times in a gap and in a repeated hour are read as
// RFC 5545 §3.3.5 says, with a zone of the database and with a
// VTIMEZONE's own offsets alike.
func TestInstant(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	us := &zone{onsets: []onset{
		{time.Date(2016, 3, 13, 7, 0, 0, 0, time.UTC), -5 * 3600, -4 * 3600},
		{time.Date(2016, 11, 6, 6, 0, 0, 0, time.UTC), -4 * 3600, -5 * 3600},
	}}
	for _, z := range []*zone{{loc: ny}, us} {
		for wall, want := range map[string]string{
			"2016-03-13 02:30": "2016-03-13T07:30:00Z", // in the gap: with the offset before it (03:30 EDT)
			"2016-11-06 01:30": "2016-11-06T05:30:00Z", // repeated: the first (EDT)
			"2016-07-01 12:00": "2016-07-01T16:00:00Z",
			"2016-01-01 12:00": "2016-01-01T17:00:00Z",
		} {
			w, _ := time.Parse(wallLayout, wall)
			if got := z.instant(w).UTC().Format(time.RFC3339); got != want {
				t.Errorf("%v: %s = %s, want %s", z.loc, wall, got, want)
			}
		}
	}
}
