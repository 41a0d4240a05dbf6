package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// connLimit bounds the connections a server holds open. Past max, a new
// connection has the server close its idle ones (keep-alive connections
// waiting for a request that may never come, and connections that have
// not sent a request's headers in 5 s) and is let in on the room they
// make, when some are idle (see someIdle). When none is, or the last such
// purge was less than a second ago and fewer than an eighth of max
// connections came in since, the new connection takes the place of a
// connection doing no work of a client address that holds more
// connections than its own (see evictFor); failing that, it is closed.
//
// Without the limit, clients that each open a connection, send one request
// and keep it idle take every file descriptor the process may have (20,000
// of them here), and accept fails for everyone else until they go: the
// server is off the air while each costs its client one small request
// every two minutes (IdleTimeout). Without the places taken, one client
// that keeps max connections busy (each sending requests it never reads
// the answers to, or half a request's headers, and opening more) keeps
// every other client out for as long as it goes on.
//
// Only a connection's opening and closing are counted under the mutex, not
// the changes of state of each request (active, then idle): the hook costs
// a request a switch (serve's hook also yields at idle: see
// yieldWhenIdle), and the handler's marks of its work (see trackedConn) a
// context lookup and four atomic operations, as the 304 of a subscriber's
// revalidation is the path most taken (BenchmarkConnLimit).
type connLimit struct {
	max    int
	logger *slog.Logger
	now    func() time.Time
	// closeIdle closes the server's idle connections (see forServer).
	closeIdle func()
	// stall is how long a write may go without progress, and five times
	// how long a handler may wait without writing, before its connection
	// counts as doing no work (see trackedConn.working).
	stall time.Duration

	mu      sync.Mutex
	open    []*openConn // the connections counted, in no order
	byConn  map[net.Conn]*openConn
	perAddr map[netip.Addr]int // connections open of each client address (see clientAddr)
	since   int                // connections let in since the last purge
	purged  time.Time          // when the last purge ran
	warned  [3]time.Time       // when the limit was last logged, for each way it acted (see state)
	rnd     *rand.Rand         // picks the connections evictFor looks at

	clock coarseClock // what its connections time their progress by
}

// openConn is a connection the limit counts.
type openConn struct {
	c    net.Conn
	addr netip.Addr // its client's (see clientAddr)
	i    int        // its index in connLimit.open
}

// clientAddr is the address a connection's share is counted under: its
// client's IPv4 address, or the /64 network of its IPv6 address (a
// client is commonly given a whole /64). The zero Addr for a connection
// that is not TCP.
func clientAddr(c net.Conn) netip.Addr {
	ta, ok := c.RemoteAddr().(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	a := ta.AddrPort().Addr().Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// connBytes is about what an idle keep-alive connection holds: its
// goroutine, buffers and the kernel's socket (21 KB measured, idle, with
// one request served).
const connBytes = 32 << 10

// connectionsFor is the default limit of connections: byFiles (see
// defaultMaxConnections), and, under a memory limit (GOMEMLIMIT, or the
// one serve sets from a container's), as many as a quarter of it holds at
// connBytes each, at least 256. A pod of 256 MiB would otherwise be
// killed for its memory by some 12,000 idle connections, long before a
// container's open-files limit (often a million) is reached.
func connectionsFor(byFiles int, memLimit int64) int {
	if memLimit <= 0 || memLimit == math.MaxInt64 {
		return byFiles
	}
	byMemory := int(max(memLimit/4/connBytes, 256))
	if byFiles <= 0 {
		return byMemory
	}
	return min(byFiles, byMemory)
}

// newConnLimit returns a limit of max connections (none for max <= 0).
func newConnLimit(max int, logger *slog.Logger) *connLimit {
	l := &connLimit{
		max: max, logger: logger, now: time.Now, closeIdle: func() {}, stall: connStall,
		byConn: map[net.Conn]*openConn{}, perAddr: map[netip.Addr]int{},
		rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}
	l.since = l.purgeEvery()
	return l
}

// purgeEvery is how many connections must come in after a purge before
// another: an eighth of max, at least one. Purges cost a walk through
// every connection; this many between them makes that a constant a
// connection.
func (l *connLimit) purgeEvery() int { return max(l.max/8, 1) }

// forServer makes l the limit of hs's connections: its ConnState hook,
// and what lets l see each connection's work (see trackedConn), and
// returns l. hs serves l.listener's connections.
func (l *connLimit) forServer(hs *http.Server) *connLimit {
	l.closeIdle = func() {
		// net/http closes idle connections when keep-alives are turned
		// off; they are turned on again at once (a Shutdown in progress
		// keeps them off).
		hs.SetKeepAlivesEnabled(false)
		hs.SetKeepAlivesEnabled(true)
	}
	if l.max <= 0 {
		return l
	}
	l.clock.Store(time.Now().UnixNano())
	shutdown := make(chan struct{})
	go l.tick(shutdown)
	hs.RegisterOnShutdown(func() { close(shutdown) })
	hs.ConnState = l.state
	hs.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if tc, ok := c.(*trackedConn); ok {
			return context.WithValue(ctx, trackedKey{}, tc)
		}
		return ctx
	}
	next := hs.Handler
	hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tc, _ := r.Context().Value(trackedKey{}).(*trackedConn)
		if tc == nil {
			next.ServeHTTP(w, r)
			return
		}
		tc.requests.Add(1)
		tc.progress.Store(tc.clock.Load())
		tc.handling.Store(true)
		defer tc.handling.Store(false)
		next.ServeHTTP(w, r)
	})
	return l
}

// listener returns ln, its TCP connections tracked (see trackedConn) when
// l limits them.
func (l *connLimit) listener(ln net.Listener) net.Listener {
	if l.max <= 0 {
		return ln
	}
	return trackingListener{ln, &l.clock}
}

type trackingListener struct {
	net.Listener
	clock *coarseClock
}

func (tl trackingListener) Accept() (net.Conn, error) {
	c, err := tl.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		return &trackedConn{TCPConn: tc, clock: tl.clock}, err
	}
	return c, err
}

// coarseClock is the time, in Unix nanoseconds, to within clockTick: read
// on every request and write, where time.Now would cost 20-40 ns.
type coarseClock struct{ atomic.Int64 }

// clockTick is how often a coarseClock is set.
const clockTick = 50 * time.Millisecond

// tick sets l's clock every clockTick and gives its connections' sockets
// the deadlines that have passed (see lazyDeadline), until shutdown is
// closed and no connection is left: the deadlines still cut off a client
// that holds up a graceful shutdown.
func (l *connLimit) tick(shutdown <-chan struct{}) {
	t := time.NewTicker(clockTick)
	defer t.Stop()
	for now := range t.C {
		l.clock.Store(now.UnixNano())
		if l.expire(now.UnixNano()) == 0 && closed(shutdown) {
			return
		}
	}
}

// closed reports whether c is closed.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// expire gives the sockets of l's connections the deadlines that have
// passed by now (see lazyDeadline), and returns how many connections l
// counts. It holds l's mutex for a load of two atomics a connection: about
// 0.1 ms at 20,000 connections.
func (l *connLimit) expire(now int64) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, oc := range l.open {
		if tc, ok := oc.c.(*trackedConn); ok {
			tc.expireDeadlines(now)
		}
	}
	return len(l.open)
}

// trackedKey is the context key of a request's *trackedConn.
type trackedKey struct{}

// trackedConn is a connection whose work the limit can see: whether a
// handler is answering a request on it, and when it last made progress.
// Its writes go out in pieces of at most writePiece, each timed. It keeps
// *net.TCPConn's ReadFrom (sendfile) for each piece.
type trackedConn struct {
	*net.TCPConn
	clock    *coarseClock // its limit's
	handling atomic.Bool  // a handler is answering a request on it
	requests atomic.Int64 // the requests its handlers began
	progress atomic.Int64 // when the handler began, or its last write piece did, in Unix nanoseconds
	writing  atomic.Bool  // a write piece is under way

	// The pace of the response being sent, as the kernel counts what the
	// client acknowledged (see working); guarded by the limit's
	// mutex.
	paceOf    int64     // the request it is of (requests)
	paceAt    time.Time // when acked was read
	paceAcked uint64
	slow      bool // the last pace measured was below minSendRate

	// Its deadlines, given to the socket once passed (see lazyDeadline).
	readBy, writeBy lazyDeadline
}

// connStall is how long a write may go without progress before its
// connection counts as doing no work: the stall after which a response
// rendered on demand may be cut off to free memory (see server.WriteTimeout).
const connStall = 5 * time.Second

// writePiece is the most a trackedConn writes at once, so that each
// write's start is seen (see working). Pieces as large as the response
// budget's (server's sendChunk) cost a 1 MiB feed three sendfile calls
// more.
const writePiece = 256 << 10

func (c *trackedConn) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		piece := b[:min(len(b), writePiece)]
		c.progress.Store(c.clock.Load())
		c.writing.Store(true)
		k, err := c.TCPConn.Write(piece)
		c.writing.Store(false)
		n += k
		if err != nil {
			return n, err
		}
		b = b[len(piece):]
	}
	return n, nil
}

// ReadFrom sends r's bytes in pieces through the socket's own ReadFrom,
// which hands a file's to sendfile(2). It looks through an
// *io.LimitedReader around the file, as the socket's does (through one),
// keeping its count.
func (c *trackedConn) ReadFrom(r io.Reader) (int64, error) {
	limit := int64(-1) // none
	lr, limited := r.(*io.LimitedReader)
	if limited {
		if lr.N <= 0 {
			return 0, nil // as io.LimitedReader reads: nothing
		}
		r, limit = lr.R, lr.N
	}
	var n int64
	for limit != 0 {
		piece := int64(writePiece)
		if limit > 0 {
			piece = min(piece, limit)
		}
		c.progress.Store(c.clock.Load())
		c.writing.Store(true)
		k, err := c.TCPConn.ReadFrom(&io.LimitedReader{R: r, N: piece})
		c.writing.Store(false)
		n += k
		if limit > 0 {
			limit -= k
		}
		if limited {
			lr.N = limit
		}
		if err != nil || k < piece {
			return n, err
		}
	}
	return n, nil
}

// sending is what the kernel says of what it sends on a connection: how
// long ago it last sent data (tcpi_last_data_sent), and the bytes the
// client acknowledged (tcpi_bytes_acked).
type sending struct {
	idle  time.Duration
	acked uint64
}

// minSendRate is the pace below which a response being sent counts as
// stuck: a client reading a trickle (256 B/s keeps the kernel sending a
// small segment every 2 s) would hold its connection for the whole write
// timeout. 8 KiB/s sends a 56 KiB track feed in 7 s.
const minSendRate = 8 << 10

// working reports whether c is doing work at now, the caller holding the
// limit's mutex: a handler is answering a request on it, and has begun it
// or a write within a fifth of stall, or has begun a write within stall or
// is sending at minSendRate or more. A connection that is idle, has not
// sent a whole request's headers yet, waits (for a rendering's turn) or
// computes for a fifth of stall without writing, or is stuck writing, is
// doing none.
//
// A write that has waited stall is not stuck by that alone: the kernel
// wakes a writer only once a third of the socket's buffer (up to 4 MiB) is
// free, so a client reading a large response steadily at 250 KB/s can
// leave a write waiting 6 s. Where the kernel says what it sends (Linux),
// stuck is nothing sent for stall, or less than minSendRate acknowledged
// over stall (measured from the first time the limit looks); elsewhere,
// the write's wait decides.
func (c *trackedConn) working(now time.Time, stall time.Duration) bool {
	if !c.handling.Load() {
		return false
	}
	since := now.Sub(time.Unix(0, c.progress.Load()))
	if !c.writing.Load() {
		// Computing, or waiting for a rendering's turn: a flood of
		// distinct pages keeps each waiting for seconds.
		return since < stall/5
	}
	if since < stall {
		return true
	}
	sent, ok := sendState(c.TCPConn)
	if !ok || sent.idle >= stall {
		return false
	}
	if req := c.requests.Load(); c.paceOf != req || c.paceAt.IsZero() || now.Sub(c.paceAt) >= 4*stall {
		// A new response, or a measure too old: measured from now.
		c.paceOf, c.paceAt, c.paceAcked, c.slow = req, now, sent.acked, false
		return true
	}
	if d := now.Sub(c.paceAt); d >= stall {
		c.slow = float64(sent.acked-c.paceAcked)/d.Seconds() < minSendRate
		c.paceAt, c.paceAcked = now, sent.acked
	}
	return !c.slow
}

// state is the http.Server's ConnState hook.
func (l *connLimit) state(c net.Conn, s http.ConnState) {
	if l.max <= 0 || (s != http.StateNew && s != http.StateClosed && s != http.StateHijacked) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s != http.StateNew {
		l.forget(c)
		return
	}
	oc := l.add(c)
	if len(l.open) <= l.max {
		l.since++
		return
	}
	var (
		way   int // the index of what in warned
		what  string
		attrs []any
	)
	now := l.now()
	// A purge that found the connections busy leaves them counted, and
	// none come in to count towards the next: a second on, it is tried
	// again, or the limit would close every newcomer for as long as the
	// connections it found busy stay open, idle by then.
	if (l.since >= l.purgeEvery() || now.Sub(l.purged) >= time.Second) && l.someIdle(oc) {
		// Their StateClosed comes from their own goroutines, soon: this
		// connection is let in on the room they make.
		l.since = 0
		l.purged = now
		l.closeIdle()
		way, what = 0, "closing the idle connections"
	} else if heavy, ok := l.evictFor(oc); ok {
		// It came in on a place taken, not on room: since is not raised.
		way, what = 1, "closing connections of the client addresses that hold the most"
		attrs = []any{slog.String("address", heavy.String()), slog.Int("its_connections", l.perAddr[heavy]+1)}
	} else {
		// Its serve goroutine sees the close and reports StateClosed.
		l.forget(c)
		c.Close()
		way, what = 2, "closing new connections, the open ones being busy"
	}
	if now.Sub(l.warned[way]) >= time.Minute {
		l.warned[way] = now
		l.logger.Warn("connections at the limit: "+what+"; if these are subscribers, raise the open-files limit (ulimit -n, LimitNOFILE=) or -max-connections",
			append([]any{slog.Int("max_connections", l.max)}, attrs...)...)
	}
}

// someIdle reports whether a purge may make room: a connection open but
// the newcomer nc has no request being answered (keep-alive, or not sent
// whole yet). When
// every one has, a newcomer let in on a purge would only go past max: a
// client that keeps every connection busy and opens more would take each
// such place, one a second, without bound. The caller holds l.mu.
func (l *connLimit) someIdle(nc *openConn) bool {
	for _, oc := range l.open {
		if tc, ok := oc.c.(*trackedConn); oc != nc && (!ok || !tc.handling.Load()) {
			return true
		}
	}
	return false
}

// evictSamples is how many open connections evictFor looks at. A client
// address holding a share p of them is missed by all with chance
// (1-p)^evictSamples: 0.4% at a half, 10^-8 at nine tenths.
const evictSamples = 8

// evictFor makes room for the newcomer nc, when the connections are busy:
// of evictSamples connections taken at random, it closes the one, doing no
// work (see trackedConn.working), whose client address holds the most
// connections, if that is more than nc's does (counting nc), and returns
// that address. The addresses that hold most give way first, no address is
// left with fewer than nc's, and no response sent at a reasonable pace is cut short. A
// client behind the same address as every other (a proxy's) takes no
// one's place; nor does one of the addresses holding the most.
func (l *connLimit) evictFor(nc *openConn) (netip.Addr, bool) {
	own := l.perAddr[nc.addr]
	now := time.Now()
	var victim *openConn
	for range evictSamples {
		v := l.open[l.rnd.IntN(len(l.open))]
		// Never nc's own address, which holds own.
		if n := l.perAddr[v.addr]; n > own && (victim == nil || n > l.perAddr[victim.addr]) && !working(v.c, now, l.stall) {
			victim = v
		}
	}
	if victim == nil {
		return netip.Addr{}, false
	}
	l.forget(victim.c)
	victim.c.Close() // its serve goroutine's read or write fails, and it ends
	return victim.addr, true
}

// working reports whether c is doing work (see trackedConn.working); a
// connection the limit cannot see into is taken to be doing none.
func working(c net.Conn, now time.Time, stall time.Duration) bool {
	tc, ok := c.(*trackedConn)
	return ok && tc.working(now, stall)
}

// add counts c open; the caller holds l.mu.
func (l *connLimit) add(c net.Conn) *openConn {
	oc := &openConn{c: c, addr: clientAddr(c), i: len(l.open)}
	l.open = append(l.open, oc)
	l.byConn[c] = oc
	l.perAddr[oc.addr]++
	return oc
}

// forget stops counting c, if it is counted (a connection closed by the
// limit is forgotten then, before net/http reports it closed); the caller
// holds l.mu.
func (l *connLimit) forget(c net.Conn) {
	oc, ok := l.byConn[c]
	if !ok {
		return
	}
	delete(l.byConn, c)
	last := l.open[len(l.open)-1]
	l.open[oc.i] = last
	last.i = oc.i
	l.open[len(l.open)-1] = nil
	l.open = l.open[:len(l.open)-1]
	if l.perAddr[oc.addr]--; l.perAddr[oc.addr] == 0 {
		delete(l.perAddr, oc.addr)
	}
}

// count is the connections open, for tests.
func (l *connLimit) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.open)
}
