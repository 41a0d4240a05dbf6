package main

import (
	"log/slog"
	"math"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit bounds the connections a server holds open. Past max, a new
// connection has the server close its idle ones (keep-alive connections
// waiting for a request that may never come, and connections that have
// not sent a request's headers in 5 s) and is let in on the room they
// make; when the last such purge was less than a second ago and fewer
// than an eighth of max connections came in since (the connections open
// are busy, not idle), the new connection is closed instead. Without it, clients that
// each open a connection, send one request and keep it idle take every
// file descriptor the process may have (20,000 of them here), and accept
// fails for everyone else until they go: the server is off the air while
// each costs its client one small request every two minutes
// (IdleTimeout).
//
// Only a connection's opening and closing are counted, not the changes of
// state of each request (active, then idle): the hook costs a request a
// switch, as the 304 of a subscriber's revalidation is the path most
// taken (BenchmarkConnLimit).
type connLimit struct {
	max    int
	logger *slog.Logger
	now    func() time.Time
	// closeIdle closes the server's idle connections (see forServer).
	closeIdle func()

	mu     sync.Mutex
	open   int
	since  int       // connections let in since the last purge
	purged time.Time // when the last purge ran
	warned time.Time // when the limit was last logged
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
	l := &connLimit{max: max, logger: logger, now: time.Now, closeIdle: func() {}}
	l.since = l.purgeEvery()
	return l
}

// purgeEvery is how many connections must come in after a purge before
// another: an eighth of max, at least one. Purges cost a walk through
// every connection; this many between them makes that a constant a
// connection.
func (l *connLimit) purgeEvery() int { return max(l.max/8, 1) }

// forServer makes l close hs's idle connections when it must, and
// returns l.
func (l *connLimit) forServer(hs *http.Server) *connLimit {
	l.closeIdle = func() {
		// net/http closes idle connections when keep-alives are turned
		// off; they are turned on again at once (a Shutdown in progress
		// keeps them off).
		hs.SetKeepAlivesEnabled(false)
		hs.SetKeepAlivesEnabled(true)
	}
	return l
}

// state is the http.Server's ConnState hook.
func (l *connLimit) state(c net.Conn, s http.ConnState) {
	if l.max <= 0 || (s != http.StateNew && s != http.StateClosed && s != http.StateHijacked) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s != http.StateNew {
		l.open--
		return
	}
	l.open++
	if l.open <= l.max {
		l.since++
		return
	}
	what := "closing the idle connections"
	now := l.now()
	// A purge that found the connections busy leaves them counted, and
	// none come in to count towards the next: a second on, it is tried
	// again, or the limit would close every newcomer for as long as the
	// connections it found busy stay open, idle by then.
	if l.since >= l.purgeEvery() || now.Sub(l.purged) >= time.Second {
		// Their StateClosed comes from their own goroutines, soon: this
		// connection is let in on the room they make.
		l.since = 0
		l.purged = now
		l.closeIdle()
	} else {
		// Its serve goroutine sees the close and reports StateClosed.
		c.Close()
		what = "closing new connections, the open ones being busy"
	}
	if now.Sub(l.warned) >= time.Minute {
		l.warned = now
		l.logger.Warn("connections at the limit: "+what+"; if these are subscribers, raise the open-files limit (ulimit -n, LimitNOFILE=) or -max-connections",
			slog.Int("max_connections", l.max))
	}
}

// count is the connections open, for tests.
func (l *connLimit) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}
