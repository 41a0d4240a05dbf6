// Package server serves a calendar over HTTP: its feeds (package feed),
// pages, snippet and QR codes (package web), feeds.json (package feedsjson)
// and changes feed (package atom). routes.go is the one file that knows the
// router.
//
// A load renders the feed of every event and each track's feed in every
// language of the calendar, and swaps them in at once: no request sees half
// a calendar (a state, state.go). Everything else is rendered on its first
// request and kept in a cache of the calendar's own, bounded by bytes
// (cache.go): reminder variants, single-event downloads, combined feeds and
// agendas, pages. Every response is a resource (resource.go) sent by one
// function, serve, with a strong ETag and conditional GET.
package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"calfeed/internal/calendar"
	"calfeed/internal/token"
	"calfeed/internal/web"
)

// Options configure a Server.
type Options struct {
	Logger *slog.Logger // nil discards logs
	// Gzip compresses feeds for clients that accept it. Off by default: an
	// Outlook subscription is known to fail on a gzip-encoded feed.
	Gzip bool
	// Sendfile sends the feeds of minSpilled (128 KiB) or more rendered
	// at load with sendfile(2), from a copy of each in an in-memory file,
	// rather than with one Write from memory. Off by default: whether it
	// is faster depends on the host (bench/run.sh measures both), and the
	// copies take memory a container counts.
	Sendfile bool
	// BaseURL is the public URL of the server (from -base-url, else
	// calendar.base_url) for absolute links; "" takes it from each request.
	BaseURL string
	// TrustProxy makes request-derived URLs honour X-Forwarded-Proto and
	// X-Forwarded-Host; set it only behind a proxy that sets them.
	TrustProxy bool
	// CacheSize bounds, in bytes, the responses kept rendered on demand for
	// the calendar being served (see DefaultCacheSize); 0 means the default.
	CacheSize int64
	// MaxRenderings bounds the renderings on demand (pages, combined feeds,
	// reminder variants, downloads, QR codes) that run at once; 0 or less
	// means RenderingsFor(GOMAXPROCS).
	MaxRenderings int
	// RequestLog, if set, receives the line of each request directly, in
	// the form of slog's text handler (its JSON handler with
	// RequestLogJSON), instead of through Logger: much cheaper, for a
	// Logger that is such a handler writing to the same place. Logger
	// still decides whether it is written (its level).
	RequestLog     io.Writer
	RequestLogJSON bool
	// NoRequestLog leaves out the line of each request answered, for a
	// server behind a proxy or CDN that logs them already. A response cut
	// short is still logged, as a warning, and so is every error.
	NoRequestLog bool

	prerender int // maxPrerendered, unless a test sets it
}

// Server is the calfeed HTTP handler.
type Server struct {
	opts    Options
	logger  *slog.Logger
	state   atomic.Pointer[state]
	handler http.Handler
	now     func() time.Time // the clock; tests replace it
	metrics *calMetrics
	health  atomic.Pointer[health]
	pages   *pages
	// renders holds a token per rendering on demand in progress: at most
	// Options.MaxRenderings, whatever the number of requests.
	renders chan struct{}
	budget  *budget // the memory its caches may hold
	// prefix is the path the calendar is served under in a folder of
	// calendars ("/wsis10"), "" at the root; a secret address's server has
	// /p/{token} after it.
	prefix string
	shared *shared
	// notFound answers a path that is not one (the router's 404).
	notFound http.Handler
	// grant is what a secret address's server shows besides the public
	// calendar (private.go); nil in the public server, which shows the
	// public calendar only.
	grant *calendar.Grant
	// secret is "/p/{token}" in a secret address's server, "" otherwise.
	secret string
	// undated, in a secret address's server, is whether the calendar has
	// changes its lock does not record (see state.undated).
	undated bool
	// tokens are the secret addresses of the calendar, and privates the
	// servers made for them; unused in a secret address's server.
	tokens atomic.Pointer[token.File]
	// tokensUnreadable is set while the tokens file cannot be read.
	tokensUnreadable atomic.Bool
	privates         atomic.Pointer[privates]
}

// shared is what the calendars of a folder share: one registry of
// metrics, one parse of the templates, one bound on renderings and one
// budget of memory.
type shared struct {
	metrics *metrics
	site    *web.Site
	assets  map[string]*resource // the site's static files
	renders chan struct{}
	budget  *budget
}

func newShared(opts Options) *shared {
	site, err := web.New()
	if err != nil {
		// The templates are embedded and tested: a failure is a build
		// mistake, as template.Must would say.
		panic(fmt.Sprintf("server: %v", err))
	}
	sh := &shared{metrics: newMetrics(), site: site, assets: map[string]*resource{},
		renders: make(chan struct{}, opts.maxRenderings()), budget: newBudget(opts.CacheSize)}
	sh.metrics.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "calfeed_responses_cut_total",
		Help: "Responses rendered on demand cut off to make room for new renderings: their clients, reading too slowly " +
			"or not at all, could not have been sent them whole before the write timeout.",
	}, func() float64 { return float64(sh.budget.cut.Load()) }))
	for _, name := range web.AssetNames() {
		a := site.Asset(name)
		sh.assets[name] = bodyResource(a.Body, time.Time{}, nil, !strings.HasPrefix(a.ContentType, "image/png"))
	}
	return sh
}

// maxRenderings is Options.MaxRenderings, or the default.
func (o Options) maxRenderings() int {
	if o.MaxRenderings > 0 {
		return o.MaxRenderings
	}
	return RenderingsFor(runtime.GOMAXPROCS(0))
}

// RenderingsFor is how many renderings on demand run at once by default
// on procs processors: half of them, at least one. The rest are left to
// what is rendered already: under a flood of requests for distinct pages
// (a crawler, or anyone asking for pages nobody else reads), the feeds
// subscribers poll are still sent from memory on the processors left,
// instead of waiting behind renderings for their turn on each processor.
func RenderingsFor(procs int) int { return max(1, procs/2) }

// New renders every feed of cal and returns a Server ready to serve them.
func New(cal *calendar.Calendar, opts Options) (*Server, error) {
	s, err := newServer(cal, opts, newShared(opts), "")
	if err != nil {
		return nil, err
	}
	s.handler = logRequests(s.logger, opts, checkHost(s.logger, s.handler))
	return s, nil
}

// newServer makes the Server of one calendar, mounted at prefix ("" at
// the root). The caller adds the request log and the Host check.
func newServer(cal *calendar.Calendar, opts Options, sh *shared, prefix string) (*Server, error) {
	s := &Server{opts: opts, logger: opts.Logger, now: time.Now, metrics: sh.metrics.forCalendar(cal.ID),
		renders: sh.renders, budget: sh.budget, prefix: prefix, shared: sh}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if err := s.start(cal); err != nil {
		return nil, err
	}
	return s, nil
}

// start serves cal with s, whose fields are set: it renders it and makes
// s's pages and routes.
func (s *Server) start(cal *calendar.Calendar) error {
	s.health.Store(&health{})
	if err := s.Load(cal); err != nil {
		return err
	}
	s.pages = s.newPages(s.shared)
	s.handler = s.routes()
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Load renders cal's events and fixed feeds in its first language, and in
// every other language the calendar it replaces was asked for in (the
// others on their first request: see prerender), and then swaps it in;
// requests already being served finish with the calendar they started
// with. The public server serves cal's public view; each secret address
// shows what its token grants.
func (s *Server) Load(cal *calendar.Calendar) error {
	var g calendar.Grant
	if s.grant != nil {
		g = *s.grant
	}
	prerender := s.opts.prerender
	if prerender == 0 {
		prerender = maxPrerendered
	}
	st, err := newState(cal.View(g), s.opts.Gzip, newCache(s.budget, s.renders), prerender)
	if err != nil {
		return err
	}
	st.sendfile = s.opts.Sendfile
	st.full = cal
	// The content hashes are found while the feeds are rendered ahead:
	// neither needs the other, and each fills the other's stretches on
	// one processor (the full feed's sort, the last feed's render).
	var hashErr error
	var hashing sync.WaitGroup
	if s.grant == nil {
		hashing.Go(func() { hashErr = st.findUnstamped() })
	} else {
		// The public server found it for the whole calendar.
		st.undated = s.undated
	}
	err = st.prerenderLanguages(s.state.Load())
	hashing.Wait()
	if err != nil {
		return err
	}
	if hashErr != nil {
		return hashErr
	}
	if s.grant == nil {
		st.undate()
	}
	if s.grant == nil {
		// Before the swap: whoever is served the new calendar is shown its
		// health too (/healthz's unstamped events, once -stamp has stamped).
		s.loaded(st)
	}
	if old := s.state.Swap(st); old != nil {
		old.cache.release()
	}
	if s.grant == nil {
		// A secret address shows private events too: any change not
		// stamped undates it.
		s.resetPrivate(cal, st.changedUnstamped(false))
	}
	return nil
}

// Calendar returns the calendar being served, private parts and all.
func (s *Server) Calendar() *calendar.Calendar { return s.state.Load().full }

// public returns the calendar as the public sees it.
func (s *Server) public() *calendar.Calendar { return s.state.Load().cal }

// ContentHashes returns the content hash of each event being served, by id
// (feed.Renderer.ContentHash): what `calfeed stamp` records.
func (s *Server) ContentHashes() map[string]string {
	st := s.state.Load()
	hashes := make(map[string]string, len(st.hashes))
	for i, h := range st.hashes { // none on a secret address's server
		hashes[st.full.Events[i].ID] = h
	}
	return hashes
}

// Unstamped returns the ids of the events changed since the last `calfeed
// stamp` (new, edited or removed), private ones included, sorted; every
// event when there is no lock file yet. /healthz and /metrics count the
// public ones only.
func (s *Server) Unstamped() []string { return slices.Clone(s.state.Load().unstamped) }

// OwnUnstamped reports whether the calendar's own fields (its name,
// description, zone, refresh interval or public tracks) changed since the
// last `calfeed stamp` recorded them, or its lock has no record of them.
func (s *Server) OwnUnstamped() bool { return s.state.Load().ownUnstamped }
