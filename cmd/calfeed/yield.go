package main

import (
	"net"
	"net/http"
)

// yieldWhenIdle returns a ConnState hook that calls next (if any) and then,
// when a connection has just sent a response and turns idle, yield.
//
// Right after a response, net/http reads the connection for the next
// request. A client that waits for each response has not sent it yet, so
// that read finds nothing: a system call for no data, then the goroutine
// parked, and woken again by the network poller. Yielding first lets the
// goroutines already ready (other connections' requests) run; when the
// server is busy with a client close by (a proxy on the same host, a
// benchmark), that client's next request has usually arrived by the time
// this one's turn comes back, and the read finds it at once. Under wrk's
// 304s on loopback (BENCHMARKS.md), read(2) calls fell from 1.95 a request
// to 1.0 and the poller's from 2,179 to 410 in 3 s; requests a second,
// 1.06x in interleaved rounds that spread from 0.83x to 1.34x. A client
// far away, or a server with nothing else to run, is no worse off: the
// turn comes back at once, and the read waits as before. The response is
// sent in full before the hook runs.
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
