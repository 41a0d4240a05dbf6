package server

import (
	"context"
	"net"
	"net/http"
	"syscall"
)

// corkAbove is the smallest body sent corked (see corkFor). On loopback
// here, against the same server writing them as net/http does (its
// headers and first 4 KiB in a segment of their own): the 1 MiB feed
// corked served 1.20-1.26x the requests, 0.88-1.20x nginx's where it had
// 0.70-1.00x; a 122 KiB combined feed 1.03-1.33x; a 56 KiB track feed
// 0.95-0.99x (the two system calls cost more than they save).
const corkAbove = 64 << 10

// connKey is the context key of a request's connection (see WithConn).
type connKey struct{}

// WithConn returns ctx with c, the connection a request came on: an
// http.Server's ConnContext, so that large bodies are sent corked. The
// cork is the connection's: a handler that keeps a request's context
// must write its response to that request's ResponseWriter.
func WithConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// corkFor holds back the partial segments of r's connection (TCP_CORK,
// on Linux) until the returned func is called, which flushes w and lets
// them go: the response's headers, which net/http writes with the first
// 4 KiB of the body, then go out with the rest in full segments, not in
// a small segment of their own that the client must wake for, and a
// sendfile(2) is not pushed out piece by piece. It returns nil when the
// connection cannot be corked (none in the context, not a socket, not
// Linux) or is not r's alone (HTTP/2 streams share one).
func corkFor(w http.ResponseWriter, r *http.Request) func() {
	sc, ok := r.Context().Value(connKey{}).(syscall.Conn)
	if !ok || r.ProtoMajor != 1 {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil || !setCork(raw, true) {
		return nil
	}
	return func() {
		// The end of the body may wait in net/http's buffer; it goes
		// out with the rest before the cork comes off.
		http.NewResponseController(w).Flush()
		setCork(raw, false)
	}
}
