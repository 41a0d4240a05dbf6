package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"calfeed/internal/calendar"
)

// googleICS is the Google Calendar export the importer's tests use.
func googleICS(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../internal/importer/testdata/google.ics")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// loads reports whether out is an events.yaml that loads, with n events.
func loads(t *testing.T, out string, n int) {
	t.Helper()
	cal, err := calendar.Load("out.yaml", strings.NewReader(out), calendar.Options{})
	if err != nil {
		t.Fatalf("the output does not load: %v\n%s", err, out)
	}
	if len(cal.Events) != n {
		t.Errorf("%d events, want %d", len(cal.Events), n)
	}
}

func TestImportFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "basic.ics")
	if err := os.WriteFile(src, googleICS(t), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, nil, "import", "-timezone", "Europe/Zurich", src)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	loads(t, r.stdout, 8)
	for _, want := range []string{src + ":103: \"Fortnightly report\" repeats", "calfeed import: 8 events from " + src + ", 2 notes"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}

	// -o writes a new file, and refuses to overwrite it.
	out := filepath.Join(dir, "events.yaml")
	if r := runCmd(t, nil, "import", "-o", out, "-calendar-id", "forum", "-name", "The Forum", src); r.code != 0 || r.stdout != "" {
		t.Fatalf("-o: exit %d, stdout %q: %s", r.code, r.stdout, r.stderr)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	loads(t, string(written), 8)
	if !strings.Contains(string(written), "id: forum\n  name: The Forum\n") {
		t.Errorf("-calendar-id and -name not used:\n%s", written)
	}
	if err := os.WriteFile(out, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, nil, "import", "-o", out, src)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "calfeed import: "+out+" exists, and import does not overwrite it") {
		t.Errorf("-o over a file: exit %d, want 1 and the refusal first, before any note: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "mine" {
		t.Errorf("the file was overwritten: %q", b)
	}
}

func TestImportStdin(t *testing.T) {
	const sheet = "title;start;end\nOpening;2016-05-02 09:00;2016-05-02 10:00\n"
	var stdout, stderr bytes.Buffer
	err := runImport(context.Background(), []string{"-format", "csv", "-timezone", "Europe/Zurich", "-"}, strings.NewReader(sheet), &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	loads(t, stdout.String(), 1)
	// Without -format the content says what it is.
	stdout.Reset()
	err = runImport(context.Background(), []string{"-"}, bytes.NewReader(googleICS(t)), &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	loads(t, stdout.String(), 8)
}

func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.ics")
	os.WriteFile(empty, []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"nothing usable", []string{"import", empty}, 1, "no events could be imported"},
		{"no file", []string{"import", filepath.Join(dir, "missing.ics")}, 1, "no such file"},
		{"unknown zone", []string{"import", "-timezone", "Europe/Pari", empty}, 1, `is not an IANA time zone (did you mean "Europe/Paris"?)`},
		{"bad format", []string{"import", "-format", "xls", empty}, 2, "Usage: calfeed import"},
		{"no source", []string{"import"}, 2, "Usage: calfeed import"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, nil, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", r.code, tc.code, tc.want, r.stderr)
			}
		})
	}
}

// TestImportURL fetches published calendars from a local server: the
// calendar, the errors a wrong address gives, a server that never
// answers, and one that sends too much.
func TestImportURL(t *testing.T) {
	t.Parallel() // waits and renders: alongside the others
	ics := googleICS(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/calendar/ical/secret-token/basic.ics":
			w.Header().Set("Content-Type", "text/calendar; charset=UTF-8")
			w.Write(ics)
		case "/sheet":
			w.Header().Set("Content-Type", "text/csv")
			io.WriteString(w, "title,start\nForum,2016-05-02\n")
		case "/script.ics":
			// A calendar that a script sends as a page.
			w.Header().Set("Content-Type", "text/html; charset=UTF-8")
			w.Write(ics)
		case "/", "/login.ics":
			// A subscribe page, or the login page a private address gives.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html>\n<html><body>Sign in</body></html>\n")
		case "/slow.ics":
			<-r.Context().Done()
		case "/huge.ics":
			io.CopyN(w, zeros{}, maxImportSize+1)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	r := runCmd(t, nil, "import", srv.URL+"/calendar/ical/secret-token/basic.ics")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	loads(t, r.stdout, 8)
	if strings.Contains(r.stderr+r.stdout, "secret-token") {
		t.Errorf("the private part of the address is in the output:\n%s\n%s", r.stderr, r.stdout[:200])
	}
	if !strings.Contains(r.stderr, "/…/basic.ics:103: ") {
		t.Errorf("notes do not name the source:\n%s", r.stderr)
	}
	if r := runCmd(t, nil, "import", srv.URL+"/sheet"); r.code != 0 {
		t.Errorf("text/csv: exit %d: %s", r.code, r.stderr)
	} else {
		loads(t, r.stdout, 1)
	}
	// A web page is said to be one, by its type or by its first bytes,
	// whatever its address ends in; the address is named as given.
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, target := range []string{"/", "/login.ics"} {
		r := runCmd(t, nil, "import", srv.URL+target)
		want := host + target + " is a web page, not a calendar: give the address of its feed"
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("import %s: exit %d; stderr lacks %q:\n%s", target, r.code, want, r.stderr)
		}
	}
	if r := runCmd(t, nil, "import", srv.URL+"/script.ics"); r.code != 0 {
		t.Errorf("a calendar sent as text/html: exit %d\n%s", r.code, r.stderr)
	} else {
		loads(t, r.stdout, 8)
	}
	page := filepath.Join(t.TempDir(), "saved.ics")
	os.WriteFile(page, []byte("\n<!DOCTYPE html><html></html>"), 0o644)
	if r := runCmd(t, nil, "import", page); r.code != 1 || !strings.Contains(r.stderr, "saved.ics is a web page, not a calendar") {
		t.Errorf("import of a saved web page: exit %d\n%s", r.code, r.stderr)
	}
	for _, tc := range []struct{ args []string }{
		{[]string{srv.URL + "/nothing.ics"}},
		{[]string{"-timeout", "100ms", srv.URL + "/slow.ics"}},
		{[]string{srv.URL + "/huge.ics"}},
	} {
		r := runCmd(t, nil, append([]string{"import"}, tc.args...)...)
		want := map[string]string{"/nothing.ics": "the server answered 404 Not Found; check the address", "/slow.ics": "no answer within 100ms", "/huge.ics": "is larger than the limit of 67108864 bytes; if it is the calendar you mean, raise it with -max-size"}[tc.args[len(tc.args)-1][len(srv.URL):]]
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("%v: exit %d; stderr lacks %q:\n%s", tc.args, r.code, want, r.stderr)
		}
	}
}

// TestImportMaxSize: -max-size bounds the source read, a file or stdin,
// and a larger one is refused with the limit named; raised, it is read.
func TestImportMaxSize(t *testing.T) {
	src := filepath.Join(t.TempDir(), "sheet.csv")
	sheet := "title,start\nForum,2016-05-02\n"
	if err := os.WriteFile(src, []byte(sheet), 0o644); err != nil {
		t.Fatal(err)
	}
	limit := strconv.Itoa(len(sheet) - 1)
	for _, args := range [][]string{{"-max-size", limit, src}, {"-max-size", limit, "-format", "csv", "-"}} {
		var stdout, stderr bytes.Buffer
		err := runImport(t.Context(), append([]string{"-timezone", "UTC"}, args...), strings.NewReader(sheet), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "larger than the limit of "+limit+" bytes") {
			t.Errorf("import %v: %v", args, err)
		}
	}
	for _, limit := range []string{strconv.Itoa(len(sheet)), strconv.Itoa(math.MaxInt64)} {
		if r := runCmd(t, nil, "import", "-timezone", "UTC", "-max-size", limit, src); r.code != 0 {
			t.Errorf("import -max-size %s of a source of %d bytes: exit %d, %s", limit, len(sheet), r.code, r.stderr)
		}
	}
	if r := runCmd(t, nil, "import", "-max-size", "0", src); r.code != 2 {
		t.Errorf("import -max-size 0: exit %d, want 2", r.code)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestImportStdinStopped: an import waiting on stdin (a terminal, a pipe
// nobody writes to) stops when the command is interrupted.
func TestImportStdinStopped(t *testing.T) {
	r, w := io.Pipe() // nothing is ever written
	defer w.Close()
	ctx, cancel := context.WithCancelCause(t.Context())
	done := make(chan error, 1)
	var stdout, stderr bytes.Buffer
	go func() { done <- runImport(ctx, []string{"-"}, r, &stdout, &stderr) }()
	cancel(errors.New("interrupt signal received"))
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "reading stdin stopped: interrupt signal received") {
			t.Errorf("import - interrupted: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("import - did not stop when interrupted")
	}
}
