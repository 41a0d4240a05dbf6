package main

import (
	"net"
	"net/http"
)

// yieldWhenIdle returns a ConnState hook that calls next (if any) and then,
// when a connection has just sent a response and turns idle, yield.
//
// Right after a response, net/http reads the connection for the next
// request. A client that waits for each response (as calendar clients and
// browsers do) has not sent it yet, so that read finds nothing: a system
// call for no data, then the goroutine is parked and woken again by the
// network poller. Yielding first lets the other connections' ready work
// run, and by the time this one's turn comes back a busy client's next
// request has usually arrived: the read finds it at once. Measured under
// wrk's 304s (BENCHMARKS.md): reads per request 1.95 to 1.0, and about 6%
// more requests a second on one core or two. A server with nothing else to
// run gets its turn back at once.
func yieldWhenIdle(next func(net.Conn, http.ConnState), yield func()) func(net.Conn, http.ConnState) {
	return func(c net.Conn, s http.ConnState) {
		if next != nil {
			next(c, s)
		}
		if s == http.StateIdle {
			yield()
		}
	}
}
