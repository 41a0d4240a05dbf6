package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
	"calfeed/internal/server"
)

// TestUnstampedWarned: a reload that finds changes not stamped says which,
// and /healthz and /metrics count them.
func TestUnstampedWarned(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	os.WriteFile(path, []byte(version(1)), 0o644)
	if r := runCmd(t, nil, "stamp", path); r.code != 0 {
		t.Fatal(r.stderr)
	}
	s := startServe(t, nil, "-config", path, "-reload-delay", "100ms")
	base := s.base
	if h, _, _ := readHealth(base); h.UnstampedTotal != 0 || len(h.Unstamped) != 0 {
		t.Fatalf("a stamped file: /healthz unstamped %v", h.Unstamped)
	}
	replace(t, path, version(2))
	h := waitHealth(t, s, base, "the edit unstamped", func(h healthz) bool { return h.UnstampedTotal == 1 })
	if len(h.Unstamped) != 1 || h.Unstamped[0] != "talk" {
		t.Errorf("/healthz unstamped %v, want [talk]", h.Unstamped)
	}
	waitLog(t, s, "1 event changed since the last stamp")
	if log := s.stderr.String(); !strings.Contains(log, "events=talk") {
		t.Errorf("the warning does not name the event; log:\n%s", log)
	}
	body, _ := get(t, base, "/metrics")
	if !bytes.Contains(body, []byte("\ncalfeed_unstamped_events{calendar=\"reload\"} 1\n")) {
		t.Error("/metrics does not count the unstamped event")
	}
}

// TestServeStamp: with -stamp, an edit is stamped by the server itself
// and goes out with SEQUENCE raised.
func TestServeStamp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	os.WriteFile(path, []byte(version(1)), 0o644)
	s := startServe(t, nil, "-config", path, "-reload-delay", "100ms", "-stamp")
	base := s.base
	// No lock yet: the first load creates it.
	waitHealth(t, s, base, "the lock created", func(h healthz) bool { return h.UnstampedTotal == 0 })
	if _, err := os.Stat(lock.Path(path)); err != nil {
		t.Fatalf("no lock file: %v; log:\n%s", err, s.stderr)
	}
	replace(t, path, version(2))
	waitTitle(t, s, base, "version 2")
	var body []byte
	if !eventually(5*time.Second, func() bool {
		body, _ = get(t, base, "/events/talk.ics")
		return bytes.Contains(body, []byte("SEQUENCE:1\r\n"))
	}) {
		t.Fatalf("the edit went out without SEQUENCE 1:\n%s\nlog:\n%s", body, s.stderr)
	}
	f, err := lock.Read(context.Background(), lock.Path(path), 1<<20)
	if err != nil || f.Events["talk"].Sequence != 1 || f.Events["other"].Sequence != 0 {
		t.Errorf("lock after the stamp: %+v, %v", f, err)
	}
	if h, _, _ := readHealth(base); h.UnstampedTotal != 0 {
		t.Errorf("/healthz unstamped %v after -stamp", h.Unstamped)
	}
}

// TestServeStampUnwritable: a lock that cannot be written (a read-only
// folder) is a warning, and the calendar stays served.
func TestServeStampUnwritable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	os.WriteFile(path, []byte(version(1)), 0o644)
	cal, lk, err := lock.Load(context.Background(), path, calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	srv, err := server.New(cal, server.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	c := serveConfig{config: path, stamp: true, limits: &calendar.Options{}, writeLock: func(*lock.File, string) error {
		return &os.PathError{Op: "open", Path: dir, Err: errors.New("read-only file system")}
	}}
	c.published(context.Background(), logger, path, srv, lk, srv.Load)
	if !strings.Contains(logs.String(), "-stamp: could not stamp "+lock.Path(path)) || !strings.Contains(logs.String(), "read-only file system") {
		t.Errorf("no warning of the failed stamp:\n%s", logs.String())
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events/talk.ics", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("after a failed stamp GET /events/talk.ics: %d", rec.Code)
	}
}

// TestServeStampPrivate: an edit of a private event alone is stamped by
// serve -stamp, and warned of without it, like a public one: its holders'
// Google Calendar would ignore it otherwise. The public side still shows
// nothing of it.
func TestServeStampPrivate(t *testing.T) {
	moved := strings.Replace(privateCalendarYAML, "start: 2026-05-04 11:00", "start: 2026-05-04 14:00", 1)
	for _, stamp := range []bool{false, true} {
		t.Run(map[bool]string{false: "warned", true: "stamped"}[stamp], func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "events.yaml")
			os.WriteFile(path, []byte(privateCalendarYAML), 0o644)
			if r := runCmd(t, nil, "stamp", path); r.code != 0 {
				t.Fatal(r.stderr)
			}
			tok, _ := addToken(t, path, "-name", "board", "-all")
			args := []string{"-config", path, "-reload-delay", "100ms"}
			if stamp {
				args = append(args, "-stamp")
			}
			s := startServe(t, nil, args...)
			replace(t, path, moved)
			if !eventually(5*time.Second, func() bool {
				body, _ := get(t, s.base, "/p/"+tok+"/events/board-retreat.ics")
				return bytes.Contains(body, []byte("T140000"))
			}) {
				t.Fatalf("the private edit was never served; log:\n%s", s.stderr)
			}
			if !stamp {
				waitLog(t, s, "1 event changed since the last stamp")
				if !strings.Contains(s.stderr.String(), "events=board-retreat") {
					t.Errorf("the warning does not name the private event; log:\n%s", s.stderr)
				}
			} else {
				var body []byte
				if !eventually(5*time.Second, func() bool {
					body, _ = get(t, s.base, "/p/"+tok+"/events/board-retreat.ics")
					return bytes.Contains(body, []byte("SEQUENCE:1\r\n"))
				}) {
					t.Fatalf("the private edit went out without SEQUENCE 1:\n%s\nlog:\n%s", body, s.stderr)
				}
				f, err := lock.Read(context.Background(), lock.Path(path), 1<<20)
				if err != nil || f.Events["board-retreat"].Sequence != 1 || f.Events["talk"].Sequence != 0 {
					t.Errorf("lock after the stamp: %+v, %v", f, err)
				}
			}
			h, _, _ := readHealth(s.base)
			if h.UnstampedTotal != 0 || len(h.Unstamped) != 0 {
				t.Errorf("/healthz shows the private edit: unstamped %v (%d)", h.Unstamped, h.UnstampedTotal)
			}
			metrics, _ := get(t, s.base, "/metrics")
			if !bytes.Contains(metrics, []byte("\ncalfeed_unstamped_events{calendar=\"priv\"} 0\n")) {
				t.Error("/metrics counts the private edit")
			}
		})
	}
}

// TestServeStampOwnFields: an edit of the calendar's own fields (its name)
// is warned of without -stamp, like an event's, and with -stamp recorded
// in the lock and dates every feed: Last-Modified moves on, so that a
// calendar revalidating by date takes the new name. calfeed check and
// stamp say so too.
func TestServeStampOwnFields(t *testing.T) {
	renamed := strings.Replace(version(1), "name: Reload,", "name: Reload forum,", 1)
	for _, stamp := range []bool{false, true} {
		t.Run(map[bool]string{false: "warned", true: "stamped"}[stamp], func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "events.yaml")
			os.WriteFile(path, []byte(version(1)), 0o644)
			if r := runCmd(t, nil, "stamp", path); r.code != 0 {
				t.Fatal(r.stderr)
			}
			args := []string{"-config", path, "-reload-delay", "100ms"}
			if stamp {
				args = append(args, "-stamp")
			}
			s := startServe(t, nil, args...)
			resp, _ := fetch(t, http.DefaultClient, s.base+"/calendar.ics", nil)
			before := resp.Header.Get("Last-Modified")
			// The first stamp dated the events now: Last-Modified counts
			// whole seconds, so the rename's stamp must come a second on.
			time.Sleep(1100 * time.Millisecond)
			replace(t, path, renamed)
			if !eventually(5*time.Second, func() bool {
				body, _ := get(t, s.base, "/calendar.ics")
				return bytes.Contains(body, []byte("X-WR-CALNAME:Reload forum"))
			}) {
				t.Fatalf("the new name was never served; log:\n%s", s.stderr)
			}
			if !stamp {
				waitLog(t, s, "the calendar's own fields (name, description, zone, refresh or tracks) changed since the last stamp")
				if r := runCmd(t, nil, "check", path); !strings.Contains(r.stderr, "the calendar's own fields") {
					t.Errorf("calfeed check does not warn of the own fields:\n%s", r.stderr)
				}
				if r := runCmd(t, nil, "stamp", path); r.code != 0 || !strings.Contains(r.stdout, "edited    the calendar's own fields") ||
					!strings.Contains(r.stdout, ".lock: the calendar's own fields stamped; commit it with") {
					t.Errorf("calfeed stamp: exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				return
			}
			var after string
			if !eventually(5*time.Second, func() bool {
				resp, _ := fetch(t, http.DefaultClient, s.base+"/calendar.ics", nil)
				after = resp.Header.Get("Last-Modified")
				// None while the rename is served unstamped (the lock's
				// date is older than it), then the stamp's.
				return after != before && after != ""
			}) {
				t.Fatalf("Last-Modified stayed %q after the stamped rename; log:\n%s", before, s.stderr)
			}
			resp, _ = fetch(t, http.DefaultClient, s.base+"/calendar.ics", http.Header{"If-Modified-Since": {before}})
			if resp.StatusCode != http.StatusOK {
				t.Errorf("If-Modified-Since the old date: status %d, want 200", resp.StatusCode)
			}
			f, err := lock.Read(context.Background(), lock.Path(path), 1<<20)
			if err != nil || f.Calendar == nil || f.Calendar.Modified.IsZero() {
				t.Errorf("lock after the stamp: calendar %+v, %v", f.Calendar, err)
			}
			waitLog(t, s, "and the calendar's own fields")
		})
	}
}

// TestCalendarRenamed: a calendar.id changed since the lock was stamped,
// which changes every event's UID, is a warning at its place in check and
// in serve's log, and stamp says what it publishes; an id the lock never
// recorded is no warning.
func TestCalendarRenamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "events.yaml")
	os.WriteFile(path, []byte(version(1)), 0o644)
	if r := runCmd(t, nil, "stamp", path); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCmd(t, nil, "check", path); r.code != 0 || strings.Contains(r.stderr, "calendar.id") {
		t.Fatalf("check before the rename: exit %d\n%s", r.code, r.stderr)
	}
	os.WriteFile(path, []byte(strings.Replace(version(1), "id: reload,", "id: reloaded,", 1)), 0o644)
	want := path + `:1:16: warning: calendar.id is "reloaded", but ` + path + `.lock was stamped for "reload": every event's UID`
	if r := runCmd(t, nil, "check", path); r.code != 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, `put "reload" back`) {
		t.Errorf("check after the rename: exit %d\n%s\nwant %s", r.code, r.stderr, want)
	}
	s := startServe(t, nil, "-config", path)
	waitLog(t, s, `but `+path+`.lock was stamped for \"reload\"`)
	s.stop(t)
	r := runCmd(t, nil, "stamp", path)
	if r.code != 0 || !strings.Contains(r.stdout, "renamed   the calendar from reload to reloaded") || strings.Contains(r.stdout, "edited    the calendar's own fields") {
		t.Errorf("stamp after the rename: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, nil, "check", path); r.code != 0 || strings.Contains(r.stderr, "calendar.id") {
		t.Errorf("check after the stamp: exit %d\n%s", r.code, r.stderr)
	}
	// A lock from before it kept the id: nothing to compare with.
	lk, err := lock.Read(context.Background(), lock.Path(path), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	lk.Calendar.ID = ""
	if err := lk.Write(lock.Path(path)); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, []byte(version(1)), 0o644)
	if r := runCmd(t, nil, "check", path); strings.Contains(r.stderr, "calendar.id") {
		t.Errorf("check with a lock that has no id: %s", r.stderr)
	}
}

// TestUnstampedWords: events new since the last stamp are told apart from
// events changed, whose edits Google Calendar ignores until a stamp.
func TestUnstampedWords(t *testing.T) {
	lk := &lock.File{Events: map[string]lock.Entry{"a": {}, "b": {}}}
	for _, tc := range []struct {
		pending []string
		want    string
		onlyNew bool
	}{
		{[]string{"a"}, "1 event changed since the last stamp", false},
		{[]string{"a", "b"}, "2 events changed since the last stamp", false},
		{[]string{"c"}, "1 new event not stamped yet", true},
		{[]string{"a", "c", "d"}, "1 event changed since the last stamp, and 2 new ones", false},
	} {
		if got, onlyNew := unstamped(tc.pending, lk); got != tc.want || onlyNew != tc.onlyNew {
			t.Errorf("unstamped(%v) = %q, %v; want %q, %v", tc.pending, got, onlyNew, tc.want, tc.onlyNew)
		}
	}
}

// TestCheckNewUnstamped: check tells an event new since the last stamp
// from one changed, whose edit Google Calendar ignores until a stamp.
func TestCheckNewUnstamped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.yaml")
	src := calendarYAML("forum", "Talk")
	os.WriteFile(path, []byte(src), 0o644)
	if r := runCmd(t, nil, "stamp", path); r.code != 0 {
		t.Fatalf("stamp: %s", r.stderr)
	}
	os.WriteFile(path, []byte(src+"  - {id: new-talk, title: New, start: 2026-05-05 09:00, duration: 1h}\n"), 0o644)
	r := runCmd(t, nil, "check", path)
	if want := "1 new event not stamped yet (new-talk); run calfeed stamp " + path + ", so that its later edits reach subscribers"; !strings.Contains(r.stderr+r.stdout, want) {
		t.Errorf("check after an event was added: lacks %q\n%s%s", want, r.stdout, r.stderr)
	}
	os.WriteFile(path, []byte(strings.Replace(src, `title: "Talk"`, `title: "Talk, moved"`, 1)), 0o644)
	r = runCmd(t, nil, "check", path)
	if want := "1 event changed since the last stamp (talk); run calfeed stamp " + path + ", or Google Calendar will ignore the edits"; !strings.Contains(r.stderr+r.stdout, want) {
		t.Errorf("check after an event was edited: lacks %q\n%s%s", want, r.stdout, r.stderr)
	}
}

// TestUnstampedNewWarned: serve tells an event new since the last stamp,
// whose later edits need a stamp, from an edit Google Calendar ignores.
func TestUnstampedNewWarned(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.yaml")
	src := calendarYAML("forum", "Talk")
	os.WriteFile(path, []byte(src), 0o644)
	if r := runCmd(t, nil, "stamp", path); r.code != 0 {
		t.Fatal(r.stderr)
	}
	s := startServe(t, nil, "-config", path, "-reload-delay", "100ms")
	replace(t, path, src+"  - {id: new-talk, title: New, start: 2026-05-05 09:00, duration: 1h}\n")
	waitLog(t, s, "1 new event not stamped yet: run calfeed stamp "+path+" (or serve -stamp), so that its later edits reach subscribers")
	replace(t, path, strings.Replace(src, `title: "Talk"`, `title: "Talk, moved"`, 1)+
		"  - {id: new-talk, title: New, start: 2026-05-05 09:00, duration: 1h}\n  - {id: newer-talk, title: Newer, start: 2026-05-06 09:00, duration: 1h}\n")
	waitLog(t, s, "1 event changed since the last stamp, and 2 new ones; the changed go out with their old SEQUENCE")
}
