package web

import (
	"bytes"
	"html"
	"image"
	"image/png"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	qrcode "github.com/skip2/go-qrcode"

	"calfeed/internal/calendar"

	_ "time/tzdata"
)

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

func load(t testing.TB, yaml string) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.Load("test.yaml", strings.NewReader(yaml), calendar.Options{})
	if err != nil {
		t.Fatalf("calendar.Load: %v", err)
	}
	return cal
}

// seed is the repository's events.yaml.
func seed(t testing.TB) *calendar.Calendar {
	t.Helper()
	cal, err := calendar.ReadFile(t.Context(), "../../events.yaml", calendar.Options{})
	if err != nil {
		t.Fatalf("reading events.yaml: %v", err)
	}
	return cal
}

func newSite(t testing.TB) *Site {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func render(t testing.TB, f func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

const base = "https://cal.example.test"

func TestNegotiate(t *testing.T) {
	data := []string{"zh", "en"}
	tests := []struct {
		query, accept string
		data          []string
		want          string
	}{
		{"", "", data, "zh"},
		{"ar", "", data, "ar"},
		{"en", "fr", data, "en"},
		{"xx", "es-MX,es;q=0.9", data, "es"},
		{"", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", data, "fr"},
		{"", "de, ja;q=0.9", data, "zh"},
		{"", "de, en;q=0.2", data, "en"},
		{"", "en;q=0.1, ru;q=0.5", data, "ru"},
		{"", "zh-TW", data, "zh"},
		{"", "zh-Hans-CN;q=0.8, ar;q=0", data, "zh"},
		{"", "ar;q=0, fr;q=0.1", data, "fr"},
		{"", "ZH-cn", []string{"en"}, "zh"},
		{"pt", "", []string{"pt-BR", "en"}, "pt-BR"},
		{"", "pt-PT", []string{"en", "pt-BR"}, "pt-BR"},
		{"", ";;;,,q=,en;q=abc", data, "zh"},
	}
	for _, tc := range tests {
		if got := Negotiate(tc.query, tc.accept, tc.data); got != tc.want {
			t.Errorf("Negotiate(%q, %q, %v) = %q, want %q", tc.query, tc.accept, tc.data, got, tc.want)
		}
	}
	if got := DataLanguage("ar", data); got != "zh" {
		t.Errorf("DataLanguage(ar) = %q, want the default zh", got)
	}
	if got := DataLanguage("en", data); got != "en" {
		t.Errorf("DataLanguage(en) = %q", got)
	}
	if Direction("ar") != "rtl" || Direction("ar-EG") != "rtl" || Direction("zh") != "ltr" {
		t.Error("Direction: ar must be rtl and zh ltr")
	}
}

func TestDates(t *testing.T) {
	d := time.Date(2015, 12, 14, 0, 0, 0, 0, time.UTC)
	first := time.Date(2016, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		lang, long, short string
	}{
		{"en", "Monday 14 December 2015", "Mon 14 Dec"},
		{"fr", "lundi 14 décembre 2015", "lun. 14 déc."},
		{"es", "lunes, 14 de diciembre de 2015", "lun, 14 dic"},
		{"ru", "понедельник, 14 декабря 2015 г.", "пн, 14 дек."},
		{"zh", "2015年12月14日 星期一", "12月14日 周一"},
		{"ar", "الاثنين، 14 ديسمبر 2015", "الاثنين 14 ديسمبر"},
		{"de", "Monday 14 December 2015", "Mon 14 Dec"}, // no words of its own: English
	}
	for _, tc := range tests {
		tr := newTranslator(tc.lang)
		if got := tr.LongDate(d); got != tc.long {
			t.Errorf("%s: LongDate = %q, want %q", tc.lang, got, tc.long)
		}
		if got := tr.ShortDate(d); got != tc.short {
			t.Errorf("%s: ShortDate = %q, want %q", tc.lang, got, tc.short)
		}
	}
	if got := newTranslator("fr").LongDate(first); got != "dimanche 1er mai 2016" {
		t.Errorf("fr first of the month = %q", got)
	}
}

func TestParseZone(t *testing.T) {
	for name, ok := range map[string]bool{
		"Asia/Shanghai": true, "America/Argentina/Buenos_Aires": true, "UTC": true, "Etc/GMT+5": true,
		"": false, "Local": false, "EST": false, "Mars/Olympus": false, "../../etc/passwd": false,
		"/etc/localtime": false, "Asia/Shanghai\n": false, "Asia/Shang hai": false, strings.Repeat("A/", 40): false,
	} {
		if got := ParseZone(name); (got != nil) != ok {
			t.Errorf("ParseZone(%q) = %v, want ok=%v", name, got, ok)
		}
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// hrefs returns the unescaped href attributes of a page.
func hrefs(page string) []string {
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// TestPageLinks reads every client link back with net/url: each carries
// the absolute URL of one feed, in the data language of the page.
func TestPageLinks(t *testing.T) {
	s := newSite(t)
	cal := seed(t)
	for _, lang := range []string{"zh", "en", "ar"} {
		page := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: lang}) })
		suffix := ""
		if lang == "en" {
			suffix = "?lang=en"
		}
		feeds := []string{base + "/calendar.ics" + suffix}
		for _, id := range []string{"gender", "measurement", "action-lines"} {
			feeds = append(feeds, base+"/tracks/"+id+".ics"+suffix)
		}
		got := map[string][]string{} // client -> feed URLs linked
		for _, h := range hrefs(page) {
			u, err := url.Parse(h)
			if err != nil {
				t.Fatalf("%s: href %q: %v", lang, h, err)
			}
			q := u.Query()
			switch {
			case u.Host == "calendar.google.com" && q.Has("cid"):
				got["google"] = append(got["google"], q.Get("cid"))
			case u.Host == "outlook.live.com" && strings.HasSuffix(u.Path, "/addfromweb"):
				got["outlook"] = append(got["outlook"], q.Get("url"))
			case u.Host == "outlook.office.com" && strings.HasSuffix(u.Path, "/addfromweb"):
				got["office365"] = append(got["office365"], q.Get("url"))
			case u.Scheme == "webcal":
				got["apple"] = append(got["apple"], "https://"+strings.TrimPrefix(h, "webcal://"))
			case strings.HasSuffix(u.Path, ".ics") && !strings.HasPrefix(u.Path, "events/") && u.Scheme == "":
				got["ics"] = append(got["ics"], base+"/"+h)
			}
		}
		for _, client := range []string{"google", "outlook", "office365", "apple", "ics"} {
			// The agenda box's buttons, no event chosen yet, lead to its
			// section (TestPageAgenda).
			if diff := cmp.Diff(feeds, got[client]); diff != "" {
				t.Errorf("%s page: %s links (-want +got):\n%s", lang, client, diff)
			}
		}
	}
}

func TestPageLanguages(t *testing.T) {
	s := newSite(t)
	cal := seed(t)
	tests := []struct {
		lang string
		want []string
	}{
		{"zh", []string{`<html lang="zh" dir="ltr">`, "<h2 id=\"subscribe-h\">订阅</h2>", "WSIS&#43;10 高级别会议及会外活动", "2015年12月14日 星期一", "纽约"}},
		{"en", []string{`<html lang="en" dir="ltr">`, "<h2 id=\"subscribe-h\">Subscribe</h2>", "Monday 14 December 2015", "Conference Room 11, UN Headquarters"}},
		{"ar", []string{`<html lang="ar" dir="rtl">`, "<h2 id=\"subscribe-h\">الاشتراك</h2>", `lang="zh" dir="ltr"`, "الاثنين، 14 ديسمبر 2015", "联合国总部 11 号会议厅", "تفاصيل الفعاليات باللغة 中文"}},
		{"fr", []string{`<html lang="fr" dir="ltr">`, "S&#39;abonner", "lundi 14 décembre 2015"}},
		{"ru", []string{"Подписка", "понедельник, 14 декабря 2015 г."}},
		{"es", []string{"Suscribirse", "lunes, 14 de diciembre de 2015"}},
	}
	for _, tc := range tests {
		page := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: tc.lang}) })
		for _, w := range tc.want {
			if tc.lang == "zh" && w == "纽约" {
				continue // place names come from the data; the zone's city stays as IANA spells it
			}
			if !strings.Contains(page, w) {
				t.Errorf("%s page lacks %q", tc.lang, w)
			}
		}
	}
}

// TestPageWordsLanguage: a calendar in languages the page has no words in
// (German, Hebrew) is shown in them with English words around: the page
// is marked as English, the calendar's texts as theirs, and the switcher
// names each language in itself.
func TestPageWordsLanguage(t *testing.T) {
	s := newSite(t)
	cal := load(t, `calendar:
  id: forum
  name: {de: Forum Deutsch, he: פורום, en: Forum English}
  timezone: Europe/Berlin
  languages: [de, he, en]
tracks: [{id: talks, name: {de: Vorträge, he: הרצאות, en: Talks}}]
events:
  - {id: talk, title: {de: Eröffnung, he: פתיחה, en: Opening}, start: 2026-05-04 09:00, duration: 1h, tracks: [talks]}
`)
	for _, tc := range []struct {
		lang string
		want []string
		not  []string
	}{
		{"de", []string{`<html lang="en" dir="ltr"`, `<h1 lang="de" dir="ltr">Forum Deutsch</h1>`, `<span class="title" lang="de" dir="ltr">Eröffnung</span>`,
			"<h2 id=\"subscribe-h\">Subscribe</h2>", `lang="de" hreflang="de" dir="ltr" aria-current="page" data-keep-agenda>Deutsch</a>`,
			`lang="he" hreflang="he" dir="rtl" data-keep-agenda>עברית</a>`},
			[]string{`<html lang="de"`}},
		{"he", []string{`<html lang="en" dir="ltr"`, `<h1 lang="he" dir="rtl">פורום</h1>`, `<span class="title" lang="he" dir="rtl">פתיחה</span>`}, nil},
		{"en", []string{`<html lang="en" dir="ltr"`, `<h1 >Forum English</h1>`}, []string{`<h1 lang=`}},
		{"fr", []string{`<html lang="fr" dir="ltr"`, `<h1 lang="de" dir="ltr">Forum Deutsch</h1>`, "S&#39;abonner"}, nil},
	} {
		page := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: tc.lang}) })
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s page lacks %q", tc.lang, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(page, w) {
				t.Errorf("%s page has %q", tc.lang, w)
			}
		}
	}
	// The email snippet likewise.
	snippet := render(t, func(b *bytes.Buffer) error { return s.Embed(b, Request{Cal: cal, Base: base, Lang: "de"}) })
	for _, w := range []string{`<table role="presentation" lang="en" dir="ltr"`, `lang="de" dir="ltr">Forum Deutsch</td>`,
		`lang="de" dir="ltr">Vorträge</p>`, `color:#1b1b1b;" >All events</p>`, `<span >Every event of the programme, in every track.</span>`} {
		if !strings.Contains(snippet, w) {
			t.Errorf("de snippet lacks %q", w)
		}
	}
}

func TestPageReaderZone(t *testing.T) {
	s := newSite(t)
	cal := seed(t)
	sh, la := ParseZone("Asia/Shanghai"), ParseZone("America/Los_Angeles")
	for _, tc := range []struct {
		zone *time.Location
		want string
	}{
		// 13:15 in New York on 14 December 2015 (UTC−5).
		{sh, `<span class="reader-label">Your time (Asia/Shanghai)</span> <bdi class="reader-time" dir="ltr">02:15–03:30, Tue 15 Dec</bdi>`},
		{la, `<span class="reader-label">Your time (America/Los_Angeles)</span> <bdi class="reader-time" dir="ltr">10:15–11:30</bdi>`},
	} {
		page := render(t, func(b *bytes.Buffer) error {
			return s.Page(b, Request{Cal: cal, Base: base, Lang: "en", Zone: tc.zone})
		})
		if !strings.Contains(page, tc.want) {
			t.Errorf("%s: page lacks %q", tc.zone, tc.want)
		}
		if !strings.Contains(page, `data-tz="`+tc.zone.String()+`"`) {
			t.Errorf("%s: no data-tz for the script", tc.zone)
		}
	}
	page := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: "en"}) })
	if strings.Contains(page, "data-tz") {
		t.Error("data-tz without a zone")
	}
	if !strings.Contains(page, `data-start="2015-12-14T18:15:00Z" data-end="2015-12-14T19:30:00Z" data-day="2015-12-14" hidden`) {
		t.Error("the reader's time is not left hidden for the script to fill")
	}
}

func TestPageEscapes(t *testing.T) {
	s := newSite(t)
	cal := load(t, hostileYAML)
	for _, lang := range []string{"en", "zh", "ar"} {
		page := render(t, func(b *bytes.Buffer) error {
			return s.Page(b, Request{Cal: cal, Base: base, Lang: lang, Agenda: []string{"keynote", "<script>"}})
		})
		for _, bad := range []string{"<script>alert", "<b>bold", "<i>", "<img", "<a href=javascript", "</script><script>"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: page holds %q unescaped", lang, bad)
			}
		}
		if lang == "en" {
			for _, want := range []string{"Opening &lt;img src=x onerror=alert(3)&gt; &amp; &#34;welcome&#34; &#43; #tag", "Room 11 &amp; &lt;b&gt;hall&lt;/b&gt;"} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks the escaped %q", want)
				}
			}
		}
		if n := strings.Count(page, "<script"); n != 1 {
			t.Errorf("%s: %d script elements, want the one static/app.js", lang, n)
		}
	}
	// The links still carry the hostile text, exactly, once decoded.
	page := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: "en"}) })
	var titles []string
	for _, h := range hrefs(page) {
		u, _ := url.Parse(h)
		if u != nil && u.Query().Get("action") == "TEMPLATE" {
			titles = append(titles, u.Query().Get("text"))
		}
		if u != nil && strings.HasSuffix(u.Path, "/addfromweb") && strings.Contains(u.Query().Get("url"), "gender") {
			if got, want := u.Query().Get("name"), `Cal <b>bold</b> & "quoted" #1 + 50% · Gender & <i>equality</i> #1 + more`; got != want {
				t.Errorf("Outlook name = %q, want %q", got, want)
			}
		}
	}
	want := []string{`Opening <img src=x onerror=alert(3)> & "welcome" + #tag`, "All-day thing", "Cancelled: Dropped"}
	if diff := cmp.Diff(want, titles); diff != "" {
		t.Errorf("Google event titles (-want +got):\n%s", diff)
	}
}

func TestPageAgenda(t *testing.T) {
	s := newSite(t)
	cal := load(t, hostileYAML)
	page := render(t, func(b *bytes.Buffer) error {
		return s.Page(b, Request{Cal: cal, Base: base, Lang: "en", Agenda: []string{"dropped", "keynote", "nope", "keynote"}})
	})
	for _, want := range []string{
		`<p class="agenda-count" role="status"`, ">2 events chosen</p>",
		`value="https://cal.example.test/calendar.ics?events=keynote,dropped"`,
		`id="pick-keynote" name="events" value="keynote" data-order="0" form="agenda-form" checked`,
		`id="pick-dropped" name="events" value="dropped" data-order="2" form="agenda-form" checked`,
		`id="pick-allday" name="events" value="allday" data-order="1" form="agenda-form" aria-describedby`,
		`data-tmpl="https://calendar.google.com/calendar/render?cid={url}"`,
		`data-tmpl="{webcal}"`, `data-tmpl="{path}"`,
		`data-feed-base="https://cal.example.test/calendar.ics"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, `class="agenda-feed" hidden`) {
		t.Error("agenda feed hidden with events chosen")
	}
	empty := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: "en"}) })
	if !strings.Contains(empty, `<div class="agenda-feed" hidden>`) || !strings.Contains(empty, "No event chosen yet.") {
		t.Error("agenda without events is not hidden")
	}
	// The hidden box's buttons lead to the agenda's section until events
	// are ticked: a link checker following one would find a 400 for
	// ?events= of none. Ticked, every button links to the agenda's feed.
	noEvents := regexp.MustCompile(`events=($|&|")`)
	// Each keeps its template, from which the script makes its link.
	if n := len(regexp.MustCompile(`<a class="btn" href="#agenda"[^>]* data-tmpl="[^"]+"`).FindAllString(empty, -1)); n != 5 {
		t.Errorf("%d buttons of the empty agenda lead to its section with a template, want 5", n)
	}
	for page, links := range map[string]int{empty: 0, page: 5} {
		n := 0
		for _, h := range hrefs(page) {
			u, err := url.QueryUnescape(h)
			if err != nil {
				u = h
			}
			if noEvents.MatchString(u) {
				t.Errorf("a link names no event: %s", h)
			}
			if strings.Contains(u, "calendar.ics?events=keynote,dropped") {
				n++
			}
		}
		if n != links {
			t.Errorf("%d links to the agenda's feed, want %d", n, links)
		}
	}
}

func TestPageDeterministic(t *testing.T) {
	s := newSite(t)
	cal := seed(t)
	r := Request{Cal: cal, Base: base, Lang: "zh"}
	a := render(t, func(b *bytes.Buffer) error { return s.Page(b, r) })
	b := render(t, func(b *bytes.Buffer) error { return newSite(t).Page(b, r) })
	if a != b {
		t.Error("two renderings of one request differ")
	}
}

func TestEmbed(t *testing.T) {
	s := newSite(t)
	cal := load(t, hostileYAML)
	for _, lang := range []string{"en", "zh", "ar"} {
		out := render(t, func(b *bytes.Buffer) error { return s.Embed(b, Request{Cal: cal, Base: base, Lang: lang}) })
		if !strings.HasPrefix(out, "<table ") {
			t.Errorf("%s embed starts with %.20q, want the table itself (pasted, a leading blank line shows)", lang, out)
		}
		text := render(t, func(b *bytes.Buffer) error { return s.EmbedText(b, Request{Cal: cal, Base: base, Lang: lang}) })
		if text == "" || strings.TrimSpace(text[:1]) == "" {
			t.Errorf("%s text embed starts with a blank", lang)
		}
		for _, bad := range []string{"<script", "class=", "<style", "<link", "<img", "<b>", "<i>"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s embed holds %q", lang, bad)
			}
		}
		for _, h := range hrefs(out) {
			if !strings.HasPrefix(h, base+"/") {
				t.Errorf("%s embed: link %q is not absolute on the site", lang, h)
			}
		}
		for _, id := range []string{"all", "gender", "measurement"} {
			for _, c := range []string{"google", "outlook", "office365", "apple"} {
				if !strings.Contains(out, `href="`+base+"/subscribe/"+c+"/"+id) {
					t.Errorf("%s embed: no /subscribe/%s/%s link", lang, c, id)
				}
			}
		}
	}
	ar := render(t, func(b *bytes.Buffer) error { return s.Embed(b, Request{Cal: cal, Base: base, Lang: "ar"}) })
	if !strings.Contains(ar, `dir="rtl"`) || !strings.Contains(ar, "border-right:6px solid #C2185B") || !strings.Contains(ar, "text-align:right") {
		t.Error("Arabic embed is not right to left")
	}
	one := render(t, func(b *bytes.Buffer) error {
		return s.Embed(b, Request{Cal: cal, Base: base, Lang: "en", Feeds: []string{"gender"}})
	})
	if strings.Contains(one, "/measurement") || strings.Contains(one, "/subscribe/google/all") || !strings.Contains(one, "/subscribe/google/gender") {
		t.Error("?feeds=gender shows other feeds")
	}
	text := render(t, func(b *bytes.Buffer) error {
		return s.EmbedText(b, Request{Cal: cal, Base: base, Lang: "zh", Feeds: []string{"gender"}})
	})
	for _, want := range []string{
		"日历 & <i>朋友</i>\n", // plain text: nothing to escape
		"性别 & 平等 (1 项活动)\n",
		"  Google 日历: https://cal.example.test/subscribe/google/gender?lang=zh\n",
		"  Apple 日历: https://cal.example.test/subscribe/apple/gender?lang=zh\n",
		"https://cal.example.test/tracks/gender.ics?lang=zh\n",
		"完整日程和所有日历源： https://cal.example.test/?lang=zh\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text embed lacks %q:\n%s", want, text)
		}
	}
}

func TestQRSVG(t *testing.T) {
	content := "https://cal.example.test/?lang=zh#track-gender"
	svg, err := QRSVG(content, `QR "code" <for> & you`)
	if err != nil {
		t.Fatal(err)
	}
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	want := q.Bitmap()
	n := len(want)
	got := make([][]bool, n)
	for i := range got {
		got[i] = make([]bool, n)
	}
	runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(string(svg), -1)
	if len(runs) == 0 {
		t.Fatalf("no modules in %s", svg)
	}
	for _, m := range runs {
		var x, y, w int
		for i, p := range []*int{&x, &y, &w} {
			for _, c := range m[i+1] {
				*p = *p*10 + int(c-'0')
			}
		}
		for i := x; i < x+w; i++ {
			got[y][i] = true
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SVG modules differ from the encoder's")
	}
	for _, frag := range []string{`viewBox="0 0 ` + strconv.Itoa(n) + ` ` + strconv.Itoa(n) + `"`, `aria-label="QR &#34;code&#34; &lt;for&gt; &amp; you"`, `<?xml`} {
		if !strings.Contains(string(svg), frag) {
			t.Errorf("SVG lacks %q", frag)
		}
	}
	b, err := QRPNG(content)
	if err != nil {
		t.Fatalf("QRPNG: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("QRPNG: not a PNG: %v", err)
	}
	if size := img.Bounds().Size(); size != image.Pt(8*n, 8*n) {
		t.Fatalf("QRPNG: %v pixels, want 8 a module: %d", size, 8*n)
	}
	// Every pixel of every module is the module's colour.
	wrong := 0
	for y := range 8 * n {
		for x := range 8 * n {
			r, _, _, _ := img.At(x, y).RGBA()
			if dark := r == 0; dark != want[y/8][x/8] {
				wrong++
			}
		}
	}
	if wrong > 0 {
		t.Errorf("QRPNG: %d pixels differ from the encoder's modules", wrong)
	}
}

func TestAssets(t *testing.T) {
	s := newSite(t)
	names := AssetNames()
	if !slices.Equal(names, []string{"app.js", "favicon.svg", "style.css"}) {
		t.Fatalf("AssetNames = %v", names)
	}
	for _, n := range names {
		a := s.Asset(n)
		if a == nil || len(a.Body) == 0 || a.Version == "" {
			t.Fatalf("asset %s: %+v", n, a)
		}
		disk, err := os.ReadFile("static/" + n)
		if err != nil || !bytes.Equal(disk, a.Body) {
			t.Errorf("asset %s differs from static/%s", n, n)
		}
	}
	// Each asset's type is the project's, whatever the host's MIME tables say.
	for name, want := range map[string]string{"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"} {
		if got := s.Asset(name).ContentType; got != want {
			t.Errorf("asset %s: Content-Type %q, want %q", name, got, want)
		}
	}
	// The page may load nothing from another host.
	page := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: seed(t), Base: base, Lang: "en"}) })
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[0], "stylesheet") || strings.HasPrefix(m[0], "src=") {
			if strings.Contains(m[1], "//") {
				t.Errorf("page loads %q from another host", m[1])
			}
		}
	}
	if !strings.Contains(page, `<link rel="stylesheet" href="static/style.css?v=`+s.Asset("style.css").Version+`">`) {
		t.Error("page does not load its versioned stylesheet")
	}
	for _, css := range []string{string(s.Asset("style.css").Body), string(s.Asset("app.js").Body)} {
		if strings.Contains(css, "http://") || strings.Contains(css, "https://") || strings.Contains(css, "@import") {
			t.Error("a static file refers to another host")
		}
	}
}

// TestPageSeries: each occurrence of a repeating event is listed on its
// day, with its own anchor, and ticking any of them picks the series.
func TestPageSeries(t *testing.T) {
	s := newSite(t)
	cal := load(t, `
calendar:
  id: series
  name: Series
  timezone: Europe/Zurich
  languages: [en]
events:
  - id: weekly
    title: Weekly briefing
    start: 2016-03-17 09:00
    end: 2016-03-17 10:00
    repeat:
      freq: weekly
      count: 3
  - id: once
    title: Once
    start: 2016-03-24 12:00
    duration: 1h
`)
	page := render(t, func(b *bytes.Buffer) error {
		return s.Page(b, Request{Cal: cal, Base: base, Lang: "en", Zone: ParseZone("America/New_York"), Agenda: []string{"weekly"}})
	})
	for _, want := range []string{
		`id="event-weekly"`, `id="event-weekly-20160324"`, `id="event-weekly-20160331"`,
		`id="pick-weekly-20160331" name="events" value="weekly" data-order="0" form="agenda-form" checked`,
		`<p class="series">Every Thursday, 3 times</p>`, "Add the series to my agenda",
		// Daylight saving starts in the United States on 13 March and in
		// Switzerland on 27 March: 09:00 in Zurich is 04:00 in New York on
		// the 17th and 24th, 03:00 on the 31st.
		`dir="ltr">04:00–05:00</bdi>`, `dir="ltr">03:00–04:00</bdi>`,
		"Thursday 17 March 2016", "Thursday 24 March 2016", "Thursday 31 March 2016",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if i, j := strings.Index(page, `id="event-weekly-20160324"`), strings.Index(page, `id="event-once"`); i < 0 || j < i {
		t.Error("the series' second date is not listed before the later event of its day")
	}
}

func TestPublicHTTPS(t *testing.T) {
	for base, want := range map[string]bool{
		"https://calendar.example.org":      true,
		"https://calendar.example.org:8443": true,
		"https://例子.xn--fiqs8s":             true,
		"https://203.0.113.9":               true,
		"http://calendar.example.org":       false,
		"https://localhost:8080":            false,
		"https://127.0.0.1":                 false,
		"https://[::1]:8080":                false,
		"https://10.1.2.3":                  false,
		"https://192.168.1.10":              false,
		"https://[fe80::1]":                 false,
		"https://calendar":                  false,
		"https://cal.local":                 false,
		"https://cal.internal":              false,
		"https://app.localhost":             false,
		"https://cal.example.test":          false,
		"":                                  false,
	} {
		if got := PublicHTTPS(base); got != want {
			t.Errorf("PublicHTTPS(%q) = %v, want %v", base, got, want)
		}
	}
}

// TestBaseNotice: a page whose links no calendar service can fetch says
// so, once, above the buttons; a public https page does not.
func TestBaseNotice(t *testing.T) {
	s := newSite(t)
	cal := load(t, hostileYAML)
	for base, want := range map[string]bool{"http://localhost:8080": true, "https://calendar.example.org": false} {
		out := render(t, func(b *bytes.Buffer) error { return s.Page(b, Request{Cal: cal, Base: base, Lang: "en"}) })
		notice := `<p class="notice" role="note">These links point to ` + base + `, which Google Calendar and Outlook cannot reach`
		if got := strings.Count(out, notice); got != map[bool]int{true: 1, false: 0}[want] {
			t.Errorf("base %s: the notice appears %d times", base, got)
		}
	}
	// It names the command that gives the address: serve's for a page it
	// serves, build's for a static site's.
	for static, want := range map[bool]string{false: "(calfeed serve -base-url)", true: "(calfeed build -base-url)"} {
		out := render(t, func(b *bytes.Buffer) error {
			return s.Page(b, Request{Cal: cal, Base: "http://localhost:8080", Lang: "en", Static: static})
		})
		if !strings.Contains(out, "Publish calfeed at a public https address "+want) {
			t.Errorf("static %v: the notice does not name %s", static, want)
		}
	}
}

// TestZoneCity: an event's zone is named by its city in the page's
// language, as the Unicode CLDR names it, under any of the zone's names;
// else by the last part of its name.
func TestZoneCity(t *testing.T) {
	for _, tc := range []struct{ zone, lang, want string }{
		{"Europe/Zurich", "zh", "苏黎世"},
		{"America/New_York", "ru", "Нью-Йорк"},
		{"America/New_York", "ar", "نيويورك"},
		{"Europe/Zurich", "es", "Zúrich"},
		{"America/New_York", "en", "New York"},
		{"Asia/Saigon", "en", "Ho Chi Minh City"},
		{"Asia/Ho_Chi_Minh", "en", "Ho Chi Minh City"},
		{"America/Argentina/Buenos_Aires", "zh", "布宜诺斯艾利斯"}, // CLDR's America/Buenos_Aires
		{"Europe/Zurich", "de", "Zurich"},                   // no page words in German
		{"Etc/GMT-9", "zh", "GMT-9"},
	} {
		loc, err := time.LoadLocation(tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		if got := city(loc, tc.lang); got != tc.want {
			t.Errorf("city(%s, %s) = %q, want %q", tc.zone, tc.lang, got, tc.want)
		}
	}
	page := render(t, func(b *bytes.Buffer) error {
		return newSite(t).Page(b, Request{Cal: seed(t), Base: base, Lang: "zh"})
	})
	if !strings.Contains(page, "纽约时间 (UTC−5)") {
		t.Error("the Chinese page does not name New York's time in Chinese")
	}
}

// TestCitiesLanguages: cities.go (go generate) has the cities of every
// language the page's words are written in, and of no other.
func TestCitiesLanguages(t *testing.T) {
	langs := UILanguages()
	for _, l := range langs {
		if l != "en" && len(exemplarCities[l]) < 400 {
			t.Errorf("%s: %d cities; run go generate ./internal/web (mkcities's languages are locale.Languages())", l, len(exemplarCities[l]))
		}
	}
	for l := range exemplarCities {
		if !slices.Contains(langs, l) {
			t.Errorf("cities for %s, whose page words are English", l)
		}
	}
}
