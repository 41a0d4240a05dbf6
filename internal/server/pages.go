package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/links"
	"calfeed/internal/web"
)

// Security headers of the pages. The page runs only its own script and
// style (static/), draws its swatches and QR codes as inline SVG, and sends
// no Referer to the calendar services it links to: a reader's agenda is
// nobody's business.
const (
	pageCSP   = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
	embedCSP  = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
	imageCSP  = "default-src 'none'; style-src 'unsafe-inline'"
	noReferer = "no-referrer"
)

// pages serves what people read rather than what calendars fetch: the
// subscribe page, the email snippet, feeds.json, /subscribe/ redirects, QR
// codes and the page's static files.
type pages struct {
	s      *Server
	site   *web.Site
	cache  pageCache
	assets map[string]*rendered // the static files, by name
	alarms []string             // the ?alarm= values feeds take, shortest first
}

// pageCache keeps rendered responses of the calendar being served, keyed
// by everything they depend on, so that a page costs a map lookup rather
// than a rendering (about 3 ms) on every request. It holds at most
// maxCached responses, and forgets them all when the calendar changes.
type pageCache struct {
	mu sync.Mutex
	st *state
	m  map[string]*rendered
}

const maxCached = 128

// rendered is one response body, with its ETag and, made on first demand,
// its gzipped form.
type rendered struct {
	body []byte
	etag string // strong, without quotes
	gzip bool   // worth compressing
	once sync.Once
	gz   []byte
}

func newRendered(body []byte, compressible bool) *rendered {
	sum := sha256.Sum256(body)
	return &rendered{body: body, etag: hex.EncodeToString(sum[:16]), gzip: compressible && len(body) > 1024}
}

func (r *rendered) gzipped() []byte {
	r.once.Do(func() {
		var zb bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression) // the level is valid
		zw.Write(r.body)                                        // writes to a bytes.Buffer do not fail
		zw.Close()
		r.gz = zb.Bytes()
	})
	return r.gz
}

// get returns the response cached under key for st, or renders it with f
// and keeps it.
func (c *pageCache) get(st *state, key string, compressible bool, f func(*bytes.Buffer) error) (*rendered, error) {
	c.mu.Lock()
	if c.st != st || len(c.m) >= maxCached {
		c.st, c.m = st, map[string]*rendered{}
	}
	res, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return res, nil
	}
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		return nil, err
	}
	res = newRendered(buf.Bytes(), compressible)
	c.mu.Lock()
	if c.st == st {
		c.m[key] = res
	}
	c.mu.Unlock()
	return res, nil
}

// cacheKey is everything a page response depends on: the public base URL,
// the language chosen (Accept-Language included), the path and the query.
func cacheKey(req web.Request, r *http.Request) string {
	return req.Base + "\x00" + req.Lang + "\x00" + r.URL.Path + "?" + r.URL.RawQuery
}

// newPages parses the page templates, once. They are embedded in the
// binary and tested, so a failure is a build mistake: it panics, as
// template.Must would.
func (s *Server) newPages() *pages {
	site, err := web.New()
	if err != nil {
		panic(fmt.Sprintf("server: %v", err))
	}
	p := &pages{s: s, site: site, assets: map[string]*rendered{}}
	for _, a := range feed.Alarms() {
		p.alarms = append(p.alarms, a.String())
	}
	for _, name := range web.AssetNames() {
		a := site.Asset(name)
		p.assets[name] = newRendered(a.Body, !strings.HasPrefix(a.ContentType, "image/png"))
	}
	return p
}

// PageFiles returns the paths a static build writes beside "/" (as
// index.html) and "/feeds.json" for the subscribe page to work from any
// host: its static files and each feed's QR codes. Every path answers GET
// with the bytes to write.
func (s *Server) PageFiles() []string {
	var paths []string
	for _, name := range web.AssetNames() {
		paths = append(paths, "/static/"+name)
	}
	for _, id := range web.FeedIDs(s.state.Load().cal) {
		paths = append(paths, "/qr/"+id+".svg", "/qr/"+id+".png")
	}
	return paths
}

// webRequest is what a page depends on in r: the calendar, the public base
// URL, the language (?lang=, then Accept-Language, then the calendar's
// default), the reader's zone (?tz=; unknown zones are ignored) and the
// reminders feeds offer. A handler that takes ?alarm= sets Alarm.
func (p *pages) webRequest(r *http.Request, st *state) web.Request {
	q := r.URL.Query()
	return web.Request{
		Cal:    st.cal,
		Base:   p.s.baseURL(r),
		Lang:   web.Negotiate(q.Get("lang"), r.Header.Get("Accept-Language"), st.cal.Languages),
		Zone:   web.ParseZone(q.Get("tz")),
		Alarms: p.alarms,
	}
}

// alarmParam reads ?alarm= as the feeds do: "" (or no ?alarm=) for no
// reminder, one of feed.Alarms, or a 400 that lists them. A link that
// silently subscribed without the reminder asked for would be found out
// only when a reminder was missed.
func (p *pages) alarmParam(r *http.Request) (string, error) {
	a, err := parseAlarm(r.URL.Query().Get("alarm"))
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

// handleIndex serves GET /: the subscribe page. For readers without
// JavaScript, ?events=a,b (or repeated ?events=) fills in the personal
// agenda, ?alarm=1h puts a reminder in every feed link (a value feeds
// refuse is ignored, as an unknown ?tz= is: the page stays useful) and
// ?open=gender unfolds a feed.
func (p *pages) handleIndex(w http.ResponseWriter, r *http.Request) {
	st := p.s.state.Load()
	req := p.webRequest(r, st)
	q := r.URL.Query()
	req.Alarm, _ = p.alarmParam(r)
	req.Open = q.Get("open")
	for _, v := range q["events"] {
		for id := range strings.SplitSeq(v, ",") {
			if len(req.Agenda) >= maxListed {
				break
			}
			if id = strings.TrimSpace(id); id != "" {
				req.Agenda = append(req.Agenda, id)
			}
		}
	}
	res, err := p.cache.get(st, cacheKey(req, r), true, func(b *bytes.Buffer) error { return p.site.Page(b, req) })
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
	p.serve(w, r, res)
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
	h := w.Header()
	render := p.site.Embed
	switch f := q.Get("format"); f {
	case "", "html":
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", embedCSP)
	case "text":
		render = p.site.EmbedText
		h.Set("Content-Type", "text/plain; charset=utf-8")
	default:
		p.s.error(w, r, badRequest(fmt.Sprintf("?format=%q: use html (the default) or text", f)))
		return
	}
	res, err := p.cache.get(st, cacheKey(req, r), true, func(b *bytes.Buffer) error { return render(b, req) })
	if err != nil {
		h.Del("Content-Type")
		h.Del("Content-Security-Policy")
		p.s.error(w, r, err)
		return
	}
	h.Set("Content-Language", req.Lang)
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Add("Vary", "Accept-Language")
	p.serve(w, r, res)
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
	res, err := p.cache.get(st, cacheKey(req, r), true, func(b *bytes.Buffer) error { return p.site.FeedsJSON(b, req) })
	if err != nil {
		p.s.error(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*") // for other sites, as the feeds are
	h.Add("Vary", "Accept-Language")
	p.serve(w, r, res)
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
	if list := r.URL.Query().Get("events"); list != "" {
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
	h.Set("Referrer-Policy", noReferer)
	h.Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Location", target)
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
	key := base + "\x00" + lang + "\x00" + r.URL.Path + "\x00" + target
	res, err := p.cache.get(st, key, format == "svg", func(b *bytes.Buffer) error {
		var img []byte
		var err error
		if format == "svg" {
			img, err = web.QRSVG(target, web.QRLabel(lang, f.Title))
		} else {
			img, err = web.QRPNG(target)
		}
		b.Write(img)
		return err
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
	p.serve(w, r, res)
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
	p.serve(w, r, p.assets[name])
}

// serve sends a rendered response with its strong ETag, gzip-compressed
// for clients that accept it (pages and JSON only; feeds go their own way),
// and lets http.ServeContent answer HEAD and conditional requests.
func (p *pages) serve(w http.ResponseWriter, r *http.Request, res *rendered) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", noReferer)
	body, etag := res.body, res.etag
	if res.gzip {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			body, etag = res.gzipped(), etag+"-gzip"
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("ETag", `"`+etag+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
