package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/locale"
	"calfeed/internal/reminder"
	"calfeed/internal/web"
)

// state is everything served for one version of the calendar. It is never
// changed after Load swaps it in, but for its cache and the languages
// rendered on first request; a reload makes a new one, and the old one,
// cache and all, is garbage once the requests that started with it are
// done.
type state struct {
	// cal is the calendar served: the public view of full, or a secret
	// address's view of it.
	cal      *calendar.Calendar
	full     *calendar.Calendar
	renderer *feed.Renderer
	gzip     bool
	// sendfile: the large feeds rendered ahead are spilled to files, and
	// sent from them (see Options.Sendfile).
	sendfile bool
	// feeds holds the fixed feeds (see feedKey) rendered ahead of their
	// first request, by language: Load renders the first language's (see
	// prerenderLanguages), and another language's are rendered together on
	// its first request (see prerender).
	feeds map[string]*langFeeds
	// fixed are the keys of the full feed and the track feeds, in the
	// order prerender renders them.
	fixed []string
	// prerenderBudget bounds the bytes prerender copies (maxPrerendered).
	prerenderBudget int
	// sources say how to build each fixed feed, for the variants not
	// rendered ahead (reminders, track feeds past the prerender budget, and
	// every single event's download): each
	// is rendered on its first request and kept in the cache, so that the
	// popular ones stay rendered and no crawl through every event, language
	// and reminder can grow memory past its budget. Rendering them all up
	// front would make each load several times slower and larger for
	// variants few subscribers ask for.
	sources map[string]source
	// paths are the full feed and the track feeds by path
	// (/calendar.ics, /tracks/ID.ics): a subscriber's request is one
	// lookup.
	paths map[string]feedPath
	// cache keeps what is rendered on demand: those variants, combined
	// feeds and agendas, pages, QR codes and the changes feed.
	cache *cache
	// feedHeaders are the headers of every feed but downloads.
	feedHeaders http.Header
	// changed is when the newest change the lock records was stamped, an
	// event's or the calendar's own fields'.
	changed time.Time
	// programme is the page's list of events, made on first use.
	programme func() *web.Programme
	// unstamped are the ids of the events of full changed since the last
	// `calfeed stamp` (new, edited or removed; every event without a lock
	// file), private ones included, sorted: their SEQUENCE did not go up,
	// so Google Calendar ignores the change. publicUnstamped are those the
	// public may know of (/healthz, /metrics).
	unstamped, publicUnstamped []string
	// ownUnstamped is true when the calendar's own fields differ from what
	// the lock recorded of them (see calendar.Calendar.OwnStamped), or the
	// lock has no record of them.
	ownUnstamped bool
	// hashes are the content hashes of the events of full, in its order.
	hashes []string
	// undated is true when the calendar has a lock and changes it does
	// not record (see calendar.Calendar.Stamped): an edit, a new or a
	// removed event, or its own fields, that `calfeed stamp` has not dated
	// yet. Its feeds then carry no Last-Modified, and If-Modified-Since
	// gets no 304 from them: the dates the lock gives are older than the
	// edit, and a client that revalidates by date alone would keep the
	// feed it has. The ETag, a hash of the bytes, still revalidates.
	undated bool
}

// variant is one rendering of a feed: its language and reminder.
type variant = feed.Variant

// source is how to build a fixed feed in a language; download, if not
// empty, is the file name a download is saved as.
type source struct {
	build    func(lang string) feed.Feed
	download string
}

const (
	keyAll = "all"
)

func trackKey(id string) string { return "track:" + id }
func eventKey(id string) string { return "event:" + id }

func newState(cal *calendar.Calendar, gz bool, c *cache, prerender int) (*state, error) {
	r, err := feed.New(cal)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	st := &state{cal: cal, renderer: r, gzip: gz, feeds: make(map[string]*langFeeds, len(cal.Languages)), sources: map[string]source{}, cache: c, prerenderBudget: prerender}
	st.feedHeaders = http.Header{
		"Content-Type":  {"text/calendar; charset=utf-8"},
		"Cache-Control": {"public, max-age=" + strconv.Itoa(int(cal.Refresh/time.Second))},
		// Feeds are public: any page may read them.
		"Access-Control-Allow-Origin": {"*"},
	}
	st.programme = sync.OnceValue(func() *web.Programme { return web.NewProgramme(cal) })
	for _, c := range cal.Changes {
		if c.At.After(st.changed) {
			st.changed = c.At
		}
	}
	// A change of the calendar's own fields (its name, its refresh
	// interval) changes every feed: it dates them too.
	// So does one of the private tracks', on a secret address that shows
	// them (a View keeps it for those only).
	for _, o := range []*calendar.Revision{cal.OwnStamped, cal.PrivateTracksStamped} {
		if o != nil && o.Modified.After(st.changed) {
			st.changed = o.Modified
		}
	}
	st.fixed = append(st.fixed, keyAll)
	st.sources[keyAll] = source{build: st.allFeed}
	st.paths = make(map[string]feedPath, 1+len(cal.Tracks))
	st.paths[routeCalendar] = feedPath{route: feedCalendar, key: keyAll}
	for _, t := range cal.Tracks {
		key := trackKey(t.ID)
		st.paths["/tracks/"+t.ID+".ics"] = feedPath{route: feedTrack, id: t.ID, key: key}
		st.fixed = append(st.fixed, key)
		st.sources[key] = source{build: func(lang string) feed.Feed { return st.tracksFeed([]string{t.ID}, lang) }}
	}
	for _, lang := range cal.Languages {
		st.feeds[lang] = new(langFeeds)
	}
	return st, nil
}

// prerenderLanguages renders ahead the feeds of st's first language, and
// of each language old (the state st replaces, if any) has rendered: a
// language in use stays rendered, so that a reload does not make its next
// reader wait for it.
func (st *state) prerenderLanguages(old *state) error {
	var langs []string
	if len(st.cal.Languages) > 0 {
		langs = append(langs, st.cal.Languages[0])
	}
	if old != nil {
		langs = append(langs, old.renderedLanguages()...) // the first again costs nothing: see prerendered
	}
	for _, lang := range langs {
		if _, err := st.prerendered(lang); err != nil {
			return err
		}
	}
	return nil
}

// position is e's place in the calendar's events.
func (st *state) position(e *calendar.Event) int {
	i, _ := st.renderer.Position(e)
	return i
}

// findUnstamped finds the content hashes of every event of the whole
// calendar (what a stamp records), the events changed since the last stamp
// (what serve stamps, or warns of), and the public ones among them (what
// /healthz lists).
func (st *state) findUnstamped() error {
	r := st.renderer
	if st.full != st.cal {
		var err error
		if r, err = feed.New(st.full); err != nil {
			return fmt.Errorf("server: %w", err)
		}
	}
	u, err := unstamped(r, st.full)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	st.hashes, st.unstamped = u.hashes, mergeSorted(u.changed, u.removed)
	// With a lock (Stamped), fields it has no record of are unstamped too.
	st.ownUnstamped = st.full.Stamped != nil && (st.full.OwnStamped == nil || st.full.OwnStamped.Hash != st.full.OwnHash() ||
		stampedHash(st.full.PrivateTracksStamped) != st.full.PrivateTracksHash())
	public := func(id string) bool {
		return st.cal.Event(id) != nil || (st.full.Event(id) == nil && st.cal.Stamped[id] != "")
	}
	if st.cal != st.full {
		for _, id := range st.unstamped {
			if public(id) {
				st.publicUnstamped = append(st.publicUnstamped, id)
			}
		}
		return nil
	}
	// The public calendar is the whole: every changed event is public
	// (and 100,000 of them are not looked up one by one).
	st.publicUnstamped = mergeSorted(u.changed, slices.DeleteFunc(u.removed, func(id string) bool { return !public(id) }))
	return nil
}

// changedUnstamped reports whether the calendar has a lock and changes it
// does not record (see state.undated), once findUnstamped is done: with
// public, those the public may see (public events, the calendar's own
// fields, not the private tracks'); else any, as the secret addresses see
// them.
func (st *state) changedUnstamped(public bool) bool {
	if st.full.Stamped == nil {
		return false
	}
	if !public {
		return len(st.unstamped) > 0 || st.ownUnstamped
	}
	return len(st.publicUnstamped) > 0 || st.full.OwnStamped == nil || st.full.OwnStamped.Hash != st.full.OwnHash()
}

// undate takes Last-Modified off st's feeds if the public calendar has
// changes its lock does not record (see state.undated), once
// findUnstamped is done: the feeds rendered ahead were rendered while it
// ran. st is not served yet.
func (st *state) undate() {
	st.undated = st.changedUnstamped(true)
	if !st.undated {
		return
	}
	for _, lf := range st.feeds {
		if lf.done.Load() {
			for _, res := range lf.feeds {
				res.modified = time.Time{}
			}
		}
	}
}

// stampedHash is the hash r records; "" for none.
func stampedHash(r *calendar.Revision) string {
	if r == nil {
		return ""
	}
	return r.Hash
}

// changes are what unstamped finds.
type changes struct {
	hashes  []string // the content hash of each event of the calendar, in its order
	changed []string // the ids of its events whose content the lock does not record, sorted
	removed []string // the ids the lock records of events no longer there, sorted
}

// unstamped finds the content hashes of cal's events and compares them
// with what the lock recorded (see calendar.Calendar.Stamped), on every
// processor: a calendar of 100,000 events takes half a second on one,
// and without a lock every event is changed, 100,000 ids to sort.
func unstamped(r *feed.Renderer, cal *calendar.Calendar) (changes, error) {
	events := cal.Events
	hs := make([]string, len(events))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(events)/256))
	errs := make([]error, workers)
	changed := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var ids []string
			for i := w; i < len(events); i += workers {
				e := events[i]
				if hs[i], errs[w] = r.ContentHash(e); errs[w] != nil {
					return
				}
				if cal.Stamped == nil || cal.Stamped[e.ID] != hs[i] {
					ids = append(ids, e.ID)
				}
				if i%(64*workers) == w {
					runtime.Gosched() // see feed.Renderer.renderAll
				}
			}
			slices.Sort(ids)
			changed[w] = ids
		})
	}
	var removed []string
	for id := range cal.Stamped {
		if cal.Event(id) == nil {
			removed = append(removed, id)
		}
	}
	slices.Sort(removed)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return changes{}, err
	}
	return changes{hashes: hs, changed: mergeSorted(changed...), removed: removed}, nil
}

// mergeSorted merges sorted lists of distinct strings into one sorted
// list: two at a time, in rounds, in time n log k for n strings in k lists.
func mergeSorted(lists ...[]string) []string {
	lists = slices.DeleteFunc(slices.Clone(lists), func(l []string) bool { return len(l) == 0 })
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return slices.Clone(lists[0]) // not the caller's own list
	}
	for len(lists) > 1 {
		merged := lists[:0]
		for i := 0; i < len(lists); i += 2 {
			if i+1 == len(lists) {
				merged = append(merged, lists[i])
				break
			}
			merged = append(merged, mergeTwo(lists[i], lists[i+1]))
		}
		lists = merged
	}
	return lists[0]
}

// mergeTwo merges two sorted lists of distinct strings.
func mergeTwo(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0] < b[0] {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// renderSource renders one variant of a fixed feed.
func (st *state) renderSource(key string, src source, v variant) (*resource, error) {
	f := src.build(v.Lang)
	f.Alarm = v.Alarm
	headers := st.feedHeaders
	if src.download != "" {
		headers = headers.Clone()
		headers.Set("Content-Disposition", `attachment; filename="`+src.download+`"`)
	}
	res, err := st.render(f, v.Lang, headers)
	if err != nil {
		return nil, fmt.Errorf("server: %s: %w", key, err)
	}
	return res, nil
}

// feed returns a fixed feed (see feedKey) in variant v: one rendered ahead
// (see prerendered, which renders a language on its first request), or
// one rendered on its first request into the cache (reminders, single
// events, track feeds past the prerender budget); ok is false for an
// unknown key. rh is the request's header, or nil (see getOrRenderFor).
func (st *state) feed(ctx context.Context, key string, v variant, rh http.Header) (res *resource, ok bool, err error) {
	if v.Alarm == reminder.None {
		feeds, err := st.prerendered(v.Lang)
		if err != nil {
			return nil, true, err
		}
		if res, ok = feeds[key]; ok {
			return res, true, nil
		}
	}
	src, ok := st.source(key)
	if !ok {
		return nil, false, nil
	}
	k := cacheKey{kind: kindVariant, name: key, lang: v.Lang, alarm: v.Alarm}
	res, err = st.cache.getOrRenderFor(ctx, k, "", rh, func() (*resource, error) { return st.renderSource(key, src, v) })
	return res, true, err
}

// source is the fixed feed of key: the full feed or a track's, named at
// load, or an event's download, made on request (a calendar of 100,000
// events would otherwise make 100,000 at every load, which few ask for).
func (st *state) source(key string) (source, bool) {
	if src, ok := st.sources[key]; ok {
		return src, true
	}
	id, ok := strings.CutPrefix(key, eventKey(""))
	if !ok {
		return source{}, false
	}
	e := st.cal.Event(id) // of the calendar served: a private event is not there
	if e == nil {
		return source{}, false
	}
	// The id is validated as [a-z0-9-]+, so it is safe in a header.
	return source{
		build:    func(lang string) feed.Feed { return st.eventsFeed([]*calendar.Event{e}, lang) },
		download: e.ID + ".ics",
	}, true
}

// allFeed is every event.
func (st *state) allFeed(lang string) feed.Feed {
	return feed.Feed{
		Name:        st.cal.Name.In(lang),
		Description: st.cal.Description.In(lang),
		Events:      st.cal.Events,
	}
}

// tracksFeed is the events of one or more tracks.
func (st *state) tracksFeed(ids []string, lang string) feed.Feed {
	names := make([]string, len(ids))
	desc := st.cal.Description.In(lang)
	for i, id := range ids {
		t := st.cal.Track(id)
		names[i] = t.Name.In(lang)
		if len(ids) == 1 && t.Description.In(lang) != "" {
			desc = t.Description.In(lang)
		}
	}
	var events []*calendar.Event
	if len(ids) == 1 {
		events = st.cal.EventsIn(ids[0])
	} else {
		for _, e := range st.cal.Events {
			for _, id := range ids {
				if e.InTrack(id) {
					events = append(events, e)
					break
				}
			}
		}
	}
	return feed.Feed{
		Name:        st.cal.Name.In(lang) + " · " + locale.JoinNames(names, lang),
		Description: desc,
		Events:      events,
	}
}

// eventsFeed is a chosen set of events: one event's download, or a
// personal agenda.
func (st *state) eventsFeed(events []*calendar.Event, lang string) feed.Feed {
	name := st.cal.Name.In(lang)
	if len(events) == 1 {
		name = events[0].Title.In(lang)
	} else {
		name += " · " + locale.For(lang).Get("feed_agenda")
	}
	return feed.Feed{Name: name, Description: st.cal.Description.In(lang), Events: events}
}

// render writes f and computes its validators.
func (st *state) render(f feed.Feed, lang string, headers http.Header) (*resource, error) {
	rd, err := st.renderer.Render(f, lang)
	if err != nil {
		return nil, err
	}
	parts := rd.Parts
	modified := st.renderer.Modified(f.Events)
	if modified.IsZero() {
		// A feed with no events (a track none is in yet) changes with the
		// calendar: its Last-Modified is the calendar's.
		modified = st.renderer.Modified(st.cal.Events)
	}
	// An event removed, or moved out of a track, changes a feed without
	// touching the events it still holds: the newest stamped change counts
	// too, so that If-Modified-Since never gets a 304 for an older feed.
	if st.changed.After(modified) {
		modified = st.changed
	}
	if st.undated {
		modified = time.Time{}
	}
	size := 0
	for _, p := range parts {
		size += len(p)
	}
	if size <= maxJoined {
		body := make([]byte, 0, size)
		for _, p := range parts {
			body = append(body, p...)
		}
		parts = [][]byte{body}
	}
	// Larger feeds are kept as references to the rendered events they
	// share with other feeds, rather than as a copy of them all; with a
	// reminder, the events are rendered for it, and are its own.
	res := newResourceSum(parts, rd.Sum[:], modified, headers, st.gzip)
	if len(parts) > 1 && f.Alarm == reminder.None {
		res.held = len(parts) * 24 // a slice header each
	}
	return res, nil
}

// maxJoined is the largest feed kept as one piece of memory, sent with one
// write. Larger ones (thousands of events, far past what Google Calendar
// accepts) are kept as parts.
const maxJoined = 4 << 20
