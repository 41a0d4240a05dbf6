package web

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"calfeed/internal/reminder"
)

// alarms are the reminders feeds offer, as the server passes them.
var alarms = reminder.All()

// mustReminder parses a reminder of the tests.
func mustReminder(s string) reminder.Reminder {
	r, err := reminder.Parse(s)
	if err != nil {
		panic(err)
	}
	return r
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
		{name: "one hour", r: Request{Alarms: alarms, Alarm: mustReminder("1h")}, wantAlarm: "1h",
			want: []string{`<option value="1h" selected>1 hour before</option>`, `<option value="">No reminder</option>`, `data-alarm="1h"`,
				// The language switcher, the zone form and the agenda form keep it.
				`href="?alarm=1h&amp;lang=zh"`, `<input type="hidden" name="alarm" value="1h">`}},
		{name: "a reminder not offered is none", r: Request{Alarms: alarms, Alarm: reminder.Reminder(2 * time.Hour)}, wantNot: []string{"alarm=2h", "alarm%3D2h", `value="2h"`}},
		{name: "nothing to offer: no control", r: Request{Alarm: mustReminder("1h")}, wantNot: []string{`class="alarm"`, "alarm=1h", "alarm%3D1h"}},
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
