package deadline

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pair returns the two ends of a loopback TCP connection: the server's,
// accepted through ln wrapped by Listener, and the client's.
func pair(t *testing.T, wrap func(net.Listener) net.Listener) (*Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if wrap != nil {
		ln = wrap(ln)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	// A small receive buffer, which the kernel does not grow: a large
	// write waits for the client to read.
	client.(*net.TCPConn).SetReadBuffer(256 << 10)
	t.Cleanup(func() { client.Close() })
	c, err := Listener(ln).Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*Conn), client
}

// readOne reads one byte from c, as a server awaiting a request would.
func readOne(c net.Conn) (byte, error) {
	var b [1]byte
	_, err := io.ReadFull(c, b[:])
	return b[0], err
}

// later writes b to c after d.
func later(c net.Conn, d time.Duration, b []byte) {
	time.AfterFunc(d, func() { c.Write(b) })
}

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

func TestReadDeadlines(t *testing.T) {
	t.Run("a deadline fires, not before", func(t *testing.T) {
		c, _ := pair(t, nil)
		start := time.Now()
		c.SetReadDeadline(start.Add(200 * time.Millisecond))
		if _, err := readOne(c); !isTimeout(err) {
			t.Fatalf("read with nothing sent: %v, want the deadline exceeded", err)
		}
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("the 200ms deadline fired after %v", d)
		}
	})
	t.Run("a deadline passed fails the next read at once", func(t *testing.T) {
		c, client := pair(t, nil)
		client.Write([]byte("x"))
		c.SetReadDeadline(time.Unix(1, 0))
		if _, err := readOne(c); !isTimeout(err) {
			t.Fatalf("read past its deadline: %v, want the deadline exceeded", err)
		}
	})
	t.Run("a deadline set during a read ends it", func(t *testing.T) {
		c, _ := pair(t, nil)
		c.SetReadDeadline(time.Time{})
		errc := make(chan error, 1)
		go func() { _, err := readOne(c); errc <- err }()
		time.Sleep(100 * time.Millisecond) // the read is under way
		c.SetReadDeadline(time.Unix(1, 0))
		select {
		case err := <-errc:
			if !isTimeout(err) {
				t.Fatalf("read: %v, want the deadline exceeded", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a deadline in the past, set during a read, did not end it")
		}
	})
	t.Run("a later deadline outlasts the earlier one on the connection", func(t *testing.T) {
		c, client := pair(t, nil)
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		client.Write([]byte("a"))
		if _, err := readOne(c); err != nil { // the 100ms deadline is on the connection
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		later(client, 400*time.Millisecond, []byte("b"))
		if b, err := readOne(c); err != nil || b != 'b' {
			t.Fatalf("read = %q, %v; want b, sent after the first deadline and before the second", b, err)
		}
	})
	t.Run("no deadline after one", func(t *testing.T) {
		c, client := pair(t, nil)
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		client.Write([]byte("a"))
		if _, err := readOne(c); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Time{})
		later(client, 400*time.Millisecond, []byte("b"))
		if b, err := readOne(c); err != nil || b != 'b' {
			t.Fatalf("read = %q, %v; want b: no deadline was set", b, err)
		}
	})
	t.Run("an earlier deadline replaces a later one", func(t *testing.T) {
		c, client := pair(t, nil)
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		client.Write([]byte("a"))
		if _, err := readOne(c); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c.SetReadDeadline(start.Add(200 * time.Millisecond))
		if _, err := readOne(c); !isTimeout(err) {
			t.Fatalf("read: %v, want the deadline exceeded", err)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 10*time.Second {
			t.Errorf("the 200ms deadline fired after %v (the 30s one was on the connection)", d)
		}
	})
	t.Run("SetDeadline sets reads' too", func(t *testing.T) {
		c, _ := pair(t, nil)
		c.SetDeadline(time.Unix(1, 0))
		if _, err := readOne(c); !isTimeout(err) {
			t.Fatalf("read past SetDeadline's: %v, want the deadline exceeded", err)
		}
	})
}

// big is more than loopback TCP buffers hold: a write of it waits for the
// peer to read.
const big = 16 << 20

// drain reads everything from c after d, and returns it on the channel.
func drain(c net.Conn, d time.Duration) <-chan []byte {
	out := make(chan []byte, 1)
	go func() {
		time.Sleep(d)
		b, _ := io.ReadAll(c)
		out <- b
	}()
	return out
}

// fileOf is a file holding b, open for reading.
func fileOf(t *testing.T, b []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "feed.ics")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestWriteDeadlines(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), big/16)
	t.Run("a deadline fires on a write the peer does not read", func(t *testing.T) {
		c, _ := pair(t, nil)
		start := time.Now()
		c.SetWriteDeadline(start.Add(300 * time.Millisecond))
		n, err := c.Write(payload)
		if !isTimeout(err) || n >= len(payload) {
			t.Fatalf("write = %d, %v; want part of it and the deadline exceeded", n, err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("the 300ms deadline fired after %v", d)
		}
	})
	t.Run("a later deadline outlasts the earlier one on the connection", func(t *testing.T) {
		c, client := pair(t, nil)
		c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Write([]byte("a")); err != nil { // the 100ms deadline is on the connection
			t.Fatal(err)
		}
		c.SetWriteDeadline(time.Now().Add(60 * time.Second))
		got := drain(client, 500*time.Millisecond)
		n, err := c.Write(payload)
		if err != nil || n != len(payload) {
			t.Fatalf("write = %d, %v; want all %d bytes: the peer read them before the second deadline", n, err, len(payload))
		}
		c.Close()
		if b := <-got; !bytes.Equal(b, append([]byte("a"), payload...)) {
			t.Errorf("the peer read %d bytes, want %d, in order", len(b), 1+len(payload))
		}
	})
	t.Run("ReadFrom a file, the same", func(t *testing.T) {
		f := fileOf(t, payload)
		c, client := pair(t, nil)
		c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Write([]byte("a")); err != nil {
			t.Fatal(err)
		}
		c.SetWriteDeadline(time.Now().Add(60 * time.Second))
		got := drain(client, 500*time.Millisecond)
		n, err := c.ReadFrom(f)
		if err != nil || n != int64(len(payload)) {
			t.Fatalf("ReadFrom = %d, %v; want all %d bytes", n, err, len(payload))
		}
		c.Close()
		if b := <-got; !bytes.Equal(b, append([]byte("a"), payload...)) {
			t.Errorf("the peer read %d bytes, want %d, in order", len(b), 1+len(payload))
		}
	})
	t.Run("ReadFrom a file ends at its deadline", func(t *testing.T) {
		f := fileOf(t, payload)
		c, _ := pair(t, nil)
		start := time.Now()
		c.SetWriteDeadline(start.Add(300 * time.Millisecond))
		if n, err := c.ReadFrom(f); !isTimeout(err) || n >= int64(len(payload)) {
			t.Fatalf("ReadFrom = %d, %v; want part of it and the deadline exceeded", n, err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("the 300ms deadline fired after %v", d)
		}
	})
}

// counting counts the deadlines set on its listener's connections.
type counting struct {
	net.Listener
	sets atomic.Int64
}

func (l *counting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, &l.sets}, nil
}

type countingConn struct {
	net.Conn
	sets *atomic.Int64
}

func (c countingConn) SetReadDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetReadDeadline(t)
}

func (c countingConn) SetWriteDeadline(t time.Time) error {
	c.sets.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// serve serves h with timeouts on a listener whose deadlines are
// counted, lazy or not.
func serve(t *testing.T, lazy bool, h http.Handler, timeout time.Duration) (string, *counting) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &counting{Listener: ln}
	var l net.Listener = cl
	if lazy {
		l = Listener(cl)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: timeout, ReadTimeout: 2 * timeout, WriteTimeout: 3 * timeout, IdleTimeout: 4 * timeout}
	var wg sync.WaitGroup
	wg.Go(func() { hs.Serve(l) })
	t.Cleanup(func() { hs.Close(); wg.Wait() })
	return ln.Addr().String(), cl
}

// TestFewerDeadlines checks what the package is for: net/http with
// timeouts sets eight deadlines a request on keep-alive connections; the
// connection underneath gets about two.
func TestFewerDeadlines(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	const requests = 200
	perRequest := map[bool]float64{}
	for _, lazy := range []bool{false, true} {
		addr, cl := serve(t, lazy, ok, 30*time.Second)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
		for range requests {
			resp, err := client.Get("http://" + addr + "/")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "ok" {
				t.Fatalf("body %q", b)
			}
		}
		client.CloseIdleConnections()
		perRequest[lazy] = float64(cl.sets.Load()) / requests
	}
	t.Logf("deadlines set on the connection per request: %.1f as net/http sets them, %.1f lazily", perRequest[false], perRequest[true])
	if perRequest[true] > 3 || perRequest[true] > perRequest[false]/2 {
		t.Errorf("lazily, %.1f deadlines set per request; want at most 3 and half of net/http's %.1f", perRequest[true], perRequest[false])
	}
}

// TestServerTimeouts checks that net/http's timeouts still end what they
// should through lazy deadlines: a request header sent too slowly, an
// idle keep-alive connection, a response its client does not read.
func TestServerTimeouts(t *testing.T) {
	const timeout = 300 * time.Millisecond
	large := strings.Repeat("x", big)
	addr, _ := serve(t, true, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/large" {
			io.WriteString(w, large)
			return
		}
		io.WriteString(w, "ok")
	}), timeout)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedWithin waits for the server to close c, at most d.
	closedWithin := func(c net.Conn, d time.Duration) (time.Duration, bool) {
		start := time.Now()
		c.SetReadDeadline(start.Add(d))
		_, err := io.Copy(io.Discard, c)
		return time.Since(start), err == nil
	}

	t.Run("header too slow", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET / HTTP/1.1\r\n")
		if d, ok := closedWithin(c, 20*timeout); !ok || d < timeout/2 {
			t.Errorf("a header never finished: closed %v after, %v; want closed after ReadHeaderTimeout", d, ok)
		}
	})
	t.Run("idle", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		start := time.Now()
		c.SetReadDeadline(start.Add(40 * timeout))
		_, err = io.Copy(io.Discard, br)
		if d := time.Since(start); err != nil || d < 2*timeout {
			t.Errorf("an idle connection: closed %v after its response, %v; want closed after IdleTimeout (%v)", d, err, 4*timeout)
		}
	})
	t.Run("response not read", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET /large HTTP/1.1\r\nHost: x\r\n\r\n")
		time.Sleep(6 * timeout) // past WriteTimeout, reading nothing
		start := time.Now()
		n, err := io.Copy(io.Discard, c)
		if err != nil || n >= int64(len(large)) {
			t.Errorf("a response not read: got %d of %d bytes, %v; want it cut off after WriteTimeout", n, len(large), err)
		}
		if d := time.Since(start); d > 20*timeout {
			t.Errorf("reading what was sent before WriteTimeout took %v", d)
		}
	})
	t.Run("requests on one connection", func(t *testing.T) {
		c := dial()
		br := bufio.NewReader(c)
		for i := range 5 {
			// Each request after the first comes more than the header
			// timeout after the last, within IdleTimeout.
			if i > 0 {
				time.Sleep(timeout + timeout/2)
			}
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("request %d, %v after the last: %v", i, timeout+timeout/2, err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "ok" {
				t.Fatalf("request %d: body %q", i, b)
			}
		}
	})
}
