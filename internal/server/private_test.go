package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
	"calfeed/internal/token"
	"calfeed/internal/web"
)

// privateYAML has a private track (hush) with an event (hush-retreat),
// a private event in a public track (quiet-caucus), an event in both a
// public and the private track (joint-session), a private event of no
// track (lone-vigil), and public events. Every private word is one no
// public word contains, in both of the calendar's languages.
const privateYAML = `calendar:
  id: testcal
  name: {en: Test forum, zh: 测试论坛}
  timezone: Europe/Zurich
  languages: [en, zh]
tracks:
  - {id: gender, name: {en: Gender, zh: 性别}}
  - id: hush
    name: {en: Hushboard, zh: 密董事会}
    description: {en: Closed door hushboard, zh: 闭门密会}
    private: true
events:
  - id: opening
    title: {en: Opening, zh: 开幕}
    start: 2026-05-04T09:00
    end: 2026-05-04T10:00
    location: Room A
    tracks: [gender]
  - id: hush-retreat
    title: {en: Hushretreat, zh: 密室务虚会}
    description: {en: Hushwords only, zh: 机密议程}
    start: 2026-05-04T11:00
    end: 2026-05-04T12:00
    location: Vaultroom 9
    url: https://example.org/hushlink
    tracks: [hush]
  - id: quiet-caucus
    title: {en: Quietcaucus, zh: 闭门核心会}
    start: 2026-05-05T09:00
    end: 2026-05-05T10:00
    location: Cellarroom
    tracks: [gender]
    private: true
  - id: joint-session
    title: {en: Jointsecret, zh: 联席密谈}
    start: 2026-05-05T11:00
    end: 2026-05-05T12:00
    tracks: [gender, hush]
  - id: lone-vigil
    title: {en: Lonevigil, zh: 独守}
    start: 2026-05-06T09:00
    end: 2026-05-06T10:00
    private: true
  - id: closing
    title: {en: Closing, zh: 闭幕}
    start: 2026-05-06T15:00
    end: 2026-05-06T16:00
`

// privateWords are the texts, ids and rooms no public response may hold.
var privateWords = []string{
	"hush", "Hushretreat", "密室务虚会", "Hushwords", "机密议程", "Vaultroom", "hushlink",
	"quiet-caucus", "Quietcaucus", "闭门核心会", "Cellarroom",
	"joint-session", "Jointsecret", "联席密谈",
	"lone-vigil", "Lonevigil", "独守",
	"Hushboard", "密董事会", "闭门密会",
}

// privateServer serves privateYAML with a lock that recorded history
// (a private event edited, another removed) and three tokens: one granting
// hush, one gender (a public track), one everything. It returns the
// server, the tokens and the log.
func privateServer(t *testing.T) (*Server, map[string]string, *bytes.Buffer) {
	t.Helper()
	// The first stamp has a private event since removed (hush-gone); the
	// second records its removal and an edit of hush-retreat.
	before := strings.Replace(privateYAML, "  - id: closing\n", `  - {id: hush-gone, title: Hushgone, start: 2026-05-07T09:00, end: 2026-05-07T10:00, tracks: [hush]}
  - id: closing
`, 1)
	before = strings.Replace(before, "title: {en: Hushretreat,", "title: {en: Hushretreat old,", 1)
	lk := stampYAML(t, before, nil, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	lk = stampYAML(t, privateYAML, lk, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	var logs bytes.Buffer
	s, tokens := servePrivate(t, privateYAML, lk, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), BaseURL: "https://cal.example.org"})
	return s, tokens, &logs
}

// stampYAML is the lock calfeed stamp writes at at for the calendar src,
// after old (nil for a first stamp).
func stampYAML(t *testing.T, src string, old *lock.File, at time.Time) *lock.File {
	t.Helper()
	cal := loadCalendar(t, src)
	f, _ := lock.Stamp(cal, stampHashes(t, cal), old, at)
	return f
}

// servePrivate serves src with the history of lk and three tokens: board
// (granting hush), gender (a public track) and staff (everything).
func servePrivate(t *testing.T, src string, lk *lock.File, opts Options) (*Server, map[string]string) {
	t.Helper()
	h, err := lk.History()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load("test.yaml", strings.NewReader(src), calendar.Options{History: func() *calendar.History { return h }})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cal, opts)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	var f *token.File
	for name, g := range map[string]calendar.Grant{"board": {Tracks: []string{"hush"}}, "gender": {Tracks: []string{"gender"}}, "staff": {All: true}} {
		var tok string
		if f, tok, err = f.Add(cal.ID, name, g, time.Now()); err != nil {
			t.Fatal(err)
		}
		tokens[name] = tok
	}
	s.SetTokens(f)
	return s, tokens
}

// TestPrivateNothingPublic crawls every public path in every language, and
// every link the public pages and lists give, and finds no private word.
func TestPrivateNothingPublic(t *testing.T) {
	s, tokens, logs := privateServer(t)
	// Use the secret addresses first, so that whatever they render or
	// count is there to leak.
	for _, tok := range tokens {
		for _, p := range []string{"/", "/calendar.ics", "/tracks/hush.ics", "/events/hush-retreat.ics", "/feeds.json", "/changes.atom", "/calendar.ics?tracks=hush&alarm=15m"} {
			do(t, s, http.MethodGet, "/p/"+tok+p, nil)
		}
	}
	var start []string
	for _, lang := range append(web.UILanguages(), "") {
		q := "?lang=" + lang
		start = append(start, "/"+q, "/"+q+"&page=2", "/embed"+q, "/embed"+q+"&feeds=gender", "/feeds.json"+q,
			"/calendar.ics"+q, "/calendar.ics"+q+"&alarm=1h", "/changes.atom"+q, "/tracks/gender.ics"+q)
	}
	start = append(start,
		"/calendar.ics?tracks=hush", "/calendar.ics?tracks=gender,hush", "/calendar.ics?events=hush-retreat",
		"/calendar.ics?events=opening,quiet-caucus", "/calendar.ics?events=lone-vigil", "/tracks/hush.ics",
		"/events/hush-retreat.ics", "/events/hush-gone.ics", "/events/quiet-caucus.ics", "/events/nope.ics",
		"/tracks/nope.ics", "/nope", "/qr/hush.svg", "/qr/all.svg", "/qr/gender.png", "/subscribe/google/hush",
		"/subscribe/apple/all", "/?agenda=quiet-caucus,opening", "/healthz", "/metrics", "/robots.txt",
		"/p/", "/p/nothing/", "/p/"+tokens["board"][:20]+"/")
	seen := map[string]bool{}
	queue := slices.Clone(start)
	linkRE := regexp.MustCompile(`(?:href|src)="([^"]+)"|"(https://cal\.example\.org/[^"]*)"|<(https://cal\.example\.org/[^>]*)>`)
	for len(queue) > 0 && len(seen) < 3000 {
		target := queue[0]
		queue = queue[1:]
		if seen[target] {
			continue
		}
		seen[target] = true
		w := do(t, s, http.MethodGet, target, http.Header{"Accept-Language": {"zh"}})
		body := w.Body.String()
		// A 404 repeats the id asked for, as for any unknown id (checked
		// below): what the request itself said is no leak.
		checked := strings.ToLower(body)
		for _, word := range privateWords {
			if w.Code == http.StatusNotFound && strings.Contains(strings.ToLower(target), strings.ToLower(word)) {
				checked = strings.ReplaceAll(checked, strings.ToLower(word), "")
			}
		}
		for _, word := range privateWords {
			if strings.Contains(checked, strings.ToLower(word)) {
				t.Errorf("GET %s (%d) shows the private %q:\n%.400s", target, w.Code, word, body)
			}
		}
		for k, vs := range w.Header() {
			for _, v := range vs {
				if strings.Contains(strings.ToLower(v), "hush") || strings.Contains(v, "quiet") || strings.Contains(v, "lone") {
					t.Errorf("GET %s: header %s: %s names a private event", target, k, v)
				}
			}
		}
		here, err := url.Parse("https://cal.example.org" + target)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRE.FindAllStringSubmatch(unescapeAmp(body), -1) {
			u, err := here.Parse(m[1] + m[2] + m[3])
			if err != nil || u.Host != "cal.example.org" {
				continue
			}
			if u.Path == "" || strings.HasPrefix(u.Path, "/p/") {
				continue
			}
			next := u.Path
			if u.RawQuery != "" {
				next += "?" + u.RawQuery
			}
			if !seen[next] {
				queue = append(queue, next)
			}
		}
	}
	// Asking for a private id is answered as for an id that never was.
	for private, unknown := range map[string]string{
		"/tracks/hush.ics":                         "/tracks/zzzz.ics",
		"/events/hush-retreat.ics":                 "/events/zzzz-zzzzzzz.ics",
		"/events/hush-gone.ics":                    "/events/zzzz-zzzz.ics",
		"/calendar.ics?tracks=hush":                "/calendar.ics?tracks=zzzz",
		"/calendar.ics?events=quiet-caucus":        "/calendar.ics?events=zzzzz-zzzzzz",
		"/qr/hush.svg":                             "/qr/zzzz.svg",
		"/subscribe/google/hush":                   "/subscribe/google/zzzz",
		"/embed?feeds=hush":                        "/embed?feeds=zzzz",
		"/calendar.ics?tracks=gender,hush&lang=zh": "/calendar.ics?tracks=gender,zzzz&lang=zh",
	} {
		a, b := do(t, s, http.MethodGet, private, nil), do(t, s, http.MethodGet, unknown, nil)
		id := regexp.MustCompile(`[a-z]+(-[a-z]+)?`).ReplaceAllStringFunc
		mask := func(s string) string { return id(s, func(w string) string { return strings.Repeat("z", len(w)) }) }
		if a.Code != b.Code || mask(a.Body.String()) != mask(b.Body.String()) {
			t.Errorf("GET %s: %d %q; GET %s: %d %q; want the same answer", private, a.Code, a.Body, unknown, b.Code, b.Body)
		}
	}
	t.Logf("crawled %d paths", len(seen))
	// An invalid edit: its problems quote the file (here the tracks it
	// has, hush among them); /healthz gives their places alone.
	bad := strings.Replace(privateYAML, "location: Cellarroom\n    tracks: [gender]", "location: Cellarroom\n    tracks: [nosuch]", 1)
	_, err := calendar.Load("test.yaml", strings.NewReader(bad), calendar.Options{})
	if err == nil || !strings.Contains(err.Error(), "hush") {
		t.Fatalf("the invalid edit's problems do not name hush: %v", err)
	}
	s.LoadFailed(err)
	if body := get(t, s, "/healthz", nil).Body.String(); strings.Contains(body, "hush") || !strings.Contains(body, "test.yaml:") {
		t.Errorf("/healthz of an invalid edit:\n%s", body)
	}
	if len(seen) < 100 {
		t.Errorf("the crawl reached only %d paths", len(seen))
	}
	for _, tok := range tokens {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("a token is in the log:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "/p/{token}/tracks/hush.ics") {
		t.Errorf("the log does not show secret addresses masked:\n%.2000s", logs.String())
	}
}

func unescapeAmp(s string) string { return strings.ReplaceAll(s, "&amp;", "&") }

// TestPrivateAddress: a token's address shows the public calendar and
// what the token grants, under every path, with private headers.
func TestPrivateAddress(t *testing.T) {
	s, tokens, _ := privateServer(t)
	for _, tc := range []struct {
		name       string
		want, hide []string // UIDs' ids in /calendar.ics
	}{
		{"board", []string{"opening", "hush-retreat", "joint-session", "closing"}, []string{"quiet-caucus", "lone-vigil"}},
		{"gender", []string{"opening", "quiet-caucus", "joint-session", "closing"}, []string{"hush-retreat", "lone-vigil"}},
		{"staff", []string{"opening", "hush-retreat", "quiet-caucus", "joint-session", "lone-vigil", "closing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := "/p/" + tokens[tc.name]
			w := get(t, s, p+"/calendar.ics", nil)
			if diff := slices.Compare(uids(t, tc.name, parseFeed(t, tc.name, w.Body.Bytes())), uidsOf(tc.want...)); diff != 0 {
				t.Errorf("feed has %v, want %v", uids(t, tc.name, parseFeed(t, tc.name, w.Body.Bytes())), uidsOf(tc.want...))
			}
			checkPrivateHeaders(t, p+"/calendar.ics", w.Header())
			for _, id := range tc.hide {
				if w := do(t, s, http.MethodGet, p+"/events/"+id+".ics", nil); w.Code != http.StatusNotFound {
					t.Errorf("%s's download: %d, want 404", id, w.Code)
				}
			}
			page := get(t, s, p+"/?lang=zh", nil)
			checkPrivateHeaders(t, p+"/", page.Header())
			body := page.Body.String()
			if !strings.Contains(body, "私密地址") || !strings.Contains(body, `content="noindex, nofollow"`) {
				t.Error("the page does not say it is private")
			}
			if !strings.Contains(body, "https://cal.example.org"+p+"/calendar.ics") || !strings.Contains(body, "webcal://cal.example.org"+p+"/calendar.ics") {
				t.Error("the page's links are not to the secret address")
			}
			feedURL := url.QueryEscape("https://cal.example.org" + p + "/calendar.ics")
			for client, link := range map[string]string{
				"Google":    "https://calendar.google.com/calendar/render?cid=" + feedURL,
				"Outlook":   "https://outlook.live.com/calendar/0/addfromweb?name=" + url.QueryEscape("测试论坛") + "&amp;url=" + feedURL,
				"Microsoft": "https://outlook.office.com/calendar/0/addfromweb?name=" + url.QueryEscape("测试论坛") + "&amp;url=" + feedURL,
				"Apple":     `href="webcal://cal.example.org` + p + "/calendar.ics",
			} {
				if !strings.Contains(body, link) {
					t.Errorf("the page has no %s button for the secret address", client)
				}
			}
			var list struct {
				Feeds []struct{ URL string } `json:"feeds"`
			}
			if err := json.Unmarshal(get(t, s, p+"/feeds.json", nil).Body.Bytes(), &list); err != nil {
				t.Fatal(err)
			}
			for _, f := range list.Feeds {
				if !strings.HasPrefix(f.URL, "https://cal.example.org"+p+"/") {
					t.Errorf("feeds.json lists %s, not under the secret address", f.URL)
				}
			}
			for _, path := range []string{"/healthz", "/metrics", "/p/" + tokens["staff"] + "/"} {
				if w := do(t, s, http.MethodGet, p+path, nil); w.Code != http.StatusNotFound {
					t.Errorf("%s under a secret address: %d, want 404", path, w.Code)
				}
			}
		})
	}
	board := "/p/" + tokens["board"]
	w := get(t, s, board+"/tracks/hush.ics?lang=zh&alarm=15m", nil)
	if !strings.Contains(w.Body.String(), "密室务虚会") || !strings.Contains(w.Body.String(), "BEGIN:VALARM") {
		t.Error("the private track's feed lacks its event in Chinese with its reminder")
	}
	atom := get(t, s, board+"/changes.atom", nil).Body.String()
	if !strings.Contains(atom, "Hushretreat") || !strings.Contains(atom, "Hushgone") {
		t.Errorf("the board's changes feed lacks the board's changes:\n%s", atom)
	}
	if w := do(t, s, http.MethodGet, board+"/events/hush-gone.ics", nil); w.Code != http.StatusGone {
		t.Errorf("a removed private event's download under its address: %d, want 410", w.Code)
	}
	if w := do(t, s, http.MethodGet, board, nil); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != board+"/" {
		t.Errorf("%s without a slash: %d to %q, want 301 to the page", "/p/{token}", w.Code, w.Header().Get("Location"))
	}
}

func checkPrivateHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	if cc := h.Get("Cache-Control"); !strings.HasPrefix(cc, "private") || strings.Contains(cc, "public") {
		t.Errorf("%s: Cache-Control %q, want private", what, cc)
	}
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("%s: Access-Control-Allow-Origin set on a private response", what)
	}
	if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Robots-Tag") == "" {
		t.Errorf("%s: Referrer-Policy %q, X-Robots-Tag %q", what, h.Get("Referrer-Policy"), h.Get("X-Robots-Tag"))
	}
}

// TestPrivateWrongToken: a wrong, cut or revoked token is the 404 of any
// unknown path, word for word but for the path.
func TestPrivateWrongToken(t *testing.T) {
	s, tokens, _ := privateServer(t)
	unknown := do(t, s, http.MethodGet, "/nowhere/calendar.ics", nil)
	same := func(target string) {
		t.Helper()
		w := do(t, s, http.MethodGet, target, nil)
		if w.Code != unknown.Code || strings.ReplaceAll(w.Body.String(), target, "/nowhere/calendar.ics") != unknown.Body.String() {
			t.Errorf("GET %s: %d %q, want the 404 of an unknown path (%d %q)", target, w.Code, w.Body, unknown.Code, unknown.Body)
		}
		for _, k := range []string{"Content-Type", "Cache-Control"} {
			if w.Header().Get(k) != unknown.Header().Get(k) {
				t.Errorf("GET %s: %s %q, unknown path's %q", target, k, w.Header().Get(k), unknown.Header().Get(k))
			}
		}
	}
	board := tokens["board"]
	for _, wrong := range []string{board[:42], board + "x", strings.ToLower(board), strings.Repeat("A", 43), ""} {
		same("/p/" + wrong + "/calendar.ics")
	}
	get(t, s, "/p/"+board+"/calendar.ics", nil)

	f := s.tokens.Load()
	revoked := &token.File{Version: f.Version, Tokens: slices.Clone(f.Tokens)}
	if !revoked.Revoke("board") {
		t.Fatal("no board token")
	}
	s.SetTokens(revoked)
	same("/p/" + board + "/calendar.ics")
	same("/p/" + board + "/")
	get(t, s, "/p/"+tokens["staff"]+"/calendar.ics", nil)
	s.SetTokens(nil)
	same("/p/" + tokens["staff"] + "/calendar.ics")
}

// TestPrivateReload: a secret address serves the calendar as last loaded,
// and an event made private leaves the public feeds.
func TestPrivateReload(t *testing.T) {
	s, tokens, _ := privateServer(t)
	staff := "/p/" + tokens["staff"] + "/calendar.ics"
	if !strings.Contains(get(t, s, staff, nil).Body.String(), "Lonevigil") {
		t.Fatal("staff's feed lacks lone-vigil")
	}
	edited := strings.Replace(privateYAML, "title: {en: Lonevigil, zh: 独守}", "title: {en: Lonewatch, zh: 独守}", 1)
	edited = strings.Replace(edited, "    location: Room A\n", "    location: Room A\n    private: true\n", 1)
	if err := s.Load(loadCalendar(t, edited)); err != nil {
		t.Fatal(err)
	}
	body := get(t, s, staff, nil).Body.String()
	if !strings.Contains(body, "Lonewatch") || !strings.Contains(body, "UID:opening@") {
		t.Error("staff's feed is not the reloaded calendar")
	}
	if strings.Contains(get(t, s, "/calendar.ics", nil).Body.String(), "opening@") {
		t.Error("an event made private is still in the public feed")
	}
	if got := s.Calendar().Event("lone-vigil"); got == nil {
		t.Error("Calendar() lost the private events: a stamp would record them removed")
	}
	if _, ok := s.ContentHashes()["lone-vigil"]; !ok {
		t.Error("ContentHashes lacks a private event")
	}
}

func TestMaskToken(t *testing.T) {
	const tok = "WdTxn-3WTOtO8-eNa4Cw5YObmDb8e15B_IM4wzpg0r4"
	lower := strings.Repeat("ab-c", 11)[:43] // an id could be this: masked after /p/ only
	for in, want := range map[string]string{
		"/p/" + tok + "/calendar.ics":                         "/p/{token}/calendar.ics",
		"/p/" + tok:                                           "/p/{token}",
		"/wsis/p/" + tok + "/tracks/x.ics":                    "/wsis/p/{token}/tracks/x.ics",
		"/P/" + tok + "/calendar.ics":                         "/P/{token}/calendar.ics",
		"//p//" + tok + "/calendar.ics":                       "//p//{token}/calendar.ics",
		"/q/" + tok + "x.ics":                                 "/q/{token}.ics",
		"/wsis//p/" + tok + "." + tok:                         "/wsis//p/{token}.{token}",
		"/p/" + lower + "/calendar.ics":                       "/p/{token}/calendar.ics",
		"/events/" + lower + ".ics":                           "/events/" + lower + ".ics",
		"/calendar.ics":                                       "/calendar.ics",
		"/p/abc/calendar.ics":                                 "/p/{token}/calendar.ics",
		"/p/" + tok[:42] + "/calendar.ics":                    "/p/{token}/calendar.ics",
		"/P/" + tok[:40] + "/calendar.ics":                    "/P/{token}/calendar.ics",
		"x=" + tok[:20] + "&lang=zh":                          "x={token}&lang=zh",
		"x=%57%64%54" + tok[3:] + "&y=1":                      "x={token}&y=1",
		"x=%57%64%54%78%6E-3WTOtO8-eN":                        "x={token}",
		"tz=America/Argentina/Buenos_Aires":                   "tz=America/Argentina/Buenos_Aires",
		"tz=Antarctica/DumontDUrville&lang=en":                "tz=Antarctica/DumontDUrville&lang=en",
		"/tracks/track-015.ics":                               "/tracks/track-015.ics",
		"/qr/gender.svg?lang=zh%2Dhans":                       "/qr/gender.svg?lang=zh%2Dhans",
		"tracks=measurement-and-evaluation%2Cgender-equality": "tracks=measurement-and-evaluation%2Cgender-equality",
		"tz=America%2FPort-au-Prince":                         "tz=America%2FPort-au-Prince",
		"tz=Antarctica%2FDumont_DUrville":                     "tz=Antarctica%2FDumont_DUrville",
		"tz=America%2FArgentina%2FComodRivadavia":             "tz=America%2FArgentina%2FComodRivadavia",
		"events=opening,closing&lang=zh":                      "events=opening,closing&lang=zh",
		"x=" + tok + "&lang=zh":                               "x={token}&lang=zh",
		"/tracks/bureau.ics/../../p/" + tok + "/":             "/tracks/bureau.ics/../../p/{token}/",
	} {
		if got := maskToken(in); got != want {
			t.Errorf("maskToken(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTokensOfAnotherCalendar: the tokens of a file made for another
// calendar (one that held the events file before this one took it over)
// open nothing: their secret addresses are 404s, as unknown ones are.
func TestTokensOfAnotherCalendar(t *testing.T) {
	s, tokens, _ := privateServer(t)
	target := "/p/" + tokens["staff"] + "/calendar.ics"
	if c := get(t, s, target, nil).Code; c != http.StatusOK {
		t.Fatalf("GET %s with the calendar's own tokens: %d", target, c)
	}
	f, tok, err := (*token.File)(nil).Add("another-calendar", "staff", calendar.Grant{All: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.SetTokens(f)
	for _, target := range []string{"/p/" + tok + "/calendar.ics", "/p/" + tok + "/"} {
		if c := do(t, s, http.MethodGet, target, nil).Code; c != http.StatusNotFound {
			t.Errorf("GET %s with another calendar's token: %d, want 404", target, c)
		}
	}
}

// TestPrivateSizeNotInMetrics: /metrics counts the requests of secret
// addresses, not the bytes of their bodies, which would give away the size
// of the private calendar and when it changes.
func TestPrivateSizeNotInMetrics(t *testing.T) {
	s, tokens, _ := privateServer(t)
	get(t, s, "/calendar.ics", nil)
	get(t, s, "/p/"+tokens["staff"]+"/calendar.ics", nil)
	m := get(t, s, "/metrics", nil).Body.String()
	if !strings.Contains(m, `calfeed_http_requests_total{calendar="`) || !strings.Contains(m, `route="/p/{token}/calendar.ics"`) {
		t.Fatalf("/metrics does not count the secret address's request:\n%s", m)
	}
	for _, line := range strings.Split(m, "\n") {
		if strings.HasPrefix(line, "calfeed_http_response_bytes_total") && strings.Contains(line, "/p/{token}") {
			t.Errorf("/metrics counts a secret address's bytes: %s", line)
		}
	}
	if !strings.Contains(m, `calfeed_http_response_bytes_total{calendar="`) {
		t.Error("/metrics no longer counts the public bytes")
	}
}

// TestTokensUnreadable: while the tokens file cannot be read, no secret
// address is served (what it revokes is unknown), each answering 503 with
// a Retry-After and the private headers, and the public calendar as
// before; once it is read again, they are back.
func TestTokensUnreadable(t *testing.T) {
	s, tokens, _ := privateServer(t)
	f := s.tokens.Load()
	target := "/p/" + tokens["staff"] + "/calendar.ics"
	s.TokensUnreadable()
	for _, path := range []string{target, "/p/" + tokens["board"] + "/", "/p/unknown/calendar.ics"} {
		rec := do(t, s, http.MethodGet, path, nil)
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
			rec.Header().Get("Referrer-Policy") != "no-referrer" || strings.Contains(rec.Body.String(), "BEGIN:VCALENDAR") {
			t.Errorf("GET %s with the tokens file unreadable: %d %v", path, rec.Code, rec.Header())
		}
	}
	if c := get(t, s, "/calendar.ics", nil).Code; c != http.StatusOK {
		t.Errorf("the public feed with the tokens file unreadable: %d", c)
	}
	s.SetTokens(f)
	if c := get(t, s, target, nil).Code; c != http.StatusOK {
		t.Errorf("a secret address once the tokens file is read again: %d", c)
	}
}

// TestPrivateServersBounded: the servers of secret addresses count against
// the memory budget (-cache-size): past half of it, those used least
// recently (and not within minResidency) are dropped, and made again on
// their next request, which is answered as before. With the default
// budget, all are kept. A server that alone holds more than the budget
// takes at most half of it from the public cache.
func TestPrivateServersBounded(t *testing.T) {
	cal := loadCalendar(t, privateYAML)
	f, tokens := manyTokens(t, cal, 8)
	kept := func(s *Server) (int, int64) {
		ps := s.privates.Load()
		ps.mu.Lock()
		defer ps.mu.Unlock()
		return ps.lru.Len(), ps.held
	}
	clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	fetchAll := func(t *testing.T, s *Server) []byte {
		var first []byte
		for _, tok := range tokens {
			clock = clock.Add(time.Minute) // past minResidency
			rec := get(t, s, "/p/"+tok+"/calendar.ics", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("GET a secret address: status %d", rec.Code)
			}
			if first == nil {
				first = rec.Body.Bytes()
			}
		}
		return first
	}

	roomy := serverOf(t, privateYAML, Options{BaseURL: "https://cal.example.org"})
	roomy.now = func() time.Time { return clock }
	roomy.SetTokens(f)
	want := fetchAll(t, roomy)
	n, held := kept(roomy)
	if n != len(tokens) || held <= 0 || roomy.budget.private.Load() != held {
		t.Fatalf("default budget: %d servers kept, %d bytes counted (%d in the budget); want all %d, counted", n, held, roomy.budget.private.Load(), len(tokens))
	}
	one := held / int64(n)

	// Room for about two servers in half the budget.
	budget := 5 * one
	tight := serverOf(t, privateYAML, Options{BaseURL: "https://cal.example.org", CacheSize: budget})
	tight.now = func() time.Time { return clock }
	tight.SetTokens(f)
	fetchAll(t, tight)
	n, held = kept(tight)
	if n >= len(tokens) || held > budget/2+one {
		t.Errorf("budget %d: %d servers kept, %d bytes; want fewer than %d, within half the budget and one server", budget, n, held, len(tokens))
	}
	if got := tight.budget.private.Load(); got != held {
		t.Errorf("the budget counts %d private bytes, the servers hold %d", got, held)
	}
	// The first, dropped, is made again and answers the same.
	if rec := get(t, tight, "/p/"+tokens[0]+"/calendar.ics", nil); rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), want) {
		t.Errorf("a dropped secret address: status %d, body the same: %v", rec.Code, bytes.Equal(rec.Body.Bytes(), want))
	}
	// Within minResidency nothing is dropped: addresses asked for in turn
	// keep their servers.
	before := map[string]*Server{}
	for _, tok := range tokens[:3] {
		ps, e, _, _ := tight.privateServer(tok)
		_ = ps
		before[tok] = e.srv
	}
	for range 3 {
		for _, tok := range tokens[:3] {
			if ps, e, _, _ := tight.privateServer(tok); e.srv != before[tok] {
				t.Errorf("a secret address asked for again within %v got a new server", minResidency)
				_ = ps
			}
		}
	}
	// Every address asked for at once, within minResidency: past the
	// whole budget, recently used servers are dropped too.
	for _, tok := range tokens {
		if rec := get(t, tight, "/p/"+tok+"/calendar.ics", nil); rec.Code != http.StatusOK {
			t.Fatalf("GET a secret address: status %d", rec.Code)
		}
		if n, held := kept(tight); held > budget+one {
			t.Fatalf("addresses asked for within %v: %d servers kept, %d bytes; want at most the budget, %d, and one server", minResidency, n, held, budget)
		}
	}
	// A reload lets them all go, and gives back what they held.
	tight.Load(loadCalendar(t, privateYAML))
	if got := tight.budget.private.Load(); got != 0 {
		t.Errorf("after a reload the budget still counts %d private bytes", got)
	}
}

// manyTokens makes n tokens of cal granting everything.
func manyTokens(t *testing.T, cal *calendar.Calendar, n int) (*token.File, []string) {
	t.Helper()
	var f *token.File
	var tokens []string
	for i := range n {
		var tok string
		var err error
		if f, tok, err = f.Add(cal.ID, fmt.Sprintf("group-%d", i), calendar.Grant{All: true}, time.Now()); err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	return f, tokens
}

// TestPrivateLeavesHalfTheCache: a secret address whose server alone holds
// more than the whole budget leaves the public cache half of it, and a
// language a request renders is counted when the request is done.
func TestPrivateLeavesHalfTheCache(t *testing.T) {
	yaml := synthYAML(t, 2000)
	cal := loadCalendar(t, yaml)
	f, tokens := manyTokens(t, cal, 1)
	s := serverOf(t, yaml, Options{BaseURL: "https://cal.example.org", CacheSize: 2 << 20})
	s.SetTokens(f)
	for _, e := range cal.Events[:50] {
		get(t, s, "/events/"+e.ID+".ics", nil)
	}
	if n, _ := s.state.Load().cache.stats(); n == 0 {
		t.Fatal("the public cache keeps nothing before any secret address")
	}
	if rec := get(t, s, "/p/"+tokens[0]+"/calendar.ics", nil); rec.Code != http.StatusOK {
		t.Fatalf("GET a secret address: status %d", rec.Code)
	}
	if s.budget.private.Load() <= s.budget.max {
		t.Fatalf("the private server holds %d bytes, not more than the budget %d: the test means nothing", s.budget.private.Load(), s.budget.max)
	}
	for _, e := range cal.Events[50:100] {
		get(t, s, "/events/"+e.ID+".ics", nil)
	}
	if n, used := s.state.Load().cache.stats(); n == 0 || used > s.budget.max/2 {
		t.Errorf("with a secret address over the budget, the public cache keeps %d entries, %d bytes; want some, within half of %d", n, used, s.budget.max)
	}

	// Another language, rendered by a request, is counted once it is done.
	before := s.budget.private.Load()
	if rec := get(t, s, "/p/"+tokens[0]+"/calendar.ics?lang="+cal.Languages[len(cal.Languages)-1], nil); rec.Code != http.StatusOK {
		t.Fatalf("GET a secret address in another language: status %d", rec.Code)
	}
	if len(cal.Languages) > 1 && s.budget.private.Load() <= before {
		t.Errorf("after a request in another language the budget counts %d private bytes, as before (%d)", s.budget.private.Load(), before)
	}
}

// TestPrivateConcurrent asks for secret addresses in every language from
// many goroutines while the tokens and the calendar are replaced (run it
// with -race): every answer is a 200 or a 503, and at the end the budget
// counts exactly what the caches and the private servers hold.
func TestPrivateConcurrent(t *testing.T) {
	y := synthYAML(t, 100)
	cal := loadCalendar(t, y)
	f, toks := manyTokens(t, cal, 6)
	s := serverOf(t, y, Options{BaseURL: "https://cal.example.org", CacheSize: 1 << 20})
	s.SetTokens(f)
	langs := s.state.Load().cal.Languages
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 16 {
				tok := toks[(g+i)%len(toks)]
				lang := langs[(g*7+i)%len(langs)]
				w := do(t, s, http.MethodGet, "/p/"+tok+"/calendar.ics?lang="+lang, nil)
				if w.Code != 200 && w.Code != 503 {
					t.Errorf("status %d", w.Code)
				}
				do(t, s, http.MethodGet, "/p/"+tok+"/", nil)
				do(t, s, http.MethodGet, "/events/"+s.state.Load().cal.Events[i].ID+".ics", nil)
				if g == 0 && i%8 == 4 {
					s.SetTokens(f)
				}
				if g == 1 && i%12 == 5 {
					s.TokensUnreadable()
					s.SetTokens(f)
				}
				if g == 2 && i%16 == 9 {
					s.Load(loadCalendar(t, y))
				}
			}
		})
	}
	wg.Wait()
	ps := s.privates.Load()
	ps.mu.Lock()
	var caches, held int64
	for _, e := range ps.servers {
		_, u := e.srv.state.Load().cache.stats()
		caches += u
		held += e.held
	}
	if held != ps.held {
		t.Errorf("the entries hold %d bytes, the set counts %d", held, ps.held)
	}
	ps.mu.Unlock()
	_, pub := s.state.Load().cache.stats()
	if got, want := s.budget.used.Load(), pub+caches; got != want {
		t.Errorf("budget.used %d, want the public cache's %d and the private servers' caches' %d", got, pub, caches)
	}
	if got := s.budget.private.Load(); got != held {
		t.Errorf("the budget counts %d private bytes, the servers hold %d", got, held)
	}
	s.SetTokens(nil)
	_, pub = s.state.Load().cache.stats()
	if got, priv := s.budget.used.Load(), s.budget.private.Load(); got != pub || priv != 0 {
		t.Errorf("after SetTokens(nil): budget.used %d, public cache %d, private %d", got, pub, priv)
	}
}

// TestLastModifiedPrivateTracks: a stamped edit of a private track's own
// fields dates the feeds of the secret addresses that show it, and no
// public feed, nor an address that shows no private track; an unstamped
// one is pending.
func TestLastModifiedPrivateTracks(t *testing.T) {
	// t2 is past, or Last-Modified would be the server's clock.
	t1, t2 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), time.Now().Add(-time.Hour).Truncate(time.Second).UTC()
	edited := strings.Replace(privateYAML, "description: {en: Closed door hushboard,", "description: {en: Closed door hushboard moved,", 1)
	lk := stampYAML(t, privateYAML, nil, t1)
	if s, _ := servePrivate(t, edited, lk, Options{}); !s.OwnUnstamped() {
		t.Error("a private track's edit, not stamped: OwnUnstamped is false")
	}
	s, tokens := servePrivate(t, edited, stampYAML(t, edited, lk, t2), Options{})
	if s.OwnUnstamped() {
		t.Error("a private track's edit, stamped: OwnUnstamped is true")
	}
	moved := t2.Format(http.TimeFormat)
	for _, c := range []struct {
		target string
		dated  bool
	}{
		{"/calendar.ics", false},
		{"/tracks/gender.ics", false},
		{"/changes.atom", false},
		{"/p/" + tokens["gender"] + "/calendar.ics", false},
		{"/p/" + tokens["board"] + "/calendar.ics", true},
		{"/p/" + tokens["board"] + "/tracks/hush.ics", true},
		{"/p/" + tokens["board"] + "/tracks/gender.ics", true},
		{"/p/" + tokens["staff"] + "/calendar.ics", true},
		// The changes feed's title names a private track only when it is
		// that track's.
		{"/p/" + tokens["board"] + "/changes.atom", false},
		{"/p/" + tokens["board"] + "/changes.atom?tracks=hush", true},
	} {
		rec := get(t, s, c.target, nil)
		got := rec.Header().Get("Last-Modified")
		// A changes feed that no change dates (a first stamp records none)
		// has no Last-Modified at all (see TestChangesAtomUndated).
		undatedAtom := got == "" && !c.dated && strings.Contains(c.target, "changes.atom")
		if rec.Code != http.StatusOK || got == "" && !undatedAtom || (got == moved) != c.dated {
			t.Errorf("%s: status %d, Last-Modified %q; dated by the private track's edit (%s): %v", maskToken(c.target), rec.Code, got, moved, c.dated)
		}
		if c.dated {
			before := t2.Add(-time.Hour).Format(http.TimeFormat)
			if rec := do(t, s, http.MethodGet, c.target, http.Header{"If-Modified-Since": {before}}); rec.Code != http.StatusOK {
				t.Errorf("%s: If-Modified-Since before the edit: status %d, want 200", maskToken(c.target), rec.Code)
			}
		}
	}
}

// stallWriter is a ResponseWriter whose first Write waits for release: a
// client that does not read.
type stallWriter struct {
	*httptest.ResponseRecorder
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (w *stallWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.started); <-w.release })
	return w.ResponseRecorder.Write(b)
}

// TestPrivateLingering: a secret address's server dropped while a client
// reads from it slowly still holds its memory, and counts in the budget
// until the response ends: past the budget, no other server is made (a
// 503) rather than memory without bound.
func TestPrivateLingering(t *testing.T) {
	cal := loadCalendar(t, privateYAML)
	f, tokens := manyTokens(t, cal, 8)
	clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	// One server's size, in a roomy budget.
	roomy := serverOf(t, privateYAML, Options{BaseURL: "https://cal.example.org"})
	roomy.SetTokens(f)
	get(t, roomy, "/p/"+tokens[0]+"/calendar.ics", nil)
	one := roomy.budget.private.Load()

	s := serverOf(t, privateYAML, Options{BaseURL: "https://cal.example.org", CacheSize: 3 * one})
	s.now = func() time.Time { return clock }
	s.SetTokens(f)
	// Three clients that do not read, of three addresses.
	var slows []*stallWriter
	var wg sync.WaitGroup
	for _, tok := range tokens[:3] {
		clock = clock.Add(time.Minute)
		slow := &stallWriter{ResponseRecorder: httptest.NewRecorder(), started: make(chan struct{}), release: make(chan struct{})}
		slows = append(slows, slow)
		wg.Go(func() { s.ServeHTTP(slow, httptest.NewRequest(http.MethodGet, "/p/"+tok+"/calendar.ics", nil)) })
		<-slow.started
	}
	// Other addresses, each past minResidency, drop their servers, which
	// linger; past the budget, no other server is made.
	codes := map[int]int{}
	for _, tok := range tokens[3:] {
		clock = clock.Add(time.Minute)
		codes[do(t, s, http.MethodGet, "/p/"+tok+"/calendar.ics", nil).Code]++
		if held := s.budget.private.Load() + s.budget.lingering.Load(); held > 3*one+one {
			t.Errorf("secret addresses hold %d bytes, budget %d", held, 3*one)
		}
	}
	if got := s.budget.lingering.Load(); got <= 0 {
		t.Errorf("the servers of responses in flight were dropped without lingering: %d bytes", got)
	}
	if codes[http.StatusServiceUnavailable] == 0 {
		t.Errorf("past the budget with servers lingering, every address was made: %v", codes)
	}
	for _, slow := range slows {
		close(slow.release)
	}
	wg.Wait()
	if got := s.budget.lingering.Load(); got != 0 {
		t.Errorf("after the slow responses ended: %d bytes lingering", got)
	}
	clock = clock.Add(time.Minute)
	if rec := get(t, s, "/p/"+tokens[7]+"/calendar.ics", nil); rec.Code != http.StatusOK {
		t.Errorf("after the slow response ended: status %d", rec.Code)
	}
}

// TestUndatedUntilStamped: while a stamped calendar has changes its lock
// does not record, its feeds carry no Last-Modified and If-Modified-Since
// gets no 304 (the lock's dates are older than the edit: a client
// revalidating by date alone would keep the feed it has); the ETag still
// revalidates. A change to a private event undates the secret addresses
// only; a stamp dates everything again.
func TestUndatedUntilStamped(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	lk := stampYAML(t, privateYAML, nil, at)
	later := at.Add(24 * time.Hour).Format(http.TimeFormat)
	publicEdit := strings.Replace(privateYAML, "location: Room A", "location: Room B", 1)
	privateEdit := strings.Replace(privateYAML, "location: Cellarroom", "location: Atticroom", 1)
	removed := privateYAML[:strings.Index(privateYAML, "  - id: closing")]
	renamed := strings.Replace(privateYAML, "name: {en: Test forum,", "name: {en: Renamed forum,", 1)
	privateTrack := strings.Replace(privateYAML, "Closed door hushboard", "Open door hushboard", 1)
	for _, tc := range []struct {
		name                  string
		src                   string
		publicDated, secretly bool // whether the public feeds and the secret addresses' carry Last-Modified
	}{
		{"as stamped", privateYAML, true, true},
		{"a public event edited", publicEdit, false, false},
		{"a public event removed", removed, false, false},
		{"the calendar renamed", renamed, false, false},
		{"a private event edited", privateEdit, true, false},
		{"a private track's description edited", privateTrack, true, false},
	} {
		s, tokens := servePrivate(t, tc.src, lk, Options{})
		paths := []struct {
			path  string
			dated bool
			// undatedOnly: the path's date is checked only while the
			// calendar is undated (the changes feed of a first stamp,
			// which records no change, has a date of its own).
			undatedOnly bool
		}{
			{"/calendar.ics", tc.publicDated, false},
			{"/tracks/gender.ics", tc.publicDated, false},
			{"/calendar.ics?lang=zh", tc.publicDated, false},                 // the second language, rendered on demand
			{"/calendar.ics?tracks=gender&alarm=15m", tc.publicDated, false}, // rendered on demand
			{"/events/opening.ics", tc.publicDated, false},
			{"/changes.atom", tc.publicDated, true},
			{"/p/" + tokens["staff"] + "/calendar.ics", tc.secretly, false},
			{"/p/" + tokens["staff"] + "/tracks/hush.ics", tc.secretly, false},
		}
		for _, p := range paths {
			if p.undatedOnly && p.dated {
				continue
			}
			rec := get(t, s, p.path, nil)
			lm := rec.Header().Get("Last-Modified")
			if (lm != "") != p.dated {
				t.Errorf("%s: GET %s: Last-Modified %q, want one: %v", tc.name, p.path, lm, p.dated)
			}
			wantIMS := http.StatusNotModified
			if !p.dated {
				wantIMS = http.StatusOK
			}
			if got := do(t, s, http.MethodGet, p.path, http.Header{"If-Modified-Since": {later}}).Code; got != wantIMS {
				t.Errorf("%s: GET %s with If-Modified-Since a day after the stamp: status %d, want %d", tc.name, p.path, got, wantIMS)
			}
			etag := rec.Header().Get("ETag")
			if got := do(t, s, http.MethodGet, p.path, http.Header{"If-None-Match": {etag}}).Code; got != http.StatusNotModified {
				t.Errorf("%s: GET %s with If-None-Match its ETag: status %d, want 304", tc.name, p.path, got)
			}
		}
		if tc.src == privateYAML {
			continue
		}
		// Stamped, the edit is dated: Last-Modified again, the stamp's.
		restamped := stampYAML(t, tc.src, lk, at.Add(time.Hour))
		s, tokens = servePrivate(t, tc.src, restamped, Options{})
		for _, p := range []struct {
			path string
			want time.Time
		}{
			// A private change is not the public feed's: it keeps its date.
			{"/calendar.ics", map[bool]time.Time{true: at, false: at.Add(time.Hour)}[tc.publicDated]},
			{"/p/" + tokens["staff"] + "/calendar.ics", at.Add(time.Hour)},
		} {
			if lm := get(t, s, p.path, nil).Header().Get("Last-Modified"); lm != p.want.Format(http.TimeFormat) {
				t.Errorf("%s, stamped: GET %s: Last-Modified %q, want the stamp's time, %s", tc.name, p.path, lm, p.want.Format(http.TimeFormat))
			}
		}
	}
}
