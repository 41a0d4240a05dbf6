package server

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes is the one place that knows the router. Every route answers GET and
// HEAD; another method gets 405 with an Allow header. Each route is counted
// in /metrics under its pattern.
func (s *Server) routes() http.Handler {
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

	handle("/calendar.ics", s.handleCalendar)
	handle("/tracks/{id}.ics", func(w http.ResponseWriter, r *http.Request) { s.handleTrack(w, r, id(r)) })
	handle("/events/{id}.ics", func(w http.ResponseWriter, r *http.Request) { s.handleEvent(w, r, id(r)) })
	handle("/changes.atom", s.handleChanges)
	handle("/healthz", s.handleHealth)
	handle("/metrics", s.metrics.handler().ServeHTTP)

	// What people read: the subscribe page and its links (pages.go).
	pg := s.newPages()
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

	r.NotFoundHandler = s.instrument("other", http.HandlerFunc(s.handleNotFound))
	r.MethodNotAllowedHandler = s.instrument("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		s.error(w, r, errMethod)
	}))
	return r
}
