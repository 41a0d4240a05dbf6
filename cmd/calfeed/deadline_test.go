package main

import (
	"errors"
	"log/slog"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection, the server's
// tracked and counted by a limit whose clock ticks (as forServer starts
// it) until the test ends.
func tcpPair(t *testing.T, tick bool) (*trackedConn, net.Conn, *connLimit) {
	t.Helper()
	server, client := loopback(t)
	l := newConnLimit(100, slog.New(slog.DiscardHandler))
	l.clock.Store(time.Now().UnixNano())
	tc := &trackedConn{TCPConn: server, clock: &l.clock}
	l.mu.Lock()
	l.add(tc)
	l.mu.Unlock()
	shutdown := make(chan struct{})
	close(shutdown)
	done := make(chan struct{})
	if tick {
		go func() { l.tick(shutdown); close(done) }()
	} else {
		close(done)
	}
	t.Cleanup(func() {
		client.Close()
		tc.Close()
		l.mu.Lock()
		l.forget(tc)
		l.mu.Unlock()
		<-done // tick returns once no connection is left
	})
	return tc, client, l
}

// backstop is how long a test lets a read or write wait before closing
// its connection, so that a deadline never applied fails the test rather
// than hanging it.
const backstop = 5 * time.Second

// readTimesOut reads from c and reports how long the read took and
// whether it failed with a deadline's error (not the backstop's close).
func readTimesOut(c net.Conn) (time.Duration, bool) {
	start := time.Now()
	stop := time.AfterFunc(backstop, func() { c.Close() })
	defer stop.Stop()
	_, err := c.Read(make([]byte, 1))
	return time.Since(start), errors.Is(err, os.ErrDeadlineExceeded)
}

// TestLazyReadDeadline: a read deadline that passes cuts a waiting read
// off, late by at most two clock ticks; one moved later or cleared before
// it passes does not, and a past one does at once.
func TestLazyReadDeadline(t *testing.T) {
	tc, client, _ := tcpPair(t, true)

	tc.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	took, timedOut := readTimesOut(tc)
	if !timedOut || took < 150*time.Millisecond || took > 150*time.Millisecond+2*clockTick+time.Second {
		t.Fatalf("read with a deadline 150 ms ahead: timed out %v after %v, want a timeout after 150-250 ms", timedOut, took)
	}

	// Cleared: the deadline the socket was given goes with it.
	tc.SetReadDeadline(time.Time{})
	go func() { time.Sleep(3 * clockTick); client.Write([]byte("a")) }()
	if took, timedOut := readTimesOut(tc); timedOut {
		t.Fatalf("read after the deadline was cleared timed out after %v", took)
	}

	// Moved later before it passed: the first never reaches the socket.
	tc.SetReadDeadline(time.Now().Add(clockTick))
	tc.SetReadDeadline(time.Now().Add(time.Minute))
	go func() { time.Sleep(4 * clockTick); client.Write([]byte("b")) }()
	if took, timedOut := readTimesOut(tc); timedOut {
		t.Fatalf("read timed out after %v by a deadline moved a minute on", took)
	}

	// Past: at once, without waiting for a tick.
	tc.SetReadDeadline(time.Unix(1, 0))
	if took, timedOut := readTimesOut(tc); !timedOut || took > clockTick/2 {
		t.Fatalf("read with a past deadline: timed out %v after %v, want at once", timedOut, took)
	}
	tc.SetReadDeadline(time.Time{})
	client.Write([]byte("c"))
	if took, timedOut := readTimesOut(tc); timedOut {
		t.Fatalf("read after a past deadline was cleared timed out after %v", took)
	}
}

// TestLazyDeadlineWaitsForTheClock: a deadline ahead stays off the socket
// until the limit's tick finds it passed: with no tick, a read long past it
// still succeeds. (This is what spares each request the socket's timers;
// TestLazyReadDeadline shows the tick cuts it off.)
func TestLazyDeadlineWaitsForTheClock(t *testing.T) {
	tc, client, l := tcpPair(t, false)
	tc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	go func() { time.Sleep(200 * time.Millisecond); client.Write([]byte("a")) }()
	if took, timedOut := readTimesOut(tc); timedOut {
		t.Fatalf("a deadline reached the socket without a tick: timed out after %v", took)
	}
	// The tick's work, once: now the read is cut off at once.
	l.expire(time.Now().UnixNano())
	if took, timedOut := readTimesOut(tc); !timedOut || took > clockTick/2 {
		t.Fatalf("after expire, read timed out %v after %v, want at once", timedOut, took)
	}
}

// TestLazyWriteDeadline: a write the client does not read is cut off once
// the write deadline passes; SetDeadline sets both.
func TestLazyWriteDeadline(t *testing.T) {
	tc, _, _ := tcpPair(t, true)
	tc.SetDeadline(time.Now().Add(200 * time.Millisecond))
	start := time.Now()
	stop := time.AfterFunc(backstop, func() { tc.Close() })
	defer stop.Stop()
	big := make([]byte, 64<<20) // more than the socket buffers of both ends hold
	n, err := tc.Write(big)
	took := time.Since(start)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == len(big) || took < 200*time.Millisecond || took > 200*time.Millisecond+2*clockTick+time.Second {
		t.Fatalf("write to a client that reads nothing: %d bytes, %v, after %v; want a timeout after 200-300 ms", n, err, took)
	}
	if took, timedOut := readTimesOut(tc); !timedOut || took > clockTick/2 {
		t.Fatalf("SetDeadline left the read deadline unset: read timed out %v after %v", timedOut, took)
	}
}

// TestLazyDeadlineRaces: deadlines set from one goroutine while the tick
// expires them from another (run with -race): the last one set is the
// one that holds.
func TestLazyDeadlineRaces(t *testing.T) {
	tc, client, l := tcpPair(t, false)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !closed(stop) {
			l.expire(time.Now().UnixNano())
		}
	}()
	for i := range 2000 {
		switch i % 3 {
		case 0:
			tc.SetReadDeadline(time.Now())
		case 1:
			tc.SetReadDeadline(time.Now().Add(-time.Second))
		default:
			tc.SetReadDeadline(time.Now().Add(time.Hour))
		}
	}
	tc.SetReadDeadline(time.Time{})
	close(stop)
	wg.Wait()
	go func() { time.Sleep(2 * clockTick); client.Write([]byte("a")) }()
	if took, timedOut := readTimesOut(tc); timedOut {
		t.Fatalf("a stale deadline held after the last one cleared it: timed out after %v", took)
	}
}

func TestUnixNano(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want int64
	}{
		{time.Time{}, 0},
		{time.Unix(0, 0), 1}, // the epoch is a deadline long past, not none
		{time.Unix(1, 0), 1e9},
		{time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC), 1},
		{time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 1<<63 - 1},
	} {
		if got := unixNano(c.t); got != c.want {
			t.Errorf("unixNano(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}

// BenchmarkDeadlines: the deadlines net/http sets on a kept-alive
// connection for each request (read: the idle timeout, none, the header
// timeout, the whole request's; write: the write timeout), given to the
// socket each time, or kept by a trackedConn until they pass.
func BenchmarkDeadlines(b *testing.B) {
	server, _ := loopback(b)
	var clock coarseClock
	clock.Store(time.Now().UnixNano())
	perRequest := func(b *testing.B, c net.Conn) {
		b.ReportAllocs()
		for b.Loop() {
			now := time.Now()
			c.SetReadDeadline(now.Add(120 * time.Second))
			c.SetReadDeadline(time.Time{})
			c.SetReadDeadline(now.Add(5 * time.Second))
			c.SetReadDeadline(now.Add(10 * time.Second))
			c.SetWriteDeadline(now.Add(30 * time.Second))
		}
	}
	b.Run("socket", func(b *testing.B) { perRequest(b, server) })
	b.Run("lazy", func(b *testing.B) {
		perRequest(b, &trackedConn{TCPConn: server, clock: &clock})
	})
}

// TestLazyDeadlineTwoSetters: two goroutines set the same deadline at once
// (a handler's http.ResponseController from another goroutine, or
// sender.cut racing the serve goroutine): one a past deadline (lock path),
// the other a future one or none (fast path). Afterwards the socket must
// hold what the in-memory state says. A stress test: the interleaving it
// looks for is rare (set's locked path reading at before taking the
// socket, as it once did, failed about one run in seven).
func TestLazyDeadlineTwoSetters(t *testing.T) {
	var applied int64 // what the "socket" holds, guarded by d.mu
	apply := func(_ net.Conn, t time.Time) error {
		applied = unixNano(t)
		return nil
	}
	now := time.Now().UnixNano()
	future := time.Now().Add(time.Hour)
	bad := 0
	for i := range 200000 {
		var d lazyDeadline
		applied = 0
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(2)
		go func() { defer wg.Done(); <-start; d.set(time.Unix(1, 0), now, apply, nil) }()
		go func() {
			defer wg.Done()
			<-start
			runtime.Gosched()
			if i%2 == 0 {
				d.set(future, now, apply, nil)
			} else {
				d.set(time.Time{}, now, apply, nil)
			}
		}()
		close(start)
		wg.Wait()
		at, sock := d.at.Load(), d.socket.Load()
		if at != 1e9 && applied == 1e9 { // the socket holds the past deadline, the memory a later one
			bad++
			if bad == 1 {
				t.Errorf("iteration %d: at=%d socket=%v, socket holds %d (a passed deadline that was replaced)", i, at, sock, applied)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of 200000 runs left a stale past deadline on the socket", bad)
	}
}
