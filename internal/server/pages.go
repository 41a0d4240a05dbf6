package server

import (
	"bytes"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"calfeed/internal/calendar"
	"calfeed/internal/feedsjson"
	"calfeed/internal/links"
	"calfeed/internal/reminder"
	"calfeed/internal/web"
)

// Security headers of the pages. The page runs only its own script and
// style (static/), draws its swatches and QR codes as inline SVG, and sends
// no Referer to the calendar services it links to: a reader's agenda is
// nobody's business.
const (
	pageCSP   = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
	embedCSP  = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
	imageCSP  = "default-src 'none'; style-src 'unsafe-inline'"
	noReferer = "no-referrer"
)

// pages serves what people read rather than what calendars fetch: the
// subscribe page, the email snippet, feeds.json, /subscribe/ redirects, QR
// codes and the page's static files. What it renders is kept in the
// state's cache, under a key of what the response depends on.
type pages struct {
	s      *Server
	site   *web.Site
	assets map[string]*resource // the static files, by name
	alarms []reminder.Reminder  // the reminders feeds take, shortest first
}

// pageHeaders are the headers every page-like response carries.
func pageHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", noReferer)
}

// renderPage runs a renderer into a new resource, gzipped for clients
// that accept it.
func renderPage(f func(*bytes.Buffer) error) (*resource, error) {
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		return nil, err
	}
	return bodyResource(buf.Bytes(), time.Time{}, nil, true), nil
}

// newPages makes the pages of s from the shared templates and files.
func (s *Server) newPages(sh *shared) *pages {
	p := &pages{s: s, site: sh.site, assets: sh.assets}
	p.alarms = reminder.All()
	return p
}

// robots is /robots.txt: everything here is for everyone to find.
var robots = bodyResource([]byte("User-agent: *\nAllow: /\n"), time.Time{}, http.Header{
	"Content-Type":  {"text/plain; charset=utf-8"},
	"Cache-Control": {"public, max-age=86400"},
}, false)

// handleRobots serves GET /robots.txt.
func (s *Server) handleRobots(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w.Header())
	s.serve(w, r, robots)
}

// webRequest is what a page depends on in r: the calendar and its
// programme, the public base URL, the language (?lang=, then
// Accept-Language, then the calendar's default), the reader's zone (?tz=,
// or the name asked for when it is none) and the reminders feeds offer. A
// handler that takes ?alarm= sets Alarm.
func (p *pages) webRequest(r *http.Request, st *state) web.Request {
	q := r.URL.Query()
	req := web.Request{
		Cal:       st.cal,
		Programme: st.programme(),
		Base:      p.s.baseURL(r),
		Lang:      web.Negotiate(q.Get("lang"), r.Header.Get("Accept-Language"), st.cal.Languages),
		Alarms:    p.alarms,
		Private:   p.s.grant != nil,
	}
	req.QRCode = func(content, label string) (string, error) {
		k := cacheKey{kind: kindQR, name: content, page: pageKey{format: "inline " + label}}
		res, err := st.cache.memo(k, func() (*resource, error) {
			svg, err := web.QRCode(content, label)
			if err != nil {
				return nil, err
			}
			return bodyResource([]byte(svg), time.Time{}, nil, false), nil
		})
		if err != nil {
			return "", err
		}
		return string(res.body), nil
	}
	if tz := q.Get("tz"); tz != "" {
		req.Zone = web.ParseZone(tz)
		if req.Zone == nil {
			req.BadZone = shorten(tz, maxZoneShown)
		}
	}
	return req
}

// badZoneMarker stands for an unknown ?tz= in the page kept for every
// unknown one (see withBadZone): letters and digits, which the page's
// templates write as they are in text and in attributes alike.
const badZoneMarker = "calfeedUnknownZone7e2d94b1"

// badZoneShown is how many times the page repeats an unknown zone: in its
// notice and in its field.
const badZoneShown = 2

// withBadZone returns the page res, rendered with badZoneMarker, with the
// zone the reader asked for in its place, escaped for HTML text and
// quoted attributes (the two places a page repeats it), for the request
// r. Its bytes count among the responses being sent (see budget), as a
// rendering's would, and while those hold the budget it is refused where
// its body would be sent (not to a HEAD, nor to a revalidation it
// answers with a 304). It is not offered gzipped: compressing a large
// page for each request would cost about what rendering it did.
func withBadZone(res *resource, zone string, b *budget, r *http.Request) (*resource, error) {
	body := bytes.ReplaceAll(res.body, []byte(badZoneMarker), []byte(html.EscapeString(zone)))
	page := bodyResource(body, res.modified, res.headers, false)
	page.sending = b
	if r.Method != http.MethodHead && !(revalidatesOnly(r.Header) && notModified(r.Header, page.etag, page.modified)) && !b.admit() {
		return nil, errBusy
	}
	return page, nil
}

// maxZoneShown bounds how much of an unknown ?tz= the page repeats.
const maxZoneShown = 64

// shorten cuts s to at most n bytes, at a character boundary, marking the
// cut with an ellipsis.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// requestKey is the cache key of what a page-like response depends on in
// req: nothing else of the request (an unknown parameter, another spelling)
// makes another entry.
func requestKey(k kind, req web.Request) cacheKey {
	key := cacheKey{kind: k, lang: req.Lang, page: pageKey{base: req.Base, open: req.Open, number: req.Page}}
	switch {
	case req.Zone != nil:
		key.page.zone = req.Zone.String()
	case req.BadZone != "" && k == kindPage:
		key.page.zone = "\x00unknown" // any: see badZoneMarker
	}
	key.page.agenda = strings.Join(req.Agenda, ",")
	key.page.feeds = strings.Join(req.Feeds, ",")
	key.alarm = req.Alarm
	return key
}

// alarmParam reads ?alarm= as the feeds do: "" (or no ?alarm=) for no
// reminder, one of reminder.All, or a 400 that lists them. A link that
// silently subscribed without the reminder asked for would be found out
// only when a reminder was missed.
func (p *pages) alarmParam(r *http.Request) (reminder.Reminder, error) {
	return parseAlarm(r.URL.Query().Get("alarm"))
}

// handleIndex serves GET /: the subscribe page. For readers without
// JavaScript, ?events=a,b (or repeated ?events=) fills in the personal
// agenda, ?alarm=1h puts a reminder in every feed link (a value feeds
// refuse is ignored: the page stays useful), ?open=gender unfolds a feed
// and ?page=2 shows the second page of a long programme. An unknown ?tz=
// is said on the page, with the zone field.
func (p *pages) handleIndex(w http.ResponseWriter, r *http.Request) {
	st := p.s.state.Load()
	req := p.webRequest(r, st)
	q := r.URL.Query()
	req.Alarm, _ = p.alarmParam(r)
	if open := q.Get("open"); open != "" {
		if _, ok := web.FindFeed(st.cal, open, "", ""); ok {
			req.Open = open
		}
	}
	var ids []string
	for _, v := range q["events"] {
		for id := range strings.SplitSeq(v, ",") {
			if len(ids) >= maxListed {
				break
			}
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
	}
	req.Agenda = st.knownEvents(ids)
	if n, err := strconv.Atoi(q.Get("page")); err == nil {
		req.Page = req.Programme.Page(n)
	} else {
		req.Page = 1
	}
	render := func() (*resource, error) {
		return renderPage(func(b *bytes.Buffer) error { return p.site.Page(b, req) })
	}
	bad := req.BadZone
	if bad != "" {
		// Every misspelling is the same page but for the name it repeats:
		// rendered once with a marker, kept, and the name put in its place
		// for each request (a rendering of a large calendar's page takes
		// a tenth of a second; this, a copy of its bytes).
		req.BadZone = badZoneMarker
	}
	res, err := st.cache.getOrRender(r.Context(), requestKey(kindPage, req), "", render)
	if err == nil && bad != "" {
		if bytes.Count(res.body, []byte(badZoneMarker)) == badZoneShown {
			res, err = withBadZone(res, bad, st.cache.budget, r)
		} else {
			// The marker is elsewhere too (in a Host the links follow): a
			// page of its own, rendered for this request alone.
			req.BadZone = bad
			res, err = st.cache.render(r.Context(), render)
		}
	}
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", req.Lang)
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that cheap
	h.Add("Vary", "Accept-Language")
	p.s.varyOnBase(h)
	pageHeaders(h)
	p.s.serve(w, r, res)
}

// knownEvents keeps the ids of events the calendar has, in calendar order,
// once each.
func (st *state) knownEvents(ids []string) []string {
	var evs []*calendar.Event
	for _, id := range ids {
		if e := st.cal.Event(id); e != nil && !slices.Contains(evs, e) {
			evs = append(evs, e)
		}
	}
	slices.SortFunc(evs, func(a, b *calendar.Event) int { return st.position(a) - st.position(b) })
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// handleEmbed serves GET /embed: the subscribe links as an email-safe HTML
// snippet, or with ?format=text as plain text; ?feeds=all,gender picks
// feeds and ?alarm=1h puts a reminder in every link.
func (p *pages) handleEmbed(w http.ResponseWriter, r *http.Request) {
	st := p.s.state.Load()
	req := p.webRequest(r, st)
	q := r.URL.Query()
	alarm, err := p.alarmParam(r)
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	req.Alarm = alarm
	if list := q.Get("feeds"); list != "" {
		ids, err := feedList(st.cal, list)
		if err != nil {
			p.s.error(w, r, err)
			return
		}
		req.Feeds = ids
	}
	render, contentType := p.site.Embed, "text/html; charset=utf-8"
	switch f := q.Get("format"); f {
	case "", "html":
	case "text":
		render, contentType = p.site.EmbedText, "text/plain; charset=utf-8"
	default:
		p.s.error(w, r, badRequest(fmt.Sprintf("?format=%q: use html (the default) or text", shorten(f, 32))))
		return
	}
	key := requestKey(kindEmbed, req)
	key.page.format = contentType
	res, err := st.cache.getOrRender(r.Context(), key, "", func() (*resource, error) {
		return renderPage(func(b *bytes.Buffer) error { return render(b, req) })
	})
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType)
	if contentType == "text/html; charset=utf-8" {
		h.Set("Content-Security-Policy", embedCSP)
	}
	h.Set("Content-Language", req.Lang)
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Add("Vary", "Accept-Language")
	p.s.varyOnBase(h)
	pageHeaders(h)
	p.s.serve(w, r, res)
}

// feedList parses ?feeds=all,gender into known feed ids, in page order.
func feedList(cal *calendar.Calendar, list string) ([]string, error) {
	parts := strings.Split(list, ",")
	if len(parts) > maxListed {
		return nil, badRequest(fmt.Sprintf("?feeds= lists %d feeds; at most %d", len(parts), maxListed))
	}
	known := web.FeedIDs(cal)
	want := map[string]bool{}
	for _, id := range parts {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if _, ok := web.FindFeed(cal, id, "", ""); !ok {
			return nil, &notFoundError{what: fmt.Sprintf("feed %q", id), known: "feeds: " + strings.Join(known, ", ")}
		}
		want[id] = true
	}
	var ids []string
	for _, id := range known {
		if want[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, badRequest("?feeds= names no feed")
	}
	return ids, nil
}

// handleFeedsJSON serves GET /feeds.json: every feed with its links.
func (p *pages) handleFeedsJSON(w http.ResponseWriter, r *http.Request) {
	st := p.s.state.Load()
	req := p.webRequest(r, st)
	res, err := st.cache.getOrRender(r.Context(), requestKey(kindFeedsJSON, req), "", func() (*resource, error) {
		return renderPage(func(b *bytes.Buffer) error { return feedsjson.Write(b, req) })
	})
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*") // for other sites, as the feeds are
	h.Add("Vary", "Accept-Language")
	p.s.varyOnBase(h)
	pageHeaders(h)
	p.s.serve(w, r, res)
}

// handleSubscribe serves GET /subscribe/{client}/{feed}: a redirect to the
// client's current subscribe link for the feed, so that a link in an email
// keeps working when a client changes its format. ?lang= picks the feed's
// language and ?alarm= its reminder; /subscribe/{client}/all?events=a,b
// subscribes to an agenda.
func (p *pages) handleSubscribe(w http.ResponseWriter, r *http.Request, client, feedID string) {
	st := p.s.state.Load()
	c, err := links.ParseClient(client)
	if err != nil {
		names := make([]string, 0, 5)
		for _, c := range links.Clients() {
			names = append(names, string(c))
		}
		p.s.error(w, r, &notFoundError{what: fmt.Sprintf("client %q", client), known: "clients: " + strings.Join(names, ", ")})
		return
	}
	lang := web.Negotiate(r.URL.Query().Get("lang"), "", st.cal.Languages)
	base := p.s.baseURL(r)
	f, ok := web.FindFeed(st.cal, feedID, base, lang)
	if !ok {
		p.s.error(w, r, &notFoundError{what: fmt.Sprintf("feed %q", feedID), known: "feeds: " + strings.Join(web.FeedIDs(st.cal), ", ")})
		return
	}
	alarm, err := p.alarmParam(r)
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	if q := r.URL.Query(); q.Has("events") {
		list := q.Get("events")
		if feedID != web.AllFeeds {
			p.s.error(w, r, badRequest("?events= goes with /subscribe/"+client+"/all"))
			return
		}
		evs, err := st.events(list)
		if err != nil {
			p.s.error(w, r, err)
			return
		}
		ids := make([]string, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		f = web.AgendaFeed(st.cal, ids, base, lang)
	}
	f = f.WithAlarm(alarm)
	target, err := links.Subscribe(c, f.URL, f.Name)
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	h := w.Header()
	// Not cached for long: the point of this link is that it can change.
	h.Set("Cache-Control", "public, max-age=300")
	pageHeaders(h)
	p.s.varyOnBase(h)
	h.Set("Location", target)
	w.WriteHeader(http.StatusFound)
}

// handleQR serves GET /qr/{feed}.svg and .png: a QR code that opens the
// feed's part of the subscribe page (?of=feed: the feed's own address), for
// printed programmes and slides.
func (p *pages) handleQR(w http.ResponseWriter, r *http.Request, feedID, format string) {
	st := p.s.state.Load()
	q := r.URL.Query()
	lang := web.Negotiate(q.Get("lang"), "", st.cal.Languages)
	base := p.s.baseURL(r)
	f, ok := web.FindFeed(st.cal, feedID, base, lang)
	if !ok {
		p.s.error(w, r, &notFoundError{what: fmt.Sprintf("feed %q", feedID), known: "feeds: " + strings.Join(web.FeedIDs(st.cal), ", ")})
		return
	}
	target := web.PageURL(st.cal, base, lang, f.Anchor)
	switch of := q.Get("of"); of {
	case "", "page":
	case "feed":
		target = f.URL
	default:
		p.s.error(w, r, badRequest(fmt.Sprintf("?of=%q: use page (the default) or feed", of)))
		return
	}
	key := cacheKey{kind: kindQR, name: feedID, lang: lang, page: pageKey{base: base, format: format + " " + target}}
	res, err := st.cache.getOrRender(r.Context(), key, "", func() (*resource, error) {
		var img []byte
		var err error
		if format == "svg" {
			img, err = web.QRSVG(target, web.QRLabel(lang, f.Title))
		} else {
			img, err = web.QRPNG(target)
		}
		if err != nil {
			return nil, err
		}
		return bodyResource(img, time.Time{}, nil, format == "svg"), nil
	})
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	h := w.Header()
	if format == "svg" {
		h.Set("Content-Type", "image/svg+xml")
		h.Set("Content-Security-Policy", imageCSP)
	} else {
		h.Set("Content-Type", "image/png")
	}
	h.Set("Cache-Control", "public, max-age=3600")
	p.s.varyOnBase(h)
	pageHeaders(h)
	p.s.serve(w, r, res)
}

// handleStatic serves GET /static/{name}: the page's script and style.
// Asked for with the ?v= the page links with, they never change.
func (p *pages) handleStatic(w http.ResponseWriter, r *http.Request, name string) {
	a := p.site.Asset(name)
	if a == nil {
		p.s.error(w, r, &notFoundError{what: "static file " + name, known: "static files: " + strings.Join(web.AssetNames(), ", ")})
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ContentType)
	if r.URL.Query().Get("v") == a.Version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	pageHeaders(h)
	p.s.serve(w, r, p.assets[name])
}
