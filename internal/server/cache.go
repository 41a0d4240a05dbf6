package server

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"calfeed/internal/reminder"
)

// DefaultCacheSize is the memory, in bytes, that the responses rendered on
// demand for one calendar may hold (Options.CacheSize): combined feeds and
// agendas, reminder variants, single-event downloads, pages, feeds.json,
// the email snippet, QR codes and the changes feed. The feeds rendered
// ahead (the whole calendar and each track, per language: see prerender)
// are not counted: they are the calendar itself.
const DefaultCacheSize = 64 << 20

// entryOverhead is what an entry costs beyond its bytes: the map and list
// nodes, the key, the resource and its headers.
const entryOverhead = 512

// kind says what a cache entry is.
type kind uint8

const (
	kindVariant     kind = iota // a fixed feed (see feedKey) in a variant not rendered at load
	kindCombination             // a combined feed or an agenda
	kindQuery                   // a feed query string as sent: an alias of its canonical entry
	kindPage                    // the subscribe page
	kindEmbed                   // the email snippet, HTML or text
	kindFeedsJSON               // feeds.json
	kindQR                      // a QR code
	kindAtom                    // the changes feed
	kindValidators              // the ETag and date of a response too large to keep (see getOrRenderFor)
)

// cacheKey is everything a cached response depends on. Only the parts of a
// request that change the response go in it, normalised (ids in calendar
// order, unknown values dropped), so that no number of spellings of one
// response, and no parameter the server ignores, makes a second entry.
type cacheKey struct {
	kind  kind
	name  string // a feed key, a combination's ids, a raw query, a QR's feed
	lang  string
	alarm reminder.Reminder
	page  pageKey // what a page also depends on; zero for feeds
}

// pageKey is what a page, snippet, feeds.json, QR code or changes feed
// depends on besides its kind, name and language.
type pageKey struct {
	base   string // the public base URL
	zone   string // the reader's zone (?tz=), or "" (or the unknown name asked for, see web.Request.BadZone)
	open   string // the feed shown unfolded
	agenda string // the chosen events' ids, in calendar order
	feeds  string // the feeds the snippet shows
	format string // the snippet's format; the QR code's target
	number int    // the programme's page
}

// cost is what a key adds to an entry's size.
func (k cacheKey) cost() int64 {
	p := k.page
	return int64(len(k.name) + len(k.lang) + len(p.base) + len(p.zone) + len(p.open) + len(p.agenda) + len(p.feeds) + len(p.format))
}

// cache keeps the responses of one calendar version rendered on demand,
// most recently used first, within a budget of bytes: everything an entry
// holds (its body, its gzipped form once made, its key) counts. A response
// larger than half the budget is served but not kept; while anyone still
// holds it (a slow client reading it), others asking for it get the same
// one, so that one such response is in memory once, not once per request,
// and its validators stay (see getOrRenderFor). The cache also makes sure that
// one response is rendered once at a time, however many ask for it
// together, and that at most cap(renders) renderings run at once, so that
// a flood of distinct requests costs queueing, not memory.
type cache struct {
	budget  *budget
	renders chan struct{} // a token per rendering in progress; shared by the Server's states

	mu      sync.Mutex
	closed  bool       // released: its calendar is no longer served
	used    int64      // what this cache holds of the budget
	order   *list.List // of the *cacheEntry of responses, front: most recently used
	aliases *list.List // of the *cacheEntry of aliases (kindQuery), the same
	aliased int64      // what the aliases hold of used: at most budget.max/aliasShare
	items   map[cacheKey]*list.Element
	flights map[cacheKey]*flight
	large   map[cacheKey]weak.Pointer[resource] // served, not kept: while in use
}

type cacheEntry struct {
	key   cacheKey
	res   *resource // nil for an alias
	alias cacheKey  // kindQuery: the entry this one stands for
	fetch string    // the feed label fetches count under (/metrics)
	cost  int64
}

// flight is one rendering in progress, which others asking for the same
// response wait for.
type flight struct {
	done  chan struct{}
	res   *resource
	fetch string
	err   error
	// wanted counts the requests waiting for it whose clients are still
	// there, its own included. Should it fall to 0 before the flight's
	// turn to render comes, the flight is dropped and unwanted closed.
	// Both under cache.mu; unwanted is nil once the turn has come.
	wanted   int
	unwanted chan struct{}
}

// budget is the memory the caches of a server share: one calendar's, as
// it is reloaded, or a folder's calendars'. The same amount again bounds
// the responses rendered on demand that are being sent (sending): a
// response leaves the cache's count when it is evicted or too large to
// keep, but not memory while a client is still reading it, and a client
// that reads slowly, or not at all, holds it for up to serve's write
// timeout. Past that amount the responses that cannot be sent whole
// before that timeout are cut off (see admit), and if that does not make
// room, no new rendering starts (errBusy): what is rendered already, kept
// or ahead, is still served. One response alone never holds the others
// up: one larger than the budget (the whole of a large calendar with a
// reminder) is sent while others are rendered.
type budget struct {
	max       int64
	used      atomic.Int64
	private   atomic.Int64 // bytes the servers of secret addresses hold (see privates): at most half of max comes off the cache's
	lingering atomic.Int64 // bytes of such servers dropped while requests they serve go on (see privates.drop)
	sending   atomic.Int64 // bytes held by responses rendered on demand being sent (see resource.send)
	responses atomic.Int64 // how many they are
	cut       atomic.Int64 // how many requests admit has cut off

	// The requests sending those responses (see admit).
	mu      sync.Mutex
	senders map[*sender]struct{}
	timeout time.Duration // WriteTimeout
	stall   time.Duration // stallAfter, unless a test sets it
	// Requests in admit waiting for the responses cut off to give back
	// their memory, and what tells them a response has (see released).
	waiting atomic.Int32
	freed   chan struct{} // closed, and replaced, when one gives it back
	wait    time.Duration // how long admit waits for them: a second
}

// errGone ends a request whose client went away while it waited for its
// turn to be rendered, with nobody else waiting for the same response.
var errGone = errors.New("the client went away before its turn to be rendered came")

// errBusy refuses a rendering while the responses being sent hold the
// budget: a 503, to be asked again later.
var errBusy = errors.New("busy: too many responses rendered on demand are being sent; try again in a minute")

// full reports whether the responses being sent, more than one, hold the
// budget.
func (b *budget) full() bool { return b.responses.Load() > 1 && b.sending.Load() >= b.max }

func newBudget(max int64) *budget {
	if max <= 0 {
		max = DefaultCacheSize
	}
	return &budget{max: max, timeout: WriteTimeout, stall: stallAfter, freed: make(chan struct{}), wait: time.Second}
}

func newCache(b *budget, renders chan struct{}) *cache {
	return &cache{budget: b, renders: renders, order: list.New(), aliases: list.New(), items: map[cacheKey]*list.Element{},
		flights: map[cacheKey]*flight{}, large: map[cacheKey]weak.Pointer[resource]{}}
}

// release gives back what c holds of its budget: its calendar was
// replaced or removed. Renderings still in flight are served, not kept.
func (c *cache) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for c.order.Len() > 0 {
		c.remove(c.order.Back())
	}
	for c.aliases.Len() > 0 {
		c.remove(c.aliases.Back())
	}
}

// get returns the response kept under k (following an alias), and the feed
// label it counts under.
func (c *cache) get(k cacheKey) (*resource, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lookup(k)
}

func (c *cache) lookup(k cacheKey) (*resource, string, bool) {
	el, ok := c.items[k]
	if !ok {
		return nil, "", false
	}
	e := el.Value.(*cacheEntry)
	c.listOf(e).MoveToFront(el)
	if e.res != nil {
		return e.res, e.fetch, true
	}
	target, ok := c.items[e.alias]
	if !ok {
		c.remove(el) // what it stood for was evicted
		return nil, "", false
	}
	c.order.MoveToFront(target)
	t := target.Value.(*cacheEntry)
	return t.res, t.fetch, true
}

// askedOnceKey marks the context of a request that will not be made again:
// a static build asks for each file once (see EachStaticFile).
type askedOnceKey struct{}

// withAskedOnce returns ctx marked as a request's that will not be made
// again: what it renders on demand is served, not kept. Kept, the
// downloads of a large calendar's every event would fill the cache, and
// hold the memory, for nobody.
func withAskedOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, askedOnceKey{}, true)
}

// askedOnce reports whether ctx is marked by withAskedOnce.
func askedOnce(ctx context.Context) bool {
	once, _ := ctx.Value(askedOnceKey{}).(bool)
	return once
}

// getOrRender returns the response kept under k, or renders it with render
// (one rendering at a time per key, and at most cap(c.renders) in all),
// keeps it and returns it. fetch is the feed label it counts under.
//
// A request whose client goes away (ctx done) while it waits for its turn
// gives its place up, unless others wait for the same response: it
// renders nothing and returns errGone. Without that, a client could ask
// for many distinct pages and hang up at once, and each would still be
// rendered, in turn, long after.
func (c *cache) getOrRender(ctx context.Context, k cacheKey, fetch string, render func() (*resource, error)) (*resource, error) {
	return c.getOrMake(ctx, k, fetch, nil, render, true)
}

// getOrRenderFor is getOrRender for a request with header rh: when the
// response is one too large to keep, and rh revalidates it (see
// revalidatesOnly) and its validators say it is unchanged, they are
// returned instead, without a rendering of it (a subscriber polling the
// whole calendar with a reminder is answered 304).
func (c *cache) getOrRenderFor(ctx context.Context, k cacheKey, fetch string, rh http.Header, render func() (*resource, error)) (*resource, error) {
	return c.getOrMake(ctx, k, fetch, rh, render, true)
}

// memo is getOrRender for a part of a rendering (a QR code drawn in a
// page): it takes no rendering token, the rendering it is part of holds one.
func (c *cache) memo(k cacheKey, make func() (*resource, error)) (*resource, error) {
	return c.getOrMake(context.Background(), k, "", nil, make, false)
}

func (c *cache) getOrMake(ctx context.Context, k cacheKey, fetch string, rh http.Header, render func() (*resource, error), token bool) (*resource, error) {
	c.mu.Lock()
	if res, _, ok := c.lookup(k); ok {
		c.mu.Unlock()
		return res, nil
	}
	if f, ok := c.flights[k]; ok {
		f.wanted++
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			if c.leave(k, f) {
				return nil, errGone
			}
			<-f.done // rendering already: it costs nothing more to wait (a half-closed client reads it)
		}
		return f.res, f.err
	}
	if res := c.large[k].Value(); res != nil {
		c.mu.Unlock()
		return res, nil
	}
	if rh != nil && revalidatesOnly(rh) {
		if v, _, ok := c.lookup(validatorsKey(k)); ok && notModified(rh, v.etag, v.modified) {
			c.mu.Unlock()
			return v, nil
		}
	}
	unwanted := make(chan struct{})
	f := &flight{done: make(chan struct{}), fetch: fetch, wanted: 1, unwanted: unwanted}
	c.flights[k] = f
	c.mu.Unlock()

	if token && c.renders != nil && !c.freeTurn() {
		// It keeps its place in the queue while anyone waiting for the
		// response is still there: its own client, or others'.
		left := context.AfterFunc(ctx, func() { c.leave(k, f) })
		took := c.turn(unwanted)
		left()
		c.mu.Lock()
		dropped := f.unwanted == nil // by leave, as its turn came or before
		f.unwanted = nil             // from here on it is rendered, wanted or not
		c.mu.Unlock()
		if dropped {
			if took {
				<-c.renders
			}
			close(f.done) // nobody waits for it
			return nil, errGone
		}
	} else {
		c.mu.Lock()
		f.unwanted = nil
		c.mu.Unlock()
	}
	// Checked once its turn has come: the renderings before it in the
	// queue may have filled the budget meanwhile.
	if token && !c.budget.admit() {
		f.err = errBusy
	} else {
		f.res, f.err = renderSafely(render)
	}
	if token && c.renders != nil {
		<-c.renders
	}
	if token && f.err == nil {
		f.res.sending = c.budget
	}

	c.mu.Lock()
	delete(c.flights, k)
	if f.err == nil && !askedOnce(ctx) {
		c.add(k, &cacheEntry{key: k, res: f.res, fetch: fetch})
		if _, kept := c.items[k]; !kept {
			c.holdLarge(k, f.res)
			if v := f.res.validators(); v != nil {
				vk := validatorsKey(k)
				c.add(vk, &cacheEntry{key: vk, res: v})
			}
		}
	}
	c.mu.Unlock()
	close(f.done)
	return f.res, f.err
}

// leave is called when the client of a request waiting for f goes away:
// once none is left, a flight whose turn has not come is dropped. It
// reports whether f was still waiting for its turn.
func (c *cache) leave(k cacheKey, f *flight) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.wanted--
	if f.unwanted == nil {
		return false
	}
	if f.wanted == 0 {
		delete(c.flights, k) // f is the flight of k: only its owner removes it otherwise
		close(f.unwanted)
		f.unwanted = nil
	}
	return true
}

// renderSafely is render, a panic in it made an error: the turn it holds
// and those waiting for the same response must not wait for ever.
func renderSafely(render func() (*resource, error)) (res *resource, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("server: rendering failed: %v\n%s", p, debug.Stack())
		}
	}()
	return render()
}

// freeTurn takes a rendering token if one is free at once. It is taken
// whatever the request's context says: net/http ends a request's context
// when its client half-closes the connection, and such a client still
// reads the response.
func (c *cache) freeTurn() bool {
	select {
	case c.renders <- struct{}{}:
		return true
	default:
		return false
	}
}

// turn waits for a rendering token, and reports whether it took one: not
// when gone is closed first (see freeTurn for a token free at once).
func (c *cache) turn(gone <-chan struct{}) bool {
	if c.freeTurn() {
		return true
	}
	select {
	case c.renders <- struct{}{}:
		return true
	case <-gone:
		return false
	}
}

// holdLarge lets those who ask for k get res, served but not kept, for as
// long as anyone holds it. The caller holds c.mu.
func (c *cache) holdLarge(k cacheKey, res *resource) {
	c.large[k] = weak.Make(res)
	runtime.AddCleanup(res, func(k cacheKey) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.large[k].Value() == nil {
			delete(c.large, k)
		}
	}, k)
}

// validatorsKey is the key of the validators of the response of k.
func validatorsKey(k cacheKey) cacheKey {
	k.name = strconv.Itoa(int(k.kind)) + ":" + k.name
	k.kind = kindValidators
	return k
}

// render renders a response that is not to be kept, within the same
// bounds on renderings at once and on responses being sent.
func (c *cache) render(ctx context.Context, render func() (*resource, error)) (*resource, error) {
	if c.renders != nil {
		if !c.turn(ctx.Done()) {
			return nil, errGone
		}
		defer func() { <-c.renders }()
	}
	if !c.budget.admit() {
		return nil, errBusy
	}
	res, err := renderSafely(render)
	if err == nil {
		res.sending = c.budget
	}
	return res, err
}

// aliasShare is the part of the budget aliases may hold at most: 1/16,
// 4 MiB of the default, some 7,000 aliases of short queries.
const aliasShare = 16

// alias makes k stand for the entry kept under target, so that a query
// string seen before finds its response without being parsed. An alias
// holds a key, not the response: evicting the response evicts what the
// alias finds, and the budget counts each byte once. Aliases are kept
// apart from responses, within a share of the budget (aliasShare), and
// push out only each other past it: a client sending one response's query
// spelled anew each time (a made-up parameter), each a cheap cache hit,
// once pushed out every response rendered on demand.
func (c *cache) alias(k, target cacheKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[target]; !ok || k == target {
		return
	}
	c.add(k, &cacheEntry{key: k, alias: target})
}

// add keeps e, evicting the least recently used entries past the budget.
// The caller holds c.mu.
func (c *cache) add(k cacheKey, e *cacheEntry) {
	e.cost = entryOverhead + k.cost() + e.alias.cost()
	if e.res != nil {
		e.cost += int64(e.res.size) + int64(e.res.gzippedSize())
	}
	if c.closed || e.cost > c.budget.max/2 {
		return // served, not kept: it would push out everything else
	}
	if el, ok := c.items[k]; ok {
		c.remove(el)
	}
	el := c.listOf(e).PushFront(e)
	c.items[k] = el
	c.used += e.cost
	c.budget.used.Add(e.cost)
	if e.res != nil {
		e.res.keep(c, el)
	} else {
		c.aliased += e.cost
		for c.aliased > c.budget.max/aliasShare && c.aliases.Len() > 0 {
			c.remove(c.aliases.Back())
		}
	}
	c.evict()
}

// listOf is the list e is in: the aliases', or the responses'.
func (c *cache) listOf(e *cacheEntry) *list.List {
	if e.res == nil {
		return c.aliases
	}
	return c.order
}

// grow counts n more bytes for the entry holding res (its gzipped form,
// made after it was kept); nothing if res was evicted meanwhile.
func (c *cache) grow(res *resource, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := res.keptIn(c)
	if el == nil {
		return
	}
	el.Value.(*cacheEntry).cost += int64(n)
	c.used += int64(n)
	c.budget.used.Add(int64(n))
	c.evict()
}

// evict drops c's least recently used responses while the budget is
// exceeded, then its aliases. A cache can only evict its own: when the
// others hold the budget, it keeps nothing more until they give some back.
func (c *cache) evict() {
	for c.budget.used.Load()+min(c.budget.private.Load(), c.budget.max/2) > c.budget.max {
		switch {
		case c.order.Len() > 0:
			c.remove(c.order.Back())
		case c.aliases.Len() > 0:
			c.remove(c.aliases.Back())
		default:
			return
		}
	}
}

func (c *cache) remove(el *list.Element) {
	e := el.Value.(*cacheEntry)
	c.listOf(e).Remove(el)
	delete(c.items, e.key)
	c.used -= e.cost
	if e.res == nil {
		c.aliased -= e.cost
	}
	c.budget.used.Add(-e.cost)
	if e.res != nil {
		e.res.keep(nil, nil)
	}
}

// stats returns the number of entries and the bytes they hold.
func (c *cache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len() + c.aliases.Len(), c.used
}
