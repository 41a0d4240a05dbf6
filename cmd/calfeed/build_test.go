package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// get fetches base+path and returns the body and ETag.
func get(t *testing.T, base, path string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v", path, resp.StatusCode, err)
	}
	return body, resp.Header.Get("ETag")
}

// seedPaths are the files a build of the repository's events.yaml writes,
// with the paths serve answers them on.
func seedPaths(t *testing.T, dir string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		url := "/" + rel
		if rel == "index.html" {
			url = "/"
		}
		paths[rel] = url
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

// TestBuildEqualsServe builds the repository's events.yaml, and a file of
// repeating events (whose occurrences the page and feeds.json list), and
// checks that every file holds exactly the bytes serve sends for its path.
func TestBuildEqualsServe(t *testing.T) {
	for _, tc := range []struct {
		config string
		files  []string // some of the files the build must write
	}{
		{"../../events.yaml", []string{"index.html", "feeds.json", "changes.atom", "calendar.ics", "tracks/gender.ics", "tracks/measurement.ics", "tracks/action-lines.ics", "events/wsis-forum-2016.ics"}},
		{"../../internal/feed/testdata/repeat.yaml", []string{"index.html", "feeds.json", "tracks/wg.ics", "events/weekly-briefing.ics"}},
	} {
		t.Run(filepath.Base(tc.config), func(t *testing.T) { testBuildEqualsServe(t, tc.config, tc.files) })
	}
}

func testBuildEqualsServe(t *testing.T, config string, files []string) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"build", "-config", config, "-out", out, "-base-url", "https://calendar.example.org"}, &stdout, &stderr, fakeEnv(nil))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	paths := seedPaths(t, out)
	for _, want := range files {
		if _, ok := paths[want]; !ok {
			t.Errorf("build wrote no %s", want)
		}
	}
	port := freePort(t)
	s := startServe(t, nil, "-config", config, "-addr", "127.0.0.1:"+port, "-base-url", "https://calendar.example.org")
	base := "http://127.0.0.1:" + port
	s.waitHealthy(t, base)
	for file, path := range paths {
		built, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		served, _ := get(t, base, path)
		if !bytes.Equal(built, served) {
			t.Errorf("%s differs from GET %s (%d vs %d bytes)", file, path, len(built), len(served))
		}
	}
	if !strings.Contains(stdout.String(), "wrote") {
		t.Errorf("build said %q", stdout.String())
	}
}

// TestReplicasAgree starts two servers on the same files, as replicas behind
// a load balancer, and compares every feed's bytes and ETag.
func TestReplicasAgree(t *testing.T) {
	var bases []string
	for range 2 {
		port := freePort(t)
		s := startServe(t, nil, "-config", "../../events.yaml", "-addr", "127.0.0.1:"+port)
		base := "http://127.0.0.1:" + port
		s.waitHealthy(t, base)
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
