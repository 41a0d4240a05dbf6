package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"calfeed/internal/server"
)

// servedPath is the request serve answers with the bytes of a built file
// that is the same on a server (a feed, a download, a static file), or ""
// for a file made for a static host (pages, feeds.json, QR codes, the
// changes feed, whose links are paths rather than queries).
func servedPath(name string, langs []string) string {
	query := ""
	for _, l := range langs[1:] {
		if rest, ok := strings.CutPrefix(name, l+"/"); ok {
			name, query = rest, "?lang="+l
		}
	}
	switch {
	case strings.HasSuffix(name, ".ics") && !strings.Contains(name, "/qr/"):
		return "/" + name + query
	case strings.HasPrefix(name, "static/"), name == "robots.txt":
		return "/" + name
	}
	return ""
}

// builtFiles lists the files under dir, slash-separated and relative to it.
func builtFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// build runs calfeed build of config into a new folder and returns it.
func build(t *testing.T, config string, args ...string) string {
	t.Helper()
	out := t.TempDir()
	r := runCmd(t, nil, append([]string{"build", "-config", config, "-out", out}, args...)...)
	if r.code != 0 {
		t.Fatalf("build: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "wrote") {
		t.Errorf("build said %q", r.stdout)
	}
	return out
}

// TestBuildEqualsServe builds the repository's events.yaml, and a file of
// repeating events (whose occurrences the page and feeds.json list), and
// checks that every feed, download and static file holds exactly the
// bytes serve sends for it, in every language.
func TestBuildEqualsServe(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	for _, tc := range []struct {
		config string
		langs  []string
		files  []string // some of the files the build must write
	}{
		{"../../events.yaml", []string{"zh", "en"}, []string{"index.html", "feeds.json", "changes.atom", "calendar.ics", "tracks/gender.ics", "tracks/measurement.ics", "tracks/action-lines.ics", "events/wsis-forum-2016.ics",
			"en/index.html", "en/feeds.json", "en/changes.atom", "en/calendar.ics", "en/tracks/gender.ics", "en/events/wsis-forum-2016.ics", "fr/index.html", "ar/index.html", "ar/qr/gender.svg", "robots.txt"}},
		{"../../internal/feed/testdata/repeat.yaml", []string{"en", "zh"}, []string{"index.html", "feeds.json", "tracks/wg.ics", "events/weekly-briefing.ics", "zh/tracks/wg.ics"}},
	} {
		t.Run(filepath.Base(tc.config), func(t *testing.T) { testBuildEqualsServe(t, tc.config, tc.langs, tc.files) })
	}
}

func testBuildEqualsServe(t *testing.T, config string, langs, want []string) {
	out := build(t, config, "-base-url", "https://calendar.example.org")
	files := builtFiles(t, out)
	for _, w := range want {
		if !slices.Contains(files, w) {
			t.Errorf("build wrote no %s", w)
		}
	}
	s := startServe(t, nil, "-config", config, "-base-url", "https://calendar.example.org")
	base := s.base
	compared := 0
	for _, file := range files {
		path := servedPath(file, langs)
		if path == "" {
			continue
		}
		built, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		served, _ := get(t, base, path)
		if !bytes.Equal(built, served) {
			t.Errorf("%s differs from GET %s (%d vs %d bytes)", file, path, len(built), len(served))
		}
		compared++
	}
	if compared < 5 {
		t.Errorf("compared %d files with serve", compared)
	}
}

// TestBuildNeedsBaseURL: without a public address a build would write dead
// subscribe links; it refuses, naming the three ways to give one.
func TestBuildNeedsBaseURL(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	out := filepath.Join(t.TempDir(), "site")
	r := runCmd(t, nil, "build", "-config", "../../events.yaml", "-out", out)
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	for _, w := range []string{"-base-url", "CALFEED_BASE_URL", "calendar.base_url"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("the message does not name %s:\n%s", w, r.stderr)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("the build wrote files")
	}
	// The environment, or the file, will do.
	dir := t.TempDir()
	if r := runCmd(t, map[string]string{"CALFEED_BASE_URL": "https://cal.example.org"}, "build", "-config", "../../events.yaml", "-out", dir); r.code != 0 {
		t.Errorf("with CALFEED_BASE_URL: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile("../../events.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "events.yaml")
	os.WriteFile(cfg, bytes.Replace(data, []byte("  refresh:"), []byte("  base_url: https://cal.example.org\n  refresh:"), 1), 0o644)
	if r := runCmd(t, nil, "build", "-config", cfg, "-out", t.TempDir()); r.code != 0 {
		t.Errorf("with calendar.base_url: exit %d: %s", r.code, r.stderr)
	}
}

// TestReplicasAgree starts two servers on the same files, as replicas behind
// a load balancer, and compares every feed's bytes and ETag.
func TestReplicasAgree(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	var bases []string
	for range 2 {
		s := startServe(t, nil, "-config", "../../events.yaml")
		base := s.base
		bases = append(bases, base)
	}
	for _, path := range []string{"/calendar.ics", "/calendar.ics?lang=en", "/tracks/gender.ics", "/calendar.ics?tracks=gender,measurement", "/calendar.ics?events=wsis10-hlm,gem-tech-awards-2015", "/events/wsis-forum-2016.ics"} {
		b0, e0 := get(t, bases[0], path)
		b1, e1 := get(t, bases[1], path)
		if e0 == "" || e0 != e1 || !bytes.Equal(b0, b1) {
			t.Errorf("GET %s: replicas differ (ETag %s vs %s)", path, e0, e1)
		}
	}
}

// TestBuildLeavesOutOnFailure: the files of a build are moved into the
// output folder only once all are made, so a build that fails (or is
// stopped) half way leaves the folder as it was; one that succeeds
// replaces what it writes and keeps the rest.
func TestBuildLeavesOutOnFailure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "site")
	write := func(name, body string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(out, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			return "(none)"
		}
		return string(b)
	}
	write("calendar.ics", "old")
	write("tracks/a.ics", "old")
	write("notes.txt", "mine")
	site := func(fail error) func(context.Context, func(server.File) error) error {
		return func(ctx context.Context, emit func(server.File) error) error {
			for _, f := range []server.File{{Name: "calendar.ics", Body: []byte("new")}, {Name: "tracks/b.ics", Body: []byte("new")}} {
				if err := emit(f); err != nil {
					return err
				}
			}
			return fail
		}
	}
	if _, err := writeFiles(t.Context(), out, site(errors.New("rendering failed"))); err == nil || !strings.Contains(err.Error(), "left as it was") {
		t.Fatalf("a failing build: %v", err)
	}
	if got := []string{read("calendar.ics"), read("tracks/a.ics"), read("tracks/b.ics"), read("notes.txt")}; !slices.Equal(got, []string{"old", "old", "(none)", "mine"}) {
		t.Errorf("after a failing build, the folder holds %q; want it as it was", got)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := writeFiles(ctx, out, site(nil)); !errors.Is(err, context.Canceled) || read("calendar.ics") != "old" {
		t.Errorf("a stopped build: %v; calendar.ics %q", err, read("calendar.ics"))
	}
	n, err := writeFiles(t.Context(), out, site(nil))
	if err != nil || n != 2 {
		t.Fatalf("a build: %d files, %v", n, err)
	}
	if got := []string{read("calendar.ics"), read("tracks/a.ics"), read("tracks/b.ics"), read("notes.txt")}; !slices.Equal(got, []string{"new", "old", "new", "mine"}) {
		t.Errorf("after a build, the folder holds %q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".site.build-*")); len(left) != 0 {
		t.Errorf("temporary folders left beside the output: %v", left)
	}
}

// TestBuildNoLinks: a symbolic link to a folder under -out is refused
// before anything is written, not written through; a link where a file
// goes is replaced, and what it pointed to kept; -out itself may be one.
func TestBuildNoLinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.MkdirAll(victim, 0o755)
	os.WriteFile(filepath.Join(victim, "b.ics"), []byte("precious"), 0o644)
	site := func(ctx context.Context, emit func(server.File) error) error {
		for _, f := range []server.File{{Name: "calendar.ics", Body: []byte("new")}, {Name: "tracks/b.ics", Body: []byte("new")}} {
			if err := emit(f); err != nil {
				return err
			}
		}
		return nil
	}
	out := filepath.Join(dir, "site")
	os.MkdirAll(out, 0o755)
	os.Symlink(victim, filepath.Join(out, "tracks"))
	if _, err := writeFiles(t.Context(), out, site); err == nil || !strings.Contains(err.Error(), "tracks is a symbolic link") {
		t.Errorf("a linked folder under -out: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(victim, "b.ics")); string(b) != "precious" {
		t.Errorf("the file the link pointed to holds %q", b)
	}
	if _, err := os.Stat(filepath.Join(out, "calendar.ics")); err == nil {
		t.Error("a file was written before the link was refused")
	}
	// A link where a file goes: replaced by the file.
	os.Remove(filepath.Join(out, "tracks"))
	os.MkdirAll(filepath.Join(out, "tracks"), 0o755)
	os.Symlink(filepath.Join(victim, "b.ics"), filepath.Join(out, "tracks", "b.ics"))
	if _, err := writeFiles(t.Context(), out, site); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(victim, "b.ics")); string(b) != "precious" {
		t.Errorf("the file a link pointed to holds %q", b)
	}
	// A file where a folder goes: refused before anything is moved.
	os.RemoveAll(filepath.Join(out, "tracks"))
	os.WriteFile(filepath.Join(out, "tracks"), []byte("mine"), 0o644)
	os.WriteFile(filepath.Join(out, "calendar.ics"), []byte("old"), 0o644)
	if _, err := writeFiles(t.Context(), out, site); err == nil || !strings.Contains(err.Error(), "tracks is a file where the site has a folder") {
		t.Errorf("a file where a folder goes: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "calendar.ics")); string(b) != "old" {
		t.Errorf("calendar.ics was replaced before the build stopped: %q", b)
	}
	os.Remove(filepath.Join(out, "tracks"))
	// -out itself a link: the user's choice.
	linked := filepath.Join(dir, "linked")
	os.Symlink(out, linked)
	if _, err := writeFiles(t.Context(), linked, site); err != nil {
		t.Errorf("-out a link: %v", err)
	}
}
