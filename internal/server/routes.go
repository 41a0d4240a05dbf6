package server

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes is the one place that knows the router. Every route answers GET and
// HEAD; another method gets 405 with an Allow header.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.StrictSlash(false)
	get := []string{http.MethodGet, http.MethodHead}
	r.HandleFunc("/calendar.ics", s.handleCalendar).Methods(get...)
	r.HandleFunc("/tracks/{id}.ics", func(w http.ResponseWriter, r *http.Request) {
		s.handleTrack(w, r, mux.Vars(r)["id"])
	}).Methods(get...)
	r.HandleFunc("/events/{id}.ics", func(w http.ResponseWriter, r *http.Request) {
		s.handleEvent(w, r, mux.Vars(r)["id"])
	}).Methods(get...)
	r.HandleFunc("/healthz", s.handleHealth).Methods(get...)
	r.NotFoundHandler = http.HandlerFunc(s.handleNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		s.error(w, r, errMethod)
	})
	return r
}
