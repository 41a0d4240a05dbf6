package server

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
)

// stamped serves testYAML after two stamps: a baseline, then an edit that
// moves the keynote, cancels the workshop and removes the social.
func stamped(t *testing.T, opts Options) *Server {
	t.Helper()
	t0 := time.Date(2025, 2, 10, 9, 0, 0, 0, time.UTC)
	first := loadCalendar(t, testYAML)
	base, _ := lock.Stamp(first, stampHashes(t, first), nil, t0)
	edited := strings.Replace(testYAML, "start: 2025-03-10 09:00", "start: 2025-03-10 08:30", 1)
	edited = strings.Replace(edited, "    tracks: [beta]\n", "    tracks: [beta]\n    status: cancelled\n", 1)
	edited = edited[:strings.Index(edited, "  - id: social")]
	cal := loadCalendar(t, edited)
	f, changes := lock.Stamp(cal, stampHashes(t, cal), base, t0.Add(time.Hour))
	if len(changes) != 3 {
		t.Fatalf("stamp: %d changes", len(changes))
	}
	h, err := f.History()
	if err != nil {
		t.Fatal(err)
	}
	cal, err = calendar.Load("test.yaml", strings.NewReader(edited), calendar.Options{History: func() *calendar.History { return h }})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cal, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// atomDoc is what the tests read of an Atom document.
type atomDoc struct {
	ID      string `xml:"id"`
	Updated string `xml:"updated"`
	Entries []struct {
		Title    string `xml:"title"`
		Category struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
		Content struct {
			Text string `xml:",chardata"`
		} `xml:"content"`
		Links []struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func TestChangesAtom(t *testing.T) {
	s := stamped(t, Options{BaseURL: "https://cal.example.org/"})
	rec := get(t, s, "/changes.atom?lang=en", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/atom+xml; charset=utf-8" || rec.Header().Get("ETag") == "" {
		t.Fatalf("GET /changes.atom: %d %v", rec.Code, rec.Header())
	}
	var f atomDoc
	if err := xml.Unmarshal(rec.Body.Bytes(), &f); err != nil {
		t.Fatalf("not XML: %v\n%s", err, rec.Body)
	}
	var kinds, titles []string
	for _, e := range f.Entries {
		kinds = append(kinds, e.Category.Term)
		titles = append(titles, e.Title)
	}
	// Newest first; within one stamp, in the order stamp recorded them.
	if got := strings.Join(kinds, ","); got != "removed,cancelled,moved" {
		t.Errorf("kinds = %s, want removed,cancelled,moved (newest first)", got)
	}
	if titles[2] != "Moved: Opening keynote" || titles[1] != "Cancelled: Cancelled: Workshop" && titles[1] != "Cancelled: Workshop" {
		t.Errorf("titles = %q", titles)
	}
	moved := f.Entries[2]
	if !strings.Contains(moved.Content.Text, "2025-03-10 08:30 – 10:00 (Europe/Paris") {
		t.Errorf("moved entry content = %q, want the new time in the event's zone", moved.Content.Text)
	}
	if len(moved.Links) != 1 || moved.Links[0].Href != "https://cal.example.org/events/keynote.ics?lang=en" {
		t.Errorf("moved entry links = %+v", moved.Links)
	}
	if len(f.Entries[0].Links) != 0 {
		t.Errorf("a removed event links to %+v, which would be a 404", f.Entries[0].Links)
	}
	if f.Updated != "2025-02-10T10:00:00Z" || !strings.HasPrefix(f.ID, "urn:uuid:") {
		t.Errorf("feed updated %s id %s", f.Updated, f.ID)
	}

	rec = get(t, s, "/changes.atom?tracks=alpha", nil)
	f = atomDoc{}
	xml.Unmarshal(rec.Body.Bytes(), &f)
	if len(f.Entries) != 1 || f.Entries[0].Category.Term != "moved" {
		t.Errorf("?tracks=alpha: %d entries, want the keynote's move only", len(f.Entries))
	}
	if rec := do(t, s, http.MethodGet, "/changes.atom?tracks=nope", nil); rec.Code != http.StatusNotFound {
		t.Errorf("?tracks=nope: status %d, want 404", rec.Code)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	var h healthReport
	rec := get(t, s, "/healthz", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil || rec.Code != http.StatusOK || h.Status != "ok" || h.File != "valid" || h.Events != len(allEvents) {
		t.Fatalf("healthz = %d %+v %v", rec.Code, h, err)
	}
	s.LoadFailed(&calendar.Error{Problems: []calendar.Problem{{File: "events.yaml", Line: 3, Col: 5, Msg: "bad"}}})
	rec = get(t, s, "/healthz", nil)
	json.Unmarshal(rec.Body.Bytes(), &h)
	if len(h.Problems) != 1 || h.Problems[0] != "events.yaml:3:5: "+problemHidden {
		t.Errorf("a problem of the file is shown as %q, want its place alone", h.Problems)
	}
	s.LoadFailed(errors.New("second failure"))
	rec = get(t, s, "/healthz", nil)
	h = healthReport{}
	json.Unmarshal(rec.Body.Bytes(), &h)
	if rec.Code != http.StatusOK || h.Status != "degraded" || h.File != "invalid" || h.InvalidSince == nil || len(h.Problems) != 1 || h.Problems[0] != "second failure" {
		t.Errorf("after failed loads: %d %+v", rec.Code, h)
	}
	// The calendar being served is unchanged.
	if rec := get(t, s, "/events/keynote.ics", nil); rec.Code != http.StatusOK {
		t.Errorf("feed after a failed load: %d", rec.Code)
	}

	for _, ua := range []string{"Google-Calendar-Importer", "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0)", "iOS/17.2 (21C62) dataaccessd/1.0", "Mozilla/5.0 Thunderbird/115.0", "curl/8"} {
		get(t, s, "/tracks/alpha.ics", http.Header{"User-Agent": {ua}})
	}
	do(t, s, http.MethodGet, "/tracks/alpha.ics", http.Header{"If-None-Match": {get(t, s, "/tracks/alpha.ics", nil).Header().Get("ETag")}})
	s.Load(loadCalendar(t, testYAML))
	checkMetrics(t, s,
		`calfeed_feed_fetches_total{calendar="testcal",client="google",feed="alpha"} 1`,
		`calfeed_feed_fetches_total{calendar="testcal",client="microsoft",feed="alpha"} 1`,
		`calfeed_feed_fetches_total{calendar="testcal",client="apple",feed="alpha"} 1`,
		`calfeed_feed_fetches_total{calendar="testcal",client="thunderbird",feed="alpha"} 1`,
		`calfeed_feed_fetches_total{calendar="testcal",client="other",feed="alpha"} 3`,
		`calfeed_http_requests_total{calendar="testcal",code="304",route="/tracks/{id}.ics"} 1`,
		`calfeed_http_not_modified_total{calendar="testcal",route="/tracks/{id}.ics"} 1`,
		`calfeed_reloads_total{calendar="testcal",result="failed"} 2`,
		`calfeed_reloads_total{calendar="testcal",result="ok"} 2`,
		`calfeed_config_valid{calendar="testcal"} 1`,
		`calfeed_events{calendar="testcal"} 5`,
		`calfeed_http_request_duration_seconds_count{calendar="testcal",route="/healthz"} 3`,
	)
}

// TestFeedRouteMetrics: a feed path is counted under its route whichever
// way it is answered: found by the one lookup of a feed that exists, or by
// the router (a track or event that does not exist, a method other than
// GET and HEAD).
func TestFeedRouteMetrics(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	etag := get(t, s, "/tracks/alpha.ics", nil).Header().Get("ETag")
	for _, tc := range []struct {
		method, target string
		header         http.Header
		want           int
	}{
		{http.MethodGet, "/tracks/alpha.ics", http.Header{"If-None-Match": {etag}}, http.StatusNotModified},
		{http.MethodHead, "/tracks/alpha.ics", nil, http.StatusOK},
		{http.MethodGet, "/tracks/alpha.ics?lang=en", nil, http.StatusOK},
		{http.MethodGet, "/tracks/alpha.ics?alarm=2h", nil, http.StatusBadRequest},
		{http.MethodGet, "/tracks/nosuch.ics", nil, http.StatusNotFound},
		{http.MethodPost, "/tracks/alpha.ics", nil, http.StatusMethodNotAllowed},
		{http.MethodGet, "/calendar.ics", nil, http.StatusOK},
		{http.MethodGet, "/calendar.ics?tracks=alpha,beta", nil, http.StatusOK},
		{http.MethodGet, "/events/keynote.ics", nil, http.StatusOK},
		{http.MethodGet, "/events/nosuch.ics", nil, http.StatusNotFound},
		{http.MethodGet, "/tracks/alpha.ics/", nil, http.StatusNotFound},
	} {
		if rec := do(t, s, tc.method, tc.target, tc.header); rec.Code != tc.want {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.target, rec.Code, tc.want)
		}
	}
	checkMetrics(t, s,
		`calfeed_http_requests_total{calendar="testcal",code="200",route="/tracks/{id}.ics"} 3`, // the ETag's GET, HEAD, ?lang=
		`calfeed_http_requests_total{calendar="testcal",code="304",route="/tracks/{id}.ics"} 1`,
		`calfeed_http_requests_total{calendar="testcal",code="400",route="/tracks/{id}.ics"} 1`,
		`calfeed_http_requests_total{calendar="testcal",code="404",route="/tracks/{id}.ics"} 1`,
		`calfeed_http_requests_total{calendar="testcal",code="200",route="/calendar.ics"} 2`,
		`calfeed_http_requests_total{calendar="testcal",code="200",route="/events/{id}.ics"} 1`,
		`calfeed_http_requests_total{calendar="testcal",code="404",route="/events/{id}.ics"} 1`,
		`calfeed_http_requests_total{calendar="testcal",code="405",route="other"} 1`,
		`calfeed_http_requests_total{calendar="testcal",code="404",route="other"} 1`,
		`calfeed_http_not_modified_total{calendar="testcal",route="/tracks/{id}.ics"} 1`,
		`calfeed_http_request_duration_seconds_count{calendar="testcal",route="/tracks/{id}.ics"} 6`,
		`calfeed_feed_fetches_total{calendar="testcal",client="other",feed="alpha"} 4`,
		`calfeed_feed_fetches_total{calendar="testcal",client="other",feed="combined"} 1`,
	)
}

func TestBaseURL(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		host string
		hdr  http.Header
		want string
	}{
		{"option", Options{BaseURL: "https://cal.example.org/"}, "internal:8080", nil, "https://cal.example.org"},
		{"request", Options{}, "localhost:8080", nil, "http://localhost:8080"},
		{"untrusted forwarded headers", Options{}, "localhost:8080", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"evil.example"}}, "http://localhost:8080"},
		{"trusted proxy", Options{TrustProxy: true}, "10.0.0.5:8080", http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"cal.example.org"}}, "https://cal.example.org"},
		// A proxy appends to what the client sent: the last value is the
		// one the nearest proxy set, the first is the client's own.
		{"proxy appends", Options{TrustProxy: true}, "10.0.0.5:8080", http.Header{"X-Forwarded-Proto": {"http, https"}, "X-Forwarded-Host": {"evil.example, cal.example.org"}}, "https://cal.example.org"},
		{"proxy adds a line", Options{TrustProxy: true}, "10.0.0.5:8080", http.Header{"X-Forwarded-Proto": {"http", "https"}, "X-Forwarded-Host": {"evil.example", "cal.example.org:8443"}}, "https://cal.example.org:8443"},
		{"bad port forwarded", Options{TrustProxy: true}, "localhost", http.Header{"X-Forwarded-Host": {"a:b"}}, "http://localhost"},
		{"bracket forwarded", Options{TrustProxy: true}, "localhost", http.Header{"X-Forwarded-Host": {"["}}, "http://localhost"},
		{"ipv6 host", Options{}, "[::1]:8080", nil, "http://[::1]:8080"},
		{"hostile host", Options{TrustProxy: true}, "localhost", http.Header{"X-Forwarded-Host": {`evil"><script>`}}, "http://localhost"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := serverOf(t, testYAML, tc.opts)
			r, _ := http.NewRequest(http.MethodGet, "http://"+tc.host+"/", nil)
			r.Host = tc.host
			for k, v := range tc.hdr {
				r.Header[k] = v
			}
			if got := s.baseURL(r); got != tc.want {
				t.Errorf("baseURL = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClientFamily(t *testing.T) {
	for ua, want := range map[string]string{
		"Google-Calendar-Importer": "google",
		"Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)":                 "microsoft",
		"Microsoft Outlook 16.80 (Mac OS X)":                                                         "microsoft",
		"macOS/14.2 (23C64) CalendarAgent/988":                                                       "apple",
		"iOS/17.2 (21C62) dataaccessd/1.0":                                                           "apple",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:115.0) Gecko/20100101 Thunderbird/115.6.0": "thunderbird",
		"curl/8.5.0": "other",
		"":           "other",
	} {
		if got := clientFamilies[clientFamily(ua)]; got != want {
			t.Errorf("clientFamily(%q) = %s, want %s", ua, got, want)
		}
	}
}

// TestCombinationCacheBounded: every distinct combination is rendered once
// and served from the cache after, but the bytes the cache holds never
// outgrow its budget, however many combinations are asked for.
func TestCombinationCacheBounded(t *testing.T) {
	const budget = 64 << 10
	s := serverOf(t, testYAML, Options{CacheSize: budget})
	first := get(t, s, "/calendar.ics?tracks=alpha,beta", nil)
	again := get(t, s, "/calendar.ics?tracks=beta,alpha,alpha", nil)
	if first.Body.String() != again.Body.String() || first.Header().Get("ETag") != again.Header().Get("ETag") {
		t.Error("a cached combination differs from its first rendering")
	}
	st := s.state.Load()
	// One rendering, found under its canonical key and each spelling.
	if n, _ := st.cache.stats(); n != 3 {
		t.Errorf("cache holds %d entries after one combination in two spellings, want 3", n)
	}
	a, _, _ := st.cache.get(cacheKey{kind: kindCombination, name: "tracks=alpha,beta", lang: "fr"})
	b, _, _ := st.cache.get(queryKey("tracks=beta,alpha,alpha"))
	if a == nil || a != b {
		t.Error("two spellings of one combination hold two renderings")
	}
	// More distinct agendas than the budget holds: every set of two or more
	// events (26), in two languages, with five reminder choices: 260.
	n, most := 0, int64(0)
	for _, lang := range []string{"fr", "en"} {
		for _, alarm := range []string{"", "15m", "30m", "1h", "1d"} {
			for mask := range 1 << len(allEvents) {
				var ids []string
				for i, id := range allEvents {
					if mask&(1<<i) != 0 {
						ids = append(ids, id)
					}
				}
				if len(ids) < 2 {
					continue
				}
				rec := get(t, s, "/calendar.ics?events="+strings.Join(ids, ",")+"&lang="+lang+"&alarm="+alarm, nil)
				if rec.Code != http.StatusOK {
					t.Fatalf("agenda %v: status %d", ids, rec.Code)
				}
				n++
				_, used := st.cache.stats()
				most = max(most, used)
			}
		}
	}
	entries, used := st.cache.stats()
	if most > budget || used > budget {
		t.Errorf("after %d distinct combinations the cache held up to %d bytes; budget %d", n, most, budget)
	}
	if entries >= 2*n || used < budget/2 {
		t.Errorf("after %d combinations: %d entries, %d bytes; want the budget used and old entries evicted", n, entries, used)
	}
	// A reload starts afresh.
	s.Load(loadCalendar(t, testYAML))
	if got, _ := s.state.Load().cache.stats(); got != 0 {
		t.Errorf("cache after reload holds %d", got)
	}
}

// TestVariantsBounded: single-event downloads and reminder variants are
// rendered on demand and kept within the cache's budget, so a crawl through
// every event, language and reminder cannot grow memory without end.
func TestVariantsBounded(t *testing.T) {
	const budget = 16 << 10
	s := serverOf(t, testYAML, Options{CacheSize: budget})
	st := s.state.Load()
	first := get(t, s, "/events/keynote.ics?alarm=1h", nil).Body.String()
	n := 0
	for _, id := range allEvents {
		for _, lang := range []string{"fr", "en"} {
			for _, alarm := range []string{"", "15m", "30m", "1h", "1d"} {
				get(t, s, "/events/"+id+".ics?lang="+lang+"&alarm="+alarm, nil)
				get(t, s, "/tracks/alpha.ics?lang="+lang+"&alarm="+alarm, nil)
				n++
				if _, used := st.cache.stats(); used > budget {
					t.Fatalf("after %d variants the cache holds %d bytes; budget %d", n, used, budget)
				}
			}
		}
	}
	if entries, _ := st.cache.stats(); entries >= n {
		t.Errorf("after %d distinct variants the cache holds %d: nothing was evicted", n, entries)
	}
	if again := get(t, s, "/events/keynote.ics?alarm=1h", nil).Body.String(); again != first {
		t.Error("an evicted variant renders differently the second time")
	}
}

// TestLastModifiedAfterRemoval: removing an event (stamped) moves the
// feed's Last-Modified on, so If-Modified-Since gets the new feed.
func TestLastModifiedAfterRemoval(t *testing.T) {
	s := stamped(t, Options{})
	s.now = func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }
	rec := get(t, s, "/calendar.ics", nil)
	if got := rec.Header().Get("Last-Modified"); got != "Mon, 10 Feb 2025 10:00:00 GMT" {
		t.Errorf("Last-Modified %q, want the stamp of the removal", got)
	}
	old := http.Header{"If-Modified-Since": {"Mon, 03 Feb 2025 10:00:00 GMT"}} // the newest event's own time
	if rec := do(t, s, http.MethodGet, "/calendar.ics", old); rec.Code != http.StatusOK {
		t.Errorf("If-Modified-Since before the removal: %d, want 200", rec.Code)
	}
}

// TestRemovedEventGone: the download of an event the lock records as
// removed is 410 Gone, saying when; an id that never was is a 404.
func TestRemovedEventGone(t *testing.T) {
	s := stamped(t, Options{})
	rec := do(t, s, http.MethodGet, "/events/social.ics", nil)
	if rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), `the event "social" was removed from the programme on 10 February 2025 at 10:00 UTC`) {
		t.Errorf("GET /events/social.ics: %d %q; want 410 saying when it was removed", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("410: Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
	if rec := do(t, s, http.MethodGet, "/events/never.ics", nil); rec.Code != http.StatusNotFound {
		t.Errorf("GET /events/never.ics: %d, want 404", rec.Code)
	}
	if rec := get(t, s, "/events/keynote.ics", nil); rec.Code != http.StatusOK {
		t.Errorf("GET /events/keynote.ics: %d", rec.Code)
	}
}

// TestMetricsGatheredOncePerSecond: /metrics gathers the registry once for
// all who ask within a second (a folder's body of megabytes took a fifth
// of a second each), at most one at a time, and anew once the second is
// over or a calendar's series came or went.
func TestMetricsGatheredOncePerSecond(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	c := &s.shared.metrics.cached
	var gathers atomic.Int32
	inner := c.h
	c.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gathers.Add(1)
		inner.ServeHTTP(w, r)
	})
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	c.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }

	first := get(t, s, "/metrics", nil).Body.String()
	get(t, s, "/tracks/alpha.ics", nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := get(t, s, "/metrics", nil).Body.String(); got != first {
				t.Error("within the second, /metrics answered with another gathering")
			}
		})
	}
	wg.Wait()
	if n := gathers.Load(); n != 1 {
		t.Errorf("9 requests within a second gathered %d times, want 1", n)
	}
	advance(time.Second)
	later := get(t, s, "/metrics", nil).Body.String()
	if later == first || !strings.Contains(later, `route="/tracks/{id}.ics"`) {
		t.Error("a second later, /metrics does not count the feed fetched since")
	}
	s.metrics.all.forCalendar("another")
	get(t, s, "/metrics", nil)
	if n := gathers.Load(); n != 3 {
		t.Errorf("after a calendar's series came: %d gatherings, want 3", n)
	}
	if ct := get(t, s, "/metrics", nil).Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
}

// checkMetrics fails t for each of series (a line of /metrics, name,
// labels and value) that h's /metrics lacks, and then shows the lines of
// the same metrics that it has.
func checkMetrics(t *testing.T, h http.Handler, series ...string) {
	t.Helper()
	body := get(t, h, "/metrics", nil).Body.String()
	names := map[string]bool{}
	for _, want := range series {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
			name, _, _ := strings.Cut(want, "{")
			names[name] = true
		}
	}
	if len(names) == 0 {
		return
	}
	var have []string
	for line := range strings.Lines(body) {
		name, _, _ := strings.Cut(line, "{")
		if names[name] {
			have = append(have, strings.TrimSuffix(line, "\n"))
		}
	}
	t.Logf("what /metrics has of them:\n%s", strings.Join(have, "\n"))
}

// TestChangesAtomUndated: a calendar with no stamped change and no
// `updated` has a changes feed without a date: no Last-Modified (1970
// would answer If-Modified-Since with 304 whatever the calendar became),
// the epoch in its <updated>, which RFC 4287 requires.
func TestChangesAtomUndated(t *testing.T) {
	s := serverOf(t, privateYAML, Options{})
	rec := get(t, s, "/changes.atom", nil)
	if lm := rec.Header().Get("Last-Modified"); lm != "" {
		t.Errorf("/changes.atom of a calendar without dates: Last-Modified %q, want none", lm)
	}
	if !strings.Contains(rec.Body.String(), "<updated>1970-01-01T00:00:00Z</updated>") {
		t.Errorf("/changes.atom without dates: no epoch <updated>:\n%s", rec.Body)
	}
	ims := http.Header{"If-Modified-Since": {time.Now().Format(http.TimeFormat)}}
	if code := do(t, s, http.MethodGet, "/changes.atom", ims).Code; code != http.StatusOK {
		t.Errorf("/changes.atom without dates, If-Modified-Since now: status %d, want 200", code)
	}
	etag := rec.Header().Get("ETag")
	if code := do(t, s, http.MethodGet, "/changes.atom", http.Header{"If-None-Match": {etag}}).Code; code != http.StatusNotModified {
		t.Errorf("/changes.atom, If-None-Match its ETag: status %d, want 304", code)
	}
}
