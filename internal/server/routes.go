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

	r.NotFoundHandler = s.instrument("other", http.HandlerFunc(s.handleNotFound))
	r.MethodNotAllowedHandler = s.instrument("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		s.error(w, r, errMethod)
	}))
	return r
}
