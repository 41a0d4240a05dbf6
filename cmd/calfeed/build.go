package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"

	"calfeed/internal/lock"
	"calfeed/internal/server"
	"calfeed/internal/web"
)

const buildUsage = `Usage: calfeed build [-config FILE or FOLDER] -out DIR -base-url URL

Writes the feeds and pages that serve would send as files for any static
host or CDN, in every language of the calendar and of the page:

  DIR/calendar.ics, DIR/tracks/ID.ics, DIR/events/ID.ics
      the feeds in the calendar's default language, byte for byte as serve
      sends them; DIR/LANG/... the same in each other language (en/tracks/ID.ics)
  DIR/changes.atom
      the changes feed, its links to the static pages (index.html)
  DIR/index.html, DIR/page-N.html, DIR/feeds.json, DIR/qr/ID.svg and .png
      the subscribe page (every page of a long programme), feed list and QR
      codes in the default language; DIR/LANG/... in each other language.
      Made for a static host: links to files, not queries; no reminders,
      personal agendas or /subscribe/ redirects, which need a server
  DIR/static/, DIR/robots.txt
      the page's style, script and icon; robots.txt allowing all

The files are made in a folder beside DIR and moved into it at the end: a
build that fails, or is stopped, leaves DIR as it was. Files DIR holds that
the build does not write are kept.

Subscribe links must be absolute, so the public address the files will be
served from is required: -base-url, else CALFEED_BASE_URL, else
calendar.base_url. With a FOLDER of calendars (every *.yaml in it), each
calendar's files go in DIR/{id}/, and an index of them (in every language)
and feeds.json listing them at DIR/. Serve .ics files as text/calendar; charset=utf-8,
uncompressed (docs/static-hosting.md). Reminders (?alarm=) and personal
agendas need a running server: the static pages leave them out.

`

// runBuild writes the feeds and pages as files, for any static host.
func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "events file, or a folder of them, each a calendar built into DIR/{id}/ (env CALFEED_CONFIG; default events.yaml)")
	out := fs.String("out", "", "directory to write into (required)")
	baseURL := fs.String("base-url", "", "public URL the files will be served from (env CALFEED_BASE_URL; else calendar.base_url; required)")
	limits := limitFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, buildUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := configArg(fs, *config, stderr, getenv)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError(fs, stderr, "give the folder to write the site into with -out DIR")
	}
	if *baseURL == "" {
		*baseURL = getenv("CALFEED_BASE_URL")
	}
	if *baseURL, err = checkBaseURL(*baseURL); err != nil {
		fmt.Fprintf(stderr, "calfeed build: %v\n", err)
		return errUsage
	}
	if isFolder(path) {
		if *baseURL == "" {
			fmt.Fprintf(stderr, "calfeed build: no public address for the subscribe links; give the address the folder will be served from with -base-url https://calendar.example.org or CALFEED_BASE_URL (each calendar goes under it, at /{id}/)\n")
			return errUsage
		}
		n, err := buildFolder(ctx, path, *out, server.Options{BaseURL: *baseURL}, *limits, stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: wrote %d files\n", *out, n)
		return nil
	}
	cal, _, err := lock.Load(ctx, path, *limits)
	if err != nil {
		return printInvalid(err, path, stderr)
	}
	if *baseURL == "" && cal.BaseURL == "" {
		fmt.Fprintf(stderr, "calfeed build: no public address for the subscribe links; give the address the files will be served from with -base-url https://calendar.example.org, CALFEED_BASE_URL, or calendar.base_url in %s\n", path)
		return errUsage
	}
	for _, w := range cal.Warnings {
		fmt.Fprintln(stderr, w)
	}
	if base := cmp.Or(*baseURL, cal.BaseURL); !web.PublicHTTPS(base) {
		fmt.Fprintf(stderr, "calfeed build: warning: %s is not a public https address: Google Calendar and Outlook cannot fetch feeds from it, so their subscribe buttons will fail\n", base)
	}
	srv, err := server.New(cal, server.Options{BaseURL: *baseURL})
	if err != nil {
		return err
	}
	n, err := writeFiles(ctx, *out, srv.EachStaticFile)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: wrote %d files\n", *out, n)
	return nil
}

// writeFiles writes the files a static site's each gives under out, and
// returns how many it wrote. Each is written as it is made (a large
// calendar's site is many times its feeds' size) into a folder beside
// out, and moved into out once all are made: a build that fails or is
// stopped half way leaves out as it was, not half old and half new.
func writeFiles(ctx context.Context, out string, each func(context.Context, func(server.File) error) error) (int, error) {
	if err := os.MkdirAll(filepath.Dir(filepath.Clean(out)), 0o755); err != nil {
		return 0, fmt.Errorf("build: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(out)), "."+filepath.Base(filepath.Clean(out))+".build-")
	if err != nil {
		return 0, fmt.Errorf("build: %w", err)
	}
	defer os.RemoveAll(tmp)
	var names []string
	made := map[string]bool{}
	err = each(ctx, func(f server.File) error {
		name := filepath.FromSlash(f.Name)
		if dir := filepath.Dir(name); !made[dir] {
			if err := os.MkdirAll(filepath.Join(tmp, dir), 0o755); err != nil {
				return err
			}
			made[dir] = true
		}
		if err := os.WriteFile(filepath.Join(tmp, name), f.Body, 0o644); err != nil {
			return err
		}
		names = append(names, name)
		return nil
	})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return 0, fmt.Errorf("build: %w; %s was left as it was", err, out)
	}
	for dir := range made {
		if err := noLinkBelow(out, dir); err != nil {
			return 0, fmt.Errorf("build: %w; %s was left as it was", err, out)
		}
	}
	for dir := range made {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return 0, fmt.Errorf("build: %w", err)
		}
	}
	for i, name := range names {
		if err := moveFile(filepath.Join(tmp, name), filepath.Join(out, name)); err != nil {
			return i, fmt.Errorf("build: %w (%d of %d files moved into %s)", err, i, len(names), out)
		}
	}
	return len(names), nil
}

// noLinkBelow reports an error when a folder on the way from out to
// out/dir is a symbolic link (the files written there would land where it
// points, outside out; out itself may be one: it is the user's choice), or
// a file, which the build would stop at half way.
func noLinkBelow(out, dir string) error {
	if dir == "." {
		return nil
	}
	p := out
	for _, part := range strings.Split(dir, string(filepath.Separator)) {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if err != nil {
			return nil // not there yet: made as a folder
		}
		if fi.Mode()&iofs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: build writes only into folders under -out, not where a link points; remove it, or build into another folder", p)
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is a file where the site has a folder; move it away, or build into another folder", p)
		}
	}
	return nil
}

// moveFile renames src to dst, or copies it where a rename cannot (out is
// a mount of its own, such as a container's volume). A rename replaces a
// link at dst; the copy does too, rather than write where it points.
func moveFile(src, dst string) error {
	if os.Rename(src, dst) == nil {
		return nil
	}
	if fi, err := os.Lstat(dst); err == nil && fi.Mode()&iofs.ModeSymlink != 0 {
		if err := os.Remove(dst); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}
