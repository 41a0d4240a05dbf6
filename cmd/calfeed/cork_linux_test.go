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
	"syscall"
	"testing"

	"calfeed/internal/calendar"
	"calfeed/internal/server"
	"calfeed/internal/synth"

	"golang.org/x/sys/unix"
)

// corkNoter is a connection that records whether its socket was corked at
// each write net/http makes to it.
type corkNoter struct {
	*net.TCPConn
	mu     sync.Mutex
	corked []bool
}

func (c *corkNoter) Write(b []byte) (int, error) {
	on := false
	raw, _ := c.TCPConn.SyscallConn()
	raw.Control(func(fd uintptr) {
		v, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK)
		on = err == nil && v == 1
	})
	c.mu.Lock()
	c.corked = append(c.corked, on)
	c.mu.Unlock()
	return c.TCPConn.Write(b)
}

type corkNoting struct {
	net.Listener
	conns chan *corkNoter
}

func (l corkNoting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	n := &corkNoter{TCPConn: c.(*net.TCPConn)}
	l.conns <- n
	return n, nil
}

// TestServeCorksLargeFeeds: serve's server gives the feeds' handler each
// request's connection, so that a large feed goes out corked (its headers
// with it: every write), with the connection limit and without; and the
// connections the limit tracks can be corked.
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
			noted := make(chan *corkNoter, 4)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- serveUntilDone(ctx, corkNoting{ln, noted}, srv, logger, newConnLimit(limit, logger), func() {})
			}()
			tr := &http.Transport{DisableCompression: true}
			resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/calendar.ics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			tr.CloseIdleConnections()
			if len(body) < 64<<10 || resp.ContentLength != int64(len(body)) {
				t.Fatalf("GET /calendar.ics: %d bytes of %d; the test wants a feed of 64 KiB or more, whole", len(body), resp.ContentLength)
			}
			c := <-noted
			c.mu.Lock()
			writes := c.corked
			c.mu.Unlock()
			if len(writes) == 0 {
				t.Fatal("no write recorded")
			}
			for i, corked := range writes {
				if !corked {
					t.Errorf("write %d of %d not corked", i+1, len(writes))
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
	var tracked net.Conn = &trackedConn{}
	if _, ok := tracked.(syscall.Conn); !ok {
		t.Error("a tracked connection is not a syscall.Conn: serve cannot cork it")
	}
}
