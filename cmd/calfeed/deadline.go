package main

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// lazyDeadline is a read or write deadline of a trackedConn, kept in
// memory and given to the socket only once it has passed. For every
// request on a kept-alive connection net/http moves the read deadline four
// times (the idle timeout, none, the header timeout, the whole request's)
// and the write deadline once, and each move given to the socket resets a
// runtime timer: about 5% of a 304's cost (BenchmarkDeadlines; the
// request path in BENCHMARKS.md). Almost none of those deadlines ever
// passes. The connection limit looks every clockTick (see
// connLimit.expire) and hands the socket the deadlines that have passed,
// which wakes a read or write waiting on them; a deadline set already
// past by the limit's clock, which runs up to a tick behind (a response cut
// off and net/http ending a background read both set one long past), goes
// to the socket at once, one set within a tick of now at the next tick. So
// a timeout fires up to two ticks (100 ms) late, never early.
type lazyDeadline struct {
	at     atomic.Int64 // when it passes, in Unix nanoseconds; 0: none
	socket atomic.Bool  // the socket holds a deadline: at, passed, or one set since
	mu     sync.Mutex   // held to give the socket a deadline, and to read at for it
}

// unixNano is t in Unix nanoseconds for a lazyDeadline: 0 for the zero
// time (no deadline), and times outside what an int64 of nanoseconds
// holds (years 1678-2262) clamped to its ends, 1 for the past.
func unixNano(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Before(nanoFirst):
		return 1
	case t.After(nanoLast):
		return 1<<63 - 1
	}
	return max(t.UnixNano(), 1)
}

// The times an int64 of Unix nanoseconds holds.
var (
	nanoFirst = time.Unix(0, -1<<63)
	nanoLast  = time.Unix(0, 1<<63-1)
)

// set makes t the deadline, at the coarse time now: in memory alone while
// the socket holds none and t is ahead of now, else on the socket too
// (through apply, the socket's own setter). Once the socket holds a
// deadline, every later one goes to it as well, until one of none clears
// it. A now of 0 is a clock not set, which nothing would expire by: every
// deadline goes to the socket.
//
// The usual case, a deadline ahead on a socket that holds none, takes no
// lock: at is stored before socket is read, and expire sets socket before
// it reads at, so either expire sees the new deadline (and leaves the
// socket alone), or set sees the socket taken and gives it the new one
// after expire is done (Go's atomics are sequentially consistent).
func (d *lazyDeadline) set(t time.Time, now int64, apply func(net.Conn, time.Time) error, c net.Conn) error {
	at := unixNano(t)
	d.at.Store(at)
	if !d.socket.Load() && (at == 0 || at > now && now != 0) {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	// As expire does: take the socket before reading at, so that a set
	// on the fast path either is read here or sees the socket taken.
	d.socket.Store(true)
	at = d.at.Load() // the last one set
	err := apply(c, timeOf(at))
	if at == 0 {
		d.socket.Store(false)
	}
	return err
}

// expire gives the socket the deadline if it has passed by now.
func (d *lazyDeadline) expire(now int64, apply func(net.Conn, time.Time) error, c net.Conn) {
	if at := d.at.Load(); at == 0 || at > now || d.socket.Load() {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.socket.Load() {
		return
	}
	d.socket.Store(true)
	if at := d.at.Load(); at != 0 && at <= now {
		apply(c, timeOf(at))
		return
	}
	d.socket.Store(false) // moved on, or cleared, since the first look
}

// timeOf is the deadline of at (see unixNano).
func timeOf(at int64) time.Time {
	if at == 0 {
		return time.Time{}
	}
	return time.Unix(0, at)
}

// The sockets' own setters, for lazyDeadline; method expressions, so that
// passing one allocates nothing.
var (
	socketReadDeadline  = net.Conn.SetReadDeadline
	socketWriteDeadline = net.Conn.SetWriteDeadline
)

// SetReadDeadline keeps t, and gives it to the socket once it has passed
// (see lazyDeadline).
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	return c.readBy.set(t, c.clock.Load(), socketReadDeadline, c.TCPConn)
}

// SetWriteDeadline keeps t, and gives it to the socket once it has passed
// (see lazyDeadline).
func (c *trackedConn) SetWriteDeadline(t time.Time) error {
	return c.writeBy.set(t, c.clock.Load(), socketWriteDeadline, c.TCPConn)
}

// SetDeadline sets both deadlines to t.
func (c *trackedConn) SetDeadline(t time.Time) error {
	err := c.SetReadDeadline(t)
	if werr := c.SetWriteDeadline(t); err == nil {
		err = werr
	}
	return err
}

// expireDeadlines gives the socket those of c's deadlines that have
// passed by now.
func (c *trackedConn) expireDeadlines(now int64) {
	c.readBy.expire(now, socketReadDeadline, c.TCPConn)
	c.writeBy.expire(now, socketWriteDeadline, c.TCPConn)
}
