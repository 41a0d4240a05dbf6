package main

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
// (requests it never reads the answers to) no longer keeps the others out:
// a newcomer from another address takes the place of one of its
// connections, until the two hold as many; a newcomer from its own
// address is closed. A connection whose request is being answered, not
// stuck, keeps its place. (The connections come from 127.0.0.1, .2 and
// .3: all the loopback interface's on Linux.)
func TestConnLimitTakesPlaces(t *testing.T) {
	big := make([]byte, 16<<20) // more than the socket's buffers hold
	// limited serves through a limit of 4 connections, as serve does;
	// release lets its /wait requests go.
	limited := func(t *testing.T) (l *connLimit, logs *strings.Builder, dialFrom func(ip string) net.Conn, release func()) {
		logs = &strings.Builder{}
		l = newConnLimit(4, slog.New(slog.NewTextHandler(logs, nil)))
		l.rnd = rand.New(rand.NewPCG(1, 2)) // the places looked at, the same every run
		l.stall = 300 * time.Millisecond
		clock := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		l.now = func() time.Time { return clock } // no second passes: no purge but the first
		wait := make(chan struct{})
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/wait":
				<-wait
			case "/big":
				w.Write(big)
				return
			}
			io.WriteString(w, "ok")
		}))
		l.forServer(srv.Config)
		// The hook is run for each newcomer before the next is dialled:
		// the places looked at depend on the order the connections came in.
		hook := srv.Config.ConnState
		var news atomic.Int32
		srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
			hook(c, s)
			if s == http.StateNew {
				news.Add(1)
			}
		}
		srv.Listener = l.listener(srv.Listener)
		srv.Start()
		var once sync.Once
		release = func() { once.Do(func() { close(wait) }) }
		t.Cleanup(srv.Close) // which waits for the handlers,
		t.Cleanup(release)   // so they are let go first
		addr := srv.Listener.Addr().String()
		dialFrom = func(ip string) net.Conn {
			t.Helper()
			before := news.Load()
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Control: func(_, _ string, c syscall.RawConn) error {
				c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
				return nil
			}}
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
		return l, logs, dialFrom, release
	}
	// admitted reports whether c, asking for /wait (a request answered as
	// long as the test runs), is let in: still open a moment on. A newcomer
	// kept busy so is never idle, as a purge would find an idle one.
	admitted := func(c net.Conn) bool {
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		ne, ok := err.(net.Error)
		return ok && ne.Timeout()
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
	perAddr := func(l *connLimit, ip string) int {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.perAddr[netip.MustParseAddr(ip)]
	}
	// closed reports whether the server closed c; c's client read
	// nothing of what it asked for, so what is left is read through.
	closed := func(c net.Conn) bool {
		buf := make([]byte, 64<<10)
		for {
			c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if _, err := c.Read(buf); err != nil {
				ne, ok := err.(net.Error)
				return !ok || !ne.Timeout()
			}
		}
	}

	// handlingAll waits until n connections of l have a request being
	// answered.
	handlingAll := func(t *testing.T, l *connLimit, n int) {
		t.Helper()
		if !eventually(10*time.Second, func() bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			k := 0
			for _, oc := range l.open {
				if tc, ok := oc.c.(*trackedConn); ok && tc.handling.Load() {
					k++
				}
			}
			return k == n
		}) {
			t.Fatalf("never %d requests being answered", n)
		}
	}

	// heavy opens four connections from 127.0.0.1, each asking for path,
	// and waits for their requests to be answered: with none idle, a
	// fifth from the same address is closed.
	heavy := func(t *testing.T, l *connLimit, dialFrom func(string) net.Conn, path string) []net.Conn {
		t.Helper()
		var cs []net.Conn
		for range 4 {
			c := dialFrom("127.0.0.1")
			io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
			cs = append(cs, c)
		}
		handlingAll(t, l, 4)
		return cs
	}

	// readAtPace reads n bytes from each of cs every interval, until the
	// function it returns is called, which returns how many were cut off.
	readAtPace := func(cs []net.Conn, n int, every time.Duration) func() int {
		var cut atomic.Int32
		stop := make(chan struct{})
		var readers sync.WaitGroup
		for _, c := range cs {
			readers.Go(func() {
				buf := make([]byte, n)
				for {
					select {
					case <-stop:
						return
					case <-time.After(every):
					}
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					if _, err := io.ReadFull(c, buf); err != nil {
						cut.Add(1)
						return
					}
				}
			})
		}
		return func() int {
			close(stop)
			readers.Wait()
			return int(cut.Load())
		}
	}

	t.Run("stuck", func(t *testing.T) {
		l, logs, dialFrom, _ := limited(t)
		// The heavy client: four connections, each asking for a response
		// it never reads. Its writes are stuck past the stall.
		stuck := heavy(t, l, dialFrom, "/big")
		time.Sleep(2 * l.stall)
		if c := dialFrom("127.0.0.1"); served(c) {
			t.Error("a fifth connection of the client holding every place was served")
		}
		// Others come in, each in the place of one of the heavy client's,
		// until the heavy one holds no more than they do.
		for i := 1; i <= 2; i++ {
			if c := dialFrom("127.0.0.2"); !admitted(c) {
				t.Fatalf("newcomer %d from another address was not let in", i)
			}
			if n := perAddr(l, "127.0.0.1"); n != 4-i {
				t.Fatalf("after newcomer %d, the heavy client holds %d connections, want %d", i, n, 4-i)
			}
		}
		if c := dialFrom("127.0.0.2"); admitted(c) {
			t.Error("a third newcomer was let in though its address holds as many connections as the heavy one")
		}
		if n := perAddr(l, "127.0.0.2"); n != 2 {
			t.Errorf("the other address holds %d connections, want 2", n)
		}
		// The places taken were the heavy client's connections: two of
		// them end short; the others stay open, stuck.
		ended := 0
		for _, c := range stuck {
			if closed(c) {
				ended++
			}
		}
		if ended != 2 {
			t.Errorf("%d of the heavy client's connections were closed, want 2", ended)
		}
		if !strings.Contains(logs.String(), "closing connections of the client addresses that hold the most") || !strings.Contains(logs.String(), "address=127.0.0.1") {
			t.Errorf("the places taken were not logged with the address:\n%s", logs.String())
		}
	})

	t.Run("steady", func(t *testing.T) {
		l, _, dialFrom, _ := limited(t)
		// Four downloads read steadily, 4 KB every 20 ms: the writes
		// wait longer than the stall (the kernel wakes a writer only once
		// a third of the socket's buffer is free), but data goes out all
		// the while. They keep their places.
		stop := readAtPace(heavy(t, l, dialFrom, "/big"), 4<<10, 20*time.Millisecond)
		time.Sleep(3 * l.stall)
		if c := dialFrom("127.0.0.2"); served(c) {
			t.Error("a newcomer took the place of a download read steadily")
		}
		time.Sleep(l.stall)
		if n := stop(); n > 0 {
			t.Errorf("%d downloads read steadily were cut", n)
		}
		if n := perAddr(l, "127.0.0.1"); n != 4 {
			t.Errorf("the downloading client holds %d connections, want 4", n)
		}
	})

	t.Run("working", func(t *testing.T) {
		l, _, dialFrom, release := limited(t)
		l.stall = 5 * time.Second // a fifth of it to wait without writing
		// Connections whose requests are being answered keep their
		// places, however many their address holds; one whose handler
		// waits (for a rendering's turn) a stall without writing gives
		// it; and so does one that is idle.
		working := heavy(t, l, dialFrom, "/wait")
		if c := dialFrom("127.0.0.2"); served(c) {
			t.Error("a newcomer took the place of a connection whose request was being answered")
		}
		if n := perAddr(l, "127.0.0.1"); n != 4 {
			t.Errorf("the working client holds %d connections, want 4", n)
		}
		time.Sleep(l.stall/5 + l.stall/20)
		if c := dialFrom("127.0.0.3"); !admitted(c) {
			t.Error("a newcomer did not take the place of a connection waiting a fifth of the stall without writing")
		}
		release()
		answered := 0
		for _, c := range working {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				io.Copy(io.Discard, resp.Body)
				answered++
			}
		}
		if answered != 3 {
			t.Errorf("%d of the 4 requests answered, want 3 (one gave its place)", answered)
		}
		// Idle now: the next newcomer comes in on the room they make.
		if c := dialFrom("127.0.0.4"); !served(c) { // /wait answers at once now
			t.Error("a newcomer was not let in with idle connections open")
		}
		if !eventually(10*time.Second, func() bool { return perAddr(l, "127.0.0.1") < 3 }) {
			t.Errorf("the idle connections stay open: the client holds %d", perAddr(l, "127.0.0.1"))
		}
	})

	t.Run("trickle", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the pace is measured where the kernel says what it sends (Linux)")
		}
		l, _, dialFrom, _ := limited(t)
		l.stall = 2 * time.Second
		// Four downloads read a trickle, 1 KB every 250 ms: the kernel
		// sends now and then, but at 4 KB/s, below minSendRate. They give
		// their places once their pace has been measured over a stall.
		stop := readAtPace(heavy(t, l, dialFrom, "/big"), 1<<10, 250*time.Millisecond)
		defer stop()
		time.Sleep(l.stall + l.stall/5)
		if c := dialFrom("127.0.0.2"); served(c) {
			t.Error("a newcomer took a place before any pace was measured")
		}
		took := false
		for range 4 {
			time.Sleep(l.stall + l.stall/5)
			if c := dialFrom("127.0.0.2"); served(c) {
				took = true
				break
			}
		}
		if !took {
			t.Error("no newcomer took the place of a download read at a trickle")
		}
		if n := perAddr(l, "127.0.0.1"); n != 3 {
			t.Errorf("the trickling client holds %d connections, want 3", n)
		}
	})
}

// TestClientAddr: a connection's share is counted under its IPv4 address,
// an IPv4 address mapped into IPv6 as itself, and an IPv6 address under
// its /64.
func TestClientAddr(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:443":              "192.0.2.7",
		"[::ffff:192.0.2.7]:443":     "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443": "2001:db8:1:2::",
		"[2001:db8:1:2:ffff::9]:80":  "2001:db8:1:2::",
		"[2001:db8:1:3::1]:80":       "2001:db8:1:3::",
		"[fe80::1%eth0]:80":          "fe80::",
	} {
		ap := netip.MustParseAddrPort(remote)
		c := addrConn{remote: net.TCPAddrFromAddrPort(ap)}
		if got := clientAddr(c); got.String() != want {
			t.Errorf("clientAddr(%s) = %s, want %s", remote, got, want)
		}
	}
	if got := clientAddr(addrConn{remote: &net.UnixAddr{Name: "/x", Net: "unix"}}); got.IsValid() {
		t.Errorf("clientAddr of a connection that is not TCP = %s, want none", got)
	}
}

// addrConn is a connection with a remote address and nothing else.
type addrConn struct {
	net.Conn
	remote net.Addr
}

func (c addrConn) RemoteAddr() net.Addr { return c.remote }
func (c addrConn) Close() error         { return nil }

// TestEvictFor: of the connections looked at, the one doing no work of
// the address holding the most gives way, and only an address holding
// more than the newcomer's, counting it.
func TestEvictFor(t *testing.T) {
	conn := func(ip string) *openConn {
		return &openConn{c: &addrConn{remote: net.TCPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(ip), 1))}}
	}
	for _, tc := range []struct {
		name   string
		held   map[string]int // connections open by address, the newcomer's among them
		newbie string
		want   string // the address that gives way, "" for none
	}{
		{"one more than the newcomer's", map[string]int{"10.0.0.1": 2, "10.0.0.2": 1}, "10.0.0.2", "10.0.0.1"},
		{"as many as the newcomer's", map[string]int{"10.0.0.1": 2, "10.0.0.2": 2}, "10.0.0.2", ""},
		{"the heaviest first", map[string]int{"10.0.0.1": 3, "10.0.0.3": 4, "10.0.0.2": 1}, "10.0.0.2", "10.0.0.3"},
		{"its own address", map[string]int{"10.0.0.1": 5}, "10.0.0.1", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newConnLimit(1, slog.New(slog.DiscardHandler))
			// The connections looked at, the same every run: at random, the
			// heaviest address is missed by all eight in 0.4% of draws.
			l.rnd = rand.New(rand.NewPCG(3, 4))
			var nc *openConn
			for _, ip := range slices.Sorted(maps.Keys(tc.held)) { // in one order, as the draws are
				for range tc.held[ip] {
					oc := conn(ip)
					l.add(oc.c)
					if ip == tc.newbie && nc == nil {
						nc = l.byConn[oc.c]
					}
				}
			}
			for range 20 {
				before := maps.Clone(l.perAddr)
				got, ok := l.evictFor(nc)
				if tc.want == "" {
					if ok {
						t.Fatalf("%s gave way; none should", got)
					}
					continue
				}
				if !ok || got.String() != tc.want {
					t.Fatalf("evictFor = %v, %v; want %s", got, ok, tc.want)
				}
				if l.perAddr[got] != before[got]-1 {
					t.Fatalf("%s holds %d after giving way, had %d", got, l.perAddr[got], before[got])
				}
				l.add(conn(tc.want).c) // back as it was
			}
		})
	}
}

// TestTrackedReadFrom: a tracked connection sends a file, whole or through
// an *io.LimitedReader, in pieces, every byte once, and keeps the
// LimitedReader's count.
func TestTrackedReadFrom(t *testing.T) {
	data := make([]byte, 3*writePiece+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	path := filepath.Join(t.TempDir(), "feed")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{-1, writePiece + 7, 0, -3} { // -1: no LimitedReader; -3: one holding less than nothing
		server, client := loopback(t)
		tc := &trackedConn{TCPConn: server, clock: &coarseClock{}}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var src io.Reader = f
		lr := &io.LimitedReader{R: f, N: limit}
		want := data
		switch {
		case limit >= 0:
			src, want = lr, data[:limit]
		case limit < -1:
			src, want = lr, nil
		}
		got := make(chan []byte)
		go func() { b, _ := io.ReadAll(client); got <- b }()
		n, err := tc.ReadFrom(src)
		tc.Close()
		f.Close()
		if b := <-got; err != nil || n != int64(len(want)) || !bytes.Equal(b, want) {
			t.Errorf("limit %d: sent %d bytes (%v), received %d, want %d alike", limit, n, err, len(b), len(want))
		}
		if limit >= 0 && lr.N != 0 || limit < -1 && lr.N != limit {
			t.Errorf("limit %d: the LimitedReader has %d left, want 0", limit, lr.N)
		}
		if tc.writing.Load() {
			t.Errorf("limit %d: a write still counted as under way", limit)
		}
		client.Close()
	}
}
