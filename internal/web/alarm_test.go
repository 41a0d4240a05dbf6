package web

import (
	"bytes"
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
			got = append(got, AlarmLabel(tr, a))
		}
		if diff := cmp.Diff(labels, got); diff != "" {
			t.Errorf("%s labels (-want +got):\n%s", lang, diff)
		}
	}
	tr := newTranslator("ru")
	for v, want := range map[string]string{"2h": "за 2 часа", "5m": "за 5 минут", "21d": "за 21 день", "": "", "h": "h", "0m": "0m", "-1h": "-1h", "+1h": "+1h", "1w": "1w", "1.5h": "1.5h"} {
		if got := AlarmLabel(tr, v); got != want {
			t.Errorf("ru alarmLabel(%q) = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[string]int{"15m": 15, "1h": 60, "1d": 1440, "2x": 0} {
		if got := AlarmMinutes(v); got != want {
			t.Errorf("AlarmMinutes(%q) = %d, want %d", v, got, want)
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
