package feedsjson

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
	"calfeed/internal/reminder"
	"calfeed/internal/web"
)

const base = "https://cal.example.test"

var alarms = reminder.All()

// hostileYAML is a calendar whose every text tries to break out of HTML,
// URLs and JSON.
const hostileYAML = `
calendar:
  id: hostile
  name: {en: "Cal <b>bold</b> & \"quoted\" #1 + 50%", zh: "日历 & <i>朋友</i>"}
  description: {en: "Desc <script>alert(1)</script>", zh: 描述}
  timezone: America/New_York
  languages: [en, zh]
tracks:
  - id: gender
    name: {en: "Gender & <i>equality</i> #1 + more", zh: "性别 & 平等"}
    description: "Track </script><script>alert(2)</script>"
    color: "#C2185B"
  - id: measurement
    name: Measurement
events:
  - id: keynote
    title: {en: "Opening <img src=x onerror=alert(3)> & \"welcome\" + #tag", zh: "开幕式 & 欢迎"}
    description: "Line one\nLine two <a href=javascript:alert(4)>x</a>"
    start: 2015-12-14 13:15
    end: 2015-12-14 14:30
    location: "Room 11 & <b>hall</b>"
    tracks: [gender]
    url: https://example.org/a?b=1&c=2
  - id: allday
    title: All-day thing
    start: 2015-12-15
    end: 2015-12-16
    tracks: [measurement]
  - id: dropped
    title: Dropped
    start: 2015-12-16 09:00
    duration: 1h
    status: cancelled
`

const rulesYAML = `
calendar:
  id: rules
  name: Rules
  timezone: Europe/Zurich
  languages: [en]
events:
  - {id: weekly-until, title: A, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: weekly, days: [th], until: 2016-06-30}}
  - {id: weekly-default, title: B, start: 2016-05-05 09:00, duration: 1h, repeat: {freq: weekly, count: 4}}
  - {id: fortnightly, title: C, start: 2016-03-22 18:30, duration: 1h, repeat: {freq: weekly, interval: 2, days: [tu, th], count: 30}}
  - {id: three-days, title: D, start: 2016-03-23 18:30, duration: 1h, repeat: {freq: weekly, days: [mo, we, fr]}}
  - {id: daily, title: E, start: 2016-10-24 13:00, duration: 30m, repeat: {freq: daily, count: 10}}
  - {id: every-5-days, title: F, start: 2016-10-24 13:00, duration: 30m, repeat: {freq: daily, interval: 5, count: 21}}
  - {id: last-friday, title: G, start: 2016-01-29 12:00, duration: 1h, repeat: {freq: monthly, days: [-1fr]}}
  - {id: second-wednesday, title: H, start: 2016-01-13 12:00, duration: 1h, repeat: {freq: monthly, interval: 3, days: [2we], until: 2016-12-31}}
  - {id: first-sunday, title: I, start: 2016-05-01 12:00, duration: 1h, repeat: {freq: monthly, days: [1su], count: 2}}
  - {id: month-day, title: J, start: 2016-01-22, end: 2016-01-22, repeat: {freq: monthly, count: 12}}
  - {id: first-of-month, title: K, start: 2016-02-01 08:00, duration: 1h, repeat: {freq: monthly, interval: 2, count: 3}}
  - {id: yearly, title: L, start: 2016-05-02, end: 2016-05-06, repeat: {freq: yearly, count: 4}}
  - {id: one-off, title: M, start: 2016-05-02 10:00, duration: 1h}
`

func load(t testing.TB, yaml string) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.Load("test.yaml", strings.NewReader(yaml), calendar.Options{})
	if err != nil {
		t.Fatalf("calendar.Load: %v", err)
	}
	return cal
}

func render(t testing.TB, f func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestFeedsJSON(t *testing.T) {
	cal := load(t, hostileYAML)
	out := render(t, func(b *bytes.Buffer) error { return Write(b, web.Request{Cal: cal, Base: base, Lang: "zh"}) })
	var doc struct {
		Calendar struct {
			Name      string   `json:"name"`
			Language  string   `json:"language"`
			Languages []string `json:"languages"`
			Page      string   `json:"page"`
		} `json:"calendar"`
		Feeds []struct {
			ID        string            `json:"id"`
			Name      string            `json:"name"`
			Events    int               `json:"events"`
			URL       string            `json:"url"`
			Webcal    string            `json:"webcal"`
			Google    string            `json:"google"`
			Outlook   string            `json:"outlook"`
			Office365 string            `json:"office365"`
			Subscribe map[string]string `json:"subscribe"`
			QR        map[string]string `json:"qr"`
			Page      string            `json:"page"`
		} `json:"feeds"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("feeds.json: %v\n%s", err, out)
	}
	if doc.Calendar.Name != "日历 & <i>朋友</i>" || doc.Calendar.Language != "zh" || doc.Calendar.Page != base+"/?lang=zh" {
		t.Errorf("calendar = %+v", doc.Calendar)
	}
	if len(doc.Feeds) != 3 {
		t.Fatalf("%d feeds, want 3", len(doc.Feeds))
	}
	for _, f := range doc.Feeds {
		wantURL := base + "/calendar.ics?lang=zh"
		if f.ID != "all" {
			wantURL = base + "/tracks/" + f.ID + ".ics?lang=zh"
		}
		if f.URL != wantURL {
			t.Errorf("%s: url = %q, want %q", f.ID, f.URL, wantURL)
		}
		if f.Webcal != "webcal://cal.example.test"+strings.TrimPrefix(wantURL, base) {
			t.Errorf("%s: webcal = %q", f.ID, f.Webcal)
		}
		for name, link := range map[string]string{"google": f.Google, "outlook": f.Outlook, "office365": f.Office365} {
			u, err := url.Parse(link)
			if err != nil {
				t.Fatalf("%s %s: %v", f.ID, name, err)
			}
			got := u.Query().Get("url")
			if name == "google" {
				got = u.Query().Get("cid")
			}
			if got != wantURL {
				t.Errorf("%s: %s link carries %q, want %q", f.ID, name, got, wantURL)
			}
			if name != "google" && u.Query().Get("name") != f.Name {
				t.Errorf("%s: %s name = %q, want %q", f.ID, name, u.Query().Get("name"), f.Name)
			}
		}
		for _, c := range []string{"google", "outlook", "office365", "apple", "ics"} {
			if want := base + "/subscribe/" + c + "/" + f.ID + "?lang=zh"; f.Subscribe[c] != want {
				t.Errorf("%s: subscribe[%s] = %q, want %q", f.ID, c, f.Subscribe[c], want)
			}
		}
		if f.QR["svg"] != base+"/qr/"+f.ID+".svg?lang=zh" {
			t.Errorf("%s: qr = %v", f.ID, f.QR)
		}
	}
	if doc.Feeds[1].Name != "日历 & <i>朋友</i> · 性别 & 平等" || doc.Feeds[1].Events != 1 || doc.Feeds[0].Events != 3 {
		t.Errorf("feeds = %+v", doc.Feeds)
	}
}

// TestQRSVG draws the SVG's path back into modules and compares them with
// the encoder's own bitmap.
func TestFeedsJSONAlarmsAndEvents(t *testing.T) {
	cal := load(t, rulesYAML+`
  - {id: changed, title: Changed, start: 2016-03-03 09:00, duration: 1h, location: Room A, status: tentative,
     repeat: {freq: weekly, count: 3, except: [2016-03-10], also: [2016-03-20]},
     overrides: {2016-03-17: {start: 2016-03-17 10:00, location: Room B, status: cancelled}}}
`)
	out := render(t, func(b *bytes.Buffer) error {
		return Write(b, web.Request{Cal: cal, Base: base, Lang: "en", Alarms: alarms})
	})
	// The alarms object keeps the order of the reminders.
	if i, j := strings.Index(out, `"1h": {`), strings.Index(out, `"1d": {`); i < 0 || j < i {
		t.Errorf("alarms not in the order 15m, 30m, 1h, 1d:\n%s", out)
	}
	type links struct {
		URL, Webcal, Google, Outlook, Office365 string
		Subscribe                               map[string]string
	}
	var doc struct {
		Calendar struct {
			Alarms []struct {
				Alarm   string
				Minutes int
				Label   string
			}
		}
		Feeds []struct {
			ID string
			links
			Alarms map[string]links
		}
		Events []struct {
			ID, Title, Start, End, TimeZone, Status, URL, Page, Rule, Location string
			AllDay                                                             bool `json:"all_day"`
			Tracks                                                             []string
			Occurrences                                                        []struct{ Start, End, Status, Title, Location string }
			More                                                               bool `json:"more_occurrences"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Calendar.Alarms; len(got) != 4 || got[2].Alarm != "1h" || got[2].Minutes != 60 || got[2].Label != "1 hour before" {
		t.Errorf("calendar.alarms = %+v", got)
	}
	for _, f := range doc.Feeds {
		if len(f.Alarms) != 4 {
			t.Errorf("%s: %d alarms, want 4", f.ID, len(f.Alarms))
		}
		for _, r := range alarms {
			a := r.String()
			l := f.Alarms[a]
			if want := f.URL + "?alarm=" + a; l.URL != want {
				t.Errorf("%s %s: url = %q, want %q", f.ID, a, l.URL, want)
			}
			for name, got := range map[string]string{"webcal": l.Webcal, "google": l.Google, "outlook": l.Outlook, "office365": l.Office365} {
				if !strings.Contains(got, "alarm%3D"+a) && !strings.HasSuffix(got, "?alarm="+a) {
					t.Errorf("%s %s: %s = %q carries no reminder", f.ID, a, name, got)
				}
			}
			for c, u := range l.Subscribe {
				if want := f.Subscribe[c] + "?alarm=" + a; u != want {
					t.Errorf("%s %s: subscribe[%s] = %q, want %q", f.ID, a, c, u, want)
				}
			}
		}
	}
	events := map[string]int{}
	for i, e := range doc.Events {
		events[e.ID] = i
	}
	if len(doc.Events) != len(cal.Events) {
		t.Fatalf("%d events, want %d", len(doc.Events), len(cal.Events))
	}
	one := doc.Events[events["one-off"]]
	if one.Start != "2016-05-02T08:00:00Z" || one.End != "2016-05-02T09:00:00Z" || one.TimeZone != "Europe/Zurich" || one.Rule != "" || one.Occurrences != nil ||
		one.URL != base+"/events/one-off.ics" || one.Page != base+"/#event-one-off" || one.Status != "confirmed" || one.Tracks == nil {
		t.Errorf("one-off = %+v", one)
	}
	y := doc.Events[events["yearly"]]
	if !y.AllDay || y.Start != "2016-05-02" || y.End != "2016-05-07" || y.Rule != "Every year on 2 May, 4 times" || len(y.Occurrences) != 4 || y.More ||
		y.Occurrences[3].Start != "2019-05-02" || y.Occurrences[3].End != "2019-05-07" {
		t.Errorf("yearly = %+v", y)
	}
	// A rule without end: the first ten, and more.
	lf := doc.Events[events["last-friday"]]
	if len(lf.Occurrences) != maxJSONOccurrences || !lf.More || lf.Occurrences[9].Start != "2016-10-28T10:00:00Z" {
		t.Errorf("last-friday = %+v", lf)
	}
	// Excepted dates left out, extra dates in, overrides applied.
	c := doc.Events[events["changed"]]
	type occ = struct{ Start, End, Status, Title, Location string }
	want := []occ{
		{Start: "2016-03-03T08:00:00Z", End: "2016-03-03T09:00:00Z", Status: "tentative"},
		{Start: "2016-03-17T09:00:00Z", End: "2016-03-17T10:00:00Z", Status: "cancelled", Location: "Room B"},
		{Start: "2016-03-20T08:00:00Z", End: "2016-03-20T09:00:00Z", Status: "tentative"},
	}
	if diff := cmp.Diff(want, c.Occurrences); diff != "" || c.Rule != "Every Thursday, 3 times" {
		t.Errorf("changed: rule %q, occurrences (-want +got):\n%s", c.Rule, diff)
	}
}
