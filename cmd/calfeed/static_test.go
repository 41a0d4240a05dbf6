package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The files that describe static hosting, and the docs that show the table.
const (
	headersTable  = "../../deploy/static/headers.md"
	uploadScript  = "../../deploy/static/upload-s3.sh"
	nginxConf     = "../../deploy/static/nginx.conf"
	staticDocs    = "../../docs/static-hosting.md"
	objectHeading = "| files | Content-Type | Cache-Control | Content-Disposition |"
	extraHeading  = "| files | header |"
)

// hostHeaders are the response headers of calfeed serve that a static host
// must reproduce for the files of a build.
var hostHeaders = []string{
	"Content-Type", "Cache-Control", "Content-Disposition", "Access-Control-Allow-Origin",
	"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
}

// objectHeaders are those of hostHeaders that object storage keeps with
// each object; a CDN or web server adds the others.
var objectHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition"}

// objectRow is a row of headers.md's first table: the headers stored with
// each object on upload. The first row that matches a file applies.
type objectRow struct {
	patterns                  []string
	contentType, cacheControl string
	disposition               string
	used                      bool
}

// extraRow is a row of the second table: a header the web server or CDN
// adds. Every row that matches a file applies.
type extraRow struct {
	patterns    []string
	name, value string
}

type headerTable struct {
	objects []*objectRow
	extras  []extraRow
	blocks  []string // each table's lines, as the docs must show them
}

// readHeaderTable parses deploy/static/headers.md.
func readHeaderTable(t *testing.T) *headerTable {
	t.Helper()
	data, err := os.ReadFile(headersTable)
	if err != nil {
		t.Fatal(err)
	}
	h := &headerTable{}
	var table string // the heading of the table being read
	var block []string
	flush := func() {
		if len(block) > 0 {
			h.blocks = append(h.blocks, strings.Join(block, "\n"))
		}
		block, table = nil, ""
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		if !strings.HasPrefix(line, "|") {
			flush()
			continue
		}
		block = append(block, line)
		plain := strings.ReplaceAll(line, "`", "")
		switch {
		case table == "":
			table = plain
			if table != objectHeading && table != extraHeading {
				t.Fatalf("%s: a table headed %q: want %q or %q", headersTable, plain, objectHeading, extraHeading)
			}
			continue
		case strings.HasPrefix(plain, "|---"):
			continue
		}
		cells := strings.Split(plain, "|")
		cells = cells[1 : len(cells)-1]
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		var patterns []string
		for p := range strings.SplitSeq(cells[0], ",") {
			patterns = append(patterns, strings.TrimSpace(p))
		}
		switch table {
		case objectHeading:
			if len(cells) != 4 {
				t.Fatalf("%s: row %q: want 4 cells", headersTable, line)
			}
			h.objects = append(h.objects, &objectRow{patterns: patterns, contentType: cells[1], cacheControl: cells[2], disposition: cells[3]})
		case extraHeading:
			name, value, ok := strings.Cut(cells[1], ": ")
			if len(cells) != 2 || !ok {
				t.Fatalf("%s: row %q: want files | Name: value", headersTable, line)
			}
			h.extras = append(h.extras, extraRow{patterns: patterns, name: name, value: value})
		}
	}
	flush()
	if len(h.objects) == 0 || len(h.extras) == 0 {
		t.Fatalf("%s: want both tables; found %d object rows, %d header rows", headersTable, len(h.objects), len(h.extras))
	}
	return h
}

// matches reports whether rel matches one of patterns, whose * stands for
// any characters, / included (as the upload script's bash matches them).
func matches(patterns []string, rel string) bool {
	for _, p := range patterns {
		re := "^" + strings.ReplaceAll(regexp.QuoteMeta(p), `\*`, ".*") + "$"
		if regexp.MustCompile(re).MatchString(rel) {
			return true
		}
	}
	return false
}

// want is what the table says a static host sends for rel.
func (h *headerTable) want(rel string, refresh int) (http.Header, error) {
	want := http.Header{}
	var row *objectRow
	for _, r := range h.objects {
		if matches(r.patterns, rel) {
			row = r
			break
		}
	}
	if row == nil {
		return nil, fmt.Errorf("no row of the first table matches %s", rel)
	}
	row.used = true
	want.Set("Content-Type", row.contentType)
	want.Set("Cache-Control", strings.ReplaceAll(row.cacheControl, "{refresh}", strconv.Itoa(refresh)))
	if row.disposition != "" {
		want.Set("Content-Disposition", row.disposition)
	}
	for _, x := range h.extras {
		if matches(x.patterns, rel) {
			want.Set(x.name, x.value)
		}
	}
	return want, nil
}

// sameDisposition reports whether a stored Content-Disposition does what
// serve's does: the same type, and a file name that is either the same or
// left out where serve's is the file's own name (which browsers then use).
func sameDisposition(stored, served, rel string) bool {
	if stored == served {
		return true
	}
	st, sp, err1 := mime.ParseMediaType(stored)
	vt, vp, err2 := mime.ParseMediaType(served)
	if err1 != nil || err2 != nil || st != vt {
		return false
	}
	return sp["filename"] == "" && vp["filename"] == path.Base(rel)
}

// compareHeaders reports where got differs from serve's headers for rel in
// the headers named; exactDisposition is false for a host that cannot name
// each download.
func compareHeaders(t *testing.T, host, rel string, names []string, got, served http.Header, exactDisposition bool) {
	t.Helper()
	for _, name := range names {
		g, s := got.Get(name), served.Get(name)
		if name == "Content-Disposition" && !exactDisposition && g != "" && sameDisposition(g, s, rel) {
			continue
		}
		if g != s {
			t.Errorf("%s: %s: %s is %q; calfeed serve sends %q", host, rel, name, g, s)
		}
	}
}

// staticFixture is a calendar with another refresh than events.yaml's, so
// that the {refresh} of the table is seen to follow the calendar.
const staticFixture = `calendar:
  id: static-check
  name: Static check
  timezone: Europe/Zurich
  languages: [en, fr]
  refresh: 90m
tracks:
  - {id: plenary, name: Plenary}
events:
  - id: opening
    title: {en: Opening, fr: Ouverture}
    start: 2026-05-04 09:00
    duration: 1h
    tracks: [plenary]
  - id: closing
    title: Closing
    start: 2026-05-08
    end: 2026-05-08
`

// TestStaticHosting builds calendars as `calfeed build` does, asks calfeed
// serve for every file, and checks that the table of deploy/static/headers.md
// (shown in docs/static-hosting.md), the S3 upload script and the nginx
// configuration give each file the headers serve sends. nginx runs when it
// is installed (or named by CALFEED_NGINX, which .ci/static-hosting sets so
// that CI never skips it).
func TestStaticHosting(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	table := readHeaderTable(t)

	docs, err := os.ReadFile(staticDocs)
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range table.blocks {
		if !strings.Contains(string(docs), block) {
			t.Errorf("%s does not show this table of %s as it is:\n%s", staticDocs, headersTable, block)
		}
	}

	fixtureDir := t.TempDir()
	fixturePath := filepath.Join(fixtureDir, "events.yaml")
	if err := os.WriteFile(fixturePath, []byte(staticFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	// Folders of calendars: the Kubernetes example's (a refresh of 6h and
	// one of 12h), and the same with 6h for both, for nginx.
	folder := filepath.Join(t.TempDir(), "calendars")
	folder6h := filepath.Join(t.TempDir(), "calendars")
	for _, dir := range []string{folder, folder6h} {
		if err := os.CopyFS(dir, os.DirFS("../../deploy/kubernetes/calendars")); err != nil {
			t.Fatal(err)
		}
	}
	measurement := filepath.Join(folder6h, "measurement.yaml")
	if b, err := os.ReadFile(measurement); err != nil || !bytes.Contains(b, []byte("refresh: 12h")) {
		t.Fatalf("%s: %v; want a refresh of 12h to change", measurement, err)
	} else if err := os.WriteFile(measurement, bytes.Replace(b, []byte("refresh: 12h"), []byte("refresh: 6h"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	every := func(seconds int) func(string) int { return func(string) int { return seconds } }
	for _, tc := range []struct {
		name    string
		config  string
		refresh func(rel string) int // seconds: the refresh of the calendar of the file rel
		nginx   bool
	}{
		// nginx.conf is written for a refresh of 6h, like events.yaml's.
		{"events.yaml", "../../events.yaml", every(6 * 3600), true},
		{"refresh 90m", fixturePath, every(90 * 60), false},
		{"folder", folder, func(rel string) int {
			if strings.HasPrefix(rel, "measurement-wg/") {
				return 12 * 3600
			}
			return 6 * 3600
		}, false},
		{"folder, 6h", folder6h, every(6 * 3600), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			if r := runCmd(t, nil, "build", "-config", tc.config, "-out", out, "-base-url", "https://calendar.example.org"); r.err != nil {
				t.Fatalf("build: %v\n%s", r.err, r.stderr)
			}
			files := staticPaths(t, out)
			served := serveHeaders(t, tc.config, files)

			for rel := range files {
				want, err := table.want(rel, tc.refresh(rel))
				if err != nil {
					t.Errorf("%s: %v: add a row with the headers serve sends for it", headersTable, err)
					continue
				}
				compareHeaders(t, headersTable, rel, hostHeaders, want, served[rel], false)
			}
			checkUpload(t, out, files, served)
			if tc.nginx {
				checkNginx(t, out, files, served)
			}
		})
	}
	for _, r := range table.objects {
		if !r.used {
			t.Errorf("%s: no file of the builds matches the row for %v: remove it, or build a calendar that has such files", headersTable, r.patterns)
		}
	}
}

// staticPaths maps each file of a build in out to the request whose
// response headers serve sends for it: a file in a language's folder is
// that language's (?lang=), a page of the programme its ?page=, and in a
// folder's build a file in a calendar's folder that calendar's (/{id}/).
func staticPaths(t *testing.T, out string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	_, err := os.Stat(filepath.Join(out, "calendar.ics"))
	folder := err != nil
	for _, rel := range builtFiles(t, out) {
		name, query, prefix := rel, url.Values{}, ""
		if id, rest, ok := strings.Cut(rel, "/"); ok && folder {
			if _, err := os.Stat(filepath.Join(out, id, "calendar.ics")); err == nil {
				name, prefix = rest, "/"+id
			}
		}
		if first, rest, ok := strings.Cut(name, "/"); ok && !slices.Contains([]string{"tracks", "events", "qr", "static"}, first) {
			name = rest
			query.Set("lang", first)
		}
		switch {
		case name == "index.html":
			name = ""
		case strings.HasPrefix(name, "page-") && strings.HasSuffix(name, ".html"):
			query.Set("page", strings.TrimSuffix(strings.TrimPrefix(name, "page-"), ".html"))
			name = ""
		}
		p := prefix + "/" + name
		if len(query) > 0 {
			p += "?" + query.Encode()
		}
		paths[rel] = p
	}
	return paths
}

// serveHeaders starts calfeed serve on config and returns its headers for
// each file's path.
func serveHeaders(t *testing.T, config string, files map[string]string) map[string]http.Header {
	t.Helper()
	s := startServe(t, nil, "-config", config, "-base-url", "https://calendar.example.org")
	base := s.base
	// A first request in a language waits for it to be rendered: under
	// -race, beside other packages' tests, that took over 5 s once.
	client := &http.Client{Timeout: 30 * time.Second}
	headers := map[string]http.Header{}
	for rel, urlPath := range files {
		resp, _ := fetch(t, client, base+urlPath, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("serve: GET %s: %s", urlPath, resp.Status)
		}
		headers[rel] = resp.Header
	}
	return headers
}

// upload is one object as the upload script stores it.
type upload struct {
	call    int // which aws call, in order
	headers http.Header
}

// checkUpload runs deploy/static/upload-s3.sh with a stand-in for the aws
// command that records each call and the files under its source folder.
func checkUpload(t *testing.T, out string, files map[string]string, served map[string]http.Header) {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "calls")
	fake := filepath.Join(dir, "aws")
	script := `#!/bin/sh
# aws s3 cp SRC DST --recursive OPTIONS: one "call" line (arguments split by
# tabs), then a "file" line for each file under SRC.
{
	printf 'call'
	for a in "$@"; do printf '\t%s' "$a"; done
	printf '\n'
	(cd "$3" && find . -type f) | sed 's/^/file\t/'
} >>"` + logPath + `"
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	const dest = "s3://calendar-bucket/site"
	cmd := exec.Command("bash", uploadScript, out, dest+"/", "--region", "eu-central-2")
	cmd.Env = append(os.Environ(), "AWS="+fake)
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("upload-s3.sh: %v\n%s", err, output)
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatalf("upload-s3.sh never ran aws: %v", err)
	}
	defer f.Close()

	uploads := map[string]upload{}
	call, calls := http.Header(nil), 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		switch fields[0] {
		case "call":
			calls++
			call = parseCopy(t, fields[1:], dest)
		case "file":
			rel := strings.TrimPrefix(fields[1], "./")
			if _, dup := uploads[rel]; dup {
				t.Errorf("upload-s3.sh uploads %s twice", rel)
			}
			uploads[rel] = upload{call: calls, headers: call}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	last := 0
	for rel := range files {
		up, ok := uploads[rel]
		if !ok {
			t.Errorf("upload-s3.sh does not upload %s", rel)
			continue
		}
		compareHeaders(t, "upload-s3.sh", rel, objectHeaders, up.headers, served[rel], false)
		if strings.HasSuffix(rel, ".ics") {
			last = max(last, up.call)
		}
	}
	for rel := range uploads {
		if _, ok := files[rel]; !ok {
			t.Errorf("upload-s3.sh uploads %s, which the build did not write", rel)
		}
	}
	if up := uploads["index.html"]; up.call <= last {
		t.Errorf("index.html goes up in call %d, not after every feed (the last in call %d): the page would link to feeds not uploaded yet", up.call, last)
	}
}

// parseCopy checks one `aws s3 cp SRC DEST --recursive ...` and returns the
// object headers it sets.
func parseCopy(t *testing.T, args []string, dest string) http.Header {
	t.Helper()
	if len(args) < 4 || args[0] != "s3" || args[1] != "cp" || args[3] != dest || !slices.Contains(args, "--recursive") {
		t.Fatalf("upload-s3.sh ran aws %q; want s3 cp SRC %s --recursive ...", args, dest)
	}
	h := http.Header{}
	for i := 4; i < len(args); i++ {
		name := map[string]string{
			"--content-type": "Content-Type", "--cache-control": "Cache-Control",
			"--content-disposition": "Content-Disposition", "--content-encoding": "Content-Encoding",
		}[args[i]]
		if name == "" {
			continue
		}
		if i+1 >= len(args) {
			t.Fatalf("aws %q: %s without a value", args, args[i])
		}
		h.Set(name, args[i+1])
		i++
	}
	if enc := h.Get("Content-Encoding"); enc != "" {
		t.Errorf("upload-s3.sh stores objects with Content-Encoding %s: feeds must go out uncompressed", enc)
	}
	return h
}

// checkNginx runs nginx with deploy/static/nginx.conf over the build and
// compares each file's headers and bytes with serve's.
func checkNginx(t *testing.T, out string, files map[string]string, served map[string]http.Header) {
	t.Helper()
	bin := os.Getenv("CALFEED_NGINX")
	if bin == "" {
		if p, err := exec.LookPath("nginx"); err == nil {
			bin = p
		} else if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
			bin = "/usr/sbin/nginx"
		} else {
			t.Skip("nginx is not installed: .ci/static-hosting installs it and runs this test with CALFEED_NGINX set")
		}
	}
	dir := t.TempDir()
	port := freePort(t)
	conf, err := os.ReadFile(nginxConf)
	if err != nil {
		t.Fatal(err)
	}
	site := string(conf)
	for old, repl := range map[string]string{
		"listen 80;":         "listen 127.0.0.1:" + port + ";",
		"root /srv/calfeed;": "root " + out + ";",
	} {
		if strings.Count(site, old) != 1 {
			t.Fatalf("%s should have %q once, for this test to replace", nginxConf, old)
		}
		site = strings.Replace(site, old, repl, 1)
	}
	if err := os.WriteFile(filepath.Join(dir, "calfeed.conf"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	top := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/calfeed.conf;
}
`, dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(top), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	cmd := exec.Command(bin, "-e", "stderr", "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	addr := "127.0.0.1:" + port
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("nginx exited: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s within 5 s:\n%s", addr, logs.String())
		}
	}

	// A client that asks for gzip but does not undo it: what is compressed
	// is seen as such.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	gz := http.Header{"Accept-Encoding": {"gzip"}}
	for rel := range files {
		urlPath := "/" + rel // a static host serves files by name
		resp, body := fetch(t, client, "http://"+addr+urlPath, gz)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("nginx: GET %s: %s", urlPath, resp.Status)
			continue
		}
		compareHeaders(t, "nginx", rel, hostHeaders, resp.Header, served[rel], true)
		enc := resp.Header.Get("Content-Encoding")
		if enc != "" && strings.HasSuffix(rel, ".ics") {
			t.Errorf("nginx: %s goes out with Content-Encoding %s: feeds must not be compressed", rel, enc)
		}
		got := []byte(body)
		if enc == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err == nil {
				got, err = io.ReadAll(zr)
			}
			if err != nil {
				t.Fatalf("nginx: %s: %v", rel, err)
			}
		}
		built, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, built) {
			t.Errorf("nginx: GET %s: not the bytes of %s", urlPath, rel)
		}
	}

	// Subscribers revalidate: nginx answers its own ETag with a 304.
	var feed string
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if path.Base(rel) == "calendar.ics" {
			feed = "/" + rel
			break
		}
	}
	resp, _ := fetch(t, client, "http://"+addr+feed, nil)
	etag := resp.Header.Get("ETag")
	resp, _ = fetch(t, client, "http://"+addr+feed, http.Header{"If-None-Match": {etag}})
	if etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("nginx: GET %s with If-None-Match %s: %s, want 304", feed, etag, resp.Status)
	}
}
