package main

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestServe(t *testing.T) {
	dir := t.TempDir()
	config := fixture(t, "valid.yaml", dir, "events.yaml")
	s := startServe(t, nil, "-config", config)
	base := s.base

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
	s := startServe(t, nil, "-config", config, "-gzip")
	base := s.base

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

// TestServeRequestLog: a line for every request by default; with
// -request-log=false none for requests answered, in either log format,
// while the rest of the log stays.
func TestServeRequestLog(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		requests bool
	}{
		{nil, true},
		{[]string{"-request-log=false"}, false},
		{[]string{"-request-log=false", "-log-format", "json"}, false},
		{[]string{"-log-format", "json"}, true},
	} {
		t.Run(strings.Join(append([]string{"serve"}, tc.args...), " "), func(t *testing.T) {
			config := fixture(t, "valid.yaml", t.TempDir(), "events.yaml")
			s := startServe(t, nil, append([]string{"-config", config}, tc.args...)...)
			client := &http.Client{Timeout: 5 * time.Second}
			defer client.CloseIdleConnections()
			for _, target := range []string{"/calendar.ics", "/tracks/nope.ics"} {
				resp, err := client.Get(s.base + target)
				if err != nil {
					t.Fatalf("GET %s: %v", target, err)
				}
				resp.Body.Close()
			}
			if err := s.stop(t); err != nil {
				t.Fatalf("serve: %v", err)
			}
			logs := s.stderr.String()
			for _, path := range []string{"/calendar.ics", "/tracks/nope.ics"} {
				logged := strings.Contains(logs, "path="+path+" ") || strings.Contains(logs, `"path":"`+path+`"`)
				if logged != tc.requests {
					t.Errorf("request for %s logged: %v, want %v; log:\n%s", path, logged, tc.requests, logs)
				}
			}
			if !strings.Contains(logs, "serving") {
				t.Errorf("log has no serving line; log:\n%s", logs)
			}
			// The page to open (here the server listens on 127.0.0.1).
			if open := s.base + "/"; !strings.Contains(logs, "url="+open) && !strings.Contains(logs, `"url":"`+open+`"`) {
				t.Errorf("the serving line lacks url %s; log:\n%s", open, logs)
			}
			if slices.Contains(tc.args, "json") {
				for line := range strings.Lines(logs) {
					if !json.Valid([]byte(line)) {
						t.Errorf("-log-format json wrote a line that is not JSON: %s", line)
					}
				}
			}
		})
	}
}

// TestServeAddress: -addr, else CALFEED_ADDR, else :$PORT; each given as
// port 0, and the port the system chose is served. The settings that must
// lose are unusable, so choosing one would make run fail at once.
func TestServeAddress(t *testing.T) {
	dir := t.TempDir()
	config := fixture(t, "valid.yaml", dir, "events.yaml")
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"-addr over CALFEED_ADDR and PORT", []string{"-config", config, "-addr", "127.0.0.1:0"},
			map[string]string{"CALFEED_ADDR": "not an address", "PORT": "not-a-port"}},
		{"CALFEED_ADDR over PORT", nil, map[string]string{"CALFEED_CONFIG": config, "CALFEED_ADDR": "127.0.0.1:0", "PORT": "not-a-port"}},
		{"PORT", nil, map[string]string{"CALFEED_CONFIG": config, "PORT": "0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startServe(t, tc.env, tc.args...)
			if err := s.stop(t); err != nil {
				t.Errorf("serve: run = %v, want nil", err)
			}
		})
	}
}

// TestServeAddressInUse: an address another program listens on is
// refused with what to do.
func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	config := fixture(t, "valid.yaml", t.TempDir(), "events.yaml")
	r := runCmd(t, nil, "serve", "-config", config, "-addr", ln.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "address already in use: another program (or calfeed) listens on "+ln.Addr().String()+"; stop it, or give another address with -addr") {
		t.Errorf("serve on a busy address: exit %d, stderr %q; want exit 1 and what to do", r.code, r.stderr)
	}
}

func TestServeInvalid(t *testing.T) {
	dir := t.TempDir()
	invalid := fixture(t, "invalid.yaml", dir, "events.yaml")
	s := launchServe(t, nil, "-config", invalid)
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
		s := startServe(t, nil, append([]string{"-config", "../../events.yaml"}, tc.args...)...)
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

// TestServeSendfileFlag: -sendfile reaches the server's options; without
// it, large feeds are written from memory (see server.Options.Sendfile).
func TestServeSendfileFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"events.yaml"}, false},
		{[]string{"-sendfile", "events.yaml"}, true},
		{[]string{"-sendfile=false", "events.yaml"}, false},
	} {
		c, err := parseServe(tc.args, io.Discard, func(string) string { return "" })
		if err != nil {
			t.Fatalf("serve %v: %v", tc.args, err)
		}
		if got := c.serverOptions(nil, io.Discard).Sendfile; got != tc.want {
			t.Errorf("serve %v: Sendfile %v, want %v", tc.args, got, tc.want)
		}
	}
}
