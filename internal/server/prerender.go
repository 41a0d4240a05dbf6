package server

import (
	"runtime"
	"sync"
	"sync/atomic"

	"calfeed/internal/reminder"
)

// maxPrerendered bounds the bytes of the fixed feeds rendered ahead (see
// prerender) as copies of their events' bytes, shared equally by the
// calendar's languages: all of them in any calendar of a few thousand
// events, the first ones of a larger one (100,000 events in 2,000 tracks
// would copy 220 MB at every load). The rest are rendered on their first
// request and kept in the cache, like reminder variants.
const maxPrerendered = 32 << 20

// langFeeds are the fixed feeds of one language rendered ahead, by key.
type langFeeds struct {
	once  sync.Once
	done  atomic.Bool // once has run
	feeds map[string]*resource
	err   error
}

// prerendered returns the fixed feeds rendered ahead in lang, rendering
// them (and lang's events: see feed.Renderer) on first use.
func (st *state) prerendered(lang string) (map[string]*resource, error) {
	lf, ok := st.feeds[lang]
	if !ok {
		return nil, nil
	}
	lf.once.Do(func() {
		lf.feeds, lf.err = st.prerender(lang)
		lf.done.Store(true)
	})
	return lf.feeds, lf.err
}

// renderedLanguages are the languages st has rendered: its first, and
// those asked for since it was loaded.
func (st *state) renderedLanguages() []string {
	var langs []string
	for _, lang := range st.cal.Languages {
		if lf := st.feeds[lang]; lf != nil && lf.done.Load() && lf.err == nil {
			langs = append(langs, lang)
		}
	}
	return langs
}

// prerender renders in lang, in order, the full feed and the track feeds,
// while the bytes rendered as copies of their events' renderings stay
// within the language's share of the budget (see maxPrerendered); the rest
// are rendered on their first request, like a reminder variant. Which
// feeds that is follows from their sizes, known before they are rendered,
// so that every load of a calendar renders the same ones on any number of
// processors; then they are rendered on every processor.
func (st *state) prerender(lang string) (map[string]*resource, error) {
	budget := st.prerenderBudget / max(1, len(st.cal.Languages))
	var keys []string
	copied := 0
	for _, key := range st.fixed {
		if copied > budget {
			break
		}
		keys = append(keys, key)
		if size := st.renderer.Size(st.sources[key].build(lang).Events, lang); size <= maxJoined {
			copied += size // joined into a copy, like render does
		}
		runtime.Gosched() // let requests in while a reload measures
	}
	rendered := make([]*resource, len(keys))
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	v := variant{Lang: lang, Alarm: reminder.None}
	for range min(runtime.GOMAXPROCS(0), len(keys)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(keys) && failed.Load() == nil; i = int(next.Add(1) - 1) {
				res, err := st.renderSource(keys[i], st.sources[keys[i]], v)
				if err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				if st.sendfile {
					res.spillIfLarge()
				}
				rendered[i] = res
				runtime.Gosched() // let requests in while a reload renders
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return nil, *err
	}
	feeds := make(map[string]*resource, len(keys))
	for i, key := range keys {
		feeds[key] = rendered[i]
	}
	return feeds, nil
}

// memory is about the bytes st holds beyond its calendar: the events
// rendered in each language it has rendered, and the copies among the
// feeds rendered ahead (a larger feed refers to the events' renderings:
// see maxJoined), with their gzipped forms. Not its cache, which counts
// its own.
func (st *state) memory() int64 {
	var n int64
	for _, lang := range st.renderedLanguages() {
		n += int64(st.renderer.Size(st.cal.Events, lang))
		feeds, _ := st.prerendered(lang)
		for _, res := range feeds {
			n += int64(len(res.body)+res.gzippedSize()) + int64(len(res.parts))*24
		}
	}
	return n
}
