package server

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// routes is the one place that knows the router. Every route answers GET and
// HEAD; another method gets 405 with an Allow header. Each route is counted
// in /metrics under its pattern.
//
// Feed paths that exist (/calendar.ics, /tracks/ID.ics, /events/ID.ics) are
// found by their form and one lookup before the router's patterns are
// tried: they are nearly all the traffic, polled by every subscriber's
// calendar.
func (s *Server) routes() http.Handler {
	router := s.router()
	var feeds [len(feedRoutes)]*routeMetrics
	for i, route := range feedRoutes {
		feeds[i] = s.routeMetrics(route)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			st := s.state.Load()
			if p, ok := st.feedPath(r.URL.Path); ok {
				feeds[p.route].serve(w, r, func(w http.ResponseWriter, r *http.Request) {
					switch p.route {
					case feedCalendar:
						s.handleCalendar(w, r, st)
					case feedTrack:
						s.handleTrack(w, r, st, p.id, p.key)
					default:
						s.handleEvent(w, r, st, p.id)
					}
				})
				return
			}
		}
		router.ServeHTTP(w, r)
	})
}

// Route patterns of the feeds, as /metrics labels them.
const (
	routeCalendar = "/calendar.ics"
	routeTrack    = "/tracks/{id}.ics"
	routeEvent    = "/events/{id}.ics"
)

// feedRoute is a feed's route, an index of feedRoutes.
type feedRoute uint8

const (
	feedCalendar feedRoute = iota
	feedTrack
	feedEvent
)

var feedRoutes = [...]string{feedCalendar: routeCalendar, feedTrack: routeTrack, feedEvent: routeEvent}

// feedPath is a feed path that exists, found by exact lookup.
type feedPath struct {
	route feedRoute
	id    string // the track or event id
	key   string // a track's feed key (see feedKey)
}

// feedPath returns the feed that path is, if it is one that exists.
func (st *state) feedPath(path string) (feedPath, bool) {
	if p, ok := st.paths[path]; ok {
		return p, true
	}
	if id, ok := cutAround(path, "/events/", ".ics"); ok && st.cal.Event(id) != nil {
		return feedPath{route: feedEvent, id: id}, true
	}
	return feedPath{}, false
}

// cutAround returns s without prefix and suffix, if it has both.
func cutAround(s, prefix, suffix string) (string, bool) {
	s, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(s, suffix)
}

// router matches every route by pattern.
func (s *Server) router() http.Handler {
	r := mux.NewRouter()
	r.StrictSlash(false)
	// No redirect on a feed URL (calendar clients do not all follow one):
	// a path like //calendar.ics is a 404, not a 301 to the clean path.
	r.SkipClean(true)
	get := []string{http.MethodGet, http.MethodHead}
	handle := func(pattern string, h http.HandlerFunc) {
		r.Handle(pattern, s.instrument(pattern, h)).Methods(get...)
	}
	id := func(r *http.Request) string { return mux.Vars(r)["id"] }

	handle(routeCalendar, func(w http.ResponseWriter, r *http.Request) { s.handleCalendar(w, r, s.state.Load()) })
	handle(routeTrack, func(w http.ResponseWriter, r *http.Request) {
		s.handleTrack(w, r, s.state.Load(), id(r), trackKey(id(r)))
	})
	handle(routeEvent, func(w http.ResponseWriter, r *http.Request) { s.handleEvent(w, r, s.state.Load(), id(r)) })
	handle("/changes.atom", s.handleChanges)
	if s.grant == nil {
		handle("/healthz", s.handleHealth)
		handle("/robots.txt", s.handleRobots)
		handle("/metrics", s.metrics.all.handler().ServeHTTP)
		// Secret addresses count their requests in their own routes.
		r.PathPrefix("/p/").HandlerFunc(s.handlePrivate)
	}

	// What people read: the subscribe page and its links (pages.go).
	pg := s.pages
	vars := func(r *http.Request, k string) string { return mux.Vars(r)[k] }
	handle("/", pg.handleIndex)
	handle("/embed", pg.handleEmbed)
	handle("/feeds.json", pg.handleFeedsJSON)
	handle("/subscribe/{client}/{feed}", func(w http.ResponseWriter, r *http.Request) {
		pg.handleSubscribe(w, r, vars(r, "client"), vars(r, "feed"))
	})
	handle("/qr/{feed}.svg", func(w http.ResponseWriter, r *http.Request) { pg.handleQR(w, r, vars(r, "feed"), "svg") })
	handle("/qr/{feed}.png", func(w http.ResponseWriter, r *http.Request) { pg.handleQR(w, r, vars(r, "feed"), "png") })
	handle("/static/{name}", func(w http.ResponseWriter, r *http.Request) { pg.handleStatic(w, r, vars(r, "name")) })

	s.notFound = s.instrument("other", http.HandlerFunc(s.handleNotFound))
	r.NotFoundHandler = s.notFound
	r.MethodNotAllowedHandler = s.instrument("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		s.error(w, r, errMethod)
	}))
	return r
}

// routes of a folder of calendars: its own pages at the root, each
// calendar under /{id}/ (see Folder.serveCalendar).
func (f *Folder) routes() http.Handler {
	r := mux.NewRouter()
	r.StrictSlash(false)
	r.SkipClean(true)
	get := []string{http.MethodGet, http.MethodHead}
	handle := func(pattern string, h http.HandlerFunc) {
		r.Handle(pattern, f.instrument(pattern, h)).Methods(get...)
	}
	handle("/", f.handleIndex)
	handle("/feeds.json", f.handleFeedsJSON)
	handle("/healthz", f.handleHealth)
	handle("/metrics", f.shared.metrics.handler().ServeHTTP)
	handle("/robots.txt", f.handleRobots)
	handle("/static/{name}", func(w http.ResponseWriter, r *http.Request) { f.handleStatic(w, r, mux.Vars(r)["name"]) })
	calendars := http.HandlerFunc(f.serveCalendar)
	r.NotFoundHandler = calendars
	r.MethodNotAllowedHandler = calendars // /{id}/... answers its own methods
	return logRequests(f.logger, f.opts, checkHost(f.logger, r))
}
