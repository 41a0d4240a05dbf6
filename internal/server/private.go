package server

import (
	"container/list"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/token"
)

// Private tracks and events are served only under a secret address,
// /p/{token}/, with every path the public calendar has (its page, feeds,
// downloads, feeds.json, QR codes) for what the token grants: the public
// calendar and the private events of its tracks. The public server serves
// the calendar's public view (calendar.Calendar.Public), so nothing
// private can reach a public response.
//
// A token's server is made on its first request, from the calendar as the
// token shows it (calendar.Calendar.View), and is dropped when the
// calendar or the tokens file changes: only tokens in use cost memory, and
// a revoked token's address is a 404 from the next load of the file. The
// servers' renderings count against the memory budget (-cache-size) as
// the cache's entries do; past half of it, the servers used least recently
// are dropped, and made again on their next request (those used within
// minResidency only past the whole budget).

// privates are the tokens of one version of the calendar and the servers
// made for them.
type privates struct {
	tokens *token.File
	cal    *calendar.Calendar // the whole calendar, private parts and all
	// undated: cal has changes its lock does not record (see state.undated).
	undated bool

	mu      sync.Mutex
	closed  bool                     // replaced: make no more servers here
	servers map[string]*privateEntry // by token hash
	lru     list.List                // of *privateEntry, the most recently used first
	held    int64                    // the bytes the servers hold, as their entries count them
}

// privateEntry is the server of one token, and the memory counted for it.
type privateEntry struct {
	hash  string
	ready chan struct{} // closed once srv (or err) is set
	srv   *Server
	err   error
	el    *list.Element
	used  time.Time // its last request
	langs int       // the languages it had rendered when held was counted
	held  int64     // counted in the budget's private bytes too
	// inflight are the requests it is serving; a server dropped while it
	// has some lingers, counted in the budget's lingering bytes, until
	// they end (a client reading slowly holds the whole server).
	inflight  int
	lingering int64
}

// SetTokens serves the secret addresses of f (nil for none) from now on:
// an address no longer in f is a 404 at once.
func (s *Server) SetTokens(f *token.File) {
	s.tokens.Store(f)
	s.resetPrivate(s.state.Load().full, s.privatesUndated())
	// Only now: a secret address asked for in between gets the 503, not
	// a 404 from the tokens it had before.
	s.tokensUnreadable.Store(false)
}

// TokensUnreadable ends every secret address until SetTokens gives them
// again: the tokens file is damaged, and what it holds now, revocations
// included, is unknown. They answer 503 with a Retry-After, not 404: a
// subscriber's calendar tries again later, and keeps the subscription.
func (s *Server) TokensUnreadable() {
	s.tokens.Store(nil)
	s.tokensUnreadable.Store(true)
	s.resetPrivate(s.state.Load().full, s.privatesUndated())
}

// privatesUndated is whether the calendar the secret addresses show has
// changes its lock does not record (see state.undated).
func (s *Server) privatesUndated() bool {
	ps := s.privates.Load()
	return ps != nil && ps.undated
}

// errTokensUnreadable answers a secret address while the tokens file is
// damaged (see TokensUnreadable).
var errTokensUnreadable = errors.New("secret addresses are unavailable for now: the server cannot read its tokens file; try again later")

// minResidency is how long a secret address's server stays after its last
// request, over the budget or not: addresses asked for in turn would
// otherwise make their servers again on every request.
const minResidency = 30 * time.Second

// resetPrivate drops the servers of the secret addresses: the calendar or
// the tokens changed. Each is made again on its next request.
func (s *Server) resetPrivate(cal *calendar.Calendar, undated bool) {
	old := s.privates.Swap(&privates{tokens: s.tokens.Load(), cal: cal, undated: undated, servers: map[string]*privateEntry{}})
	if old == nil {
		return
	}
	old.mu.Lock()
	defer old.mu.Unlock()
	old.closed = true
	for _, e := range old.servers {
		old.drop(e, s.budget)
	}
	old.servers = nil
}

// drop lets e's server go, and what it held of b; the caller holds ps.mu.
// A server still being made is released by its maker (see privateServer).
func (ps *privates) drop(e *privateEntry, b *budget) {
	delete(ps.servers, e.hash)
	ps.lru.Remove(e.el)
	ps.held -= e.held
	b.private.Add(-e.held)
	if e.inflight > 0 {
		e.lingering = e.held
		b.lingering.Add(e.lingering)
	}
	e.held = 0
	if e.srv != nil {
		e.srv.state.Load().cache.release()
	}
}

// count counts e's server's memory anew when it has rendered another
// language since it was last counted, then drops the servers used least
// recently while the servers of secret addresses hold more than half of b
// (those of every calendar of a folder, which share b), but never e, nor a
// server asked for within minResidency unless they hold more than all of
// b; the caller holds ps.mu.
func (ps *privates) count(e *privateEntry, b *budget, now time.Time) {
	if ps.servers[e.hash] != e || e.srv == nil {
		return // dropped, or not made yet
	}
	st := e.srv.state.Load()
	if n := len(st.renderedLanguages()); n != e.langs {
		held := st.memory()
		ps.held += held - e.held
		b.private.Add(held - e.held)
		e.held, e.langs = held, n
	}
	for el := ps.lru.Back(); el != nil && b.private.Load() > b.max/2; {
		last := el.Value.(*privateEntry)
		el = el.Prev()
		// Within minResidency a server is kept while the servers hold at
		// most the whole budget: past it, addresses asked for in turn
		// make their servers again, rather than hold without bound.
		if last != e && last.srv != nil && (now.Sub(last.used) >= minResidency || b.private.Load() > b.max) {
			ps.drop(last, b)
		}
	}
}

// privateServer returns the server of the secret address tok, made on
// first use (outside ps.mu, so that other addresses are served meanwhile,
// and within a rendering turn), the set it is counted in and its entry,
// and whether tok is one.
func (s *Server) privateServer(tok string) (*privates, *privateEntry, bool, error) {
	for {
		ps := s.privates.Load()
		t, ok := ps.tokens.For(ps.cal.ID).Lookup(tok)
		if !ok {
			return nil, nil, false, nil
		}
		ps.mu.Lock()
		if ps.closed {
			ps.mu.Unlock()
			continue // the tokens or the calendar changed meanwhile
		}
		now := s.now()
		if e := ps.servers[t.Hash]; e != nil {
			ps.lru.MoveToFront(e.el)
			e.used = now
			ps.mu.Unlock()
			<-e.ready
			if e.err != nil {
				return nil, nil, true, e.err
			}
			return ps, e, true, nil
		}
		e := &privateEntry{hash: t.Hash, ready: make(chan struct{}), used: now}
		e.el = ps.lru.PushFront(e)
		ps.servers[t.Hash] = e
		ps.mu.Unlock()

		p, err := s.makePrivate(ps.cal, ps.undated, t, tok)
		ps.mu.Lock()
		e.srv, e.err = p, err
		close(e.ready)
		switch {
		case err != nil:
			if ps.servers[e.hash] == e {
				delete(ps.servers, e.hash)
				ps.lru.Remove(e.el)
			}
		case ps.servers[e.hash] != e:
			p.state.Load().cache.release() // dropped while it was made: serve this request, keep nothing
		default:
			ps.count(e, s.budget, now)
		}
		ps.mu.Unlock()
		if err != nil {
			return nil, nil, true, err
		}
		return ps, e, true, nil
	}
}

// makePrivate is newPrivate within a rendering turn, a panic in it made an
// error: those waiting for the same address must not wait for ever, nor
// the turn be lost.
func (s *Server) makePrivate(cal *calendar.Calendar, undated bool, t token.Token, tok string) (p *Server, err error) {
	if s.renders != nil {
		s.renders <- struct{}{}
		defer func() { <-s.renders }()
	}
	// Checked once its turn has come, as a rendering's budget is: the
	// servers made before it in the queue may have filled it meanwhile.
	// Servers dropped while they serve slow clients hold it: another
	// would be memory beyond it.
	if b := s.budget; b.lingering.Load() > 0 && b.private.Load()+b.lingering.Load() > b.max {
		return nil, errBusy
	}
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("server: making a secret address's server failed: %v\n%s", r, debug.Stack())
		}
	}()
	return s.newPrivate(cal, undated, t, tok)
}

// counted counts e's memory again after a request it served, which may
// have rendered another language.
func (s *Server) counted(ps *privates, e *privateEntry) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.count(e, s.budget, s.now())
}

// newPrivate makes the server of one secret address: the calendar as t
// shows it, under /p/{tok}/, sharing s's metrics, templates and memory.
func (s *Server) newPrivate(cal *calendar.Calendar, undated bool, t token.Token, tok string) (*Server, error) {
	g := t.Grant()
	p := &Server{opts: s.opts, logger: s.logger, now: s.now, metrics: s.metrics, renders: s.renders,
		budget: s.budget, prefix: s.prefix + "/p/" + tok, shared: s.shared, grant: &g, secret: "/p/" + tok, undated: undated}
	if err := p.start(cal); err != nil {
		return nil, err
	}
	p.handler = privateHeaders(p.handler)
	return p, nil
}

// handlePrivate serves /p/{token}/...: the path after the token from the
// token's server. A token that is not one (wrong, revoked, never made) is
// the 404 of any unknown path; /p/{token} alone is sent to /p/{token}/.
func (s *Server) handlePrivate(w http.ResponseWriter, r *http.Request) {
	if s.tokensUnreadable.Load() {
		privateHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.error(w, r, errTokensUnreadable) })).ServeHTTP(w, r)
		return
	}
	tok, rest, slash := strings.Cut(strings.TrimPrefix(r.URL.Path, "/p/"), "/")
	ps, e, ok, err := s.privateServer(tok)
	switch {
	case err != nil:
		s.error(w, r, err)
	case !ok:
		s.notFound.ServeHTTP(w, r)
	case !slash:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			s.error(w, r, errMethod)
			return
		}
		target := "/p/" + tok + "/"
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		privateHeaders(http.RedirectHandler(s.prefix+target, http.StatusMovedPermanently)).ServeHTTP(w, r)
	default:
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + rest
		r2.URL.RawPath = ""
		ps.mu.Lock()
		e.inflight++
		ps.mu.Unlock()
		defer func() {
			ps.mu.Lock()
			defer ps.mu.Unlock()
			if e.inflight--; e.inflight == 0 && e.lingering > 0 {
				s.budget.lingering.Add(-e.lingering)
				e.lingering = 0
			}
		}()
		e.srv.ServeHTTP(w, r2)
		s.counted(ps, e)
	}
}

// privateHeaders makes every response of a secret address private: no
// shared cache keeps it (Cache-Control: private), no other site's script
// reads it (no Access-Control-Allow-Origin), no link sends its address
// on (Referrer-Policy: no-referrer), and no search engine lists it.
func privateHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&privateWriter{ResponseWriter: w}, r)
	})
}

type privateWriter struct {
	http.ResponseWriter
	done bool
}

func (w *privateWriter) fix() {
	if w.done {
		return
	}
	w.done = true
	h := w.Header()
	cc := h.Get("Cache-Control")
	switch {
	case cc == "":
		cc = "private, no-cache"
	case cc == "no-store", strings.HasPrefix(cc, "no-store"):
	default:
		cc = strings.Replace(cc, "public", "private", 1)
		if !strings.Contains(cc, "private") {
			cc = "private, " + cc
		}
	}
	h["Cache-Control"] = []string{cc}
	delete(h, "Access-Control-Allow-Origin")
	h["Referrer-Policy"] = []string{noReferer}
	h["X-Robots-Tag"] = []string{"noindex, nofollow"}
}

func (w *privateWriter) WriteHeader(code int) {
	w.fix()
	w.ResponseWriter.WriteHeader(code)
}

func (w *privateWriter) Write(b []byte) (int, error) {
	w.fix()
	return w.ResponseWriter.Write(b)
}

func (w *privateWriter) ReadFrom(r io.Reader) (int64, error) {
	w.fix()
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, r)
}

func (w *privateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// maskToken hides the tokens of secret addresses in a path or a query,
// for the log: whatever follows /p/ (/p/{token}/... at the root,
// /{calendar}/p/{token}/... in a folder), however short (a link cut short
// keeps most of a live token), and anything else shaped like part of one
// wherever it is (a mistyped /P/{token}/ or //p/{token}/, a token in a
// query): a run of at least minMasked characters of A-Z a-z 0-9 - _ with
// a capital letter or an underscore, which no id has. A character written
// as %XX counts as the one it encodes, and makes the run look like a
// token: no id needs one. The mask costs one pass over the paths that
// have neither a capital, an underscore, a % nor a /p/.
func maskToken(s string) string {
	if !mayHoldToken(s) {
		return s
	}
	var b []byte
	start, n, odd := 0, 0, false // the run from start: n characters, odd if one is a capital, _ or %XX
	for i := 0; i <= len(s); {
		if i < len(s) {
			c, w := s[i], 1
			if c == '%' && i+2 < len(s) {
				c, w = unhex(s[i+1], s[i+2]), 3
			}
			if isTokenChar(c) && (w == 1 || s[i] == '%') {
				if n == 0 {
					start, odd = i, false
				}
				n++
				odd = odd || w == 3 || 'A' <= c && c <= 'Z' || c == '_'
				i += w
				continue
			}
		}
		if n > 0 {
			if afterP(s, start) || n >= minMasked && odd {
				if b == nil {
					b = []byte(s[:start])
				}
				b = append(b, "{token}"...)
			} else if b != nil {
				b = append(b, s[start:i]...)
			}
			n = 0
		}
		w := 1
		if i+2 < len(s) && s[i] == '%' {
			w = 3 // a %XX outside a token is skipped whole
		}
		if b != nil && i < len(s) {
			b = append(b, s[i:min(i+w, len(s))]...)
		}
		i += w
	}
	if b == nil {
		return s
	}
	return string(b)
}

// minMasked is the shortest run of token characters masked outside a /p/
// segment: longer than any part of a zone name (Dumont_DUrville), short
// enough that what it leaves of a token (under 16 of its 43 characters)
// cannot be guessed from.
const minMasked = 16

// mayHoldToken reports whether s has a capital, an underscore, a % or a
// /p/: what maskToken looks for.
func mayHoldToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' || c == '_' || c == '%' || c == '/' && strings.HasPrefix(s[i:], "/p/") {
			return true
		}
	}
	return false
}

// unhex decodes the two hex digits of a %XX, or returns 0.
func unhex(a, b byte) byte {
	d := func(c byte) (byte, bool) {
		switch {
		case '0' <= c && c <= '9':
			return c - '0', true
		case 'a' <= c && c <= 'f':
			return c - 'a' + 10, true
		case 'A' <= c && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := d(a)
	y, ok2 := d(b)
	if !ok1 || !ok2 {
		return 0
	}
	return x<<4 | y
}

func isTokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// afterP reports whether s[i:] follows a /p/ segment.
func afterP(s string, i int) bool { return strings.HasSuffix(s[:i], "/p/") }
