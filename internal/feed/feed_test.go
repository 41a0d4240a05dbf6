package feed

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
	"calfeed/internal/locale"

	_ "time/tzdata"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.ics")

func loadFixture(t testing.TB) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.ReadFile(t.Context(), "testdata/fixture.yaml", calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func render(t *testing.T, r *Renderer, f Feed, lang string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf, f, lang); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func allFeed(cal *calendar.Calendar, lang string) Feed {
	return Feed{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}
}

// TestGolden pins the exact bytes of the fixture's feeds. Rewrite them with
// go test ./internal/feed -update, and read the diff before committing.
func TestGolden(t *testing.T) {
	cal := loadFixture(t)
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		feed Feed
		lang string
	}{
		{"all.zh", allFeed(cal, "zh"), "zh"},
		{"all.en", allFeed(cal, "en"), "en"},
		{"event.zurich.en", Feed{Name: "one", Events: []*calendar.Event{cal.Event("zurich")}}, "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, r, tc.feed, tc.lang)
			path := filepath.Join("testdata", tc.name+".golden.ics")
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
		})
	}
}

// TestDeterministic renders the same calendar twice, from two loads.
func TestDeterministic(t *testing.T) {
	var outs [2][]byte
	for i := range outs {
		cal := loadFixture(t)
		r, err := New(cal)
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = render(t, r, allFeed(cal, "zh"), "zh")
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two renderings of the same calendar differ")
	}
}

// TestWellFormed checks the RFC 5545 §3.1 rules on every line.
func TestWellFormed(t *testing.T) {
	cal := loadFixture(t)
	r, _ := New(cal)
	for _, lang := range cal.Languages {
		b := render(t, r, allFeed(cal, lang), lang)
		checkLines(t, b)
	}
}

func checkLines(t testing.TB, b []byte) {
	t.Helper()
	if !bytes.HasSuffix(b, []byte("END:VCALENDAR\r\n")) {
		t.Errorf("feed does not end with END:VCALENDAR CRLF")
	}
	lines := bytes.Split(bytes.TrimSuffix(b, []byte("\r\n")), []byte("\r\n"))
	for i, l := range lines {
		if bytes.ContainsAny(l, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, l)
		}
		if len(l) > 75 {
			t.Errorf("line %d is %d octets, over 75: %q", i+1, len(l), l)
		}
		if !utf8.Valid(l) {
			t.Errorf("line %d splits a UTF-8 character: %q", i+1, l)
		}
		for _, c := range string(l) {
			if c < 0x20 && c != '\t' || c == 0x7f {
				t.Errorf("line %d has control character %U", i+1, c)
			}
		}
	}
}

// parse reads a feed with an independent parser (emersion/go-ical).
func parse(t *testing.T, b []byte) *goical.Calendar {
	t.Helper()
	c, err := goical.NewDecoder(bytes.NewReader(b)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot read the feed: %v\n%s", err, b)
	}
	return c
}

func propText(t testing.TB, c *goical.Component, name string) string {
	t.Helper()
	p := c.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// TestIndependentParser reads every feed back with go-ical and checks each
// event's UID, instants (go-ical resolves TZID from the zone database, not
// from our VTIMEZONE), all-day dates, text and categories.
func TestIndependentParser(t *testing.T) {
	cal := loadFixture(t)
	r, _ := New(cal)
	for _, lang := range cal.Languages {
		c := parse(t, render(t, r, allFeed(cal, lang), lang))
		if got := propText(t, c.Component, "X-WR-CALNAME"); got != cal.Name.In(lang) {
			t.Errorf("%s: X-WR-CALNAME = %q, want %q", lang, got, cal.Name.In(lang))
		}
		if got := c.Props.Get("REFRESH-INTERVAL"); got == nil || got.Value != "PT1H30M" || got.Params.Get("VALUE") != "DURATION" {
			t.Errorf("%s: REFRESH-INTERVAL = %+v, want PT1H30M with VALUE=DURATION", lang, got)
		}
		evs := c.Events()
		if len(evs) != len(cal.Events) {
			t.Fatalf("%s: %d events, want %d", lang, len(evs), len(cal.Events))
		}
		tzids := map[string]bool{}
		for _, ch := range c.Children {
			if ch.Name == goical.CompTimezone {
				tzids[ch.Props.Get(goical.PropTimezoneID).Value] = true
			}
		}
		seen := map[string]bool{}
		for _, ev := range evs {
			uid := propText(t, ev.Component, "UID")
			id, ok := strings.CutSuffix(uid, "@fixture")
			e := cal.Event(id)
			if !ok || e == nil || seen[uid] {
				t.Errorf("%s: unexpected UID %q", lang, uid)
				continue
			}
			seen[uid] = true
			start, end := ev.Props.Get("DTSTART"), ev.Props.Get("DTEND")
			if tz := start.Params.Get("TZID"); tz != "" && !tzids[tz] {
				t.Errorf("%s: %s uses TZID %s with no VTIMEZONE", lang, id, tz)
			}
			if e.AllDay {
				if start.ValueType() != goical.ValueDate || end.ValueType() != goical.ValueDate {
					t.Errorf("%s: %s: all-day DTSTART/DTEND not VALUE=DATE", lang, id)
				}
				if start.Value != e.Start.Format("20060102") || end.Value != e.End.Format("20060102") {
					t.Errorf("%s: %s: dates %s-%s, want %s-%s (exclusive end)", lang, id, start.Value, end.Value, e.Start.Format("20060102"), e.End.Format("20060102"))
				}
			} else {
				gs, err1 := ev.DateTimeStart(nil)
				ge, err2 := ev.DateTimeEnd(nil)
				if err1 != nil || err2 != nil || !gs.Equal(e.Start) || !ge.Equal(e.End) {
					t.Errorf("%s: %s: %v-%v (%v %v), want %v-%v", lang, id, gs.UTC(), ge.UTC(), err1, err2, e.Start.UTC(), e.End.UTC())
				}
				if e.UTC != strings.HasSuffix(start.Value, "Z") {
					t.Errorf("%s: %s: DTSTART %q: UTC form = %v, want %v", lang, id, start.Value, !e.UTC, e.UTC)
				}
			}
			wantTitle := clean(e.Title.In(lang))
			if e.Status == calendar.Cancelled {
				wantTitle = locale.For(lang).Get("feed_cancelled") + wantTitle
				if got := propText(t, ev.Component, "STATUS"); got != "CANCELLED" {
					t.Errorf("%s: %s: STATUS %q", lang, id, got)
				}
			}
			if got := propText(t, ev.Component, "SUMMARY"); got != wantTitle {
				t.Errorf("%s: %s: SUMMARY %q, want %q", lang, id, got, wantTitle)
			}
			if got, want := propText(t, ev.Component, "LOCATION"), e.Place.In(lang); got != want {
				t.Errorf("%s: %s: LOCATION %q, want %q", lang, id, got, want)
			}
			if d := e.Description.In(lang); d != "" && !strings.HasPrefix(propText(t, ev.Component, "DESCRIPTION"), clean(d)) {
				t.Errorf("%s: %s: DESCRIPTION %q does not start with %q", lang, id, propText(t, ev.Component, "DESCRIPTION"), clean(d))
			}
			var cats []string
			for _, p := range ev.Props.Values("CATEGORIES") {
				cats = append(cats, p.Value)
			}
			var wantCats []string
			for _, tr := range e.Tracks {
				wantCats = append(wantCats, cal.Track(tr).Name.In(lang))
			}
			if diff := cmp.Diff(wantCats, cats); diff != "" {
				t.Errorf("%s: %s: CATEGORIES (-want +got):\n%s", lang, id, diff)
			}
			if ev.Props.Get("X-EVIL") != nil {
				t.Errorf("%s: %s: a title created a property", lang, id)
			}
		}
	}
}

// clean is what a text should read as after a round trip: each CR, LF or
// CRLF one newline.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func TestOnlineAndURL(t *testing.T) {
	cal := loadFixture(t)
	r, _ := New(cal)
	c := parse(t, render(t, r, Feed{Name: "x", Events: []*calendar.Event{cal.Event("long-chinese")}}, "en"))
	ev := c.Events()[0]
	conf := ev.Props.Get("CONFERENCE")
	if conf == nil || conf.Value != "https://example.org/watch;live" || conf.Params.Get("VALUE") != "URI" {
		t.Errorf("CONFERENCE = %+v", conf)
	}
	if got := ev.Props.Get("URL"); got == nil || got.Value != "https://example.org/gem-tech?a=1&b=2" {
		t.Errorf("URL = %+v", got)
	}
	d := propText(t, ev.Component, "DESCRIPTION")
	if !strings.Contains(d, "Join online: https://example.org/watch;live") || !strings.Contains(d, "More information: https://example.org/gem-tech?a=1&b=2") {
		t.Errorf("DESCRIPTION lacks the links: %q", d)
	}
}

// TestUID: every VEVENT of an event with uid: (the series and its
// overrides) carries that UID; the others <id>@<calendar id>.
func TestUID(t *testing.T) {
	const doc = `calendar: {id: demo, name: Demo, timezone: Europe/Zurich}
events:
  - id: kept
    uid: "040000008200E00074C5B7101A82E008@example.org"
    title: Kept
    start: 2016-05-02 09:00
    duration: 1h
    repeat: {freq: weekly, count: 3}
    overrides:
      2016-05-09: {location: Room B}
  - {id: plain, title: Plain, start: 2016-05-02 11:00, duration: 1h}
`
	cal, err := calendar.Load("uid.yaml", strings.NewReader(doc), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range parse(t, render(t, r, allFeed(cal, "en"), "en")).Events() {
		got = append(got, ev.Props.Get(goical.PropUID).Value)
	}
	want := []string{"040000008200E00074C5B7101A82E008@example.org", "040000008200E00074C5B7101A82E008@example.org", "plain@demo"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UIDs (-want +got):\n%s", diff)
	}
}

func TestOnlyUsedZones(t *testing.T) {
	cal := loadFixture(t)
	r, _ := New(cal)
	b := string(render(t, r, Feed{Name: "x", Events: []*calendar.Event{cal.Event("zurich"), cal.Event("forum")}}, "en"))
	if strings.Count(b, "BEGIN:VTIMEZONE") != 1 || !strings.Contains(b, "TZID:Europe/Zurich") {
		t.Errorf("want exactly the Europe/Zurich VTIMEZONE:\n%s", b)
	}
	b = string(render(t, r, Feed{Name: "x", Events: []*calendar.Event{cal.Event("forum"), cal.Event("fall-back")}}, "en"))
	if strings.Contains(b, "BEGIN:VTIMEZONE") {
		t.Errorf("all-day and UTC events need no VTIMEZONE:\n%s", b)
	}
}

func TestUnknownLanguage(t *testing.T) {
	cal := loadFixture(t)
	r, _ := New(cal)
	if err := r.Write(&bytes.Buffer{}, allFeed(cal, "en"), "fr"); err == nil {
		t.Error("Write in a language the calendar lacks: no error")
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\rc\nd", "a\nb\nc\nd"},
		{"nul\x00bell\x07tab\t", "nulbelltab\t"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"中文；，", "中文；，"},
	}
	for _, tc := range tests {
		if got := text(tc.in); got != tc.want {
			t.Errorf("text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestICalDuration(t *testing.T) {
	tests := map[time.Duration]string{
		6 * time.Hour: "PT6H", 90 * time.Minute: "PT1H30M", 24 * time.Hour: "P1D",
		48 * time.Hour: "P2D", 30 * time.Minute: "PT30M", 0: "PT0S",
	}
	for d, want := range tests {
		if got := icalDuration(d); got != want {
			t.Errorf("icalDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestOneVTIMEZONEPerZone: events naming the same zone, each loaded from
// its own `timezone:` line (and even with distinct *time.Location values),
// share one VTIMEZONE (RFC 5545 §3.6.5: one per TZID).
func TestOneVTIMEZONEPerZone(t *testing.T) {
	src := `
calendar: {id: z, name: Z, timezone: UTC}
events:
  - {id: a, title: a, start: 2016-05-02 09:00, duration: 1h, timezone: Europe/Zurich}
  - {id: b, title: b, start: 2016-05-03 09:00, duration: 1h, timezone: Europe/Zurich}
  - {id: c, title: c, start: 2016-05-04 09:00, duration: 1h, timezone: Asia/Tokyo}
`
	cal, err := calendar.Load("z.yaml", strings.NewReader(src), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cal.Event("a").Location != cal.Event("b").Location {
		t.Error("the loader gave two events of one zone two *time.Location values")
	}
	other, _ := time.LoadLocation("Europe/Zurich") // a second *Location of the same zone
	cal.Event("b").Location = other
	cal.Event("b").Start, cal.Event("b").End = cal.Event("b").Start.In(other), cal.Event("b").End.In(other)
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	b := string(render(t, r, allFeed(cal, "en"), "en"))
	if n := strings.Count(b, "BEGIN:VTIMEZONE"); n != 2 {
		t.Errorf("%d VTIMEZONEs for two zones", n)
	}
	if strings.Count(b, "TZID:Europe/Zurich\r\n") != 1 {
		t.Errorf("Europe/Zurich VTIMEZONE repeated:\n%s", b)
	}
}

// TestLanguageOnFirstUse: New renders the first language alone; another
// is rendered when a feed first asks for it, and it makes the same bytes,
// and the same content hashes, as when rendered in any other order.
func TestLanguageOnFirstUse(t *testing.T) {
	cal := loadSynth(t, 300, 1)
	if len(cal.Languages) < 2 {
		t.Fatalf("synthetic calendar in %v; want two languages", cal.Languages)
	}
	first, second := cal.Languages[0], cal.Languages[1]
	r, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	if r.langs[0].pieces == nil || r.langs[1].pieces != nil {
		t.Fatalf("after New: %s rendered %v, %s rendered %v; want the first alone", first, r.langs[0].pieces != nil, second, r.langs[1].pieces != nil)
	}
	hashes, err := r.ContentHashes()
	if err != nil {
		t.Fatal(err)
	}
	if r.langs[1].pieces != nil {
		t.Fatalf("ContentHashes rendered %s for good; it should render it and let it go", second)
	}
	secondFeed := render(t, r, allFeed(cal, second), second)
	if r.langs[1].pieces == nil {
		t.Fatalf("a feed in %s did not render it", second)
	}
	after, err := r.ContentHashes()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(hashes, after); diff != "" {
		t.Errorf("content hashes change once %s is rendered (-before +after):\n%s", second, diff)
	}
	// A Renderer asked for the second language first.
	other, err := New(cal)
	if err != nil {
		t.Fatal(err)
	}
	if got := render(t, other, allFeed(cal, second), second); !bytes.Equal(got, secondFeed) {
		t.Errorf("the %s feed differs between two renderings", second)
	}
	if a, b := render(t, r, allFeed(cal, first), first), render(t, other, allFeed(cal, first), first); !bytes.Equal(a, b) {
		t.Errorf("the %s feed differs between two renderings", first)
	}
}
