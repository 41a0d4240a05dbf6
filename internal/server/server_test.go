package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
)

// testYAML is the calendar most tests serve. French is the default language
// so that ?lang=en visibly changes the text. Events carry `updated` so that
// each feed's Last-Modified is the newest of its own events:
//
//	all:   2025-02-03 (workshop)   alpha: 2025-02-02 (panel)
//	beta:  2025-02-03 (workshop)   gamma: the calendar's newest, 2025-02-03
//	delta (no events): the calendar's, 2025-02-03
const testYAML = `
calendar:
  id: testcal
  name: {fr: Calendrier de test, en: Test calendar}
  description: {fr: Pour les tests, en: For tests}
  timezone: Europe/Paris
  languages: [fr, en]
  refresh: 2h
tracks:
  - id: alpha
    name: {fr: Alpha FR, en: Alpha EN}
  - id: beta
    name: Beta
  - id: gamma
    name: Gamma
  - id: delta
    name: Delta # no event is in it yet
events:
  - id: keynote
    title: {fr: Discours d'ouverture, en: Opening keynote}
    start: 2025-03-10 09:00
    end: 2025-03-10 10:00
    tracks: [alpha]
    updated: 2025-02-01T10:00:00Z
  - id: workshop
    title: {fr: Atelier, en: Workshop}
    start: 2025-03-10 11:00
    duration: 2h
    timezone: America/New_York
    tracks: [beta]
    updated: 2025-02-03T10:00:00Z
  - id: panel
    title: {fr: Table ronde, en: Panel}
    description: A long description that goes on for well over seventy-five octets, so that the feed must fold it — with é and 中文 on the way.
    start: 2025-03-11 14:00
    end: 2025-03-11 15:30
    tracks: [alpha, beta]
    updated: 2025-02-02T10:00:00Z
  - id: retreat
    title: Retraite
    start: 2025-03-12
    end: 2025-03-13
    tracks: [gamma]
  - id: social
    title: {fr: Soirée, en: Evening social}
    start: 2025-03-11 19:00
    end: 2025-03-11 22:00
`

// allEvents are the event ids of testYAML.
var allEvents = []string{"keynote", "workshop", "panel", "retreat", "social"}

func TestRoutes(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantType   string   // Content-Type prefix; "" to skip
		wantBody   []string // fragments the body must hold
		wantAllow  string
	}{
		{name: "calendar", method: "GET", target: "/calendar.ics", wantStatus: 200, wantType: "text/calendar", wantBody: []string{"BEGIN:VCALENDAR", "UID:keynote@testcal", "UID:retreat@testcal"}},
		{name: "calendar HEAD", method: "HEAD", target: "/calendar.ics", wantStatus: 200, wantType: "text/calendar"},
		{name: "track", method: "GET", target: "/tracks/alpha.ics", wantStatus: 200, wantType: "text/calendar", wantBody: []string{"UID:keynote@testcal", "UID:panel@testcal"}},
		{name: "track HEAD", method: "HEAD", target: "/tracks/alpha.ics", wantStatus: 200, wantType: "text/calendar"},
		{name: "event", method: "GET", target: "/events/panel.ics", wantStatus: 200, wantType: "text/calendar", wantBody: []string{"UID:panel@testcal"}},
		{name: "event HEAD", method: "HEAD", target: "/events/panel.ics", wantStatus: 200, wantType: "text/calendar"},
		{name: "healthz", method: "GET", target: "/healthz", wantStatus: 200, wantBody: []string{"ok"}},
		{name: "healthz HEAD", method: "HEAD", target: "/healthz", wantStatus: 200},

		{name: "empty track", method: "GET", target: "/tracks/delta.ics", wantStatus: 200, wantType: "text/calendar", wantBody: []string{"BEGIN:VCALENDAR"}},
		{name: "unknown track", method: "GET", target: "/tracks/alpah.ics", wantStatus: 404, wantBody: []string{"alpah", "alpha", "beta", "gamma", "delta"}},
		{name: "unknown track HEAD", method: "HEAD", target: "/tracks/alpah.ics", wantStatus: 404},
		{name: "unknown event", method: "GET", target: "/events/nope.ics", wantStatus: 404, wantBody: []string{"nope", "keynote", "workshop", "panel", "retreat", "social"}},
		{name: "unknown path", method: "GET", target: "/calendar.ical", wantStatus: 404, wantBody: []string{"/calendar.ics", "/tracks/alpha.ics", "/tracks/beta.ics", "/tracks/gamma.ics"}},
		{name: "track without .ics", method: "GET", target: "/tracks/alpha", wantStatus: 404, wantBody: []string{"/tracks/alpha.ics"}},
		{name: "track .ics twice", method: "GET", target: "/tracks/alpha.ics.ics", wantStatus: 404},
		{name: "track in a folder", method: "GET", target: "/tracks/x/alpha.ics", wantStatus: 404},
		{name: "track after //", method: "GET", target: "/tracks//alpha.ics", wantStatus: 404},
		{name: "event with /", method: "GET", target: "/events/panel.ics/", wantStatus: 404},
		{name: "event path for a track", method: "GET", target: "/events/alpha.ics", wantStatus: 404},
		{name: "track path for an event", method: "GET", target: "/tracks/panel.ics", wantStatus: 404},

		{name: "POST calendar", method: "POST", target: "/calendar.ics", wantStatus: 405, wantAllow: "GET, HEAD"},
		{name: "PUT track", method: "PUT", target: "/tracks/alpha.ics", wantStatus: 405, wantAllow: "GET, HEAD"},
		{name: "DELETE event", method: "DELETE", target: "/events/panel.ics", wantStatus: 405, wantAllow: "GET, HEAD"},
		{name: "POST healthz", method: "POST", target: "/healthz", wantStatus: 405, wantAllow: "GET, HEAD"},

		{name: "combined tracks", method: "GET", target: "/calendar.ics?tracks=alpha,beta", wantStatus: 200, wantType: "text/calendar"},
		{name: "combined with an unknown track", method: "GET", target: "/calendar.ics?tracks=alpha,nope", wantStatus: 404, wantBody: []string{"nope", "alpha", "beta", "gamma"}},
		{name: "unknown track in query", method: "GET", target: "/calendar.ics?tracks=nope", wantStatus: 404, wantBody: []string{"nope", "alpha"}},
		{name: "1000 tracks", method: "GET", target: "/calendar.ics?tracks=" + strings.Repeat("alpha,", 999) + "alpha", wantStatus: 400},
		{name: "1000 events", method: "GET", target: "/calendar.ics?events=" + strings.Repeat("panel,", 999) + "panel", wantStatus: 400},
		{name: "agenda", method: "GET", target: "/calendar.ics?events=keynote,social", wantStatus: 200, wantType: "text/calendar"},
		{name: "agenda with an unknown event", method: "GET", target: "/calendar.ics?events=keynote,nope", wantStatus: 404, wantBody: []string{"nope", "keynote", "social"}},
		{name: "tracks and events", method: "GET", target: "/calendar.ics?tracks=alpha&events=keynote", wantStatus: 400},
		{name: "unknown language", method: "GET", target: "/calendar.ics?lang=xx", wantStatus: 200, wantType: "text/calendar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := do(t, s, tc.method, tc.target, nil)
			if w.Code != tc.wantStatus {
				t.Fatalf("%s %s: status = %d, want %d; body:\n%s", tc.method, tc.target, w.Code, tc.wantStatus, w.Body)
			}
			if got := w.Header().Get("Content-Type"); !strings.HasPrefix(got, tc.wantType) {
				t.Errorf("%s %s: Content-Type = %q, want %s…", tc.method, tc.target, got, tc.wantType)
			}
			for _, frag := range tc.wantBody {
				if !strings.Contains(w.Body.String(), frag) {
					t.Errorf("%s %s: body does not contain %q; body:\n%s", tc.method, tc.target, frag, w.Body)
				}
			}
			if got := w.Header().Get("Allow"); got != tc.wantAllow {
				t.Errorf("%s %s: Allow = %q, want %q", tc.method, tc.target, got, tc.wantAllow)
			}
		})
	}
}

// feedTargets are one feed of each kind.
var feedTargets = []string{
	"/calendar.ics",
	"/calendar.ics?lang=en",
	"/tracks/alpha.ics",
	"/events/panel.ics",
	"/calendar.ics?tracks=alpha,beta",
	"/calendar.ics?events=keynote,social",
}

var strongETag = regexp.MustCompile(`^"[^"]+"$`)

func TestFeedHeaders(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	for _, target := range feedTargets {
		t.Run(target, func(t *testing.T) {
			w := get(t, s, target, http.Header{"Accept-Encoding": {"gzip"}})
			h := w.Header()
			for k, want := range map[string]string{
				"Content-Type":                "text/calendar; charset=utf-8",
				"Cache-Control":               "public, max-age=7200",
				"Access-Control-Allow-Origin": "*",
			} {
				if got := h.Get(k); got != want {
					t.Errorf("GET %s: %s = %q, want %q", target, k, got, want)
				}
			}
			if etag := h.Get("ETag"); !strongETag.MatchString(etag) {
				t.Errorf("GET %s: ETag = %q, want a strong, quoted ETag", target, etag)
			}
			if lm, err := http.ParseTime(h.Get("Last-Modified")); err != nil || lm.IsZero() {
				t.Errorf("GET %s: Last-Modified = %q, want an HTTP date", target, h.Get("Last-Modified"))
			}
			for _, k := range []string{"Set-Cookie", "Content-Encoding", "Location"} {
				if v, ok := h[k]; ok {
					t.Errorf("GET %s: %s = %q, want none", target, k, v)
				}
			}
			wantDisp := ""
			if target == "/events/panel.ics" {
				wantDisp = `attachment; filename="panel.ics"`
			}
			if got := h.Get("Content-Disposition"); got != wantDisp {
				t.Errorf("GET %s: Content-Disposition = %q, want %q", target, got, wantDisp)
			}

			head := do(t, s, http.MethodHead, target, http.Header{"Accept-Encoding": {"gzip"}})
			if head.Code != http.StatusOK {
				t.Fatalf("HEAD %s: status = %d, want 200", target, head.Code)
			}
			if diff := cmp.Diff(withoutDate(t, h), withoutDate(t, head.Header())); diff != "" {
				t.Errorf("HEAD %s: headers differ from GET (-GET +HEAD):\n%s", target, diff)
			}
			if head.Body.Len() != 0 {
				t.Errorf("HEAD %s: body has %d bytes, want none", target, head.Body.Len())
			}
		})
	}
}

// TestLastModified checks that Last-Modified is the data's own time: the
// newest `updated` among the feed's events.
func TestLastModified(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	tests := []struct {
		target string
		want   time.Time
	}{
		{"/calendar.ics", time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)},
		{"/tracks/alpha.ics", time.Date(2025, 2, 2, 10, 0, 0, 0, time.UTC)},
		{"/tracks/gamma.ics", time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)},
		{"/tracks/delta.ics", time.Date(2025, 2, 3, 10, 0, 0, 0, time.UTC)},
		{"/events/keynote.ics", time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC)},
		{"/calendar.ics?events=keynote,panel", time.Date(2025, 2, 2, 10, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		w := get(t, s, tc.target, nil)
		got, err := http.ParseTime(w.Header().Get("Last-Modified"))
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("GET %s: Last-Modified = %q, want %s", tc.target, w.Header().Get("Last-Modified"), tc.want.Format(http.TimeFormat))
		}
	}
}

func TestConditionalGet(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	for _, target := range []string{"/calendar.ics", "/tracks/beta.ics", "/events/keynote.ics", "/calendar.ics?tracks=beta,alpha"} {
		t.Run(target, func(t *testing.T) {
			first := get(t, s, target, nil)
			etag := first.Header().Get("ETag")
			lm, err := http.ParseTime(first.Header().Get("Last-Modified"))
			if err != nil {
				t.Fatalf("GET %s: Last-Modified = %q: %v", target, first.Header().Get("Last-Modified"), err)
			}
			tests := []struct {
				name   string
				header http.Header
				want   int
			}{
				{"matching ETag", http.Header{"If-None-Match": {etag}}, 304},
				{"ETag in a list", http.Header{"If-None-Match": {`"other", ` + etag}}, 304},
				{"any ETag", http.Header{"If-None-Match": {"*"}}, 304},
				{"other ETag", http.Header{"If-None-Match": {`"0123456789abcdef"`}}, 200},
				{"weak form of the ETag", http.Header{"If-None-Match": {"W/" + etag}}, 304}, // If-None-Match compares weakly (RFC 9110 §13.1.2)
				{"modified since Last-Modified", http.Header{"If-Modified-Since": {lm.Format(http.TimeFormat)}}, 304},
				{"modified since later", http.Header{"If-Modified-Since": {lm.Add(time.Hour).Format(http.TimeFormat)}}, 304},
				{"modified since earlier", http.Header{"If-Modified-Since": {lm.Add(-time.Second).Format(http.TimeFormat)}}, 200},
				// RFC 9110 §13.1.3: If-Modified-Since is ignored when If-None-Match is present.
				{"other ETag wins over date", http.Header{"If-None-Match": {`"other"`}, "If-Modified-Since": {lm.Add(time.Hour).Format(http.TimeFormat)}}, 200},
			}
			for _, tc := range tests {
				w := do(t, s, http.MethodGet, target, tc.header)
				if w.Code != tc.want {
					t.Errorf("GET %s (%s): status = %d, want %d", target, tc.name, w.Code, tc.want)
					continue
				}
				if tc.want == http.StatusNotModified {
					if w.Body.Len() != 0 {
						t.Errorf("GET %s (%s): 304 has a %d-byte body, want none", target, tc.name, w.Body.Len())
					}
					if got := w.Header().Get("ETag"); got != etag {
						t.Errorf("GET %s (%s): 304 ETag = %q, want %q", target, tc.name, got, etag)
					}
					// RFC 9110 §15.4.5: the 200's ETag and caching
					// headers, none of the body's description, and no
					// Last-Modified beside the ETag.
					for _, k := range []string{"Cache-Control", "Access-Control-Allow-Origin"} {
						if got, want := w.Header().Values(k), first.Header().Values(k); !slices.Equal(got, want) {
							t.Errorf("GET %s (%s): 304 %s = %q, want %q as the 200's", target, tc.name, k, got, want)
						}
					}
					for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Encoding", "Content-Length", "Last-Modified"} {
						if got := w.Header().Values(k); got != nil {
							t.Errorf("GET %s (%s): 304 has %s %q, want none", target, tc.name, k, got)
						}
					}
				} else if !bytes.Equal(w.Body.Bytes(), first.Body.Bytes()) {
					t.Errorf("GET %s (%s): body differs from the first GET", target, tc.name)
				}
			}
		})
	}
}

func TestGzip(t *testing.T) {
	plain := serverOf(t, testYAML, Options{})
	zipped := serverOf(t, testYAML, Options{Gzip: true})
	for _, target := range feedTargets {
		t.Run(target, func(t *testing.T) {
			want := get(t, plain, target, nil)

			// Without Options.Gzip: never, even when asked.
			w := get(t, plain, target, http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
			if ce := w.Header().Get("Content-Encoding"); ce != "" {
				t.Errorf("GET %s without Options.Gzip: Content-Encoding = %q, want none", target, ce)
			}
			if !bytes.Equal(w.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("GET %s without Options.Gzip: body differs from a request without Accept-Encoding", target)
			}

			// With Options.Gzip but a client that does not ask: plain, same ETag.
			w = get(t, zipped, target, nil)
			if ce := w.Header().Get("Content-Encoding"); ce != "" {
				t.Errorf("GET %s with no Accept-Encoding: Content-Encoding = %q, want none", target, ce)
			}
			if !bytes.Equal(w.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("GET %s with no Accept-Encoding: body differs from the uncompressed server's", target)
			}
			if got, want := w.Header().Get("ETag"), want.Header().Get("ETag"); got != want {
				t.Errorf("GET %s with no Accept-Encoding: ETag = %q, want %q", target, got, want)
			}
			if got := w.Header().Values("Vary"); !slices.Contains(got, "Accept-Encoding") {
				t.Errorf("GET %s with Options.Gzip: Vary = %q, want Accept-Encoding", target, got)
			}

			// With Options.Gzip and Accept-Encoding: gzip.
			w = get(t, zipped, target, http.Header{"Accept-Encoding": {"gzip"}})
			if ce := w.Header().Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("GET %s with gzip: Content-Encoding = %q, want gzip", target, ce)
			}
			if got := w.Header().Values("Vary"); !slices.Contains(got, "Accept-Encoding") {
				t.Errorf("GET %s with gzip: Vary = %q, want Accept-Encoding", target, got)
			}
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatalf("GET %s with gzip: %v", target, err)
			}
			body, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("GET %s with gzip: gunzip: %v", target, err)
			}
			if diff := cmp.Diff(want.Body.String(), string(body)); diff != "" {
				t.Errorf("GET %s with gzip: gunzipped body differs from the uncompressed one (-want +got):\n%s", target, diff)
			}
			etag := w.Header().Get("ETag")
			if !strongETag.MatchString(etag) || etag == want.Header().Get("ETag") {
				t.Errorf("GET %s with gzip: ETag = %q, want a strong ETag other than the uncompressed %q", target, etag, want.Header().Get("ETag"))
			}
			w = do(t, zipped, http.MethodGet, target, http.Header{"Accept-Encoding": {"gzip"}, "If-None-Match": {etag}})
			if w.Code != http.StatusNotModified {
				t.Errorf("GET %s with gzip and If-None-Match: status = %d, want 304", target, w.Code)
			}
			if got := w.Header().Values("Vary"); !slices.Contains(got, "Accept-Encoding") {
				t.Errorf("GET %s with gzip, 304: Vary = %q, want Accept-Encoding", target, got)
			}
			if ce := w.Header().Values("Content-Encoding"); ce != nil {
				t.Errorf("GET %s with gzip, 304: Content-Encoding = %q, want none", target, ce)
			}
		})
	}
}

func TestFeedLines(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	for _, target := range append(feedTargets, "/tracks/gamma.ics", "/events/workshop.ics") {
		body := get(t, s, target, nil).Body.Bytes()
		if !bytes.HasSuffix(body, []byte("END:VCALENDAR\r\n")) {
			t.Errorf("GET %s: body does not end in END:VCALENDAR CRLF", target)
		}
		lines := bytes.SplitAfter(body, []byte("\n"))
		for i, line := range lines {
			if len(line) == 0 {
				continue
			}
			if !bytes.HasSuffix(line, []byte("\r\n")) || bytes.Contains(line[:len(line)-2], []byte("\r")) {
				t.Errorf("GET %s: line %d does not end in CRLF (or holds a bare CR): %q", target, i+1, line)
			}
			// RFC 5545 §3.1: lines of at most 75 octets, excluding the CRLF.
			if n := len(line) - 2; n > 75 {
				t.Errorf("GET %s: line %d is %d octets long, want at most 75: %q", target, i+1, n, line)
			}
		}
	}
}

// TestLastModifiedFuture checks that a feed whose data time is in the future
// (events with no `updated` stand for themselves by their start) says
// Last-Modified: now, as RFC 9110 §8.8.2.1 requires, so that an edit is not
// answered 304 to an If-Modified-Since client until that date.
func TestLastModifiedFuture(t *testing.T) {
	s, err := New(loadCalendar(t, `
calendar:
  id: future
  name: Future
  timezone: UTC
events:
  - id: launch
    title: Launch
    start: 2099-01-01 10:00
    end: 2099-01-01 11:00
`), Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	// A Last-Modified of now is never later than the Date (§8.8.2.1),
	// though the Date's clock reading came first: here the server's clock
	// runs more than a second ahead of it.
	s.now = func() time.Time { return time.Now().Add(1100 * time.Millisecond) }
	for _, h := range []http.Header{nil, {"If-None-Match": {`"other"`}}} {
		w := get(t, s, "/calendar.ics", h)
		date, err1 := http.ParseTime(w.Header().Get("Date"))
		lm, err2 := http.ParseTime(w.Header().Get("Last-Modified"))
		if err1 != nil || err2 != nil || lm.After(date) {
			t.Errorf("GET /calendar.ics: Last-Modified %q, Date %q; want Last-Modified no later", w.Header().Get("Last-Modified"), w.Header().Get("Date"))
		}
	}

	// The same when the data time has just passed, by the server's clock,
	// and not by the request log's.
	s.now = func() time.Time { return time.Date(2099, 1, 1, 10, 0, 0, 500_000_000, time.UTC) }
	for _, h := range []http.Header{nil, {"If-None-Match": {`"other"`}}} {
		w := get(t, s, "/calendar.ics", h)
		if got := w.Header().Get("Date"); got != "Thu, 01 Jan 2099 10:00:00 GMT" {
			t.Errorf("GET /calendar.ics as its data time passes: Date %q, want the server's now, no earlier than Last-Modified %q", got, w.Header().Get("Last-Modified"))
		}
	}

	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return now }

	w := get(t, s, "/calendar.ics", nil)
	lm, err := http.ParseTime(w.Header().Get("Last-Modified"))
	if err != nil || !lm.Equal(now) {
		t.Fatalf("GET /calendar.ics: Last-Modified = %q, want now, %s", w.Header().Get("Last-Modified"), now.Format(http.TimeFormat))
	}
	ims := http.Header{"If-Modified-Since": {lm.Format(http.TimeFormat)}}
	if w := do(t, s, http.MethodGet, "/calendar.ics", ims); w.Code != http.StatusNotModified {
		t.Errorf("GET /calendar.ics with If-Modified-Since = Last-Modified: status = %d, want 304", w.Code)
	}
	// An hour later the file may have changed; the date alone cannot say it has not.
	now = now.Add(time.Hour)
	if w := do(t, s, http.MethodGet, "/calendar.ics", ims); w.Code != http.StatusOK {
		t.Errorf("GET /calendar.ics an hour later with the old If-Modified-Since: status = %d, want 200", w.Code)
	}

	// Once the date has passed, it is the Last-Modified, and the clock is
	// not read for it again.
	now = time.Date(2099, 1, 2, 0, 0, 0, 0, time.UTC)
	readings := 0
	s.now = func() time.Time { readings++; return now }
	want := time.Date(2099, 1, 1, 10, 0, 0, 0, time.UTC)
	for range 3 {
		w := get(t, s, "/calendar.ics", nil)
		if lm, err := http.ParseTime(w.Header().Get("Last-Modified")); err != nil || !lm.Equal(want) {
			t.Errorf("GET /calendar.ics in 2099: Last-Modified = %q, want %s", w.Header().Get("Last-Modified"), want.Format(http.TimeFormat))
		}
	}
	if readings != 1 {
		t.Errorf("three GETs of a feed whose date has passed read the clock %d times, want 1", readings)
	}
}

// TestGzipAcceptEncoding checks how Accept-Encoding is read: weight 0 means
// "not this", however the weight is written (RFC 9110 §12.4.2).
func TestGzipAcceptEncoding(t *testing.T) {
	s := serverOf(t, testYAML, Options{Gzip: true})
	tests := []struct {
		accept string
		want   string // Content-Encoding
	}{
		{"gzip", "gzip"},
		{"GZIP", "gzip"},
		{"deflate, gzip;q=1.0, br", "gzip"},
		{"gzip;q=0.5", "gzip"},
		{"gzip; q=0.001", "gzip"},
		{"gzip;q=0", ""},
		{"gzip; q=0", ""},
		{"gzip;Q=0", ""},
		{"gzip;q=0.0", ""},
		{"gzip;q=0.000", ""},
		{"br, gzip;q=0", ""},
		{"identity", ""},
		{"deflate, br", ""},
		{"", ""},
	}
	for _, tc := range tests {
		w := get(t, s, "/calendar.ics", http.Header{"Accept-Encoding": {tc.accept}})
		if got := w.Header().Get("Content-Encoding"); got != tc.want {
			t.Errorf("GET /calendar.ics with Accept-Encoding %q: Content-Encoding = %q, want %q", tc.accept, got, tc.want)
		}
	}
}

// TestLastModifiedOwnFields: a stamped change of the calendar's own fields
// (its name, its refresh interval) dates every feed: one revalidated by
// date alone (If-Modified-Since) is sent again, not answered 304. Fields
// that differ from what the lock recorded are unstamped.
func TestLastModifiedOwnFields(t *testing.T) {
	cal := loadCalendar(t, testYAML)
	ownChange := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) // after every event's data time
	// The events as the lock recorded them (an event it does not record
	// would undate every feed: see TestUndatedUntilStamped).
	revisions := map[string]calendar.Revision{}
	for id, h := range stampHashes(t, cal) {
		revisions[id] = calendar.Revision{Hash: h, Modified: ownChange.Add(-24 * time.Hour)}
	}
	withOwn := func(hash string) *Server {
		c, err := calendar.Load("test.yaml", strings.NewReader(testYAML), calendar.Options{History: func() *calendar.History {
			return &calendar.History{Revisions: revisions, Own: &calendar.Revision{Hash: hash, Modified: ownChange}}
		}})
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(c, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.now = func() time.Time { return ownChange.Add(48 * time.Hour) }
		return s
	}
	s := withOwn(cal.OwnHash())
	if s.OwnUnstamped() {
		t.Error("the fields as recorded are unstamped")
	}
	for _, target := range []string{"/calendar.ics", "/tracks/" + cal.Tracks[0].ID + ".ics", "/changes.atom"} {
		rec := get(t, s, target, nil)
		if got := rec.Header().Get("Last-Modified"); got != ownChange.Format(http.TimeFormat) {
			t.Errorf("%s: Last-Modified %q, want the own fields' change, %s", target, got, ownChange.Format(http.TimeFormat))
		}
		before := ownChange.Add(-time.Hour).Format(http.TimeFormat)
		if rec := do(t, s, http.MethodGet, target, http.Header{"If-Modified-Since": {before}}); rec.Code != http.StatusOK {
			t.Errorf("%s: If-Modified-Since before the change: status %d, want 200", target, rec.Code)
		}
		if rec := do(t, s, http.MethodGet, target, http.Header{"If-Modified-Since": {ownChange.Format(http.TimeFormat)}}); rec.Code != http.StatusNotModified {
			t.Errorf("%s: If-Modified-Since at the change: status %d, want 304", target, rec.Code)
		}
	}
	if !withOwn("0000").OwnUnstamped() {
		t.Error("fields that differ from what the lock recorded are not unstamped")
	}
}
