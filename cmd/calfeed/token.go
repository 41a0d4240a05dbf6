package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"calfeed/internal/calendar"
	"calfeed/internal/token"
)

const tokenUsage = `Usage:
  calfeed token add -config FILE -name NAME (-tracks a,b | -all) [-base-url URL] [-folder]
  calfeed token list [-config FILE]
  calfeed token revoke -config FILE -name NAME

Secret addresses of private tracks. add makes a token that shows the
public calendar and the private events of the tracks it grants (or of all
of them), prints its address, then the token alone on the last line. Only
a hash of it is kept, in FILE.tokens: it is never shown again. list shows
the tokens' names and grants; revoke ends one. A running server picks up
the change as it does an edit of FILE. Run calfeed token add -h (list -h,
revoke -h) for what each flag means.
`

// runToken runs calfeed token add, list and revoke.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(stdout, tokenUsage)
			return errHelp
		}
		fmt.Fprint(stderr, tokenUsage)
		return errUsage
	}
	switch args[0] {
	case "add":
		return runTokenAdd(ctx, args[1:], stdout, stderr, getenv, now)
	case "list":
		return runTokenList(ctx, args[1:], stdout, stderr, getenv)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], stdout, stderr, getenv)
	default:
		fmt.Fprintf(stderr, "calfeed token: unknown command %q\n\n%s", args[0], tokenUsage)
		return errUsage
	}
}

// tokenFlags are the flags every token command takes.
func tokenFlags(name string, stderr io.Writer, getenv func(string) string) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("token "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "events file whose tokens these are (env CALFEED_CONFIG; default events.yaml)")
	fs.Usage = func() {
		fmt.Fprint(stderr, tokenUsage+"\n")
		fs.PrintDefaults()
	}
	return fs, config
}

func runTokenAdd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) error {
	fs, config := tokenFlags("add", stderr, getenv)
	name := fs.String("name", "", "who the token is for, as token list shows it (required)")
	tracks := fs.String("tracks", "", "comma-separated ids of the tracks whose private events it shows")
	all := fs.Bool("all", false, "show every private track and event")
	baseURL := fs.String("base-url", "", "public URL of the calendar, for the address printed (env CALFEED_BASE_URL; else calendar.base_url)")
	inFolder := fs.Bool("folder", false, "print the address for the calendar served with the others of its folder (serve -config DIR), under /ID/; by default, when its folder holds other calendars")
	limits := limitFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := configArg(fs, *config, stderr, getenv)
	if err != nil {
		return err
	}
	if *name == "" || (*tracks == "") == !*all {
		return usageError(fs, stderr, "give -name, and either -tracks or -all")
	}
	cal, err := calendar.ReadFile(ctx, path, *limits)
	if err != nil {
		return printInvalid(err, path, stderr)
	}
	g := calendar.Grant{All: *all}
	if *all && !cal.HasPrivate() {
		return fmt.Errorf("token add: %s has nothing private, so a token would show only the public calendar; mark tracks or events private: true first", path)
	}
	for _, id := range strings.Split(*tracks, ",") {
		if id = strings.TrimSpace(id); id == "" || slices.Contains(g.Tracks, id) {
			continue
		}
		if msg := token.GrantProblem(cal, id); msg != "" {
			return fmt.Errorf("token add: %s: %s", path, msg)
		}
		g.Tracks = append(g.Tracks, id)
	}
	if !g.All && len(g.Tracks) == 0 {
		return fmt.Errorf("token add: -tracks names no track")
	}
	tokensPath := token.Path(path)
	f, err := token.Read(ctx, tokensPath)
	if err != nil {
		return err
	}
	f, tok, err := f.Add(cal.ID, *name, g, now())
	if err != nil {
		return fmt.Errorf("token add: %w", err)
	}
	if err := f.Write(tokensPath); err != nil {
		return err
	}
	folderSet := false
	fs.Visit(func(f *flag.Flag) { folderSet = folderSet || f.Name == "folder" })
	dir := filepath.Dir(path)
	folder := *inFolder
	if !folderSet {
		folder = calendarsIn(dir) > 1
	}
	// The calendar's public address: -base-url, else $CALFEED_BASE_URL,
	// else the file's calendar.base_url; "" when none is given.
	base := cmp.Or(*baseURL, getenv("CALFEED_BASE_URL"), cal.BaseURL)
	addr, notes := secretAddress(base, cal.ID, tok, folder, getenv)
	for _, n := range notes {
		fmt.Fprintf(stderr, "calfeed token add: %s\n", n)
	}
	if alone, _ := secretAddress(base, cal.ID, "TOKEN", false, getenv); folder && !folderSet && alone != strings.Replace(addr, tok, "TOKEN", 1) {
		fmt.Fprintf(stderr, "calfeed token add: %s holds other calendars, so the address below is this calendar's where serve -config %s serves them as a folder; served alone (serve -config %s), it is %s (-folder=false prints that one)\n", dir, dir, path, alone)
	}
	fmt.Fprintf(stdout, "Secret address for %q (%s):\n", *name, grantText(g))
	fmt.Fprintf(stdout, "  page:  %s\n  feed:  %scalendar.ics\n", addr, addr)
	fmt.Fprintf(stderr, "Share it only with %s: anyone who has it sees what it grants. It is not shown again; it ends with: calfeed token revoke -config %s -name %q\n", *name, path, *name)
	fmt.Fprintln(stdout, tok)
	return nil
}

func runTokenList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, config := tokenFlags("list", stderr, getenv)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := configArg(fs, *config, stderr, getenv)
	if err != nil {
		return err
	}
	f, err := token.Read(ctx, token.Path(path))
	if err != nil {
		return err
	}
	if f == nil || len(f.Tokens) == 0 {
		fmt.Fprintf(stdout, "%s has no tokens (calfeed token add makes one)\n", path)
		return nil
	}
	rows := [][]string{{"NAME", "GRANTS", "CREATED"}}
	for _, t := range f.Tokens {
		rows = append(rows, []string{t.Name, grantText(t.Grant()), t.Created.UTC().Format(time.RFC3339)})
	}
	return writeTable(stdout, rows)
}

// writeTable writes rows as columns two spaces apart, lined up as a
// terminal shows them: a Chinese, Japanese or Korean character takes two
// columns (text/tabwriter counts it as one, and a name in Chinese pushed
// the columns after it out of line).
func writeTable(w io.Writer, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is how many columns a terminal gives s: two for a wide or
// full-width character (Unicode's East Asian Width), none for a
// combining mark, one for the others.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r):
		case slices.Contains([]width.Kind{width.EastAsianWide, width.EastAsianFullwidth}, width.LookupRune(r).Kind()):
			n += 2
		default:
			n++
		}
	}
	return n
}

func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs, config := tokenFlags("revoke", stderr, getenv)
	name := fs.String("name", "", "the token's name, as token list shows it (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	path, err := configArg(fs, *config, stderr, getenv)
	if err != nil {
		return err
	}
	if *name == "" {
		return usageError(fs, stderr, "give -name")
	}
	tokensPath := token.Path(path)
	f, err := token.Read(ctx, tokensPath)
	if err != nil {
		return err
	}
	if !f.Revoke(*name) {
		var names []string
		if f != nil {
			for _, t := range f.Tokens {
				names = append(names, fmt.Sprintf("%q", t.Name))
			}
		}
		if len(names) == 0 {
			return fmt.Errorf("token revoke: %s has no tokens", path)
		}
		return fmt.Errorf("token revoke: %s has no token named %q (tokens: %s)", path, *name, strings.Join(names, ", "))
	}
	if err := f.Write(tokensPath); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Revoked %q: its address is a 404 once the server reloads %s (within a few seconds when it watches the file).\n", *name, tokensPath)
	return nil
}

// grantText describes a grant for a person.
func grantText(g calendar.Grant) string {
	if g.All {
		return "all private tracks and events"
	}
	return "tracks " + strings.Join(g.Tracks, ",")
}

// localBase is the address of a server on this machine listening where
// serve would by default, with this environment (see listenAddr).
func localBase(getenv func(string) string) string {
	hostPort, err := onThisMachine(listenAddr("", getenv), "localhost")
	if err != nil {
		return "http://localhost:8080"
	}
	return "http://" + hostPort
}

// topCalendarKey is the line that begins an events file's calendar (the
// file's first may begin with a byte order mark).
var topCalendarKey = regexp.MustCompile(`(?m)^(?:\x{FEFF})?calendar:`)

// calendarsIn counts the events files in dir: its *.yaml files with a
// calendar:, which serve -config dir serves (it tries every *.yaml, and
// a docker-compose.yaml beside events.yaml makes no folder of calendars).
func calendarsIn(dir string) int {
	n := 0
	for _, f := range configFiles(dir) {
		if data, err := os.ReadFile(f); err == nil && topCalendarKey.Match(data) {
			n++
		}
	}
	return n
}

// secretAddress is the address of token tok's page: under base, or a
// local server's when base is "" (localBase), and under /id/ when the
// calendar is served in a folder and base does not end there already.
// The notes say what was assumed.
func secretAddress(base, id, tok string, folder bool, getenv func(string) string) (string, []string) {
	var notes []string
	if base == "" {
		base = localBase(getenv)
		notes = append(notes, "no public address known (-base-url, CALFEED_BASE_URL or calendar.base_url): the address below is a local server's, on the address serve listens on by default here (CALFEED_ADDR, PORT or :8080); for serve -addr :8081, give -base-url http://localhost:8081")
	}
	base = strings.TrimRight(base, "/")
	if folder && !strings.HasSuffix(base, "/"+id) {
		base += "/" + id
	}
	return base + "/p/" + tok + "/", notes
}
