package server

import (
	"net/http"
	"strings"
	"time"

	"calfeed/internal/atom"
	"calfeed/internal/web"
)

// handleChanges serves GET /changes.atom: the schedule changes `calfeed
// stamp` recorded, newest first, for all events or ?tracks=a,b. People who
// follow a conference learn of a moved session here hours before Google
// Calendar refreshes their subscription.
func (s *Server) handleChanges(w http.ResponseWriter, r *http.Request) {
	st := s.state.Load()
	q, err := query(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	lang := st.langOf(q.Get("lang"))
	var tracks []string
	if q.Has("tracks") {
		list := q.Get("tracks")
		ids, err := st.trackIDs(list)
		if err != nil {
			s.error(w, r, err)
			return
		}
		tracks = ids
	}
	base := s.baseURL(r)
	// Rendered once per language, choice of tracks and base URL, and
	// compressed once, for the first client that accepts gzip.
	k := cacheKey{kind: kindAtom, name: strings.Join(tracks, ","), lang: lang, page: pageKey{base: base}}
	res, err := st.cache.getOrRender(r.Context(), k, "", func() (*resource, error) {
		body, updated := st.atom(base, lang, tracks, false)
		if st.undated {
			// It names the calendar, its tracks and its events as the
			// file has them now, which the lock's dates do not date.
			updated = time.Time{}
		}
		// Without a date (no change stamped, no `updated`), no
		// Last-Modified: a date of 1970 would answer If-Modified-Since
		// with 304 whatever the calendar's name or events became.
		return bodyResource(body, updated, st.atomHeaders(), true), nil
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.varyOnBase(w.Header())
	s.serve(w, r, res)
}

// atomHeaders are the headers of the changes feed.
func (st *state) atomHeaders() http.Header {
	return http.Header{
		"Content-Type":                {"application/atom+xml; charset=utf-8"},
		"Cache-Control":               st.feedHeaders["Cache-Control"],
		"Access-Control-Allow-Origin": {"*"},
		"X-Content-Type-Options":      {"nosniff"},
	}
}

// atom renders the changes feed and returns it with its newest time. Its
// links are a server's, or with static those of a static site's files
// (calfeed build).
func (st *state) atom(base, lang string, tracks []string, static bool) ([]byte, time.Time) {
	cal := st.cal
	def := lang == cal.Languages[0]
	self, page := base+"/changes.atom", web.PageURL(cal, base, lang, "")
	event := func(id string) string {
		if def {
			return base + "/events/" + id + ".ics"
		}
		return base + "/events/" + id + ".ics?lang=" + lang // a language of the calendar: [a-z-] only
	}
	if static {
		self, page = base+"/"+web.StaticFeed(cal, "changes.atom", lang), web.StaticPageURL(cal, base, lang, "")
		event = func(id string) string { return base + "/" + web.StaticFeed(cal, "events/"+id+".ics", lang) }
	}
	var query []string
	if !def && !static {
		query = append(query, "lang="+lang)
	}
	if len(tracks) > 0 {
		query = append(query, "tracks="+strings.Join(tracks, ","))
	}
	if len(query) > 0 {
		self += "?" + strings.Join(query, "&")
	}
	return atom.Render(cal, lang, tracks, atom.Links{Self: self, Page: page, Event: event})
}
