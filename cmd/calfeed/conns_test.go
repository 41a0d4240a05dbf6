package main

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestConnLimit: past the limit, a new connection closes the one idle
// longest and is served; with none idle (all in the middle of a request),
// the new one is closed; a closed connection makes room again.
func TestConnLimit(t *testing.T) {
	var logs strings.Builder
	l := newConnLimit(3, slog.New(slog.NewTextHandler(&logs, nil)))
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			<-release
		}
		io.WriteString(w, "ok")
	}))
	srv.Config.ConnState = l.state
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// get sends a request on c and reads its response; false when c was
	// closed instead.
	get := func(c net.Conn) bool {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return false
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode == http.StatusOK
	}
	// closed reports whether the server closed c.
	closed := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err == io.EOF || err != nil && !isTimeout(err)
	}

	idle := []net.Conn{dial(), dial(), dial()}
	for _, c := range idle {
		if !get(c) {
			t.Fatal("a connection within the limit was not served")
		}
	}
	until(t, func() bool { _, idle := l.counts(); return idle == 3 })
	fourth := dial()
	if !get(fourth) {
		t.Fatal("a connection past the limit, with one idle, was not served")
	}
	if !closed(idle[0]) {
		t.Error("the connection idle longest was not closed")
	}
	if !get(idle[1]) {
		t.Error("another idle connection was closed")
	}

	// Three connections whose requests are being answered: a fourth is
	// closed. (One only part of whose request has come is idle still, for
	// net/http, and may be closed.)
	var busy []net.Conn
	for _, c := range []net.Conn{idle[1], idle[2], fourth} {
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		busy = append(busy, c)
	}
	until(t, func() bool { _, idle := l.counts(); return idle == 0 })
	if fifth := dial(); !closed(fifth) {
		t.Error("a connection past the limit, with none idle, was not closed")
	}
	if !strings.Contains(logs.String(), "connections at the limit") {
		t.Errorf("the limit was not logged:\n%s", logs.String())
	}
	// One of them goes: there is room again.
	close(release)
	busy[0].Close()
	until(t, func() bool { open, _ := l.counts(); return open < 3 })
	if !get(dial()) {
		t.Error("a connection after one closed was not served")
	}
}

// until waits for ok, at most 10 s.
func until(t *testing.T, ok func() bool) {
	t.Helper()
	if !eventually(10*time.Second, ok) {
		t.Fatal("timed out")
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
