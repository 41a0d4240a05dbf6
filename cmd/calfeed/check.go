package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"calfeed/internal/calendar"
)

// runCheck validates an events file and prints every problem.
func runCheck(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	maxSize := fs.Int64("max-size", calendar.DefaultMaxSize, "largest events file accepted, in bytes")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: calfeed check [FILE]

Validates FILE (default: $CALFEED_CONFIG, else events.yaml). Prints every
problem as FILE:LINE:COL: message and exits 1 if there is any; warnings
(valid, but clients may mishandle it) are printed too and exit 0.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errUsage
	}
	path := configPath(fs.Arg(0), getenv)
	cal, err := calendar.ReadFile(path, calendar.Options{MaxSize: *maxSize})
	var invalid *calendar.Error
	if errors.As(err, &invalid) {
		for _, p := range invalid.Problems {
			fmt.Fprintln(stderr, p)
		}
		fmt.Fprintf(stderr, "%s: %d %s\n", path, len(invalid.Problems), plural(len(invalid.Problems), "problem", "problems"))
		return errInvalid
	}
	if err != nil {
		return err
	}
	for _, w := range cal.Warnings {
		fmt.Fprintln(stderr, w)
	}
	fmt.Fprintf(stdout, "%s: ok: %d %s, %d %s\n", path,
		len(cal.Events), plural(len(cal.Events), "event", "events"),
		len(cal.Tracks), plural(len(cal.Tracks), "track", "tracks"))
	return nil
}

// configPath is the events file: the argument, else $CALFEED_CONFIG, else events.yaml.
func configPath(arg string, getenv func(string) string) string {
	switch {
	case arg != "":
		return arg
	case getenv("CALFEED_CONFIG") != "":
		return getenv("CALFEED_CONFIG")
	default:
		return "events.yaml"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
