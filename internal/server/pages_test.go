package server

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

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

func pagesServer(t testing.TB, opts Options) *Server {
	t.Helper()
	cal, err := calendar.Load("pages.yaml", strings.NewReader(pagesYAML), calendar.Options{})
	if err != nil {
		t.Fatalf("calendar.Load: %v", err)
	}
	s, err := New(cal, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// pageRequest sends one request and returns the response and its body.
func pageRequest(t testing.TB, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	res := w.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestPageRoutes(t *testing.T) {
	s := pagesServer(t, Options{BaseURL: "https://cal.example.test"})
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
		{name: "unknown zone ignored", target: "/?tz=Mars/Olympus", wantStatus: 200, wantNot: []string{"data-tz", "Mars"}},
		{name: "agenda without JavaScript", target: "/?events=keynote&events=allday,nope", wantStatus: 200,
			wantBody: []string{"2 events chosen", `value="https://cal.example.test/calendar.ics?events=keynote,allday"`, `value="keynote" data-order="0" form="agenda-form" checked`}},
		{name: "page POST", method: "POST", target: "/", wantStatus: 405},

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

		{name: "feeds.json", target: "/feeds.json", wantStatus: 200,
			wantHeader: map[string]string{"Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*"},
			wantBody:   []string{`"url": "https://cal.example.test/tracks/gender.ics"`, `"webcal": "webcal://cal.example.test/calendar.ics"`}},
		{name: "feeds.json zh", target: "/feeds.json?lang=zh", wantStatus: 200, wantBody: []string{`"url": "https://cal.example.test/tracks/gender.ics?lang=zh"`, `"name": "日历 & 朋友 · 性别"`}},

		{name: "subscribe unknown client", target: "/subscribe/yahoo/gender", wantStatus: 404, wantBody: []string{`no client "yahoo"`, "google, outlook, office365, apple, ics"}},
		{name: "subscribe unknown feed", target: "/subscribe/google/gendr", wantStatus: 404, wantBody: []string{`no feed "gendr"`, "all, gender, measurement"}},
		{name: "subscribe events on a track", target: "/subscribe/google/gender?events=keynote", wantStatus: 400},
		{name: "subscribe unknown event", target: "/subscribe/google/all?events=nope", wantStatus: 404, wantBody: []string{`no event "nope"`, "keynote, allday"}},

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
	s := pagesServer(t, Options{BaseURL: "https://cal.example.test"})
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
		for _, lang := range []string{"", "zh"} {
			want := feedURL
			target := "/subscribe/%s/" + feed
			if lang != "" {
				want += "?lang=" + lang
				target += "?lang=" + lang
			}
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
	// An agenda.
	res, _ := pageRequest(t, s, http.MethodGet, "/subscribe/google/all?events=allday,keynote", nil)
	loc, _ := url.Parse(res.Header.Get("Location"))
	if got, want := loc.Query().Get("cid"), "https://cal.example.test/calendar.ics?events=keynote,allday"; got != want {
		t.Errorf("agenda: cid = %q, want %q", got, want)
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
			s := pagesServer(t, tc.opts)
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
	s := pagesServer(t, Options{})
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
	s := pagesServer(t, Options{})
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
	s := pagesServer(t, Options{})
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

// TestPageFiles: every file a static build needs beside the page answers
// 200, and the page links nothing else of the server's but feeds.
func TestPageFiles(t *testing.T) {
	s := pagesServer(t, Options{})
	files := s.PageFiles()
	want := []string{"/static/app.js", "/static/favicon.svg", "/static/style.css", "/qr/all.svg", "/qr/all.png", "/qr/gender.svg", "/qr/gender.png", "/qr/measurement.svg", "/qr/measurement.png"}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Errorf("PageFiles = %v, want %v", files, want)
	}
	for _, p := range files {
		if res, _ := pageRequest(t, s, http.MethodGet, p, nil); res.StatusCode != 200 {
			t.Errorf("GET %s: status %d", p, res.StatusCode)
		}
	}
}

// TestPageDeterministic: the same request gives the same bytes, as a
// static build needs.
func TestPageDeterministicBytes(t *testing.T) {
	a := pagesServer(t, Options{BaseURL: "https://cal.example.test"})
	b := pagesServer(t, Options{BaseURL: "https://cal.example.test"})
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
	s := pagesServer(t, Options{})
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
