package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"calfeed/internal/calendar"
)

// folderYAML is a small calendar of the given id and name.
func folderYAML(id, name string) string {
	return fmt.Sprintf(`calendar: {id: %s, name: {en: %q, fr: "%s (fr)"}, description: About it, timezone: Europe/Zurich, languages: [en, fr]}
tracks: [{id: talks, name: Talks}]
events:
  - {id: opening, title: Opening of %s, start: 2026-05-04 09:00, duration: 1h, tracks: [talks]}
  - {id: closing, title: Closing, start: 2026-05-08, end: 2026-05-08}
`, id, name, name, name)
}

// newFolder serves the calendars of files (name -> YAML); a YAML that
// does not load is recorded as failed.
func newFolder(t *testing.T, opts Options, files map[string]string) *Folder {
	t.Helper()
	f := NewFolder(opts)
	for name, src := range files {
		cal, err := calendar.Load(name, strings.NewReader(src), calendar.Options{})
		if err != nil {
			f.LoadFailed(name, err)
			continue
		}
		if err := f.Load(name, cal); err != nil {
			t.Fatalf("Load(%s): %v", name, err)
		}
	}
	return f
}

// TestFolder: two calendars and a broken file in a folder. Each calendar
// is served under /{id}/ with its own paths, the index and feeds.json list
// both, /healthz reports every file, and an unknown id is a 404 that names
// the calendars.
func TestFolder(t *testing.T) {
	f := newFolder(t, Options{BaseURL: "https://cal.example.org"}, map[string]string{
		"forum.yaml":  folderYAML("forum", "WSIS Forum"),
		"hlm.yaml":    folderYAML("hlm", "High-Level Meeting"),
		"broken.yaml": "calendar: {id: broken, name: B}\nevents: nope\n",
	})
	alone := serverOf(t, folderYAML("forum", "WSIS Forum"), Options{BaseURL: "https://cal.example.org/forum"})
	for _, path := range []string{"/calendar.ics", "/tracks/talks.ics", "/events/opening.ics", "/calendar.ics?lang=fr", "/", "/feeds.json", "/changes.atom", "/embed"} {
		got, want := get(t, f, "/forum"+path, nil), get(t, alone, path, nil)
		if got.Body.String() != want.Body.String() || got.Header().Get("ETag") != want.Header().Get("ETag") {
			t.Errorf("GET /forum%s differs from the calendar served alone at %s", path, path)
		}
	}
	if rec := do(t, f, http.MethodGet, "/forum?lang=fr", nil); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/forum/?lang=fr" {
		t.Errorf("GET /forum: %d to %q, want a redirect to /forum/?lang=fr", rec.Code, rec.Header().Get("Location"))
	}
	index := get(t, f, "/", nil).Body.String()
	for _, want := range []string{`<a href="forum/"><span >WSIS Forum</span></a>`, `<a href="hlm/"><span >High-Level Meeting</span></a>`, "2 events · 1 track", "4 May 2026 to 8 May 2026"} {
		if !strings.Contains(index, want) {
			t.Errorf("the index lacks %q", want)
		}
	}
	if fr := get(t, f, "/?lang=fr", nil).Body.String(); !strings.Contains(fr, `<a href="forum/?lang=fr"><span >WSIS Forum (fr)</span></a>`) || !strings.Contains(fr, "Calendriers") {
		t.Error("the French index does not show the calendars in French")
	}
	var list struct {
		Calendars []struct {
			ID, Page  string
			FeedsJSON string `json:"feeds_json"`
		} `json:"calendars"`
	}
	if err := json.Unmarshal(get(t, f, "/feeds.json", nil).Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Calendars) != 2 || list.Calendars[0].ID != "forum" || list.Calendars[0].Page != "https://cal.example.org/forum/" ||
		!strings.HasSuffix(list.Calendars[1].FeedsJSON, "/hlm/feeds.json") {
		t.Errorf("feeds.json lists %+v", list.Calendars)
	}
	rec := do(t, f, http.MethodGet, "/nope/calendar.ics", nil)
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "calendars: /forum/, /hlm/") {
		t.Errorf("GET /nope/calendar.ics: %d %q", rec.Code, rec.Body)
	}
	h := folderHealthOf(t, f)
	if h.Status != "degraded" || h.Calendars != 2 || len(h.Files) != 3 || h.Files[0].File != "broken.yaml" || len(h.Files[0].Error) == 0 || h.Files[0].Calendar != "" {
		t.Errorf("/healthz = %+v", h)
	}
}

type folderHealthDoc struct {
	Status    string
	Calendars int
	Files     []struct {
		File, Calendar string
		Served         *struct{ Status, File string }
		Error          []string
	}
}

func folderHealthOf(t *testing.T, f *Folder) folderHealthDoc {
	t.Helper()
	var h folderHealthDoc
	if err := json.Unmarshal(get(t, f, "/healthz", nil).Body.Bytes(), &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestFolderChanges: a broken edit keeps its calendar's last good version
// and touches no other; a second file with the same id is refused, naming
// both; a removed file's calendar is gone (410) and its metrics with it.
func TestFolderChanges(t *testing.T) {
	f := newFolder(t, Options{}, map[string]string{
		"a.yaml": folderYAML("a", "A"),
		"b.yaml": folderYAML("b", "B"),
	})
	before := get(t, f, "/a/calendar.ics", nil).Body.String()
	f.LoadFailed("a.yaml", errors.New("a.yaml:3:1: broken"))
	if got := get(t, f, "/a/calendar.ics", nil).Body.String(); got != before {
		t.Error("a broken edit changed what is served")
	}
	h := folderHealthOf(t, f)
	if h.Status != "degraded" || h.Files[0].Served == nil || h.Files[0].Served.File != "invalid" || h.Files[0].Served.Status != "degraded" || h.Files[1].Served.File != "valid" {
		t.Errorf("/healthz after a broken edit of a.yaml: %+v", h)
	}

	dup, _ := calendar.Load("c.yaml", strings.NewReader(folderYAML("a", "Another A")), calendar.Options{})
	err := f.Load("c.yaml", dup)
	if err == nil || !strings.Contains(err.Error(), "c.yaml") || !strings.Contains(err.Error(), "a.yaml") {
		t.Errorf("a second calendar a: %v; want an error naming both files", err)
	}
	if !strings.Contains(get(t, f, "/a/", nil).Body.String(), ">A<") {
		t.Error("the first calendar a is no longer served")
	}

	get(t, f, "/b/calendar.ics", nil)
	if m := get(t, f, "/metrics", nil).Body.String(); !strings.Contains(m, `calendar="b"`) {
		t.Fatal("no metrics of calendar b")
	}
	f.Remove("b.yaml")
	if rec := do(t, f, http.MethodGet, "/b/calendar.ics", nil); rec.Code != http.StatusGone || !strings.Contains(rec.Body.String(), `the calendar "b" is no longer published here`) {
		t.Errorf("GET /b/calendar.ics after removal: %d %q", rec.Code, rec.Body)
	}
	if m := get(t, f, "/metrics", nil).Body.String(); strings.Contains(m, `calendar="b"`) {
		t.Error("the metrics of a removed calendar remain")
	}
	if strings.Contains(get(t, f, "/", nil).Body.String(), `href="b/"`) {
		t.Error("the index still lists the removed calendar")
	}
	again, _ := calendar.Load("b.yaml", strings.NewReader(folderYAML("b", "B")), calendar.Options{})
	if err := f.Load("b.yaml", again); err != nil || do(t, f, http.MethodGet, "/b/calendar.ics", nil).Code != http.StatusOK {
		t.Errorf("a file added again: %v", err)
	}
}

// TestFolderConcurrent: files added, edited and removed while clients
// fetch; every answer is whole (the race detector watches).
func TestFolderConcurrent(t *testing.T) {
	f := newFolder(t, Options{}, map[string]string{"a.yaml": folderYAML("a", "A")})
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				for _, path := range []string{"/", "/feeds.json", "/healthz", "/a/calendar.ics", "/b/", "/b/tracks/talks.ics"} {
					rec := do(t, f, http.MethodGet, path, nil)
					if rec.Code >= 500 || rec.Code == http.StatusOK && rec.Body.Len() == 0 {
						t.Errorf("GET %s: %d, %d bytes", path, rec.Code, rec.Body.Len())
					}
				}
			}
		}()
	}
	for i := range 30 {
		name := fmt.Sprintf("B %d", i)
		cal, _ := calendar.Load("b.yaml", strings.NewReader(folderYAML("b", name)), calendar.Options{})
		f.Load("b.yaml", cal)
		if i%3 == 2 {
			f.Remove("b.yaml")
		}
		edited, _ := calendar.Load("a.yaml", strings.NewReader(folderYAML("a", name)), calendar.Options{})
		f.Load("a.yaml", edited)
	}
	stop.Store(true)
	wg.Wait()
}

// TestFolderReservedIDs: a calendar whose id the folder's own paths take
// (/static/, /healthz, /metrics) or that calfeed build gives the index page
// in another language (/fr/) is refused at its calendar.id, and the
// folder's own paths are served as before.
func TestFolderReservedIDs(t *testing.T) {
	f := newFolder(t, Options{}, map[string]string{"a.yaml": folderYAML("a", "A")})
	for _, id := range []string{"static", "healthz", "metrics", "tracks", "events", "qr", "fr", "zh"} {
		cal, err := calendar.Load(id+".yaml", strings.NewReader(folderYAML(id, "X")), calendar.Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = f.Load(id+".yaml", cal)
		if err == nil || !strings.HasPrefix(err.Error(), id+".yaml:1:") || !strings.Contains(err.Error(), "cannot be served in a folder") {
			t.Errorf("a calendar %q: %v", id, err)
		}
	}
	for _, id := range []string{"stat", "en-events", "frank", "p"} {
		cal, err := calendar.Load(id+".yaml", strings.NewReader(folderYAML(id, "X")), calendar.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Load(id+".yaml", cal); err != nil {
			t.Errorf("a calendar %q: %v", id, err)
		}
	}
	for _, path := range []string{"/healthz", "/metrics", "/a/calendar.ics", "/stat/calendar.ics"} {
		if c := do(t, f, http.MethodGet, path, nil).Code; c != http.StatusOK {
			t.Errorf("GET %s: %d", path, c)
		}
	}
}

// TestFolderIDsChangeHands: two files that swap calendar ids in one change
// both end up served under their new ids (the first refused only until the
// other gives its id up), and a file renamed away while a new file takes
// its name keeps its calendar once the new one gives the name another id.
func TestFolderIDsChangeHands(t *testing.T) {
	f := newFolder(t, Options{}, map[string]string{"a.yaml": folderYAML("x", "A"), "b.yaml": folderYAML("y", "B")})
	load := func(file, id, name string) error {
		cal, err := calendar.Load(file, strings.NewReader(folderYAML(id, name)), calendar.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return f.Load(file, cal)
	}
	released := f.Released()
	err := load("a.yaml", "y", "A2")
	if err == nil {
		t.Fatal("a.yaml taking y while b.yaml serves it: no error")
	}
	f.LoadFailed("a.yaml", err) // as serve reports it
	if err := load("b.yaml", "x", "B2"); err != nil {
		t.Fatalf("b.yaml taking x, which a.yaml gives up: %v", err)
	}
	if f.Released() == released || !slices.Equal(f.Waiting(), []string{"a.yaml"}) {
		t.Fatalf("released %d -> %d, waiting %v; want ids given up and a.yaml waiting", released, f.Released(), f.Waiting())
	}
	if err := load("a.yaml", "y", "A2"); err != nil {
		t.Fatalf("a.yaml taking y once b.yaml gave it up: %v", err)
	}
	for id, want := range map[string]string{"x": "Opening of B2", "y": "Opening of A2"} {
		if body := get(t, f, "/"+id+"/calendar.ics", nil).Body.String(); !strings.Contains(body, want) {
			t.Errorf("/%s/ does not serve %q", id, want)
		}
	}
	if len(f.Waiting()) != 0 {
		t.Errorf("still waiting: %v", f.Waiting())
	}
	// A true duplicate stays refused, and the file that served the id
	// keeps it.
	if err := load("c.yaml", "x", "C"); err == nil || !strings.Contains(get(t, f, "/x/calendar.ics", nil).Body.String(), "Opening of B2") {
		t.Errorf("a third file taking x: %v", err)
	}
}
