package web

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// alarms are the reminders package feed offers, as the server passes them.
var alarms = []string{"15m", "30m", "1h", "1d"}

func TestAlarmLabels(t *testing.T) {
	want := map[string][]string{
		"en": {"15 minutes before", "30 minutes before", "1 hour before", "1 day before"},
		"fr": {"15 minutes avant", "30 minutes avant", "1 heure avant", "1 jour avant"},
		"es": {"15 minutos antes", "30 minutos antes", "1 hora antes", "1 día antes"},
		"ru": {"за 15 минут", "за 30 минут", "за 1 час", "за 1 день"},
		"ar": {"قبل 15 دقيقة", "قبل 30 دقيقة", "قبل ساعة واحدة", "قبل يوم واحد"},
		"zh": {"提前 15 分钟", "提前 30 分钟", "提前 1 小时", "提前 1 天"},
	}
	for lang, labels := range want {
		tr := newTranslator(lang)
		var got []string
		for _, a := range alarms {
			got = append(got, tr.alarmLabel(a))
		}
		if diff := cmp.Diff(labels, got); diff != "" {
			t.Errorf("%s labels (-want +got):\n%s", lang, diff)
		}
	}
	tr := newTranslator("ru")
	for v, want := range map[string]string{"2h": "за 2 часа", "5m": "за 5 минут", "21d": "за 21 день", "": "", "h": "h", "0m": "0m", "-1h": "-1h", "+1h": "+1h", "1w": "1w", "1.5h": "1.5h"} {
		if got := tr.alarmLabel(v); got != want {
			t.Errorf("ru alarmLabel(%q) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[string]int{"15m": 15, "1h": 60, "1d": 1440, "2x": 0} {
		if got := alarmMinutes(v); got != want {
			t.Errorf("alarmMinutes(%q) = %d, want %d", v, got, want)
		}
	}
}

// boxRE finds each feed's box on the page: its id and its HTML.
var boxRE = regexp.MustCompile(`(?s)<details class="feed" id="([^"]+)".*?</details>\n</div>\n</details>`)

// feedRefs are every address of the feed a box's links and fields carry,
// decoded: client links, webcal, the download, the addresses shown beside
// the buttons, the copy button and the address field.
func feedRefs(t *testing.T, box string) []string {
	t.Helper()
	var out []string
	for _, h := range hrefs(box) {
		if strings.HasPrefix(h, "webcal:") || strings.Contains(h, ".ics") || strings.Contains(h, "addfromweb") || strings.Contains(h, "cid=") {
			out = append(out, h)
		}
	}
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`<code class="feed-url" dir="ltr">([^<]*)</code>`),
		regexp.MustCompile(`class="feed-url" type="text" readonly value="([^"]*)"`),
		regexp.MustCompile(`data-copy="([^"]*)"`),
	} {
		for _, m := range re.FindAllStringSubmatch(box, -1) {
			out = append(out, html.UnescapeString(m[1]))
		}
	}
	if len(out) != 5+5+2 {
		t.Fatalf("%d feed addresses in a box, want 12 (5 buttons, 5 pasted, a field and a copy button)", len(out))
	}
	return out
}

func TestPageAlarm(t *testing.T) {
	s := newSite(t)
	cal := load(t, hostileYAML)
	tests := []struct {
		name      string
		r         Request
		wantAlarm string // every feed link carries alarm=this; "" none
		wantNot   []string
		want      []string
	}{
		{name: "no reminder by default", r: Request{Alarms: alarms},
			want: []string{`<option value="" selected>No reminder</option>`, `<option value="1h">1 hour before</option>`, `<label for="track-gender-alarm">Reminder</label>`}},
		{name: "one hour", r: Request{Alarms: alarms, Alarm: "1h"}, wantAlarm: "1h",
			want: []string{`<option value="1h" selected>1 hour before</option>`, `<option value="">No reminder</option>`, `data-alarm="1h"`,
				// The language switcher, the zone form and the agenda form keep it.
				`href="?alarm=1h&amp;lang=zh"`, `<input type="hidden" name="alarm" value="1h">`}},
		{name: "a reminder not offered is none", r: Request{Alarms: alarms, Alarm: "2h"}, wantNot: []string{"alarm=2h", "alarm%3D2h", `value="2h"`}},
		{name: "nothing to offer: no control", r: Request{Alarm: "1h"}, wantNot: []string{`class="alarm"`, "alarm=1h", "alarm%3D1h"}},
		{name: "the form keeps the page", r: Request{Alarms: alarms, Zone: ParseZone("Asia/Tokyo"), Agenda: []string{"keynote"}, Open: "gender"},
			want: []string{`<form class="alarm" method="get" action="#track-gender">
<input type="hidden" name="lang" value="en">
<input type="hidden" name="tz" value="Asia/Tokyo">
<input type="hidden" name="events" value="keynote">
<input type="hidden" name="open" value="gender">`, `<details class="feed" id="track-gender" open>`,
				`<form class="alarm" method="get" action="#agenda">
<input type="hidden" name="lang" value="en">
<input type="hidden" name="tz" value="Asia/Tokyo">
<input type="hidden" name="events" value="keynote">
<label for="agenda-alarm">`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			r.Cal, r.Base, r.Lang = cal, base, "en"
			page := render(t, func(b *bytes.Buffer) error { return s.Page(b, r) })
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("page holds %q", w)
				}
			}
			boxes := boxRE.FindAllStringSubmatch(page, -1)
			if len(boxes) != 3 {
				t.Fatalf("%d feed boxes, want 3", len(boxes))
			}
			for _, b := range boxes {
				id, box := b[1], b[0]
				for _, ref := range feedRefs(t, box) {
					has := strings.Contains(ref, "alarm%3D"+tc.wantAlarm) || strings.Contains(ref, "alarm="+tc.wantAlarm)
					if tc.wantAlarm == "" {
						has = !strings.Contains(ref, "alarm")
					}
					if !has {
						t.Errorf("%s: %q, want alarm=%q in it", id, ref, tc.wantAlarm)
					}
				}
				// The script's templates and plain address never carry one.
				if strings.Contains(box, `data-url="https://cal.example.test/`) && regexp.MustCompile(`data-(url|path|tmpl)="[^"]*alarm`).MatchString(box) {
					t.Errorf("%s: a template carries a reminder", id)
				}
			}
		})
	}
}

func TestFeedsJSONAlarmsAndEvents(t *testing.T) {
	s := newSite(t)
	cal := load(t, rulesYAML+`
  - {id: changed, title: Changed, start: 2016-03-03 09:00, duration: 1h, location: Room A, status: tentative,
     repeat: {freq: weekly, count: 3, except: [2016-03-10], also: [2016-03-20]},
     overrides: {2016-03-17: {start: 2016-03-17 10:00, location: Room B, status: cancelled}}}
`)
	out := render(t, func(b *bytes.Buffer) error {
		return s.FeedsJSON(b, Request{Cal: cal, Base: base, Lang: "en", Alarms: alarms})
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
		for _, a := range alarms {
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
