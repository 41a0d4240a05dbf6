package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"calfeed/internal/importer"
)

// maxImportSize is the default bound on what import reads (-max-size): a
// calendar of many thousand events is a few MB, and an import takes about
// 14 times an .ics source in memory, 30 to 70 times a CSV file (measured:
// 9.7 MB, 297 MB; 19 MB, 1.34 GB).
const maxImportSize = 64 << 20

// runImport writes events.yaml from a calendar kept elsewhere: an .ics
// file, a CSV file, stdin or an http(s) address.
func runImport(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write events.yaml to `FILE` (never overwritten) instead of stdout")
	var opts importer.Options
	fs.StringVar(&opts.CalendarID, "calendar-id", "", "calendar.id (`ID`); default: from the source")
	fs.StringVar(&opts.Name, "name", "", "calendar.name (`NAME`); default: the source's")
	fs.StringVar(&opts.Timezone, "timezone", "", "the calendar's IANA `ZONE`, for times given in UTC or without zone; default: the source's")
	fs.StringVar(&opts.Lang, "lang", "", "the `LANG`uage of the source's text (default en, or zh, ru or ar for texts written mostly in that script)")
	format := fs.String("format", "", "`ics` or csv; default: from the file name, the server's Content-Type, or the content")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for an http(s) SOURCE")
	maxSize := fs.Int64("max-size", maxImportSize, "largest SOURCE read, in `BYTES` (an import takes about 14 times an .ics source in memory, 30 to 70 times a CSV file)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed import [-o FILE] [-calendar-id ID] [-name NAME] [-timezone ZONE] [-lang LANG] [-format ics|csv] [-timeout 30s] [-max-size BYTES] SOURCE

Writes events.yaml, on stdout or to -o FILE, from SOURCE: an iCalendar
file (.ics, as Google Calendar, Outlook and Apple Calendar export it), a
spreadsheet saved as CSV, - for stdin, or the http(s) or webcal address of
a published calendar. Each event keeps its UID (uid:), so that people
subscribed to the old feed see updates, not duplicates.

What events.yaml cannot say is approximated or dropped, never silently:
each such change is reported on stderr as SOURCE:LINE: message. Exits 1
when nothing could be imported. See docs/import.md.

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "" && *format != "ics" && *format != "csv" {
		return usageError(fs, stderr, "-format is ics or csv, not %q", *format)
	}
	if fs.NArg() == 0 {
		return usageError(fs, stderr, "give the SOURCE to import: a file, an http(s) address, or - for standard input")
	}
	if err := checkArgs(fs, stderr, 1, "SOURCE", ""); err != nil {
		return err
	}
	src := fs.Arg(0)
	if *maxSize <= 0 {
		fmt.Fprintf(stderr, "calfeed import: -max-size %d: give the largest source to read, in bytes\n", *maxSize)
		return errUsage
	}
	if *out != "" {
		// Before the import's work and notes: they would be for nothing.
		// (writeNew refuses it too, should the file appear meanwhile.)
		if _, err := os.Lstat(*out); err == nil {
			return errExists(*out)
		}
	}
	data, name, kind, err := readSource(ctx, src, stdin, *timeout, *maxSize)
	if err != nil {
		return err
	}
	switch sniffed := sniff(data); {
	case *format != "":
		kind = *format
	case sniffed != "csv":
		// What the bytes are says more than a name or a Content-Type: a
		// calendar sent as text/html (a script's default) is a calendar,
		// and a login page at an address ending in .ics is a page.
		kind = sniffed
	case kind == "html" || kind == "":
		kind = sniffed
	}
	if kind == "html" {
		return fmt.Errorf("import: %s is a web page, not a calendar: give the address of its feed, which usually ends in .ics (a calfeed subscribe page links each of its feeds), or an .ics or CSV file (or -format, if it is one)", name)
	}
	opts.Now = time.Now
	res, err := convert(ctx, kind, name, data, opts)
	if res != nil {
		for _, n := range res.Notes {
			fmt.Fprintln(stderr, n)
		}
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if *out == "" {
		_, err := stdout.Write(res.YAML)
		fmt.Fprintf(stderr, "calfeed import: %d %s from %s, %d %s\n", res.Events, plural(res.Events, "event", "events"), name, len(res.Notes), plural(len(res.Notes), "note", "notes"))
		return err
	}
	if err := writeNew(*out, res.YAML); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "calfeed import: wrote %s: %d %s from %s, %d %s; next: calfeed check %s\n", *out, res.Events, plural(res.Events, "event", "events"), name, len(res.Notes), plural(len(res.Notes), "note", "notes"), *out)
	return nil
}

// convert imports data, or gives up when ctx is done (Ctrl-C, SIGTERM):
// the importer does not look at ctx, and a large or hostile file can take
// a while (see untilDone).
func convert(ctx context.Context, kind, name string, data []byte, opts importer.Options) (*importer.Result, error) {
	res, err := untilDone(ctx, func() (*importer.Result, error) {
		if kind == "csv" {
			return importer.CSV(name, data, opts)
		}
		return importer.ICS(name, data, opts)
	})
	if ctx.Err() != nil && res == nil {
		return nil, fmt.Errorf("stopped while importing %s: %w", name, err)
	}
	return res, err
}

// untilDone returns what f returns, or the cause of ctx's end if that
// comes first: for work that does not look at ctx (the importer, a read
// of stdin that waits on a terminal or a pipe), run on its own and left
// behind, to end with the process.
func untilDone[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}

// errExists refuses to write over path.
func errExists(path string) error {
	return fmt.Errorf("import: %s exists, and import does not overwrite it: give another -o, or remove it first", path)
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return errExists(path)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("import: %w", err)
	}
	return f.Close()
}

// readSource reads SOURCE: stdin, a URL or a file. name is what notes
// call it, and kind the format its name or Content-Type says ("" if
// neither does).
func readSource(ctx context.Context, src string, stdin io.Reader, timeout time.Duration, limit int64) (data []byte, name, kind string, err error) {
	switch {
	case src == "-":
		data, err = untilDone(ctx, func() ([]byte, error) { return readLimited(stdin, "stdin", limit) })
		if data == nil && ctx.Err() != nil {
			err = fmt.Errorf("import: reading stdin stopped: %w", err)
		}
		return data, "stdin", "", err
	case isURL(src):
		return fetchSource(ctx, src, timeout, limit)
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, "", "", fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	data, err = readLimited(f, src, limit)
	return data, src, kindOf(src), err
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "webcal" || u.Scheme == "webcals")
}

// readLimited reads all of r, up to limit bytes.
func readLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, min(limit, math.MaxInt64-1)+1)) // one more: to see a larger one
	if err != nil {
		return nil, fmt.Errorf("import: reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("import: %s is larger than the limit of %d bytes; if it is the calendar you mean, raise it with -max-size (an import takes about 14 times an .ics source in memory, 30 to 70 times a CSV file)", name, limit)
	}
	return data, nil
}

// fetchSource gets a published calendar. A webcal address is fetched over
// https, as calendar clients do. The name it returns leaves out the
// address's path but its last part: a calendar's private address (Google's
// "secret address in iCal format") should not end up in a report or a
// file header.
func fetchSource(ctx context.Context, src string, timeout time.Duration, limit int64) (data []byte, name, kind string, err error) {
	u, _ := url.Parse(src)
	switch u.Scheme {
	case "webcal":
		u.Scheme = "https"
	case "webcals":
		u.Scheme = "https"
	}
	name = u.Host + "/" + path.Base(u.Path)
	if strings.Trim(u.Path, "/") == "" {
		name = u.Host + "/" // path.Base would make it host//
	} else if strings.Count(strings.Trim(u.Path, "/"), "/") > 0 {
		name = u.Host + "/…/" + path.Base(u.Path)
	}
	client := &http.Client{Timeout: timeout}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, "", "", fmt.Errorf("import: %s: %w", name, err)
	}
	req.Header.Set("Accept", "text/calendar, text/csv;q=0.9, */*;q=0.1")
	req.Header.Set("User-Agent", "calfeed-import")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Timeout() {
			return nil, "", "", fmt.Errorf("import: fetching %s: no answer within %s; check the address, or try again with a longer -timeout", name, timeout)
		}
		return nil, "", "", fmt.Errorf("import: fetching %s: %v; check the address and the connection", name, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", "", fmt.Errorf("import: fetching %s: the server answered %s; check the address (a published calendar's address usually ends in .ics) and that the calendar is public", name, resp.Status)
	}
	data, err = readLimited(resp.Body, name, limit)
	if err != nil {
		return nil, "", "", err
	}
	kind = kindOf(u.Path)
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err == nil {
		switch mt {
		case "text/calendar":
			kind = "ics"
		case "text/csv":
			kind = "csv"
		case "text/html", "application/xhtml+xml":
			kind = "html"
		}
	}
	return data, name, kind, nil
}

// kindOf says the format a file name names, or "".
func kindOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ics", ".ical", ".icalendar", ".ifb", ".vcs":
		return "ics"
	case ".csv":
		return "csv"
	}
	return ""
}

// sniff tells an iCalendar stream from a CSV file by its first line, and
// either from a web page ("html"), which a CSV file does not begin as.
func sniff(data []byte) string {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(data) >= 15 && strings.EqualFold(string(data[:15]), "BEGIN:VCALENDAR") {
		return "ics"
	}
	for _, start := range []string{"<!doctype html", "<html", "<!--", "<head", "<body"} {
		if len(data) >= len(start) && strings.EqualFold(string(data[:len(start)]), start) {
			return "html"
		}
	}
	return "csv"
}
