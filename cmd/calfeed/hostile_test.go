//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestWatcherRefusesHugeFile (D2): a file past -max-size renamed over the
// events file is refused from its size, never read; the last good
// calendar stays on the air and a later valid edit is loaded.
func TestWatcherRefusesHugeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(version(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "-config", path, "-max-size", "1048576")
	base := s.base
	waitTitle(t, s, base, "version 1")

	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil { // sparse: a gigabyte of nothing
		t.Fatal(err)
	}
	f.Close()
	if err := os.Rename(huge, path); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, s, base, "the huge file refused", invalidWith("is 1073741824 bytes, larger than the limit of 1048576 bytes"))
	if got := fetchTitle(base); got != "version 1" {
		t.Errorf("after a refused edit the feed says %q, want the last good version", got)
	}
	replace(t, path, version(2))
	waitTitle(t, s, base, "version 2")
}

// TestWatcherFIFO (D3): a named pipe in place of the events file is refused
// at once, not waited on: a later valid edit and SIGHUP still reload, and
// the server stops promptly.
func TestWatcherFIFO(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(version(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "-config", path)
	base := s.base

	fifo := func() {
		t.Helper()
		p := filepath.Join(dir, "pipe")
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p, path); err != nil {
			t.Fatal(err)
		}
	}
	fifo()
	waitHealth(t, s, base, "the pipe refused", invalidWith("a named pipe (FIFO), not a regular file"))
	replace(t, path, version(2))
	waitTitle(t, s, base, "version 2")
	waitHealth(t, s, base, "the file valid again", func(h healthz) bool { return h.File == "valid" })

	fifo()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, s, base, "the pipe refused on SIGHUP", invalidWith("named pipe"))
	if err := s.stop(t); err != nil {
		t.Errorf("serve returned %v", err)
	}
}

// TestCheckFIFO (D3): check refuses a named pipe at once.
func TestCheckFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.yaml")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan runResult, 1)
	go func() { done <- runCmd(t, nil, "check", path) }()
	select {
	case r := <-done:
		if r.code != 1 || !strings.Contains(r.stderr, path+": "+path+" is a named pipe (FIFO), not a regular file") {
			t.Errorf("check FIFO: exit %d, stderr:\n%s", r.code, r.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("check blocked on a named pipe")
	}
}

// manyEvents is a valid events file of n events whose titles end in suffix.
func manyEvents(n int, suffix string) string {
	var b strings.Builder
	b.WriteString("calendar: {id: reload, name: Reload, timezone: Europe/Zurich}\nevents:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: e%d, title: \"event %d %s\", start: 2016-05-%02d 09:00, duration: 1h}\n", i, i, suffix, i+1)
	}
	return b.String()
}

// TestSlowWriteNotPublishedHalfWay (D9): a file written in place in two
// steps, with a pause between them, is published once whole; the half
// written in between (itself a valid calendar of fewer events) never is.
func TestSlowWriteNotPublishedHalfWay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(manyEvents(8, "old")), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, nil, "-config", path)
	base := s.base

	var fewest atomic.Int64
	fewest.Store(8)
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if h, code, err := readHealth(base); err == nil && code == http.StatusOK && int64(h.Events) < fewest.Load() {
				fewest.Store(int64(h.Events))
			}
		}
	}()

	whole := manyEvents(8, "new")
	half := whole[:strings.Index(whole, "  - {id: e2,")] // two events: valid on its own
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(half)
	time.Sleep(400 * time.Millisecond)
	f.WriteString(whole[len(half):])
	f.Close()
	waitHealth(t, s, base, "the whole new file", func(h healthz) bool { return h.Events == 8 && h.File == "valid" })
	time.Sleep(defaultReloadDelay + 200*time.Millisecond) // and nothing after it
	close(stop)
	<-polled
	if n := fewest.Load(); n != 8 {
		t.Errorf("a half-written file was published: %d events served for a while; log:\n%s", n, s.stderr)
	}
}

// TestLockDisagreementLogged (D9): a file that lacks events its lock
// publishes (a copy cut short) is served, and the log says which are
// missing.
func TestLockDisagreementLogged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	if err := os.WriteFile(path, []byte(manyEvents(8, "v")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, nil, "stamp", path); r.code != 0 {
		t.Fatalf("stamp: %d %s", r.code, r.stderr)
	}
	s := startServe(t, nil, "-config", path)
	base := s.base
	replace(t, path, manyEvents(2, "v"))
	waitHealth(t, s, base, "the shorter file", func(h healthz) bool { return h.Events == 2 })
	waitLog(t, s, "lacks 6 events that "+path+".lock publishes")
	if !strings.Contains(s.stderr.String(), "events=e2,e3,e4,e5,e6,e7") {
		t.Errorf("the warning does not name the missing events; log:\n%s", s.stderr)
	}
}
