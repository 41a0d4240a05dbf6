package main

import (
	"container/list"
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
	open   int
	idle   list.List // of net.Conn, idle longest first
	where  map[net.Conn]*list.Element
	warned time.Time // when the limit was last logged
}

// newConnLimit returns a limit of max connections (none for max <= 0).
func newConnLimit(max int, logger *slog.Logger) *connLimit {
	return &connLimit{max: max, logger: logger, now: time.Now, where: map[net.Conn]*list.Element{}}
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
		l.open++
		if l.open <= l.max {
			return
		}
		victim, what := c, "the new connection"
		if el := l.idle.Front(); el != nil {
			victim, what = el.Value.(net.Conn), "the connection idle longest"
			l.forget(victim)
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
		if _, ok := l.where[c]; !ok {
			l.where[c] = l.idle.PushBack(c)
		}
	case http.StateActive:
		l.forget(c)
	case http.StateClosed, http.StateHijacked:
		l.forget(c)
		l.open--
	}
}

// forget takes c off the idle list; the caller holds l.mu.
func (l *connLimit) forget(c net.Conn) {
	if el, ok := l.where[c]; ok {
		l.idle.Remove(el)
		delete(l.where, c)
	}
}
