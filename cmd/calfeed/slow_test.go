package main

import (
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowClients opens many connections that send their headers one byte
// at a time (slowloris) and shows that the server still answers others
// promptly, then drops the slow ones once ReadHeaderTimeout passes.
// Loopback only; bounded in count and time.
func TestSlowClients(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	if testing.Short() {
		t.Skip("takes about ReadHeaderTimeout")
	}
	s := startServe(t, nil, "-config", "../../events.yaml")
	addr := strings.TrimPrefix(s.base, "http://")

	const slow = 200
	const header = "GET /calendar.ics HTTP/1.1\r\nHost: localhost\r\nUser-Agent: slow\r\nX-Padding: " +
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
	var dropped atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	conns := make([]net.Conn, 0, slow)
	for range slow {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	start := time.Now()
	for _, c := range conns {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			for i := 0; i < len(header); i++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := c.Write([]byte{header[i]}); err != nil {
					dropped.Add(1) // the server closed it
					return
				}
			}
		}(c)
	}

	// Others are served promptly while the slow ones dribble.
	client := &http.Client{Timeout: 2 * time.Second}
	for i := range 20 {
		t0 := time.Now()
		resp, err := client.Get("http://" + addr + "/tracks/gender.ics")
		if err != nil {
			t.Fatalf("request %d during the slow clients: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
		if d := time.Since(t0); d > time.Second {
			t.Errorf("request %d took %v with slow clients connected", i, d)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// After ReadHeaderTimeout (5s) the server hangs up on every slow client:
	// reading gives EOF or a reset.
	readDeadline := start.Add(8 * time.Second)
	closed := 0
	for _, c := range conns {
		c.SetReadDeadline(readDeadline)
		buf := make([]byte, 512)
		for {
			_, err := c.Read(buf)
			if err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					break
				}
				closed++
				break
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d slow connections; %d closed by the server within %v", slow, closed, time.Since(start).Round(time.Second))
	if closed != slow {
		t.Errorf("server closed %d of %d slow connections; the rest held on past ReadHeaderTimeout", closed, slow)
	}
}
