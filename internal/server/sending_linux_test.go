package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSlowClientsCutOffOverTCP: clients that ask for responses rendered on
// demand and read nothing, over real connections with small receive
// windows, hold the budget until a new rendering needs it; then they are
// cut off (the write deadline reached through the request log's writer
// and net/http's), their connections end short of the body, and the new
// rendering is served.
func TestSlowClientsCutOffOverTCP(t *testing.T) {
	s := serverOf(t, synthYAML(t, 6000), Options{CacheSize: 256 << 10})
	st := s.state.Load()
	b := st.cache.budget
	b.mu.Lock()
	b.stall = 300 * time.Millisecond
	b.mu.Unlock()
	hs := httptest.NewUnstartedServer(s)
	hs.Config.WriteTimeout = WriteTimeout
	hs.Start()
	defer hs.Close()

	_, combination := reminderCombinations(st)
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var err error
		c.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	addr := strings.TrimPrefix(hs.URL, "http://")
	var slow []net.Conn
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	next := 0
	for deadline := time.Now().Add(20 * time.Second); !b.full(); next++ {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients reading nothing hold %d bytes in %d responses, not the budget", len(slow), b.sending.Load(), b.responses.Load())
		}
		c, err := dialer.DialContext(context.Background(), "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		slow = append(slow, c)
		before := b.responses.Load()
		io.WriteString(c, "GET "+combination(next)+" HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
		// Until its response is counted as being sent.
		for b.responses.Load() == before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	time.Sleep(400 * time.Millisecond) // past the stall time

	resp, err := http.Get(hs.URL + combination(next))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasSuffix(string(body), "END:VCALENDAR\r\n") {
		t.Fatalf("a new rendering with the budget held by clients reading nothing: status %d, %d bytes, %v", resp.StatusCode, len(body), err)
	}
	if b.cut.Load() == 0 {
		t.Fatal("no response was cut off")
	}
	// A client cut off gets its response short of the length it was told.
	cut := 0
	for _, c := range slow {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if n < resp.ContentLength {
			cut++
		} else if err != nil {
			t.Errorf("a response sent whole: %v", err)
		}
	}
	if int64(cut) != b.cut.Load() {
		t.Errorf("%d responses ended short, %d cut off", cut, b.cut.Load())
	}
	resp, err = http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := "\ncalfeed_responses_cut_total " + strconv.Itoa(cut) + "\n"; !strings.Contains(string(metrics), want) {
		t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
	}
}
