package main

import (
	"bufio"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestConnLimit: past the limit, a new connection makes the server close
// its idle connections and is served; with none idle, one more is let in
// (the purge made no room), and the next closed, until enough have come
// in since; a closed connection makes room.
func TestConnLimit(t *testing.T) {
	var logs strings.Builder
	l := newConnLimit(3, slog.New(slog.NewTextHandler(&logs, nil)))
	clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return clock } // the hook calls it under l.mu
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			<-release
		}
		io.WriteString(w, "ok")
	}))
	// The test follows the connections' states, to know them idle.
	var mu sync.Mutex
	states := map[net.Conn]http.ConnState{}
	hook := l.forServer(srv.Config).state
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		states[c] = s
		mu.Unlock()
		hook(c, s)
	}
	inState := func(want http.ConnState, n int) {
		t.Helper()
		if !eventually(10*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			k := 0
			for _, s := range states {
				if s == want {
					k++
				}
			}
			return k == n
		}) {
			t.Fatalf("never %d connections %v", n, want)
		}
	}
	idleNow := func(n int) { t.Helper(); inState(http.StateIdle, n) }
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
	// get sends a request for path on c and reads its response; false
	// when c was closed instead.
	get := func(c net.Conn, path string) bool {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
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
		ne, timeout := err.(net.Error)
		return err != nil && !(timeout && ne.Timeout())
	}
	opened := func(n int) {
		t.Helper()
		if !eventually(10*time.Second, func() bool { return l.count() == n }) {
			t.Fatalf("%d connections counted, want %d", l.count(), n)
		}
	}

	idle := []net.Conn{dial(), dial(), dial()}
	for _, c := range idle {
		if !get(c, "/") {
			t.Fatal("a connection within the limit was not served")
		}
	}
	idleNow(3)
	fourth := dial()
	if !get(fourth, "/") {
		t.Fatal("a connection past the limit, with some idle, was not served")
	}
	for i, c := range idle {
		if !closed(c) {
			t.Errorf("idle connection %d was not closed", i)
		}
	}
	opened(1)

	// Three connections whose requests are being answered (two came in
	// since the purge): the next is let in, its purge closing nothing,
	// and the one after is closed.
	busy := []net.Conn{fourth, dial(), dial()}
	for _, c := range busy {
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	opened(3)
	inState(http.StateActive, 3)
	fifth := dial()
	opened(4)
	if c := dial(); !closed(c) {
		t.Error("a connection past the limit, none idle and none come in since the last purge, was not closed")
	}
	opened(4)
	// A second on, the busy connections idle by then, a newcomer's purge
	// closes them: the limit does not stay shut.
	close(release)
	for i, c := range busy { // fifth sent no request
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("held request %d was not answered: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
	}
	idleNow(3)
	if c := dial(); !closed(c) {
		t.Error("within the second, with fewer than an eighth come in since the last purge: a newcomer was not closed")
	}
	l.mu.Lock()
	clock = clock.Add(time.Second)
	l.mu.Unlock()
	if !get(dial(), "/") {
		t.Error("a second after a purge that found the connections busy, now idle: a newcomer was not served")
	}
	if !strings.Contains(logs.String(), "connections at the limit") {
		t.Errorf("the limit was not logged:\n%s", logs.String())
	}
	for _, c := range append(busy, fifth) {
		c.Close()
	}
	until0 := eventually(10*time.Second, func() bool { return l.count() <= 1 })
	if !until0 {
		t.Fatalf("%d connections counted after they closed", l.count())
	}
	if !get(dial(), "/") {
		t.Error("a connection after the others closed was not served")
	}
}

// TestConnectionsFor: the default limit is the open-files one, and under a
// memory limit at most what a quarter of it holds, at least 256.
func TestConnectionsFor(t *testing.T) {
	for _, tc := range []struct {
		files int
		mem   int64
		want  int
	}{
		{17500, math.MaxInt64, 17500}, // no memory limit
		{917504, 204 << 20, 1632},     // a 256 MiB pod: about 80% of it for Go
		{1000, 8 << 30, 1000},         // files the tighter
		{0, 204 << 20, 1632},          // files unknown
		{917504, 16 << 20, 256},       // at least 256
		{0, math.MaxInt64, 0},         // neither: no limit
	} {
		if got := connectionsFor(tc.files, tc.mem); got != tc.want {
			t.Errorf("connectionsFor(%d, %d) = %d, want %d", tc.files, tc.mem, got, tc.want)
		}
	}
}

// TestConnLimitTakesPlaces: a client that keeps every connection busy
// (requests it never gets the answers to) no longer keeps the others out:
// a newcomer from another address takes the place of one of its
// connections, until the two hold as many; a newcomer from its own
// address is closed. (Its connections come from 127.0.0.1, the others
// from 127.0.0.2: both are the loopback interface's on Linux.)
func TestConnLimitTakesPlaces(t *testing.T) {
	var logs strings.Builder
	l := newConnLimit(4, slog.New(slog.NewTextHandler(&logs, nil)))
	l.rnd = rand.New(rand.NewPCG(1, 2)) // the places looked at, the same every run
	clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return clock } // no second passes: no purge but the first
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/wait" {
			<-release
		}
		io.WriteString(w, "ok")
	}))
	// The hook is run for each newcomer before the next is dialled: the
	// places looked at depend on the order the connections came in.
	hook := l.forServer(srv.Config).state
	var news atomic.Int32
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		hook(c, s)
		if s == http.StateNew {
			news.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()    // which waits for the handlers,
	defer close(release) // so they are let go first
	addr := srv.Listener.Addr().String()

	dialFrom := func(ip string) net.Conn {
		t.Helper()
		before := news.Load()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			if ip != "127.0.0.1" {
				t.Skipf("this system cannot connect from %s: %v", ip, err)
			}
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		if !eventually(10*time.Second, func() bool { return news.Load() > before }) {
			t.Fatalf("the connection from %s never reached the hook", ip)
		}
		return c
	}
	// served reports whether a request on c is answered.
	served := func(c net.Conn) bool {
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
	perAddr := func(ip string) int {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.perAddr[netip.MustParseAddr(ip)]
	}

	// The heavy client: its four connections each wait on a request, and a
	// fifth comes in on the first purge, which closes nothing.
	var heavy []net.Conn
	for range 5 {
		c := dialFrom("127.0.0.1")
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		heavy = append(heavy, c)
	}
	if n := perAddr("127.0.0.1"); n != 5 {
		t.Fatalf("the heavy client holds %d connections, want 5 (4 and the first purge's)", n)
	}
	if c := dialFrom("127.0.0.1"); served(c) {
		t.Error("a sixth connection of the client holding every place was served")
	}
	// Others come in, each in the place of one of the heavy client's, until
	// the heavy one holds no more than they do.
	for i := 1; i <= 2; i++ {
		if c := dialFrom("127.0.0.2"); !served(c) {
			t.Fatalf("newcomer %d from another address was not served", i)
		}
		if n := perAddr("127.0.0.1"); n != 5-i {
			t.Fatalf("after newcomer %d, the heavy client holds %d connections, want %d", i, n, 5-i)
		}
	}
	if c := dialFrom("127.0.0.2"); served(c) {
		t.Error("a third newcomer was served though its address holds as many connections as the heavy one")
	}
	if n := perAddr("127.0.0.2"); n != 2 {
		t.Errorf("the other address holds %d connections, want 2", n)
	}
	// The places taken were the heavy client's connections: two of them
	// end without an answer; the others stay open, waiting.
	ended := 0
	for _, c := range heavy {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			ended++
		}
	}
	if ended != 2 {
		t.Errorf("%d of the heavy client's connections were closed, want 2", ended)
	}
	if !strings.Contains(logs.String(), "closing connections of the client addresses that hold the most") || !strings.Contains(logs.String(), "address=127.0.0.1") {
		t.Errorf("the places taken were not logged with the address:\n%s", logs.String())
	}
}
