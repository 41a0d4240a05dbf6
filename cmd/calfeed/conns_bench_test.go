package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkConnLimit: what the connection limit adds to a request on a
// kept-alive connection: its two changes of state, active then idle, which
// net/http reports to the hook, and the handler's marks of the request's
// work on its connection (see trackedConn).
func BenchmarkConnLimit(b *testing.B) {
	l := newConnLimit(1000, slog.New(slog.DiscardHandler))
	hs := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})}
	l.forServer(hs)
	c, other := net.Pipe()
	b.Cleanup(func() { c.Close(); other.Close() })
	tc := &trackedConn{clock: &l.clock}
	l.state(c, http.StateNew)
	r := httptest.NewRequest(http.MethodGet, "/tracks/gender.ics", nil)
	r = r.WithContext(hs.ConnContext(context.Background(), tc))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		hs.ConnState(c, http.StateActive)
		hs.Handler.ServeHTTP(w, r)
		hs.ConnState(c, http.StateIdle)
	}
}
