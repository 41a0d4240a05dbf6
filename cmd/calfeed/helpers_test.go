package main

// The test harness of this package: run as main calls it, a serve running
// in the test on a port of its own, and what the tests read of it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// loopback returns both ends of a new loopback TCP connection, closed
// when the test ends.
func loopback(tb testing.TB) (server *net.TCPConn, client net.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	s, err := ln.Accept()
	if err != nil {
		client.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { client.Close(); s.Close() })
	return s.(*net.TCPConn), client
}

// fakeEnv is a getenv that sees only vars.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// syncBuffer is a bytes.Buffer that a running server may write to while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Cap is the memory the buffer holds.
func (b *syncBuffer) Cap() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Cap()
}

// runResult is what one call of run did.
type runResult struct {
	err            error
	code           int // exitCode(err)
	stdout, stderr string
}

// runCmd calls run as main would, with the given environment.
func runCmd(t *testing.T, env map[string]string, args ...string) runResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr, fakeEnv(env))
	code := exitCode(err, &stderr)
	return runResult{err: err, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// running is a `calfeed serve` running in the test.
type running struct {
	cancel context.CancelFunc
	done   chan error // receives what run returned
	stderr *syncBuffer
	addrs  chan net.Addr
	base   string // http://ADDR, once it listens (see startServe)
}

// launchServe calls run(serve) in a goroutine and returns at once. Without
// an -addr (or CALFEED_ADDR or PORT) it listens on a port of 127.0.0.1 the
// system chooses. The test's cleanup stops it.
func launchServe(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	if !slices.Contains(args, "-addr") && env["CALFEED_ADDR"] == "" && env["PORT"] == "" {
		args = append(args, "-addr", "127.0.0.1:0")
	}
	s := &running{done: make(chan error, 1), stderr: &syncBuffer{}, addrs: make(chan net.Addr, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	ctx = context.WithValue(ctx, listeningKey{}, func(a net.Addr) { s.addrs <- a })
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

// startServe is launchServe, then waits until the server listens and
// answers /healthz; s.base is its address.
func startServe(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	s := launchServe(t, env, args...)
	select {
	case a := <-s.addrs:
		port := a.(*net.TCPAddr).Port
		s.base = "http://127.0.0.1:" + strconv.Itoa(port)
	case err := <-s.done:
		s.done <- err
		t.Fatalf("serve returned before it listened: %v; stderr:\n%s", err, s.stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve did not listen within 10s; stderr:\n%s", s.stderr)
	}
	waitHealthy(t, s.base, s.done, s.stderr)
	return s
}

// waitHealthy polls base/healthz until it answers 200, failing if the
// server exits first (a value on exited) or nothing answers within 10 s.
func waitHealthy(t *testing.T, base string, exited chan error, logs fmt.Stringer) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the server exited before it was healthy: %v; log:\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s/healthz: no 200 within 10s (last error %v); log:\n%s", base, err, logs)
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

// servingRE finds the address in serve's log line "serving addr=...".
var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// servingAddr waits for a serve started as a process (its log in logs) to
// say where it listens.
func servingAddr(t *testing.T, logs fmt.Stringer, exited chan error) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := servingRE.FindStringSubmatch(logs.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the server exited before it listened: %v; log:\n%s", err, logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not say where it listens within 10s; log:\n%s", logs)
		}
	}
}

// freePort returns a port that was free a moment ago, for a program other
// than calfeed (nginx) that must be told its port.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
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

// get fetches base+path, failing unless it is a 200, and returns the body
// and ETag.
func get(t *testing.T, base, path string) ([]byte, string) {
	t.Helper()
	resp, body := fetch(t, http.DefaultClient, base+path, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, resp.StatusCode)
	}
	return []byte(body), resp.Header.Get("ETag")
}

// healthz is what the tests read of /healthz.
type healthz struct {
	Status         string   `json:"status"`
	Events         int      `json:"events"`
	File           string   `json:"file"`
	Problems       []string `json:"problems"`
	ProblemsTotal  int      `json:"problems_total"`
	Unstamped      []string `json:"unstamped"`
	UnstampedTotal int      `json:"unstamped_total"`
}

func readHealth(base string) (healthz, int, error) {
	var h healthz
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		return h, 0, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&h)
	return h, resp.StatusCode, err
}

// waitHealth polls /healthz until ok says it is what the test waits for.
func waitHealth(t *testing.T, s *running, base string, what string, ok func(healthz) bool) healthz {
	t.Helper()
	var h healthz
	var err error
	if !eventually(10*time.Second, func() bool {
		h, _, err = readHealth(base)
		return err == nil && ok(h)
	}) {
		t.Fatalf("/healthz never showed %s (last %+v, %v); log:\n%s", what, h, err, s.stderr)
	}
	return h
}

func invalidWith(msg string) func(healthz) bool {
	return func(h healthz) bool {
		return h.Status == "degraded" && h.File == "invalid" && strings.Contains(strings.Join(h.Problems, "\n"), msg)
	}
}

// waitLog waits for the server's log (written in batches) to hold want.
func waitLog(t *testing.T, s *running, want string) {
	t.Helper()
	if !eventually(5*time.Second, func() bool { return strings.Contains(s.stderr.String(), want) }) {
		t.Fatalf("the log never said %q:\n%s", want, s.stderr)
	}
}

// eventually reports whether ok became true within d, asking every 20 ms.
// It leaves the failing to the test, which may have clients to stop
// first.
func eventually(d time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(d); !ok(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
