package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"time"

	"calfeed/internal/calendar"
	"calfeed/internal/feed"
	"calfeed/internal/lock"
)

// runStamp records each event's published content in FILE.lock and raises
// SEQUENCE and LAST-MODIFIED of the events that changed.
func runStamp(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) error {
	fs := flag.NewFlagSet("stamp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the events file or folder, as the argument gives it")
	limits := limitFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed stamp [FILE or FOLDER]

Records each event's published content in FILE.lock (commit it with FILE)
and raises SEQUENCE and LAST-MODIFIED of every event whose content changed,
so that calendar clients take the change; with a FOLDER, every *.yaml in it.
FILE defaults to $CALFEED_CONFIG, else events.yaml. Run it after editing,
before publishing.

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
	stampOne := func(file string) error { return stampFile(ctx, file, *limits, stdout, stderr, now) }
	if isFolder(path) {
		return stampFolder(ctx, path, *limits, stdout, stderr, stampOne)
	}
	return stampOne(path)
}

// stampFile stamps one events file.
func stampFile(ctx context.Context, path string, limits calendar.Options, stdout, stderr io.Writer, now func() time.Time) error {
	cal, err := calendar.ReadFile(ctx, path, limits)
	if err != nil {
		return printInvalid(err, path, stderr)
	}
	lockPath := lock.Path(path)
	old, err := lock.Read(ctx, lockPath, lock.MaxSize(limits))
	if err != nil {
		return err
	}
	r, err := feed.New(cal)
	if err != nil {
		return err
	}
	hashes, err := r.ContentHashes()
	if err != nil {
		return err
	}
	f, changes := lock.Stamp(cal, hashes, old, now())
	own := f.OwnChanged(old)
	if old != nil && len(changes) == 0 && !own && old.Version == lock.Version {
		fmt.Fprintf(stdout, "%s: no event changed since the last stamp\n", path)
		return nil
	}
	if err := f.Write(lockPath); err != nil {
		return err
	}
	if old == nil {
		fmt.Fprintf(stdout, "%s: created with %d %s at SEQUENCE 0; commit it with %s\n", lockPath, len(f.Events), plural(len(f.Events), "event", "events"), path)
		return nil
	}
	for _, c := range changes {
		fmt.Fprintf(stdout, "%-9s %s (SEQUENCE %d)\n", c.Kind, c.Event, c.Sequence)
	}
	if was := lock.Renamed(cal, old); was != "" {
		fmt.Fprintf(stdout, "renamed   the calendar from %s to %s: every event's UID changed with its id\n", was, cal.ID)
	}
	switch {
	case !own:
	case old.Calendar == nil:
		fmt.Fprintln(stdout, "recorded  the calendar's own fields (name, description, zone, refresh, tracks)")
	case old.Calendar.Hash != f.Calendar.Hash || old.Calendar.PrivateTracksHash != f.Calendar.PrivateTracksHash:
		fmt.Fprintln(stdout, "edited    the calendar's own fields (name, description, zone, refresh, tracks)")
	}
	what := fmt.Sprintf("%d %s", len(changes), plural(len(changes), "event change", "event changes"))
	switch {
	case own && len(changes) == 0:
		what = "the calendar's own fields"
	case own:
		what += " and the calendar's own fields"
	}
	fmt.Fprintf(stdout, "%s: %s stamped; commit it with %s\n", lockPath, what, path)
	return nil
}

// printInvalid prints the problems of an invalid events file and returns
// errInvalid; any other error is returned as it is, and one that says the
// file is not there says what to do.
func printInvalid(err error, path string, stderr io.Writer) error {
	var invalid *calendar.Error
	if !errors.As(err, &invalid) {
		if errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("%w (create one with calfeed init -o %s, or give the path of yours)", err, path)
		}
		return err
	}
	for _, p := range invalid.Problems {
		fmt.Fprintln(stderr, p)
	}
	for _, w := range invalid.Warnings {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stderr, "%s: %d %s\n", path, invalid.Count(), plural(invalid.Count(), "problem", "problems"))
	return errInvalid
}

// unstamped says what pending, the events lock.Pending found against the
// lock lk (not nil), are: "2 events changed since the last stamp", "1 new
// event not stamped yet", or both; onlyNew when none was stamped before,
// whose edits calendars take until a stamp (see the SEQUENCE).
func unstamped(pending []string, lk *lock.File) (text string, onlyNew bool) {
	added := 0
	for _, id := range pending {
		if _, ok := lk.Events[id]; !ok {
			added++
		}
	}
	changed := len(pending) - added
	switch {
	case changed == 0:
		return fmt.Sprintf("%d new %s not stamped yet", added, plural(added, "event", "events")), true
	case added == 0:
		return fmt.Sprintf("%d %s changed since the last stamp", changed, plural(changed, "event", "events")), false
	}
	return fmt.Sprintf("%d %s changed since the last stamp, and %d new %s", changed, plural(changed, "event", "events"), added, plural(added, "one", "ones")), false
}
