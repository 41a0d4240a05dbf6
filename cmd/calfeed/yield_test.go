package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// eventConn records its writes in a shared log.
type eventConn struct {
	net.Conn
	log func(string)
}

func (c *eventConn) Write(b []byte) (int, error) {
	c.log("write")
	return c.Conn.Write(b)
}

type eventListener struct {
	net.Listener
	log func(string)
}

func (l eventListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &eventConn{c, l.log}, nil
}

// TestYieldWhenIdle holds the yield to where it pays: once a response,
// after the response is written (the next request's read comes after it,
// though net/http's background read may already have seen its first byte
// from a quick client), and never in place of the hook it wraps.
func TestYieldWhenIdle(t *testing.T) {
	var (
		mu     sync.Mutex
		events []string
		states []http.ConnState
	)
	log := func(e string) { mu.Lock(); events = append(events, e); mu.Unlock() }
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	srv.Listener = eventListener{srv.Listener, log}
	srv.Config.ConnState = yieldWhenIdle(func(c net.Conn, s http.ConnState) {
		mu.Lock()
		states = append(states, s)
		mu.Unlock()
	}, func() { log("yield") })
	srv.Start()
	defer srv.Close()

	const requests = 3
	keepAlive(t, srv.Listener.Addr().String(), requests)
	srv.Close() // waits for the connection's hooks

	mu.Lock()
	defer mu.Unlock()
	got := strings.Join(events, " ")
	want := strings.TrimSpace(strings.Repeat("write yield ", requests))
	if got != want {
		t.Errorf("writes and yields on a keep-alive connection of %d requests:\n got %s\nwant %s", requests, got, want)
	}
	wantStates := []http.ConnState{http.StateNew}
	for range requests {
		wantStates = append(wantStates, http.StateActive, http.StateIdle)
	}
	wantStates = append(wantStates, http.StateClosed)
	if fmt.Sprint(states) != fmt.Sprint(wantStates) {
		t.Errorf("the wrapped hook saw %v, want %v", states, wantStates)
	}
}

// TestServeYieldsWhenIdle checks that serve's server, given
// runtime.Gosched as serve gives it, yields as a connection turns idle,
// with the connection limit and without, and only then: on one processor,
// a goroutine made ready before the hook runs within it only if the hook
// yields (a StateActive hook is the control).
func TestServeYieldsWhenIdle(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	logger := slog.New(slog.DiscardHandler)
	for _, limit := range []int{0, 64} {
		hs := httpServer(http.NotFoundHandler(), logger, newConnLimit(limit, logger), runtime.Gosched)
		c, peer := net.Pipe()
		for _, s := range []http.ConnState{http.StateActive, http.StateIdle} {
			var ran atomic.Bool
			done := make(chan struct{})
			go func() { ran.Store(true); close(done) }()
			// The scheduler takes a goroutine from its global queue
			// (where a yield puts the one yielding) first on one turn in
			// 61: a few hooks, for that turn.
			for range 4 {
				if hs.ConnState(c, s); ran.Load() {
					break
				}
			}
			if got, want := ran.Load(), s == http.StateIdle; got != want {
				t.Errorf("-max-connections %d: a goroutine ready ran during the hook of %v: %v, want %v", limit, s, got, want)
			}
			<-done
		}
		c.Close()
		peer.Close()
		if err := hs.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestServeUntilDoneYields serves keep-alive requests as serve does, its
// connections limited, and counts the yields: one a response.
func TestServeUntilDoneYields(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var yields atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	go func() { done <- serveUntilDone(ctx, ln, h, logger, newConnLimit(64, logger), func() { yields.Add(1) }) }()

	const requests = 3
	keepAlive(t, ln.Addr().String(), requests)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The stop closes a connection idle at once, its hook maybe still
	// running: the count is waited for.
	for deadline := time.Now().Add(10 * time.Second); yields.Load() < requests && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if n := yields.Load(); n != requests {
		t.Errorf("%d yields for %d keep-alive requests, want one each", n, requests)
	}
}

// keepAlive sends n requests one after the other on one connection to
// addr, reading each response before the next, then closes it.
func keepAlive(t *testing.T, addr string, n int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range n {
		if _, err := fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
}
