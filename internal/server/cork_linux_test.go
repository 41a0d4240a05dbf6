package server

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// corkSpy is a connection that records, at each write net/http makes to
// it, whether its socket was corked then.
type corkSpy struct {
	*net.TCPConn
	mu     sync.Mutex
	corked []bool // one for each write, in order
}

func (c *corkSpy) Write(b []byte) (int, error) {
	c.note()
	return c.TCPConn.Write(b)
}

// ReadFrom is net/http's path to sendfile(2).
func (c *corkSpy) ReadFrom(r io.Reader) (int64, error) {
	c.note()
	return c.TCPConn.ReadFrom(r)
}

func (c *corkSpy) note() {
	on := false
	if raw, err := c.TCPConn.SyscallConn(); err == nil {
		raw.Control(func(fd uintptr) {
			v, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK)
			on = err == nil && v == 1
		})
	}
	c.mu.Lock()
	c.corked = append(c.corked, on)
	c.mu.Unlock()
}

// take returns the writes recorded since the last take.
func (c *corkSpy) take() []bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.corked
	c.corked = nil
	return out
}

// spyListener accepts connections as corkSpies, and hands each to the
// test.
type spyListener struct {
	net.Listener
	spies chan *corkSpy
}

func (l spyListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	spy := &corkSpy{TCPConn: c.(*net.TCPConn)}
	l.spies <- spy
	return spy, nil
}

// spiedServer serves h over loopback as serve does (each request's
// connection in its context), on connections that record their cork, and
// returns its address and the channel of its connections.
func spiedServer(t *testing.T, h http.Handler) (string, chan *corkSpy) {
	t.Helper()
	hs := httptest.NewUnstartedServer(h)
	spies := make(chan *corkSpy, 16)
	hs.Listener = spyListener{hs.Listener, spies}
	hs.Config.ConnContext = WithConn
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL, spies
}

// TestLargeBodiesCorked: a feed of corkAbove or more goes out corked, its
// headers with it, whether written or sent with sendfile, on the common
// path or a conditional request's; a smaller one after it on the same
// connection goes out uncorked (the cork was taken off), as does a HEAD;
// and the bodies are whole.
func TestLargeBodiesCorked(t *testing.T) {
	yaml := synthYAML(t, 300)
	for _, sendfile := range []bool{false, true} {
		t.Run("sendfile="+strconv.FormatBool(sendfile), func(t *testing.T) {
			s := serverOf(t, yaml, Options{Sendfile: sendfile})
			small := "/tracks/" + s.state.Load().cal.Tracks[0].ID + ".ics"
			url, spies := spiedServer(t, s)
			tr := &http.Transport{DisableCompression: true, MaxConnsPerHost: 1}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			var spy *corkSpy
			for _, tc := range []struct {
				method, path string
				ifMatch      string // the rarer conditional path (http.ServeContent)
				large        bool
			}{
				{http.MethodGet, "/calendar.ics", "", true},
				{http.MethodGet, small, "", false},
				{http.MethodGet, "/calendar.ics", "", true},
				{http.MethodHead, "/calendar.ics", "", false},
				{http.MethodGet, small, "", false},
				{http.MethodGet, "/calendar.ics", "*", true},
				{http.MethodGet, small, "*", false},
			} {
				req, _ := http.NewRequest(tc.method, url+tc.path, nil)
				if tc.ifMatch != "" {
					req.Header.Set("If-Match", tc.ifMatch)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("%s %s: status %d, %v", tc.method, tc.path, resp.StatusCode, err)
				}
				if tc.method == http.MethodGet {
					want := get(t, s, tc.path, nil).Body.Bytes()
					if !bytes.Equal(body, want) {
						t.Fatalf("GET %s: %d bytes, not the %d served in process", tc.path, len(body), len(want))
					}
					if large := len(body) >= corkAbove; large != tc.large {
						t.Fatalf("GET %s: %d bytes; the test wants it %v corkAbove (%d)", tc.path, len(body), map[bool]string{true: "at least", false: "under"}[tc.large], corkAbove)
					}
				}
				if spy == nil {
					spy = <-spies
				}
				writes := spy.take()
				if len(writes) == 0 {
					t.Fatalf("%s %s: no write recorded", tc.method, tc.path)
				}
				for i, corked := range writes {
					if corked != tc.large {
						t.Errorf("%s %s: write %d of %d corked = %v, want %v", tc.method, tc.path, i+1, len(writes), corked, tc.large)
					}
				}
			}
			select {
			case <-spies:
				t.Error("the requests took more than one connection")
			default:
			}
		})
	}
}

// TestCorkForFlushesBeforeUncork: what net/http still holds in its buffer
// when the cork comes off goes out under it, not after, through the
// writers the server wraps a response in (the request log's, the private
// headers', the budget's progress); corkFor gives no cork without a
// connection in the context, nor on an HTTP/2 stream, which shares its
// connection with others.
func TestCorkForFlushesBeforeUncork(t *testing.T) {
	url, spies := spiedServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &privateWriter{ResponseWriter: &statusWriter{ResponseWriter: w}}
		w.Header().Set("Content-Length", "100")
		uncork := corkFor(w, r)
		if uncork == nil {
			t.Error("corkFor: nil on a TCP connection")
			return
		}
		out := progressWriter{w, &sender{}}
		out.Write(bytes.Repeat([]byte("x"), 100)) // held in net/http's buffer
		uncork()
	}))
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(body) != 100 {
		t.Fatalf("body of %d bytes, want 100", len(body))
	}
	writes := (<-spies).take()
	if len(writes) != 1 || !writes[0] {
		t.Errorf("writes corked: %v, want [true] (the headers and body in one write, under the cork)", writes)
	}

	if uncork := corkFor(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)); uncork != nil {
		t.Error("corkFor: not nil for a request with no connection in its context")
	}
	c, peer := loopbackPair(t)
	for _, major := range []int{1, 2} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r = r.WithContext(WithConn(r.Context(), c))
		r.ProtoMajor = major
		uncork := corkFor(httptest.NewRecorder(), r)
		if got, want := uncork != nil, major == 1; got != want {
			t.Errorf("corkFor on HTTP/%d: a cork %v, want %v", major, got, want)
		}
		if uncork != nil {
			uncork()
		}
	}
	peer.Close()
}

// loopbackPair returns the two ends of a TCP connection over loopback.
func loopbackPair(t *testing.T) (*net.TCPConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn), peer
}
