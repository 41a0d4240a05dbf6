package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
)

// pagesYAML is a calendar in English and Chinese whose texts try to break
// out of HTML and URLs.
const pagesYAML = `
calendar:
  id: pagescal
  name: {en: "Cal <b>bold</b> & \"friends\"", zh: "日历 & 朋友"}
  description: {en: "About <script>alert(1)</script>", zh: 关于}
  timezone: America/New_York
  languages: [en, zh]
tracks:
  - id: gender
    name: {en: "Gender & <i>equality</i> #1 + more", zh: 性别}
    description: "Track </script><script>alert(2)</script>"
    color: "#C2185B"
  - id: measurement
    name: {en: Measurement, zh: 衡量}
events:
  - id: keynote
    title: {en: "Opening <img src=x onerror=alert(3)> & \"welcome\"", zh: 开幕式}
    start: 2015-12-14 13:15
    end: 2015-12-14 14:30
    location: "Room 11 & <b>hall</b>"
    tracks: [gender]
  - id: allday
    title: {en: All-day thing, zh: 全天活动}
    start: 2015-12-15
    end: 2015-12-16
    tracks: [measurement]
`

func TestPageRoutes(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	acceptLang := func(v string) http.Header { return http.Header{"Accept-Language": {v}} }
	pageHeaders := map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self';",
	}
	tests := []struct {
		name       string
		method     string // GET when empty
		target     string
		header     http.Header
		wantStatus int
		wantHeader map[string]string // name -> prefix
		wantBody   []string
		wantNot    []string
	}{
		{name: "page", target: "/", wantStatus: 200, wantHeader: merge(pageHeaders, map[string]string{"Content-Language": "en", "Vary": "Accept-Language"}),
			wantBody: []string{`<html lang="en" dir="ltr">`, `<h2 id="subscribe-h">Subscribe</h2>`, `src="static/app.js?v=`, `href="tracks/gender.ics" download`, `href="webcal://cal.example.test/tracks/gender.ics"`}},
		{name: "page HEAD", method: "HEAD", target: "/", wantStatus: 200, wantHeader: pageHeaders},
		{name: "page zh by query", target: "/?lang=zh", wantStatus: 200, wantHeader: map[string]string{"Content-Language": "zh"},
			wantBody: []string{`<html lang="zh" dir="ltr">`, "<h2 id=\"subscribe-h\">订阅</h2>", "开幕式", `href="tracks/gender.ics?lang=zh"`}},
		{name: "page ar: right to left, data in the default language", target: "/?lang=ar", wantStatus: 200, wantHeader: map[string]string{"Content-Language": "ar"},
			wantBody: []string{`<html lang="ar" dir="rtl">`, "الاشتراك", `lang="en" dir="ltr"`, "Opening"}},
		{name: "page by Accept-Language", target: "/", header: acceptLang("fr-CH, fr;q=0.9, en;q=0.8"), wantStatus: 200, wantHeader: map[string]string{"Content-Language": "fr"},
			wantBody: []string{`<html lang="fr" dir="ltr">`, "Tous les événements"}},
		{name: "page by Accept-Language zh-TW", target: "/", header: acceptLang("zh-TW,zh;q=0.9"), wantStatus: 200, wantBody: []string{`<html lang="zh"`, "开幕式"}},
		{name: "page by Accept-Language ru", target: "/", header: acceptLang("ru-RU"), wantStatus: 200, wantBody: []string{"Подписка", "2 мероприятия"}},
		{name: "query over Accept-Language", target: "/?lang=es", header: acceptLang("ar"), wantStatus: 200, wantBody: []string{`<html lang="es"`, "Suscribirse"}},
		{name: "unknown language falls back", target: "/?lang=xx", header: acceptLang("de"), wantStatus: 200, wantBody: []string{`<html lang="en"`}},
		{name: "reader zone", target: "/?tz=Asia/Shanghai", wantStatus: 200,
			wantBody: []string{`data-tz="Asia/Shanghai"`, "02:15–03:30, Tue 15 Dec", `value="Asia/Shanghai"`}},
		{name: "unknown zone said", target: "/?tz=Mars/Olympus", wantStatus: 200,
			wantBody: []string{`<p class="notice" id="tz-unknown" role="alert">“Mars/Olympus” is not a time zone this page knows`, `value="Mars/Olympus"`, `aria-invalid="true"`},
			wantNot:  []string{"data-tz", "Your times are in"}},
		{name: "unknown zone said, shortened", target: "/?tz=" + strings.Repeat("x", 5000), wantStatus: 200,
			wantBody: []string{"“" + strings.Repeat("x", maxZoneShown) + "…”"}, wantNot: []string{strings.Repeat("x", maxZoneShown+1)}},
		{name: "agenda without JavaScript", target: "/?events=keynote&events=allday,nope", wantStatus: 200,
			wantBody: []string{"2 events chosen", `value="https://cal.example.test/calendar.ics?events=keynote,allday"`, `value="keynote" data-order="0" form="agenda-form" checked`}},
		{name: "page POST", method: "POST", target: "/", wantStatus: 405},
		{name: "page offers a reminder, none by default", target: "/", wantStatus: 200,
			wantBody: []string{`<label for="track-gender-alarm">Reminder</label>`, `<option value="" selected>No reminder</option>`, `<option value="1d">1 day before</option>`},
			wantNot:  []string{"alarm=1", "alarm%3D"}},
		{name: "page with a reminder", target: "/?alarm=1h&open=measurement", wantStatus: 200,
			wantBody: []string{`<option value="1h" selected>1 hour before</option>`, `href="webcal://cal.example.test/tracks/gender.ics?alarm=1h"`,
				`href="tracks/gender.ics?alarm=1h" download`, `<details class="feed" id="track-measurement" open>`}},
		{name: "page with a reminder in zh", target: "/?lang=zh&alarm=15m", wantStatus: 200,
			wantBody: []string{`<option value="15m" selected>提前 15 分钟</option>`, `href="tracks/gender.ics?lang=zh&amp;alarm=15m" download`}},
		{name: "page ignores a reminder feeds refuse", target: "/?alarm=2h", wantStatus: 200,
			wantBody: []string{`<option value="" selected>No reminder</option>`}, wantNot: []string{"alarm=2h", "alarm%3D2h"}},

		{name: "embed", target: "/embed", wantStatus: 200,
			wantHeader: map[string]string{"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": "default-src 'none'", "Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"},
			wantBody:   []string{`href="https://cal.example.test/subscribe/google/gender"`, `href="https://cal.example.test/subscribe/apple/all"`, "border-left:6px solid #C2185B"},
			wantNot:    []string{"<script", "class=", "<i>equality"}},
		{name: "embed HEAD", method: "HEAD", target: "/embed", wantStatus: 200},
		{name: "embed one feed", target: "/embed?feeds=gender", wantStatus: 200, wantBody: []string{"/subscribe/outlook/gender"}, wantNot: []string{"/subscribe/outlook/all", "measurement"}},
		{name: "embed ar", target: "/embed?lang=ar", wantStatus: 200, wantBody: []string{`dir="rtl"`, "border-right:6px solid #C2185B", "تقويم Google"}},
		{name: "embed zh", target: "/embed", header: acceptLang("zh-CN"), wantStatus: 200, wantBody: []string{"/subscribe/google/gender?lang=zh", "Google 日历"}},
		{name: "embed text", target: "/embed?format=text&feeds=gender,all", wantStatus: 200,
			wantHeader: map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			wantBody:   []string{"Cal <b>bold</b> & \"friends\"\n", "  Apple Calendar: https://cal.example.test/subscribe/apple/gender\n", "https://cal.example.test/tracks/gender.ics\n"}},
		{name: "embed unknown feed", target: "/embed?feeds=gender,nope", wantStatus: 404, wantBody: []string{`no feed "nope"`, "all, gender, measurement"}},
		{name: "embed no feed", target: "/embed?feeds=,", wantStatus: 400},
		{name: "embed unknown format", target: "/embed?format=pdf", wantStatus: 400, wantBody: []string{"html", "text"}},
		{name: "embed with a reminder", target: "/embed?alarm=1d&lang=zh", wantStatus: 200,
			wantBody: []string{`href="https://cal.example.test/subscribe/google/gender?lang=zh&amp;alarm=1d"`, `href="https://cal.example.test/tracks/gender.ics?lang=zh&amp;alarm=1d"`}},
		{name: "embed text with a reminder", target: "/embed?format=text&alarm=30m", wantStatus: 200,
			wantBody: []string{"  Apple Calendar: https://cal.example.test/subscribe/apple/gender?alarm=30m\n", "https://cal.example.test/tracks/gender.ics?alarm=30m\n"}},
		{name: "embed bad reminder", target: "/embed?alarm=2h", wantStatus: 400, wantBody: []string{"?alarm=2h", "15m, 30m, 1h, 1d"}},

		{name: "feeds.json", target: "/feeds.json", wantStatus: 200,
			wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*"},
			wantBody:   []string{`"url": "https://cal.example.test/tracks/gender.ics"`, `"webcal": "webcal://cal.example.test/calendar.ics"`}},
		{name: "feeds.json zh", target: "/feeds.json?lang=zh", wantStatus: 200, wantBody: []string{`"url": "https://cal.example.test/tracks/gender.ics?lang=zh"`, `"name": "日历 & 朋友 · 性别"`,
			`"url": "https://cal.example.test/tracks/gender.ics?lang=zh&alarm=1h"`, `"label": "提前 1 小时"`}},

		{name: "subscribe unknown client", target: "/subscribe/yahoo/gender", wantStatus: 404, wantBody: []string{`no client "yahoo"`, "google, outlook, office365, apple, ics"}},
		{name: "subscribe unknown feed", target: "/subscribe/google/gendr", wantStatus: 404, wantBody: []string{`no feed "gendr"`, "all, gender, measurement"}},
		{name: "subscribe events on a track", target: "/subscribe/google/gender?events=keynote", wantStatus: 400},
		{name: "subscribe unknown event", target: "/subscribe/google/all?events=nope", wantStatus: 404, wantBody: []string{`no event "nope"`, "keynote, allday"}},
		{name: "subscribe bad reminder", target: "/subscribe/google/gender?alarm=2h", wantStatus: 400, wantBody: []string{"?alarm=2h is not a reminder", "15m, 30m, 1h, 1d"}},
		{name: "subscribe reminder in another form", target: "/subscribe/apple/all?alarm=60m", wantStatus: 400},
		{name: "subscribe empty reminder is none", target: "/subscribe/ics/gender?alarm=", wantStatus: 302, wantHeader: map[string]string{"Location": "https://cal.example.test/tracks/gender.ics"}},

		{name: "QR SVG", target: "/qr/gender.svg", wantStatus: 200, wantHeader: map[string]string{"Content-Type": "image/svg+xml", "X-Content-Type-Options": "nosniff"}, wantBody: []string{"<svg", `aria-label="QR code for “Gender &amp; &lt;i&gt;equality&lt;/i&gt; #1 + more”"`}},
		{name: "QR PNG", target: "/qr/all.png?lang=zh", wantStatus: 200, wantHeader: map[string]string{"Content-Type": "image/png"}, wantBody: []string{"\x89PNG"}},
		{name: "QR of the feed", target: "/qr/gender.svg?of=feed", wantStatus: 200},
		{name: "QR unknown feed", target: "/qr/nope.svg", wantStatus: 404, wantBody: []string{"all, gender, measurement"}},
		{name: "QR bad of", target: "/qr/gender.png?of=x", wantStatus: 400},
		{name: "QR other format", target: "/qr/gender.gif", wantStatus: 404},

		{name: "script", target: "/static/app.js", wantStatus: 200, wantHeader: map[string]string{"Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=300"}, wantBody: []string{"'use strict'"}},
		{name: "stylesheet", target: "/static/style.css", wantStatus: 200, wantHeader: map[string]string{"Content-Type": "text/css; charset=utf-8"}},
		{name: "unknown static file", target: "/static/evil.js", wantStatus: 404, wantBody: []string{"app.js, favicon.svg, style.css"}},
		{name: "static traversal", target: "/static/../server.go", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			res, body := pageRequest(t, s, method, tc.target, tc.header)
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("%s %s: status = %d, want %d; body:\n%s", method, tc.target, res.StatusCode, tc.wantStatus, body)
			}
			for k, v := range tc.wantHeader {
				if got := strings.Join(res.Header.Values(k), ", "); !strings.HasPrefix(got, v) {
					t.Errorf("%s %s: %s = %q, want it to start %q", method, tc.target, k, got, v)
				}
			}
			for _, w := range tc.wantBody {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s: body lacks %q", method, tc.target, w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("%s %s: body holds %q", method, tc.target, w)
				}
			}
			if method == http.MethodHead && body != "" {
				t.Errorf("HEAD %s: a body", tc.target)
			}
		})
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// TestSubscribeRedirects follows every /subscribe/ link to its client and
// reads the feed URL back out of the target with net/url.
func TestSubscribeRedirects(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	feeds := map[string]string{
		"all":         "https://cal.example.test/calendar.ics",
		"gender":      "https://cal.example.test/tracks/gender.ics",
		"measurement": "https://cal.example.test/tracks/measurement.ics",
	}
	names := map[string]string{
		"all":         `Cal <b>bold</b> & "friends"`,
		"gender":      `Cal <b>bold</b> & "friends" · Gender & <i>equality</i> #1 + more`,
		"measurement": `Cal <b>bold</b> & "friends" · Measurement`,
	}
	for feed, feedURL := range feeds {
		for _, tc := range []struct{ query, want string }{
			{"", ""},
			{"?lang=zh", "?lang=zh"},
			{"?alarm=1h", "?alarm=1h"},
			{"?alarm=15m&lang=zh", "?lang=zh&alarm=15m"},
			{"?lang=en&alarm=1d", "?alarm=1d"}, // en is the default: no ?lang=
		} {
			lang := map[bool]string{true: "zh"}[strings.Contains(tc.query, "zh")]
			want := feedURL + tc.want
			target := "/subscribe/%s/" + feed + tc.query
			for _, client := range []string{"google", "outlook", "office365", "apple", "ics"} {
				path := strings.Replace(target, "%s", client, 1)
				res, _ := pageRequest(t, s, http.MethodGet, path, nil)
				if res.StatusCode != http.StatusFound {
					t.Fatalf("GET %s: status = %d, want 302", path, res.StatusCode)
				}
				if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=300") {
					t.Errorf("GET %s: Cache-Control = %q: a redirect that may change must not be kept long", path, cc)
				}
				loc, err := url.Parse(res.Header.Get("Location"))
				if err != nil {
					t.Fatalf("GET %s: Location: %v", path, err)
				}
				var got string
				switch client {
				case "google":
					if loc.Host != "calendar.google.com" || loc.Path != "/calendar/render" {
						t.Errorf("GET %s: Location %s is not Google Calendar's", path, loc)
					}
					got = loc.Query().Get("cid")
				case "outlook", "office365":
					host := map[string]string{"outlook": "outlook.live.com", "office365": "outlook.office.com"}[client]
					if loc.Host != host || loc.Path != "/calendar/0/addfromweb" {
						t.Errorf("GET %s: Location %s is not %s's addfromweb", path, loc, host)
					}
					got = loc.Query().Get("url")
					if lang == "" && loc.Query().Get("name") != names[feed] {
						t.Errorf("GET %s: name = %q, want %q", path, loc.Query().Get("name"), names[feed])
					}
				case "apple":
					if loc.Scheme != "webcal" {
						t.Errorf("GET %s: Location %s is not webcal", path, loc)
					}
					got = "https" + strings.TrimPrefix(loc.String(), "webcal")
				case "ics":
					got = loc.String()
				}
				if got != want {
					t.Errorf("GET %s: redirects to feed %q, want %q", path, got, want)
				}
			}
		}
	}
	// An agenda, with and without a reminder.
	for target, want := range map[string]string{
		"/subscribe/google/all?events=allday,keynote":                  "https://cal.example.test/calendar.ics?events=keynote,allday",
		"/subscribe/google/all?events=allday,keynote&alarm=1h&lang=zh": "https://cal.example.test/calendar.ics?events=keynote,allday&lang=zh&alarm=1h",
	} {
		res, _ := pageRequest(t, s, http.MethodGet, target, nil)
		loc, _ := url.Parse(res.Header.Get("Location"))
		if got := loc.Query().Get("cid"); got != want {
			t.Errorf("GET %s: cid = %q, want %q", target, got, want)
		}
	}
}

// TestPagesBaseURL: links come from Options.BaseURL, else the request;
// forwarded headers count only with TrustProxy.
func TestPagesBaseURL(t *testing.T) {
	fwd := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"public.example.org"}}
	hostile := http.Header{"X-Forwarded-Proto": {"javascript"}, "X-Forwarded-Host": {`evil.example"><script>`}}
	tests := []struct {
		name   string
		opts   Options
		header http.Header
		want   string
	}{
		{"option", Options{BaseURL: "https://cal.example.test/sub/"}, fwd, "https://cal.example.test/sub/tracks/gender.ics"},
		{"request host", Options{}, nil, "http://example.com/tracks/gender.ics"},
		{"forwarded headers ignored", Options{}, fwd, "http://example.com/tracks/gender.ics"},
		{"forwarded headers trusted", Options{TrustProxy: true}, fwd, "https://public.example.org/tracks/gender.ics"},
		{"hostile forwarded headers", Options{TrustProxy: true}, hostile, "http://example.com/tracks/gender.ics"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := serverOf(t, pagesYAML, tc.opts)
			_, body := pageRequest(t, s, http.MethodGet, "/feeds.json", tc.header)
			var doc struct {
				Feeds []struct {
					ID  string `json:"id"`
					URL string `json:"url"`
				} `json:"feeds"`
			}
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatalf("feeds.json: %v", err)
			}
			if got := doc.Feeds[1].URL; got != tc.want {
				t.Errorf("gender url = %q, want %q", got, tc.want)
			}
			res, _ := pageRequest(t, s, http.MethodGet, "/subscribe/ics/gender", tc.header)
			if got := res.Header.Get("Location"); got != tc.want {
				t.Errorf("/subscribe/ics/gender -> %q, want %q", got, tc.want)
			}
			_, page := pageRequest(t, s, http.MethodGet, "/", tc.header)
			if strings.Contains(page, "evil.example") {
				t.Error("the page trusts a hostile X-Forwarded-Host")
			}
		})
	}
}

// TestPageEscaping: nothing of the calendar's text reaches the page as
// markup.
func TestPageEscaping(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{})
	for _, target := range []string{"/", "/?lang=zh", "/?lang=ar", "/embed", "/embed?lang=ar"} {
		_, body := pageRequest(t, s, http.MethodGet, target+map[bool]string{true: "&", false: "?"}[strings.Contains(target, "?")]+"events=keynote", nil)
		for _, bad := range []string{"<script>alert", "<b>bold", "<i>equality", "<img src=x", "</script><script>"} {
			if strings.Contains(body, bad) {
				t.Errorf("GET %s: %q unescaped", target, bad)
			}
		}
	}
	_, body := pageRequest(t, s, http.MethodGet, "/", nil)
	for _, want := range []string{"Cal &lt;b&gt;bold&lt;/b&gt; &amp; &#34;friends&#34;", "Track &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;", "Room 11 &amp; &lt;b&gt;hall&lt;/b&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks the escaped %q", want)
		}
	}
}

// TestPageConditionalAndGzip: pages get a strong ETag, revalidate with 304,
// and go out gzip-compressed to clients that accept it.
func TestPageConditionalAndGzip(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{})
	for _, target := range []string{"/", "/feeds.json", "/embed", "/static/app.js", "/qr/gender.svg"} {
		plain, body := pageRequest(t, s, http.MethodGet, target, nil)
		etag := plain.Header.Get("ETag")
		if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
			t.Errorf("GET %s: ETag = %q, want a strong one", target, etag)
		}
		res, _ := pageRequest(t, s, http.MethodGet, target, http.Header{"If-None-Match": {etag}})
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: status = %d, want 304", target, res.StatusCode)
		}
		zres, zbody := pageRequest(t, s, http.MethodGet, target, http.Header{"Accept-Encoding": {"gzip, br"}})
		if zres.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s: not gzipped for a client that accepts it", target)
			continue
		}
		if zres.Header.Get("ETag") == etag {
			t.Errorf("GET %s: the gzipped body has the plain body's ETag", target)
		}
		zr, err := gzip.NewReader(strings.NewReader(zbody))
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		unzipped, _ := io.ReadAll(zr)
		if !bytes.Equal(unzipped, []byte(body)) {
			t.Errorf("GET %s: gzipped body differs from the plain one", target)
		}
	}
	res, _ := pageRequest(t, s, http.MethodGet, "/qr/gender.png", http.Header{"Accept-Encoding": {"gzip"}})
	if res.Header.Get("Content-Encoding") != "" {
		t.Error("a PNG was gzipped")
	}
	res, _ = pageRequest(t, s, http.MethodGet, "/calendar.ics", http.Header{"Accept-Encoding": {"gzip"}})
	if res.Header.Get("Content-Encoding") != "" {
		t.Error("pages' gzip touched a feed")
	}
}

// TestStaticVersioned: asked for with the version the page links, static
// files may be cached for good.
func TestStaticVersioned(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{})
	_, page := pageRequest(t, s, http.MethodGet, "/", nil)
	i := strings.Index(page, `src="static/app.js?v=`)
	if i < 0 {
		t.Fatal("page loads no static/app.js")
	}
	src := page[i+len(`src="`):]
	src = src[:strings.IndexByte(src, '"')]
	res, _ := pageRequest(t, s, http.MethodGet, "/"+src, nil)
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("GET /%s: Cache-Control = %q", src, cc)
	}
}

func TestPageDeterministicBytes(t *testing.T) {
	a := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	b := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	for _, target := range []string{"/", "/?lang=ar", "/feeds.json", "/embed"} {
		_, x := pageRequest(t, a, http.MethodGet, target, nil)
		_, y := pageRequest(t, b, http.MethodGet, target, nil)
		if x != y {
			t.Errorf("GET %s differs between two servers", target)
		}
	}
}

// TestPageCacheFollowsReload: a reloaded calendar shows at once on the page,
// whatever was cached, and concurrent readers see one version or the other.
func TestPageCacheFollowsReload(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{})
	if _, body := pageRequest(t, s, http.MethodGet, "/?lang=en", nil); !strings.Contains(body, "Opening") {
		t.Fatal("page lacks the keynote")
	}
	edited := strings.Replace(pagesYAML, "Opening <img", "Renamed <img", 1)
	cal, err := calendar.Load("pages.yaml", strings.NewReader(edited), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				_, body := pageRequest(t, s, http.MethodGet, "/?lang=en", http.Header{"Accept-Encoding": {"gzip"}})
				if body == "" {
					t.Error("empty page")
				}
			}
		}()
	}
	if err := s.Load(cal); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	_, body := pageRequest(t, s, http.MethodGet, "/?lang=en", nil)
	if !strings.Contains(body, "Renamed") || strings.Contains(body, "Opening") {
		t.Error("the page still shows the calendar before the reload")
	}
}

// feedBoxRE finds each feed's box on the page (the agenda's is no
// <details>), and clientRE each client button in it.
var (
	feedBoxRE = regexp.MustCompile(`(?s)<details class="feed" id="([^"]+)".*?\n</details>\n</div>\n</details>`)
	clientRE  = regexp.MustCompile(`<li class="client client-(\w+)">\n<a class="btn" href="([^"]*)"`)
	shownRE   = regexp.MustCompile(`<code class="feed-url" dir="ltr">([^<]*)</code>|class="feed-url" type="text" readonly value="([^"]*)"|data-copy="([^"]*)"`)
)

// TestPageAlarmLinks reads every link of every feed's box back to the feed
// it subscribes to: with ?alarm= each carries the reminder, after ?lang=;
// without, none does.
func TestPageAlarmLinks(t *testing.T) {
	const base = "https://cal.example.test"
	s := serverOf(t, pagesYAML, Options{BaseURL: base})
	feeds := map[string]string{
		"all-events":        "/calendar.ics",
		"track-gender":      "/tracks/gender.ics",
		"track-measurement": "/tracks/measurement.ics",
	}
	for _, tc := range []struct{ query, suffix string }{
		{"", ""},
		{"?alarm=", ""},
		{"?alarm=15m", "?alarm=15m"},
		{"?alarm=1d&lang=zh", "?lang=zh&alarm=1d"},
		{"?lang=zh", "?lang=zh"},
		{"?alarm=1x", ""},
	} {
		_, page := pageRequest(t, s, http.MethodGet, "/"+tc.query, nil)
		boxes := feedBoxRE.FindAllStringSubmatch(page, -1)
		if len(boxes) != len(feeds) {
			t.Fatalf("GET /%s: %d feed boxes, want %d", tc.query, len(boxes), len(feeds))
		}
		for _, b := range boxes {
			id, box := b[1], b[0]
			want := base + feeds[id] + tc.suffix
			buttons := clientRE.FindAllStringSubmatch(box, -1)
			if len(buttons) != 5 {
				t.Errorf("GET /%s: %s has %d client buttons, want 5", tc.query, id, len(buttons))
			}
			for _, m := range buttons {
				client, href := m[1], html.UnescapeString(m[2])
				if client == "ics" {
					href = base + "/" + href // the download is relative
				}
				got := feedOf(t, client, href)
				if client == "apple" {
					got = "https" + strings.TrimPrefix(got, "http") // webcal:// stands for https:// here
				}
				if got != want {
					t.Errorf("GET /%s: %s %s button leads to %q, want %q", tc.query, id, client, got, want)
				}
			}
			shown := shownRE.FindAllStringSubmatch(box, -1)
			if len(shown) != 7 { // beside 5 buttons, the field, the copy button
				t.Errorf("GET /%s: %s shows its address %d times, want 7", tc.query, id, len(shown))
			}
			for _, m := range shown {
				if got := html.UnescapeString(m[1] + m[2] + m[3]); got != want {
					t.Errorf("GET /%s: %s shows %q, want %q", tc.query, id, got, want)
				}
			}
		}
	}
}

// TestFeedsJSONShape decodes /feeds.json as another site would, and follows
// each reminder's /subscribe/ links to the client links listed beside them.
func TestFeedsJSONShape(t *testing.T) {
	const base = "https://cal.example.test"
	s := serverOf(t, pagesYAML, Options{BaseURL: base})
	type links struct {
		URL       string            `json:"url"`
		Webcal    string            `json:"webcal"`
		Google    string            `json:"google"`
		Outlook   string            `json:"outlook"`
		Office365 string            `json:"office365"`
		Subscribe map[string]string `json:"subscribe"`
	}
	var doc struct {
		Calendar struct {
			ID     string `json:"id"`
			Alarms []struct {
				Alarm   string `json:"alarm"`
				Minutes int    `json:"minutes"`
				Label   string `json:"label"`
			} `json:"alarms"`
		} `json:"calendar"`
		Feeds []struct {
			ID     string `json:"id"`
			Events int    `json:"events"`
			links
			Alarms map[string]links `json:"alarms"`
		} `json:"feeds"`
		Events []struct {
			ID     string   `json:"id"`
			Title  string   `json:"title"`
			Start  string   `json:"start"`
			End    string   `json:"end"`
			AllDay bool     `json:"all_day"`
			Zone   string   `json:"timezone"`
			Status string   `json:"status"`
			Tracks []string `json:"tracks"`
			URL    string   `json:"url"`
			Page   string   `json:"page"`
		} `json:"events"`
	}
	res, body := pageRequest(t, s, http.MethodGet, "/feeds.json?lang=zh", nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET /feeds.json: status %d", res.StatusCode)
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range doc.Calendar.Alarms {
		got = append(got, fmt.Sprintf("%s=%d:%s", a.Alarm, a.Minutes, a.Label))
	}
	if want := "15m=15:提前 15 分钟 30m=30:提前 30 分钟 1h=60:提前 1 小时 1d=1440:提前 1 天"; strings.Join(got, " ") != want {
		t.Errorf("calendar.alarms = %v, want %s", got, want)
	}
	if len(doc.Feeds) != 3 {
		t.Fatalf("%d feeds", len(doc.Feeds))
	}
	for _, f := range doc.Feeds {
		if len(f.Alarms) != 4 {
			t.Errorf("%s: alarms = %v", f.ID, f.Alarms)
		}
		for alarm, l := range f.Alarms {
			if want := f.URL + "&alarm=" + alarm; l.URL != want {
				t.Errorf("%s %s: url = %q, want %q", f.ID, alarm, l.URL, want)
			}
			// Each /subscribe/ link redirects to the client link listed.
			for client, direct := range map[string]string{"google": l.Google, "outlook": l.Outlook, "office365": l.Office365, "apple": l.Webcal, "ics": l.URL} {
				res, _ := pageRequest(t, s, http.MethodGet, strings.TrimPrefix(l.Subscribe[client], base), nil)
				if loc := res.Header.Get("Location"); loc != direct {
					t.Errorf("%s %s: %s redirects to %q, feeds.json lists %q", f.ID, alarm, l.Subscribe[client], loc, direct)
				}
			}
		}
	}
	if len(doc.Events) != 2 {
		t.Fatalf("%d events, want 2", len(doc.Events))
	}
	k := doc.Events[0]
	if k.ID != "keynote" || k.Title != "开幕式" || k.Start != "2015-12-14T18:15:00Z" || k.End != "2015-12-14T19:30:00Z" || k.AllDay || k.Zone != "America/New_York" ||
		k.Status != "confirmed" || strings.Join(k.Tracks, ",") != "gender" || k.URL != base+"/events/keynote.ics?lang=zh" || k.Page != base+"/?lang=zh#event-keynote" {
		t.Errorf("keynote = %+v", k)
	}
	if a := doc.Events[1]; !a.AllDay || a.Start != "2015-12-15" || a.End != "2015-12-17" {
		t.Errorf("allday = %+v", a)
	}
	// Deterministic: no clock in it, as `calfeed build` needs.
	if _, again := pageRequest(t, serverOf(t, pagesYAML, Options{BaseURL: base}), http.MethodGet, "/feeds.json?lang=zh", nil); again != body {
		t.Error("feeds.json differs between two servers")
	}
}

// TestPageSeries: the repeating events of testdata/series.yaml appear on
// the page with their rule in words and each occurrence on its day, at its
// time in the reader's zone, and in feeds.json with their occurrences.
func TestPageSeries(t *testing.T) {
	cal, err := calendar.ReadFile(t.Context(), "testdata/series.yaml", calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cal, Options{BaseURL: "https://cal.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		target string
		want   []string
		not    []string
	}{
		{"/?lang=en&tz=America/New_York", []string{
			`<p class="series">Every Thursday until 28 April 2016</p>`,
			`<p class="series">Every month on the last Friday</p>`,
			`<p class="series">Every year on 2 May, 3 times</p>`,
			// Each occurrence on its day: 09:00 in Zurich is 04:00 in New
			// York on 17 March (New York is already on summer time) and
			// 03:00 on 21 April (both are); the moved one is at 10:00;
			// the extra date, 2 May, is listed; 7 April is not.
			`id="event-weekly-briefing"`, `id="event-weekly-briefing-20160421"`, `id="event-weekly-briefing-20160502"`,
			`id="event-weekly-briefing-20160331"`, `id="event-forum-20180502"`,
			`<bdi class="reader-time" dir="ltr">04:00–05:00</bdi>`, `<bdi class="reader-time" dir="ltr">03:00–04:00</bdi>`,
			`<bdi class="time" dir="ltr">10:00–11:00</bdi>`,
		}, []string{`id="event-weekly-briefing-20160407"`, `id="event-forum-20190502"`, "Part of a series"}},
		{"/?lang=zh", []string{`<p class="series">每周四，直到2016年4月28日</p>`, `<p class="series">每月最后一个周五</p>`, `<p class="series">每年5月2日，共 3 次</p>`}, nil},
		{"/?lang=ru", []string{`<p class="series">Еженедельно по четвергам, до 28 апреля 2016 г.</p>`, `<p class="series">Ежемесячно, в последнюю пятницу</p>`}, nil},
		{"/?lang=ar", []string{`<p class="series">أسبوعيًا يوم الخميس حتى 28 أبريل 2016</p>`}, nil},
		{"/feeds.json?lang=en", []string{
			`"rule": "Every Thursday until 28 April 2016"`,
			`"occurrences": [`, `"more_occurrences": true`,
			`"start": "2016-03-31T08:00:00Z"`, // moved to 10:00, summer time: UTC+2
			`"status": "cancelled"`,
			`"start": "2016-05-02T07:00:00Z"`, // the extra date
			`"start": "2018-05-02"`,
		}, []string{`"start": "2016-04-07T07:00:00Z"`}},
	}
	for _, tc := range tests {
		res, body := pageRequest(t, s, http.MethodGet, tc.target, nil)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: status %d", tc.target, res.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s: body lacks %q", tc.target, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, w) {
				t.Errorf("GET %s: body holds %q", tc.target, w)
			}
		}
	}
	// The one-off event has no rule, in the JSON as on the page.
	_, body := pageRequest(t, s, http.MethodGet, "/feeds.json", nil)
	var doc struct {
		Events []struct {
			ID          string `json:"id"`
			Rule        string `json:"rule"`
			Occurrences []struct {
				Start, End, Status string
			} `json:"occurrences"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	counts := map[string]string{}
	for _, e := range doc.Events {
		counts[e.ID] = fmt.Sprintf("%d %q", len(e.Occurrences), e.Rule)
	}
	want := map[string]string{
		"weekly-briefing": `7 "Every Thursday until 28 April 2016"`, // 17, 24, 31 Mar, 14 (cancelled), 21, 28 Apr, 2 May
		"monthly-call":    `10 "Every month on the last Friday"`,
		"forum":           `3 "Every year on 2 May, 3 times"`,
		"one-off":         `0 ""`,
	}
	if diff := cmp.Diff(want, counts); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
