package main

import (
	"log/slog"
	"net"
	"net/http"
	"testing"
)

// BenchmarkConnLimit: what the connection limit adds to a request on a
// kept-alive connection: its two changes of state, active then idle, which
// net/http reports to the hook.
func BenchmarkConnLimit(b *testing.B) {
	l := newConnLimit(1000, slog.New(slog.DiscardHandler))
	c, other := net.Pipe()
	b.Cleanup(func() { c.Close(); other.Close() })
	l.state(c, http.StateNew)
	b.ReportAllocs()
	for b.Loop() {
		l.state(c, http.StateActive)
		l.state(c, http.StateIdle)
	}
}
