package main

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit bounds the connections a server holds open: past max, a new
// connection makes the one idle longest close (a keep-alive connection
// waiting for a request that may never come), or, with none idle, is
// closed itself. Without it, clients that each open a connection, send one
// request and keep it idle take every file descriptor the process may
// have (20,000 of them here), and accept fails for everyone else until
// they go: the server is off the air while each costs its client one
// small request every two minutes (IdleTimeout).
type connLimit struct {
	max    int
	logger *slog.Logger
	now    func() time.Time

	mu     sync.Mutex
	conns  map[net.Conn]*connEntry // every connection open, made at StateNew
	idle   connEntry               // the idle ones' ring, idle longest first (idle.next)
	warned time.Time               // when the limit was last logged
}

// connEntry is a connection, on the idle ring while it is idle: made once
// a connection, so that a request's two changes of state (active, then
// idle) allocate nothing.
type connEntry struct {
	c          net.Conn
	prev, next *connEntry
}

// newConnLimit returns a limit of max connections (none for max <= 0).
func newConnLimit(max int, logger *slog.Logger) *connLimit {
	l := &connLimit{max: max, logger: logger, now: time.Now, conns: map[net.Conn]*connEntry{}}
	l.idle.prev, l.idle.next = &l.idle, &l.idle
	return l
}

// state is the http.Server's ConnState hook.
func (l *connLimit) state(c net.Conn, s http.ConnState) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch s {
	case http.StateNew:
		l.conns[c] = &connEntry{c: c}
		if len(l.conns) <= l.max {
			return
		}
		victim, what := c, "the new connection"
		if e := l.idle.next; e != &l.idle {
			victim, what = e.c, "the connection idle longest"
			e.unlink()
		}
		// Its serve goroutine sees the close and reports StateClosed,
		// which counts it out.
		victim.Close()
		if now := l.now(); now.Sub(l.warned) >= time.Minute {
			l.warned = now
			l.logger.Warn("connections at the limit: closing "+what+" for each new one; if these are subscribers, raise the open-files limit (ulimit -n, LimitNOFILE=) or -max-connections",
				slog.Int("max_connections", l.max))
		}
	case http.StateIdle:
		if e := l.conns[c]; e != nil && e.next == nil {
			e.prev, e.next = l.idle.prev, &l.idle
			l.idle.prev.next = e
			l.idle.prev = e
		}
	case http.StateActive:
		if e := l.conns[c]; e != nil {
			e.unlink()
		}
	case http.StateClosed, http.StateHijacked:
		if e := l.conns[c]; e != nil {
			e.unlink()
			delete(l.conns, c)
		}
	}
}

// unlink takes e off the idle ring, if it is on it; the caller holds the
// limit's mutex.
func (e *connEntry) unlink() {
	if e.next == nil {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// counts are the connections open and idle, for tests.
func (l *connLimit) counts() (open, idle int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for e := l.idle.next; e != &l.idle; e = e.next {
		idle++
	}
	return len(l.conns), idle
}
