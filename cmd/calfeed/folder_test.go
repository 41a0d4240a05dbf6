package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// calendarYAML is a small calendar of the given id whose one talk is
// titled title.
func calendarYAML(id, title string) string {
	return fmt.Sprintf(`calendar: {id: %s, name: "Calendar %s", timezone: Europe/Zurich}
tracks: [{id: talks, name: Talks}]
events:
  - {id: talk, title: %q, start: 2026-05-04 09:00, duration: 1h, tracks: [talks]}
`, id, id, title)
}

// folderOfCalendars writes files (name -> YAML) into a new folder.
func folderOfCalendars(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// titleAt is the title of the event "talk" served at base+path, or "".
func titleAt(base, path string) string {
	resp, err := http.Get(base + path)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	for line := range strings.SplitSeq(b.String(), "\r\n") {
		if t, ok := strings.CutPrefix(line, "SUMMARY:"); ok {
			return t
		}
	}
	return ""
}

func waitFor(t *testing.T, s *running, what string, ok func() bool) {
	t.Helper()
	if !eventually(10*time.Second, ok) {
		t.Fatalf("never: %s; log:\n%s", what, s.stderr)
	}
}

// TestServeFolder: a folder of two calendars and a broken file, served;
// then, while clients fetch, an edit of one (the other untouched), a
// broken edit (the last good version stays), a new file, a file with an id
// already served (refused, naming both), and a file removed (410).
func TestServeFolder(t *testing.T) {
	dir := folderOfCalendars(t, map[string]string{
		"a.yaml":      calendarYAML("a", "A one"),
		"b.yaml":      calendarYAML("b", "B one"),
		"broken.yaml": "calendar: {id: x}\n",
	})
	s := startServe(t, nil, "-config", dir, "-reload-delay", "100ms")
	base := s.base
	if titleAt(base, "/a/events/talk.ics") != "A one" || titleAt(base, "/b/events/talk.ics") != "B one" {
		t.Fatal("the two calendars are not served under /a/ and /b/")
	}
	h := folderHealth(t, base)
	// Files named within the folder: where it is on the server is not said.
	if h.Status != "degraded" || len(h.Files) != 3 || h.Files[2].File != "broken.yaml" || len(h.Files[2].Error) == 0 ||
		!strings.HasPrefix(h.Files[2].Error[0], "broken.yaml:1:1: ") {
		t.Errorf("/healthz: %+v", h)
	}
	if raw, _ := get(t, base, "/healthz"); bytes.Contains(raw, []byte(dir)) {
		t.Errorf("/healthz names the folder's place on the server:\n%s", raw)
	}
	_, etagB := get(t, base, "/b/calendar.ics")

	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, p := range []string{"/", "/feeds.json", "/a/calendar.ics", "/b/calendar.ics", "/c/calendar.ics"} {
					resp, err := http.Get(base + p)
					if err != nil {
						t.Errorf("GET %s: %v", p, err)
						return
					}
					var body bytes.Buffer
					body.ReadFrom(resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 500 || resp.StatusCode == 200 && strings.HasSuffix(p, ".ics") && !strings.HasSuffix(body.String(), "END:VCALENDAR\r\n") {
						t.Errorf("GET %s: %d, torn", p, resp.StatusCode)
					}
				}
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()

	replace(t, filepath.Join(dir, "a.yaml"), calendarYAML("a", "A two"))
	waitFor(t, s, "the edit of a.yaml", func() bool { return titleAt(base, "/a/events/talk.ics") == "A two" })
	if _, etag := get(t, base, "/b/calendar.ics"); etag != etagB {
		t.Error("an edit of a.yaml changed calendar b")
	}
	replace(t, filepath.Join(dir, "a.yaml"), "calendar: {id: a, name: A}\nevents: [{id: talk}]\n")
	waitFor(t, s, "the broken edit reported", func() bool { return folderHealth(t, base).Files[0].Served.File == "invalid" })
	if titleAt(base, "/a/events/talk.ics") != "A two" {
		t.Error("a broken edit took calendar a's last good version off the air")
	}
	replace(t, filepath.Join(dir, "c.yaml"), calendarYAML("c", "C one"))
	waitFor(t, s, "the new file served", func() bool { return titleAt(base, "/c/events/talk.ics") == "C one" })
	replace(t, filepath.Join(dir, "d.yaml"), calendarYAML("c", "another C"))
	waitFor(t, s, "the second calendar c refused", func() bool {
		for _, f := range folderHealth(t, base).Files {
			if strings.HasSuffix(f.File, "d.yaml") && len(f.Error) > 0 && strings.Contains(f.Error[0], "c.yaml") {
				if !strings.Contains(f.Error[0], "d.yaml:1:16: calendar.id:") {
					t.Errorf("/healthz does not place the second id c at its calendar.id: %q", f.Error[0])
				}
				return true
			}
		}
		return false
	})
	if titleAt(base, "/c/events/talk.ics") != "C one" {
		t.Error("the second file with id c replaced the first")
	}
	// d.yaml never loaded: the log does not say its last good version is served.
	waitLog(t, s, "msg=\"load failed; this file's calendar is not served until it loads\" config="+filepath.Join(dir, "d.yaml"))
	if strings.Contains(s.stderr.String(), "still serving the last good calendar\" config="+filepath.Join(dir, "d.yaml")) {
		t.Error("the log says d.yaml, which never loaded, still serves its last good calendar")
	}
	// Once c.yaml is gone, d.yaml, unchanged, serves calendar c.
	os.Remove(filepath.Join(dir, "c.yaml"))
	waitFor(t, s, "d.yaml served once c.yaml is gone", func() bool { return titleAt(base, "/c/events/talk.ics") == "another C" })
	os.Remove(filepath.Join(dir, "b.yaml"))
	waitFor(t, s, "the removed calendar gone", func() bool {
		resp, err := http.Get(base + "/b/calendar.ics")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusGone
	})
	if index, _ := get(t, base, "/"); bytes.Contains(index, []byte(`href="b/"`)) || !bytes.Contains(index, []byte(`href="c/"`)) {
		t.Error("the index does not follow the folder")
	}
}

// folderHealthDoc is what the tests read of a folder's /healthz.
type folderHealthDoc struct {
	Status string
	Files  []struct {
		File, Calendar string
		Served         *struct{ File string }
		Error          []string
	}
}

func folderHealth(t *testing.T, base string) folderHealthDoc {
	t.Helper()
	var h folderHealthDoc
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestFolderCommands: check, stamp and build take a folder; check reports
// every file's problems and a duplicate id; build writes each calendar
// under its id, the bytes serve sends, and an index.
func TestFolderCommands(t *testing.T) {
	t.Parallel() // builds: alongside the others
	dir := folderOfCalendars(t, map[string]string{
		"a.yaml": calendarYAML("a", "A"),
		"b.yaml": calendarYAML("b", "B"),
	})
	if r := runCmd(t, nil, "check", dir); r.code != 0 || strings.Count(r.stdout, ": ok:") != 2 {
		t.Errorf("check DIR: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, nil, "stamp", dir); r.code != 0 || strings.Count(r.stdout, "created with 1 event") != 2 {
		t.Errorf("stamp DIR: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"a.yaml.lock", "b.yaml.lock"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("stamp DIR wrote no %s", f)
		}
	}
	out := build(t, dir, "-base-url", "https://cal.example.org")
	s := startServe(t, nil, "-config", dir, "-base-url", "https://cal.example.org")
	compared := 0
	for _, file := range builtFiles(t, out) {
		id, rest, _ := strings.Cut(file, "/")
		path := ""
		if id == "a" || id == "b" {
			if p := servedPath(rest, []string{"en"}); p != "" {
				path = "/" + id + p
			}
		}
		if path == "" {
			continue
		}
		built, _ := os.ReadFile(filepath.Join(out, file))
		if served, _ := get(t, s.base, path); !bytes.Equal(built, served) {
			t.Errorf("%s differs from GET %s", file, path)
		}
		compared++
	}
	if compared < 8 {
		t.Errorf("compared %d files", compared)
	}
	checkSite(t, out, "https://cal.example.org", nil)
	for _, f := range []string{"index.html", "fr/index.html", "feeds.json", "a/index.html", "b/tracks/talks.ics", "robots.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("build of a folder wrote no %s", f)
		}
	}

	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(calendarYAML("a", "another A")), 0o644)
	os.WriteFile(filepath.Join(dir, "d.yaml"), []byte("calendar: {id: d}\n"), 0o644)
	r := runCmd(t, nil, "check", dir)
	// The duplicate is named at its calendar.id (line 1, column 16), and
	// its file is not said to be ok.
	if r.code != 1 || !strings.Contains(r.stderr, `c.yaml:1:16: calendar.id: "a" is already `) || !strings.Contains(r.stderr, "d.yaml:1:1:") || !strings.Contains(r.stderr, "2 of 4 files are invalid") {
		t.Errorf("check of a folder with a duplicate and a broken file: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "a.yaml: ok: 1 event, 1 track") || strings.Contains(r.stdout, "c.yaml") || strings.Contains(r.stdout, "d.yaml") {
		t.Errorf("check of a folder: its valid files, and only those, are ok:\n%s", r.stdout)
	}
	os.Remove(filepath.Join(dir, "d.yaml"))
	if r := runCmd(t, nil, "check", dir); !strings.Contains(r.stderr, "1 of 3 files is invalid") {
		t.Errorf("check of a folder with one invalid file of three:\n%s", r.stderr)
	}
	// stamp leaves the duplicate unstamped, as the folder does not serve
	// it, and stamps the others.
	r = runCmd(t, nil, "stamp", dir)
	if r.code != 1 || !strings.Contains(r.stderr, `c.yaml:1:16: calendar.id: "a" is already `) || !strings.Contains(r.stderr, "; not stamped") {
		t.Errorf("stamp of a folder with a duplicate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.yaml.lock")); err == nil {
		t.Error("stamp of a folder wrote the duplicate's lock")
	}
	if !strings.Contains(r.stdout, "a.yaml: no event changed") || !strings.Contains(r.stdout, "b.yaml: no event changed") {
		t.Errorf("stamp of a folder with a duplicate did not stamp the others:\n%s", r.stdout)
	}
	if r := runCmd(t, nil, "build", "-config", dir, "-out", t.TempDir()); r.code != 2 || !strings.Contains(r.stderr, "-base-url") {
		t.Errorf("build of a folder without a base URL: exit %d %s", r.code, r.stderr)
	}
}

// calendarWithBase is calendarYAML's calendar id, given base_url base.
func calendarWithBase(id, base string) string {
	return strings.Replace(calendarYAML(id, "T"), "timezone: Europe/Zurich}", "timezone: Europe/Zurich, base_url: \""+base+"\"}", 1)
}

// TestFolderBaseURL: a calendar's own base_url that is not its address in
// the folder (/{id}) is warned of by check and by serve, unless -base-url
// takes its place.
func TestFolderBaseURL(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(calendarWithBase("a", "https://calendar.example.org")), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(calendarWithBase("b", "https://calendar.example.org/b/")), 0o644)
	warning := "a.yaml: warning: calendar.base_url https://calendar.example.org does not end in /a"
	r := runCmd(t, nil, "check", dir)
	if r.code != 0 || !strings.Contains(r.stderr, warning) || strings.Contains(r.stderr, "b.yaml: warning: calendar.base_url") {
		t.Errorf("check: exit %d, want 0 and a warning about a.yaml's base_url alone:\n%s", r.code, r.stderr)
	}

	s := startServe(t, nil, "-config", dir, "-addr", "127.0.0.1:0")
	waitLog(t, s, "a.yaml: calendar.base_url https://calendar.example.org does not end in /a")
	waitLog(t, s, "msg=loaded config="+filepath.Join(dir, "b.yaml")) // logged after its warnings
	if strings.Contains(s.stderr.String(), "b.yaml: calendar.base_url") {
		t.Errorf("serve warned of b.yaml's base_url, its own address:\n%s", s.stderr)
	}
	s2 := startServe(t, nil, "-config", dir, "-addr", "127.0.0.1:0", "-base-url", "https://feeds.example.org")
	if body, _ := get(t, s2.base, "/a/feeds.json"); !bytes.Contains(body, []byte("https://feeds.example.org/a/calendar.ics")) {
		t.Errorf("-base-url does not take the place of a.yaml's base_url:\n%s", body)
	}
	waitLog(t, s2, "msg=loaded config="+filepath.Join(dir, "a.yaml")) // logged after its warnings
	if strings.Contains(s2.stderr.String(), "does not end in /a") {
		t.Errorf("serve -base-url warned of a.yaml's base_url, which it does not use:\n%s", s2.stderr)
	}
}

// TestFolderNoPublicAddress: without -base-url, a folder's calendars that
// have their own public https base_url are not said to have no public
// address (they were, whatever their files said); one without is, by its
// file, and so is one whose base_url is plain http.
func TestFolderNoPublicAddress(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(calendarWithBase("a", "https://calendar.example.org/a")), 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), []byte(calendarYAML("b", "T")), 0o644)
	os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(calendarWithBase("c", "http://calendar.example.org/c")), 0o644)
	s := startServe(t, nil, "-config", dir, "-addr", "127.0.0.1:0")
	waitLog(t, s, "msg=serving")
	log := s.stderr.String()
	if strings.Contains(log, "a.yaml: no public address") || strings.Contains(log, `msg="no public address`) {
		t.Errorf("a calendar with a public https base_url, served in a folder, is said to have no public address:\n%s", log)
	}
	for _, want := range []string{"b.yaml: no public address given", "c.yaml: the public address http://calendar.example.org/c is not a public https address"} {
		if !strings.Contains(log, want) {
			t.Errorf("no warning %q in:\n%s", want, log)
		}
	}
	s.stop(t)
	s2 := startServe(t, nil, "-config", dir, "-addr", "127.0.0.1:0", "-base-url", "http://feeds.example.org")
	waitLog(t, s2, "msg=serving")
	if log := s2.stderr.String(); !strings.Contains(log, "http://feeds.example.org is not a public https address") || strings.Contains(log, "b.yaml: no public address") {
		t.Errorf("serve -base-url http://...: the folder's address is not the one warned of:\n%s", log)
	}
}
