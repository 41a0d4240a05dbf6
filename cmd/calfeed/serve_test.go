package main

import (
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freePort returns a port that was free a moment ago. run takes its address
// from flags and environment only, so the test must choose one.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// running is a `calfeed serve` running in the test.
type running struct {
	cancel context.CancelFunc
	done   chan error // receives what run returned
	stderr *syncBuffer
}

// startServe calls run(serve) in a goroutine. The test's cleanup stops it.
func startServe(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &running{cancel: cancel, done: make(chan error, 1), stderr: &syncBuffer{}}
	go func() {
		s.done <- run(ctx, append([]string{"serve"}, args...), io.Discard, s.stderr, fakeEnv(env))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
		}
	})
	return s
}

// waitHealthy polls base/healthz until it answers 200, failing if run
// returns first or nothing answers within 5 s.
func (s *running) waitHealthy(t *testing.T, base string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve returned before it was healthy: %v; stderr:\n%s", err, s.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s/healthz: no 200 within 5s (last error %v); stderr:\n%s", base, err, s.stderr)
		}
	}
}

// stop cancels run's context and returns what run returned, failing if it
// does not return promptly.
func (s *running) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(3 * time.Second):
		t.Fatalf("serve: run did not return within 3s of its context being cancelled; stderr:\n%s", s.stderr)
		return nil
	}
}

// fetch GETs url and returns the response with its body read.
func fetch(t *testing.T, client *http.Client, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp, string(body)
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	config := fixture(t, "valid.yaml", dir, "events.yaml")
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	s := startServe(t, nil, "-config", config, "-addr", "127.0.0.1:"+port)
	s.waitHealthy(t, base)

	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, body := fetch(t, client, base+"/calendar.ics", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /calendar.ics: status = %d, want 200; body:\n%s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("GET /calendar.ics: Content-Type = %q, want text/calendar; charset=utf-8", ct)
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "UID:opening@cmdtest\r\n", "UID:forum@cmdtest\r\n", "END:VCALENDAR\r\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("GET /calendar.ics: body does not contain %q; body:\n%s", want, body)
		}
	}
	// Without -gzip a feed is never compressed, even when the client asks.
	resp, _ = fetch(t, client, base+"/calendar.ics", http.Header{"Accept-Encoding": {"gzip"}})
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("GET /calendar.ics (Accept-Encoding: gzip) without -gzip: Content-Encoding = %q, want none", ce)
	}

	start := time.Now()
	if err := s.stop(t); err != nil {
		t.Errorf("serve after its context was cancelled: run = %v, want nil; stderr:\n%s", err, s.stderr)
	}
	t.Logf("shut down in %v", time.Since(start))
	if _, err := client.Get(base + "/healthz"); err == nil {
		t.Errorf("GET /healthz after shutdown: got an answer, want the server gone")
	}
}

func TestServeGzip(t *testing.T) {
	dir := t.TempDir()
	config := fixture(t, "valid.yaml", dir, "events.yaml")
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	s := startServe(t, nil, "-config", config, "-addr", "127.0.0.1:"+port, "-gzip")
	s.waitHealthy(t, base)

	// A transport that leaves Content-Encoding for the test to see.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	resp, body := fetch(t, client, base+"/calendar.ics", http.Header{"Accept-Encoding": {"gzip"}})
	if ce := resp.Header.Get("Content-Encoding"); ce != "gzip" {
		t.Fatalf("GET /calendar.ics (Accept-Encoding: gzip) with -gzip: Content-Encoding = %q, want gzip", ce)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("GET /calendar.ics with -gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(plain), "UID:opening@cmdtest\r\n") {
		t.Errorf("GET /calendar.ics with -gzip: gunzipped body (error %v) does not hold the feed:\n%s", err, plain)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("serve -gzip after its context was cancelled: run = %v, want nil", err)
	}
}

// TestServeAddress checks where serve listens: -addr, else $CALFEED_ADDR,
// else :$PORT. The settings that must lose are unusable, so choosing one
// makes run fail at once.
func TestServeAddress(t *testing.T) {
	dir := t.TempDir()
	config := fixture(t, "valid.yaml", dir, "events.yaml")
	tests := []struct {
		name string
		args func(port string) []string
		env  func(port string) map[string]string
	}{
		{
			name: "-addr over CALFEED_ADDR and PORT",
			args: func(port string) []string { return []string{"-config", config, "-addr", "127.0.0.1:" + port} },
			env: func(port string) map[string]string {
				return map[string]string{"CALFEED_ADDR": "not an address", "PORT": "not-a-port"}
			},
		},
		{
			name: "CALFEED_ADDR over PORT",
			args: func(port string) []string { return nil },
			env: func(port string) map[string]string {
				return map[string]string{"CALFEED_CONFIG": config, "CALFEED_ADDR": "127.0.0.1:" + port, "PORT": "not-a-port"}
			},
		},
		{
			name: "PORT",
			args: func(port string) []string { return nil },
			env: func(port string) map[string]string {
				return map[string]string{"CALFEED_CONFIG": config, "PORT": port}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			s := startServe(t, tc.env(port), tc.args(port)...)
			s.waitHealthy(t, "http://127.0.0.1:"+port)
			if err := s.stop(t); err != nil {
				t.Errorf("serve: run = %v, want nil", err)
			}
		})
	}
}

func TestServeInvalid(t *testing.T) {
	dir := t.TempDir()
	invalid := fixture(t, "invalid.yaml", dir, "events.yaml")
	s := startServe(t, nil, "-config", invalid, "-addr", "127.0.0.1:0")
	var err error
	select {
	case err = <-s.done:
		s.done <- err
	case <-time.After(5 * time.Second):
		t.Fatalf("serve -config %s: still running after 5s, want it to fail", invalid)
	}
	if code := exitCode(err, io.Discard); code != 1 {
		t.Errorf("serve -config %s: error %v, exit %d, want exit 1", invalid, err, code)
	}
	checkProblems(t, "calfeed serve", invalid, s.stderr.String())

	missing := dir + "/nope.yaml"
	r := runCmd(t, nil, "serve", "-config", missing, "-addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, missing) {
		t.Errorf("serve -config %s: exit %d, stderr %q; want exit 1 and the file named", missing, r.code, r.stderr)
	}
}

// TestServeWarnsPrivateBase: served without a public https address, the
// log says at start that Google and Outlook cannot subscribe.
func TestServeWarnsPrivateBase(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no public address given"},
		{[]string{"-base-url", "http://calendar.example.org"}, "http://calendar.example.org is not a public https address"},
		{[]string{"-base-url", "https://calendar.example.org"}, ""},
	} {
		port := freePort(t)
		s := startServe(t, nil, append([]string{"-config", "../../events.yaml", "-addr", "127.0.0.1:" + port}, tc.args...)...)
		s.waitHealthy(t, "http://127.0.0.1:"+port)
		if tc.want != "" {
			waitLog(t, s, tc.want)
		} else {
			waitLog(t, s, "msg=serving")
			if strings.Contains(s.stderr.String(), "public https") || strings.Contains(s.stderr.String(), "no public address") {
				t.Errorf("%v: a warning for a public https address:\n%s", tc.args, s.stderr)
			}
		}
		s.stop(t)
	}
}
