package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/lock"
	"calfeed/internal/token"
)

// Limits past which calendar clients are known to struggle.
const (
	maxFeedBytes  = 1 << 20 // Google Calendar drops subscriptions to feeds over about 1 MB
	maxFeedEvents = 1000    // Google Calendar's import limit
)

// runCheck validates an events file and prints every problem.
func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the events file or folder, as the argument gives it")
	limits := limitFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed check [FILE or FOLDER]

Validates FILE (default: $CALFEED_CONFIG, else events.yaml), or every
*.yaml of a FOLDER of calendars and that no two share an id. Prints every
problem as FILE:LINE:COL: message and exits 1 if there is any. Warnings
(valid, but clients may mishandle it, or events changed since the last
calfeed stamp) are printed too and exit 0.

`)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := configArg(fs, *config, stderr, getenv)
	if err != nil {
		return err
	}
	if isFolder(path) {
		return checkFolder(ctx, path, *limits, stdout, stderr)
	}
	cal, err := checkFile(ctx, path, *limits, stdout, stderr)
	if err == nil {
		printOK(stdout, path, cal)
	}
	return err
}

// printOK says that the events file at path is valid, and what it holds.
func printOK(stdout io.Writer, path string, cal *calendar.Calendar) {
	fmt.Fprintf(stdout, "%s: ok: %d %s, %d %s\n", path,
		len(cal.Events), plural(len(cal.Events), "event", "events"),
		len(cal.Tracks), plural(len(cal.Tracks), "track", "tracks"))
}

// checkFile checks one events file: every problem, and the warnings of a
// valid one, on stderr; errInvalid when it is not valid. The caller says
// it is valid (printOK) once nothing else is wrong with it.
func checkFile(ctx context.Context, path string, limits calendar.Options, stdout, stderr io.Writer) (*calendar.Calendar, error) {
	cal, lk, err := lock.Load(ctx, path, limits)
	if err != nil {
		return nil, printInvalid(err, path, stderr)
	}
	for _, w := range cal.Warnings {
		fmt.Fprintln(stderr, w)
	}
	if was := lock.Renamed(cal, lk); was != "" {
		fmt.Fprintf(stderr, "%s:%d:%d: warning: %s\n", path, cal.IDLine, cal.IDCol, renamed(path, was, cal))
	}
	warnings, err := clientWarnings(cal, lk, path)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "%s: warning: %s\n", path, w)
	}
	tokens, err := token.Read(ctx, token.Path(path))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, errInvalid
	}
	for _, p := range tokens.Check(cal) {
		fmt.Fprintf(stderr, "%s: warning: %s\n", token.Path(path), p)
	}
	return cal, nil
}

// clientWarnings names what clients will mishandle in a valid calendar.
func clientWarnings(cal *calendar.Calendar, lk *lock.File, path string) ([]string, error) {
	var ws []string
	if len(cal.Events) > maxFeedEvents {
		ws = append(ws, fmt.Sprintf("%d events in the full feed; Google Calendar imports at most %d: point subscribers at track feeds", len(cal.Events), maxFeedEvents))
	}
	r, err := feed.New(cal)
	if err != nil {
		return nil, err
	}
	for _, lang := range cal.Languages {
		parts, err := r.Parts(feed.Feed{Name: cal.Name.In(lang), Description: cal.Description.In(lang), Events: cal.Events}, lang)
		if err != nil {
			return nil, err
		}
		size := 0
		for _, p := range parts {
			size += len(p)
		}
		if size > maxFeedBytes {
			ws = append(ws, fmt.Sprintf("the full feed in %s is %d KiB; Google Calendar stops refreshing feeds over 1 MiB: point subscribers at track feeds", lang, size>>10))
			break
		}
	}
	hashes, err := r.ContentHashes()
	if err != nil {
		return nil, err
	}
	pending := lock.Pending(cal, hashes, lk)
	switch {
	case lk == nil:
		ws = append(ws, fmt.Sprintf("no lock file yet; run calfeed stamp %s and commit %s, so that later edits reach subscribers", path, lock.Path(path)))
	case len(pending) > 0:
		text, onlyNew := unstamped(pending, lk)
		why := "or Google Calendar will ignore the edits"
		if onlyNew {
			why = "so that " + plural(len(pending), "its", "their") + " later edits reach subscribers"
		}
		ws = append(ws, fmt.Sprintf("%s (%s); run calfeed stamp %s, %s", text, strings.Join(pending, ", "), path, why))
	}
	if lock.OwnPending(cal, lk) {
		ws = append(ws, ownUnstamped(path))
	}
	return ws, nil
}

// renamed says that cal's id is no longer was, the one its lock was
// stamped for, what that does, and what to do.
func renamed(path, was string, cal *calendar.Calendar) string {
	return fmt.Sprintf("calendar.id is %q, but %s was stamped for %q: every event's UID (<event id>@<calendar id>) changes with it, so subscribers' calendars see every event removed and another added, and the secret addresses made for %q end; put %q back, unless you mean to publish the calendar anew (then calfeed stamp %s)",
		cal.ID, lock.Path(path), was, was, was, path)
}

// ownUnstamped says that the calendar's own fields changed since the last
// stamp, and what to do.
func ownUnstamped(path string) string {
	return fmt.Sprintf("the calendar's own fields (name, description, zone, refresh or tracks) changed since the last stamp, or were never stamped: run calfeed stamp %s, so that calendars that revalidate by date (If-Modified-Since) take a change", path)
}
