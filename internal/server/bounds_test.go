package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"weak"

	"github.com/google/go-cmp/cmp"

	"calfeed/internal/calendar"
	"calfeed/internal/reminder"
	"calfeed/internal/synth"
	"calfeed/internal/web"
)

// TestPageCacheIgnoresUnknownParameters (D1): a parameter the page does not
// read, or a second spelling of one it does, finds the response already
// rendered instead of making an entry of its own.
func TestPageCacheIgnoresUnknownParameters(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	st := s.state.Load()
	want := map[string]string{}
	for _, path := range []string{"/", "/feeds.json", "/embed", "/embed?format=text", "/?lang=zh&tz=Asia/Shanghai", "/changes.atom", "/qr/gender.svg"} {
		_, body := pageRequest(t, s, http.MethodGet, path, nil)
		want[path] = body
	}
	before, _ := st.cache.stats()
	for i := range 200 {
		for path, body := range want {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			target := fmt.Sprintf("%s%sp=%d&utm_source=x%d", path, sep, i, i)
			if _, got := pageRequest(t, s, http.MethodGet, target, nil); got != body {
				t.Fatalf("GET %s: differs from %s", target, path)
			}
		}
		// Other spellings of the same page.
		pageRequest(t, s, http.MethodGet, fmt.Sprintf("/?events=allday,keynote,keynote,nope%d", i), nil)
		pageRequest(t, s, http.MethodGet, fmt.Sprintf("/?open=nope%d&alarm=bad%d", i, i), nil)
	}
	after, _ := st.cache.stats()
	// The agenda (one spelling in calendar order) is the only new page.
	if after > before+1 {
		t.Errorf("cache grew from %d to %d entries on parameters that change nothing", before, after)
	}
}

// TestUnknownZonePastBudget: an unknown zone's page is made for each
// request from the one kept for all; while the responses being sent hold
// the budget, it is refused where its body would be sent, and answered
// where it would not (HEAD, a revalidation it matches), as a kept page is.
func TestUnknownZonePastBudget(t *testing.T) {
	// Feeds with a reminder too large to keep (past half the budget), so
	// that the pages stay kept while they are sent.
	s := serverOf(t, synthYAML(t, 4000), Options{CacheSize: 4 << 20})
	st := s.state.Load()
	badZone := get(t, s, "/?tz=Bad/Zone", nil).Header().Get("Etag")
	get(t, s, "/", nil)
	release := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(release); wg.Wait() }()
	for i := 0; !st.cache.budget.full(); i++ {
		if i == len(st.cal.Tracks) {
			t.Fatalf("%d stalled responses hold %d bytes", i, st.cache.budget.sending.Load())
		}
		w := newStalledWriter(release)
		var ids []string
		for j, tr := range st.cal.Tracks {
			if j != i {
				ids = append(ids, tr.ID)
			}
		}
		target := "/calendar.ics?alarm=1h&tracks=" + strings.Join(ids, ",")
		wg.Go(func() { s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil)) })
		<-w.started
	}
	for _, tc := range []struct {
		method string
		header http.Header
		want   int
	}{
		{http.MethodGet, nil, http.StatusServiceUnavailable},
		{http.MethodHead, nil, http.StatusOK},
		{http.MethodGet, http.Header{"If-None-Match": {badZone}}, http.StatusNotModified},
		{http.MethodGet, http.Header{"If-None-Match": {`"other"`}}, http.StatusServiceUnavailable},
	} {
		if c := do(t, s, tc.method, "/?tz=Bad/Zone", tc.header).Code; c != tc.want {
			t.Errorf("%s %v of an unknown zone's page past the budget: status %d, want %d", tc.method, tc.header, c, tc.want)
		}
	}
	if c := do(t, s, http.MethodGet, "/", nil).Code; c != http.StatusOK {
		t.Errorf("the kept page past the budget: status %d", c)
	}
}

// TestUnknownZonesShareAPage: every unknown ?tz= gets the page that names
// it, from one rendering kept for all of them (rendered for each, a flood
// of misspellings cost a tenth of a second of CPU each at 10,000 events);
// the name is escaped wherever the page repeats it.
func TestUnknownZonesShareAPage(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	st := s.state.Load()
	zones := []string{"Mars/Olympus", `<b>"Bad" & 'worse'</b>`, "Europe/Pari", badZoneMarker + "x"}
	pageRequest(t, s, http.MethodGet, "/", nil)
	before, _ := st.cache.stats()
	pageRequest(t, s, http.MethodGet, "/?tz=Nowhere/First", nil)
	for _, zone := range zones {
		_, body := pageRequest(t, s, http.MethodGet, "/?tz="+url.QueryEscape(zone), nil)
		shown := html.EscapeString(zone)
		if !strings.Contains(body, "“"+shown+"” is not a time zone this page knows") || !strings.Contains(body, `value="`+shown+`"`) {
			t.Errorf("?tz=%s: the page does not name it, escaped, in its notice and field", zone)
		}
		if strings.Contains(body, "Nowhere/First") || strings.Contains(body, badZoneMarker+`"`) {
			t.Errorf("?tz=%s: the page names another zone, or its marker", zone)
		}
	}
	if after, _ := st.cache.stats(); after != before+1 {
		t.Errorf("the cache went from %d to %d entries for %d unknown zones; want one page kept for all", before, after, len(zones)+1)
	}
	// A known zone, and none, are pages of their own.
	if _, body := pageRequest(t, s, http.MethodGet, "/", nil); strings.Contains(body, "tz-unknown") || strings.Contains(body, badZoneMarker) {
		t.Error("the page without ?tz= says a zone is unknown")
	}
	// feeds.json and the snippet do not show the zone: no entry of their own.
	for _, path := range []string{"/feeds.json", "/embed"} {
		_, want := pageRequest(t, s, http.MethodGet, path, nil)
		n, _ := st.cache.stats()
		if _, got := pageRequest(t, s, http.MethodGet, path+"?tz=Mars/Olympus", nil); got != want {
			t.Errorf("%s?tz=Mars/Olympus differs from %s", path, path)
		}
		if m, _ := st.cache.stats(); m != n {
			t.Errorf("%s?tz=Mars/Olympus made a cache entry of its own", path)
		}
	}

	// Without a public address the links follow the Host: one holding the
	// marker gets a page rendered for it, the zone nowhere but where it
	// is shown.
	open := serverOf(t, pagesYAML, Options{})
	req := httptest.NewRequest(http.MethodGet, "/?tz="+url.QueryEscape("x&y=z"), nil)
	req.Host = badZoneMarker + ".example"
	rec := httptest.NewRecorder()
	open.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || strings.Count(body, "x&amp;y=z") != badZoneShown || !strings.Contains(body, "//"+badZoneMarker+".example/") {
		t.Errorf("a Host holding the marker: status %d, the zone shown %d times, want %d", rec.Code, strings.Count(body, "x&amp;y=z"), badZoneShown)
	}
}

// TestLargeCalendarPaged (D1): the page of a large calendar lists one page
// of its programme, so that a request costs what a conference's page
// costs, and every event is on exactly one page.
func TestLargeCalendarPaged(t *testing.T) {
	s := serverOf(t, synthYAML(t, 2000), Options{BaseURL: "https://cal.example.test"})
	st := s.state.Load()
	pages := st.programme().Pages()
	if pages < 2000/web.PageSize {
		t.Fatalf("%d pages for 2000 events; want at least %d", pages, 2000/web.PageSize)
	}
	articleRE := regexp.MustCompile(`<article class="event[^"]*" id="event-(ev-\d+)"`)
	seen := map[string]int{}
	for n := 1; n <= pages; n++ {
		_, body := pageRequest(t, s, http.MethodGet, fmt.Sprintf("/?lang=en&page=%d", n), nil)
		ids := articleRE.FindAllStringSubmatch(body, -1)
		if len(ids) == 0 || len(ids) > web.PageSize {
			t.Fatalf("page %d lists %d events; want 1 to %d", n, len(ids), web.PageSize)
		}
		for _, m := range ids {
			seen[m[1]]++
		}
		if want := fmt.Sprintf("Page %d of %d: ", n, pages); !strings.Contains(body, want) {
			t.Errorf("page %d does not say %q", n, want)
		}
		if hasNext := strings.Contains(body, `rel="next"`); hasNext != (n < pages) {
			t.Errorf("page %d: next link %v", n, hasNext)
		}
		if hasPrev := strings.Contains(body, `rel="prev"`); hasPrev != (n > 1) {
			t.Errorf("page %d: previous link %v", n, hasPrev)
		}
	}
	for _, e := range st.cal.Events {
		if e.Repeats() {
			continue // a series has a box per date
		}
		if seen[e.ID] != 1 {
			t.Errorf("event %s is on %d pages, want 1", e.ID, seen[e.ID])
		}
	}
	// Past the end is the last page; the agenda is kept across pages.
	_, last := pageRequest(t, s, http.MethodGet, fmt.Sprintf("/?page=%d", pages), nil)
	if _, past := pageRequest(t, s, http.MethodGet, "/?page=99999", nil); past != last {
		t.Error("a page past the end is not the last page")
	}
	first := synth.EventID(0)
	_, body := pageRequest(t, s, http.MethodGet, fmt.Sprintf("/?page=%d&events=%s", pages, first), nil)
	if !strings.Contains(body, `<input type="hidden" name="events" value="`+first+`" data-order="0" form="agenda-form">`) {
		t.Error("an agenda event on another page is not kept in the agenda form")
	}
	if !strings.Contains(body, `rel="prev" data-keep-agenda`) || !strings.Contains(body, "events="+first) {
		t.Error("the link to the previous page loses the agenda")
	}
}

// TestLaterPagesLinkFeedBoxes: the feeds' boxes (buttons, reminder form,
// QR code) are on the first page only; a later page of a long programme
// lists the feeds, and its list and its events' tracks link to the boxes
// on the first page, each of which is there. A page of a calendar with
// 200 tracks repeated 1.8 MB of boxes on each of its pages.
func TestLaterPagesLinkFeedBoxes(t *testing.T) {
	s := serverOf(t, synthYAML(t, 2000), Options{BaseURL: "https://cal.example.test"})
	st := s.state.Load()
	if st.programme().Pages() < 3 {
		t.Fatalf("%d pages for 2000 events", st.programme().Pages())
	}
	boxRE := regexp.MustCompile(`<details class="feed" id="([^"]+)"`)
	hrefRE := regexp.MustCompile(`href="([^"#]*)#((?:track-|all-)[^"]*)"( data-keep-agenda)?`)
	_, first := pageRequest(t, s, http.MethodGet, "/?lang=en&tz=Asia%2FTokyo", nil)
	boxes := map[string]bool{}
	for _, m := range boxRE.FindAllStringSubmatch(first, -1) {
		boxes[m[1]] = true
	}
	if want := len(st.cal.Tracks) + 1; len(boxes) != want {
		t.Fatalf("the first page has %d feed boxes, want %d", len(boxes), want)
	}
	for _, m := range hrefRE.FindAllStringSubmatch(first, -1) {
		if m[1] != "" || m[3] != "" {
			t.Errorf("the first page links to %s#%s (%s) for a box it has", m[1], m[2], m[3])
		}
	}
	_, later := pageRequest(t, s, http.MethodGet, "/?lang=en&tz=Asia%2FTokyo&page=2", nil)
	if n := len(boxRE.FindAllString(later, -1)); n != 0 || strings.Contains(later, `class="qr"`) {
		t.Errorf("page 2 has %d feed boxes (and QR codes: %v), want none", n, strings.Contains(later, `class="qr"`))
	}
	if !strings.Contains(later, "subscribe buttons are on the first page") {
		t.Error("page 2 does not say where the subscribe buttons are")
	}
	links := hrefRE.FindAllStringSubmatch(later, -1)
	chips := 0
	for _, m := range links {
		if m[1] != "?lang=en&amp;tz=Asia%2FTokyo" {
			t.Errorf("page 2 links to %q#%s, want the first page in the reader's zone", m[1], m[2])
		}
		if !boxes[m[2]] {
			t.Errorf("page 2 links to #%s, which the first page has no box for", m[2])
		}
		if m[3] == "" {
			t.Errorf("page 2's link to #%s on the first page does not keep the reader's agenda (data-keep-agenda)", m[2])
		}
		if strings.HasPrefix(m[2], "track-") {
			chips++
		}
	}
	if chips <= len(st.cal.Tracks) {
		t.Errorf("page 2 has %d links to tracks: the list's %d and no event's", chips, len(st.cal.Tracks))
	}
}

// TestCacheBytesUnderHostileQueries (D1, D4): distinct pages, zones and
// combinations of a calendar of a thousand events, more than the budget
// holds, never make the cache hold more than its budget.
func TestCacheBytesUnderHostileQueries(t *testing.T) {
	const budget = 2 << 20
	s := serverOf(t, synthYAML(t, 1000), Options{CacheSize: budget, BaseURL: "https://cal.example.test"})
	st := s.state.Load()
	zones := []string{"UTC", "Asia/Tokyo", "Europe/Paris", "America/Lima", "Africa/Cairo", "Australia/Perth"}
	check := func(what string) {
		t.Helper()
		if _, used := st.cache.stats(); used > budget {
			t.Fatalf("after %s the cache holds %d bytes; budget %d", what, used, budget)
		}
	}
	for n := 1; n <= st.programme().Pages(); n++ {
		for _, z := range zones {
			pageRequest(t, s, http.MethodGet, fmt.Sprintf("/?page=%d&tz=%s", n, z), nil)
			check("pages")
		}
	}
	for i := range 100 {
		ids := []string{synth.TrackID(i % 20), synth.TrackID((i + 1 + i/20) % 20), synth.TrackID((i + 7) % 20)}
		rec := get(t, s, "/calendar.ics?tracks="+strings.Join(ids, ",")+"&alarm=1h", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("combination %v: %d", ids, rec.Code)
		}
		check("combinations")
	}
	if entries, used := st.cache.stats(); used < budget/2 || entries == 0 {
		t.Errorf("the cache holds %d entries, %d bytes: the budget is not being used", entries, used)
	}
}

// TestCacheCountsGzip: a response compressed after it was kept counts its
// gzipped bytes too, and the budget still holds.
func TestCacheCountsGzip(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	st := s.state.Load()
	pageRequest(t, s, http.MethodGet, "/", nil)
	_, plain := st.cache.stats()
	pageRequest(t, s, http.MethodGet, "/", http.Header{"Accept-Encoding": {"gzip"}})
	_, both := st.cache.stats()
	res, _, _ := st.cache.get(requestKey(kindPage, web.Request{Base: "https://cal.example.test", Lang: "en", Page: 1}))
	if res == nil {
		t.Fatal("the page is not cached under its key")
	}
	if gz := res.gzippedSize(); gz == 0 || both != plain+int64(gz) {
		t.Errorf("cache bytes %d before gzip, %d after; gzipped body %d", plain, both, gz)
	}
}

// TestCacheAliasHoldsNoBody: an alias (a query string seen before) finds
// its response only while the response is kept; it never keeps an evicted
// response alive.
func TestCacheAliasHoldsNoBody(t *testing.T) {
	c := newCache(newBudget(16<<10), nil) // room for an alias in its share (aliasShare)
	k := cacheKey{kind: kindCombination, name: "a"}
	body := bytes.Repeat([]byte("x"), 1024)
	c.getOrRender(context.Background(), k, "combined", func() (*resource, error) { return bodyResource(body, time.Time{}, nil, false), nil })
	c.alias(queryKey("tracks=a&x=1"), k)
	if res, fetch, ok := c.get(queryKey("tracks=a&x=1")); !ok || res == nil || fetch != "combined" {
		t.Fatal("the alias does not find its response")
	}
	for i := range 16 { // push the response out
		c.getOrRender(context.Background(), cacheKey{kind: kindCombination, name: fmt.Sprint(i)}, "", func() (*resource, error) {
			return bodyResource(body, time.Time{}, nil, false), nil
		})
	}
	if _, _, ok := c.get(k); ok {
		t.Fatal("the response was not evicted")
	}
	if _, _, ok := c.get(queryKey("tracks=a&x=1")); ok {
		t.Error("the alias still finds an evicted response")
	}
}

// TestCacheAliasesKeepToTheirShare: query strings spelled anew for one
// response (a made-up parameter each time, each a cheap cache hit) push out
// only each other, past their share of the budget, never the responses
// rendered on demand.
func TestCacheAliasesKeepToTheirShare(t *testing.T) {
	const max = 1 << 20
	c := newCache(newBudget(max), nil)
	body := bytes.Repeat([]byte("x"), 64<<10)
	var kept []cacheKey
	for i := range 8 { // half the budget
		k := cacheKey{kind: kindCombination, name: fmt.Sprint(i)}
		c.getOrRender(context.Background(), k, "combined", func() (*resource, error) { return bodyResource(body, time.Time{}, nil, false), nil })
		kept = append(kept, k)
	}
	junk := strings.Repeat("j", 12<<10)
	var last cacheKey
	for i := range 500 { // 6 MB of query strings
		last = queryKey(fmt.Sprintf("events=a&x=%d%s", i, junk))
		c.alias(last, kept[0])
		if c.aliased > max/aliasShare {
			t.Fatalf("after %d aliases they hold %d bytes, more than their share %d", i+1, c.aliased, max/aliasShare)
		}
	}
	for _, k := range kept {
		if _, _, ok := c.get(k); !ok {
			t.Fatalf("response %s was pushed out by aliases", k.name)
		}
	}
	if _, _, ok := c.get(last); !ok {
		t.Error("the newest alias is not kept")
	}
	if _, _, ok := c.get(queryKey(fmt.Sprintf("events=a&x=0%s", junk))); ok {
		t.Error("the oldest alias is still kept past the aliases' share")
	}
	// The budget still bounds all: responses push aliases out when they
	// are all that is left to evict.
	for i := range 40 {
		k := cacheKey{kind: kindCombination, name: fmt.Sprint("more", i)}
		c.getOrRender(context.Background(), k, "combined", func() (*resource, error) { return bodyResource(body, time.Time{}, nil, false), nil })
	}
	if _, used := c.stats(); used > max {
		t.Errorf("the cache holds %d bytes, more than its budget %d", used, max)
	}
	c.release()
	if n, used := c.stats(); n != 0 || used != 0 || c.aliased != 0 {
		t.Errorf("released: %d entries, %d bytes, %d of aliases; want none", n, used, c.aliased)
	}
}

// TestCacheOneRenderingAtATime: many requests for one response wait for
// one rendering; renderings of distinct responses never run more at once
// than the server allows.
func TestCacheOneRenderingAtATime(t *testing.T) {
	c := newCache(newBudget(1<<20), make(chan struct{}, 2))
	var renders, running, most atomic.Int32
	render := func() (*resource, error) {
		renders.Add(1)
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		running.Add(-1)
		return bodyResource([]byte("body"), time.Time{}, nil, false), nil
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := cacheKey{kind: kindPage, name: "same"}
			if i%2 == 1 {
				k.name = fmt.Sprint(i)
			}
			if res, err := c.getOrRender(context.Background(), k, "", render); err != nil || res == nil {
				t.Errorf("getOrRender: %v", err)
			}
		}()
	}
	wg.Wait()
	if got := renders.Load(); got != 21 {
		t.Errorf("%d renderings for 1 shared and 20 distinct responses, want 21", got)
	}
	if got := most.Load(); got > 2 {
		t.Errorf("%d renderings ran at once; the bound is 2", got)
	}
}

// TestRenderWaitGivesUp: a request whose client goes away while it
// waits for its turn renders nothing, unless another request waits for
// the same response: then it keeps its place in the queue for that one.
// A client that leaves costs no rendering later.
func TestRenderWaitGivesUp(t *testing.T) {
	c := newCache(newBudget(1<<20), make(chan struct{}, 1))
	release := make(chan struct{})
	var mu sync.Mutex
	var order []string
	render := func(name string, block bool) func() (*resource, error) {
		return func() (*resource, error) {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			if block {
				<-release
			}
			return bodyResource([]byte(name), time.Time{}, nil, false), nil
		}
	}
	key := func(name string) cacheKey { return cacheKey{kind: kindPage, name: name} }
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	flight := func(name string) *flight {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.flights[key(name)]
	}
	get := func(ctx context.Context, name string) chan *resource {
		done := make(chan *resource, 1)
		go func() {
			res, err := c.getOrRender(ctx, key(name), "", render(name, name == "a"))
			if err != nil && ctx.Err() == nil {
				t.Errorf("%s: %v", name, err)
			}
			done <- res
		}()
		return done
	}

	// a holds the one turn until release.
	aDone := get(context.Background(), "a")
	waitFor("a's rendering", func() bool { mu.Lock(); defer mu.Unlock(); return len(order) == 1 })
	// b waits for its turn and b2 for b's response; c, asked for later,
	// waits behind b.
	ctxB, cancelB := context.WithCancel(context.Background())
	bDone := get(ctxB, "b")
	waitFor("b's flight", func() bool { return flight("b") != nil })
	b2Done := get(context.Background(), "b")
	waitFor("b2 waiting", func() bool { c.mu.Lock(); defer c.mu.Unlock(); return c.flights[key("b")].wanted == 2 })
	cDone := get(context.Background(), "c")
	waitFor("c's flight", func() bool { return flight("c") != nil })
	time.Sleep(10 * time.Millisecond) // c queued for its turn behind b
	// gone, and a rendering not kept, wait too, alone.
	ctxGone, cancelGone := context.WithCancel(context.Background())
	goneDone := make(chan error, 2)
	go func() {
		_, err := c.getOrRender(ctxGone, key("gone"), "", render("gone", false))
		goneDone <- err
	}()
	go func() {
		_, err := c.render(ctxGone, render("unkept", false))
		goneDone <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancelB()
	cancelGone()
	for range 2 {
		select {
		case err := <-goneDone:
			if !errors.Is(err, errGone) {
				t.Errorf("a request whose client went away returned %v, want errGone", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a request whose client went away, with nobody waiting for it, still waits for its turn")
		}
	}

	close(release)
	for name, done := range map[string]chan *resource{"a": aDone, "b": bDone, "c": cDone} {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s never ended", name)
		}
	}
	select {
	case res := <-b2Done:
		if res == nil || string(res.body) != "b" {
			t.Errorf("b2 got %v, want b's rendering", res)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b2 never got b's rendering")
	}
	if want := []string{"a", "b", "c"}; !slices.Equal(order, want) {
		t.Errorf("rendered %v, want %v: b kept its place for b2, and nothing was rendered for those gone", order, want)
	}
	if n := len(c.renders); n != 0 {
		t.Errorf("%d turns still taken after every request ended", n)
	}
	if len(c.flights) != 0 {
		t.Errorf("flights left: %v", c.flights)
	}
}

// TestTurnTakesAFreeToken: a request whose context has ended (net/http
// ends it when the client half-closes its connection) is still rendered
// when its turn is free at once.
func TestTurnTakesAFreeToken(t *testing.T) {
	c := newCache(newBudget(1<<20), make(chan struct{}, 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := c.getOrRender(ctx, cacheKey{kind: kindPage, name: "p"}, "", func() (*resource, error) {
		return bodyResource([]byte("p"), time.Time{}, nil, false), nil
	})
	if err != nil || res == nil {
		t.Errorf("getOrRender with a free turn and an ended context = %v, %v; want the rendering", res, err)
	}
	if _, err := c.render(ctx, func() (*resource, error) { return bodyResource(nil, time.Time{}, nil, false), nil }); err != nil {
		t.Errorf("render with a free turn and an ended context: %v", err)
	}
}

// TestMaxRenderings: by default half the processors render on demand, at
// least one, so that the others keep sending what is rendered while a
// flood of distinct pages waits its turn; Options.MaxRenderings sets the
// number, for one calendar or a folder of them (none, or fewer, is the
// default).
func TestMaxRenderings(t *testing.T) {
	for procs, want := range map[int]int{1: 1, 2: 1, 3: 1, 4: 2, 7: 3, 8: 4, 64: 32} {
		if got := RenderingsFor(procs); got != want {
			t.Errorf("RenderingsFor(%d) = %d, want %d", procs, got, want)
		}
	}
	def := RenderingsFor(runtime.GOMAXPROCS(0))
	for _, tc := range []struct{ opts, want int }{{0, def}, {-1, def}, {1, 1}, {5, 5}} {
		s := serverOf(t, testYAML, Options{MaxRenderings: tc.opts})
		if got := cap(s.renders); got != tc.want {
			t.Errorf("MaxRenderings %d: a calendar renders %d at once, want %d", tc.opts, got, tc.want)
		}
		f := NewFolder(Options{MaxRenderings: tc.opts})
		if got := cap(f.shared.renders); got != tc.want {
			t.Errorf("MaxRenderings %d: a folder renders %d at once, want %d", tc.opts, got, tc.want)
		}
	}
}

// TestReloadReleasesOldCalendar (D5): once a reload swaps in a new
// calendar, nothing the server keeps refers to the old one, pages served
// or not.
func TestReloadReleasesOldCalendar(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{BaseURL: "https://cal.example.test"})
	for _, path := range []string{"/", "/feeds.json", "/embed", "/calendar.ics?events=keynote,allday", "/changes.atom", "/qr/all.svg"} {
		pageRequest(t, s, http.MethodGet, path, nil)
	}
	old := weak.Make(s.Calendar())
	oldState := weak.Make(s.state.Load())
	cal, err := calendar.Load("pages.yaml", strings.NewReader(pagesYAML), calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(cal); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		runtime.GC()
		if old.Value() == nil && oldState.Value() == nil {
			return
		}
	}
	t.Error("the calendar before the reload is still in memory after it")
}

// TestBadHost (D6): a Host header that is no host[:port] is a 400, never a
// 500 from a link that cannot be built.
func TestBadHost(t *testing.T) {
	s := serverOf(t, pagesYAML, Options{})
	for _, host := range []string{"a:b", "[", "[::1", "a:99999", "a:1:2", "[zz]:80", "x/y", "%41"} {
		for _, path := range []string{"/", "/feeds.json", "/embed", "/changes.atom", "/calendar.ics", "/subscribe/google/all", "/qr/all.svg"} {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Host = host
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != http.StatusBadRequest {
				t.Errorf("Host %q, GET %s: status %d, want 400", host, path, w.Code)
			}
		}
	}
	for _, host := range []string{"localhost", "localhost:8080", "cal.example.org", "[::1]:8080", "10.0.0.1", "my_host.internal:80"} {
		r := httptest.NewRequest(http.MethodGet, "/feeds.json", nil)
		r.Host = host
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "http://"+host+"/") {
			t.Errorf("Host %q: status %d, or links not to it", host, w.Code)
		}
	}
}

// TestVaryOnForwardedHeaders (D8): behind a trusted proxy, a response whose
// links come from X-Forwarded-Host says so in Vary, so that no cache gives
// one host's links to another.
func TestVaryOnForwardedHeaders(t *testing.T) {
	paths := []string{"/", "/feeds.json", "/embed", "/changes.atom", "/subscribe/google/all", "/qr/all.svg"}
	for _, tc := range []struct {
		name string
		opts Options
		want bool
	}{
		{"trusted proxy", Options{TrustProxy: true}, true},
		{"no proxy", Options{}, false},
		{"fixed base URL", Options{TrustProxy: true, BaseURL: "https://cal.example.org"}, false},
	} {
		s := serverOf(t, pagesYAML, tc.opts)
		for _, path := range paths {
			h := http.Header{"X-Forwarded-Host": {"client.example, cal.example.org"}, "X-Forwarded-Proto": {"https"}}
			rec := do(t, s, http.MethodGet, path, h)
			vary := strings.Join(rec.Header().Values("Vary"), ", ")
			if got := strings.Contains(vary, "X-Forwarded-Host"); got != tc.want {
				t.Errorf("%s: GET %s: Vary %q", tc.name, path, vary)
			}
			if tc.want && (strings.Contains(rec.Body.String(), "client.example") || strings.Contains(rec.Header().Get("Location"), "client.example")) {
				t.Errorf("%s: GET %s: the client's own X-Forwarded-Host was used", tc.name, path)
			}
		}
	}
}

// TestChangesCompressedOnce (D10): the changes feed is rendered once and
// compressed once, and only when a client asks for gzip.
func TestChangesCompressedOnce(t *testing.T) {
	s := stamped(t, Options{Gzip: true, BaseURL: "https://cal.example.org"})
	st := s.state.Load()
	plain := get(t, s, "/changes.atom", nil)
	if plain.Header().Get("Content-Encoding") != "" {
		t.Fatal("gzipped for a client that did not ask")
	}
	res, _, ok := st.cache.get(cacheKey{kind: kindAtom, lang: st.cal.Languages[0], page: pageKey{base: "https://cal.example.org"}})
	if !ok {
		t.Fatal("the changes feed is not kept")
	}
	if res.gzippedSize() != 0 {
		t.Error("compressed before any client asked for gzip")
	}
	gz := get(t, s, "/changes.atom", http.Header{"Accept-Encoding": {"gzip"}})
	if gz.Header().Get("Content-Encoding") != "gzip" || !bytes.Equal(gunzip(t, gz.Body.Bytes()), plain.Body.Bytes()) {
		t.Fatal("the gzipped changes feed is not the plain one compressed")
	}
	first := res.gz
	get(t, s, "/changes.atom", http.Header{"Accept-Encoding": {"gzip"}})
	again, _, _ := st.cache.get(cacheKey{kind: kindAtom, lang: st.cal.Languages[0], page: pageKey{base: "https://cal.example.org"}})
	if again != res || &again.gz[0] != &first[0] {
		t.Error("the changes feed was rendered or compressed a second time")
	}
}

// TestHealthBounded (D7): /healthz shows a few problems of an invalid file,
// shortened and without the values they quote, with their total: never a
// copy of a large file, nor a line of whatever file a link points to.
func TestHealthBounded(t *testing.T) {
	s := serverOf(t, testYAML, Options{})
	long := strings.Repeat("X", 10<<20)
	var b strings.Builder
	b.WriteString("calendar: {id: c, name: C, timezone: Europe/Paris}\nevents:\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "  - {id: e%d, title: T, start: 2025-01-01 09:00, duration: 1h, timezone: %q}\n", i, long[:1000+i])
	}
	b.WriteString("  - {id: big, title: " + long + "}\n")
	_, err := calendar.Load("events.yaml", strings.NewReader(b.String()), calendar.Options{})
	if err == nil {
		t.Fatal("the file loaded")
	}
	s.LoadFailed(err)
	rec := get(t, s, "/healthz", nil)
	var h struct {
		File          string   `json:"file"`
		Problems      []string `json:"problems"`
		ProblemsTotal int      `json:"problems_total"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	if h.File != "invalid" || len(h.Problems) != maxHealthProblems || h.ProblemsTotal <= 1000 {
		t.Errorf("file %q, %d problems shown of %d; want invalid, %d of over 1000", h.File, len(h.Problems), h.ProblemsTotal, maxHealthProblems)
	}
	// The total counts every problem, not the line saying how many more.
	var invalid *calendar.Error
	if !errors.As(err, &invalid) || h.ProblemsTotal != invalid.Count() {
		t.Errorf("problems_total %d; the load found %d", h.ProblemsTotal, invalid.Count())
	}
	if n := rec.Body.Len(); n > 16<<10 || strings.Contains(rec.Body.String(), "XXXX") {
		t.Errorf("/healthz is %d bytes, or repeats the file's values", n)
	}
	for _, p := range h.Problems {
		if !strings.HasPrefix(p, "events.yaml:") {
			t.Errorf("problem %q lacks its place", p)
		}
	}

	// A link to a file that is no events file (its lines read as keys).
	_, err = calendar.Load("events.yaml", strings.NewReader("root:$y$j9T$secretsalt$secrethash:19000:0:99999:7:::\n"), calendar.Options{})
	s.LoadFailed(err)
	if body := get(t, s, "/healthz", nil).Body.String(); strings.Contains(body, "secret") || !strings.Contains(body, `events.yaml:1:1: `+problemHidden) {
		t.Errorf("/healthz shows the content of a foreign file:\n%s", body)
	}
}

// TestSpilledFeed: a large feed rendered at load goes out from its file
// (sendfile) over a real connection, byte for byte what a Write sends,
// to many clients at once (each with its own file offset), with HEAD,
// Range and 304 answered as for any feed.
func TestSpilledFeed(t *testing.T) {
	s := serverOf(t, synthYAML(t, 1000), Options{Sendfile: true})
	want := get(t, s, "/calendar.ics", nil)
	if want.Body.Len() < minSpilled {
		t.Fatalf("the full feed is %d bytes, under %d: nothing to spill", want.Body.Len(), minSpilled)
	}
	res, _, err := s.state.Load().feed(context.Background(), keyAll, variant{Lang: s.Calendar().Languages[0]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && res.file == nil {
		t.Fatal("the full feed was not spilled to a file")
	}
	// Without Options.Sendfile, it is written from memory.
	plain := serverOf(t, synthYAML(t, 1000), Options{})
	if res, _, err := plain.state.Load().feed(context.Background(), keyAll, variant{Lang: plain.Calendar().Languages[0]}, nil); err != nil || res.file != nil {
		t.Fatalf("without Sendfile: the full feed spilled to a file (%v)", err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 4 {
				resp, err := http.Get(ts.URL + "/calendar.ics")
				if err != nil {
					t.Error(err)
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !bytes.Equal(body, want.Body.Bytes()) || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
					t.Errorf("GET: %d bytes (%v), Content-Length %s; want the %d bytes written", len(body), err, resp.Header.Get("Content-Length"), want.Body.Len())
					return
				}
			}
		}()
	}
	wg.Wait()
	req, _ := http.NewRequest(http.MethodGet, ts.URL+"/calendar.ics", nil)
	req.Header.Set("Range", "bytes=1000-1999")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, want.Body.Bytes()[1000:2000]) {
		t.Errorf("Range: %d, %d bytes", resp.StatusCode, len(part))
	}
	req, _ = http.NewRequest(http.MethodHead, ts.URL+"/calendar.ics", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(want.Body.Len()) {
		t.Errorf("HEAD: %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	req, _ = http.NewRequest(http.MethodGet, ts.URL+"/calendar.ics", nil)
	req.Header.Set("If-None-Match", want.Header().Get("ETag"))
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %v %v", resp, err)
	}
}

// TestPrerenderBound: past the bytes rendered at load, track feeds are
// rendered on their first request: every one is served, the same bytes as
// when all are rendered at load.
func TestPrerenderBound(t *testing.T) {
	yaml := synthYAML(t, 1000)
	all := serverOf(t, yaml, Options{})
	few := serverOf(t, yaml, Options{prerender: 1})
	st := few.state.Load()
	first, _ := st.prerendered(st.cal.Languages[0])
	if _, ok := first[keyAll]; !ok || len(first) != 1 {
		t.Fatalf("%d feeds rendered at load with a bound of 1 byte; want the full feed alone", len(first))
	}
	for _, tr := range st.cal.Tracks {
		for _, lang := range st.cal.Languages {
			path := "/tracks/" + tr.ID + ".ics?lang=" + lang
			a, b := get(t, all, path, nil), get(t, few, path, nil)
			if !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("ETag") != b.Header().Get("ETag") {
				t.Fatalf("%s differs when rendered on request", path)
			}
		}
	}
}

// TestLanguageOnFirstRequest: a load renders the calendar's first
// language; another is rendered, with its fixed feeds, by the first
// request in it; requests that ask together all get it (the race detector
// watches them); and it serves what a server asked for it first serves.
func TestLanguageOnFirstRequest(t *testing.T) {
	yaml := synthYAML(t, 300)
	srv := serverOf(t, yaml, Options{})
	st := srv.state.Load()
	second := st.cal.Languages[1]
	if st.feeds[second].feeds != nil {
		t.Fatalf("%s feeds rendered at load; want them on first request", second)
	}
	path := "/calendar.ics?lang=" + second
	bodies := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range bodies {
		wg.Go(func() { bodies[i] = get(t, srv, path, nil).Body.Bytes() })
	}
	wg.Wait()
	feeds := st.feeds[second].feeds
	if feeds[keyAll] == nil {
		t.Fatalf("after %s: %d %s feeds rendered ahead, not the full feed", path, len(feeds), second)
	}
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Fatalf("concurrent first requests of %s got different bodies", path)
		}
	}
	// Another server, asked in the second language before the first.
	other := serverOf(t, yaml, Options{})
	for _, p := range []string{path, "/tracks/" + st.cal.Tracks[0].ID + ".ics?lang=" + second, "/calendar.ics"} {
		a, b := get(t, other, p, nil), get(t, srv, p, nil)
		if a.Code != http.StatusOK || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || a.Header().Get("ETag") != b.Header().Get("ETag") {
			t.Errorf("%s: %d, and differs between two servers of one calendar", p, a.Code)
		}
	}
}

// TestReloadKeepsLanguages: a reload renders the languages the calendar
// it replaces was asked for in, and no others, so that a language in use
// does not make its next reader wait after every edit.
func TestReloadKeepsLanguages(t *testing.T) {
	srv := serverOf(t, synthYAML(t, 300), Options{})
	second := srv.state.Load().cal.Languages[1]
	reload := func() *state {
		t.Helper()
		if err := srv.Load(srv.Calendar()); err != nil {
			t.Fatal(err)
		}
		return srv.state.Load()
	}
	if st := reload(); st.feeds[second].feeds != nil {
		t.Fatalf("a reload rendered %s, which nobody asked for", second)
	}
	want := get(t, srv, "/calendar.ics?lang="+second, nil)
	st := reload()
	if st.feeds[second].feeds == nil {
		t.Fatalf("a reload after a request in %s did not render it", second)
	}
	if got := get(t, srv, "/calendar.ics?lang="+second, nil); !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) || got.Header().Get("ETag") != want.Header().Get("ETag") {
		t.Errorf("the %s feed differs after the reload", second)
	}
}

// TestValidHost: every Host validHost accepts is one net/url parses into
// links as it is (validHost no longer asks net/url, for speed).
func TestValidHost(t *testing.T) {
	alphabet := []byte("aZ09.-_:[]%/@ ?#\\\x00é")
	rng := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	for range 200000 {
		b := make([]byte, 1+rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		h := string(b)
		if !validHost(h) {
			continue
		}
		accepted++
		if u, err := url.Parse("http://" + h + "/"); err != nil || u.Host != h {
			t.Errorf("validHost(%q), but url.Parse: %v (host %q)", h, err, u.Host)
		}
	}
	for _, h := range []string{"[::1]", "[::1]:8080", "[2001:db8::1]:443", "a.b_c-d:65535"} {
		if !validHost(h) {
			t.Errorf("validHost(%q) = false", h)
		}
		if _, err := url.Parse("http://" + h + "/"); err != nil {
			t.Errorf("%q: %v", h, err)
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d random hosts accepted: the test tries too little", accepted)
	}
}

// TestRemindersHeldInCache: a feed with a reminder is rendered for its
// request and kept only in the cache, within its budget. Nothing of it is
// kept beside: before, every event's rendering with each reminder stayed
// until the next reload, and a few requests for the whole calendar with
// each reminder grew the server by the size of the calendar each.
func TestRemindersHeldInCache(t *testing.T) {
	const budget = 256 << 10 // too small to keep the whole calendar
	s := serverOf(t, synthYAML(t, 2000), Options{CacheSize: budget})
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	st := s.state.Load()
	for _, lang := range st.cal.Languages {
		get(t, s, "/calendar.ics?lang="+lang, nil) // each language rendered
	}
	before := heap()
	served := 0
	for _, lang := range st.cal.Languages {
		for _, a := range reminder.All() {
			rec := get(t, s, "/calendar.ics?lang="+lang+"&alarm="+a.String(), nil)
			if !strings.Contains(rec.Body.String(), "BEGIN:VALARM") {
				t.Fatalf("%s, %s: no reminder in the feed", lang, a)
			}
			served += rec.Body.Len()
		}
	}
	if _, used := st.cache.stats(); used > budget {
		t.Errorf("the cache holds %d bytes; budget %d", used, budget)
	}
	after := heap()
	runtime.KeepAlive(s) // measured with the server alive
	if grew := int64(after) - int64(before); grew > int64(served/10) {
		t.Errorf("after %d bytes of feeds with reminders the heap grew by %d bytes", served, grew)
	}
}

// TestLargeResponseShared: a response too large to keep is rendered once
// for everyone asking for it while anyone still holds it (slow clients
// reading the whole calendar with a reminder hold one copy between them,
// not one each), and forgotten once nobody does.
func TestLargeResponseShared(t *testing.T) {
	s := serverOf(t, synthYAML(t, 1000), Options{CacheSize: 256 << 10})
	st := s.state.Load()
	v := variant{Lang: st.cal.Languages[0], Alarm: reminder.All()[0]}
	first, _, err := st.feed(context.Background(), keyAll, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	if first.size <= int(st.cache.budget.max/2) {
		t.Fatalf("the feed has %d bytes: small enough to keep", first.size)
	}
	again, _, err := st.feed(context.Background(), keyAll, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Error("a response too large to keep was rendered again while the first was still held")
	}
	if _, used := st.cache.stats(); used > 4<<10 {
		t.Errorf("the cache holds %d bytes; the response is too large for it, only its validators are kept", used)
	}
	first, again = nil, nil
	for range 200 { // up to about a second on a busy machine
		runtime.GC()
		st.cache.mu.Lock()
		n := len(st.cache.large)
		st.cache.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond) // cleanups run on their own goroutine
	}
	t.Error("the cache still names a response nobody holds")
}

// TestLargeResponseRevalidated: a subscriber polling a feed too large to
// keep, with the ETag it was sent, is answered 304 from the feed's
// validators, without a new rendering of it once nobody holds the last;
// another ETag, or none, gets the feed.
func TestLargeResponseRevalidated(t *testing.T) {
	var tracks []string
	for i := range 10 {
		tracks = append(tracks, synth.TrackID(i))
	}
	for name, path := range map[string]string{
		"full feed":   "/calendar.ics?alarm=15m",
		"combination": "/calendar.ics?alarm=15m&tracks=" + strings.Join(tracks, ","),
	} {
		t.Run(name, func(t *testing.T) { largeRevalidated(t, path) })
	}
}

func largeRevalidated(t *testing.T, path string) {
	s := serverOf(t, synthYAML(t, 1000), Options{CacheSize: 256 << 10})
	st := s.state.Load()
	rec := get(t, s, path, nil)
	etag, body := rec.Header().Get("ETag"), rec.Body.String()
	if etag == "" || len(body) <= int(st.cache.budget.max/2) {
		t.Fatalf("ETag %q, %d bytes: want a feed too large to keep", etag, len(body))
	}
	// A 304 while the feed is held, to compare with one from its validators.
	want := do(t, s, http.MethodGet, path, http.Header{"If-None-Match": {etag}}).Header()
	rec = nil
	held := func() int {
		st.cache.mu.Lock()
		defer st.cache.mu.Unlock()
		return len(st.cache.large)
	}
	for i := 0; held() > 0; i++ {
		if i == 200 {
			t.Fatal("the response is still held after 200 collections")
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond) // cleanups run on their own goroutine
	}
	w := do(t, s, http.MethodGet, path, http.Header{"If-None-Match": {etag}})
	if w.Code != http.StatusNotModified || w.Header().Get("ETag") != etag || w.Body.Len() != 0 {
		t.Fatalf("revalidation: %d, ETag %q, %d bytes; want 304, %q", w.Code, w.Header().Get("ETag"), w.Body.Len(), etag)
	}
	if held() != 0 {
		t.Error("the feed was rendered again to answer a revalidation")
	}
	// The same headers but Date, which is the second each was sent in (the
	// collections between them can cross a second).
	if diff := cmp.Diff(withoutDate(t, want), withoutDate(t, w.Header())); diff != "" {
		t.Errorf("a 304 from the validators differs from one from the feed (-feed +validators):\n%s", diff)
	}
	w = do(t, s, http.MethodGet, path, http.Header{"If-None-Match": {`"other"`}})
	if w.Code != http.StatusOK || w.Header().Get("ETag") != etag || w.Body.String() != body {
		t.Errorf("another ETag: %d, ETag %q, %d bytes; want the feed", w.Code, w.Header().Get("ETag"), w.Body.Len())
	}
}

// stalledWriter is a client that has stopped reading: its first Write of
// a body blocks until release is closed.
type stalledWriter struct {
	header  http.Header
	code    int
	started chan struct{} // closed at the first Write
	release chan struct{}
	once    sync.Once
}

func newStalledWriter(release chan struct{}) *stalledWriter {
	return &stalledWriter{header: http.Header{}, started: make(chan struct{}), release: release}
}

func (w *stalledWriter) Header() http.Header { return w.header }
func (w *stalledWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *stalledWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.once.Do(func() { close(w.started) })
	<-w.release
	return len(b), nil
}

// TestStalledReadersBounded: responses rendered on demand that clients
// have stopped reading hold memory the cache no longer counts (a feed
// with a reminder, a combination of tracks: each a rendering of its own).
// Once they hold the cache's budget again, no new rendering starts (503,
// Retry-After), while what is rendered already is still served; one
// response sent to many counts once; one alone, even past the budget,
// holds no other up; and once they are read, or their clients gone,
// renderings start again.
func TestStalledReadersBounded(t *testing.T) {
	const budget = 256 << 10
	s := serverOf(t, synthYAML(t, 1000), Options{CacheSize: budget})
	st := s.state.Load()
	all, combination := reminderCombinations(st)
	release := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(release); wg.Wait() }()
	stall := func(target string) *stalledWriter {
		w := newStalledWriter(release)
		wg.Go(func() { s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil)) })
		select {
		case <-w.started:
		case <-time.After(10 * time.Second):
			t.Fatalf("GET %s: no body written", target)
		}
		return w
	}

	first := stall(combination(0))
	held := st.cache.budget.sending.Load()
	if held < 100<<10 {
		t.Fatalf("a stalled response of a combination counts %d bytes", held)
	}
	stall(combination(0)) // the same response, sent twice: counted once
	if got := st.cache.budget.sending.Load(); got != held {
		t.Errorf("one response sent to two clients counts %d bytes, want %d", got, held)
	}
	if held < budget || st.cache.budget.full() {
		t.Fatalf("one response of %d bytes, past the budget of %d, holds the others up: %v", held, budget, st.cache.budget.full())
	}
	var refused *httptest.ResponseRecorder
	for i := 1; i < len(all) && refused == nil; i++ {
		if st.cache.budget.full() {
			refused = do(t, s, http.MethodGet, combination(i), nil)
			break
		}
		stall(combination(i))
	}
	if refused == nil {
		t.Fatalf("%d stalled responses hold %d bytes, under the budget of %d", len(all), st.cache.budget.sending.Load(), budget)
	}
	if refused.Code != http.StatusServiceUnavailable || refused.Header().Get("Retry-After") == "" {
		t.Errorf("a new rendering past the budget: status %d, Retry-After %q; want 503 and a Retry-After",
			refused.Code, refused.Header().Get("Retry-After"))
	}
	if c := do(t, s, http.MethodGet, "/?tz=Bad/Zone", nil).Code; c != http.StatusServiceUnavailable {
		t.Errorf("a page not yet rendered, past the budget: status %d, want 503", c)
	}
	// What is rendered already is served: the feeds rendered ahead, and the
	// response being sent.
	get(t, s, "/calendar.ics", nil)
	get(t, s, "/tracks/"+all[0]+".ics", nil)
	get(t, s, combination(0), nil)
	if first.code != http.StatusOK {
		t.Errorf("the first stalled response: status %d", first.code)
	}

	close(release)
	wg.Wait()
	release = make(chan struct{})
	if got := st.cache.budget.sending.Load(); got != 0 {
		t.Errorf("with every response sent, %d bytes still count as being sent", got)
	}
	get(t, s, combination(len(all)-1), nil)

	// A feed of parts past maxJoined, without a reminder, holds slices of
	// the calendar's rendered events: it counts those, not its size.
	big := serverOf(t, synthYAML(t, 6000), Options{CacheSize: budget})
	bst := big.state.Load()
	var bigAll []string
	for _, tr := range bst.cal.Tracks[1:] {
		bigAll = append(bigAll, tr.ID)
	}
	target := "/calendar.ics?tracks=" + strings.Join(bigAll, ",")
	w := newStalledWriter(release)
	wg.Go(func() { big.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil)) })
	<-w.started
	size := get(t, big, target, nil).Body.Len()
	if got := bst.cache.budget.sending.Load(); size <= maxJoined || got <= 0 || got > int64(size/20) {
		t.Errorf("a combination of %d tracks, %d bytes, counts %d bytes being sent", len(bigAll), size, got)
	}
}

// reminderCombinations returns the ids of st's tracks and, for each i, a
// feed of all of them but one, with a reminder: a rendering of its own,
// and of nearly the whole calendar.
func reminderCombinations(st *state) (all []string, combination func(int) string) {
	for _, tr := range st.cal.Tracks {
		all = append(all, tr.ID)
	}
	return all, func(i int) string {
		ids := slices.Delete(slices.Clone(all), i%len(all), i%len(all)+1)
		return "/calendar.ics?alarm=1h&tracks=" + strings.Join(ids, ",")
	}
}

// cuttableWriter is a stalledWriter that, like net/http's, a write
// deadline in the past makes fail at once.
type cuttableWriter struct {
	*stalledWriter
	cut    chan struct{}
	once   sync.Once
	writes int
}

func newCuttableWriter(release chan struct{}) *cuttableWriter {
	return &cuttableWriter{stalledWriter: newStalledWriter(release), cut: make(chan struct{})}
}

func (w *cuttableWriter) SetWriteDeadline(t time.Time) error {
	if !t.After(time.Now()) {
		w.once.Do(func() { close(w.cut) })
	}
	return nil
}

// Write takes the first write at once, as a socket's buffer would, and
// blocks on the others.
func (w *cuttableWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	if w.writes++; w.writes == 1 {
		return len(b), nil
	}
	w.stalledWriter.once.Do(func() { close(w.started) })
	select {
	case <-w.release:
		return len(b), nil
	case <-w.cut:
		return 0, os.ErrDeadlineExceeded
	}
}

// TestStalledReadersCutOff: when the responses being sent hold the budget,
// those that cannot be sent whole before the write timeout (here: nothing
// written for the stall time), a range among them, are cut off to make
// room for a new rendering, which is served instead of refused; those
// still within their stall time are not, and a new rendering is refused
// while they hold the budget.
func TestStalledReadersCutOff(t *testing.T) {
	const budget = 256 << 10
	s := serverOf(t, synthYAML(t, 1000), Options{CacheSize: budget})
	st := s.state.Load()
	b := st.cache.budget
	_, combination := reminderCombinations(st)
	release := make(chan struct{})
	var wg sync.WaitGroup
	defer func() { close(release); wg.Wait() }()
	var stalled []*cuttableWriter
	fill := func(from int) int {
		i := from
		for ; !b.full(); i++ {
			w := newCuttableWriter(release)
			req := httptest.NewRequest(http.MethodGet, combination(i), nil)
			if i == 0 {
				// A range (http.ServeContent's path) is cut off too.
				req.Header.Set("Range", "bytes=0-")
			}
			wg.Go(func() { s.ServeHTTP(w, req) })
			<-w.started
			stalled = append(stalled, w)
		}
		return i
	}

	// Within the stall time, nothing is cut and a new rendering is refused.
	setStall := func(d time.Duration) {
		b.mu.Lock()
		b.stall = d
		b.mu.Unlock()
	}
	setStall(time.Hour)
	next := fill(0)
	if c := do(t, s, http.MethodGet, combination(next), nil).Code; c != http.StatusServiceUnavailable {
		t.Fatalf("a new rendering while responses within their stall time hold the budget: status %d, want 503", c)
	}
	if n := b.cut.Load(); n != 0 {
		t.Fatalf("%d responses within their stall time were cut off", n)
	}
	// Each one's progress is seen, the range's too.
	b.mu.Lock()
	for s := range b.senders {
		if s.sent.Load() == 0 {
			t.Errorf("a response of %d bytes being sent: no progress seen", s.size.Load())
		}
	}
	b.mu.Unlock()

	// Past it, they are cut off and the new rendering is served.
	setStall(10 * time.Millisecond)
	time.Sleep(20 * time.Millisecond)
	rec := do(t, s, http.MethodGet, combination(next), nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "END:VCALENDAR") {
		t.Fatalf("a new rendering once the stalled responses can be cut off: status %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if n := b.cut.Load(); n != int64(len(stalled)) {
		t.Errorf("%d of %d stalled responses cut off", n, len(stalled))
	}
	for i, w := range stalled {
		select {
		case <-w.cut:
		default:
			t.Errorf("stalled response %d: not cut off", i)
		}
	}
	// Their handlers return and give back what they held.
	deadline := time.Now().Add(5 * time.Second)
	for b.sending.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := b.sending.Load(); got != 0 {
		t.Errorf("after the cut, %d bytes still count as being sent", got)
	}
	b.mu.Lock()
	left := len(b.senders)
	b.mu.Unlock()
	if left != 0 {
		t.Errorf("%d senders still followed after their handlers returned", left)
	}
}

// TestSenderDoomed: which responses being sent count as unable to finish
// before the write timeout.
func TestSenderDoomed(t *testing.T) {
	const timeout, stall = 60 * time.Second, 5 * time.Second
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		size      int64
		sent      int64
		lastWrite time.Duration // after start
		now       time.Duration // after start
		want      bool
	}{
		{"just started", 10 << 20, 0, 0, time.Second, false},
		{"nothing written for the stall time", 10 << 20, 0, 0, stall, true},
		{"a write completed within it", 10 << 20, 4 << 20, 8 * time.Second, 12 * time.Second, false},
		{"on pace to finish", 10 << 20, 5 << 20, 20 * time.Second, 20 * time.Second, false},
		{"too slow to finish", 10 << 20, 1 << 20, 20 * time.Second, 20 * time.Second, true},
		{"too slow, but watched for less than the stall time", 10 << 20, 64 << 10, 4 * time.Second, 4 * time.Second, false},
		{"the timeout passed", 10 << 20, 9 << 20, timeout, timeout, true},
		{"sent whole but for the last write", 10 << 20, 10<<20 - 1, 59 * time.Second, 59 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sender{start: start}
			s.size.Store(tc.size)
			s.sent.Store(tc.sent)
			s.last.Store(start.Add(tc.lastWrite).UnixNano())
			if got := s.doomed(start.Add(tc.now), timeout, stall); got != tc.want {
				t.Errorf("doomed = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSharedResponseCutWhole: a response two clients read is held once;
// cutting the one who cannot finish would free nothing while the other
// reads, so neither is cut until both cannot finish.
func TestSharedResponseCutWhole(t *testing.T) {
	b := newBudget(1 << 20)
	res := &resource{}
	res.writers.Store(2)
	now := time.Now()
	add := func(lastWrite time.Time) *cuttableWriter {
		w := newCuttableWriter(make(chan struct{}))
		s := b.track(res, w, 10<<20)
		s.last.Store(lastWrite.UnixNano())
		return w
	}
	stalled, reading := add(now.Add(-time.Minute)), add(now)
	if n := b.cutDoomed(now); n != 0 {
		t.Fatalf("cut %d readers of a response another still reads", n)
	}
	if n := b.cutDoomed(now.Add(b.stall)); n != 2 {
		t.Fatalf("with both readers stalled, cut %d, want 2", n)
	}
	for _, w := range []*cuttableWriter{stalled, reading} {
		select {
		case <-w.cut:
		default:
			t.Error("a reader not cut")
		}
	}
}

// TestAdmitWaitsForRelease: admit, having cut off the responses that
// cannot finish, waits for their handlers to give back what they held and
// admits the new rendering as soon as they have (told, not polling: here
// it would otherwise wait an hour); if they have not within its wait, it
// refuses.
func TestAdmitWaitsForRelease(t *testing.T) {
	for _, returns := range []bool{true, false} {
		b := newBudget(1 << 20)
		b.stall = time.Millisecond
		b.wait = 20 * time.Millisecond
		if returns {
			b.wait = time.Hour
		}
		var dones []func()
		var handlers sync.WaitGroup
		for range 2 {
			res := &resource{sending: b, held: 1 << 20}
			w := newCuttableWriter(make(chan struct{}))
			_, done := res.send(w, 2*sendChunk)
			dones = append(dones, done)
			// The handler returns once its write fails.
			handlers.Go(func() {
				<-w.cut
				if returns {
					done()
				}
			})
		}
		if !b.full() {
			t.Fatal("two responses of the budget's size being sent do not fill it")
		}
		time.Sleep(2 * b.stall)
		if got := b.admit(); got != returns {
			t.Errorf("handlers of the cut responses return: %v; admit = %v", returns, got)
		}
		if n := b.waiting.Load(); n != 0 {
			t.Errorf("%d still waiting after admit returned", n)
		}
		handlers.Wait()
		if !returns {
			for _, done := range dones {
				done()
			}
		}
		if b.full() || b.sending.Load() != 0 || b.responses.Load() != 0 {
			t.Errorf("after every response is sent: %d bytes of %d responses held", b.sending.Load(), b.responses.Load())
		}
	}
}

// TestClientGoneStatus: a request given up because its client went away
// is logged as nginx logs it, 499, and not as a failure of the server.
func TestClientGoneStatus(t *testing.T) {
	var log bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&log, nil))
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest(http.MethodGet, "/?events=a", nil), errGone, logger)
	if rec.Code != 499 {
		t.Errorf("status %d, want 499", rec.Code)
	}
	if log.Len() != 0 {
		t.Errorf("logged as a failure: %s", log.String())
	}
}

// TestRenderWaitStress: many requests for a few responses, their clients
// going away at random, one or two renderings at once: each request whose
// client stays gets its response, none is rendered twice while kept, and
// no turn or flight is left.
func TestRenderWaitStress(t *testing.T) {
	for _, tokens := range []int{1, 2} {
		c := newCache(newBudget(64<<20), make(chan struct{}, tokens))
		var renders [5]atomic.Int32
		var wg sync.WaitGroup
		for i := range 300 {
			wg.Go(func() {
				n := rand.IntN(len(renders))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				stays := i%3 == 0
				if !stays {
					time.AfterFunc(time.Duration(rand.IntN(3000))*time.Microsecond, cancel)
				}
				res, err := c.getOrRender(ctx, cacheKey{kind: kindPage, name: fmt.Sprint(n)}, "", func() (*resource, error) {
					renders[n].Add(1)
					time.Sleep(time.Duration(rand.IntN(500)) * time.Microsecond)
					return bodyResource([]byte(fmt.Sprint(n)), time.Time{}, nil, false), nil
				})
				switch {
				case err == nil && string(res.body) != fmt.Sprint(n):
					t.Errorf("asked for %d, got %q", n, res.body)
				case errors.Is(err, errGone) && stays:
					t.Errorf("a request whose client stayed got errGone")
				case err != nil && !errors.Is(err, errGone):
					t.Errorf("getOrRender: %v", err)
				}
			})
		}
		wg.Wait()
		for n := range renders {
			if got := renders[n].Load(); got > 1 {
				t.Errorf("%d tokens: response %d rendered %d times", tokens, n, got)
			}
		}
		if len(c.renders) != 0 || len(c.flights) != 0 {
			t.Errorf("%d tokens: %d turns and %d flights left", tokens, len(c.renders), len(c.flights))
		}
	}
}

// TestRenderWaitJoinsRendering: a request whose context has ended (a
// half-closed client) and that asks for a response being rendered
// already gets it: waiting costs nothing more.
func TestRenderWaitJoinsRendering(t *testing.T) {
	c := newCache(newBudget(1<<20), make(chan struct{}, 2))
	release, started := make(chan struct{}), make(chan struct{})
	k := cacheKey{kind: kindPage, name: "p"}
	go c.getOrRender(context.Background(), k, "", func() (*resource, error) {
		close(started)
		<-release
		return bodyResource([]byte("p"), time.Time{}, nil, false), nil
	})
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	time.AfterFunc(20*time.Millisecond, func() { close(release) })
	res, err := c.getOrRender(ctx, k, "", func() (*resource, error) {
		t.Error("rendered twice")
		return nil, nil
	})
	if err != nil || res == nil || string(res.body) != "p" {
		t.Errorf("joining a rendering with an ended context: %v, %v; want the rendering", res, err)
	}
}

// TestRenderPanic: a rendering that panics is an error for those asking
// for it; its turn and its flight are freed, and the next request renders
// again.
func TestRenderPanic(t *testing.T) {
	c := newCache(newBudget(1<<20), make(chan struct{}, 1))
	k := cacheKey{kind: kindPage, name: "p"}
	boom := func() (*resource, error) { panic("boom") }
	if _, err := c.getOrRender(context.Background(), k, "", boom); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a rendering that panicked: %v, want its error", err)
	}
	if _, err := c.render(context.Background(), boom); err == nil {
		t.Error("a rendering not kept that panicked: no error")
	}
	if len(c.renders) != 0 || len(c.flights) != 0 {
		t.Fatalf("%d turns and %d flights left after a panic", len(c.renders), len(c.flights))
	}
	res, err := c.getOrRender(context.Background(), k, "", func() (*resource, error) {
		return bodyResource([]byte("p"), time.Time{}, nil, false), nil
	})
	if err != nil || string(res.body) != "p" {
		t.Errorf("after a panic: %v, %v", res, err)
	}
}

// TestGzipInTurn: a feed's first gzip compression waits for a rendering
// turn, as a rendering does (a flood of distinct large responses, each
// compressed at gzip's best level, would otherwise take every processor);
// a client gone while it waits gets nothing compressed for it.
func TestGzipInTurn(t *testing.T) {
	s := serverOf(t, testYAML, Options{Gzip: true, MaxRenderings: 1})
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	s.renders <- struct{}{} // a rendering in progress
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *httptest.ResponseRecorder)
	go func() {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/calendar.ics", nil)
		req.Header = gz.Clone()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		done <- rec
	}()
	select {
	case rec := <-done:
		t.Fatalf("served while every rendering turn was taken: status %d, encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	case <-time.After(200 * time.Millisecond):
	}
	cancel() // the client goes away
	if rec := <-done; rec.Header().Get("Content-Encoding") == "gzip" {
		t.Errorf("a client gone while it waited was sent the gzipped feed")
	}
	<-s.renders
	rec := do(t, s, http.MethodGet, "/calendar.ics", gz)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("with a turn free: status %d, encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	if len(s.renders) != 0 {
		t.Errorf("%d rendering turns still taken after the compression", len(s.renders))
	}
}
