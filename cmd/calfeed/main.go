// Command calfeed publishes the events of an events.yaml as iCalendar feeds.
//
//	calfeed serve [-config events.yaml] [-addr :8080] [-base-url URL]
//	calfeed check [FILE]
//
// Run `calfeed help` for every command and flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"calfeed/internal/calendar"

	// Go's time zone database, embedded: the same answers on any host, even
	// an empty container with no /usr/share/zoneinfo.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// errUsage reports bad command-line use; the usage text is already printed.
var errUsage = errors.New("usage")

// errHelp reports that -h was asked for and answered: exit 0.
var errHelp = errors.New("help")

// parseFlags parses a subcommand's flags: errHelp after -h, errUsage
// (the usage already printed) after a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) error {
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return errHelp
	case err != nil:
		return errUsage
	}
	return nil
}

// usageError prints what is wrong with a command line, then the command's
// usage, and returns errUsage.
func usageError(fs *flag.FlagSet, stderr io.Writer, format string, args ...any) error {
	fmt.Fprintf(stderr, "calfeed %s: %s\n\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}

// checkArgs returns a usage error saying what is wrong when fs has more
// than n arguments left after its flags, n being 0 or 1 (the file, or the
// source, named by what). A flag given after that argument, which the
// flag package leaves unread, is shown where it belongs. With n 0, hint
// says how the argument may have been meant.
func checkArgs(fs *flag.FlagSet, stderr io.Writer, n int, what, hint string) error {
	if fs.NArg() <= n {
		return nil
	}
	extra := fs.Arg(n)
	switch {
	case n > 0 && strings.HasPrefix(extra, "-") && extra != "-" && extra != "--":
		name, _, _ := strings.Cut(strings.TrimLeft(extra, "-"), "=")
		if name == "h" || name == "help" {
			fs.Usage() // as fs.Parse answers -h before the argument
			return errHelp
		}
		if fs.Lookup(name) == nil {
			var names []string
			fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
			takes := "no flags"
			if len(names) > 0 {
				takes = strings.Join(names, ", ")
			}
			return usageError(fs, stderr, "%s is no flag of calfeed %s, which takes %s", extra, fs.Name(), takes)
		}
		rest := fs.Args()[n:]
		return usageError(fs, stderr, "%s comes after the %s: give flags before it, as in calfeed %s %s %s",
			extra, what, fs.Name(), strings.Join(rest, " "), strings.Join(fs.Args()[:n], " "))
	case n > 0:
		return usageError(fs, stderr, "give one %s, not %q and %q", what, fs.Arg(0), extra)
	default:
		return usageError(fs, stderr, "unexpected argument %q: %s", extra, hint)
	}
}

// errInvalid reports an invalid events file; the problems are already printed.
var errInvalid = errors.New("invalid")

func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errInvalid):
		return 1
	default:
		fmt.Fprintln(stderr, errorLine(err))
		return 1
	}
}

// commandError is an error of the command named cmd: printed as its other
// lines are, "calfeed import: ...", whether or not the error names it.
type commandError struct {
	cmd string
	err error
}

func (e *commandError) Error() string {
	msg := e.err.Error()
	if strings.HasPrefix(msg, e.cmd+": ") || strings.HasPrefix(msg, e.cmd+" ") { // "token add: ..."
		return msg
	}
	return e.cmd + ": " + msg
}

func (e *commandError) Unwrap() error { return e.err }

// errorLine is how err is printed.
func errorLine(err error) string {
	if _, ok := errors.AsType[*commandError](err); ok {
		return "calfeed " + err.Error()
	}
	return "calfeed: " + err.Error()
}

const usage = `calfeed publishes the events of an events.yaml as calendar feeds.

Usage:
  calfeed init [-o events.yaml] [-timezone ZONE] [-lang en]
  calfeed serve [-config FILE or FOLDER] [-addr :8080] [-base-url URL] [-stamp] [-gzip]
  calfeed check [FILE or FOLDER]
  calfeed stamp [FILE or FOLDER]
  calfeed build [-config FILE or FOLDER] -out DIR -base-url URL
  calfeed token add -config FILE -name NAME (-tracks a,b | -all) [-base-url URL]
  calfeed token list [-config FILE]
  calfeed token revoke -config FILE -name NAME
  calfeed import [-o FILE] [-calendar-id ID] [-name NAME] [-timezone ZONE] [-lang LANG] [-format ics|csv] [-timeout 30s] [-max-size BYTES] SOURCE
  calfeed healthcheck [-addr :8080] [-timeout 3s]
  calfeed version

Every command that takes the events file (or a folder of them) takes it
with -config or as its last argument, after the flags.

Commands:
  init    write a small, commented events.yaml to start from
  serve   serve the feeds over HTTP
  check   validate an events file: every problem as FILE:LINE:COL, exit 1 if any
  stamp   record changed events in FILE.lock, raising their SEQUENCE
  build   write the feeds and pages as files for a static host
  token   make, list and revoke secret addresses of private tracks
  import  write events.yaml from an .ics, a CSV spreadsheet or a published calendar's address
  healthcheck
          exit 0 if the server answers /healthz (for container health checks)
  version print the version, commit, Go version and licence

Run "calfeed COMMAND -h" for a command's flags.
`

// run is calfeed without the process around it: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	err := runCommand(ctx, args, stdout, stderr, getenv)
	if err == nil || errors.Is(err, errUsage) || errors.Is(err, errHelp) || errors.Is(err, errInvalid) {
		return err
	}
	return &commandError{cmd: args[0], err: err}
}

// runCommand runs the command args[0].
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr, getenv)
	case "check":
		return runCheck(ctx, args[1:], stdout, stderr, getenv)
	case "init":
		return runInit(ctx, args[1:], stdout, stderr, time.Now)
	case "stamp":
		return runStamp(ctx, args[1:], stdout, stderr, getenv, time.Now)
	case "build":
		return runBuild(ctx, args[1:], stdout, stderr, getenv)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr, getenv, time.Now)
	case "import":
		return runImport(ctx, args[1:], os.Stdin, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr, getenv)
	case "version", "-version", "--version":
		return runVersion(args[1:], stdout, stderr, debug.ReadBuildInfo)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "calfeed: unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}

// configArg returns the events file or folder of a command that takes it
// both ways people write it, with -config (config) or as its one
// argument: either, else $CALFEED_CONFIG, else events.yaml. Both at once
// is a usage error, unless they are the same.
func configArg(fs *flag.FlagSet, config string, stderr io.Writer, getenv func(string) string) (string, error) {
	if err := checkArgs(fs, stderr, 1, "events file or folder", ""); err != nil {
		return "", err
	}
	arg := fs.Arg(0)
	if config != "" && arg != "" && config != arg {
		return "", usageError(fs, stderr, "give the events file or folder once, with -config or as the argument, not %q and %q", config, arg)
	}
	if arg == "" {
		arg = config
	}
	return configPath(arg, getenv), nil
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

// checkBaseURL reads "" or an absolute http(s) URL with no query or
// fragment, as calendar.HTTPURL reads addresses, and returns it without a
// trailing slash.
func checkBaseURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	u, err := calendar.HTTPURL(s)
	if err == nil && strings.ContainsAny(u, "?#") {
		err = errors.New("has a query or fragment")
	}
	if err != nil {
		return "", fmt.Errorf("-base-url %q %v; give the public address in full, like https://calendar.example.org", s, err)
	}
	return strings.TrimRight(u, "/"), nil
}

// limitFlags registers the input limits every command that reads an
// events file shares.
func limitFlags(fs *flag.FlagSet) *calendar.Options {
	var o calendar.Options
	fs.Int64Var(&o.MaxSize, "max-size", calendar.DefaultMaxSize, "largest events file (and lock file) accepted, in bytes")
	fs.IntVar(&o.MaxEvents, "max-events", calendar.DefaultMaxEvents, "most events accepted in one file")
	return &o
}

// byteSize is a flag of a number of bytes with an optional unit: 65536,
// 64KiB, 64MiB, 1GiB (or KB, MB, GB: the same powers of two).
type byteSize struct{ n *int64 }

func (b byteSize) String() string {
	if b.n == nil || *b.n == 0 {
		return ""
	}
	return strconv.FormatInt(*b.n, 10)
}

func (b byteSize) Set(s string) error {
	num := strings.TrimRightFunc(s, unicode.IsLetter)
	unit := strings.ToLower(strings.TrimSpace(s[len(num):]))
	shift := map[string]uint{"": 0, "b": 0, "k": 10, "kb": 10, "kib": 10, "m": 20, "mb": 20, "mib": 20, "g": 30, "gb": 30, "gib": 30}
	sh, ok := shift[unit]
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if !ok || err != nil || n < 0 || n > (1<<62)>>sh {
		return fmt.Errorf("%q is not a size; give bytes, or a number with KiB, MiB or GiB, such as 64MiB", s)
	}
	if n<<sh < 1<<20 {
		return fmt.Errorf("%q is less than 1MiB; give at least 1MiB", s)
	}
	*b.n = n << sh
	return nil
}
