package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/server"
	"calfeed/internal/synth"

	"golang.org/x/sys/unix"
)

// corked reports whether c's socket is corked (TCP_CORK).
func corked(c *net.TCPConn) bool {
	on := false
	if raw, err := c.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			v, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK)
			on = err == nil && v == 1
		})
	}
	return on
}

// corkNotes records whether a socket was corked at each write.
type corkNotes struct {
	mu    sync.Mutex
	notes []bool
}

func (n *corkNotes) note(c *net.TCPConn) {
	n.mu.Lock()
	n.notes = append(n.notes, corked(c))
	n.mu.Unlock()
}

func (n *corkNotes) all() []bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]bool(nil), n.notes...)
}

// corkNoter is a connection that notes its cork at each write net/http
// makes to it: for a server without the connection limit, whose
// connections are the listener's own.
type corkNoter struct {
	*net.TCPConn
	notes *corkNotes
}

func (c corkNoter) Write(b []byte) (int, error) {
	c.notes.note(c.TCPConn)
	return c.TCPConn.Write(b)
}

type corkNoting struct {
	net.Listener
	notes *corkNotes
}

func (l corkNoting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return corkNoter{c.(*net.TCPConn), l.notes}, nil
}

// corkObserver notes the cork of the tracked connection beneath at each
// write to the response: for a server with the connection limit, whose
// connections it wraps itself.
type corkObserver struct {
	http.ResponseWriter
	conn  *trackedConn
	notes *corkNotes
}

func (o corkObserver) Write(b []byte) (int, error) {
	o.notes.note(o.conn.TCPConn)
	return o.ResponseWriter.Write(b)
}

func (o corkObserver) Unwrap() http.ResponseWriter { return o.ResponseWriter }

// TestServeCorksLargeFeeds: serve's server gives the feeds' handler each
// request's connection, so that a large feed goes out corked (its headers
// with it), on the connections the limit tracks and, without the limit,
// on the listener's own.
func TestServeCorksLargeFeeds(t *testing.T) {
	var yaml bytes.Buffer
	if err := synth.Write(&yaml, synth.Options{Events: 300, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Load("events.yaml", &yaml, calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	srv, err := server.New(cal, server.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{0, 64} {
		t.Run("max-connections="+strconv.Itoa(limit), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			notes := &corkNotes{}
			var serving net.Listener = corkNoting{ln, notes}
			h := http.Handler(srv)
			if limit > 0 {
				serving = ln
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					tc, _ := r.Context().Value(trackedKey{}).(*trackedConn)
					if tc == nil {
						t.Error("the request came on a connection the limit does not track")
						return
					}
					srv.ServeHTTP(corkObserver{w, tc, notes}, r)
				})
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- serveUntilDone(ctx, serving, h, logger, newConnLimit(limit, logger), func() {}) }()
			t.Cleanup(func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			})
			tr := &http.Transport{DisableCompression: true}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/calendar.ics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(body) < 64<<10 || resp.ContentLength != int64(len(body)) {
				t.Fatalf("GET /calendar.ics: %d bytes of %d; the test wants a feed of 64 KiB or more, whole", len(body), resp.ContentLength)
			}
			writes := notes.all()
			if len(writes) == 0 {
				t.Fatal("no write recorded")
			}
			for i, on := range writes {
				if !on {
					t.Errorf("write %d of %d not corked", i+1, len(writes))
				}
			}
		})
	}
}
