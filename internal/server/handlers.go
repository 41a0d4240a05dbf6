package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/reminder"
)

// maxListed bounds ?tracks= and ?events=: more than any real agenda, few
// enough that a hostile query costs nothing.
const maxListed = 200

// handleCalendar serves GET /calendar.ics: every event, or with ?tracks= a
// combined feed, or with ?events= a personal agenda.
func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request, st *state) {
	// A subscriber's calendar asks for the same URL every time: a query
	// seen before goes straight to its rendered feed, without parsing.
	if r.URL.RawQuery != "" {
		if res, fetch, ok := st.cache.get(queryKey(r.URL.RawQuery)); ok {
			s.countFetch(fetch, r)
			s.serve(w, r, res)
			return
		}
	}
	q, v, err := st.feedRequest(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	// A parameter given empty (?events=) is a choice of nothing, refused
	// as ?events=, is: not the whole calendar.
	tracks, events := q.Get("tracks"), q.Get("events")
	switch hasTracks, hasEvents := q.Has("tracks"), q.Has("events"); {
	case hasTracks && hasEvents:
		s.error(w, r, badRequest("give ?tracks= or ?events=, not both"))
	case hasTracks:
		ids, err := st.trackIDs(tracks)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if len(ids) == 1 {
			s.countFetch(ids[0], r)
			s.serveFixed(w, r, st, trackKey(ids[0]), v)
			return
		}
		s.countFetch("combined", r)
		s.serveCombination(w, r, st, "combined", "tracks="+strings.Join(ids, ","), v, func() feed.Feed { return st.tracksFeed(ids, v.Lang) })
	case hasEvents:
		evs, err := st.events(events)
		if err != nil {
			s.error(w, r, err)
			return
		}
		ids := make([]string, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		s.countFetch("agenda", r)
		s.serveCombination(w, r, st, "agenda", "events="+strings.Join(ids, ","), v, func() feed.Feed { return st.eventsFeed(evs, v.Lang) })
	default:
		s.countFetch(keyAll, r)
		s.serveFixed(w, r, st, keyAll, v)
	}
}

// handleTrack serves GET /tracks/{id}.ics; key is trackKey(id).
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request, st *state, id, key string) {
	_, v, err := st.feedRequest(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if _, ok := st.source(key); !ok {
		s.error(w, r, st.unknownTrack(id))
		return
	}
	s.countFetch(id, r)
	s.serveFixed(w, r, st, key, v)
}

// handleEvent serves GET /events/{id}.ics, one event as a download.
func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request, st *state, id string) {
	_, v, err := st.feedRequest(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	key := eventKey(id)
	if _, ok := st.source(key); !ok {
		if at, removed := st.cal.Removed[id]; removed {
			s.error(w, r, gone(id, at))
			return
		}
		s.error(w, r, st.unknownEvent(id))
		return
	}
	s.countFetch("event", r)
	s.serveFixed(w, r, st, key, v)
}

// handleNotFound answers any other path, naming the feeds that exist.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	st := s.state.Load()
	tracks := listSome(st.cal.Tracks, func(t *calendar.Track) string { return "/tracks/" + t.ID + ".ics" })
	s.error(w, r, &notFoundError{what: "page " + r.URL.Path, known: "feeds: /calendar.ics, " + tracks})
}

// serveFixed sends a fixed feed (see feedKey) that exists.
func (s *Server) serveFixed(w http.ResponseWriter, r *http.Request, st *state, key string, v variant) {
	res, _, err := st.feed(r.Context(), key, v, r.Header)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.serve(w, r, res)
}

// serveCombination sends a combined feed or an agenda. There are too many
// combinations to render them all in advance; each is rendered on its first
// request and kept in the cache, under a key that is the same for every
// spelling of the same combination (ids in calendar order), and the query
// string as sent becomes an alias of it.
func (s *Server) serveCombination(w http.ResponseWriter, r *http.Request, st *state, fetch, ids string, v variant, build func() feed.Feed) {
	k := cacheKey{kind: kindCombination, name: ids, lang: v.Lang, alarm: v.Alarm}
	res, err := st.cache.getOrRenderFor(r.Context(), k, fetch, r.Header, func() (*resource, error) {
		f := build()
		f.Alarm = v.Alarm
		return st.render(f, v.Lang, st.feedHeaders)
	})
	if err != nil {
		s.error(w, r, err)
		return
	}
	st.cache.alias(queryKey(r.URL.RawQuery), k)
	s.serve(w, r, res)
}

// queryKey is the cache key of a feed query exactly as sent.
func queryKey(rawQuery string) cacheKey { return cacheKey{kind: kindQuery, name: rawQuery} }

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && !refused(params) {
			return true
		}
	}
	return false
}

// refused reports whether the parameters of an Accept-Encoding entry give
// it weight 0, however written: q=0, Q=0, q=0.0, q=0.000 (RFC 9110 §12.4.2).
func refused(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q == 0
		}
	}
	return false
}

// langOf is l when the calendar has it, else the default. An unknown
// language falls back rather than failing: a link shared between readers
// should always give a calendar.
func (st *state) langOf(l string) string {
	if l != "" && slices.Contains(st.cal.Languages, l) {
		return l
	}
	return st.cal.Languages[0]
}

// query parses r's query string. A malformed one is a 400: half a query
// read as none would turn ?tracks=a,b%zz into the whole calendar.
func query(r *http.Request) (url.Values, error) {
	if r.URL.RawQuery == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("the query string is malformed (" + err.Error() + "); percent-encode it")
	}
	return q, nil
}

// feedRequest parses a feed request's query once: the values, and the
// variant (language and reminder) they ask for.
func (st *state) feedRequest(r *http.Request) (url.Values, variant, error) {
	q, err := query(r)
	if err != nil {
		return nil, variant{}, err
	}
	v, err := st.variant(q)
	return q, v, err
}

// variant reads the language and reminder a feed request asks for. An
// unknown ?lang= falls back (see langOf); an unknown ?alarm= is a 400 (see
// parseAlarm). No ?alarm= (or an empty one) is a feed without reminders.
func (st *state) variant(q url.Values) (variant, error) {
	alarm, err := parseAlarm(q.Get("alarm"))
	if err != nil {
		return variant{}, err
	}
	return variant{Lang: st.langOf(q.Get("lang")), Alarm: alarm}, nil
}

// parseAlarm reads an ?alarm= value. Anything but the reminders calfeed
// offers is a 400 that lists them: a link that silently gave a feed
// without the reminder asked for would be found out only when a reminder
// was missed.
func parseAlarm(s string) (reminder.Reminder, error) {
	alarm, err := reminder.Parse(s)
	if err != nil {
		var accepted []string
		for _, a := range reminder.All() {
			accepted = append(accepted, a.String())
		}
		return 0, badRequest(fmt.Sprintf("?alarm=%s is not a reminder calfeed offers; use one of %s (that long before each event), or leave ?alarm= out for none", s, strings.Join(accepted, ", ")))
	}
	return alarm, nil
}

// trackIDs parses ?tracks=a,b into known ids, in calendar order, without
// repeats, so that every spelling of one combination gives one feed.
func (st *state) trackIDs(list string) ([]string, error) {
	parts := strings.Split(list, ",")
	if len(parts) > maxListed {
		return nil, badRequest(fmt.Sprintf("?tracks= lists %d tracks; at most %d", len(parts), maxListed))
	}
	want := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if st.cal.Track(p) == nil {
			return nil, st.unknownTrack(p)
		}
		want[p] = true
	}
	var ids []string
	for _, t := range st.cal.Tracks {
		if want[t.ID] {
			ids = append(ids, t.ID)
		}
	}
	if len(ids) == 0 {
		return nil, badRequest("?tracks= names no track: give track ids, as in ?tracks=a,b, or leave it out for the whole calendar")
	}
	return ids, nil
}

// events parses ?events=a,b into known events, in calendar order.
func (st *state) events(list string) ([]*calendar.Event, error) {
	parts := strings.Split(list, ",")
	if len(parts) > maxListed {
		return nil, badRequest(fmt.Sprintf("?events= lists %d events; at most %d", len(parts), maxListed))
	}
	var events []*calendar.Event
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		e := st.cal.Event(p)
		if e == nil {
			return nil, st.unknownEvent(p)
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil, badRequest("?events= names no event: give event ids, as in ?events=id1,id2, or leave it out for the whole calendar")
	}
	// Calendar order, so that every spelling of one agenda is one feed.
	slices.SortFunc(events, func(a, b *calendar.Event) int { return st.position(a) - st.position(b) })
	return events, nil
}

// gone is the 410 of the download of an event removed from the calendar:
// a subscriber's link to it is not broken, the event is no more.
func gone(id string, at time.Time) error {
	when := ""
	if !at.IsZero() {
		when = " on " + at.UTC().Format("2 January 2006 at 15:04 UTC")
	}
	return goneError(fmt.Sprintf("the event %q was removed from the programme%s; the calendar's feeds no longer hold it", id, when))
}

func (st *state) unknownTrack(id string) error {
	return &notFoundError{what: fmt.Sprintf("track %q", id), known: "tracks: " + listSome(st.cal.Tracks, func(t *calendar.Track) string { return t.ID })}
}

func (st *state) unknownEvent(id string) error {
	return &notFoundError{what: fmt.Sprintf("event %q", id), known: "events: " + listSome(st.cal.Events, func(e *calendar.Event) string { return e.ID })}
}

// maxNamed bounds how many ids a 404 lists: enough to spot a typo, not a
// copy of a calendar of 100,000 events for every mistyped link.
const maxNamed = 50

func listSome[T any](xs []T, name func(T) string) string {
	n := min(len(xs), maxNamed)
	names := make([]string, n)
	for i := range n {
		names[i] = name(xs[i])
	}
	s := strings.Join(names, ", ")
	if len(xs) > n {
		s += fmt.Sprintf(" and %d more", len(xs)-n)
	}
	return s
}
