package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"calfeed/internal/calendar"
	"calfeed/internal/lock"
	"calfeed/internal/server"
)

// runBuild writes the feeds and pages as files, for any static host.
func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "events file (env CALFEED_CONFIG; default events.yaml)")
	out := fs.String("out", "", "directory to write into (required)")
	baseURL := fs.String("base-url", "", "public URL the files will be served from (env CALFEED_BASE_URL; else calendar.base_url)")
	limits := limitFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed build [-config FILE] -out DIR [-base-url URL]

Writes the feeds and pages that serve would send, byte for byte, as files:
DIR/calendar.ics, DIR/tracks/ID.ics, DIR/events/ID.ics, DIR/index.html,
DIR/feeds.json and DIR/changes.atom. Serve DIR from any static host with
Content-Type text/calendar; charset=utf-8 for .ics files.

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	path := configPath(*config, getenv)
	if *baseURL == "" {
		*baseURL = getenv("CALFEED_BASE_URL")
	}
	var err error
	if *baseURL, err = checkBaseURL(*baseURL); err != nil {
		fmt.Fprintf(stderr, "calfeed build: %v\n", err)
		return errUsage
	}
	cal, _, err := lock.Load(ctx, path, *limits)
	if err != nil {
		return printInvalid(err, path, stderr)
	}
	for _, w := range cal.Warnings {
		fmt.Fprintln(stderr, w)
	}
	srv, err := server.New(cal, server.Options{BaseURL: *baseURL})
	if err != nil {
		return err
	}
	files, err := buildFiles(ctx, srv, cal)
	if err != nil {
		return err
	}
	for _, f := range files {
		dst := filepath.Join(*out, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("build: %w", err)
		}
		if err := os.WriteFile(dst, f.Body, 0o644); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	fmt.Fprintf(stdout, "%s: wrote %d files\n", *out, len(files))
	return nil
}

// builtFile is one file of a static build.
type builtFile struct {
	Name string // slash-separated, relative to the output directory
	Path string // the URL path serve answers with the same bytes
	Body []byte
}

// buildFiles asks the server for every file of a static build, so that the
// files are exactly the bytes serve sends.
func buildFiles(ctx context.Context, srv *server.Server, cal *calendar.Calendar) ([]builtFile, error) {
	files := []builtFile{
		{Name: "index.html", Path: "/"},
		{Name: "feeds.json", Path: "/feeds.json"},
		{Name: "changes.atom", Path: "/changes.atom"},
		{Name: "calendar.ics", Path: "/calendar.ics"},
	}
	for _, t := range cal.Tracks {
		files = append(files, builtFile{Name: "tracks/" + t.ID + ".ics", Path: "/tracks/" + t.ID + ".ics"})
	}
	for _, e := range cal.Events {
		files = append(files, builtFile{Name: "events/" + e.ID + ".ics", Path: "/events/" + e.ID + ".ics"})
	}
	// The page's own files: stylesheet, script, QR codes.
	for _, p := range srv.PageFiles() {
		files = append(files, builtFile{Name: strings.TrimPrefix(p, "/"), Path: p})
	}
	for i := range files {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, files[i].Path, nil)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("build: GET %s: status %d: %s", files[i].Path, rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
		}
		if enc := rec.Header().Get("Content-Encoding"); enc != "" {
			return nil, fmt.Errorf("build: GET %s: unexpected Content-Encoding %s", files[i].Path, enc)
		}
		files[i].Body = rec.Body.Bytes()
	}
	return files, nil
}
